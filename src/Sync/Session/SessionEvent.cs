using Datom.Log.Entries;
using Datom.Log.Model;
using Datom.Sync.Protocol;

namespace Datom.Sync.Session;

/// <summary>
/// What a <see cref="SyncSession"/> asks its shell to do, besides sending frames (which the shell
/// takes with <see cref="SyncSession.PollTransmit"/>). Taken with <see cref="SyncSession.PollEvent"/>
/// after every input, in order.
/// </summary>
internal abstract record SessionEvent;

/// <summary>
/// Verify this frame of entries (signatures, hashes, sizes: pure work the shell may spread over
/// cores) and hand the result back with <see cref="SyncSession.Verified"/>, in the order the
/// Verify and <see cref="EndOfRoundEvent"/> events came out.
/// </summary>
internal sealed record VerifyEvent(EntriesMessage Entries) : SessionEvent;

/// <summary>The peer finished answering a pull; it goes through the same ordered queue as <see cref="VerifyEvent"/> (hand back <see cref="VerifiedBatch.EndOfRound"/>).</summary>
internal sealed record EndOfRoundEvent(SyncDoneMessage Done) : SessionEvent;

/// <summary>
/// Hand this verified entry to the log's ingest path, and the outcome back with
/// <see cref="SyncSession.Ingested"/> or <see cref="SyncSession.Refused"/>, in the order of these events.
/// <paramref name="Live"/>: it was pushed, not pulled (the node relays pushed entries on as they are stored).
/// </summary>
internal sealed record IngestEvent(Entry Entry, bool Live) : SessionEvent;

/// <summary>An entry announced by <see cref="IngestEvent"/> was not stored after all (a duplicate, or not accepted).</summary>
internal sealed record NotArrivingEvent(EntryHash Hash) : SessionEvent;

/// <summary>The log did not take an entry, and that is not the peer's fault (an author this node does not allow, parents missing, the held buffer full).</summary>
internal sealed record NotAcceptedEvent(EntryHash Hash, string Reason) : SessionEvent;

/// <summary>
/// A frame's verification failed at one of its entries: once the ingests before it have settled
/// (they were valid and stay), the shell ends the connection with <paramref name="Error"/>.
/// </summary>
internal sealed record FailEvent(SyncProtocolException Error) : SessionEvent;

/// <summary>This node's pull finished: both sides then hold what the peer held at its start.</summary>
internal sealed record PullCompletedEvent(uint Round, long Received, long Stored, TimeSpan Elapsed) : SessionEvent;

/// <summary>A pull stored new entries: the node's other peers may want to pull them from here (a ResyncHint each).</summary>
internal sealed record HintOthersEvent : SessionEvent;

/// <summary>This node finished answering one of the peer's pulls (its SyncDone was taken for sending).</summary>
internal sealed record ServedEvent(uint Round, long Sent, int Probes, int ProbedHashes, TimeSpan Elapsed) : SessionEvent;

/// <summary>The push queue was full and an entry was dropped; the peer will be told to pull once it drains.</summary>
internal sealed record PushOverflowEvent(int Capacity) : SessionEvent;

/// <summary>The peer said goodbye; the session is closed.</summary>
internal sealed record GoodbyeEvent(SyncError Error, string Reason) : SessionEvent;

using Datom.Log;
using Datom.Log.Model;
using Datom.Sync.Protocol;
using Microsoft.Extensions.Logging;

namespace Datom.Sync.Connection;

/// <summary>What a connection needs from the node that owns it.</summary>
internal interface IPeerHost
{
    DatomLog Log { get; }

    SyncNodeOptions Options { get; }

    ILogger Logger { get; }

    EntryVerifier Verifier { get; }

    /// <summary>An entry from <paramref name="from"/> is about to be ingested: once stored, it is not pushed back there.</summary>
    void Arriving(EntryHash hash, PeerConnection from, bool live);

    /// <summary>The entry was not stored after all (a duplicate, or refused).</summary>
    void NotArriving(EntryHash hash);

    /// <summary>A pull round from <paramref name="from"/> stored new entries: other peers may want to pull them from us.</summary>
    void RoundBroughtNews(PeerConnection from);

    /// <summary>Records the peer's misbehaviour (log, ban); returns the ban's length.</summary>
    TimeSpan Misbehaved(PeerConnection peer, SyncProtocolException error);
}

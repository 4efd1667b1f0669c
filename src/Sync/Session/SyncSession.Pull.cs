using Datom.Log;
using Datom.Log.Entries;
using Datom.Log.Model;
using Datom.Sync.Connection;
using Datom.Sync.Protocol;

namespace Datom.Sync.Session;

/// <summary>
/// This node pulling from the peer: one round at a time; the entries that come back, and pushed
/// ones, are verified and ingested by the shell in the order sent, and the round ends once its
/// SyncDone has arrived and every entry before it has settled in the log.
/// </summary>
internal sealed partial class SyncSession
{
    private readonly Queue<(EntryHash Hash, PullRound? Round)> _ingesting = new();

    /// <summary>The pull round in progress, if any (at most one).</summary>
    private PullRound? _pull;

    private uint _nextRound;
    private bool _pullWanted;
    private TimeSpan _nextPull;

    /// <summary>Ingests announced so far, and settled so far (the shell settles them in order).</summary>
    private long _ingestsStarted;
    private long _ingestsSettled;

    /// <summary>Asks for a pull round soon: at once if none is in progress, else right after it (many asks make one round).</summary>
    public void RequestPull(TimeSpan now)
    {
        if (IsClosed)
            return;
        if (_pull is not null)
            _pullWanted = true;
        else
            StartPull(now);
    }

    /// <summary>Tells the peer this node has entries it may lack (it answers by pulling).</summary>
    public void Hint()
    {
        if (!IsClosed)
            _control.Enqueue(new ResyncHintMessage());
    }

    private void StartPull(TimeSpan now)
    {
        _pullWanted = false;
        _pull = new PullRound(++_nextRound, now, now + _options.RequestTimeout);
        _control.Enqueue(new SyncRequestMessage(_pull.Id, _reconciler.Summary()));
    }

    /// <summary>The peer asks, while serving our pull, which of some hashes we hold.</summary>
    private void AnswerProbe(ProbeMessage probe)
    {
        if (_pull is not { } round || round.Id != probe.Round)
            SyncThrow.Unexpected($"probe for round {probe.Round}, which is not the pull in progress");
        var held = new bool[probe.Hashes.Count];
        for (var i = 0; i < held.Length; i++)
            held[i] = _log.Contains(probe.Hashes[i]);
        _control.Enqueue(ProbeReplyMessage.Create(probe.Round, held));
    }

    /// <summary>
    /// The result of a <see cref="VerifyEvent"/> (or the marker of an <see cref="EndOfRoundEvent"/>),
    /// in order. Every entry that verified, up to the first that did not, becomes an
    /// <see cref="IngestEvent"/>; a failed one then becomes a <see cref="FailEvent"/>.
    /// </summary>
    public void Verified(VerifiedBatch batch, TimeSpan now)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (IsClosed)
            return;
        if (batch.Done is { } done)
        {
            var pull = _pull;
            if (pull is null || pull.Id != done.Round)
                SyncThrow.Unexpected($"the end of round {done.Round}, which is not the pull in progress");
            pull.DoneAfter = _ingestsStarted;
            TryFinishPull(now);
            return;
        }
        var round = batch.Round == 0 ? null : _pull;
        for (var i = 0; i < batch.Entries.Length; i++)
        {
            if (batch.Errors[i] is { } error)
            {
                _events.Enqueue(new FailEvent(new SyncProtocolException(SyncError.InvalidEntry, "the peer sent an entry that fails verification: " + error.Message, error)));
                return;
            }
            var entry = batch.Entries[i]!;
            Knowledge.Holds(entry.Author, entry.Hash, entry.Seq);
            _ingesting.Enqueue((entry.Hash, round));
            _ingestsStarted++;
            if (round is not null)
                round.Received++;
            _events.Enqueue(new IngestEvent(entry, Live: batch.Round == 0));
        }
    }

    /// <summary>The log took the entry of the oldest unsettled <see cref="IngestEvent"/>.</summary>
    public void Ingested(IngestResult result, TimeSpan now)
    {
        ArgumentNullException.ThrowIfNull(result);
        var (_, round) = Settle(result.Entry.Hash);
        switch (result.Status)
        {
            case IngestStatus.Stored:
                var stored = 1 + result.Released.Count;
                EntriesStored += stored;
                if (round is not null)
                    round.Stored += stored;
                break;
            case IngestStatus.Duplicate:
                _events.Enqueue(new NotArrivingEvent(result.Entry.Hash));
                break;
            case IngestStatus.Held:
                // Its parents come later in this round, or a push overtook them: a pull fills the gap.
                if (round is null)
                    RequestPull(now);
                break;
        }
        foreach (var rejected in result.ReleasedRejected)
            _events.Enqueue(new NotAcceptedEvent(default, rejected.Message));
        TryFinishPull(now);
    }

    /// <summary>
    /// The log refused the entry of the oldest unsettled <see cref="IngestEvent"/>. Throws if that
    /// is the peer's fault; an author this node does not allow, or parents it lacks, are not.
    /// </summary>
    public void Refused(Entry entry, EntryRejectedException rejection, TimeSpan now)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(rejection);
        Settle(entry.Hash);
        _events.Enqueue(new NotArrivingEvent(entry.Hash));
        switch (rejection.Reason)
        {
            case RejectReason.AuthorNotAllowed:
                // Not misbehaviour: the peer may trust authors we do not. Not stored, not relayed.
                _events.Enqueue(new NotAcceptedEvent(entry.Hash, rejection.Message));
                break;
            case RejectReason.PendingBufferFull or RejectReason.MissingParents:
                _events.Enqueue(new NotAcceptedEvent(entry.Hash, rejection.Message));
                RequestPull(now);
                break;
            default:
                throw new SyncProtocolException(SyncError.InvalidEntry, $"the peer sent entry {entry.Hash}, which the log refuses: {rejection.Message}", rejection);
        }
        TryFinishPull(now);
    }

    private (EntryHash Hash, PullRound? Round) Settle(EntryHash hash)
    {
        if (!_ingesting.TryDequeue(out var item) || item.Hash != hash)
            throw new InvalidOperationException($"ingest result for {hash}, which is not the oldest ingest in flight");
        _ingestsSettled++;
        return item;
    }

    /// <summary>Ends the pull in progress once its SyncDone has come and every entry before it has settled.</summary>
    private void TryFinishPull(TimeSpan now)
    {
        if (_pull is not { DoneAfter: { } doneAfter } round || _ingestsSettled < doneAfter)
            return;
        _pull = null;
        PullsCompleted++;
        _nextPull = now + _options.AntiEntropyInterval;
        _events.Enqueue(new PullCompletedEvent(round.Id, round.Received, round.Stored, now - round.Started));
        if (round.Stored > 0)
            _events.Enqueue(new HintOthersEvent());
        if (_pullWanted && !IsClosed)
            StartPull(now);
    }

    /// <summary>This node's pull in progress: its id, its deadline, and counts filled in as its entries settle.</summary>
    private sealed class PullRound(uint id, TimeSpan started, TimeSpan deadline)
    {
        public uint Id { get; } = id;

        public TimeSpan Started { get; } = started;

        public TimeSpan Deadline { get; } = deadline;

        /// <summary>Set when the SyncDone is verified: the number of ingests started before it.</summary>
        public long? DoneAfter { get; set; }

        public long Received { get; set; }

        public long Stored { get; set; }
    }
}

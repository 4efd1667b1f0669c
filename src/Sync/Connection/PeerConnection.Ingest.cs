using Datom.Log;
using Datom.Log.Entries;
using Datom.Sync.Protocol;
using Microsoft.Extensions.Logging;

namespace Datom.Sync.Connection;

/// <summary>
/// Entries from the peer: verified in parallel, then handed to the log in the order sent. Entries
/// going out: pushed live as the log stores them.
/// </summary>
internal sealed partial class PeerConnection
{
    /// <summary>Ingests started and not yet checked, at most: the log's group commit makes one fsync serve many.</summary>
    private const int IngestWindow = 1024;

    private int _pushOverflowed;
    private long _lastThrottleLogTicks;

    /// <summary>
    /// Offers an entry the log just stored to this peer (called on the log's commit thread, so it
    /// never waits). If the push queue is full the entry is dropped and, once the queue drains, the
    /// peer is asked to pull, which finds it by reconciliation.
    /// </summary>
    public void OfferPush(Entry entry)
    {
        if (_push.Writer.TryWrite(entry))
            return;
        if (Interlocked.Exchange(ref _pushOverflowed, 1) == 0)
            SyncLog.PushOverflow(_logger, RemoteId, _options.PushQueueCapacity);
    }

    /// <summary>
    /// Takes Entries frames and SyncDone markers in order; starts each frame's verification (on all
    /// cores) and passes the pending result on, so several frames verify while earlier ones are ingested.
    /// </summary>
    private async Task VerifyLoopAsync(CancellationToken token)
    {
        await foreach (var message in _inbound.Reader.ReadAllAsync(token).ConfigureAwait(false))
        {
            switch (message)
            {
                case EntriesMessage entries:
                    CheckRound(entries.Round, "entries");
                    Interlocked.Add(ref _entriesReceived, entries.Entries.Count);
                    if (await _bucket.TakeAsync(entries.Entries.Count, token).ConfigureAwait(false))
                        LogThrottling();
                    var verifier = _host.Verifier;
                    await _verified.Writer.WriteAsync(Task.Run(() => verifier.Verify(entries), token), token).ConfigureAwait(false);
                    break;
                case SyncDoneMessage done:
                    CheckRound(done.Round, "the end of a round");
                    await _verified.Writer.WriteAsync(Task.FromResult(VerifiedBatch.EndOfRound(done)), token).ConfigureAwait(false);
                    break;
            }
        }
    }

    private void CheckRound(uint round, string what)
    {
        if (round == 0 && what == "entries")
            return; // a live push
        lock (_roundGate)
        {
            if (_pull is not { } pull || pull.Id != round)
                SyncThrow.Unexpected($"{what} for round {round}, which is not the pull in progress");
        }
    }

    private void LogThrottling()
    {
        var now = _options.Time.GetTimestamp();
        var last = Volatile.Read(ref _lastThrottleLogTicks);
        if (last == 0 || _options.Time.GetElapsedTime(last, now) > TimeSpan.FromSeconds(30))
        {
            Volatile.Write(ref _lastThrottleLogTicks, now);
            SyncLog.Throttling(_logger, RemoteId, _options.MaxEntriesPerSecond);
        }
    }

    /// <summary>
    /// Hands verified entries to the log in the order the peer sent them, keeping up to
    /// <see cref="IngestWindow"/> in flight. The first entry that fails verification ends the
    /// connection; the entries before it were valid and stay. Nothing that failed is stored or relayed.
    /// </summary>
    private async Task IngestLoopAsync(CancellationToken token)
    {
        var window = new Queue<(Entry Entry, Task<IngestResult> Ingest, PullRound? Round)>();
        await foreach (var pending in _verified.Reader.ReadAllAsync(token).ConfigureAwait(false))
        {
            var batch = await pending.ConfigureAwait(false);
            PullRound? round = null;
            if (batch.Round != 0)
            {
                lock (_roundGate)
                    round = _pull;
            }
            if (batch.Done is not null)
            {
                while (window.Count > 0)
                    await SettleAsync(window.Dequeue()).ConfigureAwait(false);
                round?.Done.TrySetResult();
                continue;
            }
            for (var i = 0; i < batch.Entries.Length; i++)
            {
                if (batch.Errors[i] is { } error)
                {
                    while (window.Count > 0)
                        await SettleAsync(window.Dequeue()).ConfigureAwait(false);
                    SyncLog.EntryRefused(_logger, $"#{i} of a frame", RemoteId, error.Message);
                    throw new SyncProtocolException(SyncError.InvalidEntry, "the peer sent an entry that fails verification: " + error.Message, error);
                }
                var entry = batch.Entries[i]!;
                _knowledge.Holds(entry.Author, entry.Hash, entry.Seq);
                _host.Arriving(entry.Hash, this, live: batch.Round == 0);
                window.Enqueue((entry, _log.IngestVerifiedAsync(entry, token), round));
                if (round is not null)
                    round.Received++;
                if (window.Count >= IngestWindow)
                    await SettleAsync(window.Dequeue()).ConfigureAwait(false);
            }
            // Nothing more waiting: check what is in flight now rather than when the next frame comes.
            if (_verified.Reader.Count == 0)
            {
                while (window.Count > 0)
                    await SettleAsync(window.Dequeue()).ConfigureAwait(false);
            }
        }
    }

    private async Task SettleAsync((Entry Entry, Task<IngestResult> Ingest, PullRound? Round) item)
    {
        IngestResult result;
        try
        {
            result = await item.Ingest.ConfigureAwait(false);
        }
        catch (EntryRejectedException e)
        {
            _host.NotArriving(item.Entry.Hash);
            switch (e.Reason)
            {
                case RejectReason.AuthorNotAllowed:
                    // Not misbehaviour: the peer may trust authors we do not. Not stored, not relayed.
                    SyncLog.EntryNotAccepted(_logger, item.Entry.Hash, RemoteId, e.Message);
                    return;
                case RejectReason.PendingBufferFull or RejectReason.MissingParents:
                    SyncLog.EntryNotAccepted(_logger, item.Entry.Hash, RemoteId, e.Message);
                    RequestPull();
                    return;
                default:
                    SyncLog.EntryRefused(_logger, item.Entry.Hash.ToString(), RemoteId, e.Message);
                    throw new SyncProtocolException(SyncError.InvalidEntry, $"the peer sent entry {item.Entry.Hash}, which the log refuses: {e.Message}", e);
            }
        }
        switch (result.Status)
        {
            case IngestStatus.Stored:
                var stored = 1 + result.Released.Count;
                Interlocked.Add(ref _entriesStored, stored);
                if (item.Round is not null)
                    item.Round.Stored += stored;
                break;
            case IngestStatus.Duplicate:
                _host.NotArriving(item.Entry.Hash);
                break;
            case IngestStatus.Held:
                // Its parents come later in this round, or a push overtook them: a pull fills the gap.
                if (item.Round is null)
                    RequestPull();
                break;
        }
        if (_logger.IsEnabled(LogLevel.Debug))
        {
            foreach (var rejected in result.ReleasedRejected)
                SyncLog.EntryNotAccepted(_logger, default, RemoteId, rejected.Message);
        }
    }

    /// <summary>Sends what the log stores to the peer, after the first round served (so pushes follow the history they build on).</summary>
    private async Task PushLoopAsync(CancellationToken token)
    {
        await _firstServe.Task.WaitAsync(token).ConfigureAwait(false);
        var batch = new List<ReadOnlyMemory<byte>>(64);
        var reader = _push.Reader;
        while (await reader.WaitToReadAsync(token).ConfigureAwait(false))
        {
            long bytes = 0;
            while (batch.Count < _limits.MaxEntriesPerFrame && bytes < _limits.TargetFrameBytes && reader.TryRead(out var entry))
            {
                if (_knowledge.Covers(_log, entry))
                    continue;
                batch.Add(entry.Encoded);
                bytes += entry.Encoded.Length + 5;
                _knowledge.Holds(entry.Author, entry.Hash, entry.Seq);
            }
            if (batch.Count > 0)
            {
                await _outgoing.Writer.WriteAsync(new EntriesMessage(0, [.. batch]), token).ConfigureAwait(false);
                batch.Clear();
            }
            if (reader.Count == 0 && Interlocked.Exchange(ref _pushOverflowed, 0) == 1)
                await _outgoing.Writer.WriteAsync(new ResyncHintMessage(), token).ConfigureAwait(false);
        }
    }
}

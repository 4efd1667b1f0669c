using Datom.Log;
using Datom.Log.Entries;
using Datom.Sync.Protocol;
using Datom.Sync.Session;

namespace Datom.Sync.Connection;

/// <summary>
/// Entries from the peer: verified in parallel, then handed to the log in the order sent, with each
/// outcome given back to the session. Entries going out: offered by the log as it stores them.
/// </summary>
internal sealed partial class PeerConnection
{
    /// <summary>Ingests started and not yet checked, at most: the log's group commit makes one fsync serve many.</summary>
    private const int IngestWindow = 1024;

    private int _pushDropped;
    private long _lastThrottleLogTicks;

    /// <summary>
    /// Offers an entry the log just stored to this peer (called on the log's commit thread, so it
    /// never waits, nor takes the session's lock: the writer moves it into the session). If the push
    /// queue is full the entry is dropped and the session asks the peer to pull, which finds it by
    /// reconciliation.
    /// </summary>
    public void OfferPush(Entry entry)
    {
        if (!_push.Writer.TryWrite(entry))
            Interlocked.Exchange(ref _pushDropped, 1);
        _writeWanted.Writer.TryWrite(true);
    }

    /// <summary>Moves offered entries into the session; true if there were any (or any were dropped).</summary>
    private bool FeedPushes()
    {
        var dropped = Interlocked.Exchange(ref _pushDropped, 0) == 1;
        if (_push.Reader.Count == 0 && !dropped)
            return false;
        Observe(Step((s, _) =>
        {
            while (_push.Reader.TryRead(out var entry))
                s.Offer(entry);
            if (dropped)
                s.PushDropped();
        }));
        return true;
    }

    /// <summary>
    /// Takes the session's Verify and EndOfRound events in order; starts each frame's verification
    /// (on all cores) and passes the pending result on, so several frames verify while earlier ones
    /// are ingested.
    /// </summary>
    private async Task VerifyLoopAsync(CancellationToken token)
    {
        await foreach (var e in _inbound.Reader.ReadAllAsync(token).ConfigureAwait(false))
        {
            switch (e)
            {
                case VerifyEvent verify:
                    if (await _bucket.TakeAsync(verify.Entries.Entries.Count, token).ConfigureAwait(false))
                        LogThrottling();
                    var verifier = _host.Verifier;
                    await _verified.Writer.WriteAsync(Task.Run(() => verifier.Verify(verify.Entries), token), token).ConfigureAwait(false);
                    break;
                case EndOfRoundEvent end:
                    await _verified.Writer.WriteAsync(Task.FromResult(VerifiedBatch.EndOfRound(end.Done)), token).ConfigureAwait(false);
                    break;
            }
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
    /// <see cref="IngestWindow"/> in flight, and gives each outcome back to the session in that
    /// order. The first entry that fails verification ends the connection; the entries before it
    /// were valid and stay. Nothing that failed is stored or relayed.
    /// </summary>
    private async Task IngestLoopAsync(CancellationToken token)
    {
        var window = new Queue<(Entry Entry, Task<IngestResult> Ingest)>();
        await foreach (var pending in _verified.Reader.ReadAllAsync(token).ConfigureAwait(false))
        {
            var batch = await pending.ConfigureAwait(false);
            var events = Step((s, now) => s.Verified(batch, now));
            foreach (var e in events ?? [])
            {
                switch (e)
                {
                    case IngestEvent ingest:
                        _host.Arriving(ingest.Entry.Hash, this, ingest.Live);
                        window.Enqueue((ingest.Entry, _log.IngestVerifiedAsync(ingest.Entry, token)));
                        if (window.Count >= IngestWindow)
                            await SettleAsync(window.Dequeue()).ConfigureAwait(false);
                        break;
                    case FailEvent fail:
                        while (window.Count > 0)
                            await SettleAsync(window.Dequeue()).ConfigureAwait(false);
                        SyncLog.EntryRefused(_logger, "an entry of a frame", RemoteId, fail.Error.Message);
                        throw fail.Error;
                    default:
                        Observe(e);
                        break;
                }
            }
            // Nothing more waiting, or a round ended: check what is in flight now rather than when the next frame comes.
            if (batch.Done is not null || _verified.Reader.Count == 0)
            {
                while (window.Count > 0)
                    await SettleAsync(window.Dequeue()).ConfigureAwait(false);
            }
        }
    }

    private async Task SettleAsync((Entry Entry, Task<IngestResult> Ingest) item)
    {
        IngestResult result;
        try
        {
            result = await item.Ingest.ConfigureAwait(false);
        }
        catch (EntryRejectedException e)
        {
            try
            {
                Observe(Step((s, now) => s.Refused(item.Entry, e, now)));
            }
            catch (SyncProtocolException)
            {
                _host.NotArriving(item.Entry.Hash);
                SyncLog.EntryRefused(_logger, item.Entry.Hash.ToString(), RemoteId, e.Message);
                throw;
            }
            return;
        }
        Observe(Step((s, now) => s.Ingested(result, now)));
    }
}

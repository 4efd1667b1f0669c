using System.Diagnostics;
using System.Threading.Channels;
using Datom.Log.Model;
using Datom.Sync.Protocol;
using Datom.Sync.Reconcile;

namespace Datom.Sync.Connection;

/// <summary>
/// Both directions of reconciliation. As the puller, this node sends its summary and takes what comes
/// back; as the server, it answers the peer's summary with what the peer lacks. Each side pulls once
/// on connecting, again when told to (ResyncHint), when an entry arrives without its parents, and
/// every <see cref="SyncNodeOptions.AntiEntropyInterval"/>.
/// </summary>
internal sealed partial class PeerConnection
{
    private readonly TaskCompletionSource _firstPull = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _firstServe = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Channel<bool> _pullWanted = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly Lock _roundGate = new();

    /// <summary>The pull round in progress, if any (the puller has at most one).</summary>
    private PullRound? _pull;

    /// <summary>The probe the server is waiting on, if any.</summary>
    private PendingProbe? _probe;

    private uint _nextRound;
    private int _pullsCompleted;
    private int _roundsServed;
    private long _lastPullTicks;

    public DateTimeOffset? LastPullCompleted { get; private set; }

    /// <summary>Asks for a pull round soon (coalesced: many requests while one is pending make one round).</summary>
    public void RequestPull() => _pullWanted.Writer.TryWrite(true);

    /// <summary>Tells the peer we have entries it may lack (it answers by pulling).</summary>
    public void HintResync() => _outgoing.Writer.TryWrite(new ResyncHintMessage());

    private async Task PullLoopAsync(CancellationToken token)
    {
        var time = _options.Time;
        RequestPull();
        while (true)
        {
            using (var wait = CancellationTokenSource.CreateLinkedTokenSource(token))
            {
                wait.CancelAfter(_options.AntiEntropyInterval);
                try
                {
                    await _pullWanted.Reader.ReadAsync(wait.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!token.IsCancellationRequested)
                {
                    // The anti-entropy interval passed: pull anyway.
                }
            }

            var started = time.GetTimestamp();
            var round = new PullRound(++_nextRound);
            lock (_roundGate)
                _pull = round;
            await _outgoing.Writer.WriteAsync(new SyncRequestMessage(round.Id, _reconciler.Summary()), token).ConfigureAwait(false);
            try
            {
                await round.Done.Task.WaitAsync(_options.RequestTimeout, time, token).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                SyncThrow.Error(SyncError.RequestTimeout, $"the peer did not finish answering pull round {round.Id} within {_options.RequestTimeout}");
            }
            lock (_roundGate)
                _pull = null;
            Interlocked.Increment(ref _pullsCompleted);
            Volatile.Write(ref _lastPullTicks, time.GetTimestamp());
            LastPullCompleted = time.GetUtcNow();
            var elapsed = time.GetElapsedTime(started);
            SyncLog.PullCompleted(_logger, round.Id, RemoteId, round.Received, round.Stored, elapsed);
            _firstPull.TrySetResult();
            if (round.Stored > 0)
                _host.RoundBroughtNews(this);
        }
    }

    /// <summary>Control messages, one at a time, in order. Nothing here waits on the peer except for room to send.</summary>
    private async Task ControlLoopAsync(CancellationToken token)
    {
        await foreach (var message in _control.Reader.ReadAllAsync(token).ConfigureAwait(false))
        {
            switch (message)
            {
                case SyncRequestMessage request:
                    // The peer pulls one round at a time: one may be served while the next waits, no more.
                    if (!_requests.Writer.TryWrite(request))
                        SyncThrow.Unexpected($"pull request {request.Round} while two are already in progress");
                    break;
                case ProbeMessage probe:
                    await AnswerProbeAsync(probe, token).ConfigureAwait(false);
                    break;
                case ProbeReplyMessage reply:
                    PendingProbe? pending;
                    lock (_roundGate)
                    {
                        pending = _probe;
                        _probe = null;
                    }
                    if (pending is null || pending.Round != reply.Round || pending.Count != reply.Count)
                        SyncThrow.Unexpected($"probe reply for round {reply.Round} with {reply.Count} answers, which no probe asked for");
                    pending.Reply.TrySetResult(reply);
                    break;
                case ResyncHintMessage:
                    RequestPull();
                    break;
                default:
                    SyncThrow.Unexpected(message.Type.ToString());
                    break;
            }
        }
    }

    private async ValueTask AnswerProbeAsync(ProbeMessage probe, CancellationToken token)
    {
        lock (_roundGate)
        {
            if (_pull is not { } round || round.Id != probe.Round)
                SyncThrow.Unexpected($"probe for round {probe.Round}, which is not the pull in progress");
        }
        var held = new bool[probe.Hashes.Count];
        for (var i = 0; i < held.Length; i++)
            held[i] = _log.Contains(probe.Hashes[i]);
        await _outgoing.Writer.WriteAsync(ProbeReplyMessage.Create(probe.Round, held), token).ConfigureAwait(false);
    }

    /// <summary>Answers the peer's pull requests, one at a time.</summary>
    private async Task ServeLoopAsync(CancellationToken token)
    {
        await foreach (var request in _requests.Reader.ReadAllAsync(token).ConfigureAwait(false))
        {
            var started = Stopwatch.GetTimestamp();
            _knowledge.Observe(request.Authors);
            var plan = await _reconciler.PlanAsync(request.Authors, hashes => ProbeAsync(request.Round, hashes, token), token).ConfigureAwait(false);
            var sent = await SendAsync(request.Round, plan, token).ConfigureAwait(false);
            await _outgoing.Writer.WriteAsync(new SyncDoneMessage(request.Round, sent), token).ConfigureAwait(false);
            Interlocked.Increment(ref _roundsServed);
            var elapsed = Stopwatch.GetElapsedTime(started);
            SyncLog.Served(_logger, request.Round, RemoteId, sent, plan.Probes, plan.ProbedHashes, elapsed);
            _firstServe.TrySetResult();
        }
    }

    private async Task<bool[]> ProbeAsync(uint round, IReadOnlyList<EntryHash> hashes, CancellationToken token)
    {
        var pending = new PendingProbe(round, hashes.Count);
        lock (_roundGate)
            _probe = pending;
        await _outgoing.Writer.WriteAsync(new ProbeMessage(round, hashes), token).ConfigureAwait(false);
        ProbeReplyMessage reply;
        try
        {
            reply = await pending.Reply.Task.WaitAsync(_options.RequestTimeout, _options.Time, token).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            SyncThrow.Error(SyncError.RequestTimeout, $"the peer did not answer a probe within {_options.RequestTimeout}");
            throw;
        }
        var held = new bool[hashes.Count];
        for (var i = 0; i < held.Length; i++)
            held[i] = reply.IsHeld(i);
        return held;
    }

    /// <summary>Sends a plan's entries in store order, in frames of about <see cref="FrameLimits.TargetFrameBytes"/>.</summary>
    private async Task<long> SendAsync(uint round, SendPlan plan, CancellationToken token)
    {
        if (plan.IsEmpty)
            return 0;
        var budget = Math.Min(_limits.TargetFrameBytes, PeerMaxFrameBytes - 1024);
        var batch = new List<ReadOnlyMemory<byte>>(256);
        long bytes = 0, sent = 0;
        foreach (var (hash, author, seq) in SendOrder.Of(_log, plan))
        {
            token.ThrowIfCancellationRequested();
            if (_log.ReadEncoded(hash) is not { } encoded)
                continue;
            if (batch.Count > 0 && (bytes + encoded.Length > budget || batch.Count >= _limits.MaxEntriesPerFrame))
            {
                await _outgoing.Writer.WriteAsync(new EntriesMessage(round, [.. batch]), token).ConfigureAwait(false);
                batch.Clear();
                bytes = 0;
            }
            batch.Add(encoded);
            bytes += encoded.Length + 5;
            sent++;
            _knowledge.Holds(author, hash, seq);
        }
        if (batch.Count > 0)
            await _outgoing.Writer.WriteAsync(new EntriesMessage(round, [.. batch]), token).ConfigureAwait(false);
        return sent;
    }

    /// <summary>This node's pull in progress: its id, and counts filled in as its entries are ingested.</summary>
    private sealed class PullRound(uint id)
    {
        public uint Id { get; } = id;

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public long Received { get; set; }

        public long Stored { get; set; }
    }

    private sealed record PendingProbe(uint Round, int Count)
    {
        public TaskCompletionSource<ProbeReplyMessage> Reply { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}

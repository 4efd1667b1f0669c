using System.Threading.Channels;
using Datom.Sync.Session;
using Microsoft.Extensions.Logging;

namespace Datom.Sync.Connection;

/// <summary>
/// Driving the session: every input under one lock, the events it produces taken in the same lock
/// and done outside it by the loop that made the call; the writer and the timer woken when the
/// session may have something for them.
/// </summary>
internal sealed partial class PeerConnection
{
    private readonly Lock _sessionGate = new();
    private readonly SyncSession _session;

    /// <summary>The session's clock: time since this connection opened, from the node's <see cref="TimeProvider"/>.</summary>
    private readonly long _origin;

    private readonly Channel<bool> _writeWanted = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly Channel<bool> _timerWanted = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    /// <summary>The deadline the timer loop sleeps until (under the gate): it is woken only for an earlier one.</summary>
    private TimeSpan _timerSleepsUntil = TimeSpan.MaxValue;

    /// <summary>The timer sleeps at most this long at once (Task.Delay takes at most ~49 days; the deadline is re-read on waking).</summary>
    private static readonly TimeSpan MaxSleep = TimeSpan.FromDays(1);

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private TimeSpan Now => _options.Time.GetElapsedTime(_origin);

    /// <summary>Asks for a pull round soon (coalesced: many requests while one is in progress make one more round).</summary>
    public void RequestPull() => Observe(Step(static (s, now) => s.RequestPull(now)));

    /// <summary>Tells the peer we have entries it may lack (it answers by pulling).</summary>
    public void HintResync() => Observe(Step(static (s, _) => s.Hint()));

    /// <summary>One input to the session; returns the events it produced, for the caller to do. Throws what the session throws.</summary>
    private List<SessionEvent>? Step(Action<SyncSession, TimeSpan> input)
    {
        List<SessionEvent>? events = null;
        bool wakeTimer;
        lock (_sessionGate)
        {
            input(_session, Now);
            while (_session.PollEvent(out var e))
                (events ??= []).Add(e!);
            wakeTimer = _session.PollTimeout() is { } deadline && deadline < _timerSleepsUntil;
        }
        _writeWanted.Writer.TryWrite(true);
        if (wakeTimer)
            _timerWanted.Writer.TryWrite(true);
        return events;
    }

    /// <summary>Does the events any loop may meet (the verify and ingest pipeline's own are done by the loops that feed it).</summary>
    private void Observe(List<SessionEvent>? events)
    {
        if (events is null)
            return;
        foreach (var e in events)
            Observe(e);
    }

    private void Observe(SessionEvent e)
    {
        switch (e)
        {
            case NotArrivingEvent notArriving:
                _host.NotArriving(notArriving.Hash);
                break;
            case NotAcceptedEvent notAccepted:
                if (notAccepted.Hash != default || _logger.IsEnabled(LogLevel.Debug))
                    SyncLog.EntryNotAccepted(_logger, notAccepted.Hash, RemoteId, notAccepted.Reason);
                break;
            case PullCompletedEvent pulled:
                LastPullCompleted = _options.Time.GetUtcNow();
                SyncLog.PullCompleted(_logger, pulled.Round, RemoteId, pulled.Received, pulled.Stored, pulled.Elapsed);
                _firstPull.TrySetResult();
                break;
            case HintOthersEvent:
                _host.RoundBroughtNews(this);
                break;
            case ServedEvent served:
                SyncLog.Served(_logger, served.Round, RemoteId, served.Sent, served.Probes, served.ProbedHashes, served.Elapsed);
                break;
            case PushOverflowEvent overflow:
                SyncLog.PushOverflow(_logger, RemoteId, overflow.Capacity);
                break;
            case GoodbyeEvent goodbye:
                SyncLog.Goodbye(_logger, RemoteId, goodbye.Error, goodbye.Reason);
                Close(Protocol.SyncError.RemoteError, $"the peer said goodbye: {goodbye.Error}: {goodbye.Reason}", goodbye: false);
                break;
            default:
                throw new InvalidOperationException($"{e.GetType().Name} out of its place");
        }
    }

    /// <summary>Sleeps until the session's next deadline (or an earlier one appears), then lets it do what is due.</summary>
    private async Task TimerLoopAsync(CancellationToken token)
    {
        var time = _options.Time;
        Task<bool>? woken = null;
        while (true)
        {
            TimeSpan? deadline;
            lock (_sessionGate)
            {
                deadline = _session.PollTimeout();
                _timerSleepsUntil = deadline ?? TimeSpan.MaxValue;
            }
            var delay = deadline is { } d ? Min(d - Now, MaxSleep) : Timeout.InfiniteTimeSpan;
            if (delay != Timeout.InfiniteTimeSpan && delay <= TimeSpan.Zero)
            {
                Observe(Step(static (s, now) => s.HandleTimeout(now)));
                continue;
            }
            woken ??= _timerWanted.Reader.WaitToReadAsync(token).AsTask();
            using var sleep = CancellationTokenSource.CreateLinkedTokenSource(token);
            var timer = Task.Delay(delay, time, sleep.Token);
            if (await Task.WhenAny(timer, woken).ConfigureAwait(false) == woken)
            {
                await woken.ConfigureAwait(false); // rethrows the cancellation
                woken = null;
                _timerWanted.Reader.TryRead(out _);
                await sleep.CancelAsync().ConfigureAwait(false);
                continue; // a new, earlier deadline
            }
            await timer.ConfigureAwait(false);
            Observe(Step(static (s, now) => s.HandleTimeout(now)));
        }
    }
}

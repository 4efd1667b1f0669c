using Datom.Sync.Protocol;

namespace Datom.Sync.Session;

/// <summary>
/// Time, as the shell reports it (monotonic, from any origin): the anti-entropy pull, the deadlines
/// of a pull round and a probe, and the keep-alive (Ping when quiet, give up on a silent peer).
/// </summary>
internal sealed partial class SyncSession
{
    private TimeSpan _lastReceived;
    private TimeSpan _lastSent;
    private TimeSpan _lastPing;
    private ulong _pingNonce;
    private bool _readerStalled;

    /// <summary>
    /// The shell stopped reading (it waits for room to hand entries on) or started again. The silence
    /// while it does not read is this node's, not the peer's, so it does not count toward the idle timeout.
    /// </summary>
    public void ReaderStalled(bool stalled, TimeSpan now)
    {
        _readerStalled = stalled;
        if (!stalled)
            Heard(now);
    }

    /// <summary>When <see cref="HandleTimeout"/> should next be called (it may be called earlier: it does only what is due). Null once closed.</summary>
    public TimeSpan? PollTimeout()
    {
        if (IsClosed)
            return null;
        var next = PingDue();
        if (!_readerStalled)
            next = Min(next, _lastReceived + _options.IdleTimeout + TimeSpan.FromTicks(1));
        if (_pull is { } pull)
            next = Min(next, pull.Deadline);
        else
            next = Min(next, _nextPull);
        if (_probe is { } probe)
            next = Min(next, probe.Deadline);
        return next;
    }

    /// <summary>Does what is due at <paramref name="now"/>. Throws <see cref="SyncProtocolException"/> when the peer has gone silent or left a request unanswered.</summary>
    public void HandleTimeout(TimeSpan now)
    {
        if (IsClosed)
            return;
        if (_pull is { } pull && now >= pull.Deadline)
            SyncThrow.Error(SyncError.RequestTimeout, $"the peer did not finish answering pull round {pull.Id} within {_options.RequestTimeout}");
        if (_probe is { } probe && now >= probe.Deadline)
            SyncThrow.Error(SyncError.RequestTimeout, $"the peer did not answer a probe within {_options.RequestTimeout}");
        var silent = _readerStalled ? TimeSpan.Zero : now - _lastReceived;
        if (silent > _options.IdleTimeout)
            SyncThrow.Error(SyncError.IdleTimeout, $"nothing arrived from the peer for {silent.TotalSeconds:0.#} s");
        if (now >= PingDue())
        {
            _lastPing = now;
            _control.Enqueue(new PingMessage(++_pingNonce));
        }
        if (_pull is null && now >= _nextPull)
            StartPull(now);
    }

    /// <summary>
    /// A Ping goes out when nothing was sent for a ping interval (so the peer hears from us), or
    /// nothing was heard for one (so the peer answers, and a dead link shows), but not more often
    /// than every half interval.
    /// </summary>
    private TimeSpan PingDue()
    {
        var interval = _options.PingInterval;
        var quiet = Min(_lastSent + interval, _readerStalled ? TimeSpan.MaxValue : _lastReceived + interval);
        var earliest = _lastPing + interval / 2;
        return quiet > earliest ? quiet : earliest;
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}

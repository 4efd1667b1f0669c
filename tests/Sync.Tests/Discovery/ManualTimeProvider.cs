namespace Datom.Sync.Tests.Discovery;

/// <summary>
/// A clock that moves only when told. Timers fire inside <see cref="Advance"/>, on the caller's
/// thread, in due order, including timers that callbacks create within the advanced span.
/// </summary>
public sealed class ManualTimeProvider : TimeProvider
{
    /// <summary>Timer firings in one Advance before it gives up: a callback that keeps rescheduling itself at zero delay is a bug.</summary>
    private const int MaxFiringsPerAdvance = 100_000;

    private readonly Lock _gate = new();
    private readonly List<ManualTimer> _timers = [];
    private readonly DateTimeOffset _epoch = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private long _now;

    public override DateTimeOffset GetUtcNow() => _epoch + TimeSpan.FromTicks(Interlocked.Read(ref _now));

    public override long GetTimestamp() => Interlocked.Read(ref _now);

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public TimeSpan Elapsed => TimeSpan.FromTicks(Interlocked.Read(ref _now));

    public int ActiveTimers
    {
        get
        {
            lock (_gate)
                return _timers.Count(t => t.Due is not null);
        }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new ManualTimer(this, callback, state);
        timer.Change(dueTime, period);
        lock (_gate)
            _timers.Add(timer);
        return timer;
    }

    public void Advance(TimeSpan by)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(by, TimeSpan.Zero);
        var target = Interlocked.Read(ref _now) + by.Ticks;
        for (var firings = 0; ; firings++)
        {
            if (firings > MaxFiringsPerAdvance)
                throw new InvalidOperationException("timers keep firing without time passing");
            ManualTimer? next;
            lock (_gate)
            {
                next = _timers.Where(t => t.Due is { } due && due <= target).MinBy(t => t.Due!.Value);
                if (next is null)
                {
                    Interlocked.Exchange(ref _now, Math.Max(target, _now));
                    return;
                }
                Interlocked.Exchange(ref _now, Math.Max(next.Due!.Value, _now));
                next.Due = next.Period > 0 ? next.Due + next.Period : null;
            }
            next.Fire();
        }
    }

    private sealed class ManualTimer(ManualTimeProvider owner, TimerCallback callback, object? state) : ITimer
    {
        public long? Due { get; set; }

        public long Period { get; private set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (owner._gate)
            {
                Due = dueTime == Timeout.InfiniteTimeSpan ? null : Interlocked.Read(ref owner._now) + Math.Max(0, dueTime.Ticks);
                Period = period == Timeout.InfiniteTimeSpan ? 0 : period.Ticks;
            }
            return true;
        }

        public void Fire() => callback(state);

        public void Dispose()
        {
            lock (owner._gate)
            {
                Due = null;
                owner._timers.Remove(this);
            }
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}

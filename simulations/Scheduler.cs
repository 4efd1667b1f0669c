using Datom.Log.Model;

namespace Datom.Simulations;

/// <summary>
/// Simulated time: a queue of events, each run at its instant, one at a time, on the one thread
/// that runs the simulation. Time jumps from one event to the next, so idle time costs nothing.
/// Events at the same instant run in the order they were scheduled, which makes a run a function
/// of its seed.
/// </summary>
internal sealed class Scheduler
{
    private readonly PriorityQueue<Action, (long At, long Order)> _queue = new();
    private long _order;

    /// <summary>Simulated milliseconds since the start of the run.</summary>
    public long Now { get; private set; }

    /// <summary>Events run so far.</summary>
    public long Events { get; private set; }

    public int Pending => _queue.Count;

    public void After(long delayMs, Action action) => At(Now + Math.Max(0, delayMs), action);

    public void At(long at, Action action) => _queue.Enqueue(action, (Math.Max(at, Now), _order++));

    /// <summary>Runs every event due up to <paramref name="until"/>, then sets the time to it.</summary>
    public void RunUntil(long until)
    {
        while (_queue.TryPeek(out _, out var key) && key.At <= until)
        {
            var action = _queue.Dequeue();
            Now = key.At;
            Events++;
            action();
        }
        Now = Math.Max(Now, until);
    }
}

/// <summary>
/// A node's wall clock in the simulation: the scheduler's time from a fixed epoch, plus the node's
/// own skew (clocks on real machines disagree by up to seconds).
/// </summary>
internal sealed class SimClock(Scheduler scheduler, long skewMs) : IClock
{
    /// <summary>2026-01-01T00:00:00Z: every run starts here.</summary>
    public const long EpochMs = 1_767_225_600_000;

    public long UnixMilliseconds => EpochMs + scheduler.Now + skewMs;
}

using System.Globalization;

namespace Datom.Log.Model;

/// <summary>
/// A hybrid logical clock reading (Kulkarni et al., "Logical Physical Clocks", 2014): the high 48 bits
/// are milliseconds since the Unix epoch (good until the year 10889), the low 16 bits a counter that
/// orders events within one millisecond. Compared as one unsigned 64-bit number.
/// </summary>
public readonly record struct HlcTimestamp(ulong Value) : IComparable<HlcTimestamp>
{
    public const int CounterBits = 16;
    public const ulong CounterMask = (1UL << CounterBits) - 1;

    public static HlcTimestamp From(long unixMs, ushort counter) => new(((ulong)unixMs << CounterBits) | counter);

    public long UnixMilliseconds => (long)(Value >> CounterBits);

    public ushort Counter => (ushort)(Value & CounterMask);

    public DateTimeOffset Instant => DateTimeOffset.FromUnixTimeMilliseconds(UnixMilliseconds);

    public int CompareTo(HlcTimestamp other) => Value.CompareTo(other.Value);

    /// <summary>ISO-8601 instant with milliseconds, then the counter: 2026-11-23T23:55:44.123Z+0.</summary>
    public override string ToString() =>
        Instant.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture) + "+" + Counter.ToString(CultureInfo.InvariantCulture);

    public static bool operator <(HlcTimestamp left, HlcTimestamp right) => left.Value < right.Value;
    public static bool operator >(HlcTimestamp left, HlcTimestamp right) => left.Value > right.Value;
    public static bool operator <=(HlcTimestamp left, HlcTimestamp right) => left.Value <= right.Value;
    public static bool operator >=(HlcTimestamp left, HlcTimestamp right) => left.Value >= right.Value;
}

/// <summary>Wall time, behind an interface so the simulator can drive it.</summary>
public interface IClock
{
    long UnixMilliseconds { get; }
}

public sealed class SystemClock : IClock
{
    public static readonly SystemClock Instance = new();

    public long UnixMilliseconds => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
}

/// <summary>
/// The HLC of one node: <see cref="Now"/> for a local event, <see cref="NowAfter"/> for an entry that
/// must follow its parents, <see cref="Observe"/> for a remote one. Readings are strictly increasing
/// and never run behind any timestamp observed.
/// </summary>
/// <remarks>
/// There is no bound on how far a remote time may move this clock: an entry's time must be after
/// every parent's (the log refuses anything else), and the next entry of this node names the remote
/// heads as parents, so a bound could only be kept by stamping a child before its parent (refused
/// everywhere, the bug of issue 13) or by not linking what we have seen (then our later edits could
/// never win over the fast author's, see README "Clocks"). A clock far ahead therefore carries the
/// whole mesh's HLC with it until wall clocks catch up; the counter ticks meanwhile, so the order
/// stays total. The skew is reported instead (status, peers, a log warning).
/// </remarks>
public sealed class HybridLogicalClock(IClock clock)
{
    private readonly Lock _gate = new();
    private ulong _last;

    /// <summary>The latest reading given out or observed (zero before any).</summary>
    public HlcTimestamp Last
    {
        get
        {
            lock (_gate)
                return new HlcTimestamp(_last);
        }
    }

    /// <summary>The wall clock this HLC reads.</summary>
    public IClock Clock => clock;

    public HlcTimestamp Now() => NowAfter(default);

    /// <summary>
    /// A reading after the wall clock's, everything seen, and <paramref name="floor"/> (the latest of
    /// an entry's parents' times), whatever the wall clock says.
    /// </summary>
    public HlcTimestamp NowAfter(HlcTimestamp floor)
    {
        lock (_gate)
        {
            if (floor.Value > _last)
                _last = floor.Value;
            var wall = (ulong)clock.UnixMilliseconds << HlcTimestamp.CounterBits;
            // Either the wall clock moved past everything seen, or we tick the counter. A counter
            // that overflows carries into the millisecond field, which keeps the order total.
            _last = wall > _last ? wall : _last + 1;
            return new HlcTimestamp(_last);
        }
    }

    public void Observe(HlcTimestamp remote)
    {
        lock (_gate)
        {
            if (remote.Value > _last)
                _last = remote.Value;
        }
    }
}

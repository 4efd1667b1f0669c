using System.Collections.Concurrent;

namespace Datom.Log.Edn;

/// <summary>
/// A process-wide table that hands out one instance per distinct text, held weakly so that
/// names read from untrusted input do not accumulate forever (Clojure's keyword table does the
/// same). Lookups by span allocate nothing on a hit, which is the common case when reading a
/// transaction stream that repeats the same attribute keywords.
/// </summary>
internal sealed class InternTable<T>
    where T : class
{
    // Dead entries are swept when the table has doubled since the last sweep, so the sweep's cost
    // is amortised over the insertions that made it necessary.
    private const int MinSweepThreshold = 1024;

    private readonly ConcurrentDictionary<string, WeakReference<T>> _map = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, WeakReference<T>>.AlternateLookup<ReadOnlySpan<char>> _spans;
    private int _sweepAt = MinSweepThreshold;

    public InternTable()
    {
        _spans = _map.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public T? TryGet(ReadOnlySpan<char> key) =>
        _spans.TryGetValue(key, out var weak) && weak.TryGetTarget(out var value) ? value : null;

    public T GetOrAdd(string key, Func<string, T> create)
    {
        while (true)
        {
            if (_map.TryGetValue(key, out var weak))
            {
                if (weak.TryGetTarget(out var live))
                {
                    return live;
                }

                var revived = create(key);
                if (_map.TryUpdate(key, new WeakReference<T>(revived), weak))
                {
                    return revived;
                }

                continue;
            }

            var created = create(key);
            if (_map.TryAdd(key, new WeakReference<T>(created)))
            {
                if (_map.Count >= Volatile.Read(ref _sweepAt))
                {
                    Sweep();
                }

                return created;
            }
        }
    }

    private void Sweep()
    {
        foreach (var entry in _map)
        {
            if (!entry.Value.TryGetTarget(out _))
            {
                // Removes only if the entry is still the dead one; a racing revival survives.
                _map.TryRemove(entry);
            }
        }

        Volatile.Write(ref _sweepAt, Math.Max(MinSweepThreshold, _map.Count * 2));
    }
}

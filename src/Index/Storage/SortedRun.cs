using System.Runtime.CompilerServices;

namespace Datom.Index.Storage;

/// <summary>
/// An immutable sorted set of index keys. An index is the union of its runs; a snapshot of the
/// database is the set of runs that existed at one moment, so readers never block writers.
/// </summary>
public interface ISortedRun
{
    long Count { get; }

    long SizeBytes { get; }

    IRunCursor OpenCursor();

    /// <summary>
    /// About how many keys start with <paramref name="prefix"/>, without reading them: exact for a
    /// memory run, within two blocks for a file run (from its block index). What the planner's
    /// estimates fall back on when counting would take too long.
    /// </summary>
    long EstimateRange(ReadOnlySpan<byte> prefix);
}

/// <summary>A position in a run. Keys are returned as spans valid until the next call.</summary>
public interface IRunCursor : IDisposable
{
    /// <summary>Moves to the first key ≥ <paramref name="key"/>; false if there is none.</summary>
    bool Seek(ReadOnlySpan<byte> key);

    /// <summary>Moves to the next key; false at the end.</summary>
    bool Next();

    ReadOnlySpan<byte> Current { get; }
}

/// <summary>Unsigned lexicographic order of byte strings: the order of every index.</summary>
public sealed class KeyComparer : IComparer<byte[]>
{
    public static readonly KeyComparer Instance = new();

    public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
}

/// <summary>A run held in memory: a sorted array of keys.</summary>
public sealed class MemoryRun : ISortedRun
{
    private readonly byte[][] _keys;

    /// <summary>Takes ownership of <paramref name="keys"/>: sorts it (unless it says it is sorted) and drops duplicates.</summary>
    public MemoryRun(List<byte[]> keys, bool sorted = false)
    {
        ArgumentNullException.ThrowIfNull(keys);
        if (!sorted)
            keys.Sort(KeyComparer.Instance);
        var unique = new List<byte[]>(keys.Count);
        foreach (var k in keys)
        {
            if (unique.Count == 0 || !unique[^1].AsSpan().SequenceEqual(k))
                unique.Add(k);
        }
        _keys = [.. unique];
        SizeBytes = _keys.Sum(k => (long)k.Length + 24);
    }

    public long Count => _keys.Length;

    public long SizeBytes { get; }

    public IEnumerable<byte[]> Keys => _keys;

    public IRunCursor OpenCursor() => new Cursor(_keys);

    public long EstimateRange(ReadOnlySpan<byte> prefix) => KeyRange.End(_keys, prefix) - KeyRange.Start(_keys, prefix);

    private sealed class Cursor(byte[][] keys) : IRunCursor
    {
        private int _i = -1;

        public ReadOnlySpan<byte> Current
        {
            [MethodImpl(MethodImplOptions.AggressiveOptimization)]
            get => keys[_i];
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public bool Seek(ReadOnlySpan<byte> key)
        {
            int lo = 0, hi = keys.Length;
            if (_i >= 0 && _i < keys.Length && keys[_i].AsSpan().SequenceCompareTo(key) < 0)
            {
                // Ahead of the current position (a probe sequence in key order): gallop from here.
                lo = _i + 1;
                for (var step = 1; lo + step < hi; step <<= 1)
                {
                    var probe = lo + step - 1;
                    if (keys[probe].AsSpan().SequenceCompareTo(key) >= 0)
                    {
                        hi = probe;
                        break;
                    }
                    lo = probe + 1;
                }
            }
            while (lo < hi)
            {
                var mid = (lo + hi) >>> 1;
                if (keys[mid].AsSpan().SequenceCompareTo(key) < 0)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            _i = lo;
            return _i < keys.Length;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public bool Next() => ++_i < keys.Length;

        public void Dispose()
        {
        }
    }
}

/// <summary>
/// The union of several runs in key order, each key once (a key in two runs is one operation applied
/// twice, which union merge makes harmless).
/// </summary>
public sealed class MergeCursor : IRunCursor
{
    private readonly IRunCursor[] _cursors;
    private readonly bool[] _valid;
    private int _current = -1;

    public MergeCursor(IEnumerable<ISortedRun> runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        _cursors = [.. runs.Select(r => r.OpenCursor())];
        _valid = new bool[_cursors.Length];
    }

    public ReadOnlySpan<byte> Current
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        get => _cursors[_current].Current;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool Seek(ReadOnlySpan<byte> key)
    {
        for (var i = 0; i < _cursors.Length; i++)
            _valid[i] = _cursors[i].Seek(key);
        return Pick();
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool Next()
    {
        if (_current < 0)
            return false;
        // Advance every other cursor that sits on the current key (dropping duplicates), then the
        // current one: its key span stays valid until it moves.
        var current = _current;
        for (var i = 0; i < _cursors.Length; i++)
        {
            if (i != current && _valid[i] && _cursors[i].Current.SequenceEqual(_cursors[current].Current))
                _valid[i] = _cursors[i].Next();
        }
        _valid[current] = _cursors[current].Next();
        return Pick();
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool Pick()
    {
        // Few runs (compaction keeps them few): a linear minimum beats a heap here.
        _current = -1;
        for (var i = 0; i < _cursors.Length; i++)
        {
            if (!_valid[i])
                continue;
            if (_current < 0 || _cursors[i].Current.SequenceCompareTo(_cursors[_current].Current) < 0)
                _current = i;
        }
        return _current >= 0;
    }

    public void Dispose()
    {
        foreach (var c in _cursors)
            c.Dispose();
    }
}

/// <summary>Binary searches over sorted keys for the range of keys with a prefix.</summary>
internal static class KeyRange
{
    /// <summary>The first index whose key is ≥ <paramref name="prefix"/>.</summary>
    public static int Start(byte[][] keys, ReadOnlySpan<byte> prefix)
    {
        int lo = 0, hi = keys.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (keys[mid].AsSpan().SequenceCompareTo(prefix) < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        return lo;
    }

    /// <summary>The first index whose key is after every key with <paramref name="prefix"/>.</summary>
    public static int End(byte[][] keys, ReadOnlySpan<byte> prefix)
    {
        int lo = 0, hi = keys.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            var key = keys[mid].AsSpan();
            if (key.SequenceCompareTo(prefix) < 0 || key.StartsWith(prefix))
                lo = mid + 1;
            else
                hi = mid;
        }
        return lo;
    }
}

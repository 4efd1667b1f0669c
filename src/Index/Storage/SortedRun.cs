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

/// <summary>
/// A run held in memory: sorted keys packed back to back in one array, with where each starts. A
/// few large objects rather than one per key: the keys of the memory runs live until they are
/// flushed, and as separate arrays they were most of what every full collection had to trace and
/// move while a node indexed (hundreds of thousands of objects per 64 MiB).
/// </summary>
public sealed class MemoryRun : ISortedRun
{
    private readonly byte[] _bytes;
    private readonly int[] _starts; // key i is _bytes[_starts[i] .. _starts[i + 1])

    /// <summary>Sorts <paramref name="keys"/> (unless it says it is sorted), drops duplicates and packs them.</summary>
    public MemoryRun(List<byte[]> keys, bool sorted = false)
    {
        ArgumentNullException.ThrowIfNull(keys);
        if (!sorted)
            keys.Sort(KeyComparer.Instance);
        var pack = new Packer(keys.Count, keys.Sum(k => (long)k.Length));
        foreach (var k in keys)
            pack.Add(k);
        (_bytes, _starts) = pack.Done();
    }

    private MemoryRun(byte[] bytes, int[] starts)
    {
        _bytes = bytes;
        _starts = starts;
    }

    /// <summary>
    /// Sorts keys laid back to back in one array (key <c>i</c> is <c>bytes[starts[i] .. starts[i + 1])</c>)
    /// into a run, each key once. Sorting offsets rather than one array per key keeps a large batch
    /// from allocating (and the collector from tracing) an object per key.
    /// </summary>
    public static MemoryRun Sort(byte[] bytes, int[] starts, int count)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        ArgumentNullException.ThrowIfNull(starts);
        var order = new int[count];
        for (var i = 0; i < count; i++)
            order[i] = i;
        Array.Sort(order, (x, y) => bytes.AsSpan(starts[x], starts[x + 1] - starts[x]).SequenceCompareTo(bytes.AsSpan(starts[y], starts[y + 1] - starts[y])));
        var pack = new Packer(count, starts[count]);
        foreach (var i in order)
            pack.Add(bytes.AsSpan(starts[i], starts[i + 1] - starts[i]));
        var (packed, packedStarts) = pack.Done();
        return new MemoryRun(packed, packedStarts);
    }

    /// <summary>The union of <paramref name="runs"/> as one memory run, each key once.</summary>
    public static MemoryRun Merge(IReadOnlyCollection<ISortedRun> runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var pack = new Packer(runs.Sum(r => r.Count), runs.Sum(r => r.SizeBytes));
        using var cursor = new MergeCursor(runs);
        if (cursor.Seek([]))
        {
            do
                pack.Add(cursor.Current);
            while (cursor.Next());
        }
        var (bytes, starts) = pack.Done();
        return new MemoryRun(bytes, starts);
    }

    public long Count => _starts.Length - 1;

    /// <summary>What the run holds in memory: its key bytes and one offset per key.</summary>
    public long SizeBytes => _bytes.Length + (4L * _starts.Length);

    /// <summary>Copies of the keys, in order.</summary>
    public IEnumerable<byte[]> Keys
    {
        get
        {
            for (var i = 0; i < Count; i++)
                yield return _bytes[_starts[i].._starts[i + 1]];
        }
    }

    public IRunCursor OpenCursor() => new Cursor(new PackedKeys(_bytes, _starts));

    public long EstimateRange(ReadOnlySpan<byte> prefix)
    {
        var keys = new PackedKeys(_bytes, _starts);
        return KeyRange.End(keys, prefix) - KeyRange.Start(keys, prefix);
    }

    /// <summary>Packs sorted keys, skipping a repeat of the previous one; sized for at most the given keys and bytes.</summary>
    private sealed class Packer(long keys, long bytes)
    {
        private readonly byte[] _bytes = new byte[checked((int)bytes)];
        private readonly int[] _starts = new int[checked((int)keys + 1)];
        private int _count;

        public void Add(ReadOnlySpan<byte> key)
        {
            if (_count > 0 && _bytes.AsSpan(_starts[_count - 1], _starts[_count] - _starts[_count - 1]).SequenceEqual(key))
                return;
            key.CopyTo(_bytes.AsSpan(_starts[_count]));
            _starts[_count + 1] = _starts[_count] + key.Length;
            _count++;
        }

        /// <summary>
        /// The packed arrays. Duplicates leave room unused: the offsets must end at the last key (their
        /// number less one is the count), the bytes are copied only when an eighth or more is unused.
        /// </summary>
        public (byte[] Bytes, int[] Starts) Done()
        {
            var used = _starts[_count];
            var starts = _count + 1 == _starts.Length ? _starts : _starts[..(_count + 1)];
            var bytes = used * 8L < _bytes.Length * 7L ? _bytes[..used] : _bytes;
            return (bytes, starts);
        }
    }

    private sealed class Cursor(PackedKeys keys) : IRunCursor
    {
        private int _i = -1;

        public ReadOnlySpan<byte> Current
        {
            [MethodImpl(MethodImplOptions.AggressiveOptimization)]
            get => keys.Key(_i);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public bool Seek(ReadOnlySpan<byte> key)
        {
            int lo = 0, hi = keys.Count;
            if (_i >= 0 && _i < keys.Count && keys.Key(_i).SequenceCompareTo(key) < 0)
            {
                // Ahead of the current position (a probe sequence in key order): gallop from here.
                lo = _i + 1;
                for (var step = 1; lo + step < hi; step <<= 1)
                {
                    var probe = lo + step - 1;
                    if (keys.Key(probe).SequenceCompareTo(key) >= 0)
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
                if (keys.Key(mid).SequenceCompareTo(key) < 0)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            _i = lo;
            return _i < keys.Count;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public bool Next() => ++_i < keys.Count;

        public void Dispose()
        {
        }
    }
}

/// <summary>Collects one index order's keys of a batch back to back in one growing array, then sorts them into a <see cref="MemoryRun"/>.</summary>
public sealed class MemoryRunBuilder(IndexOrder order, int expectedKeys)
{
    private byte[] _bytes = new byte[Math.Max(256, expectedKeys * 40)];
    private int[] _starts = new int[Math.Max(2, expectedKeys + 1)];
    private int _count;

    public int Count => _count;

    public void Add(in DatomOp op)
    {
        var used = _starts[_count];
        var room = KeyCodec.MaxSize(op);
        if (used + room > _bytes.Length)
            Array.Resize(ref _bytes, Math.Max(_bytes.Length * 2, used + room));
        if (_count + 2 > _starts.Length)
            Array.Resize(ref _starts, _starts.Length * 2);
        var written = KeyCodec.Write(order, op, _bytes.AsSpan(used));
        _starts[++_count] = used + written;
    }

    public MemoryRun Build() => MemoryRun.Sort(_bytes, _starts, _count);
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

/// <summary>Sorted keys addressed by position.</summary>
internal interface IKeyList
{
    int Count { get; }

    ReadOnlySpan<byte> Key(int i);
}

/// <summary>Keys packed back to back (a memory run; a file run's block index).</summary>
internal readonly struct PackedKeys(byte[] bytes, int[] starts) : IKeyList
{
    public int Count => starts.Length - 1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ReadOnlySpan<byte> Key(int i) => new(bytes, starts[i], starts[i + 1] - starts[i]);
}

/// <summary>Binary searches over sorted keys for the range of keys with a prefix.</summary>
internal static class KeyRange
{
    /// <summary>The first index whose key is ≥ <paramref name="prefix"/>.</summary>
    public static int Start<TKeys>(TKeys keys, ReadOnlySpan<byte> prefix)
        where TKeys : struct, IKeyList
    {
        int lo = 0, hi = keys.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (keys.Key(mid).SequenceCompareTo(prefix) < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        return lo;
    }

    /// <summary>The first index whose key is after every key with <paramref name="prefix"/>.</summary>
    public static int End<TKeys>(TKeys keys, ReadOnlySpan<byte> prefix)
        where TKeys : struct, IKeyList
    {
        int lo = 0, hi = keys.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            var key = keys.Key(mid);
            if (key.SequenceCompareTo(prefix) < 0 || key.StartsWith(prefix))
                lo = mid + 1;
            else
                hi = mid;
        }
        return lo;
    }
}

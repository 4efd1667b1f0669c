namespace Datom.Index.Storage;

/// <summary>The indexes at one moment: a scan sees exactly the operations applied before it was taken.</summary>
public sealed class IndexSnapshot
{
    private readonly IndexState _state;

    internal IndexSnapshot(IndexState state) => _state = state;

    public AttributeDictionary Attributes => _state.Attributes;

    internal IndexState State => _state;

    public long AppliedEntries => _state.Applied;

    /// <summary>Where a unique value may have collided: every (attribute, value) more than one entity was ever given.</summary>
    public System.Collections.Immutable.ImmutableHashSet<(uint Attr, Datom.Log.Model.Value V)> UniqueCandidates => _state.UniqueCandidates;

    /// <summary>
    /// Every key of one order that starts with <paramref name="prefix"/>, in order, each once; from
    /// the first key at or after <paramref name="from"/> when given (a position inside the prefix).
    /// </summary>
    public KeyScan Scan(IndexOrder order, byte[] prefix, byte[]? from = null) => new(new MergeCursor(_state.Runs(order)), prefix, from);

    /// <summary>A raw cursor over one order (the caller seeks and disposes it).</summary>
    public MergeCursor Cursor(IndexOrder order) => new(_state.Runs(order));

    /// <summary>Number of keys in one order (an upper bound on datoms: it counts every operation).</summary>
    public long Count(IndexOrder order) => _state.Runs(order).Sum(r => r.Count);

    /// <summary>About how many keys of one order start with <paramref name="prefix"/> (<see cref="ISortedRun.EstimateRange"/>), without reading them.</summary>
    public long EstimateRange(IndexOrder order, byte[] prefix) => _state.Runs(order).Sum(r => r.EstimateRange(prefix));
}

/// <summary>A forward scan over keys with a prefix, from a position (the prefix itself unless given). Dispose when done.</summary>
public sealed class KeyScan(MergeCursor cursor, byte[] prefix, byte[]? from = null) : IDisposable
{
    private bool _started;
    private bool _valid;

    public ReadOnlySpan<byte> Current => cursor.Current;

    public bool MoveNext()
    {
        if (!_started)
        {
            _started = true;
            _valid = cursor.Seek(from ?? prefix);
        }
        else if (_valid)
        {
            _valid = cursor.Next();
        }
        return _valid && cursor.Current.StartsWith(prefix);
    }

    public void Dispose() => cursor.Dispose();
}

namespace Datom.Index.Query;

/// <summary>
/// A hash key over one or more values: one value is held inline (no allocation, the common join on
/// a single variable), several in an array. The hash is computed once.
/// </summary>
internal readonly struct JoinKey : IEquatable<JoinKey>
{
    private readonly QValue _one;
    private readonly QValue[]? _many;
    private readonly int _hash;

    public JoinKey(QValue one)
    {
        _one = one;
        _many = null;
        _hash = one.GetHashCode();
    }

    public JoinKey(QValue[] many)
    {
        _one = default;
        _many = many;
        var h = new HashCode();
        foreach (var v in many)
            h.Add(v);
        _hash = h.ToHashCode();
    }

    public static JoinKey Empty { get; } = new([]);

    /// <summary>The key of <paramref name="row"/>'s values at <paramref name="slots"/>.</summary>
    public static JoinKey Of(ReadOnlySpan<QValue> row, int[] slots)
    {
        if (slots.Length == 1)
            return new JoinKey(row[slots[0]]);
        var values = new QValue[slots.Length];
        for (var i = 0; i < slots.Length; i++)
            values[i] = row[slots[i]];
        return new JoinKey(values);
    }

    public int Count => _many?.Length ?? 1;

    public QValue this[int i] => _many is null ? _one : _many[i];

    public bool Equals(JoinKey other)
    {
        if (_hash != other._hash)
            return false;
        if (_many is null)
            return other._many is null && _one.Equals(other._one);
        if (other._many is null || other._many.Length != _many.Length)
            return false;
        for (var i = 0; i < _many.Length; i++)
        {
            if (!_many[i].Equals(other._many[i]))
                return false;
        }
        return true;
    }

    public override bool Equals(object? obj) => obj is JoinKey k && Equals(k);

    public override int GetHashCode() => _hash;

    public static bool operator ==(JoinKey left, JoinKey right) => left.Equals(right);

    public static bool operator !=(JoinKey left, JoinKey right) => !left.Equals(right);
}

/// <summary>Structural equality of value arrays: the rows of a set.</summary>
internal sealed class RowComparer : IEqualityComparer<QValue[]>
{
    public static RowComparer Instance { get; } = new();

    public bool Equals(QValue[]? x, QValue[]? y)
    {
        if (ReferenceEquals(x, y))
            return true;
        if (x is null || y is null || x.Length != y.Length)
            return false;
        for (var i = 0; i < x.Length; i++)
        {
            if (!x[i].Equals(y[i]))
                return false;
        }
        return true;
    }

    public int GetHashCode(QValue[] obj)
    {
        var h = new HashCode();
        foreach (var v in obj)
            h.Add(v);
        return h.ToHashCode();
    }
}

/// <summary>
/// Rows grouped by a key without a list per key: <see cref="Head"/> maps a key to its last row's
/// index and <see cref="Next"/> chains back to the earlier ones (-1 ends a chain).
/// </summary>
internal sealed class RowIndex(int capacity)
{
    public Dictionary<JoinKey, int> Head { get; } = new(capacity);

    public int[] Next { get; } = new int[capacity];

    public void Add(JoinKey key, int row)
    {
        if (Head.TryGetValue(key, out var previous))
        {
            Next[row] = previous;
            Head[key] = row;
        }
        else
        {
            Next[row] = -1;
            Head.Add(key, row);
        }
    }
}

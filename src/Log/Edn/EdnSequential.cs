using System.Collections;

namespace Datom.Log.Edn;

/// <summary>
/// What <see cref="EdnList"/> and <see cref="EdnVector"/> share: immutable items, position and
/// metadata, and sequence equality (as in Clojure, a list equals a vector with equal elements).
/// <see cref="Position"/> and <see cref="Meta"/> are not part of equality.
/// </summary>
public abstract class EdnSequential : IReadOnlyList<object?>
{
    private int _hash;

    // Takes ownership of items: callers pass an array nobody else writes to.
    private protected EdnSequential(object?[] items, SourcePosition? position, EdnMap? meta)
    {
        Items = items;
        Position = position;
        Meta = meta;
    }

    /// <summary>Where the opening delimiter was read, if it was read.</summary>
    public SourcePosition? Position { get; }

    /// <summary>Reader metadata, if any.</summary>
    public EdnMap? Meta { get; }

    public int Count => Items.Length;

    public object? this[int index] => Items[index];

    private protected object?[] Items { get; }

    public ReadOnlySpan<object?> AsSpan() => Items;

    public IEnumerator<object?> GetEnumerator() => ((IEnumerable<object?>)Items).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Sequence equality with any list or vector.</summary>
    protected bool SequenceEquals(EdnSequential? other) =>
        other is not null && (ReferenceEquals(Items, other.Items) || EdnEquality.SequenceEquals(Items, other.Items));

    public override bool Equals(object? obj) => SequenceEquals(obj as EdnSequential);

    public override int GetHashCode()
    {
        var hash = _hash;
        if (hash == 0)
            _hash = hash = EdnEquality.SequenceHash(Items);
        return hash;
    }

    public override string ToString() => EdnWriter.ToDebugString(this);
}

using System.Collections;
using System.Runtime.CompilerServices;

namespace Datom.Log.Edn;

/// <summary>
/// An immutable EDN list <c>(a b c)</c>. Equal to an <see cref="EdnVector"/> with equal elements
/// (as in Clojure). <see cref="Position"/> and <see cref="Meta"/> are not part of equality.
/// </summary>
[CollectionBuilder(typeof(EdnList), nameof(Create))]
public sealed class EdnList : IReadOnlyList<object?>, IEquatable<EdnList>
{
    private readonly object?[] _items;
    private int _hash;

    public EdnList(IEnumerable<object?> items)
        : this(items?.ToArray() ?? throw new ArgumentNullException(nameof(items)), null, null)
    {
    }

    // Takes ownership of items: callers pass an array nobody else writes to.
    internal EdnList(object?[] items, SourcePosition? position, EdnMap? meta)
    {
        _items = items;
        Position = position;
        Meta = meta;
    }

    public static EdnList Empty { get; } = new([], null, null);

    /// <summary>Where the opening parenthesis was read, if it was read.</summary>
    public SourcePosition? Position { get; }

    /// <summary>Reader metadata, if any.</summary>
    public EdnMap? Meta { get; }

    public int Count => _items.Length;

    public object? this[int index] => _items[index];

    public static EdnList Of(params ReadOnlySpan<object?> items) => Create(items);

    /// <summary>Collection-expression builder: <c>EdnList l = [1L, "a"];</c></summary>
    public static EdnList Create(ReadOnlySpan<object?> items) => items.IsEmpty ? Empty : new(items.ToArray(), null, null);

    public ReadOnlySpan<object?> AsSpan() => _items;

    public EdnList WithPosition(SourcePosition? position) => new(_items, position, Meta);

    public EdnList WithMeta(EdnMap? meta) => new(_items, Position, meta);

    public IEnumerator<object?> GetEnumerator() => ((IEnumerable<object?>)_items).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public bool Equals(EdnList? other) =>
        other is not null && (ReferenceEquals(_items, other._items) || EdnEquality.SequenceEquals(_items, other._items));

    public override bool Equals(object? obj) => obj switch
    {
        EdnList l => Equals(l),
        EdnVector v => EdnEquality.SequenceEquals(_items, v.AsSpan()),
        _ => false,
    };

    public override int GetHashCode()
    {
        var hash = _hash;
        if (hash == 0)
        {
            _hash = hash = EdnEquality.SequenceHash(_items);
        }

        return hash;
    }

    public override string ToString() => EdnWriter.ToDebugString(this);
}

using System.Collections;
using System.Runtime.CompilerServices;

namespace Datom.Log.Edn;

/// <summary>
/// An immutable EDN set <c>#{a b}</c>: elements unique under <see cref="EdnEquality"/>, enumerated
/// in insertion (source) order, which equality ignores. <see cref="Position"/> and
/// <see cref="Meta"/> are not part of equality.
/// </summary>
[CollectionBuilder(typeof(EdnSet), nameof(Create))]
public sealed class EdnSet : IReadOnlyCollection<object?>, IEquatable<EdnSet>
{
    private readonly object?[] _items;
    private HashSet<object?>? _index;
    private int _hash;

    /// <summary>A set of these elements; repeats (under <see cref="EdnEquality"/>) keep the first.</summary>
    public EdnSet(IEnumerable<object?> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        var seen = new HashSet<object?>(EdnEquality.Instance);
        var kept = new List<object?>();
        foreach (var item in items)
        {
            if (seen.Add(item))
            {
                kept.Add(item);
            }
        }

        _items = [.. kept];
        _index = _items.Length > EdnMap.LinearScanLimit ? seen : null;
    }

    // Takes ownership of items, which the caller has checked for duplicates.
    internal EdnSet(object?[] items, SourcePosition? position, EdnMap? meta)
    {
        _items = items;
        Position = position;
        Meta = meta;
    }

    private EdnSet(EdnSet source, SourcePosition? position, EdnMap? meta)
    {
        _items = source._items;
        _index = source._index;
        _hash = source._hash;
        Position = position;
        Meta = meta;
    }

    public static EdnSet Empty { get; } = new(Array.Empty<object?>(), null, null);

    /// <summary>Where the <c>#{</c> was read, if it was read.</summary>
    public SourcePosition? Position { get; }

    /// <summary>Reader metadata, if any.</summary>
    public EdnMap? Meta { get; }

    public int Count => _items.Length;

    public static EdnSet Of(params ReadOnlySpan<object?> items) => Create(items);

    /// <summary>Collection-expression builder; repeats keep the first.</summary>
    public static EdnSet Create(ReadOnlySpan<object?> items) => items.IsEmpty ? Empty : new EdnSet(items.ToArray());

    public bool Contains(object? item)
    {
        if (_items.Length <= EdnMap.LinearScanLimit)
        {
            foreach (var existing in _items)
            {
                if (EdnEquality.AreEqual(existing, item))
                {
                    return true;
                }
            }

            return false;
        }

        // Built once per set on first use; a race builds it twice, harmlessly.
        var index = _index ??= new HashSet<object?>(_items, EdnEquality.Instance);
        return index.Contains(item);
    }

    public ReadOnlySpan<object?> AsSpan() => _items;

    public EdnSet WithPosition(SourcePosition? position) => new(this, position, Meta);

    public EdnSet WithMeta(EdnMap? meta) => new(this, Position, meta);

    public IEnumerator<object?> GetEnumerator() => ((IEnumerable<object?>)_items).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public bool Equals(EdnSet? other)
    {
        if (other is null || other.Count != Count)
        {
            return false;
        }

        if (ReferenceEquals(_items, other._items))
        {
            return true;
        }

        foreach (var item in _items)
        {
            if (!other.Contains(item))
            {
                return false;
            }
        }

        return true;
    }

    public override bool Equals(object? obj) => Equals(obj as EdnSet);

    /// <summary>Order-independent, as equality is.</summary>
    public override int GetHashCode()
    {
        var hash = _hash;
        if (hash == 0)
        {
            foreach (var item in _items)
            {
                hash = unchecked(hash + EdnEquality.Hash(item));
            }

            _hash = hash = EdnEquality.NonZero(hash);
        }

        return hash;
    }

    public override string ToString() => EdnWriter.ToDebugString(this);
}

using System.Runtime.CompilerServices;

namespace Datom.Log.Edn;

/// <summary>
/// An immutable EDN list <c>(a b c)</c>. Equal to an <see cref="EdnVector"/> with equal elements
/// (as in Clojure); see <see cref="EdnSequential"/>.
/// </summary>
[CollectionBuilder(typeof(EdnList), nameof(Create))]
public sealed class EdnList : EdnSequential, IEquatable<EdnList>
{
    public EdnList(IEnumerable<object?> items)
        : this(items?.ToArray() ?? throw new ArgumentNullException(nameof(items)), null, null)
    {
    }

    // Takes ownership of items: callers pass an array nobody else writes to.
    internal EdnList(object?[] items, SourcePosition? position, EdnMap? meta)
        : base(items, position, meta)
    {
    }

    public static EdnList Empty { get; } = new([], null, null);

    public static EdnList Of(params ReadOnlySpan<object?> items) => Create(items);

    /// <summary>Collection-expression builder: <c>EdnList l = [1L, "a"];</c></summary>
    public static EdnList Create(ReadOnlySpan<object?> items) => items.IsEmpty ? Empty : new(items.ToArray(), null, null);

    public EdnList WithPosition(SourcePosition? position) => new(Items, position, Meta);

    public EdnList WithMeta(EdnMap? meta) => new(Items, Position, meta);

    public bool Equals(EdnList? other) => SequenceEquals(other);

    public override bool Equals(object? obj) => base.Equals(obj);

    public override int GetHashCode() => base.GetHashCode();
}

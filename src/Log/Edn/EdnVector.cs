using System.Runtime.CompilerServices;

namespace Datom.Log.Edn;

/// <summary>
/// An immutable EDN vector <c>[a b c]</c>. Equal to an <see cref="EdnList"/> with equal elements
/// (as in Clojure); see <see cref="EdnSequential"/>.
/// </summary>
[CollectionBuilder(typeof(EdnVector), nameof(Create))]
public sealed class EdnVector : EdnSequential, IEquatable<EdnVector>
{
    public EdnVector(IEnumerable<object?> items)
        : this(items?.ToArray() ?? throw new ArgumentNullException(nameof(items)), null, null)
    {
    }

    // Takes ownership of items: callers pass an array nobody else writes to.
    internal EdnVector(object?[] items, SourcePosition? position, EdnMap? meta)
        : base(items, position, meta)
    {
    }

    public static EdnVector Empty { get; } = new([], null, null);

    public static EdnVector Of(params ReadOnlySpan<object?> items) => Create(items);

    /// <summary>Collection-expression builder: <c>EdnVector v = [1L, "a"];</c></summary>
    public static EdnVector Create(ReadOnlySpan<object?> items) => items.IsEmpty ? Empty : new(items.ToArray(), null, null);

    public EdnVector WithPosition(SourcePosition? position) => new(Items, position, Meta);

    public EdnVector WithMeta(EdnMap? meta) => new(Items, Position, meta);

    public bool Equals(EdnVector? other) => SequenceEquals(other);

    public override bool Equals(object? obj) => base.Equals(obj);

    public override int GetHashCode() => base.GetHashCode();
}

namespace Datom.Log.Edn;

/// <summary>
/// A tagged element <c>#my/tag value</c> read with no handler for its tag (EDN spec, "tagged
/// elements": the reader may "create a well-known generic representation that contains both the
/// tag and the tagged element"). Equal when tags are equal and values are equal under
/// <see cref="EdnEquality"/>.
/// </summary>
public sealed record EdnTagged(Symbol Tag, object? Value)
{
    public bool Equals(EdnTagged? other) =>
        other is not null && Tag == other.Tag && EdnEquality.AreEqual(Value, other.Value);

    public override int GetHashCode() => HashCode.Combine(Tag, EdnEquality.Hash(Value));

    public override string ToString() => EdnWriter.ToDebugString(this);
}

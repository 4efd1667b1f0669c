using Datom.Log.Edn;
using ValueType = Datom.Log.Model.ValueType;

namespace Datom.Index.Schema;

public enum Uniqueness
{
    None,

    /// <summary><c>:db.unique/identity</c>: a transaction naming an existing value upserts that entity.</summary>
    Identity,

    /// <summary><c>:db.unique/value</c>: a second entity with the same value is an error.</summary>
    Value,
}

/// <summary>An attribute as its schema datoms describe it (<c>:db/valueType</c>, <c>:db/cardinality</c>, …).</summary>
public sealed record AttributeSchema(Keyword Ident, ValueType Type, bool Many, Uniqueness Unique, bool IsComponent, string? Doc)
{
    public bool IsRef => Type == ValueType.Ref;
}

using Datom.Log.Edn;
using Datom.Log.Model;
using ValueType = Datom.Log.Model.ValueType;

namespace Datom.Index.Schema;

/// <summary>
/// The entities every database starts with, at fixed ids (prefix 0, see <see cref="EntityId"/>), so
/// they are the same on every node without any datom: the schema attributes and the enum idents
/// their values name (<c>:db.type/string</c>, <c>:db.cardinality/many</c>, …).
/// </summary>
public static class SystemSchema
{
    private static readonly (ulong Id, string Ident, ValueType Type, bool Many, Uniqueness Unique, string Doc)[] AttributeTable =
    [
        (1, "db/ident", ValueType.Keyword, false, Uniqueness.Identity, "The keyword that names an entity."),
        (2, "db/valueType", ValueType.Ref, false, Uniqueness.None, "The type of an attribute's values."),
        (3, "db/cardinality", ValueType.Ref, false, Uniqueness.None, "One value per entity, or many."),
        (4, "db/unique", ValueType.Ref, false, Uniqueness.None, "Whether values are unique: :db.unique/identity or :db.unique/value."),
        (5, "db/isComponent", ValueType.Boolean, false, Uniqueness.None, "A ref attribute whose values are parts of the entity."),
        (6, "db/doc", ValueType.String, false, Uniqueness.None, "Documentation."),
        (10, "tx/author", ValueType.String, false, Uniqueness.None, "The node id of the transaction's author."),
        (11, "tx/time", ValueType.Instant, false, Uniqueness.None, "The physical part of the transaction's hybrid logical clock time."),
        (12, "tx/hash", ValueType.String, false, Uniqueness.Identity, "The hash of the log entry that holds the transaction."),
        (13, "tx/seq", ValueType.Long, false, Uniqueness.None, "The entry's sequence number in its author's log."),
        (14, "tx/reason", ValueType.String, false, Uniqueness.None, "Why the transaction was made."),
        (15, "fork/author", ValueType.String, false, Uniqueness.None, "The author whose key signed two entries at one sequence number."),
        (16, "fork/seq", ValueType.Long, false, Uniqueness.None, "The sequence number both entries of a fork carry."),
        (17, "fork/entry", ValueType.String, true, Uniqueness.None, "The hashes of the two signed entries that prove a fork."),
    ];

    private static readonly (ulong Id, string Ident)[] EnumTable =
    [
        (20, "db.type/string"), (21, "db.type/long"), (22, "db.type/double"), (23, "db.type/boolean"), (24, "db.type/keyword"),
        (25, "db.type/symbol"), (26, "db.type/ref"), (27, "db.type/instant"), (28, "db.type/uuid"), (29, "db.type/bytes"),
        (30, "db.cardinality/one"), (31, "db.cardinality/many"),
        (32, "db.unique/identity"), (33, "db.unique/value"),
    ];

    private static readonly Dictionary<Keyword, EntityId> ByIdent = [];
    private static readonly Dictionary<EntityId, Keyword> ByEntity = [];
    private static readonly Dictionary<Keyword, AttributeSchema> Attributes = [];

    static SystemSchema()
    {
        foreach (var (id, ident, type, many, unique, doc) in AttributeTable)
        {
            var k = Keyword.Parse(ident);
            ByIdent[k] = EntityId.System(id);
            ByEntity[EntityId.System(id)] = k;
            Attributes[k] = new AttributeSchema(k, type, many, unique, false, doc);
        }
        foreach (var (id, ident) in EnumTable)
        {
            var k = Keyword.Parse(ident);
            ByIdent[k] = EntityId.System(id);
            ByEntity[EntityId.System(id)] = k;
        }
    }

    public static readonly Keyword Ident = Keyword.Parse("db/ident");
    public static readonly Keyword ValueTypeAttr = Keyword.Parse("db/valueType");
    public static readonly Keyword Cardinality = Keyword.Parse("db/cardinality");
    public static readonly Keyword Unique = Keyword.Parse("db/unique");
    public static readonly Keyword IsComponent = Keyword.Parse("db/isComponent");
    public static readonly Keyword Doc = Keyword.Parse("db/doc");

    public static EntityId? Entid(Keyword ident) => ByIdent.TryGetValue(ident, out var e) ? e : null;

    public static Keyword? IdentOf(EntityId e) => ByEntity.TryGetValue(e, out var k) ? k : null;

    public static AttributeSchema? Attribute(Keyword ident) => Attributes.TryGetValue(ident, out var a) ? a : null;

    public static IEnumerable<AttributeSchema> AllAttributes => Attributes.Values;

    public static ValueType? TypeOf(EntityId typeEntity) => IdentOf(typeEntity)?.ToString() switch
    {
        ":db.type/string" => ValueType.String,
        ":db.type/long" => ValueType.Long,
        ":db.type/double" => ValueType.Double,
        ":db.type/boolean" => ValueType.Boolean,
        ":db.type/keyword" => ValueType.Keyword,
        ":db.type/symbol" => ValueType.Symbol,
        ":db.type/ref" => ValueType.Ref,
        ":db.type/instant" => ValueType.Instant,
        ":db.type/uuid" => ValueType.Uuid,
        ":db.type/bytes" => ValueType.Bytes,
        _ => null,
    };
}

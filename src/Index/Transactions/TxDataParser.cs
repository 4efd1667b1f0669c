using System.Collections;
using Datom.Log.Edn;
using Datom.Log.Model;

namespace Datom.Index.Transactions;

/// <summary>
/// Reads Datomic-style transaction data (https://docs.datomic.com/transactions/transaction-data-reference.html):
/// a vector of list forms <c>[:db/add e a v]</c>, <c>[:db/retract e a v?]</c>, <c>[:db/retractEntity e]</c>,
/// <c>[:db/cas e a old new]</c> and entity maps <c>{:db/id e, :attr v, :ns/_ref e2, …}</c> (a reverse
/// attribute makes e2 point at e), with tempids (strings), lookup refs, idents and
/// <c>"datomic.tx"</c> for the transaction itself. DataScript's <c>:db.fn/cas</c>,
/// <c>:db.fn/retractEntity</c> and <c>:db.fn/retractAttribute</c> are read as Datomic's forms.
/// </summary>
public static class TxDataParser
{
    public const string CurrentTxTempId = "datomic.tx";

    private static readonly Keyword DbId = Keyword.Intern("db", "id");
    private static readonly Keyword DbAdd = Keyword.Intern("db", "add");
    private static readonly Keyword DbRetract = Keyword.Intern("db", "retract");
    private static readonly Keyword DbRetractEntity = Keyword.Intern("db", "retractEntity");
    private static readonly Keyword DbFnRetractEntity = Keyword.Intern("db.fn", "retractEntity");
    private static readonly Keyword DbCas = Keyword.Intern("db", "cas");
    private static readonly Keyword DbFnCas = Keyword.Intern("db.fn", "cas");
    private static readonly Keyword DbFnRetractAttribute = Keyword.Intern("db.fn", "retractAttribute");

    /// <summary>EDN reader options for tx-data: <c>#id</c> for entity ids and <c>#bytes</c> for byte values.</summary>
    public static EdnReaderOptions ReaderOptions(string? sourceName = null) => new()
    {
        SourceName = sourceName,
        TagHandlers = new Dictionary<string, Func<object?, object?>>
        {
            ["id"] = v => v is string s && EntityId.TryParse(s, out var id) ? id : throw new FormatException("#id takes a string of 32 hex digits"),
            ["bytes"] = v => v is string s ? Convert.FromBase64String(s) : throw new FormatException("#bytes takes a base64 string"),
        },
    };

    public static IReadOnlyList<TxOp> Parse(object? txData)
    {
        if (txData is not (EdnVector or EdnList) || txData is not IReadOnlyList<object?> forms)
            throw new TxDataException($"transaction data is a vector of forms, not {Describe(txData)}", PositionOf(txData));
        if (forms.Count > 0 && forms[0] is Keyword first && (first.Equals(DbAdd) || first.Equals(DbRetract) || first.Equals(DbRetractEntity)))
            throw new TxDataException($"transaction data is a vector of forms; this is a single {first} form: wrap it as [[{first} …]]", PositionOf(txData));
        var ops = new List<TxOp>();
        var anonymous = 0;
        foreach (var form in forms)
        {
            switch (form)
            {
                case EdnMap map:
                    ParseMap(map, ops, ref anonymous, null);
                    break;
                case IReadOnlyList<object?> list when form is EdnVector or EdnList:
                    ops.Add(ParseList(list, PositionOf(form)));
                    break;
                default:
                    throw new TxDataException($"expected [:db/add e a v], [:db/retract e a v], [:db/retractEntity e] or an entity map, not {Describe(form)}", PositionOf(form) ?? PositionOf(txData));
            }
        }
        return ops;
    }

    private static TxOp ParseList(IReadOnlyList<object?> list, SourcePosition? at)
    {
        if (list.Count == 0 || list[0] is not Keyword op)
            throw new TxDataException($"a list form starts with :db/add, :db/retract or :db/retractEntity: {EdnWriter.ToDebugString(list)}", at);
        if (op.Equals(DbAdd) || op.Equals(DbRetract))
        {
            var added = op.Equals(DbAdd);
            if (list.Count != 4 && !(list.Count == 3 && !added))
                throw new TxDataException($"{op} takes {(added ? "e a v" : "e a v, or e a")}; got {list.Count - 1} argument(s)", at);
            var e = ParseEntity(list[1], at);
            var a = list[2] as Keyword ?? throw new TxDataException($"attribute must be a keyword, not {Describe(list[2])}", at);
            return new TxOp.Assert(e, a, list.Count == 4 ? list[3] : null, added, list.Count == 3, at);
        }
        if (op.Equals(DbRetractEntity) || op.Equals(DbFnRetractEntity))
        {
            if (list.Count != 2)
                throw new TxDataException($"{op} takes one entity; got {list.Count - 1} argument(s)", at);
            return new TxOp.RetractEntity(ParseEntity(list[1], at), at);
        }
        if (op.Equals(DbCas) || op.Equals(DbFnCas))
        {
            if (list.Count != 5)
                throw new TxDataException($"{op} takes e a old new; got {list.Count - 1} argument(s)", at);
            var e = ParseEntity(list[1], at);
            if (e is EntityRef.TempId or EntityRef.CurrentTx)
                throw new TxDataException($"{op} needs an existing entity, not the tempid {EdnWriter.ToDebugString(list[1])}: tempids are allowed in :db/add and entity maps only", at);
            var a = list[2] as Keyword ?? throw new TxDataException($"attribute must be a keyword, not {Describe(list[2])}", at);
            return new TxOp.Cas(e, a, list[3], list[4], at);
        }
        if (op.Equals(DbFnRetractAttribute))
        {
            // DataScript's name for [:db/retract e a]: every value of a on e.
            if (list.Count != 3)
                throw new TxDataException($"{op} takes e a; got {list.Count - 1} argument(s)", at);
            var a = list[2] as Keyword ?? throw new TxDataException($"attribute must be a keyword, not {Describe(list[2])}", at);
            return new TxOp.Assert(ParseEntity(list[1], at), a, null, false, true, at);
        }
        // Any other namespaced keyword names a transaction function, as in Datomic; :db and :db.fn
        // are Datomic's own, so a typo there is an error rather than a call.
        if (op.Namespace is { } ns && ns != "db" && !ns.StartsWith("db.", StringComparison.Ordinal))
            return new TxOp.Call(op, [.. list.Skip(1)], at);
        throw new TxDataException($"unknown operation {op}; this node knows :db/add, :db/retract, :db/retractEntity, :db/cas and transaction functions (:my.ns/fn args…)", at);
    }

    private static EntityRef ParseMap(EdnMap map, List<TxOp> ops, ref int anonymous, SourcePosition? outer)
    {
        var at = map.Position ?? outer;
        var e = map.TryGetValue(DbId, out var id) ? ParseEntity(id, at) : new EntityRef.TempId($"#map-{anonymous++}");
        var any = false;
        foreach (var (key, value) in map)
        {
            if (DbId.Equals(key))
                continue;
            var a = key as Keyword ?? throw new TxDataException($"entity map keys are attribute keywords, not {Describe(key)}", at);
            any = true;
            if (a.Name.StartsWith('_') && a.Name.Length > 1)
            {
                // A reverse attribute: each entity named becomes the subject of the forward
                // attribute, with this map's entity as its value.
                var forward = Keyword.Intern(a.Namespace, a.Name[1..]);
                foreach (var item in ReverseTargets(value, at))
                {
                    var target = item is EdnMap m ? ParseMap(m, ops, ref anonymous, at) : ParseEntity(item, at);
                    ops.Add(new TxOp.Assert(target, forward, new ReverseRef(e, a), true, false, at));
                }
                continue;
            }
            switch (value)
            {
                case EdnMap nested:
                    ops.Add(new TxOp.Assert(e, a, ParseMap(nested, ops, ref anonymous, at), true, false, at));
                    break;
                case EdnVector or EdnSet or EdnList:
                    // Several values, or a lookup ref: the transactor decides with the schema.
                    var items = new List<object?>();
                    foreach (var item in (IEnumerable)value!)
                        items.Add(item is EdnMap m ? ParseMap(m, ops, ref anonymous, at) : item);
                    ops.Add(new TxOp.Assert(e, a, new ManyValues(items, IsLookupRef(value)), true, false, at));
                    break;
                default:
                    ops.Add(new TxOp.Assert(e, a, value, true, false, at));
                    break;
            }
        }
        if (!any)
            throw new TxDataException("an entity map needs at least one attribute besides :db/id", at);
        return e;
    }

    /// <summary>An entity position: tempid string, #id, lookup ref [attr value], ident keyword.</summary>
    public static EntityRef ParseEntity(object? value, SourcePosition? at) => value switch
    {
        string s when s == CurrentTxTempId => new EntityRef.CurrentTx(),
        string s when s.Length > 0 => new EntityRef.TempId(s),
        EntityId id => new EntityRef.Existing(id),
        Keyword k => new EntityRef.Ident(k),
        IReadOnlyList<object?> { Count: 2 } l when l[0] is Keyword attr => new EntityRef.Lookup(attr, l[1]),
        long or int => throw new TxDataException($"entity ids here are 128-bit and written #id \"…32 hex digits…\", not the number {value}", at),
        _ => throw new TxDataException($"an entity is a tempid string, #id, lookup ref [attr value] or ident keyword, not {Describe(value)}", PositionOf(value) ?? at),
    };

    /// <summary>The entities a reverse attribute's value names: one (a lookup ref is one), or a collection of them.</summary>
    private static IEnumerable<object?> ReverseTargets(object? value, SourcePosition? at)
    {
        if (value is null)
            throw new TxDataException("a reverse attribute's value names an entity, not nil", at);
        if (value is EdnVector or EdnList or EdnSet && !IsLookupRef(value))
            return ((IEnumerable)value).Cast<object?>();
        return [value];
    }

    private static bool IsLookupRef(object? value) => value is EdnVector { Count: 2 } v && v[0] is Keyword;

    internal static SourcePosition? PositionOf(object? value) => value switch
    {
        EdnVector v => v.Position,
        EdnList l => l.Position,
        EdnMap m => m.Position,
        EdnSet s => s.Position,
        Symbol s => s.Position,
        _ => null,
    };

    internal static string Describe(object? value) => value switch
    {
        null => "nil",
        string => "a string",
        long or int => "a number",
        EdnMap => "a map",
        EdnVector => "a vector",
        EdnList => "a list",
        EdnSet => "a set",
        Keyword k => "the keyword " + k,
        Symbol s => "the symbol " + s,
        _ => EdnWriter.ToDebugString(value),
    };
}

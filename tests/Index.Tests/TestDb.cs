using D = Datom.Index.Query.Datom;
using System.Collections;
using System.Globalization;
using System.Numerics;
using System.Text;
using Datom.Index.Query;
using Datom.Index.Schema;
using Datom.Log.Edn;
using Datom.Log.Model;
using Xunit;
using ValueType = Datom.Log.Model.ValueType;

namespace Datom.Index.Tests;

/// <summary>
/// Builds reference databases from EDN the way the Datomic and DataScript docs write examples, and
/// compares results with expected EDN. Entity numbers in the data (<c>{:db/id 1 …}</c>) are the
/// entities <c>EntityId(1, n)</c>, and print back as those numbers, so expected results can be
/// copied from the docs.
/// </summary>
public static class TestDb
{
    public const ulong Prefix = 1;
    public const ulong TxPrefix = 2;
    private const ulong AttrBase = 1000;
    private static readonly Keyword DbId = Keyword.Intern("db", "id");
    private static readonly Keyword DbIdent = Keyword.Intern("db", "ident");
    private static readonly Keyword DbAdd = Keyword.Intern("db", "add");

    public static EntityId E(long n) => new(Prefix, (ulong)n);

    public static EntityId Tx(long n) => new(TxPrefix, (ulong)n);

    /// <summary>
    /// A schema <c>{:attr type-or-[type flags…]}</c> where type is :string :long :double :boolean
    /// :keyword :symbol :ref :instant :uuid :bytes and the flags :many :unique (identity)
    /// :unique-value :component; then transactions, each a vector of entity maps (numeric :db/id,
    /// nested maps for new entities, vectors for many values, keywords naming idents in ref
    /// places) or [:db/add e a v] forms.
    /// </summary>
    public static MemoryView Build(string schema, params string[] transactions)
    {
        var attrs = new List<AttributeSchema> { new(DbIdent, ValueType.Keyword, false, Uniqueness.Identity, false, null) };
        foreach (var (key, value) in (EdnMap)EdnReader.ReadOne(schema)!)
        {
            var k = (Keyword)key!;
            var spec = value is EdnVector v ? v.ToList() : [value];
            var type = Enum.Parse<ValueType>(((Keyword)spec[0]!).Name, ignoreCase: true);
            var flags = spec.Skip(1).Select(f => ((Keyword)f!).Name).ToHashSet();
            var unique = flags.Contains("unique") ? Uniqueness.Identity : flags.Contains("unique-value") ? Uniqueness.Value : Uniqueness.None;
            attrs.Add(new AttributeSchema(k, type, flags.Contains("many"), unique, flags.Contains("component"), null));
        }
        var byIdent = attrs.ToDictionary(a => a.Ident);
        var datoms = new List<D>();
        // Attributes are entities with idents, as in Datomic.
        var n = AttrBase;
        foreach (var a in attrs)
            datoms.Add(new D(EntityId.System(n++), DbIdent, Value.Keyword(a.Ident.ToString()[1..]), Tx(0), true));

        var idents = new Dictionary<Keyword, EntityId>();
        var forms = transactions.Select(t => (EdnVector)EdnReader.ReadOne(t)!).ToList();
        // Idents first, so that keywords in ref places resolve whatever the order.
        foreach (var tx in forms)
        {
            foreach (var form in tx)
            {
                if (form is EdnMap m && m.TryGetValue(DbIdent, out var ident) && m.TryGetValue(DbId, out var id))
                    idents[(Keyword)ident!] = Id(id);
            }
        }
        var next = 1_000_000L;
        for (var t = 0; t < forms.Count; t++)
        {
            var txId = Tx(t + 1);
            foreach (var form in forms[t])
            {
                switch (form)
                {
                    case EdnMap m:
                        AddMap(m, txId);
                        break;
                    case EdnVector v when v[0] is Keyword op && op == DbAdd:
                        var attr = byIdent[(Keyword)v[2]!];
                        datoms.Add(new D(Id(v[1]), attr.Ident, ToValue(attr, v[3]), txId, true));
                        break;
                    default:
                        throw new ArgumentException("bad test tx form " + form);
                }
            }
        }
        return new MemoryView(datoms, attrs);

        EntityId AddMap(EdnMap m, EntityId txId)
        {
            var e = m.TryGetValue(DbId, out var id) ? Id(id) : E(next++);
            foreach (var (key, value) in m)
            {
                var k = (Keyword)key!;
                if (k == DbId)
                    continue;
                var attr = byIdent.TryGetValue(k, out var a) ? a : throw new ArgumentException("no schema for " + k);
                IEnumerable<object?> values = value is EdnVector or EdnSet && !(attr.IsRef && value is EdnVector { Count: 2 } lv && lv[0] is Keyword && attr.Many == false)
                    ? (IEnumerable<object?>)value
                    : [value];
                foreach (var item in values)
                {
                    var val = item is EdnMap nested && attr.IsRef ? Value.Ref(AddMap(nested, txId)) : ToValue(attr, item);
                    datoms.Add(new D(e, attr.Ident, val, txId, true));
                }
            }
            return e;
        }

        Value ToValue(AttributeSchema attr, object? v) => attr.Type switch
        {
            ValueType.Ref => Value.Ref(v is Keyword kw ? idents[kw] : Id(v)),
            ValueType.String => Value.String((string)v!),
            ValueType.Long => Value.Long((long)v!),
            ValueType.Double => Value.Double(v is long l ? l : (double)v!),
            ValueType.Boolean => Value.Boolean((bool)v!),
            ValueType.Keyword => Value.Keyword(((Keyword)v!).ToString()[1..]),
            ValueType.Symbol => Value.Symbol(((Symbol)v!).ToString()),
            ValueType.Instant => Value.Instant((DateTimeOffset)v!),
            ValueType.Uuid => Value.Uuid((Guid)v!),
            ValueType.Bytes => Value.Bytes(Convert.FromBase64String((string)v!)),
            _ => throw new ArgumentException("type"),
        };
    }

    private static EntityId Id(object? id) => id switch
    {
        long n => E(n),
        EntityId e => e,
        _ => throw new ArgumentException("test entity ids are numbers: " + id),
    };

    // ---- running and comparing ----

    public static QueryResult Q(string query, params object?[] inputs) => Datalog.Query(query, inputs);

    /// <summary>The result in canonical EDN: sets and maps sorted, test entities as their numbers.</summary>
    public static string Canon(QueryResult r) => r.Kind switch
    {
        FindKind.Scalar => Canon(r.Scalar),
        FindKind.Tuple => Canon(r.Tuple),
        FindKind.Collection => r.IsBag ? SortedVector(r.Collection) : Canon(new HashSet<object?>(r.Collection, new CanonComparer())),
        _ when r.Keys is not null => CanonSeq("#{", r.Maps.Select(Canon).Order(StringComparer.Ordinal), "}"),
        _ when r.IsBag => SortedVector(r.Rows),
        _ => CanonSeq("#{", r.Rows.Select(Canon).Order(StringComparer.Ordinal), "}"),
    };

    private static string SortedVector(IEnumerable items) => CanonSeq("[", items.Cast<object?>().Select(Canon).Order(StringComparer.Ordinal), "]");

    /// <summary>Expected EDN in canonical form (sets sorted); a vector named a bag is sorted too.</summary>
    public static string Expect(string edn, bool bag = false)
    {
        var v = EdnReader.ReadOne(edn, Datom.Index.Transactions.TxDataParser.ReaderOptions());
        return bag && v is EdnVector vec ? SortedVector(vec) : Canon(v);
    }

    public static void AssertQ(string expected, string query, params object?[] inputs)
    {
        var r = Q(query, inputs);
        Assert.Equal(Expect(expected, r.IsBag), Canon(r));
    }

    public static string Canon(object? value) => value switch
    {
        null => "nil",
        EntityId { Prefix: Prefix } e => e.Counter.ToString(CultureInfo.InvariantCulture),
        EntityId e => "#id \"" + e + "\"",
        long or int or BigInteger => Convert.ToString(value, CultureInfo.InvariantCulture)!,
        double d => Value.Double(d).ToString(),
        string or bool or Keyword or Symbol or DateTimeOffset or Guid => EdnWriter.ToDebugString(value),
        byte[] b => "#bytes \"" + Convert.ToBase64String(b) + "\"",
        PullMap or EdnMap or IDictionary or IReadOnlyDictionary<object, object?> => CanonMap(value),
        EdnSet or ISet<object?> or IReadOnlySet<object?> => CanonSeq("#{", ((IEnumerable)value).Cast<object?>().Select(Canon).Order(StringComparer.Ordinal), "}"),
        IEnumerable e => CanonSeq("[", e.Cast<object?>().Select(Canon), "]"),
        _ => value.ToString()!,
    };

    private static string CanonMap(object map)
    {
        IEnumerable<(object? K, object? V)> entries = map switch
        {
            EdnMap m => m.Select(kv => (kv.Key, kv.Value)),
            IReadOnlyDictionary<object, object?> d => d.Select(kv => ((object?)kv.Key, kv.Value)),
            IDictionary d => d.Cast<DictionaryEntry>().Select(kv => ((object?)kv.Key, kv.Value)),
            _ => throw new ArgumentException("not a map: " + map.GetType()),
        };
        return CanonSeq("{", entries.Select(kv => Canon(kv.K) + " " + Canon(kv.V)).Order(StringComparer.Ordinal), "}");
    }

    private static string CanonSeq(string open, IEnumerable<string> items, string close)
    {
        var sb = new StringBuilder(open);
        sb.AppendJoin(" ", items);
        return sb.Append(close).ToString();
    }

    private sealed class CanonComparer : IEqualityComparer<object?>
    {
        public new bool Equals(object? x, object? y) => Canon(x) == Canon(y);

        public int GetHashCode(object? obj) => StringComparer.Ordinal.GetHashCode(Canon(obj));
    }
}

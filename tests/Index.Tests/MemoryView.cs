using D = Datom.Index.Query.Datom;
using Datom.Index.Query;
using Datom.Index.Schema;
using Datom.Log.Edn;
using Datom.Log.Model;
using ValueType = Datom.Log.Model.ValueType;

namespace Datom.Index.Tests;

/// <summary>
/// The reference <see cref="IDatomView"/>: a list of datoms and a schema, answering Match by
/// filtering every datom and sorting in the order the interface documents. Correct rather than
/// fast; the engine's results over it are the expected results for any real index.
/// </summary>
public sealed class MemoryView : IDatomView
{
    private readonly List<D> _datoms;
    private readonly Dictionary<Keyword, AttributeSchema> _schema;
    private readonly Dictionary<Keyword, EntityId> _idents = [];
    private readonly Dictionary<EntityId, Keyword> _identOf = [];

    public MemoryView(IEnumerable<D> datoms, IEnumerable<AttributeSchema> schema)
    {
        _datoms = datoms.ToList();
        _schema = schema.ToDictionary(s => s.Ident);
        var dbIdent = Keyword.Intern("db", "ident");
        foreach (var d in _datoms)
        {
            if (d.A == dbIdent && d.Added && d.V.Type == ValueType.Keyword)
            {
                var k = Keyword.Parse(d.V.AsString);
                _idents[k] = d.E;
                _identOf[d.E] = k;
            }
        }
    }

    public IReadOnlyList<D> Datoms => _datoms;

    /// <summary>Counts Match calls, so tests can see how the engine reads.</summary>
    public int MatchCalls { get; private set; }

    public AttributeSchema? Attribute(Keyword ident) => _schema.GetValueOrDefault(ident);

    public IEnumerable<D> Match(EntityId? e, Keyword? a, Value? v)
    {
        MatchCalls++;
        var found = _datoms.Where(d => (e is null || d.E == e) && (a is null || d.A == a) && (v is null || d.V == v)).ToList();
        Comparison<D> order = e is not null ? Eavt
            : a is not null && v is not null ? Avet
            : v is { Type: ValueType.Ref } ? Vaet
            : Aevt;
        found.Sort(order);
        return found;
    }

    public long Estimate(EntityId? e, Keyword? a, Value? v) =>
        _datoms.Count(d => (e is null || d.E == e) && (a is null || d.A == a) && (v is null || d.V == v));

    public EntityId? Entid(Keyword ident) => _idents.TryGetValue(ident, out var e) ? e : null;

    public Keyword? Ident(EntityId e) => _identOf.GetValueOrDefault(e);

    private static int Eavt(D x, D y) => Chain(x.E.CompareTo(y.E), x.A.CompareTo(y.A), x.V.CompareTo(y.V), x.Tx.CompareTo(y.Tx));

    private static int Aevt(D x, D y) => Chain(x.A.CompareTo(y.A), x.E.CompareTo(y.E), x.V.CompareTo(y.V), x.Tx.CompareTo(y.Tx));

    private static int Avet(D x, D y) => Chain(x.A.CompareTo(y.A), x.V.CompareTo(y.V), x.E.CompareTo(y.E), x.Tx.CompareTo(y.Tx));

    private static int Vaet(D x, D y) => Chain(x.V.CompareTo(y.V), x.A.CompareTo(y.A), x.E.CompareTo(y.E), x.Tx.CompareTo(y.Tx));

    private static int Chain(params int[] cs) => cs.FirstOrDefault(c => c != 0);
}

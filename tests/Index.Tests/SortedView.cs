using Datom.Index.Query;
using Datom.Index.Schema;
using Datom.Log.Edn;
using Datom.Log.Model;
using D = Datom.Index.Query.Datom;
using ValueType = Datom.Log.Model.ValueType;

namespace Datom.Index.Tests;

/// <summary>
/// An <see cref="IDatomView"/> over sorted arrays (EAVT, AEVT, AVET, VAET) with binary search: a
/// stand-in for a real index, to measure what the engine itself costs.
/// </summary>
public sealed class SortedView : IDatomView
{
    private readonly D[] _eavt;
    private readonly D[] _aevt;
    private readonly D[] _avet;
    private readonly D[] _vaet;
    private readonly Dictionary<Keyword, AttributeSchema> _schema;
    private readonly Dictionary<Keyword, EntityId> _idents = [];
    private readonly Dictionary<EntityId, Keyword> _identOf = [];

    public SortedView(IEnumerable<D> datoms, IEnumerable<AttributeSchema> schema)
    {
        var all = datoms.ToArray();
        _schema = schema.ToDictionary(s => s.Ident);
        _eavt = Sorted(all, Eavt);
        _aevt = Sorted(all, Aevt);
        _avet = Sorted(all, Avet);
        _vaet = Sorted(all.Where(d => d.V.Type == ValueType.Ref).ToArray(), Vaet);
        foreach (var d in all)
        {
            if (d.A.Namespace == "db" && d.A.Name == "ident")
            {
                var k = Keyword.Parse(d.V.AsString);
                _idents[k] = d.E;
                _identOf[d.E] = k;
            }
        }
    }

    public int Count => _eavt.Length;

    public AttributeSchema? Attribute(Keyword ident) => _schema.GetValueOrDefault(ident);

    public IEnumerable<D> Match(EntityId? e, Keyword? a, Value? v)
    {
        var (array, lo, hi) = Range(e, a, v);
        for (var i = lo; i < hi; i++)
        {
            var d = array[i];
            if ((a is null || d.A == a) && (v is null || d.V == v))
                yield return d;
        }
    }

    public long Estimate(EntityId? e, Keyword? a, Value? v)
    {
        var (_, lo, hi) = Range(e, a, v);
        return hi - lo;
    }

    public EntityId? Entid(Keyword ident) => _idents.TryGetValue(ident, out var e) ? e : null;

    public Keyword? Ident(EntityId e) => _identOf.GetValueOrDefault(e);

    private (D[] Array, int Lo, int Hi) Range(EntityId? e, Keyword? a, Value? v)
    {
        if (e is { } ee)
        {
            return a is null
                ? Bounds(_eavt, d => d.E.CompareTo(ee))
                : Bounds(_eavt, d => Chain(d.E.CompareTo(ee), d.A.CompareTo(a)));
        }
        if (a is not null && v is { } vv)
            return Bounds(_avet, d => Chain(d.A.CompareTo(a), d.V.CompareTo(vv)));
        if (v is { Type: ValueType.Ref } rv)
            return Bounds(_vaet, d => d.V.CompareTo(rv));
        if (a is not null)
            return Bounds(_aevt, d => d.A.CompareTo(a));
        return (_aevt, 0, _aevt.Length);
    }

    private static (D[], int, int) Bounds(D[] array, Func<D, int> cmp)
    {
        int lo = 0, hi = array.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (cmp(array[mid]) < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        var start = lo;
        hi = array.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (cmp(array[mid]) <= 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        return (array, start, lo);
    }

    private static D[] Sorted(D[] all, Comparison<D> order)
    {
        var copy = (D[])all.Clone();
        Array.Sort(copy, order);
        return copy;
    }

    private static int Eavt(D x, D y) => Chain(x.E.CompareTo(y.E), x.A.CompareTo(y.A), x.V.CompareTo(y.V));

    private static int Aevt(D x, D y) => Chain(x.A.CompareTo(y.A), x.E.CompareTo(y.E), x.V.CompareTo(y.V));

    private static int Avet(D x, D y) => Chain(x.A.CompareTo(y.A), x.V.CompareTo(y.V), x.E.CompareTo(y.E));

    private static int Vaet(D x, D y) => Chain(x.V.CompareTo(y.V), x.A.CompareTo(y.A), x.E.CompareTo(y.E));

    private static int Chain(int a, int b) => a != 0 ? a : b;

    private static int Chain(int a, int b, int c) => a != 0 ? a : b != 0 ? b : c;
}

using Datom.Index.Query;
using Datom.Index.Schema;
using Datom.Index.Storage;
using Datom.Log.Edn;
using Datom.Log.Model;
using IndexDatom = Datom.Index.Query.Datom;

namespace Datom.Index.Views;

/// <summary>
/// Every assertion and retraction, each with the transaction that made it (Datomic's history
/// database): <c>[?e ?a ?v ?tx ?added]</c> sees both. Schema and idents come from the current view.
/// An optional filter on operations limits it as it limits the current view (as of a frontier or a
/// time, since): the history of that view.
/// </summary>
public sealed class HistoryView(IndexSnapshot snapshot, Func<DatomOp, bool>? include = null) : IDatomView
{
    private readonly CurrentView _current = new(snapshot, include);

    public AttributeSchema? Attribute(Keyword ident) => _current.Attribute(ident);

    public EntityId? Entid(Keyword ident) => _current.Entid(ident);

    public Keyword? Ident(EntityId e) => _current.Ident(e);

    public long Estimate(EntityId? e, Keyword? a, Value? v) => _current.Estimate(e, a, v) * 2;

    public IEnumerable<IndexDatom> Match(EntityId? e, Keyword? a, Value? v)
    {
        uint? attr = null;
        if (a is not null)
        {
            attr = snapshot.Attributes.Find(a.QualifiedName);
            if (attr is null)
                yield break;
        }
        var (order, prefix) = CurrentView.Plan(e, attr, v);
        using var scan = snapshot.Scan(order, prefix);
        while (scan.MoveNext())
        {
            var op = KeyCodec.Decode(order, scan.Current);
            if ((e is not null && op.E != e.Value) || (attr is not null && op.A != attr.Value) || (v is not null && !op.V.Equals(v.Value)))
                continue;
            if (include is not null && !include(op))
                continue;
            yield return new IndexDatom(op.E, Keyword.Parse(snapshot.Attributes.Name(op.A)), op.V, op.Tx, op.Added);
        }
    }
}

/// <summary>A view that hides the datoms a predicate rejects (Datomic's filtered database).</summary>
public sealed class FilteredView(IDatomView inner, Func<IndexDatom, bool> keep) : IDatomView
{
    public AttributeSchema? Attribute(Keyword ident) => inner.Attribute(ident);

    public EntityId? Entid(Keyword ident) => inner.Entid(ident);

    public Keyword? Ident(EntityId e) => inner.Ident(e);

    public long Estimate(EntityId? e, Keyword? a, Value? v) => inner.Estimate(e, a, v);

    public IEnumerable<IndexDatom> Match(EntityId? e, Keyword? a, Value? v) => inner.Match(e, a, v).Where(keep);
}

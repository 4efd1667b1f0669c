using Datom.Index.Query;
using Datom.Index.Schema;
using Datom.Index.Storage;
using Datom.Log.Edn;
using Datom.Log.Model;
using IndexDatom = Datom.Index.Query.Datom;

namespace Datom.Index.Views;

/// <summary>
/// The conflicts of the database, as a source a query can read: for every cardinality-one
/// <c>[e a]</c> that concurrent branches gave several live values, all of those values (the one the
/// current view shows among them). <c>[:find ?e ?v :in $ $c :where [$c ?e :user/name ?v]]</c> lists
/// the competing names; an empty answer means no conflict. Unique values that several entities
/// hold (<see cref="UniqueMerge"/>) are conflicts too: every stored datom holding such a value, under
/// its own entity id, so <c>[$c ?e :p/key "u-0"]</c> lists the entities that were merged.
/// </summary>
public sealed class ConflictsView(CurrentView current) : IDatomView
{
    private readonly CurrentView _current = current;

    /// <summary>The conflicts of the current database.</summary>
    public ConflictsView(IndexSnapshot snapshot)
        : this(new CurrentView(snapshot))
    {
    }

    public AttributeSchema? Attribute(Keyword ident) => _current.Attribute(ident);

    public EntityId? Entid(Keyword ident) => _current.Entid(ident);

    public Keyword? Ident(EntityId e) => _current.Ident(e);

    public long Estimate(EntityId? e, Keyword? a, Value? v) => _current.Estimate(e, a, v);

    public IEnumerable<IndexDatom> Match(EntityId? e, Keyword? a, Value? v)
    {
        // Every [e a] the current view sees once; keep those with more than one live value.
        var seen = new HashSet<(EntityId, Keyword)>();
        foreach (var d in _current.Match(e, a, v))
        {
            if (!seen.Add((d.E, d.A)) || _current.Attribute(d.A) is not { Many: false })
                continue;
            var live = _current.Conflicts(d.E, d.A);
            if (live.Count < 2)
                continue;
            foreach (var c in live)
            {
                if (v is null || c.V.Equals(v.Value))
                    yield return c;
            }
        }
        foreach (var d in _current.UniqueCollisions())
        {
            if ((e is null || d.E == e.Value || _current.Canonical(d.E) == e.Value) && (a is null || d.A.Equals(a)) && (v is null || d.V.Equals(v.Value)))
                yield return d;
        }
    }
}

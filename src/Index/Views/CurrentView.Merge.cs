using Datom.Index.Storage;
using Datom.Log.Edn;
using Datom.Log.Model;
using IndexDatom = Datom.Index.Query.Datom;

namespace Datom.Index.Views;

/// <summary>The view through a <see cref="UniqueMerge"/>: taken only when some unique value has collided.</summary>
public partial class CurrentView
{
    /// <summary>Schema reads: the datoms as stored, never merged (the merge itself reads the schema).</summary>
    private IEnumerable<IndexDatom> Physical(EntityId? e, Keyword? a, Value? v)
    {
        uint? attr = null;
        if (a is not null)
        {
            attr = AttributeId(a);
            if (attr is null)
                return [];
        }
        return MatchPhysical(e, a, attr, v);
    }

    /// <summary>The canonical entities that show <paramref name="v"/> for <paramref name="attr"/> once <paramref name="merge"/> is applied.</summary>
    private List<EntityId> ShownBy(UniqueMerge merge, uint attr, Value v)
    {
        var shown = new List<EntityId>();
        foreach (var op in LiveOps(IndexOrder.Avet, KeyCodec.Prefix(IndexOrder.Avet, null, attr, v)))
        {
            var c = merge.Canonical(op.E);
            if (op.A == attr && op.V.Equals(v) && !shown.Contains(c) && Group(merge, c, attr).Any(d => d.V.Equals(v)))
                shown.Add(c);
        }
        return shown;
    }

    private IEnumerable<IndexDatom> MatchMerged(UniqueMerge merge, EntityId? e, uint? attr, Value? v)
    {
        var wanted = v is { } given ? merge.Canonical(given) : (Value?)null;
        if (e is { } entity)
        {
            foreach (var d in Group(merge, merge.Canonical(entity), attr))
            {
                if (wanted is null || d.V.Equals(wanted.Value))
                    yield return d;
            }
            yield break;
        }
        if (v is null)
        {
            // A scan of an attribute or of everything: the [e a] groups of entities outside any merged
            // class come as they are met; each merged class's groups come at the end, once.
            var (order, prefix) = Plan(null, attr, null);
            var group = new List<DatomOp>();
            foreach (var op in LiveOps(order, prefix))
            {
                if (merge.Involved(op.E))
                    continue;
                if (group.Count > 0 && (group[0].E != op.E || group[0].A != op.A))
                {
                    foreach (var d in Resolve(merge, group, conflicts: false))
                        yield return d;
                    group.Clear();
                }
                group.Add(op);
            }
            foreach (var d in Resolve(merge, group, conflicts: false))
                yield return d;
            foreach (var c in merge.Classes)
            {
                foreach (var d in Group(merge, c, attr))
                    yield return d;
            }
            yield break;
        }
        // A value given: the entities that hold it (for a ref, any member of its class), each of whose
        // [e a] groups is then decided whole.
        var seen = new HashSet<(EntityId, uint)>();
        IEnumerable<Value> targets = v.Value.Type == Log.Model.ValueType.Ref ? merge.Members(wanted!.Value.AsRef).Select(Value.Ref) : [v.Value];
        foreach (var target in targets)
        {
            var (order, prefix) = Plan(null, attr, target);
            foreach (var op in LiveOps(order, prefix))
            {
                if ((attr is not null && op.A != attr.Value) || !op.V.Equals(target))
                    continue;
                var c = merge.Canonical(op.E);
                if (!seen.Add((c, op.A)))
                    continue;
                foreach (var d in Group(merge, c, op.A))
                {
                    if (d.V.Equals(wanted!.Value))
                        yield return d;
                }
            }
        }
    }

    /// <summary>The live datoms of a canonical entity (every member's, merged), one attribute or all.</summary>
    private List<IndexDatom> Group(UniqueMerge merge, EntityId canonical, uint? attr, bool conflicts = false)
    {
        var byAttribute = new SortedDictionary<uint, List<DatomOp>>();
        foreach (var member in merge.Members(canonical))
        {
            foreach (var op in LiveOps(IndexOrder.Eavt, KeyCodec.Prefix(IndexOrder.Eavt, member, attr, null)))
            {
                if (!byAttribute.TryGetValue(op.A, out var list))
                    byAttribute[op.A] = list = [];
                list.Add(op);
            }
        }
        var result = new List<IndexDatom>();
        foreach (var ops in byAttribute.Values)
            result.AddRange(Resolve(merge, ops, conflicts));
        return result;
    }

    /// <summary>
    /// One merged [e a] group: ids seen through the merge, a value held by several members once (its
    /// latest assertion), the hidden losers of a unique value dropped, and for cardinality one the
    /// latest assertion (or, with <paramref name="conflicts"/>, every live value).
    /// </summary>
    private List<IndexDatom> Resolve(UniqueMerge merge, List<DatomOp> ops, bool conflicts)
    {
        var live = new List<DatomOp>(ops.Count);
        foreach (var op in ops)
        {
            var seen = op with { E = merge.Canonical(op.E), V = merge.Canonical(op.V) };
            var same = live.FindIndex(x => x.V.Equals(seen.V));
            if (same < 0)
                live.Add(seen);
            else if (Later(seen, live[same]))
                live[same] = seen;
        }
        if (conflicts || live.Count == 0)
            return [.. live.Select(op => ToDatom(op))];
        if (IsCardinalityOne(live[0].A))
        {
            // A unique value this entity lost leaves it with no value, not with an older one.
            var winner = Latest(live);
            return merge.Hidden(winner.E, winner.A, winner.V) ? [] : [ToDatom(winner)];
        }
        return [.. live.Where(op => !merge.Hidden(op.E, op.A, op.V)).Select(op => ToDatom(op))];
    }

    /// <summary>
    /// The live datoms as stored that this view shows as <c>[e a v]</c> (v null: any value): what a
    /// retraction of <c>[e a v]</c> must retract, which after a merge may sit on several entities and
    /// name several members of a ref's class. For cardinality one, every competing value.
    /// </summary>
    public IReadOnlyList<IndexDatom> Stored(EntityId e, Keyword a, Value? v)
    {
        ArgumentNullException.ThrowIfNull(a);
        var merge = Merge;
        if (merge.IsEmpty)
            return v is null ? Conflicts(e, a) : [.. Match(e, a, v)];
        var attr = AttributeId(a);
        if (attr is null)
            return [];
        var wanted = v is { } given ? merge.Canonical(given) : (Value?)null;
        var result = new List<IndexDatom>();
        foreach (var member in merge.Members(merge.Canonical(e)))
        {
            foreach (var op in LiveOps(IndexOrder.Eavt, KeyCodec.Prefix(IndexOrder.Eavt, member, attr, null)))
            {
                if (wanted is null || merge.Canonical(op.V).Equals(wanted.Value))
                    result.Add(new IndexDatom(op.E, a, op.V, op.Tx, true));
            }
        }
        return result;
    }

    /// <summary>The entity this view shows for <paramref name="e"/>: itself, or the canonical entity of its unique-value class.</summary>
    public EntityId Canonical(EntityId e) => Merge.Canonical(e);

    /// <summary>Every stored datom that holds a unique value more than one entity holds (the collisions this view resolved).</summary>
    public IReadOnlyList<IndexDatom> UniqueCollisions() => Merge.Collisions;
}

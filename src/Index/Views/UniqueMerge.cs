using Datom.Index.Schema;
using Datom.Index.Storage;
using Datom.Log.Model;
using IndexDatom = Datom.Index.Query.Datom;

namespace Datom.Index.Views;

/// <summary>
/// How one view resolves unique values that several entities hold: branches that each created
/// <c>{:p/key "u-0"}</c> concurrently, with entities of their own.
/// </summary>
/// <remarks>
/// The rules (README, "Unique values under merge"), decided from the view's live datoms only, so
/// every node that holds the same entries decides the same way, whatever the arrival order:
/// <list type="number">
/// <item><c>:db.unique/identity</c>: entities that hold the same live value of such an attribute are
/// one entity. Their canonical id is the lowest entity id among them (transitively: entities linked
/// through several values form one class). The view shows every fact of every member as a fact of
/// the canonical entity, and refs to any member as refs to it; a cardinality-one attribute the
/// members disagree on is a conflict like any other (latest assertion shown).</item>
/// <item><c>:db.unique/value</c>: decided after the identity merge, on the values the merged entities
/// show. The value belongs to the holder with the lowest (canonical) entity id; the others do not
/// show it: a cardinality-one attribute whose latest value is such a loser shows no value (an older
/// value does not come back, which could collide again), a cardinality-many one drops it.</item>
/// </list>
/// Either collision stays visible: <see cref="Collisions"/>, and the conflicts view, list every
/// physical datom that holds a collided value.
/// </remarks>
internal sealed class UniqueMerge
{
    public static readonly UniqueMerge None = new([], [], [], []);

    private readonly Dictionary<EntityId, EntityId> _canonical;
    private readonly SortedDictionary<EntityId, EntityId[]> _members;
    private readonly HashSet<(EntityId E, uint A, Value V)> _hidden;

    private UniqueMerge(Dictionary<EntityId, EntityId> canonical, SortedDictionary<EntityId, EntityId[]> members, HashSet<(EntityId, uint, Value)> hidden, List<IndexDatom> collisions)
    {
        _canonical = canonical;
        _members = members;
        _hidden = hidden;
        Collisions = collisions;
    }

    public bool IsEmpty => _canonical.Count == 0 && _hidden.Count == 0;

    /// <summary>Every physical datom that holds a collided unique value (identity or value).</summary>
    public IReadOnlyList<IndexDatom> Collisions { get; }

    /// <summary>The canonical ids of classes of more than one entity, in ascending order.</summary>
    public IEnumerable<EntityId> Classes => _members.Keys;

    public EntityId Canonical(EntityId e) => _canonical.TryGetValue(e, out var c) ? c : e;

    public Value Canonical(Value v) => v.Type == Log.Model.ValueType.Ref && _canonical.TryGetValue(v.AsRef, out var c) ? Value.Ref(c) : v;

    /// <summary>The entities that are <paramref name="canonical"/> in this view (itself among them).</summary>
    public IReadOnlyList<EntityId> Members(EntityId canonical) => _members.TryGetValue(canonical, out var m) ? m : [canonical];

    /// <summary>Whether <paramref name="e"/> belongs to a class of more than one entity.</summary>
    public bool Involved(EntityId e) => _canonical.ContainsKey(e) || _members.ContainsKey(e);

    /// <summary>Whether the canonical entity <paramref name="e"/> lost the unique value <paramref name="v"/> of <paramref name="a"/> to another.</summary>
    public bool Hidden(EntityId e, uint a, Value v) => _hidden.Count > 0 && _hidden.Contains((e, a, v));

    /// <summary>
    /// Decides the merge for a view from the index's candidates (<see cref="UniqueCandidates"/>):
    /// <paramref name="holders"/> gives the live holders of one value as stored, for the identity
    /// merge; <paramref name="shownBy"/> the canonical entities that show a value once entities are
    /// merged by identity, for <c>:db.unique/value</c>.
    /// </summary>
    public static UniqueMerge Compute(IndexSnapshot snapshot, Func<uint, AttributeSchema?> schema, Func<uint, Value, IReadOnlyList<IndexDatom>> holders,
        Func<UniqueMerge, uint, Value, IReadOnlyList<EntityId>> shownBy)
    {
        var candidates = snapshot.UniqueCandidates;
        if (candidates.IsEmpty)
            return None;
        // Sorted, so that the work (and the order of Collisions) does not depend on hashing.
        var ordered = candidates.Select(c => (c.Attr, c.V, Schema: schema(c.Attr))).Where(c => c.Schema is { Unique: not Uniqueness.None })
            .OrderBy(c => c.Attr).ThenBy(c => c.V.ToString(), StringComparer.Ordinal).ToList();
        var parent = new Dictionary<EntityId, EntityId>();
        EntityId Find(EntityId x)
        {
            while (parent.TryGetValue(x, out var p) && p != x)
            {
                var grand = parent.TryGetValue(p, out var g) ? g : p;
                parent[x] = grand;
                x = p;
            }
            return x;
        }
        void Union(EntityId x, EntityId y)
        {
            var (rx, ry) = (Find(x), Find(y));
            if (rx == ry)
                return;
            // The lower id is the root, so a class's root is its lowest member.
            if (ry < rx)
                (rx, ry) = (ry, rx);
            parent[ry] = rx;
            parent.TryAdd(rx, rx);
        }
        var collisions = new List<IndexDatom>();
        foreach (var (attr, v, s) in ordered)
        {
            if (s!.Unique != Uniqueness.Identity)
                continue;
            var held = holders(attr, v);
            if (held.Select(d => d.E).Distinct().Count() < 2)
                continue;
            collisions.AddRange(held);
            foreach (var d in held.Skip(1))
                Union(held[0].E, d.E);
        }
        var canonical = new Dictionary<EntityId, EntityId>();
        var members = new SortedDictionary<EntityId, List<EntityId>>();
        foreach (var x in parent.Keys)
        {
            var root = Find(x);
            if (!members.TryGetValue(root, out var list))
                members[root] = list = [];
            list.Add(x);
            if (root != x)
                canonical[x] = root;
        }
        var sortedMembers = new SortedDictionary<EntityId, EntityId[]>();
        foreach (var (root, list) in members)
        {
            if (list.Count > 1)
                sortedMembers[root] = [.. list.Order()];
        }
        var identity = new UniqueMerge(canonical, sortedMembers, [], collisions);
        // Unique values, on what the merged entities show: only the lowest holder keeps one.
        var hidden = new HashSet<(EntityId, uint, Value)>();
        foreach (var (attr, v, s) in ordered)
        {
            if (s!.Unique != Uniqueness.Value)
                continue;
            var shown = shownBy(identity, attr, v);
            if (shown.Count < 2)
                continue;
            var owner = shown.Min();
            foreach (var e in shown)
            {
                if (e != owner)
                    hidden.Add((e, attr, v));
            }
            foreach (var d in holders(attr, v))
            {
                if (shown.Contains(identity.Canonical(d.E)))
                    collisions.Add(d);
            }
        }
        return hidden.Count == 0 ? identity : new UniqueMerge(canonical, sortedMembers, hidden, collisions);
    }
}

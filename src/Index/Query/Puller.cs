using Datom.Index.Schema;
using Datom.Log.Edn;
using Datom.Log.Model;

namespace Datom.Index.Query;

/// <summary>
/// Pulls entities with a pattern (https://docs.datomic.com/query/query-pull.html): attributes that
/// an entity lacks are left out unless they have a :default; cardinality-many attributes and
/// reverse references give lists (a reverse reference through a component attribute gives the
/// one owner); a reference without a nested pattern gives <c>{:db/id e}</c>, except a component,
/// which is pulled whole and recursively. A nested pattern that finds nothing on a referenced
/// entity drops it (and the attribute, when none is left). An attribute named with <c>:as</c>
/// next to <c>*</c> appears only under its alias. Recursion (<c>{:friend 3}</c>,
/// <c>{:friend ...}</c>) applies the enclosing pattern again up to the limit. Cycles follow
/// DataScript's rule: an entity reached through a recursive or component reference that was already
/// reached that way on the same path gives <c>{:db/id e}</c>; the root is not counted, so a cycle
/// back to the root pulls it once more (one more level).
/// </summary>
internal sealed class Puller(IDatomView view, RunContext run)
{
    private static readonly Keyword DbId = Keyword.Intern("db", "id");

    // Entities reached through expanding references (recursive or component) on the path from the
    // root, and how deep each recursive spec has gone.
    private readonly HashSet<EntityId> _seen = [];

    // What the query budget counts per pulled value: a map entry or list slot and the boxed value
    // (a PullMap entry is a key and a value reference, the value itself a box or a string).
    private const long ValueBytes = 64;
    private readonly Dictionary<PullAttr, int> _depth = [];
    private int _nesting;

    /// <summary>The entity's map, or null when the pattern finds nothing on it (no attribute, no default, no :db/id).</summary>
    public PullMap? Pull(PullPattern pattern, EntityId e)
    {
        var map = PullEntity(pattern, e);
        return map.Count == 0 ? null : map;
    }

    private PullMap PullEntity(PullPattern pattern, EntityId e)
    {
        // Each level is a few host frames (PullEntity, PullOne, Ref): a pull down a long chain of
        // refs stops at the depth limit with an error, before it can overflow the stack.
        run.Budget.PullDepth(++_nesting);
        var map = new PullMap();
        try
        {
            if (pattern.Wildcard)
                PullWildcard(e, map);
            foreach (var attr in pattern.Attrs)
                PullOne(pattern, attr, e, map);
            if (pattern.Wildcard)
            {
                // [:name :as :alias] next to *: the value shows under the alias only (as DataScript).
                foreach (var attr in pattern.Attrs)
                {
                    if (!attr.IsDbId && !attr.Reverse && !Equals(attr.Key, attr.Attr) && !pattern.Attrs.Any(a => Equals(a.Key, attr.Attr)))
                        map.Remove(attr.Attr);
                }
            }
        }
        finally
        {
            _nesting--;
        }
        return map;
    }

    private void PullWildcard(EntityId e, PullMap map)
    {
        map.Set(DbId, e);
        Keyword? current = null;
        AttributeSchema? schema = null;
        List<object?>? many = null;
        foreach (var d in view.Match(e, null, null))
        {
            Spend();
            if (current is null || d.A != current)
            {
                current = d.A;
                schema = run.Schema(view, d.A);
                many = null;
            }
            var value = schema is { IsRef: true } && d.V.Type == Log.Model.ValueType.Ref
                ? Ref(d.V.AsRef, null, schema.IsComponent)
                : Conversions.ToClr(d.V);
            if (schema is { Many: true })
            {
                if (many is null)
                {
                    many = [];
                    map.Set(d.A, many);
                }
                if (many.Count < PullAttr.DefaultLimit)
                    many.Add(value);
            }
            else
            {
                map.Set(d.A, value);
            }
        }
    }

    private void PullOne(PullPattern enclosing, PullAttr attr, EntityId e, PullMap map)
    {
        if (attr.IsDbId)
        {
            map.Set(attr.Key, e);
            return;
        }
        // An attribute no schema names has no values: it is left out (or takes its default), as
        // Datomic's pull leaves it out, rather than failing the whole pull as a query clause does.
        var schema = run.Schema(view, attr.Attr);
        if (schema is null)
        {
            SetDefault(attr, map);
            return;
        }
        if (attr.Reverse && !schema.IsRef)
            throw new QueryException($"pull: {attr.Key} is a reverse reference, but {attr.Attr} is not a ref attribute", null, enclosing.Text);

        // A recursive spec pulls with the enclosing pattern, one level deeper each time.
        PullPattern? sub = attr.Sub;
        // At the limit, a reference to a seen entity still gives its id (DataScript checks seen
        // before the limit); the others are dropped.
        var recursive = attr.RecursionLimit > 0;
        var exhausted = false;
        if (recursive)
        {
            var depth = _depth.GetValueOrDefault(attr);
            exhausted = depth >= attr.RecursionLimit;
            sub = enclosing;
            if (!exhausted)
                _depth[attr] = depth + 1;
        }
        try
        {
            if (attr.Reverse)
            {
                var owners = new List<object?>();
                foreach (var d in view.Match(null, attr.Attr, Value.Ref(e)))
                {
                    if (owners.Count >= attr.Limit)
                        break;
                    Spend();
                    if (Ref(d.E, sub, component: false, recursive, exhausted) is { } owner)
                        owners.Add(owner);
                }
                if (owners.Count == 0)
                    SetDefault(attr, map);
                else if (schema.IsComponent)
                    map.Set(attr.Key, owners[0]);
                else
                    map.Set(attr.Key, owners);
                return;
            }

            var values = new List<object?>();
            foreach (var d in view.Match(e, attr.Attr, null))
            {
                if (schema.Many && values.Count >= attr.Limit)
                    break;
                Spend();
                if (schema.IsRef && d.V.Type == Log.Model.ValueType.Ref)
                {
                    if (Ref(d.V.AsRef, sub, schema.IsComponent, recursive, exhausted) is { } pulled)
                        values.Add(pulled);
                }
                else
                {
                    values.Add(Conversions.ToClr(d.V));
                }
                if (!schema.Many)
                    break;
            }
            if (values.Count == 0)
                SetDefault(attr, map);
            else
                map.Set(attr.Key, schema.Many ? values : values[0]);
        }
        finally
        {
            if (recursive && !exhausted)
                _depth[attr]--;
        }
    }

    /// <summary>One value pulled: a step and its memory, charged before it is made.</summary>
    private void Spend()
    {
        run.Budget.Tick();
        run.Budget.Charge(ValueBytes);
    }

    private static void SetDefault(PullAttr attr, PullMap map)
    {
        if (attr.HasDefault)
            map.Set(attr.Key, attr.Default);
    }

    /// <summary>A referenced entity as pulled, or null when its nested pattern finds nothing (it is dropped).</summary>
    private PullMap? Ref(EntityId target, PullPattern? sub, bool component, bool recursive = false, bool exhausted = false)
    {
        // DataScript's auto-expanding references: recursive specs, and components without a pattern.
        var expanding = recursive || (component && sub is null);
        if (!expanding)
            return sub is null ? IdOnly(target) : NonEmpty(PullEntity(sub, target));
        if (_seen.Contains(target))
            return IdOnly(target);
        if (exhausted)
            return null;
        _seen.Add(target);
        try
        {
            return NonEmpty(PullEntity(sub ?? PullPattern.All, target));
        }
        finally
        {
            _seen.Remove(target);
        }
    }

    private static PullMap? NonEmpty(PullMap map) => map.Count == 0 ? null : map;

    private static PullMap IdOnly(EntityId e)
    {
        var m = new PullMap();
        m.Set(DbId, e);
        return m;
    }
}

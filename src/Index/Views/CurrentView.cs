using Datom.Index.Query;
using Datom.Index.Schema;
using Datom.Index.Storage;
using Datom.Log.Edn;
using Datom.Log.Model;
using ValueType = Datom.Log.Model.ValueType;
using IndexDatom = Datom.Index.Query.Datom;

namespace Datom.Index.Views;

/// <summary>
/// What is true now, by union merge over every entry the node holds.
/// </summary>
/// <remarks>
/// The rules, deterministic and independent of arrival order:
/// <list type="number">
/// <item>A datom <c>[e a v]</c> is live when its latest operation is an assertion. Operations are
/// ordered by the HLC time of their entry, then by transaction id, then retraction before assertion.
/// A child entry's time is always after its parents' (the log enforces it), so an operation never
/// loses to one it has seen; only concurrent ones are decided by time. A retraction that meets a
/// concurrent, later assertion of the same datom loses; an earlier one wins (last writer wins).</item>
/// <item>For a cardinality-one attribute, several values of <c>[e a]</c> can be live when branches
/// assert different values concurrently. The value whose assertion is latest (time, then tx) is the
/// one this view shows; the others stay visible as conflicts (<see cref="Conflicts"/>).</item>
/// </list>
/// An optional filter on operations makes the as-of, since and branch views from the same code.
/// </remarks>
public class CurrentView : IDatomView
{
    private readonly IndexSnapshot _snapshot;
    private readonly Func<DatomOp, bool>? _include;
    private readonly Dictionary<Keyword, AttributeSchema?> _schema = [];
    private readonly Lock _schemaGate = new();

    public CurrentView(IndexSnapshot snapshot, Func<DatomOp, bool>? include = null)
    {
        _snapshot = snapshot ?? throw new ArgumentNullException(nameof(snapshot));
        _include = include;
    }

    public IndexSnapshot Snapshot => _snapshot;

    public AttributeSchema? Attribute(Keyword ident)
    {
        ArgumentNullException.ThrowIfNull(ident);
        if (SystemSchema.Attribute(ident) is { } system)
            return system;
        lock (_schemaGate)
        {
            if (_schema.TryGetValue(ident, out var cached))
                return cached;
        }
        var schema = LoadAttribute(ident);
        lock (_schemaGate)
            _schema[ident] = schema;
        return schema;
    }

    public EntityId? Entid(Keyword ident)
    {
        ArgumentNullException.ThrowIfNull(ident);
        if (SystemSchema.Entid(ident) is { } system)
            return system;
        foreach (var d in Match(null, SystemSchema.Ident, Value.Keyword(Name(ident))))
            return d.E;
        return null;
    }

    public Keyword? Ident(EntityId e)
    {
        if (SystemSchema.IdentOf(e) is { } system)
            return system;
        foreach (var d in Match(e, SystemSchema.Ident, null))
            return Keyword.Parse(d.V.AsString);
        return null;
    }

    public long Estimate(EntityId? e, Keyword? a, Value? v)
    {
        uint? attr = null;
        if (a is not null)
        {
            attr = _snapshot.Attributes.Find(Name(a));
            if (attr is null)
                return 0;
        }
        var (order, prefix) = Plan(e, attr, v);
        // Count at most a bounded number of keys: the estimate must stay cheap.
        const int Cap = 4096;
        long n = 0;
        using var scan = _snapshot.Scan(order, prefix);
        while (n < Cap && scan.MoveNext())
            n++;
        return n < Cap ? n : _snapshot.Count(order);
    }

    public IEnumerable<IndexDatom> Match(EntityId? e, Keyword? a, Value? v)
    {
        uint? attr = null;
        if (a is not null)
        {
            attr = _snapshot.Attributes.Find(Name(a));
            if (attr is null)
                yield break;
        }
        var (order, prefix) = Plan(e, attr, v);
        foreach (var op in LiveOps(order, prefix))
        {
            // Bound components after the prefix (e.g. v given with e in EAVT) are checked here.
            if (e is not null && op.E != e.Value)
                continue;
            if (attr is not null && op.A != attr.Value)
                continue;
            if (v is not null && !op.V.Equals(v.Value))
                continue;
            var keyword = Keyword.Parse(_snapshot.Attributes.Name(op.A));
            if (!IsCardinalityOneWinner(op, keyword, order))
                continue;
            yield return new IndexDatom(op.E, keyword, op.V, op.Tx, true);
        }
    }

    /// <summary>The live values of a cardinality-one <c>[e a]</c> when there are several: concurrent, competing assertions.</summary>
    public IReadOnlyList<IndexDatom> Conflicts(EntityId e, Keyword a)
    {
        var attr = _snapshot.Attributes.Find(Name(a));
        if (attr is null)
            return [];
        return [.. LiveOps(IndexOrder.Eavt, KeyCodec.Prefix(IndexOrder.Eavt, e, attr, null)).Select(op => new IndexDatom(op.E, a, op.V, op.Tx, true))];
    }

    /// <summary>The latest included operation of each datom under the prefix, where that operation is an assertion.</summary>
    protected IEnumerable<DatomOp> LiveOps(IndexOrder order, byte[] prefix)
    {
        using var scan = _snapshot.Scan(order, prefix);
        byte[]? group = null;
        DatomOp? last = null;
        while (scan.MoveNext())
        {
            var (newGroup, op) = Read(scan, order, ref group);
            if (newGroup)
            {
                if (last is { Added: true } live)
                    yield return live;
                last = null;
            }
            if (_include is null || _include(op))
                last = op; // keys ascend by time within a group: the last included one decides
        }
        if (last is { Added: true } final)
            yield return final;
    }

    /// <summary>Decodes the current key and says whether it starts a new datom group (updating <paramref name="group"/>).</summary>
    private static (bool NewGroup, DatomOp Op) Read(KeyScan scan, IndexOrder order, ref byte[]? group)
    {
        var key = scan.Current;
        var datomPart = key[..KeyCodec.DatomLength(key)];
        var isNew = group is null || !datomPart.SequenceEqual(group);
        if (isNew)
            group = datomPart.ToArray();
        return (isNew, KeyCodec.Decode(order, key));
    }

    private bool IsCardinalityOneWinner(DatomOp op, Keyword attribute, IndexOrder order)
    {
        var schema = Attribute(attribute);
        if (schema is null || schema.Many)
            return true;
        // Compare with every live value of [e a]; the latest assertion wins.
        foreach (var other in LiveOps(IndexOrder.Eavt, KeyCodec.Prefix(IndexOrder.Eavt, op.E, op.A, null)))
        {
            if (other.V.Equals(op.V))
                continue;
            if (Later(other, op))
                return false;
        }
        _ = order;
        return true;
    }

    private static bool Later(in DatomOp x, in DatomOp y) =>
        x.Time != y.Time ? x.Time > y.Time : x.Tx.CompareTo(y.Tx) > 0;

    internal static (IndexOrder Order, byte[] Prefix) Plan(EntityId? e, uint? a, Value? v)
    {
        if (e is not null)
            return (IndexOrder.Eavt, KeyCodec.Prefix(IndexOrder.Eavt, e, a, a is null ? null : v));
        if (a is not null)
            return v is null ? (IndexOrder.Aevt, KeyCodec.Prefix(IndexOrder.Aevt, null, a, null)) : (IndexOrder.Avet, KeyCodec.Prefix(IndexOrder.Avet, null, a, v));
        if (v is { Type: ValueType.Ref })
            return (IndexOrder.Vaet, KeyCodec.Prefix(IndexOrder.Vaet, null, null, v));
        return (IndexOrder.Eavt, []);
    }

    private AttributeSchema? LoadAttribute(Keyword ident)
    {
        EntityId? entity = null;
        foreach (var d in Match(null, SystemSchema.Ident, Value.Keyword(Name(ident))))
        {
            // Two nodes may define the same ident concurrently: the lowest entity id is canonical.
            if (entity is null || d.E < entity.Value)
                entity = d.E;
        }
        if (entity is null)
            return null;
        ValueType? type = null;
        var many = false;
        var unique = Uniqueness.None;
        var component = false;
        string? doc = null;
        foreach (var d in Match(entity, null, null))
        {
            if (d.A.Equals(SystemSchema.ValueTypeAttr) && d.V.Type == ValueType.Ref)
                type = SystemSchema.TypeOf(d.V.AsRef);
            else if (d.A.Equals(SystemSchema.Cardinality) && d.V.Type == ValueType.Ref)
                many = SystemSchema.IdentOf(d.V.AsRef)?.Name == "many";
            else if (d.A.Equals(SystemSchema.Unique) && d.V.Type == ValueType.Ref)
                unique = SystemSchema.IdentOf(d.V.AsRef)?.Name == "identity" ? Uniqueness.Identity : Uniqueness.Value;
            else if (d.A.Equals(SystemSchema.IsComponent) && d.V.Type == ValueType.Boolean)
                component = d.V.AsBoolean;
            else if (d.A.Equals(SystemSchema.Doc) && d.V.Type == ValueType.String)
                doc = d.V.AsString;
        }
        return type is null ? null : new AttributeSchema(ident, type.Value, many, unique, component, doc);
    }

    private static string Name(Keyword k) => k.Namespace is null ? k.Name : k.Namespace + "/" + k.Name;
}

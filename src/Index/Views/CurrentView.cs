using System.Runtime.CompilerServices;
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
/// <item>Unique values that several entities hold (concurrent branches each created
/// <c>{:p/key "u-0"}</c>) are resolved by <see cref="UniqueMerge"/>: one canonical entity per
/// <c>:db.unique/identity</c> value, the lowest entity id, with the others' facts seen through it.</item>
/// </list>
/// An optional filter on operations makes the as-of, since and branch views from the same code.
/// </remarks>
public partial class CurrentView : IDatomView
{
    private readonly IndexSnapshot _snapshot;
    private readonly Func<DatomOp, bool>? _include;
    private readonly Dictionary<Keyword, AttributeSchema?> _schema = [];
    private readonly Lock _schemaGate = new();
    private readonly Dictionary<Keyword, uint?> _attributeIds = [];
    private readonly KeyReader?[] _spare = new KeyReader?[4];
    private byte[] _cardinality = [];
    private UniqueMerge? _merge;

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
        foreach (var d in Physical(null, SystemSchema.Ident, Value.Keyword(Name(ident))))
            return d.E;
        return null;
    }

    public Keyword? Ident(EntityId e)
    {
        if (SystemSchema.IdentOf(e) is { } system)
            return system;
        foreach (var d in Physical(e, SystemSchema.Ident, null))
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
        // Count at most a bounded number of keys: the estimate must stay cheap. Beyond that, the runs'
        // block indexes say how many keys the prefix spans (within a block or two per run).
        const int Cap = 4096;
        long n = 0;
        using var scan = _snapshot.Scan(order, prefix);
        while (n < Cap && scan.MoveNext())
            n++;
        return n < Cap ? n : Math.Max(n, _snapshot.EstimateRange(order, prefix));
    }

    public IEnumerable<IndexDatom> Match(EntityId? e, Keyword? a, Value? v)
    {
        uint? attr = null;
        if (a is not null)
        {
            attr = AttributeId(a);
            if (attr is null)
                return [];
        }
        var merge = Merge;
        return merge.IsEmpty ? MatchPhysical(e, a, attr, v) : MatchMerged(merge, e, attr, v);
    }

    /// <summary>How this view resolves unique values that several entities hold; computed once, on first use.</summary>
    internal UniqueMerge Merge
    {
        get
        {
            if (Volatile.Read(ref _merge) is { } known)
                return known;
            // Computing it reads the schema and the holders through the physical path only (schema
            // reads never merge), so it cannot recurse; two threads may both compute it, identically.
            var merge = UniqueMerge.Compute(_snapshot, a => Attribute(_snapshot.Attributes.Keyword(a)), Holders, ShownBy);
            Volatile.Write(ref _merge, merge);
            return merge;
        }
    }

    /// <summary>The entities whose live value of <paramref name="attr"/> is <paramref name="v"/>, as stored (no merge).</summary>
    private List<IndexDatom> Holders(uint attr, Value v) => [.. MatchPhysical(null, _snapshot.Attributes.Keyword(attr), attr, v)];

    /// <summary>Match without the unique-value merge: the datoms as stored.</summary>
    private IEnumerable<IndexDatom> MatchPhysical(EntityId? e, Keyword? a, uint? attr, Value? v)
    {
        if (_include is not null)
            return MatchFiltered(e, attr, v);
        if (v is { } value && !KeyCodec.RoundTrips(value))
            return [];
        // With the entity bound, scan all of [e a] (a handful of datoms) even when v is bound too:
        // the cardinality-one winner is then decided within the scan, and v compared after it. With
        // the attribute bound as well, that group is read from AEVT rather than EAVT: the same keys
        // in the same order, but lookups of many entities (a join) then stay within the attribute's
        // range of the index instead of visiting every entity's every attribute (on 10M datoms, a
        // tenth of the blocks). When the scan covers every value of each [e a] it meets (EAVT, or
        // AEVT without a value or with the entity), the winner is decided within the scan;
        // otherwise (AVET, VAET) it is checked per datom.
        var order = e is not null ? (attr is not null ? IndexOrder.Aevt : IndexOrder.Eavt) : Order(attr, v);
        return new Matches(this, order, e, a, attr, v, grouped: order is IndexOrder.Eavt || (order is IndexOrder.Aevt && (v is null || e is not null)));
    }

    /// <summary>Whether the reader's live datom is the latest assertion among the live values of its [e a].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool IsWinner(KeyReader reader, ref KeyReader? probe)
    {
        // [a e] in AEVT: a scan by value meets its entities in order, so these probes sweep the
        // attribute's range once.
        probe ??= Rent(IndexOrder.Aevt);
        probe.SetPrefix(reader.Entity(0), reader.Attribute(0), null);
        if (!probe.Start())
            return false;
        probe.ReadGroup();
        if (probe.Count == 1)
            return true; // its only live value is this one (the reader saw it live)
        return reader.Value(0).SequenceEqual(probe.Value(probe.Latest()));
    }

    private IndexDatom Datom(KeyReader reader, int i, Keyword? a, Value? v) =>
        new(reader.Entity(i), a ?? _snapshot.Attributes.Keyword(reader.Attribute(i)), v ?? reader.DecodeValue(i), reader.Tx(i), true);

    private KeyReader Rent(IndexOrder order) =>
        Interlocked.Exchange(ref _spare[(int)order], null) ?? new KeyReader(order, _snapshot.Cursor(order));

    private void Return(KeyReader reader)
    {
        if (Interlocked.CompareExchange(ref _spare[(int)reader.Order], reader, null) is not null)
            reader.Dispose();
    }

    private uint? AttributeId(Keyword a)
    {
        lock (_schemaGate)
        {
            if (_attributeIds.TryGetValue(a, out var cached))
                return cached;
        }
        var id = _snapshot.Attributes.Find(Name(a));
        lock (_schemaGate)
            _attributeIds[a] = id;
        return id;
    }

    /// <summary>Match for a view with an operation filter (as of, since, a branch): every key decoded and filtered.</summary>
    private IEnumerable<IndexDatom> MatchFiltered(EntityId? e, uint? attr, Value? v)
    {
        var (order, prefix) = e is not null ? Plan(e, attr, null) : Plan(e, attr, v);
        var grouped = order is IndexOrder.Eavt || (order is IndexOrder.Aevt && v is null);
        // Bound components after the prefix (e.g. v given with e in EAVT) are checked here.
        var ops = LiveOps(order, prefix).Where(op =>
            (e is null || op.E == e.Value) && (attr is null || op.A == attr.Value) && (grouped || v is null || op.V.Equals(v.Value)));
        return LiveDatoms(ops, grouped, v);
    }

    /// <summary>
    /// The live datoms of live operations in one order's sequence. Grouped (EAVT, AEVT): each [e a]
    /// group resolved (<see cref="Resolve"/>), then compared with <paramref name="v"/> if given, so a
    /// value is matched against the winner. Otherwise each operation stands alone, and for
    /// cardinality one only the winner of its [e a] is live.
    /// </summary>
    private IEnumerable<IndexDatom> LiveDatoms(IEnumerable<DatomOp> ops, bool grouped, Value? v)
    {
        var group = new List<DatomOp>();
        foreach (var op in ops)
        {
            if (!grouped)
            {
                if (IsCardinalityOne(op.A) && !IsWinner(op))
                    continue;
                yield return ToDatom(op);
                continue;
            }
            if (group.Count > 0 && (group[0].E != op.E || group[0].A != op.A))
            {
                foreach (var d in Resolve(group))
                {
                    if (v is null || d.V.Equals(v.Value))
                        yield return d;
                }
                group.Clear();
            }
            group.Add(op);
        }
        foreach (var d in Resolve(group))
        {
            if (v is null || d.V.Equals(v.Value))
                yield return d;
        }
    }

    /// <summary>The live values of one [e a]: all of them, or for cardinality one the latest assertion.</summary>
    private IEnumerable<IndexDatom> Resolve(List<DatomOp> group)
    {
        if (group.Count == 0)
            yield break;
        if (group.Count == 1 || !IsCardinalityOne(group[0].A))
        {
            foreach (var op in group)
                yield return ToDatom(op);
            yield break;
        }
        yield return ToDatom(Latest(group));
    }

    /// <summary>The latest of live operations (time, then tx); of equals, the first in value order.</summary>
    private static DatomOp Latest(List<DatomOp> live)
    {
        var winner = live[0];
        for (var i = 1; i < live.Count; i++)
        {
            if (Later(live[i], winner))
                winner = live[i];
        }
        return winner;
    }

    private IndexDatom ToDatom(in DatomOp op) => new(op.E, _snapshot.Attributes.Keyword(op.A), op.V, op.Tx, true);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool IsCardinalityOne(uint attr)
    {
        // 0 not yet known, 1 cardinality one, 2 otherwise; asked for every datom a scan meets.
        var known = Volatile.Read(ref _cardinality);
        if (attr < known.Length && known[attr] != 0)
            return known[attr] == 1;
        var schema = Attribute(_snapshot.Attributes.Keyword(attr));
        var one = schema is not null && !schema.Many;
        lock (_schemaGate)
        {
            var grown = new byte[Math.Max(attr + 1, (uint)_cardinality.Length)];
            _cardinality.CopyTo(grown, 0);
            grown[attr] = one ? (byte)1 : (byte)2;
            Volatile.Write(ref _cardinality, grown);
        }
        return one;
    }

    /// <summary>Is this live value of a cardinality-one [e a] the one shown: the latest assertion, of equals the first in value order?</summary>
    private bool IsWinner(in DatomOp op)
    {
        var live = LiveOps(IndexOrder.Eavt, KeyCodec.Prefix(IndexOrder.Eavt, op.E, op.A, null)).ToList();
        return live.Count > 0 && Latest(live).V.Equals(op.V);
    }

    /// <summary>The live values of a cardinality-one <c>[e a]</c> when there are several: concurrent, competing assertions.</summary>
    public IReadOnlyList<IndexDatom> Conflicts(EntityId e, Keyword a)
    {
        var attr = _snapshot.Attributes.Find(Name(a));
        if (attr is null)
            return [];
        var merge = Merge;
        if (!merge.IsEmpty)
            return Group(merge, merge.Canonical(e), attr, conflicts: true);
        return [.. LiveOps(IndexOrder.Eavt, KeyCodec.Prefix(IndexOrder.Eavt, e, attr, null)).Select(op => new IndexDatom(op.E, a, op.V, op.Tx, true))];
    }

    /// <summary>The latest included operation of each datom under the prefix, where that operation is an assertion.</summary>
    protected IEnumerable<DatomOp> LiveOps(IndexOrder order, byte[] prefix, byte[]? from = null)
    {
        using var scan = _snapshot.Scan(order, prefix, from);
        byte[]? group = null;
        var groupLength = 0;
        DatomOp? last = null;
        while (scan.MoveNext())
        {
            var (newGroup, op) = Read(scan, order, ref group, ref groupLength);
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
    private static (bool NewGroup, DatomOp Op) Read(KeyScan scan, IndexOrder order, ref byte[]? group, ref int groupLength)
    {
        var key = scan.Current;
        var datomPart = key[..KeyCodec.DatomLength(key)];
        var isNew = group is null || !datomPart.SequenceEqual(group.AsSpan(0, groupLength));
        if (isNew)
        {
            // One buffer per scan, grown as needed: no allocation per datom group.
            if (group is null || group.Length < datomPart.Length)
                group = new byte[Math.Max(64, datomPart.Length * 2)];
            datomPart.CopyTo(group);
            groupLength = datomPart.Length;
        }
        return (isNew, KeyCodec.Decode(order, key));
    }

    private static bool Later(in DatomOp x, in DatomOp y) =>
        x.Time != y.Time ? x.Time > y.Time : x.Tx.CompareTo(y.Tx) > 0;

    /// <summary>The order <see cref="Plan"/> scans when the entity is not given.</summary>
    private static IndexOrder Order(uint? a, Value? v) =>
        a is not null ? (v is null ? IndexOrder.Aevt : IndexOrder.Avet) : v is { Type: ValueType.Ref } ? IndexOrder.Vaet : IndexOrder.Eavt;

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
        foreach (var d in Physical(null, SystemSchema.Ident, Value.Keyword(Name(ident))))
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
        foreach (var d in Physical(entity, null, null))
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

    private static string Name(Keyword k) => k.QualifiedName;
}

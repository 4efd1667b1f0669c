using Datom.Index.Storage;
using Datom.Log.Edn;
using Datom.Log.Model;
using IndexDatom = Datom.Index.Query.Datom;

namespace Datom.Index.Views;

// Raw index access, as Datomic's and DataScript's d/datoms, d/seek-datoms and d/index-range
// (https://docs.datomic.com/reference/indexes.html): the live datoms of this view in one index's
// order. A cardinality-one [e a] shows its winner only, as Match does.
public partial class CurrentView
{
    /// <summary>
    /// d/datoms: the datoms whose leading components, in <paramref name="order"/>'s sequence
    /// (EAVT: e a v tx; AEVT: a e v tx; AVET: a v e tx; VAET: v a e tx), are the ones given; a null
    /// ends the components. VAET holds only datoms whose value is a ref.
    /// </summary>
    public IEnumerable<IndexDatom> Datoms(IndexOrder order, EntityId? e, Keyword? a, Value? v, EntityId? tx = null)
    {
        uint? attr = null;
        if (a is not null)
        {
            attr = AttributeId(a);
            if (attr is null)
                return [];
        }
        if (v is { } value && !KeyCodec.RoundTrips(value))
            return [];
        IEnumerable<IndexDatom> datoms;
        if (_include is not null)
        {
            datoms = DatomsFiltered(order, e, attr, v);
        }
        else
        {
            var grouped = order is IndexOrder.Eavt || (order is IndexOrder.Aevt && (v is null || e is not null));
            datoms = new Matches(this, order, e, a, attr, v, grouped);
        }
        return tx is { } t ? datoms.Where(d => d.Tx == t) : datoms;
    }

    /// <summary>
    /// d/seek-datoms: every datom of the index from the first at or after the given components
    /// onward, to the end of the index. The scan starts at the position (at its [e a] group in
    /// EAVT and AEVT, whose winner may sort before it), not at the start of the index.
    /// </summary>
    public IEnumerable<IndexDatom> SeekDatoms(IndexOrder order, EntityId? e, Keyword? a, Value? v)
    {
        uint? attr = null;
        if (a is not null)
            attr = AttributeId(a) ?? 0;
        var from = KeyCodec.Prefix(order, e, attr, v);
        var grouped = order is IndexOrder.Eavt or IndexOrder.Aevt;
        var start = grouped ? KeyCodec.Prefix(order, e, attr, null) : from;
        var started = from.Length == 0;
        foreach (var d in LiveDatoms(LiveOps(order, [], start), grouped, null))
        {
            if (!started)
            {
                var key = KeyCodec.Prefix(order, d.E, AttributeId(d.A), d.V);
                if (key.AsSpan().SequenceCompareTo(from) < 0)
                    continue;
                started = true;
            }
            yield return d;
        }
    }

    /// <summary>
    /// d/index-range: the datoms of attribute <paramref name="a"/> in AVET order whose value is at or
    /// after <paramref name="start"/> and before <paramref name="end"/> (null: unbounded).
    /// </summary>
    public IEnumerable<IndexDatom> IndexRange(Keyword a, Value? start, Value? end)
    {
        if (AttributeId(a) is not { } attr)
            yield break;
        // Starts at the first key at or after start (values sort in AVET as they compare), not at
        // the attribute's first value.
        var from = start is { } first && KeyCodec.RoundTrips(first) ? KeyCodec.Prefix(IndexOrder.Avet, null, attr, first) : null;
        foreach (var d in LiveDatoms(LiveOps(IndexOrder.Avet, KeyCodec.Prefix(IndexOrder.Avet, null, attr, null), from), grouped: false, null))
        {
            if (start is { } s && d.V.CompareTo(s) < 0)
                continue;
            if (end is { } x && d.V.CompareTo(x) >= 0)
                yield break;
            yield return d;
        }
    }

    private IEnumerable<IndexDatom> DatomsFiltered(IndexOrder order, EntityId? e, uint? attr, Value? v)
    {
        // Grouped orders read all of [e a] and compare v after choosing the winner.
        var grouped = order is IndexOrder.Eavt || (order is IndexOrder.Aevt && (v is null || e is not null));
        return LiveDatoms(LiveOps(order, KeyCodec.Prefix(order, e, attr, grouped ? null : v)), grouped, v);
    }
}

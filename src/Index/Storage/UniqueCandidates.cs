using System.Collections.Immutable;
using Datom.Index.Schema;
using Datom.Index.Views;
using Datom.Log.Edn;
using Datom.Log.Entries;
using Datom.Log.Model;

namespace Datom.Index.Storage;

/// <summary>
/// Where a unique value may have collided: every (attribute, value) of a <c>:db/unique</c> attribute
/// that more than one entity was ever given, live or not. Kept up to date as entries are applied (one
/// AVET probe per unique assertion) so that a view need not scan whole attributes to find the
/// collisions it must resolve (<see cref="UniqueMerge"/>): a superset of the live collisions of every
/// view, current or as of any point, because operations are never removed from the index.
/// </summary>
internal static class UniqueCandidates
{
    private const string UniqueAttribute = "db/unique";

    /// <summary>The candidates after <paramref name="entries"/> were applied, giving <paramref name="state"/>.</summary>
    public static ImmutableHashSet<(uint Attr, Value V)> Update(IndexState state, IReadOnlyList<Entry> entries, HashSet<uint> touched)
    {
        var current = state.UniqueCandidates;
        if (state.Attributes.Find(UniqueAttribute) is { } uniqueAttr && touched.Contains(uniqueAttr))
            return All(state); // an attribute became unique (or stopped being): rare, and its old values count too
        var snapshot = new IndexSnapshot(state);
        var view = new CurrentView(snapshot);
        HashSet<uint>? unique = null;
        foreach (var a in touched)
        {
            if (view.Attribute(state.Attributes.Keyword(a)) is { Unique: not Uniqueness.None })
                (unique ??= []).Add(a);
        }
        if (unique is null)
            return current;
        ImmutableHashSet<(uint, Value)>.Builder? added = null;
        foreach (var entry in entries)
        {
            foreach (var d in entry.Datoms)
            {
                if (!d.Added || state.Attributes.Find(d.A) is not { } a || !unique.Contains(a) || current.Contains((a, d.V)))
                    continue;
                if (KeyCodec.RoundTrips(d.V) && HasOtherHolder(snapshot, a, d.V, d.E))
                    (added ??= current.ToBuilder()).Add((a, d.V));
            }
        }
        return added?.ToImmutable() ?? current;
    }

    /// <summary>Every candidate, from a scan of each unique attribute's AVET range (on open, and after a schema change).</summary>
    public static ImmutableHashSet<(uint Attr, Value V)> All(IndexState state)
    {
        var snapshot = new IndexSnapshot(state);
        var view = new CurrentView(snapshot);
        var found = ImmutableHashSet.CreateBuilder<(uint, Value)>();
        foreach (var name in state.Attributes.Names())
        {
            if (state.Attributes.Find(name) is not { } a || view.Attribute(Keyword.Parse(name)) is not { Unique: not Uniqueness.None })
                continue;
            using var scan = snapshot.Scan(IndexOrder.Avet, KeyCodec.Prefix(IndexOrder.Avet, null, a, null));
            Value? value = null;
            EntityId first = default;
            while (scan.MoveNext())
            {
                var op = KeyCodec.Decode(IndexOrder.Avet, scan.Current);
                if (!op.Added)
                    continue;
                if (value is null || !op.V.Equals(value.Value))
                {
                    value = op.V;
                    first = op.E;
                }
                else if (op.E != first)
                {
                    found.Add((a, op.V));
                }
            }
        }
        return found.ToImmutable();
    }

    private static bool HasOtherHolder(IndexSnapshot snapshot, uint a, Value v, EntityId e)
    {
        using var scan = snapshot.Scan(IndexOrder.Avet, KeyCodec.Prefix(IndexOrder.Avet, null, a, v));
        while (scan.MoveNext())
        {
            var op = KeyCodec.Decode(IndexOrder.Avet, scan.Current);
            if (op.Added && op.E != e && op.V.Equals(v))
                return true;
        }
        return false;
    }
}

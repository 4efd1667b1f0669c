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

    /// <summary>The candidates as the manifest keeps them: <c>attribute:value</c>, the value in its key encoding (base64), in a fixed order.</summary>
    public static string[] Format(ImmutableHashSet<(uint Attr, Value V)> candidates)
    {
        var result = new List<string>(candidates.Count);
        foreach (var (attr, v) in candidates)
        {
            var bytes = new byte[KeyCodec.PrefixMaxSize(v)];
            var n = KeyCodec.WriteValue(v, bytes);
            result.Add(attr.ToString(System.Globalization.CultureInfo.InvariantCulture) + ":" + Convert.ToBase64String(bytes, 0, n));
        }
        result.Sort(StringComparer.Ordinal);
        return [.. result];
    }

    /// <summary>Reads what <see cref="Format"/> wrote.</summary>
    /// <exception cref="FormatException">An item is not <c>attribute:value</c> as written.</exception>
    public static ImmutableHashSet<(uint Attr, Value V)> Parse(IEnumerable<string> items)
    {
        var result = ImmutableHashSet.CreateBuilder<(uint, Value)>();
        foreach (var item in items)
        {
            var colon = item.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || !uint.TryParse(item.AsSpan(0, colon), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var attr))
                throw new FormatException($"unique candidate '{item}' is not attribute:value");
            var bytes = Convert.FromBase64String(item[(colon + 1)..]);
            var o = 0;
            Value v;
            try
            {
                v = KeyCodec.ReadValue(bytes, ref o);
            }
            catch (Exception e) when (e is ArgumentException or IndexOutOfRangeException or ArgumentOutOfRangeException)
            {
                throw new FormatException($"unique candidate '{item}' has a value that does not decode", e);
            }
            if (o != bytes.Length)
                throw new FormatException($"unique candidate '{item}' has bytes after its value");
            result.Add((attr, v));
        }
        return result.ToImmutable();
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

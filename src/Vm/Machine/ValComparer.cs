using System.Runtime.CompilerServices;
using Datom.Log.Edn;
using Datom.Log.Model;

namespace Datom.Vm.Machine;

/// <summary>
/// Equality and a total order over Yin values. Equality is Clojure's <c>=</c> (1 and 1.0 differ;
/// a vector equals a seq of the same items); the order sorts by kind, then by value, and is
/// consistent with equality, so sorted maps and sets keep exactly one of each equal key. The
/// order of functions is by creation, which is all that can be said of them.
/// </summary>
internal sealed class ValComparer : IComparer<Val>, IEqualityComparer<Val>
{
    public static readonly ValComparer Instance = new();

    public int Compare(Val x, Val y) => Order(x, y);

    public bool Equals(Val x, Val y) => Equal(x, y);

    public int GetHashCode(Val obj) => Hash(obj);

    private static int Rank(ValKind k) => k switch
    {
        ValKind.Nil => 0,
        ValKind.Boolean => 1,
        ValKind.Long or ValKind.Double or ValKind.BigInt or ValKind.Ratio => 2,
        ValKind.String => 3,
        ValKind.Keyword => 4,
        ValKind.Symbol => 5,
        ValKind.Instant => 6,
        ValKind.Uuid => 7,
        ValKind.Entity => 8,
        ValKind.Vector or ValKind.Seq => 9,
        ValKind.Map => 10,
        ValKind.Set => 11,
        ValKind.Record => 12,
        ValKind.Fn => 13,
        ValKind.Atom => 17,
        ValKind.Char => 15,
        ValKind.Regex => 16,
        _ => 14,
    };

    public static bool Equal(Val x, Val y)
    {
        if (x.IsLong && y.IsLong)
            return x.Bits == y.Bits;
        if (ReferenceEquals(x.Obj, y.Obj) && x.Bits == y.Bits)
            return true;
        var kx = x.Kind;
        var ky = y.Kind;
        if (kx != ky && !(IsSequential(kx) && IsSequential(ky)) && !(Category(kx) == 1 && Category(ky) == 1))
            return false;
        switch (x.Obj)
        {
            // By lookup, as Clojure's APersistentMap.equiv and APersistentSet.equiv: no sorting.
            case YMap a:
            {
                var b = (YMap)y.Obj!;
                if (a.Count != b.Count)
                    return false;
                Guard();
                foreach (var kv in a.Items)
                {
                    if (!b.Items.TryGetValue(kv.Key, out var v) || !Equal(kv.Value, v))
                        return false;
                }
                return true;
            }
            case YSet a:
            {
                var b = (YSet)y.Obj!;
                if (a.Count != b.Count)
                    return false;
                Guard();
                foreach (var item in a.Items)
                {
                    if (!b.Items.Contains(item))
                        return false;
                }
                return true;
            }
        }
        return Order(x, y) == 0;
    }

    /// <summary>Clojure's number categories (Numbers.category): integers (long and BigInt) 1, doubles 2, ratios 3.</summary>
    private static int Category(ValKind k) => k switch
    {
        ValKind.Long or ValKind.BigInt => 1,
        ValKind.Double => 2,
        ValKind.Ratio => 3,
        _ => 0,
    };

    private static bool IsSequential(ValKind k) => k is ValKind.Vector or ValKind.Seq;

    public static int Order(Val x, Val y)
    {
        var kx = x.Kind;
        var ky = y.Kind;
        var rx = Rank(kx);
        var ry = Rank(ky);
        if (rx != ry)
            return rx.CompareTo(ry);
        if (rx >= 9)
            Guard();
        switch (kx)
        {
            case ValKind.Nil:
                return 0;
            case ValKind.Boolean:
                return x.Bits.CompareTo(y.Bits);
            case ValKind.Long or ValKind.Double or ValKind.BigInt or ValKind.Ratio:
            {
                if (kx == ValKind.Long && ky == ValKind.Long)
                    return x.Bits.CompareTo(y.Bits);
                var c = Exact.IsExact(x) && Exact.IsExact(y) ? Exact.Compare("compare", x, y) : x.ToDouble().CompareTo(y.ToDouble());
                // Equal values of one category are equal (= 1 1N); across categories (1 and 1.0, 1/2 and 0.5) they differ.
                return c != 0 ? c : Category(kx).CompareTo(Category(ky));
            }
            case ValKind.String:
                return string.CompareOrdinal(x.AsString, y.AsString);
            case ValKind.Keyword:
                return string.CompareOrdinal(((Keyword)x.Obj!).ToString(), ((Keyword)y.Obj!).ToString());
            case ValKind.Symbol:
                return string.CompareOrdinal(((Symbol)x.Obj!).ToString(), ((Symbol)y.Obj!).ToString());
            case ValKind.Instant:
                return x.Bits.CompareTo(y.Bits);
            case ValKind.Uuid:
                return ((Guid)x.Obj!).CompareTo((Guid)y.Obj!);
            case ValKind.Entity:
                return ((EntityId)x.Obj!).CompareTo((EntityId)y.Obj!);
            case ValKind.Vector or ValKind.Seq:
                return Sequence(Items(x), Items(y));
            case ValKind.Map:
            {
                // Maps iterate in insertion or hash order, which equal maps need not share: compare
                // their entries in key order, so that the order is a total order consistent with =.
                var a = (YMap)x.Obj!;
                var b = (YMap)y.Obj!;
                if (a.Count != b.Count)
                    return a.Count.CompareTo(b.Count);
                using var ea = a.Items.OrderBy(kv => kv.Key, Instance).GetEnumerator();
                using var eb = b.Items.OrderBy(kv => kv.Key, Instance).GetEnumerator();
                while (ea.MoveNext() && eb.MoveNext())
                {
                    var c = Order(ea.Current.Key, eb.Current.Key);
                    if (c == 0)
                        c = Order(ea.Current.Value, eb.Current.Value);
                    if (c != 0)
                        return c;
                }
                return 0;
            }
            case ValKind.Set:
            {
                var a = (YSet)x.Obj!;
                var b = (YSet)y.Obj!;
                return a.Count != b.Count ? a.Count.CompareTo(b.Count) : Sequence(a.Items.Order(Instance), b.Items.Order(Instance));
            }
            case ValKind.Record:
            {
                var a = (YRecord)x.Obj!;
                var b = (YRecord)y.Obj!;
                var c = string.CompareOrdinal(a.Type.Key, b.Type.Key);
                return c != 0 ? c : Sequence(a.Values, b.Values);
            }
            case ValKind.Fn:
                return ((YFunction)x.Obj!).Serial.CompareTo(((YFunction)y.Obj!).Serial);
            case ValKind.Atom:
                return ((YAtom)x.Obj!).Serial.CompareTo(((YAtom)y.Obj!).Serial);
            case ValKind.Char:
                return x.Bits.CompareTo(y.Bits);
            case ValKind.Regex:
                // A Java Pattern is equal only to itself: two compilations of one text differ.
                return ((YRegex)x.Obj!).Serial.CompareTo(((YRegex)y.Obj!).Serial);
            default:
                return string.CompareOrdinal(((YinError)x.Obj!).Message, ((YinError)y.Obj!).Message);
        }
    }

    private static IEnumerable<Val> Items(Val v) => v.Obj is YVector vec ? vec.Items : Seqs.Values(v);

    private static int Sequence(IEnumerable<Val> a, IEnumerable<Val> b)
    {
        using var ea = a.GetEnumerator();
        using var eb = b.GetEnumerator();
        while (true)
        {
            var ha = ea.MoveNext();
            var hb = eb.MoveNext();
            if (!ha || !hb)
                return ha.CompareTo(hb);
            var c = Order(ea.Current, eb.Current);
            if (c != 0)
                return c;
        }
    }

    /// <summary>A hash consistent with <see cref="Equal"/> (stable across processes: no string hash randomization).</summary>
    public static int Hash(Val v)
    {
        switch (v.Kind)
        {
            case ValKind.Nil: return 0;
            case ValKind.Boolean or ValKind.Long or ValKind.Instant or ValKind.Char: return v.Bits.GetHashCode();
            case ValKind.Double: return v.AsDouble.GetHashCode();
            // A BigInt equal to a long hashes as that long (= 1 1N).
            case ValKind.BigInt: return (System.Numerics.BigInteger)v.Obj! is var b && b >= long.MinValue && b <= long.MaxValue ? ((long)b).GetHashCode() : b.GetHashCode();
            case ValKind.Ratio: return HashCode.Combine(((YRatio)v.Obj!).Numerator, ((YRatio)v.Obj!).Denominator);
            case ValKind.String: return Fnv(v.AsString);
            case ValKind.Keyword or ValKind.Symbol: return Fnv(v.Obj!.ToString()!);
            case ValKind.Vector or ValKind.Seq:
            {
                Guard();
                var h = 17;
                foreach (var item in Items(v))
                    h = (h * 31) + Hash(item);
                return h;
            }
            case ValKind.Map: return ((YMap)v.Obj!).Count;
            case ValKind.Set: return ((YSet)v.Obj!).Count;
            default: return v.Obj!.GetHashCode();
        }
    }

    /// <summary>
    /// Values nest as deep as memory allows, and comparing or printing them recurses: past what the
    /// host's stack can take, the program gets an error instead of the process a stack overflow.
    /// </summary>
    internal static void Guard()
    {
        if (!RuntimeHelpers.TryEnsureSufficientExecutionStack())
            throw YinException.Of(Kinds.Limit("depth"), "depth limit: a value is nested too deeply to compare, print or store");
    }

    private static int Fnv(string s)
    {
        var h = 2166136261u;
        foreach (var c in s)
            h = (h ^ c) * 16777619u;
        return (int)h;
    }
}

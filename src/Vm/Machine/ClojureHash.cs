using System.Numerics;
using Datom.Log.Edn;

namespace Datom.Vm.Machine;

/// <summary>
/// Clojure's <c>hasheq</c> (what <c>(hash x)</c> returns on the JVM), which decides the order of
/// its hash maps and hash sets (<see cref="MapEntries"/>, <see cref="SetEntries"/>). Written from
/// the definitions in Clojure 1.11's <c>Murmur3</c>, <c>Util.hasheq</c>, <c>Numbers.hasheq</c>,
/// <c>Symbol</c>/<c>Keyword</c> and Java's <c>hashCode</c>s; tests/Vm.Tests/Data/clojure-hashes.tsv
/// holds the values JVM Clojure printed, which the tests compare against.
/// </summary>
/// <remarks>
/// Consistent with Yin's <c>=</c> (<see cref="ValComparer.Equal"/>) as Clojure's is with its own:
/// <c>(= 1 1N)</c> and both hash as the long; a vector and a seq of the same items hash alike.
/// Values Clojure hashes by identity (functions, atoms, regexes) hash by their creation serial.
/// </remarks>
internal static class ClojureHash
{
    private const uint C1 = 0xcc9e2d51;
    private const uint C2 = 0x1b873593;

    /// <summary>Murmur3's fixed 32-bit constant of Clojure's <c>hashCombine</c> and keywords (the golden ratio).</summary>
    private const uint Golden = 0x9e3779b9;

    public static int Hasheq(Val v)
    {
        switch (v.Kind)
        {
            case ValKind.Nil:
                return 0;
            case ValKind.Boolean:
                return v.AsBool ? 1231 : 1237; // java.lang.Boolean.hashCode
            case ValKind.Long:
                return HashLong(v.AsLong);
            case ValKind.Double:
            {
                // Double.hashCode, except that -0.0 hashes as 0.0 (they are =).
                var d = v.AsDouble;
                if (d == 0.0)
                    return 0;
                var bits = double.IsNaN(d) ? 0x7ff8000000000000 : BitConverter.DoubleToInt64Bits(d); // Java's canonical NaN
                return (int)(bits ^ (long)((ulong)bits >> 32));
            }
            case ValKind.BigInt:
            {
                var b = (BigInteger)v.Obj!;
                return b >= long.MinValue && b <= long.MaxValue ? HashLong((long)b) : JavaHash(b);
            }
            case ValKind.Ratio:
            {
                var r = (YRatio)v.Obj!;
                return JavaHash(r.Numerator) ^ JavaHash(r.Denominator);
            }
            case ValKind.Char:
                return v.AsChar;
            case ValKind.String:
                return HashInt(JavaHash(v.AsString));
            case ValKind.Symbol:
            {
                var s = (Symbol)v.Obj!;
                return SymbolHash(s.Namespace, s.Name);
            }
            case ValKind.Keyword:
            {
                var k = (Keyword)v.Obj!;
                return unchecked(SymbolHash(k.Namespace, k.Name) + (int)Golden);
            }
            case ValKind.Instant:
                return (int)(v.Bits ^ (long)((ulong)v.Bits >> 32)); // java.util.Date.hashCode
            case ValKind.Vector or ValKind.Seq:
            {
                ValComparer.Guard();
                var items = v.Obj is YVector vec ? vec.Items : Seqs.Values(v);
                return Ordered(items.Select(Hasheq));
            }
            case ValKind.Map:
                ValComparer.Guard();
                return Unordered(((YMap)v.Obj!).Items.Select(kv => EntryHash(kv.Key, kv.Value)));
            case ValKind.Set:
                ValComparer.Guard();
                return Unordered(((YSet)v.Obj!).Items.Select(Hasheq));
            case ValKind.Record:
            {
                ValComparer.Guard();
                var r = (YRecord)v.Obj!;
                var fields = Unordered(r.Type.Fields.Select((f, i) => EntryHash(Val.Keyword(f), r.Values[i])));
                return fields ^ JavaHash(r.Type.Name);
            }
            case ValKind.Fn:
                return HashLong(((YFunction)v.Obj!).Serial);
            case ValKind.Atom:
                return HashLong(((YAtom)v.Obj!).Serial);
            case ValKind.Regex:
                return HashLong(((YRegex)v.Obj!).Serial);
            case ValKind.Uuid:
                return HashInt(JavaHash(((Guid)v.Obj!).ToString("D")));
            case ValKind.Error:
                return HashInt(JavaHash(((YinError)v.Obj!).Message));
            default:
                return HashInt(JavaHash(v.Obj!.ToString() ?? ""));
        }
    }

    /// <summary>A map entry hashes as the vector <c>[k v]</c>.</summary>
    private static int EntryHash(Val k, Val v) => MixCollHash(unchecked((31 * ((31 * 1) + Hasheq(k))) + Hasheq(v)), 2);

    /// <summary>Murmur3.hashOrdered: sequential collections.</summary>
    public static int Ordered(IEnumerable<int> hashes)
    {
        var n = 0;
        var hash = 1;
        foreach (var h in hashes)
        {
            hash = unchecked((31 * hash) + h);
            n++;
        }
        return MixCollHash(hash, n);
    }

    /// <summary>Murmur3.hashUnordered: maps (over entries) and sets.</summary>
    public static int Unordered(IEnumerable<int> hashes)
    {
        var n = 0;
        var hash = 0;
        foreach (var h in hashes)
        {
            hash = unchecked(hash + h);
            n++;
        }
        return MixCollHash(hash, n);
    }

    private static int SymbolHash(string? ns, string name)
    {
        // Util.hashCombine(Murmur3.hashUnencodedChars(name), ns == null ? 0 : ns.hashCode()), "a la boost".
        var seed = HashUnencodedChars(name);
        var hash = ns is null ? 0 : JavaHash(ns);
        return unchecked(seed ^ (int)((uint)hash + Golden + (uint)(seed << 6) + (uint)(seed >> 2)));
    }

    public static int HashInt(int input)
    {
        if (input == 0)
            return 0;
        var k1 = MixK1((uint)input);
        var h1 = MixH1(0, k1);
        return Fmix(h1, 4);
    }

    public static int HashLong(long input)
    {
        if (input == 0)
            return 0;
        var low = (uint)input;
        var high = (uint)((ulong)input >> 32);
        var h1 = MixH1(0, MixK1(low));
        h1 = MixH1(h1, MixK1(high));
        return Fmix(h1, 8);
    }

    private static int HashUnencodedChars(string input)
    {
        uint h1 = 0;
        for (var i = 1; i < input.Length; i += 2)
        {
            var k1 = input[i - 1] | ((uint)input[i] << 16);
            h1 = MixH1(h1, MixK1(k1));
        }
        if ((input.Length & 1) == 1)
            h1 ^= MixK1(input[^1]);
        return Fmix(h1, 2 * input.Length);
    }

    private static int MixCollHash(int hash, int count)
    {
        var h1 = MixH1(0, MixK1((uint)hash));
        return Fmix(h1, count);
    }

    private static uint MixK1(uint k1)
    {
        k1 *= C1;
        k1 = BitOperations.RotateLeft(k1, 15);
        return k1 * C2;
    }

    private static uint MixH1(uint h1, uint k1)
    {
        h1 ^= k1;
        h1 = BitOperations.RotateLeft(h1, 13);
        return (h1 * 5) + 0xe6546b64;
    }

    private static int Fmix(uint h1, int length)
    {
        h1 ^= (uint)length;
        h1 ^= h1 >> 16;
        h1 *= 0x85ebca6b;
        h1 ^= h1 >> 13;
        h1 *= 0xc2b2ae35;
        h1 ^= h1 >> 16;
        return (int)h1;
    }

    /// <summary>java.lang.String.hashCode: s[0]*31^(n-1) + ... over UTF-16 units.</summary>
    public static int JavaHash(string s)
    {
        var h = 0;
        foreach (var c in s)
            h = unchecked((31 * h) + c);
        return h;
    }

    /// <summary>java.math.BigInteger.hashCode: over the magnitude's big-endian 32-bit words, times the sign.</summary>
    public static int JavaHash(BigInteger b)
    {
        var magnitude = BigInteger.Abs(b).ToByteArray(isUnsigned: true, isBigEndian: true);
        var h = 0;
        var start = magnitude.Length % 4;
        // The first word takes the leading bytes that do not fill four.
        uint word = 0;
        for (var i = 0; i < magnitude.Length; i++)
        {
            word = (word << 8) | magnitude[i];
            if ((i + 1 - start) % 4 == 0)
            {
                h = unchecked((int)((31 * (uint)h) + word));
                word = 0;
            }
        }
        return h * b.Sign;
    }

    /// <summary>
    /// Where a hash sits in a hash array mapped trie: its 5-bit chunks from the low end, the first
    /// chunk most significant (the trie branches on bits 0-4, then 5-9, ... then 30-31), so that
    /// ordering these keys as unsigned numbers is the order Clojure's trie iterates in.
    /// </summary>
    public static uint TrieOrder(int hash)
    {
        var h = (uint)hash;
        uint key = 0;
        for (var shift = 0; shift < 30; shift += 5)
            key = (key << 5) | ((h >> shift) & 0x1f);
        return (key << 2) | (h >> 30);
    }
}

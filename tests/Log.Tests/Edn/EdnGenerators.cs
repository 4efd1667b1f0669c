using System.Numerics;
using Datom.Log.Edn;
using FsCheck;
using FsCheck.Fluent;

namespace Datom.Log.Tests.Edn;

/// <summary>An EDN value for FsCheck; prints as EDN so a shrunk counterexample is readable.</summary>
public sealed record EdnValue(object? Value)
{
    public override string ToString()
    {
        try
        {
            return EdnWriter.Write(Value);
        }
        catch (ArgumentException)
        {
            return Value?.ToString() ?? "nil";
        }
    }
}

/// <summary>Registers <see cref="EdnGenerators.Value"/> with FsCheck: <c>[Property(Arbitrary = [typeof(EdnArbitraries)])]</c>.</summary>
public static class EdnArbitraries
{
    public static Arbitrary<EdnValue> Values() => Arb.From(EdnGenerators.Value.Select(v => new EdnValue(v)));
}

/// <summary>
/// Generators for every kind of value the reader returns, weighted towards the edges: extreme and
/// special numbers (NaN payloads, -0.0, subnormals, infinities), strings with controls and lone
/// surrogates, every char, names using the whole symbol alphabet, instants across the full range
/// with offsets, and nested collections with keys of every kind.
/// </summary>
public static class EdnGenerators
{
    private const string NameStart = "abcxyzABCXYZ*!_?$%&=<>";
    private const string NameRest = "abcxyzABCXYZ0123456789.*+!-_?$%&=<>:#'";

    public static Gen<object?> Value { get; } = Gen.Sized(size => ValueOfSize(Math.Min(size, 40)));

    public static Gen<object?> Scalar { get; } = Gen.Frequency(
        (1, Gen.Constant<object?>(null)),
        (1, Gen.Elements<object?>(true, false)),
        (4, Longs().Select(Box)),
        (1, BigIntegers().Select(Box)),
        (3, Doubles().Select(Box)),
        (1, Decimals().Select(Box)),
        (3, Strings().Select(Box)),
        (1, Chars().Select(Box)),
        (3, Keywords().Select(Box)),
        (2, Symbols().Select(Box)),
        (1, Instants().Select(Box)),
        (1, Guids().Select(Box)));

    public static Gen<long> Longs() => Gen.Frequency(
        (2, Gen.Elements(0L, 1L, -1L, long.MaxValue, long.MinValue, 1023L, 1024L, -128L, -129L)),
        (3, Gen.Choose(-1000, 1000).Select(i => (long)i)),
        (3, Bytes(8).Select(b => BitConverter.ToInt64(b))));

    public static Gen<BigInteger> BigIntegers() => Gen.Frequency(
        (1, Gen.Elements(new BigInteger(long.MaxValue) + 1, new BigInteger(long.MinValue) - 1, BigInteger.Zero)),
        (3, Gen.Choose(9, 40).SelectMany(Bytes).Select(b => new BigInteger(b))));

    public static Gen<double> Doubles() => Gen.Frequency(
        (2, Gen.Elements(0.0, -0.0, 1.0, -1.0, 0.1, 1e20, 1e-20, double.Epsilon, double.MaxValue, double.MinValue,
            double.NaN, double.PositiveInfinity, double.NegativeInfinity, 123456789012345678.0)),
        (2, Gen.Choose(-100000, 100000).Select(i => i / 64.0)),
        (4, Bytes(8).Select(b => BitConverter.ToDouble(b))));

    public static Gen<decimal> Decimals() =>
        from lo in Gen.Choose(int.MinValue, int.MaxValue)
        from mid in Gen.Choose(int.MinValue, int.MaxValue)
        from hi in Gen.Frequency((1, Gen.Constant(0)), (1, Gen.Choose(int.MinValue, int.MaxValue)))
        from negative in Gen.Elements(true, false)
        from scale in Gen.Choose(0, 28)
        select new decimal(lo, mid, hi, negative, (byte)scale);

    public static Gen<char> Chars() => Gen.Frequency(
        (6, Gen.Choose(0x20, 0x7E).Select(i => (char)i)),
        (2, Gen.Elements('"', '\\', '\n', '\t', '\r', '\b', '\f', ' ', ',', ';', '\u007f', '\u00a0', '\u2028')),
        (1, Gen.Choose(0, 0x1F).Select(i => (char)i)),
        (2, Gen.Choose(0x80, 0xFFFF).Select(i => (char)i)));

    public static Gen<string> Strings() =>
        Gen.Choose(0, 24).SelectMany(n => Gen.ArrayOf(Chars(), n)).Select(cs => new string(cs));

    public static Gen<string> NameParts() =>
        from first in Gen.Frequency(
            (6, Gen.Elements(NameStart.ToCharArray()).Select(c => c.ToString())),
            (2, Gen.Elements("-", "+", ".")),
            (1, Gen.Elements("é", "λ", "Ж")))
        from rest in Gen.Choose(0, 8).SelectMany(n => Gen.ArrayOf(Gen.Elements(NameRest.ToCharArray()), n))
        let text = first + new string(rest)
        select first is "-" or "+" or "." && text.Length > 1 && char.IsAsciiDigit(text[1]) ? first + "x" + text[1..] : text;

    public static Gen<Keyword> Keywords() =>
        from ns in Gen.Frequency((2, Gen.Constant<string?>(null)), (1, NameParts().Select(s => (string?)s)))
        from name in NameParts()
        select Keyword.Intern(ns, name);

    public static Gen<Symbol> Symbols() => Gen.Frequency(
        (1, Gen.Elements(Symbol.Intern(null, "/"), Symbol.Intern(null, "+"), Symbol.Intern(null, "-"), Symbol.Intern(null, "."))),
        (8, from ns in Gen.Frequency((2, Gen.Constant<string?>(null)), (1, NameParts().Select(s => (string?)s)))
            from name in NameParts()
            select Symbol.Intern(ns, ns is null && name is "nil" or "true" or "false" ? name + "?" : name)));

    public static Gen<DateTimeOffset> Instants()
    {
        var min = new DateTime(2, 1, 1, 0, 0, 0, DateTimeKind.Utc).Ticks;
        var max = new DateTime(9998, 12, 31, 0, 0, 0, DateTimeKind.Utc).Ticks;
        var ticks = Gen.Frequency(
            (3, Bytes(8).Select(b => min + (long)(BitConverter.ToUInt64(b) % (ulong)(max - min)))),
            (1, Gen.Choose(0, 1_000_000).Select(ms => new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc).Ticks + (ms * TimeSpan.TicksPerMillisecond))));
        return Gen.Frequency(
            (1, Gen.Elements(DateTimeOffset.MinValue, DateTimeOffset.MaxValue, DateTimeOffset.UnixEpoch)),
            (6, from t in ticks
                from offset in Gen.Choose(-14 * 60, 14 * 60)
                select new DateTimeOffset(t, TimeSpan.Zero).ToOffset(TimeSpan.FromMinutes(offset))));
    }

    public static Gen<Guid> Guids() => Bytes(16).Select(b => new Guid(b));

    private static Gen<object?> ValueOfSize(int size)
    {
        if (size <= 1)
        {
            return Scalar;
        }

        var child = Gen.Fresh(() => ValueOfSize(size / 3)).SelectMany(g => g);
        var items = Gen.Choose(0, 5).SelectMany(n => Gen.ListOf(child, n));
        return Gen.Frequency(
            (6, Scalar),
            (1, items.Select(xs => Box(new EdnList(xs)))),
            (2, items.Select(xs => Box(new EdnVector(xs)))),
            (1, items.Select(xs => Box(new EdnSet(xs)))),
            (2, Gen.Choose(0, 5).SelectMany(n => Gen.ListOf(Gen.Zip(child, child), n)).Select(Map)),
            (1, from tag in Symbols().Where(s => s.Namespace is not null && char.IsLetter(s.Namespace[0]))
                from value in child
                select Box(new EdnTagged(tag, value))));
    }

    private static object? Map(IEnumerable<(object?, object?)> pairs)
    {
        var seen = new HashSet<object?>(EdnEquality.Instance);
        return new EdnMap(pairs.Where(p => seen.Add(p.Item1)).Select(p => KeyValuePair.Create(p.Item1, p.Item2)));
    }

    private static Gen<byte[]> Bytes(int count) => Gen.ArrayOf(Gen.Choose(0, 255).Select(i => (byte)i), count);

    private static object? Box<T>(T value) => value;
}

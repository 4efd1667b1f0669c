using Datom.Log.Model;
using FsCheck;
using FsCheck.Fluent;

namespace Datom.Log.Tests;

/// <summary>Every FsCheck generator of the Log tests, in one place.</summary>
public static class Generators
{
    public static Gen<EntityId> EntityId() =>
        Gen.Choose(0, int.MaxValue).Two().Select(t => new EntityId(((ulong)t.Item1 << 20) | 1, (ulong)t.Item2));

    public static Gen<string> Name() =>
        Gen.Elements("user/email", "user/name", "ast/type", "fn/name", "a", "x.y/z-w", "tx/reason", "ünï/cödé");

    public static Gen<string> Text() =>
        Gen.Elements("", "a", "hello world", "line\nbreak", "quote\"s", "\u00e9\u4e2d\U0001F600", new string('x', 300));

    public static Gen<Value> Value() => Gen.OneOf(
        Text().Select(Model.Value.String),
        Gen.Elements(0L, 1L, -1L, 127L, 128L, -33L, 255L, 256L, 65535L, 65536L, int.MaxValue, (long)int.MaxValue + 1, long.MaxValue, long.MinValue).Select(Model.Value.Long),
        Gen.Elements(0.0, -0.0, 1.5, -2.25e-300, double.MaxValue, double.Epsilon, double.PositiveInfinity, double.NaN).Select(Model.Value.Double),
        Gen.Elements(true, false).Select(Model.Value.Boolean),
        Name().Select(Model.Value.Keyword),
        Name().Select(Model.Value.Symbol),
        EntityId().Select(Model.Value.Ref),
        Gen.Choose(-100_000, 100_000).Select(d => Model.Value.Instant(d * 86_400_000L + 123)),
        Gen.Fresh(Guid.NewGuid).Select(Model.Value.Uuid),
        Gen.Choose(0, 64).Select(n => Model.Value.Bytes(Enumerable.Range(0, n).Select(i => (byte)(i * 37)).ToArray())));

    public static Gen<LogDatom> Datom() =>
        from e in EntityId()
        from a in Name()
        from v in Value()
        from added in Gen.Elements(true, false)
        select new LogDatom(e, a, v, added);

    public static Gen<LogDatom[]> Datoms() => Gen.ArrayOf(Datom()).Select(d => d.Take(40).ToArray());

    public static Arbitrary<LogDatom[]> DatomsArb() => Datoms().ToArbitrary();
}

/// <summary>Registers the generators with FsCheck.Xunit's [Property].</summary>
public static class LogArbitraries
{
    public static Arbitrary<LogDatom[]> Datoms() => Generators.Datoms().ToArbitrary();

    public static Arbitrary<Value> Value() => Generators.Value().ToArbitrary();
}

/// <summary>
/// Seeds for properties that build their own random input from an <c>int</c>: drawn from the whole
/// int range. FsCheck's own int generator stays within ±size (size grows to 100), so a property that
/// takes an int seed otherwise sees about 201 distinct inputs however many tests it runs (issue 13).
/// </summary>
public static class Seeds
{
    public static Arbitrary<int> Int32() => Gen.Choose(int.MinValue, int.MaxValue).ToArbitrary();
}

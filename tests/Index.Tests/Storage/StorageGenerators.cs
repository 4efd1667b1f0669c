using Datom.Index.Storage;
using Datom.Log.Model;
using FsCheck;
using FsCheck.Fluent;

namespace Datom.Index.Tests.Storage;

/// <summary>FsCheck generators for the storage tests.</summary>
public static class StorageGenerators
{
    public static Gen<Value> Value() => Gen.OneOf(
        Gen.Elements("", "a", "ab", "a\0b", "a\0", "\0", "b", "Ivan", "Ivanov", "é", "\u4e2d").Select(Log.Model.Value.String),
        Gen.Elements(long.MinValue, -2L, -1L, 0L, 1L, 2L, 255L, 256L, long.MaxValue).Select(Log.Model.Value.Long),
        Gen.Elements(double.NegativeInfinity, -1e300, -1.5, -0.0, 0.0, double.Epsilon, 1.5, 1e300, double.PositiveInfinity).Select(Log.Model.Value.Double),
        Gen.Elements(false, true).Select(Log.Model.Value.Boolean),
        Gen.Elements("a", "a/b", "b").Select(Log.Model.Value.Keyword),
        Gen.Choose(0, 5).Select(i => Log.Model.Value.Ref(new EntityId(1, (ulong)i))),
        Gen.Choose(-3, 3).Select(i => Log.Model.Value.Instant(i * 1000L)),
        Gen.Elements(Array.Empty<byte>(), new byte[] { 0 }, new byte[] { 0, 0 }, new byte[] { 1 }, new byte[] { 0xFF }).Select(Log.Model.Value.Bytes));

    public static Gen<DatomOp> Op() =>
        from e in Gen.Choose(0, 4)
        from a in Gen.Choose(1, 3)
        from v in Value()
        from t in Gen.Choose(0, 5)
        from tx in Gen.Choose(0, 3)
        from added in Gen.Elements(true, false)
        select new DatomOp(new EntityId(2, (ulong)e), (uint)a, v, new HlcTimestamp((ulong)t << 16), new EntityId(3, (ulong)tx), added);

    public static Arbitrary<DatomOp> OpArb() => Op().ToArbitrary();

    public static Arbitrary<(Value, Value)> ValuePairs() => Value().Two().Select(p => (p.Item1, p.Item2)).ToArbitrary();

    public static Arbitrary<DatomOp[]> Ops() => Gen.ArrayOf(Op()).ToArbitrary();
}

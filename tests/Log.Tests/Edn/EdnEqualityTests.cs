using System.Numerics;
using Datom.Log.Edn;
using Xunit;
using static Datom.Log.Tests.Edn.EdnAssert;

namespace Datom.Log.Tests.Edn;

public class EdnEqualityTests
{
    private static readonly EdnEquality Eq = EdnEquality.Instance;

    public static TheoryData<object?, object?> EqualPairs() => new()
    {
        { null, null },
        { 1L, 1L },
        { 1L, new BigInteger(1) },
        { 1L, 1 },
        { (byte)1, new BigInteger(1) },
        { ulong.MaxValue, BigInteger.Parse("18446744073709551615", System.Globalization.CultureInfo.InvariantCulture) },
        { 1.5, 1.5 },
        { 1.5, 1.5f },
        { 0.0, -0.0 },
        { double.NaN, double.NaN },
        { 1.5m, 1.50m },
        { "a", "a" },
        { 'a', 'a' },
        { Kw(":a/b"), Keyword.Intern("a", "b") },
        { Sym("a/b"), Sym("a/b").WithPosition(new SourcePosition(9, 9)) },
        { EdnList.Of(1L, 2L), EdnVector.Of(1L, 2L) },
        { EdnVector.Of(1L, EdnList.Of(2L)), EdnList.Of(1L, EdnVector.Of(new BigInteger(2))) },
        { EdnMap.Of(Kw(":a"), 1L, Kw(":b"), 2L), EdnMap.Of(Kw(":b"), 2L, Kw(":a"), 1L) },
        { EdnMap.Of(EdnVector.Of(1L), 1L), EdnMap.Of(EdnList.Of(1L), 1L) },
        { EdnSet.Of(1L, 2L, 3L), EdnSet.Of(3L, 2L, 1L) },
        { new EdnTagged(Sym("a/b"), 1L), new EdnTagged(Sym("a/b"), new BigInteger(1)) },
        { new DateTimeOffset(2020, 1, 1, 1, 0, 0, TimeSpan.FromHours(1)), new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero) },
        { Guid.Parse("f81d4fae-7dec-11d0-a765-00a0c91e6bf6"), Guid.Parse("F81D4FAE-7DEC-11D0-A765-00A0C91E6BF6") },
    };

    public static TheoryData<object?, object?> UnequalPairs() => new()
    {
        { null, false },
        { 1L, 1.0 },
        { 1L, 1m },
        { 1.0, 1m },
        { 1L, "1" },
        { 'a', "a" },
        { Kw(":a"), Sym("a") },
        { Kw(":a/b"), Kw(":b/a") },
        { EdnList.Of(1L, 2L), EdnList.Of(2L, 1L) },
        { EdnVector.Of(1L), EdnVector.Of(1.0) },
        { EdnVector.Of(1L), EdnSet.Of(1L) },
        { EdnMap.Of(1L, 2L), EdnMap.Of(1L, 3L) },
        { EdnMap.Of(1L, 2L), EdnMap.Of(2L, 2L) },
        { EdnSet.Of(1L, 2L), EdnSet.Of(1L, 3L) },
        { EdnMap.Of(1L, 2L), EdnSet.Of(1L, 2L) },
        { new EdnTagged(Sym("a/b"), 1L), new EdnTagged(Sym("a/c"), 1L) },
        { new BigInteger(long.MaxValue) + 1, long.MinValue },
    };

    [Theory]
    [MemberData(nameof(EqualPairs))]
    public void Equal_values_are_equal_both_ways_with_equal_hashes(object? x, object? y)
    {
        Assert.True(Eq.Equals(x, y));
        Assert.True(Eq.Equals(y, x));
        Assert.Equal(Eq.GetHashCode(x), Eq.GetHashCode(y));
    }

    [Theory]
    [MemberData(nameof(UnequalPairs))]
    public void Unequal_values_are_unequal_both_ways(object? x, object? y)
    {
        Assert.False(Eq.Equals(x, y));
        Assert.False(Eq.Equals(y, x));
    }

    [Fact]
    public void Collections_use_EDN_equality_through_object_Equals()
    {
        Assert.True(EdnVector.Of(1L).Equals(EdnList.Of(1)));
        Assert.True(EdnList.Of(1L).Equals(EdnVector.Of(new BigInteger(1))));
        Assert.False(EdnVector.Of(1L).Equals(EdnVector.Of(1.0)));
        var dictionary = new Dictionary<object, string> { [EdnVector.Of(Kw(":a"), 1L)] = "found" };
        Assert.Equal("found", dictionary[EdnList.Of(Kw(":a"), new BigInteger(1))]);
        var set = new HashSet<object?>(EdnEquality.Instance) { 1L, 1, new BigInteger(1), 1.0 };
        Assert.Equal(2, set.Count);
    }
}

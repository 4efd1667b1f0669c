using Datom.Index.Storage;
using Datom.Log.Model;
using FsCheck.Xunit;
using Xunit;

namespace Datom.Index.Tests.Storage;

public class KeyCodecTests
{
    [Property(Arbitrary = [typeof(StorageGenerators)], MaxTest = 500)]
    public void Every_order_round_trips(DatomOp op)
    {
        foreach (var order in new[] { IndexOrder.Eavt, IndexOrder.Aevt, IndexOrder.Avet })
            Assert.Equal(op, KeyCodec.Decode(order, KeyCodec.Encode(order, op)));
        if (op.V.Type == Log.Model.ValueType.Ref)
            Assert.Equal(op, KeyCodec.Decode(IndexOrder.Vaet, KeyCodec.Encode(IndexOrder.Vaet, op)));
    }

    [Property(Arbitrary = [typeof(StorageGenerators)], MaxTest = 1000)]
    public void Byte_order_of_values_is_value_order_within_a_type((Value A, Value B) pair)
    {
        var (a, b) = pair;
        if (a.Type != b.Type)
            return;
        var ka = new byte[KeyCodec.MaxSize(new DatomOp(default, 0, a, default, default, true))];
        var kb = new byte[KeyCodec.MaxSize(new DatomOp(default, 0, b, default, default, true))];
        var na = KeyCodec.WriteValue(a, ka);
        var nb = KeyCodec.WriteValue(b, kb);
        var bytes = Math.Sign(ka.AsSpan(0, na).SequenceCompareTo(kb.AsSpan(0, nb)));
        Assert.Equal(Math.Sign(a.CompareTo(b)), bytes);
    }

    [Property(Arbitrary = [typeof(StorageGenerators)], MaxTest = 300)]
    public void Unique_candidates_round_trip_through_the_manifest_form(DatomOp op)
    {
        if (!KeyCodec.RoundTrips(op.V))
            return; // never a candidate: such a value has no stored datom to collide with
        var set = System.Collections.Immutable.ImmutableHashSet.Create((op.A, op.V), (op.A + 1, Value.Long(7)));
        Assert.Equal(set, UniqueCandidates.Parse(UniqueCandidates.Format(set)));
    }

    [Theory]
    [InlineData("12")]
    [InlineData("x:AQ==")]
    [InlineData("3:not base64!")]
    [InlineData("3:Ag==")] // a long's tag with none of its 8 bytes
    [InlineData("3:AwAAAAAAAAAAAA==")] // a double and a byte more
    public void A_damaged_unique_candidate_is_refused(string item) =>
        Assert.Throws<FormatException>(() => UniqueCandidates.Parse([item]));

    [Fact]
    public void A_value_prefix_matches_that_value_only()
    {
        var ivan = KeyCodec.Prefix(IndexOrder.Avet, null, 7, Value.String("Ivan"));
        var ivanov = KeyCodec.Encode(IndexOrder.Avet, new DatomOp(new EntityId(1, 1), 7, Value.String("Ivanov"), default, default, true));
        var exact = KeyCodec.Encode(IndexOrder.Avet, new DatomOp(new EntityId(1, 1), 7, Value.String("Ivan"), default, default, true));
        Assert.False(ivanov.AsSpan().StartsWith(ivan));
        Assert.True(exact.AsSpan().StartsWith(ivan));
    }

    [Fact]
    public void Operations_on_one_datom_are_contiguous_and_ordered_by_time()
    {
        var e = new EntityId(1, 1);
        var earlier = KeyCodec.Encode(IndexOrder.Eavt, new DatomOp(e, 1, Value.Long(5), new HlcTimestamp(100), new EntityId(9, 9), true));
        var later = KeyCodec.Encode(IndexOrder.Eavt, new DatomOp(e, 1, Value.Long(5), new HlcTimestamp(200), new EntityId(1, 1), false));
        var otherValue = KeyCodec.Encode(IndexOrder.Eavt, new DatomOp(e, 1, Value.Long(6), new HlcTimestamp(50), new EntityId(1, 1), true));
        Assert.True(earlier.AsSpan().SequenceCompareTo(later) < 0);
        Assert.True(later.AsSpan().SequenceCompareTo(otherValue) < 0);
        Assert.True(earlier.AsSpan(0, KeyCodec.DatomLength(earlier)).SequenceEqual(later.AsSpan(0, KeyCodec.DatomLength(later))));
    }
}

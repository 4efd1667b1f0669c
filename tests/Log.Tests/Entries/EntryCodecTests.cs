using System.Buffers;
using Datom.Log.Entries;
using Datom.Log.Identity;
using Datom.Log.Model;
using FsCheck;
using FsCheck.Xunit;
using MessagePack;
using Xunit;

namespace Datom.Log.Tests.Entries;

public class EntryCodecTests
{
    private static readonly NodeIdentity Alice = NodeIdentity.Generate();

    private static Entry Make(LogDatom[] datoms, ulong seq = 1, params EntryHash[] parents) =>
        Entry.Create(Alice, seq, new EntityId(7, 1), HlcTimestamp.From(1_700_000_000_000, 3), parents, datoms);

    [Property(Arbitrary = [typeof(LogArbitraries)], MaxTest = 200)]
    public void Decode_of_encode_gives_the_same_entry_and_the_same_bytes(LogDatom[] datoms)
    {
        var parents = new[] { EntryHash.Compute("p1"u8), EntryHash.Compute("p2"u8) };
        var entry = Make(datoms, 2, parents);
        var decoded = EntryCodec.Decode(entry.Encoded);

        Assert.Equal(entry.Encoded.ToArray(), decoded.Encoded.ToArray());
        Assert.Equal(entry.Hash, decoded.Hash);
        Assert.Equal(entry.Author, decoded.Author);
        Assert.Equal(entry.Seq, decoded.Seq);
        Assert.Equal(entry.Tx, decoded.Tx);
        Assert.Equal(entry.Time, decoded.Time);
        Assert.Equal(entry.Parents, decoded.Parents);
        Assert.Equal(entry.Datoms, decoded.Datoms);
        Assert.True(decoded.VerifySignature());
    }

    [Fact]
    public void Parents_are_sorted_and_deduplicated_so_order_of_naming_does_not_change_the_hash()
    {
        var p1 = EntryHash.Compute("a"u8);
        var p2 = EntryHash.Compute("b"u8);
        var t = HlcTimestamp.From(1_700_000_000_000, 0);
        var a = Entry.Create(Alice, 3, new EntityId(1, 1), t, [p1, p2, p1], []);
        var b = Entry.Create(Alice, 3, new EntityId(1, 1), t, [p2, p1], []);
        Assert.Equal(a.Hash, b.Hash);
        Assert.Equal(2, a.Parents.Count);
    }

    [Fact]
    public void The_hash_does_not_cover_the_signature()
    {
        // Ed25519 signatures are malleable; identity must come from the signed bytes alone.
        var entry = Make([new LogDatom(new EntityId(1, 2), "a", Value.Long(1), true)]);
        var other = EntryCodec.Decode(entry.Encoded);
        Assert.Equal(entry.Hash, other.Hash);
        Assert.NotEqual(entry.Hash, EntryHash.Compute(entry.Encoded.Span));
    }

    [Fact]
    public void A_non_minimal_integer_encoding_is_rejected_as_non_canonical()
    {
        var entry = Make([new LogDatom(new EntityId(1, 2), "a", Value.Long(5), true)]);
        // Rebuild the same entry with seq written as uint64 instead of a positive fixint.
        var bytes = Rewrite(entry, seqAsUInt64: true);
        var e = Assert.Throws<EntryRejectedException>(() => EntryCodec.Decode(bytes));
        Assert.Equal(RejectReason.NonCanonical, e.Reason);
    }

    [Fact]
    public void Unsorted_parents_are_rejected()
    {
        var p1 = EntryHash.Compute("a"u8);
        var p2 = EntryHash.Compute("b"u8);
        var entry = Make([], 2, p1, p2);
        var bytes = Rewrite(entry, swapParents: true);
        var e = Assert.Throws<EntryRejectedException>(() => EntryCodec.Decode(bytes));
        Assert.Equal(RejectReason.NonCanonical, e.Reason);
    }

    [Fact]
    public void Oversized_entries_are_refused_before_decoding()
    {
        var limits = new EntryLimits { MaxEntryBytes = 200 };
        var big = Make([new LogDatom(new EntityId(1, 2), "a", Value.String(new string('x', 500)), true)]);
        var e = Assert.Throws<EntryRejectedException>(() => EntryCodec.Decode(big.Encoded, limits));
        Assert.Equal(RejectReason.TooLarge, e.Reason);
        var signing = Assert.Throws<EntryRejectedException>(() =>
            Entry.Create(Alice, 1, new EntityId(1, 1), default, [], [new LogDatom(new EntityId(1, 2), "a", Value.String(new string('x', 500)), true)], limits));
        Assert.Equal(RejectReason.TooLarge, signing.Reason);
    }

    [Theory]
    [InlineData("string")]
    [InlineData("keyword")]
    [InlineData("bytes")]
    public void A_value_longer_than_an_index_key_is_refused_when_signed_and_when_decoded(string type)
    {
        // One byte over: DaoDB's keys hold at most this much of a value, and an index that met a
        // longer one stopped (a 100 KB string in a transaction, or from a peer, stopped the database).
        var n = EntryLimits.DefaultMaxValueBytes + 1;
        var value = type switch
        {
            "string" => Value.String(new string('x', n)),
            "keyword" => Value.Keyword("k/" + new string('x', n - 2)),
            _ => Value.Bytes(new byte[n]),
        };
        LogDatom[] datoms = [new(new EntityId(1, 2), "a", value, true)];
        var signing = Assert.Throws<EntryRejectedException>(() => Make(datoms));
        Assert.Equal(RejectReason.TooLarge, signing.Reason);
        Assert.Equal($"too-large: a {type} value of {n} bytes; at most {EntryLimits.DefaultMaxValueBytes}", signing.Message);

        // A peer that signs with a looser limit: the entry is refused when it arrives.
        var loose = Entry.Create(Alice, 1, new EntityId(7, 1), HlcTimestamp.From(1_700_000_000_000, 3), [], datoms, new EntryLimits { MaxValueBytes = n });
        var decoding = Assert.Throws<EntryRejectedException>(() => EntryCodec.Decode(loose.Encoded));
        Assert.Equal(RejectReason.TooLarge, decoding.Reason);
        Assert.Contains($"value of {n} bytes", decoding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_value_of_exactly_the_limit_is_accepted_and_counted_in_UTF8_bytes()
    {
        var max = EntryLimits.DefaultMaxValueBytes;
        var entry = Make([new LogDatom(new EntityId(1, 2), "a", Value.String(new string('x', max)), true)]);
        Assert.Equal(entry.Hash, EntryCodec.Decode(entry.Encoded).Hash);
        // 'é' is two UTF-8 bytes: fewer characters than the limit, more bytes.
        var wide = Assert.Throws<EntryRejectedException>(() => Make([new LogDatom(new EntityId(1, 2), "a", Value.String(new string('\u00e9', (max / 2) + 1)), true)]));
        Assert.Equal(RejectReason.TooLarge, wide.Reason);
    }

    // Body lengths on both sides of the bin8/bin16 (255) and bin16/bin32 (65,535) boundaries, and
    // signed bytes beyond what signing copies to the stack (1 KiB).
    [Theory]
    [InlineData(0)]
    [InlineData(150)]
    [InlineData(170)]
    [InlineData(2_000)]
    [InlineData(65_400)]
    [InlineData(70_000)]
    public void Every_body_size_encodes_canonically_and_signs(int valueLength)
    {
        // Bodies past 64 KiB take two datoms: one value may hold at most EntryLimits.MaxValueBytes.
        var datoms = valueLength <= EntryLimits.DefaultMaxValueBytes
            ? new[] { new LogDatom(new EntityId(1, 2), "a", Value.String(new string('x', valueLength)), true) }
            : [new LogDatom(new EntityId(1, 2), "a", Value.String(new string('x', valueLength / 2)), true),
               new LogDatom(new EntityId(1, 2), "b", Value.String(new string('x', valueLength - (valueLength / 2))), true)];
        var entry = Make(datoms);
        var decoded = EntryCodec.Decode(entry.Encoded);
        Assert.Equal(entry.Encoded.ToArray(), decoded.Encoded.ToArray());
        Assert.Equal(entry.Signature.ToArray(), decoded.Signature.ToArray());
        Assert.True(decoded.VerifySignature());

        // The same bytes as MessagePackWriter makes of [body, signature].
        var reader = new MessagePackReader(entry.Encoded);
        reader.ReadArrayHeader();
        var body = reader.ReadBytes()!.Value.ToArray();
        var expected = new System.Buffers.ArrayBufferWriter<byte>();
        var w = new MessagePackWriter(expected);
        w.WriteArrayHeader(2);
        w.Write(body);
        w.Write(entry.Signature.Span);
        w.Flush();
        Assert.Equal(expected.WrittenSpan.ToArray(), entry.Encoded.ToArray());
    }

    [Fact]
    public void Encoding_does_not_carry_bytes_from_one_entry_to_the_next()
    {
        // Encoding reuses a buffer per thread; Ed25519 is deterministic, so the same entry made before
        // and after a larger one must come out byte for byte the same.
        LogDatom[] small = [new(new EntityId(1, 2), "a", Value.Long(1), true)];
        var before = Make(small);
        Make([new LogDatom(new EntityId(1, 2), "a", Value.String(new string('y', 60_000)), true), new LogDatom(new EntityId(1, 2), "b", Value.String(new string('y', 40_000)), true)]);
        Make([new LogDatom(new EntityId(1, 2), "a", Value.String(new string('z', 3_000)), true)]);
        var after = Make(small);
        Assert.Equal(before.Encoded.ToArray(), after.Encoded.ToArray());
        Assert.True(after.VerifySignature());
    }

    [Fact]
    public void A_huge_datom_count_in_a_small_entry_is_refused_without_allocating_it()
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        var w = new MessagePackWriter(buffer);
        w.WriteArrayHeader(7);
        w.Write((byte)1);
        w.Write(new byte[32]);
        w.Write(1UL);
        w.Write(new byte[16]);
        w.Write(1UL);
        w.WriteArrayHeader(0);
        w.WriteArrayHeader(50_000); // claims 50,000 datoms in a body of ~80 bytes
        w.Flush();
        var outer = new System.Buffers.ArrayBufferWriter<byte>();
        var o = new MessagePackWriter(outer);
        o.WriteArrayHeader(2);
        o.Write(buffer.WrittenSpan);
        o.Write(new byte[64]);
        o.Flush();
        var e = Assert.Throws<EntryRejectedException>(() => EntryCodec.Decode(outer.WrittenMemory));
        Assert.Equal(RejectReason.Malformed, e.Reason);
    }

    [Theory]
    [InlineData(new byte[] { })]
    [InlineData(new byte[] { 0x92 })]
    [InlineData(new byte[] { 0xc1 })]
    [InlineData(new byte[] { 0x93, 0xc4, 0x00, 0xc4, 0x00, 0xc4, 0x00 })]
    [InlineData(new byte[] { 0x92, 0xc4, 0x01, 0x97, 0xc4, 0x40 })]
    public void Garbage_is_malformed(byte[] bytes)
    {
        var e = Assert.Throws<EntryRejectedException>(() => EntryCodec.Decode(bytes));
        Assert.Equal(RejectReason.Malformed, e.Reason);
    }

    [Fact]
    public void A_signature_from_the_wrong_key_does_not_verify()
    {
        using var mallory = NodeIdentity.Generate();
        var honest = Make([new LogDatom(new EntityId(1, 2), "a", Value.Long(1), true)]);
        // Mallory signs the same body but the entry still names Alice as author.
        var forged = Rewrite(honest, signWith: mallory);
        var decoded = EntryCodec.Decode(forged);
        Assert.Equal(Alice.Id, decoded.Author);
        Assert.False(decoded.VerifySignature());
    }

    /// <summary>Re-encodes an entry by hand with one deliberate deviation.</summary>
    private static byte[] Rewrite(Entry entry, bool seqAsUInt64 = false, bool swapParents = false, NodeIdentity? signWith = null)
    {
        var body = new System.Buffers.ArrayBufferWriter<byte>();
        var w = new MessagePackWriter(body);
        w.WriteArrayHeader(7);
        w.Write((byte)1);
        w.Write(entry.Author.PublicKey);
        if (seqAsUInt64)
            w.WriteUInt64(entry.Seq);
        else
            w.Write(entry.Seq);
        w.Write(entry.Tx.ToBytes());
        w.Write(entry.Time.Value);
        var parents = entry.Parents.ToList();
        if (swapParents)
            parents.Reverse();
        w.WriteArrayHeader(parents.Count);
        foreach (var p in parents)
            w.Write(p.ToBytes());
        // Datoms: copy them through a fresh encoding of the original.
        var original = new MessagePackReader(entry.Encoded);
        original.ReadArrayHeader();
        var origBody = new MessagePackReader(original.ReadBytes()!.Value);
        origBody.ReadArrayHeader();
        for (var i = 0; i < 6; i++)
            origBody.Skip();
        var rest = origBody.Sequence.Slice(origBody.Position);
        w.Flush();
        foreach (var segment in rest)
            body.Write(segment.Span);

        var signature = entry.Signature.ToArray();
        if (signWith is not null)
        {
            var signed = "datom.entry.v1\0"u8.ToArray().Concat(body.WrittenSpan.ToArray()).ToArray();
            signWith.Sign(signed, signature);
        }
        var outer = new System.Buffers.ArrayBufferWriter<byte>();
        var o = new MessagePackWriter(outer);
        o.WriteArrayHeader(2);
        o.Write(body.WrittenSpan);
        o.Write(signature);
        o.Flush();
        return outer.WrittenSpan.ToArray();
    }
}

using Datom.Log.Identity;
using Datom.Log.Model;
using Datom.Log.Segments;
using Datom.Log.Storage;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace Datom.Log.Tests.Log;

public class LogVerifierTests
{
    private static readonly NodeIdentity Author = NodeIdentity.Generate();

    private static MemoryStorage LogWith(int entries)
    {
        var storage = new MemoryStorage();
        using var log = DatomLog.Open(storage, Author, new LogOptions { Segments = new SegmentStoreOptions { MaxSegmentBytes = 600 } });
        for (var i = 0; i < entries; i++)
            log.AppendAsync([new LogDatom(new EntityId(5, (ulong)i), "k/v", Value.String("value " + i), true)]).GetAwaiter().GetResult();
        return storage;
    }

    public static Arbitrary<(int Entries, int Segment, int Bit)> Flips() =>
        (from n in Gen.Choose(1, 12)
         from seg in Gen.Choose(0, 20)
         from bit in Gen.Choose(0, int.MaxValue)
         select (n, seg, bit)).ToArbitrary();

    [Property(Arbitrary = [typeof(LogVerifierTests)], MaxTest = 300)]
    public void Verify_catches_any_flipped_bit_in_a_stored_entry((int Entries, int Segment, int Bit) flip)
    {
        var storage = LogWith(flip.Entries);
        Assert.True(LogVerifier.Verify(storage).Ok);

        var segments = storage.List();
        var name = segments[flip.Segment % segments.Count];
        using (var f = storage.Open(name))
        {
            // Any bit after the segment header: record headers and entry bytes alike.
            var bits = (f.Length - SegmentHeader.Size) * 8;
            if (bits == 0)
                return;
            var bit = SegmentHeader.Size * 8 + (flip.Bit % bits);
            var b = new byte[1];
            f.Read(bit / 8, b);
            b[0] ^= (byte)(1 << (int)(bit % 8));
            f.Write(bit / 8, b);
        }
        var report = LogVerifier.Verify(storage);
        Assert.False(report.Ok);
        Assert.Equal("sim:" + name, report.Failure!.File);
        Assert.InRange(report.Failure.Offset, SegmentHeader.Size, long.MaxValue);
    }

    [Fact]
    public void Verify_reports_counts_of_a_healthy_log()
    {
        var storage = LogWith(10);
        var report = LogVerifier.Verify(storage);
        Assert.True(report.Ok);
        Assert.Equal(10, report.Entries);
        Assert.Equal(1, report.Authors);
        Assert.True(report.Segments > 1);
    }

    [Fact]
    public void A_valid_record_holding_a_bad_signature_is_named_by_offset()
    {
        var storage = LogWith(3);
        // Rewrite the second record with a correct checksum but a corrupted signature byte.
        var records = new List<(RecordPosition Position, byte[] Payload)>();
        SegmentStore.ScanReadOnly(storage, null, (p, m) => records.Add((p, m.ToArray())));
        var (pos, payload) = records[1];
        payload[^1] ^= 0x40;
        var header = new byte[RecordHeader.Size];
        new RecordHeader((uint)payload.Length, Crc32C.Compute(payload)).Format(header);
        using (var f = storage.Open(SegmentHeader.FileName(pos.Segment)))
        {
            f.Write(pos.Offset, header);
            f.Write(pos.Offset + RecordHeader.Size, payload);
        }
        var report = LogVerifier.Verify(storage);
        Assert.Equal(pos.Offset, report.Failure!.Offset);
        Assert.Contains("signature", report.Failure.Reason, StringComparison.Ordinal);
    }
}

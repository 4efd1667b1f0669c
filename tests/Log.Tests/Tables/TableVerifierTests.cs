using System.Buffers.Binary;
using Datom.Log.Identity;
using Datom.Log.Model;
using Datom.Log.Segments;
using Datom.Log.Storage;
using Datom.Log.Tables;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace Datom.Log.Tests.Tables;

/// <summary>
/// <c>datom log verify</c> checks the tables opening relies on against the entries: any damage to a
/// table the checkpoint covers, and any table that is whole but says something else than the
/// entries, is reported naming the table; the hash index image, a cache, is reported as a note when
/// opening would not use it and as a failure when opening would trust it and it is wrong.
/// </summary>
public class TableVerifierTests
{
    private static readonly NodeIdentity Me = NodeIdentity.Generate();
    private static readonly NodeIdentity Other = NodeIdentity.Generate();

    private static readonly LogOptions Options = new() { CheckpointEntries = 10, TableFlushRecords = 4, TableCacheBytes = 4096 };

    private static readonly string[] Tables = ["entries.tbl", "parents.tbl", "keys.tbl", "authors.tbl"];

    /// <summary>A log of two authors linking each other's heads, closed (checkpoint and hash index image written).</summary>
    private static MemoryStorage Closed(int entries = 30)
    {
        var storage = new MemoryStorage();
        var other = new MemoryStorage();
        using (var log = DatomLog.Open(storage, Me, Options))
        using (var theirs = DatomLog.Open(other, Other, Options))
        {
            for (var i = 0; i < entries; i++)
            {
                var (writer, reader) = i % 3 == 2 ? (theirs, log) : (log, theirs);
                var entry = writer.AppendAsync([new LogDatom(new EntityId(9, (ulong)i), "test/n", Value.Long(i), true)]).GetAwaiter().GetResult();
                reader.IngestAsync(entry).GetAwaiter().GetResult();
            }
        }
        return storage;
    }

    private static long Covered(MemoryStorage storage, string table)
    {
        var checkpoint = Checkpoint.ReadNewest(storage, [])!;
        var (records, size) = table switch
        {
            "entries.tbl" => (checkpoint.Entries, EntryRecord.Size),
            "parents.tbl" => (checkpoint.Parents, sizeof(uint)),
            "keys.tbl" => (checkpoint.Entries, EntryKey.Size),
            _ => (checkpoint.Authors, NodeId.KeySize),
        };
        return TableHeader.Size + (records * size);
    }

    private static void Flip(MemoryStorage storage, string name, long bit)
    {
        using var f = storage.Open(name);
        var b = new byte[1];
        f.Read(bit / 8, b);
        b[0] ^= (byte)(1 << (int)(bit % 8));
        f.Write(bit / 8, b);
    }

    [Fact]
    public void A_healthy_log_s_tables_and_image_match_its_entries()
    {
        var storage = Closed();
        Assert.True(storage.Exists(HashIndexImageHeader.FileName));
        var report = LogVerifier.Verify(storage);
        Assert.True(report.Ok, report.Failure?.ToString());
        Assert.Equal(30, report.Entries);
        Assert.Contains("covers 30 entries", report.Tables, StringComparison.Ordinal);
        Assert.Contains("hashes.img finds the first 30", report.Tables, StringComparison.Ordinal);
        Assert.Empty(report.Notes);
    }

    [Fact]
    public async Task A_log_without_a_checkpoint_says_its_tables_were_not_checked()
    {
        var storage = new MemoryStorage();
        using (var log = DatomLog.Open(storage, Me))
            await log.AppendAsync([new LogDatom(new EntityId(9, 1), "test/n", Value.Long(1), true)]);
        var report = LogVerifier.Verify(storage);
        Assert.True(report.Ok);
        Assert.Equal("", report.Tables);
        Assert.Contains(report.Notes, n => n.StartsWith("no checkpoint", StringComparison.Ordinal));
    }

    public static Arbitrary<(int Table, long Bit)> Flips() =>
        (from t in Gen.Choose(0, Tables.Length - 1)
         from bit in Gen.Choose(0, int.MaxValue)
         select (t, (long)bit)).ToArbitrary();

    [Property(Arbitrary = [typeof(TableVerifierTests)], MaxTest = 200)]
    public void Any_flipped_bit_in_a_covered_table_is_reported_naming_that_table((int Table, long Bit) flip)
    {
        var storage = Closed();
        var name = Tables[flip.Table];
        var bit = flip.Bit % (Covered(storage, name) * 8);
        Flip(storage, name, bit);
        var report = LogVerifier.Verify(storage);
        Assert.False(report.Ok, $"{name} bit {bit}");
        Assert.Equal("sim:" + name, report.Failure!.File);
    }

    [Fact]
    public void Two_records_swapped_each_whole_are_reported_as_not_the_entries()
    {
        var storage = Closed();
        using (var f = storage.Open("entries.tbl"))
        {
            var a = new byte[EntryRecord.Size];
            var b = new byte[EntryRecord.Size];
            f.Read(TableHeader.Size + (3 * EntryRecord.Size), a);
            f.Read(TableHeader.Size + (4 * EntryRecord.Size), b);
            f.Write(TableHeader.Size + (3 * EntryRecord.Size), b);
            f.Write(TableHeader.Size + (4 * EntryRecord.Size), a);
        }
        var report = LogVerifier.Verify(storage);
        Assert.False(report.Ok);
        Assert.Equal("sim:entries.tbl", report.Failure!.File);
        Assert.Equal(TableHeader.Size + (3 * EntryRecord.Size), report.Failure.Offset);
        Assert.Contains("record 3 names entry", report.Failure.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_key_with_the_wrong_sequence_number_is_reported()
    {
        var storage = Closed();
        using (var f = storage.Open("keys.tbl"))
        {
            var key = new byte[EntryKey.Size];
            f.Read(TableHeader.Size + (5 * EntryKey.Size), key);
            BinaryPrimitives.WriteUInt32LittleEndian(key.AsSpan(12), BinaryPrimitives.ReadUInt32LittleEndian(key.AsSpan(12)) + 1);
            f.Write(TableHeader.Size + (5 * EntryKey.Size), key);
        }
        var report = LogVerifier.Verify(storage);
        Assert.False(report.Ok);
        Assert.Equal("sim:keys.tbl", report.Failure!.File);
        Assert.Contains("key 5", report.Failure.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("entries.tbl")]
    [InlineData("parents.tbl")]
    [InlineData("keys.tbl")]
    [InlineData("authors.tbl")]
    public void A_table_cut_short_or_missing_is_reported(string name)
    {
        var storage = Closed();
        using (var f = storage.Open(name))
            f.Truncate(Covered(storage, name) - 1);
        var report = LogVerifier.Verify(storage);
        Assert.False(report.Ok);
        Assert.Equal("sim:" + name, report.Failure!.File);
        Assert.Contains("the checkpoint names", report.Failure.Reason, StringComparison.Ordinal);

        storage.Delete(name);
        report = LogVerifier.Verify(storage);
        Assert.Equal("sim:" + name, report.Failure!.File);
        Assert.Contains("missing", report.Failure.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_damaged_image_is_a_note_and_opening_rebuilds_the_hash_index_instead()
    {
        var storage = Closed();
        Flip(storage, HashIndexImageHeader.FileName, (HashIndexImageHeader.Size * 8) + 5);
        var report = LogVerifier.Verify(storage);
        Assert.True(report.Ok, report.Failure?.ToString());
        Assert.Contains(report.Notes, n => n.Contains("hashes.img: not used on open (hash index image checksum mismatch)", StringComparison.Ordinal));

        using var log = DatomLog.Open(storage, Me, Options);
        Assert.Contains(log.OpenNotes, n => n.Contains("hash index image checksum mismatch", StringComparison.Ordinal));
        Assert.Equal(30, log.Ancestry(log.Frontier()).Count);
    }

    [Fact]
    public void An_image_whole_but_wrong_is_reported_because_opening_would_trust_it()
    {
        var storage = Closed();
        // Move one entry's slot elsewhere and write the image again with correct checksums: opening
        // would load it, and that entry could no longer be found.
        var image = HashIndexImage.TryRead(storage, out _)!.Value;
        var slots = image.Slots;
        var mask = slots.Length - 1;
        var from = Array.FindIndex(slots, s => s != 0);
        var to = (from + (slots.Length / 2)) & mask;
        while (slots[to] != 0)
            to = (to + 1) & mask;
        (slots[from], slots[to]) = (0, slots[from]);
        var index = new HashIndex();
        index.Load(slots, (int)image.Header.Entries);
        HashIndexImage.Write(storage, index, image.Header.Entries, image.Header.Last);

        var report = LogVerifier.Verify(storage);
        Assert.False(report.Ok);
        Assert.Equal("sim:" + HashIndexImageHeader.FileName, report.Failure!.File);
        Assert.Contains("a lookup would not find it", report.Failure.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void An_image_of_a_table_that_was_rebuilt_is_not_used()
    {
        var storage = Closed();
        // A rebuild of the tables removes the image with them.
        Checkpoint.DeleteAll(storage);
        using (var log = DatomLog.Open(storage, Me, Options))
            Assert.Contains(log.OpenNotes, n => n.Contains("rebuilding the tables", StringComparison.Ordinal));
        using (var log = DatomLog.Open(storage, Me, Options))
            Assert.Contains(log.OpenNotes, n => n.Contains("hash index image of 30 entries", StringComparison.Ordinal));
        Assert.True(LogVerifier.Verify(storage).Ok);
    }

    [Fact]
    public void The_image_header_round_trips_and_refuses_damage()
    {
        var header = new HashIndexImageHeader(1000, 2048, EntryHash.Compute([1, 2, 3]), 0xDEADBEEF);
        var bytes = new byte[HashIndexImageHeader.Size];
        header.Format(bytes);
        Assert.True(HashIndexImageHeader.TryParse(bytes, out var parsed, out _));
        Assert.Equal(header, parsed);
        bytes[70] = 1; // reserved
        Assert.False(HashIndexImageHeader.TryParse(bytes, out _, out var error));
        Assert.Contains("checksum", error, StringComparison.Ordinal);
        var full = new HashIndexImageHeader(2000, 2048, header.Last, 0);
        full.Format(bytes);
        Assert.False(HashIndexImageHeader.TryParse(bytes, out _, out error));
        Assert.Contains("out of range", error, StringComparison.Ordinal);
    }
}

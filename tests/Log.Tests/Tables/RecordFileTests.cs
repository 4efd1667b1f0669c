using Datom.Log.Segments;
using Datom.Log.Storage;
using Datom.Log.Tables;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace Datom.Log.Tests.Tables;

/// <summary>The table file under the log's per-entry state: its bounded cache evicts and still answers right.</summary>
public class RecordFileTests
{
    private static byte[] RecordOf(long i, int size)
    {
        var bytes = new byte[size];
        for (var b = 0; b < size; b++)
            bytes[b] = (byte)((i * 31) + (b * 7));
        return bytes;
    }

    [Property(MaxTest = 40)]
    public Property Reads_through_a_tiny_cache_match_what_was_written() => Prop.ForAll(
        Gen.Choose(1, 3000).ToArbitrary(), Gen.ArrayOf(Gen.Choose(0, int.MaxValue)).ToArbitrary(), Gen.Elements(4, 16, 96).ToArbitrary(),
        (count, reads, size) =>
        {
            var storage = new MemoryStorage();
            // Two 4 KiB blocks of cache, whatever the record size: most reads evict something.
            using var file = new RecordFile(storage, "t.tbl", TableKind.Entries, size, 8192);
            for (var i = 0; i < count; i++)
            {
                file.Append(RecordOf(i, size));
                if (i % 500 == 499)
                    file.Flush(file.Count - 7); // leave a few in the tail, as the log does with entries in flight
            }
            var buffer = new byte[size];
            foreach (var r in reads)
            {
                var i = r % count;
                file.Read(i, buffer);
                Assert.Equal(RecordOf(i, size), buffer);
                Assert.True(file.CachedBlocks <= 2, $"{file.CachedBlocks} blocks cached");
            }
            // A run across blocks and into the tail reads right too.
            var run = new byte[size * Math.Min(count, 300)];
            var start = Math.Max(0, count - 300);
            file.Read(start, run);
            for (var k = 0; k < run.Length / size; k++)
                Assert.Equal(RecordOf(start + k, size), run.AsSpan(k * size, size).ToArray());
        });

    [Fact]
    public void A_block_cached_short_is_read_again_once_more_is_flushed()
    {
        var storage = new MemoryStorage();
        using var file = new RecordFile(storage, "t.tbl", TableKind.Keys, 16, 1 << 20);
        for (var i = 0; i < 10; i++)
            file.Append(RecordOf(i, 16));
        file.Flush(5);
        var buffer = new byte[16];
        file.Read(2, buffer); // caches block 0 holding records 0..5
        file.Flush(10);
        file.Read(8, buffer);
        Assert.Equal(RecordOf(8, 16), buffer);
    }

    [Fact]
    public void Attach_keeps_what_the_checkpoint_names_and_cuts_the_rest()
    {
        var storage = new MemoryStorage();
        using (var file = new RecordFile(storage, "t.tbl", TableKind.Parents, 4, 4096))
        {
            for (var i = 0; i < 100; i++)
                file.Append(RecordOf(i, 4));
            file.Flush(100);
            file.Sync();
        }
        using var again = new RecordFile(storage, "t.tbl", TableKind.Parents, 4, 4096);
        again.Attach(60);
        Assert.Equal(60, again.Count);
        var buffer = new byte[4];
        again.Read(59, buffer);
        Assert.Equal(RecordOf(59, 4), buffer);
        using (var raw = storage.Open("t.tbl"))
            Assert.Equal(TableHeader.Size + (60 * 4), raw.Length);
        using var wrongKind = new RecordFile(storage, "t.tbl", TableKind.Keys, 4, 4096);
        Assert.Throws<LogCorruptionException>(() => wrongKind.Attach(10));
        using var tooMany = new RecordFile(storage, "t.tbl", TableKind.Parents, 4, 4096);
        Assert.Throws<LogCorruptionException>(() => tooMany.Attach(61));
    }
}

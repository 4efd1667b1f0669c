using Datom.Log.Segments;
using Datom.Log.Storage;
using Xunit;

namespace Datom.Log.Tests.Segments;

public class SegmentStoreTests
{
    private static byte[] Payload(int i, int size = 100) => Enumerable.Range(0, size).Select(j => (byte)(i + j)).ToArray();

    private static List<byte[]> ReadBack(IStorage storage, SegmentStoreOptions? options = null)
    {
        var records = new List<byte[]>();
        using var store = SegmentStore.Open(storage, options, (_, p) => records.Add(p.ToArray()));
        return records;
    }

    [Fact]
    public void Crc32C_check_value()
    {
        Assert.Equal(0xE3069283u, Crc32C.Compute("123456789"u8));
    }

    [Fact]
    public void Headers_round_trip()
    {
        Span<byte> b = stackalloc byte[SegmentHeader.Size];
        new SegmentHeader(42).Format(b);
        Assert.True(SegmentHeader.TryParse(b, out var h, out _));
        Assert.Equal(42u, h.Number);
        b[20] = 1; // reserved byte
        Assert.False(SegmentHeader.TryParse(b, out _, out var error));
        Assert.Contains("checksum", error, StringComparison.Ordinal);

        Span<byte> r = stackalloc byte[RecordHeader.Size];
        new RecordHeader(77, 0xdeadbeef).Format(r);
        Assert.True(RecordHeader.TryParse(r, 1000, out var rh, out _));
        Assert.Equal(new RecordHeader(77, 0xdeadbeef), rh);
        Assert.False(RecordHeader.TryParse(r, 50, out _, out var tooLong));
        Assert.Contains("outside", tooLong, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Appends_are_read_back_in_order_across_segment_rolls()
    {
        var storage = new MemoryStorage();
        var options = new SegmentStoreOptions { MaxSegmentBytes = 1000 };
        using (var store = SegmentStore.Open(storage, options, null))
        {
            for (var i = 0; i < 50; i++)
            {
                var pos = await store.AppendAsync(Payload(i));
                Assert.Equal(Payload(i), store.Read(pos));
            }
            Assert.True(store.SegmentCount > 5);
        }
        var back = ReadBack(storage, options);
        Assert.Equal(50, back.Count);
        for (var i = 0; i < 50; i++)
            Assert.Equal(Payload(i), back[i]);
    }

    [Fact]
    public async Task Concurrent_writers_share_syncs_and_lose_nothing()
    {
        using var dir = new TempDirectory();
        var storage = new FileStorage(dir.Path);
        using (var store = SegmentStore.Open(storage, null, null))
        {
            var tasks = Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
            {
                for (var i = 0; i < 50; i++)
                    await store.AppendAsync(BitConverter.GetBytes((w * 50) + i));
            }));
            await Task.WhenAll(tasks);
        }
        var back = ReadBack(new FileStorage(dir.Path));
        Assert.Equal(Enumerable.Range(0, 400), back.Select(b => BitConverter.ToInt32(b)).Order());
    }

    [Fact]
    public async Task A_torn_tail_is_truncated_and_noted()
    {
        var storage = new MemoryStorage();
        using (var store = SegmentStore.Open(storage, null, null))
        {
            for (var i = 0; i < 3; i++)
                await store.AppendAsync(Payload(i));
        }
        // A half-written fourth record: valid header, payload cut short.
        using (var f = storage.Open("00000001.seg"))
        {
            var header = new byte[RecordHeader.Size];
            new RecordHeader(100, Crc32C.Compute(Payload(3))).Format(header);
            f.Write(f.Length, header);
            f.Write(f.Length, Payload(3).AsSpan(0, 40));
        }
        var records = new List<byte[]>();
        using (var store = SegmentStore.Open(storage, null, (_, p) => records.Add(p.ToArray())))
        {
            Assert.Single(store.RecoveryNotes);
            Assert.Contains("torn tail", store.RecoveryNotes[0], StringComparison.Ordinal);
            Assert.Equal(3, records.Count);
            await store.AppendAsync(Payload(9));
        }
        Assert.Equal(4, ReadBack(storage).Count);
    }

    [Fact]
    public async Task Damage_in_the_middle_is_reported_with_file_and_offset_and_nothing_is_cut()
    {
        var storage = new MemoryStorage();
        long secondOffset;
        using (var store = SegmentStore.Open(storage, null, null))
        {
            await store.AppendAsync(Payload(0));
            secondOffset = (await store.AppendAsync(Payload(1))).Offset;
            await store.AppendAsync(Payload(2));
        }
        long before;
        using (var f = storage.Open("00000001.seg"))
        {
            before = f.Length;
            f.Write(secondOffset + RecordHeader.Size + 10, [0xFF]);
        }
        var e = Assert.Throws<LogCorruptionException>(() => SegmentStore.Open(storage, null, null));
        Assert.Equal("sim:00000001.seg", e.File);
        Assert.Equal(secondOffset, e.Offset);
        Assert.Contains("checksum", e.Reason, StringComparison.Ordinal);
        using var g = storage.Open("00000001.seg");
        Assert.Equal(before, g.Length);
    }

    [Fact]
    public async Task Damage_in_an_earlier_segment_is_reported_even_at_its_end()
    {
        var storage = new MemoryStorage();
        var options = new SegmentStoreOptions { MaxSegmentBytes = 300 };
        using (var store = SegmentStore.Open(storage, options, null))
        {
            for (var i = 0; i < 6; i++)
                await store.AppendAsync(Payload(i));
        }
        using (var f = storage.Open("00000001.seg"))
            f.Truncate(f.Length - 5);
        var e = Assert.Throws<LogCorruptionException>(() => SegmentStore.Open(storage, options, null));
        Assert.Equal("sim:00000001.seg", e.File);
    }

    [Fact]
    public void Garbage_files_are_reported_not_repaired()
    {
        var storage = new MemoryStorage();
        using (var f = storage.Create("00000001.seg"))
            f.Write(0, new byte[64].Select((_, i) => (byte)(i * 7 + 1)).ToArray());
        using (var f = storage.Create("00000002.seg"))
        {
            var h = new byte[SegmentHeader.Size];
            new SegmentHeader(2).Format(h);
            f.Write(0, h);
        }
        var e = Assert.Throws<LogCorruptionException>(() => SegmentStore.Open(storage, null, null));
        Assert.Equal("sim:00000001.seg", e.File);
        Assert.Equal(0, e.Offset);
        Assert.Contains("magic", e.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_gap_in_segment_numbers_is_reported()
    {
        var storage = new MemoryStorage();
        using (var store = SegmentStore.Open(storage, new SegmentStoreOptions { MaxSegmentBytes = 200 }, null))
        {
            for (var i = 0; i < 6; i++)
                await store.AppendAsync(Payload(i));
        }
        storage.Delete("00000002.seg");
        var e = Assert.Throws<LogCorruptionException>(() => SegmentStore.Open(storage, null, null));
        Assert.Contains("missing", e.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_roll_that_crashed_before_its_header_was_durable_is_undone()
    {
        var storage = new MemoryStorage();
        using (var store = SegmentStore.Open(storage, null, null))
            await store.AppendAsync(Payload(1));
        using (var f = storage.Create("00000002.seg"))
            f.Write(0, new byte[7]);
        var records = new List<byte[]>();
        using (var store = SegmentStore.Open(storage, null, (_, p) => records.Add(p.ToArray())))
        {
            Assert.Single(records);
            Assert.Contains("creation did not finish", store.RecoveryNotes.Single(), StringComparison.Ordinal);
        }
        Assert.DoesNotContain("00000002.seg", storage.List());
    }

    [Fact]
    public async Task Read_only_scan_reports_a_torn_tail_instead_of_cutting_it()
    {
        var storage = new MemoryStorage();
        using (var store = SegmentStore.Open(storage, null, null))
            await store.AppendAsync(Payload(1));
        using (var f = storage.Open("00000001.seg"))
            f.Write(f.Length, new byte[5]);
        var e = Assert.Throws<LogCorruptionException>(() => SegmentStore.ScanReadOnly(storage, null, (_, _) => { }));
        Assert.Contains("torn", e.Reason, StringComparison.Ordinal);
        using var g = storage.Open("00000001.seg");
        Assert.Equal(SegmentHeader.Size + RecordHeader.Size + 100 + 5, g.Length);
    }

    [Fact]
    public async Task Simulated_crashes_never_lose_an_acknowledged_record()
    {
        var random = new Random(20261123);
        for (var round = 0; round < 200; round++)
        {
            var storage = new MemoryStorage();
            var options = new SegmentStoreOptions { MaxSegmentBytes = 700 };
            var acknowledged = new List<byte[]>();
            var store = SegmentStore.Open(storage, options, null);
            var n = random.Next(1, 30);
            var tasks = new List<(byte[] Payload, Task<RecordPosition> Done)>();
            for (var i = 0; i < n; i++)
            {
                var p = Payload(round + i, random.Next(1, 150));
                tasks.Add((p, store.AppendAsync(p).AsTask()));
            }
            // Crash part-way: only what completed before the crash counts as acknowledged.
            var stop = random.Next(0, n);
            for (var i = 0; i < stop; i++)
            {
                await tasks[i].Done;
                acknowledged.Add(tasks[i].Payload);
            }
            storage.Crash(random);
            store.Dispose();
            storage.Crash(random);

            var back = ReadBack(storage, options);
            Assert.True(back.Count >= acknowledged.Count, $"round {round}: {back.Count} records back, {acknowledged.Count} acknowledged");
            for (var i = 0; i < acknowledged.Count; i++)
                Assert.Equal(acknowledged[i], back[i]);
        }
    }

    [Fact]
    public async Task A_log_of_many_segments_keeps_few_files_open_while_reading_all_of_them()
    {
        var storage = new MemoryStorage();
        var options = new SegmentStoreOptions { MaxSegmentBytes = 200 };
        var positions = new List<RecordPosition>();
        using (var store = SegmentStore.Open(storage, options, null))
        {
            for (var i = 0; i < 400; i++)
                positions.Add(await store.AppendAsync(Payload(i)));
            Assert.True(store.SegmentCount >= 400);
            Assert.InRange(storage.OpenHandles, 1, 66);

            // Random reads from many threads across every segment.
            var random = new Random(7);
            var order = positions.Select((p, i) => (p, i)).OrderBy(_ => random.Next()).ToArray();
            await Task.WhenAll(Enumerable.Range(0, 4).Select(t => Task.Run(() =>
            {
                for (var k = t; k < order.Length; k += 4)
                    Assert.Equal(Payload(order[k].i), store.Read(order[k].p));
            })));
            Assert.InRange(storage.OpenHandles, 1, 66);
        }
        Assert.Equal(0, storage.OpenHandles);

        var back = new List<byte[]>();
        using (var store = SegmentStore.Open(storage, options, (_, p) => back.Add(p.ToArray())))
        {
            Assert.Equal(1, storage.OpenHandles);
            Assert.Equal(Payload(123), store.Read(positions[123]));
        }
        Assert.Equal(400, back.Count);
    }
}

using Datom.Log.Entries;
using Datom.Log.Identity;
using Datom.Log.Model;
using Datom.Log.Segments;
using Datom.Log.Storage;
using Datom.Log.Tables;
using Xunit;

namespace Datom.Log.Tests.Tables;

/// <summary>
/// Opening from a checkpoint reads only what follows it; a checkpoint that is missing, damaged or
/// does not match the segments is noticed and the tables are rebuilt from the segments, with the
/// same answers; recovery of the segments themselves (torn tail cut, damage reported) is unchanged.
/// </summary>
public class CheckpointRecoveryTests
{
    private static readonly LogOptions Options = new() { CheckpointEntries = 10, TableFlushRecords = 4, TableCacheBytes = 4096 };

    private static LogDatom[] Tx(int i) => [new LogDatom(new EntityId(9, (ulong)i), "test/n", Value.Long(i), true)];

    private static async Task<List<EntryHash>> AppendAsync(DatomLog log, int from, int count)
    {
        var hashes = new List<EntryHash>();
        for (var i = from; i < from + count; i++)
            hashes.Add((await log.AppendAsync(Tx(i))).Hash);
        return hashes;
    }

    private static byte[] ReadAll(MemoryStorage storage, string name)
    {
        using var f = storage.Open(name);
        var bytes = new byte[f.Length];
        f.Read(0, bytes);
        return bytes;
    }

    private static void WriteAll(MemoryStorage storage, string name, byte[] bytes)
    {
        if (storage.Exists(name))
            storage.Delete(name);
        using var f = storage.Create(name);
        f.Write(0, bytes);
        f.Sync();
        storage.SyncDirectory();
    }

    private static void FlipByte(MemoryStorage storage, string name, long offset)
    {
        using var f = storage.Open(name);
        var b = new byte[1];
        f.Read(offset, b);
        b[0] ^= 0x40;
        f.Write(offset, b);
    }

    private static void AssertSameLog(IReadOnlyList<EntryHash> expected, DatomLog log)
    {
        Assert.Equal(expected, log.HashesFrom(0, int.MaxValue));
        foreach (var h in expected)
            Assert.Equal(h, log.Get(h)!.Hash);
        Assert.Equal(expected.ToHashSet(), log.Ancestry(log.Frontier()).Keys.ToHashSet());
    }

    [Fact]
    public async Task Opening_from_a_checkpoint_reads_only_the_entries_after_it_and_appending_goes_on()
    {
        using var me = NodeIdentity.Generate();
        var storage = new MemoryStorage();
        List<EntryHash> hashes;
        using (var log = DatomLog.Open(storage, me, Options))
            hashes = await AppendAsync(log, 0, 25);
        Assert.True(storage.Exists("entries.tbl"));
        using (var log = DatomLog.Open(storage, me, Options))
        {
            Assert.Contains(log.OpenNotes, n => n.StartsWith("opened from checkpoint", StringComparison.Ordinal) && n.Contains("(25 entries; 0 read", StringComparison.Ordinal));
            AssertSameLog(hashes, log);
            var next = await log.AppendAsync(Tx(99));
            Assert.Equal(26UL, next.Seq);
            Assert.Equal([hashes[^1]], next.Parents);
            hashes.Add(next.Hash);
        }
        using (var log = DatomLog.Open(storage, me, Options))
            AssertSameLog(hashes, log);
    }

    [Fact]
    public async Task Entries_written_after_the_checkpoint_are_read_from_the_segments()
    {
        using var me = NodeIdentity.Generate();
        var storage = new MemoryStorage();
        List<EntryHash> hashes;
        byte[] checkpoint0, checkpoint1;
        using (var log = DatomLog.Open(storage, me, Options))
            hashes = await AppendAsync(log, 0, 12);
        checkpoint0 = ReadAll(storage, "checkpoint.0");
        checkpoint1 = ReadAll(storage, "checkpoint.1");
        using (var log = DatomLog.Open(storage, me, Options))
            hashes.AddRange(await AppendAsync(log, 12, 8)); // fewer than CheckpointEntries: no new checkpoint while running
        // Put the older checkpoints back, as if the process died before it could write another.
        WriteAll(storage, "checkpoint.0", checkpoint0);
        WriteAll(storage, "checkpoint.1", checkpoint1);
        using (var log = DatomLog.Open(storage, me, Options))
        {
            Assert.Contains(log.OpenNotes, n => n.Contains("(12 entries; 8 read from the segments;", StringComparison.Ordinal));
            AssertSameLog(hashes, log);
        }
    }

    [Fact]
    public async Task A_missing_checkpoint_rebuilds_the_tables()
    {
        using var me = NodeIdentity.Generate();
        var storage = new MemoryStorage();
        List<EntryHash> hashes;
        using (var log = DatomLog.Open(storage, me, Options))
            hashes = await AppendAsync(log, 0, 30);
        Checkpoint.DeleteAll(storage);
        using (var log = DatomLog.Open(storage, me, Options))
        {
            Assert.Contains(log.OpenNotes, n => n.Contains("no valid checkpoint", StringComparison.Ordinal));
            AssertSameLog(hashes, log);
        }
        // The rebuild wrote a new checkpoint, which the next open uses.
        using (var log = DatomLog.Open(storage, me, Options))
        {
            Assert.Contains(log.OpenNotes, n => n.StartsWith("opened from checkpoint", StringComparison.Ordinal));
            AssertSameLog(hashes, log);
        }
    }

    [Fact]
    public async Task A_damaged_checkpoint_slot_falls_back_to_the_other_and_two_damaged_rebuild()
    {
        using var me = NodeIdentity.Generate();
        var storage = new MemoryStorage();
        List<EntryHash> hashes;
        using (var log = DatomLog.Open(storage, me, Options))
            hashes = await AppendAsync(log, 0, 35);
        var newest = Checkpoint.ReadNewest(storage, [])!;
        FlipByte(storage, Checkpoint.SlotNames[newest.Generation % 2], 30);
        using (var log = DatomLog.Open(storage, me, Options))
        {
            Assert.Contains(log.OpenNotes, n => n.Contains("ignored", StringComparison.Ordinal));
            Assert.Contains(log.OpenNotes, n => n.StartsWith($"opened from checkpoint {newest.Generation - 1}", StringComparison.Ordinal));
            AssertSameLog(hashes, log);
        }
        foreach (var slot in Checkpoint.SlotNames)
            FlipByte(storage, slot, Checkpoint.Size + 2);
        using (var log = DatomLog.Open(storage, me, Options))
        {
            Assert.DoesNotContain(log.OpenNotes, n => n.StartsWith("opened from checkpoint", StringComparison.Ordinal));
            AssertSameLog(hashes, log);
        }
    }

    [Theory]
    [InlineData("keys.tbl")]
    [InlineData("parents.tbl")]
    [InlineData("authors.tbl")]
    public async Task A_damaged_table_read_whole_on_open_is_noticed_and_rebuilt(string table)
    {
        using var me = NodeIdentity.Generate();
        using var bob = NodeIdentity.Generate();
        var storage = new MemoryStorage();
        var hashes = new List<EntryHash>();
        using (var log = DatomLog.Open(storage, me, Options))
        {
            var b1 = Entry.Create(bob, 1, new EntityId(4, 1), new HlcTimestamp(1 << 16), [], Tx(0));
            await log.IngestAsync(b1);
            hashes.Add(b1.Hash);
            hashes.AddRange(await AppendAsync(log, 1, 20));
        }
        FlipByte(storage, table, TableHeader.Size + 5);
        using var reopened = DatomLog.Open(storage, me, Options);
        Assert.Contains(reopened.OpenNotes, n => n.Contains("not used", StringComparison.Ordinal) && n.Contains(table, StringComparison.Ordinal));
        AssertSameLog(hashes, reopened);
    }

    [Fact]
    public async Task A_damaged_entry_record_is_reported_when_read_and_never_answers_wrong()
    {
        using var me = NodeIdentity.Generate();
        var storage = new MemoryStorage();
        List<EntryHash> hashes;
        using (var log = DatomLog.Open(storage, me, Options))
            hashes = await AppendAsync(log, 0, 20);
        FlipByte(storage, "entries.tbl", TableHeader.Size + (3 * EntryRecord.Size) + 50);
        using (var log = DatomLog.Open(storage, me, Options))
        {
            var e = Assert.Throws<LogCorruptionException>(() => log.HashesFrom(0, 10));
            Assert.EndsWith("entries.tbl", e.File, StringComparison.Ordinal);
            Assert.Contains("checkpoint.*", e.Reason, StringComparison.Ordinal);
        }
        Checkpoint.DeleteAll(storage);
        using (var log = DatomLog.Open(storage, me, Options))
            AssertSameLog(hashes, log);
    }

    [Fact]
    public async Task A_checkpoint_of_other_segments_is_stale_and_not_used()
    {
        using var me = NodeIdentity.Generate();
        var a = new MemoryStorage();
        var b = new MemoryStorage();
        using (var log = DatomLog.Open(a, me, Options))
            await AppendAsync(log, 0, 20);
        List<EntryHash> bHashes;
        using (var log = DatomLog.Open(b, me, Options))
            bHashes = await AppendAsync(log, 100, 20);
        // b's segments with a's tables and checkpoints: every count and checksum agrees with itself.
        foreach (var name in a.List().Where(n => !n.EndsWith(".seg", StringComparison.Ordinal)))
            WriteAll(b, name, ReadAll(a, name));
        using var reopened = DatomLog.Open(b, me, Options);
        Assert.Contains(reopened.OpenNotes, n => n.Contains("not used", StringComparison.Ordinal));
        AssertSameLog(bHashes, reopened);
    }

    [Fact]
    public async Task Segments_cut_below_the_checkpoint_make_it_stale_and_the_torn_tail_is_still_cut()
    {
        using var me = NodeIdentity.Generate();
        var storage = new MemoryStorage();
        List<EntryHash> hashes;
        using (var log = DatomLog.Open(storage, me, Options))
            hashes = await AppendAsync(log, 0, 20);
        // Lose the last few records and tear the one before (what a power cut does to unsynced data
        // under FsyncPolicy.Never): the checkpoint names entries that are gone.
        var segment = storage.List().Last(n => n.EndsWith(".seg", StringComparison.Ordinal));
        long cut;
        using (var log = DatomLog.Open(storage, me, Options))
            cut = log.PositionOf(hashes[15])!.Value.Offset + 5;
        using (var f = storage.Open(segment))
            f.Truncate(cut);
        using var reopened = DatomLog.Open(storage, me, Options);
        Assert.Contains(reopened.OpenNotes, n => n.Contains("not used", StringComparison.Ordinal));
        Assert.Contains(reopened.Store.RecoveryNotes, n => n.Contains("torn tail", StringComparison.Ordinal));
        AssertSameLog(hashes.Take(15).ToList(), reopened);
    }

    [Fact]
    public async Task A_torn_tail_after_the_checkpoint_is_cut_and_mid_segment_damage_after_it_is_reported()
    {
        using var me = NodeIdentity.Generate();
        var storage = new MemoryStorage();
        List<EntryHash> hashes;
        using (var log = DatomLog.Open(storage, me, Options))
            hashes = await AppendAsync(log, 0, 12);
        var checkpoint0 = ReadAll(storage, "checkpoint.0");
        var checkpoint1 = ReadAll(storage, "checkpoint.1");
        using (var log = DatomLog.Open(storage, me, Options))
            hashes.AddRange(await AppendAsync(log, 12, 6));
        WriteAll(storage, "checkpoint.0", checkpoint0);
        WriteAll(storage, "checkpoint.1", checkpoint1);
        var segment = storage.List().Last(n => n.EndsWith(".seg", StringComparison.Ordinal));
        var copy = ReadAll(storage, segment);

        // A torn tail: half a record of garbage at the end.
        using (var f = storage.Open(segment))
            f.Write(f.Length, new byte[] { 40, 0, 0, 0, 1, 2, 3, 4, 5 });
        using (var log = DatomLog.Open(storage, me, Options))
        {
            Assert.Contains(log.OpenNotes, n => n.StartsWith("opened from checkpoint", StringComparison.Ordinal));
            Assert.Contains(log.Store.RecoveryNotes, n => n.Contains("torn tail", StringComparison.Ordinal));
            AssertSameLog(hashes, log);
        }

        // Damage in a record after the checkpoint with whole records after it: reported, nothing cut.
        WriteAll(storage, segment, copy);
        WriteAll(storage, "checkpoint.0", checkpoint0);
        WriteAll(storage, "checkpoint.1", checkpoint1);
        long offset;
        using (var log = DatomLog.Open(storage, me, Options))
            offset = log.PositionOf(hashes[14])!.Value.Offset;
        WriteAll(storage, "checkpoint.0", checkpoint0);
        WriteAll(storage, "checkpoint.1", checkpoint1);
        FlipByte(storage, segment, offset + RecordHeader.Size + 3);
        var e = Assert.Throws<LogCorruptionException>(() => DatomLog.Open(storage, me, Options));
        Assert.Equal(offset, e.Offset);
        Assert.Equal(copy.Length, ReadAll(storage, segment).Length);
    }
}

using Datom.Log.Identity;
using Datom.Log.Model;
using Datom.Log.Segments;
using Datom.Log.Storage;
using Xunit;

namespace Datom.Log.Tests.Tables;

/// <summary>
/// Power cuts while the log writes entries, tables and checkpoints (small segments, a checkpoint every
/// few entries): after each crash every acknowledged entry is back, in order, and the log answers and
/// appends as before, whichever checkpoint (or none) survived.
/// </summary>
public class CheckpointCrashTests
{
    private static readonly LogOptions Options = new()
    {
        CheckpointEntries = 4,
        TableFlushRecords = 2,
        TableCacheBytes = 1024,
        Segments = new SegmentStoreOptions { MaxSegmentBytes = 2048 },
    };

    private static LogDatom[] Tx(int i) => [new LogDatom(new EntityId(9, (ulong)i), "test/n", Value.Long(i), true)];

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Every_acknowledged_entry_survives_crashes_around_checkpoints(int seed)
    {
        var random = new Random(seed);
        using var me = NodeIdentity.Generate();
        var storage = new MemoryStorage();
        var acknowledged = new List<EntryHash>();
        var next = 0;
        for (var round = 0; round < 25; round++)
        {
            var log = DatomLog.Open(storage, me, Options);
            var held = log.HashesFrom(0, int.MaxValue);
            Assert.True(held.Count >= acknowledged.Count, $"round {round}: {held.Count} entries back, {acknowledged.Count} acknowledged");
            Assert.Equal(acknowledged, held.Take(acknowledged.Count));
            Assert.Equal(held.ToHashSet(), log.Ancestry(log.Frontier()).Keys.ToHashSet());
            Assert.Empty(log.OutsideAncestry(log.Frontier()));
            acknowledged = [.. held];

            storage.CutPowerAfter(random.Next(0, 60));
            try
            {
                for (var i = random.Next(1, 12); i > 0; i--)
                {
                    var entry = await log.AppendAsync(Tx(next++));
                    Assert.Equal((ulong)acknowledged.Count + 1, entry.Seq);
                    acknowledged.Add(entry.Hash);
                }
            }
            catch (Exception e) when (e is IOException or LogFailedException)
            {
                // The power went: what was acknowledged before must come back.
            }
            storage.Crash(random);
            log.Dispose();
            storage.Crash(random);
        }
    }
}

using Datom.Log.Model;
using Datom.Log.Storage;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace Datom.Log.Tests.Tables;

/// <summary>
/// The on-disk tables answer every question the log's in-memory tables used to, as a plain model
/// computed from the entries answers it: after ingesting a random history of four authors (forks and
/// causal links included), after reopening from a checkpoint, and after a rebuild without one.
/// </summary>
public class TableModelTests
{
    /// <summary>Checkpoints, flushes and cache evictions on nearly every step.</summary>
    internal static readonly LogOptions OnDisk = new() { CheckpointEntries = 5, TableFlushRecords = 3, TableCacheBytes = 512 };

    [Property(MaxTest = 25)]
    public Property On_disk_tables_answer_as_the_model() => Prop.ForAll(Generators.HistoryShape().ToArbitrary(), shape =>
    {
        using var history = HistoryBuilder.From(shape);
        var storage = new MemoryStorage();
        using (var log = DatomLog.Open(storage, null, OnDisk))
        {
            foreach (var e in history.Entries)
                log.IngestAsync(e).GetAwaiter().GetResult();
            AssertAgrees(history, log);
        }
        using (var reopened = DatomLog.Open(storage, null, OnDisk))
        {
            if (history.Entries.Count >= OnDisk.CheckpointEntries)
                Assert.Contains(reopened.OpenNotes, n => n.StartsWith("opened from checkpoint", StringComparison.Ordinal));
            AssertAgrees(history, reopened);
        }
        global::Datom.Log.Tables.Checkpoint.DeleteAll(storage);
        using (var rebuilt = DatomLog.Open(storage, null, OnDisk))
            AssertAgrees(history, rebuilt);
    });

    internal static void AssertAgrees(HistoryBuilder history, DatomLog log)
    {
        var entries = history.Entries;
        Assert.Equal(entries.Count, log.Count);
        Assert.Equal(entries.Count, log.DurableCount);
        Assert.Equal(entries.Select(e => e.Hash), log.HashesFrom(0, int.MaxValue));
        Assert.Equal(entries.Skip(3).Take(7).Select(e => e.Hash), log.HashesFrom(3, 7));
        var order = new List<(EntryHash Hash, Identity.NodeId Author, ulong Seq)>();
        Assert.Equal(Math.Max(0, entries.Count - 2), log.CopyStoreOrder(2, int.MaxValue / 2, order));
        Assert.Equal(entries.Skip(2).Select(e => (e.Hash, e.Author, e.Seq)), order);

        foreach (var e in entries)
        {
            Assert.True(log.Contains(e.Hash));
            Assert.Equal(e.Encoded.ToArray(), log.Get(e.Hash)!.Encoded.ToArray());
            Assert.True(log.TryGetLinks(e.Hash, out var links));
            Assert.Equal(e.Author, links.Author);
            Assert.Equal(e.Seq, links.Seq);
            Assert.True(links.Durable);
            var byHash = history.ByHash();
            Assert.Equal(e.Parents.Where(p => byHash[p].Author == e.Author).Order(), links.OwnParents.Order());
            var atSeq = new List<EntryHash>();
            log.EntriesAtSeq(e.Author, e.Seq, atSeq);
            Assert.Equal(entries.Where(x => x.Author == e.Author && x.Seq == e.Seq).Select(x => x.Hash), atSeq);
        }
        Assert.False(log.Contains(EntryHash.Compute([1, 2, 3])));

        foreach (var a in history.Authors)
        {
            var mine = entries.Where(e => e.Author == a.Id).ToList();
            var summary = log.Authors().SingleOrDefault(s => s.Author == a.Id);
            if (mine.Count == 0)
            {
                Assert.Null(summary);
                continue;
            }
            Assert.NotNull(summary);
            Assert.Equal(mine.Count, summary.Entries);
            Assert.Equal(mine.Max(e => e.Seq), summary.MaxSeq);
            Assert.Equal(history.HeadsOf(a.Id), summary.Heads.ToHashSet());
            Assert.Equal(history.Forks().Any(f => f.Author == a.Id), log.IsForked(a.Id));
        }
        Assert.Equal(history.Forks(), log.Forks().Select(f => (f.Author, f.Seq, f.First.Hash, f.Second.Hash)));

        // Ancestry from every frontier and from single entries spread over the history.
        Assert.Equal(entries.Select(e => e.Hash).ToHashSet(), log.Ancestry(log.Frontier()).Keys.ToHashSet());
        Assert.Empty(log.OutsideAncestry(log.Frontier()));
        for (var i = 0; i < entries.Count; i += 7)
        {
            var heads = new[] { entries[i].Hash, entries[entries.Count - 1 - (i / 2)].Hash };
            var expected = history.Ancestry(heads);
            var actual = log.Ancestry(heads);
            Assert.Equal(expected, actual.Keys.ToHashSet());
            foreach (var (hash, tx) in actual)
                Assert.Equal(history.ByHash()[hash].Tx, tx);
            // The complement, as a view as of that frontier filters: every other entry's transaction.
            Assert.Equal(entries.Where(e => !expected.Contains(e.Hash)).Select(e => e.Tx).ToHashSet(), log.OutsideAncestry(heads).ToHashSet());
        }
    }

    [Fact]
    public async Task The_cached_answer_as_of_a_frontier_follows_new_entries()
    {
        using var me = Identity.NodeIdentity.Generate();
        using var log = DatomLog.Open(new MemoryStorage(), me, OnDisk);
        var first = await log.AppendAsync([new LogDatom(new EntityId(9, 1), "test/n", Value.Long(1), true)]);
        var second = await log.AppendAsync([new LogDatom(new EntityId(9, 2), "test/n", Value.Long(2), true)]);
        Assert.Equal([second.Tx], log.OutsideAncestry([first.Hash]));
        // The same frontier written another way (repeated heads) is the same frontier.
        Assert.Same(log.OutsideAncestry([first.Hash]), log.OutsideAncestry([first.Hash, first.Hash]));
        var third = await log.AppendAsync([new LogDatom(new EntityId(9, 3), "test/n", Value.Long(3), true)]);
        Assert.Equal(new HashSet<EntityId> { second.Tx, third.Tx }, log.OutsideAncestry([first.Hash]).ToHashSet());
        Assert.Equal([third.Tx], log.OutsideAncestry([second.Hash]));
        Assert.Throws<KeyNotFoundException>(() => log.OutsideAncestry([EntryHash.Compute([7])]));
    }
}

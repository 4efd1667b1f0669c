using Datom.Index.Storage;
using Datom.Log;
using Datom.Log.Edn;
using Datom.Log.Entries;
using Datom.Log.Identity;
using Datom.Log.Storage;
using FsCheck.Xunit;
using Xunit;

namespace Datom.Index.Tests.Merge;

public class ConvergenceTests
{
    private static readonly IndexStoreOptions Small = new() { FlushBytes = 4096, MaxFileRuns = 3, MaxMemoryRuns = 3 };

    /// <summary>A node that receives <paramref name="entries"/> in this order; returns its log and DaoDB.</summary>
    private static (DatomLog Log, DaoDb Db, MemoryStorage IndexDisk) Receive(IEnumerable<Entry> entries)
    {
        var log = DatomLog.Open(new MemoryStorage(), NodeIdentity.Generate());
        var disk = new MemoryStorage();
        var db = DaoDb.Open(disk, log, Small);
        foreach (var e in entries)
            log.IngestAsync(e).GetAwaiter().GetResult();
        db.WaitForAsync(log.DurableCount).GetAwaiter().GetResult();
        return (log, db, disk);
    }

    /// <summary>Everything a query could see: all live datoms (with cardinality-one winners) and all conflicts.</summary>
    private static List<string> Answers(DaoDb db)
    {
        var view = db.Current();
        var answers = view.Match(null, null, null)
            .Where(d => d.A.Namespace != "tx")
            .Select(d => $"{d.E} {d.A} {d.V} {d.Tx}").Order(StringComparer.Ordinal).ToList();
        foreach (var e in Enumerable.Range(0, RandomHistory.Entities).Select(i => new Log.Model.EntityId(0xE, (ulong)i)))
        {
            var conflicts = view.Conflicts(e, Keyword.Parse("t/one")).Select(d => $"conflict {d.E} {d.V} {d.Tx}").Order(StringComparer.Ordinal);
            answers.AddRange(conflicts);
            answers.AddRange(view.Match(e, Keyword.Parse("t/many"), null).Select(d => $"many {d.E} {d.V}").Order(StringComparer.Ordinal));
            answers.AddRange(view.Match(e, null, null).Select(d => $"entity {e} {d.E} {d.A} {d.V}").Order(StringComparer.Ordinal));
            // Refs to any entity of a merged class are refs to its canonical entity.
            answers.AddRange(view.Match(null, Keyword.Parse("t/ref"), Log.Model.Value.Ref(e)).Select(d => $"vaet {e} {d.E} {d.V}").Order(StringComparer.Ordinal));
            answers.AddRange(view.Match(null, null, Log.Model.Value.Ref(e)).Select(d => $"vaet* {e} {d.E} {d.A}").Order(StringComparer.Ordinal));
        }
        answers.AddRange(view.Match(null, Keyword.Parse("t/one"), Log.Model.Value.Long(1)).Select(d => $"avet {d.E}").Order(StringComparer.Ordinal));
        for (var v = 0; v < 3; v++)
        {
            // A unique value names at most one entity: lookup refs and upserts resolve through this.
            var key = view.Match(null, Keyword.Parse("t/key"), Log.Model.Value.Long(v)).Select(d => d.E).ToList();
            Assert.True(key.Count <= 1, $"t/key {v} names {key.Count} entities");
            answers.AddRange(key.Select(e => $"key {v} {e}"));
            var uval = view.Match(null, Keyword.Parse("t/uval"), Log.Model.Value.Long(v)).Select(d => d.E).ToList();
            Assert.True(uval.Count <= 1, $"t/uval {v} is held by {uval.Count} entities");
            answers.AddRange(uval.Select(e => $"uval {v} {e}"));
        }
        // The collisions, as the conflicts view shows them.
        answers.AddRange(db.Conflicts().Match(null, null, null).Select(d => $"conflicts-view {d.E} {d.A} {d.V} {d.Tx}").Order(StringComparer.Ordinal));
        return answers;
    }

    [Property(Arbitrary = [typeof(Seeds)], MaxTest = 25)]
    public void Every_arrival_order_gives_the_same_answers(int seed)
    {
        var history = RandomHistory.Generate(seed);
        var random = new Random(seed);
        List<string>? expected = null;
        for (var trial = 0; trial < 4; trial++)
        {
            var order = history.OrderBy(_ => random.Next()).ToList();
            var (log, db, _) = Receive(order);
            using (log)
            using (db)
            {
                Assert.Equal(history.Count, log.Count);
                var answers = Answers(db);
                if (expected is null)
                    expected = answers;
                else
                    Assert.Equal(expected, answers);
            }
        }
    }

    [Property(Arbitrary = [typeof(Seeds)], MaxTest = 15)]
    public void The_incremental_index_equals_a_rebuild(int seed)
    {
        var history = RandomHistory.Generate(seed, steps: 60);
        var (log, db, disk) = Receive(history.OrderBy(h => h.Hash));
        using (log)
        {
            db.Dispose();
            var rebuilt = new MemoryStorage();
            DaoDb.Rebuild(rebuilt, log, null, Small);
            using (var a = IndexStore.Open(disk))
            using (var b = IndexStore.Open(rebuilt))
            {
                Assert.Equal(a.AppliedEntries, b.AppliedEntries);
                foreach (var order in Enum.GetValues<IndexOrder>())
                    Assert.Equal(Keys(a, order), Keys(b, order));
                // The unique-value candidates kept in the manifest are those a scan of the index finds.
                Assert.Equal(Candidates(UniqueCandidates.All(a.Snapshot().State), a), Candidates(a.Snapshot().UniqueCandidates, a));
                Assert.Equal(Candidates(a.Snapshot().UniqueCandidates, a), Candidates(b.Snapshot().UniqueCandidates, b));
            }
            // And every answer, unique-value merges included, is the same from the rebuilt index as
            // from the incremental one reopened (whose unique-value candidates are found on open).
            using var incremental = DaoDb.Open(disk, log, Small);
            using var fromRebuild = DaoDb.Open(rebuilt, log, Small);
            Assert.Equal(Answers(incremental), Answers(fromRebuild));
        }
    }

    /// <summary>Unique-value candidates with attribute ids replaced by names (ids are local to each store), sorted.</summary>
    private static List<string> Candidates(System.Collections.Immutable.ImmutableHashSet<(uint Attr, Log.Model.Value V)> set, IndexStore store) =>
        [.. set.Select(c => $"{store.Snapshot().Attributes.Name(c.Attr)} {c.V}").Order(StringComparer.Ordinal)];

    /// <summary>All keys of an order, with attribute ids replaced by names (ids are local to each store).</summary>
    private static List<string> Keys(IndexStore store, IndexOrder order)
    {
        var snapshot = store.Snapshot();
        var keys = new List<string>();
        using var scan = snapshot.Scan(order, []);
        while (scan.MoveNext())
        {
            var op = KeyCodec.Decode(order, scan.Current);
            keys.Add($"{op.E} {snapshot.Attributes.Name(op.A)} {op.V} {op.Time.Value} {op.Tx} {op.Added}");
        }
        keys.Sort(StringComparer.Ordinal);
        return keys;
    }

    [Fact]
    public async Task A_retraction_concurrent_with_a_later_assertion_loses_and_an_earlier_one_wins()
    {
        using var alice = NodeIdentity.Generate();
        using var bob = NodeIdentity.Generate();
        var e = new Log.Model.EntityId(0xE, 1);
        var aLog = DatomLog.Open(new MemoryStorage(), alice);
        var first = await aLog.AppendAsync([new Log.Model.LogDatom(e, "t/many", Log.Model.Value.Long(1), true)]);
        var bLog = DatomLog.Open(new MemoryStorage(), bob);
        await bLog.IngestAsync(first);
        // Concurrently: Bob retracts the value, Alice (later by the clock) asserts it again.
        var retract = await bLog.AppendAsync([new Log.Model.LogDatom(e, "t/many", Log.Model.Value.Long(1), false)]);
        await Task.Delay(5);
        var reassert = await aLog.AppendAsync([new Log.Model.LogDatom(e, "t/many", Log.Model.Value.Long(1), true)]);
        Assert.True(reassert.Time > retract.Time);

        var (log, db, _) = Receive([first, retract, reassert]);
        using (log)
        using (db)
            Assert.Single(db.Current().Match(e, Keyword.Parse("t/many"), null));

        // Without the later assertion, the retraction wins.
        var (log2, db2, _) = Receive([first, retract]);
        using (log2)
        using (db2)
            Assert.Empty(db2.Current().Match(e, Keyword.Parse("t/many"), null));
        aLog.Dispose();
        bLog.Dispose();
    }

    [Fact]
    public void The_generated_histories_do_contain_forks_retractions_and_conflicts()
    {
        int forks = 0, conflicts = 0, retractions = 0, forkFacts = 0, merged = 0, uniqueValueClashes = 0;
        for (var seed = 1; seed <= 12; seed++)
        {
            var history = RandomHistory.Generate(seed);
            var (log, db, _) = Receive(history);
            using (log)
            using (db)
            {
                forks += log.Forks().Count;
                forkFacts += db.Current().Match(null, Keyword.Parse("fork/seq"), null).Count();
                Assert.Equal(log.Forks().Count, db.Current().Match(null, Keyword.Parse("fork/seq"), null).Count());
                retractions += history.Sum(h => h.Datoms.Count(d => !d.Added));
                var view = db.Current();
                // Entities merged through a unique value are one entity: count each class once.
                var contested = Enumerable.Range(0, RandomHistory.Entities).Select(i => view.Canonical(new Log.Model.EntityId(0xE, (ulong)i))).Distinct()
                    .Count(e => view.Conflicts(e, Keyword.Parse("t/one")).Count > 1);
                merged += view.UniqueCollisions().Count(d => d.A.Name == "key");
                uniqueValueClashes += view.UniqueCollisions().Count(d => d.A.Name == "uval");
                conflicts += contested;
                // The conflicts view, a query source, shows exactly the contested [e a] pairs.
                Assert.Equal(contested, db.Conflicts().Match(null, Keyword.Parse("t/one"), null).Select(d => d.E).Distinct().Count());
                Assert.True(db.Conflicts().Match(null, Keyword.Parse("t/one"), null).Count() >= 2 * contested);
                Assert.Empty(db.Conflicts().Match(null, Keyword.Parse("t/many"), null));
            }
        }
        Assert.True(forks > 0, "no fork in any history");
        Assert.True(forkFacts > 0, "no fork recorded as facts");
        Assert.True(retractions > 0, "no retraction in any history");
        Assert.True(conflicts > 0, "no cardinality-one conflict in any history");
        Assert.True(merged > 0, "no entities merged through a unique identity value in any history");
        Assert.True(uniqueValueClashes > 0, "no unique value held by two entities in any history");
    }
}

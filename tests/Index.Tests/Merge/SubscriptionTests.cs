using Datom.Index.Query;
using Datom.Index.Views;
using Datom.Log;
using Datom.Log.Edn;
using Datom.Log.Identity;
using Datom.Log.Storage;
using FsCheck.Xunit;
using Xunit;

namespace Datom.Index.Tests.Merge;

public class SubscriptionTests
{
    private static readonly Keyword One = Keyword.Parse("t/one");
    private static readonly Keyword Many = Keyword.Parse("t/many");

    /// <summary>The subscribed query: every live [e :t/one v] and [e :t/many v].</summary>
    private static IEnumerable<IReadOnlyList<object?>> Evaluate(IDatomView view) =>
        view.Match(null, One, null).Concat(view.Match(null, Many, null))
            .Select(d => (IReadOnlyList<object?>)[d.E, d.A.ToString(), d.V.AsLong]);

    [Property(Arbitrary = [typeof(Seeds)], MaxTest = 20)]
    public void No_change_is_missed_or_reported_twice(int seed)
    {
        var history = RandomHistory.Generate(seed, steps: 30);
        var random = new Random(seed);
        using var log = DatomLog.Open(new MemoryStorage(), NodeIdentity.Generate());
        using var db = DaoDb.Open(new MemoryStorage(), log);
        var changes = new List<SubscriptionChange>();
        using (db.Subscriptions.Subscribe(Evaluate, new HashSet<string> { "t/one", "t/many" }, c => { lock (changes) changes.Add(c); }))
        {
            foreach (var e in history.OrderBy(_ => random.Next()))
            {
                log.IngestAsync(e).GetAwaiter().GetResult();
                if (random.Next(3) == 0)
                    db.WaitForAsync(log.DurableCount).GetAwaiter().GetResult();
            }
            db.WaitForAsync(log.DurableCount).GetAwaiter().GetResult();
        }

        // Folding every change from the empty result gives the final result.
        var folded = new HashSet<IReadOnlyList<object?>>(RowComparer.Instance);
        foreach (var c in changes)
        {
            foreach (var r in c.Removed)
                Assert.True(folded.Remove(r), $"seed {seed}: removed a tuple that was not there");
            foreach (var a in c.Added)
                Assert.True(folded.Add(a), $"seed {seed}: added a tuple that was already there");
        }
        var final = new HashSet<IReadOnlyList<object?>>(Evaluate(db.Current()), RowComparer.Instance);
        Assert.True(final.SetEquals(folded), $"seed {seed}: folded changes differ from the final result");

        // And each entry's change is exactly the difference it makes, in store order.
        var order = log.EntriesFrom(0, int.MaxValue);
        var snapshot = db.Store.Snapshot();
        var byHash = changes.ToDictionary(c => c.Hash);
        for (var k = 0; k < order.Count; k++)
        {
            var hiddenBefore = order.Skip(k).Select(e => e.Tx).ToHashSet();
            var hiddenAfter = order.Skip(k + 1).Select(e => e.Tx).ToHashSet();
            var before = new HashSet<IReadOnlyList<object?>>(Evaluate(new CurrentView(snapshot, op => !hiddenBefore.Contains(op.Tx))), RowComparer.Instance);
            var after = new HashSet<IReadOnlyList<object?>>(Evaluate(new CurrentView(snapshot, op => !hiddenAfter.Contains(op.Tx))), RowComparer.Instance);
            var changed = !before.SetEquals(after);
            Assert.Equal(changed, byHash.ContainsKey(order[k].Hash));
            if (changed)
            {
                var c = byHash[order[k].Hash];
                Assert.True(after.Except(before, RowComparer.Instance).ToHashSet(RowComparer.Instance).SetEquals(c.Added));
                Assert.True(before.Except(after, RowComparer.Instance).ToHashSet(RowComparer.Instance).SetEquals(c.Removed));
                Assert.Equal(order[k].Author.ToString(), c.Author);
            }
        }
    }
}

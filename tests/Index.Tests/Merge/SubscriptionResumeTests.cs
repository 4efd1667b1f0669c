using Datom.Index.Query;
using Datom.Index.Views;
using Datom.Log;
using Datom.Log.Edn;
using Datom.Log.Entries;
using Datom.Log.Identity;
using Datom.Log.Model;
using Datom.Log.Storage;
using FsCheck.Xunit;
using Xunit;

namespace Datom.Index.Tests.Merge;

/// <summary>
/// Subscribing from a frontier (what <c>datom subscribe --from</c> and a resuming subscriber do),
/// the frontier each change carries, the pre-filter's derived and schema attributes, subscribers
/// that fail, and branch names.
/// </summary>
public class SubscriptionResumeTests
{
    private static readonly Keyword One = Keyword.Parse("t/one");
    private static readonly Keyword Many = Keyword.Parse("t/many");
    private static readonly HashSet<string> Attributes = ["t/one", "t/many"];

    private static IEnumerable<IReadOnlyList<object?>> Evaluate(IDatomView view) =>
        view.Match(null, One, null).Concat(view.Match(null, Many, null))
            .Select(d => (IReadOnlyList<object?>)[d.E, d.A.ToString(), d.V.AsLong]);

    private static HashSet<IReadOnlyList<object?>> Rows(IEnumerable<IReadOnlyList<object?>> rows) => new(rows, RowComparer.Instance);

    /// <summary>A history from a seed with the full range of a GUID's bits (FsCheck's int stays near zero).</summary>
    private static (DatomLog Log, DaoDb Db, List<Entry> History, Random Random) Open(Guid seed)
    {
        var s = seed.GetHashCode();
        var history = RandomHistory.Generate(s, steps: 30);
        var random = new Random(s);
        var log = DatomLog.Open(new MemoryStorage(), NodeIdentity.Generate());
        var db = DaoDb.Open(new MemoryStorage(), log);
        foreach (var e in history.OrderBy(_ => random.Next()))
            log.IngestAsync(e).GetAwaiter().GetResult();
        db.WaitForAsync(log.DurableCount).GetAwaiter().GetResult();
        return (log, db, history, random);
    }

    [Property(MaxTest = 25)]
    public void Resuming_from_any_frontier_starts_at_its_result_and_reports_every_change_since(Guid seed)
    {
        var (log, db, _, random) = Open(seed);
        using (log)
        using (db)
        {
            var k = random.Next(log.DurableCount + 1);
            var from = log.FrontierOf(k);
            SubscriptionStart? start = null;
            var changes = new List<SubscriptionChange>();
            using (db.Subscribe(Evaluate, Attributes, from, s => start = s, changes.Add))
            {
            }
            Assert.NotNull(start);
            Assert.Equal(from.Order(), start.Frontier);
            var folded = Rows(start.Result);
            Assert.True(folded.SetEquals(Evaluate(db.AsOf(from))), $"seed {seed}: the start is not the result at the frontier");
            var seen = log.Ancestry(from).Keys.ToHashSet();
            foreach (var c in changes)
            {
                Assert.True(seen.Add(c.Hash), $"seed {seed}: {c.Hash} reported though the frontier or an earlier change covers it");
                foreach (var r in c.Removed)
                    Assert.True(folded.Remove(r), $"seed {seed}: removed a tuple that was not there");
                foreach (var a in c.Added)
                    Assert.True(folded.Add(a), $"seed {seed}: added a tuple that was already there");
                // Each change's frontier stands for exactly what has been reported so far.
                Assert.True(folded.SetEquals(Evaluate(db.AsOf(c.Frontier))), $"seed {seed}: the result at a change's frontier is not the folded result");
            }
            Assert.True(folded.SetEquals(Evaluate(db.Current())), $"seed {seed}: resuming and folding does not reach the current result");
        }
    }

    [Property(MaxTest = 15)]
    public void A_subscriber_that_resumes_from_its_last_frontier_misses_nothing_and_sees_nothing_twice(Guid seed)
    {
        var s = seed.GetHashCode();
        var history = RandomHistory.Generate(s, steps: 30);
        var random = new Random(s);
        using var log = DatomLog.Open(new MemoryStorage(), NodeIdentity.Generate());
        using var db = DaoDb.Open(new MemoryStorage(), log);
        var folded = Rows([]);
        IReadOnlyList<EntryHash> last = [];
        void Apply(SubscriptionChange c)
        {
            foreach (var r in c.Removed)
                Assert.True(folded.Remove(r), $"seed {seed}: removed a tuple that was not there");
            foreach (var a in c.Added)
                Assert.True(folded.Add(a), $"seed {seed}: added a tuple that was already there");
            last = c.Frontier;
        }
        IDisposable Subscribe(IReadOnlyList<EntryHash>? from) => db.Subscribe(Evaluate, Attributes, from, start =>
        {
            if (from is null)
                folded = Rows(start.Result);
            last = start.Frontier;
        }, Apply);

        // Subscribed, cut off, entries arrive, resumed from the last frontier seen: several times.
        var subscription = Subscribe(null);
        var order = history.OrderBy(_ => random.Next()).ToList();
        for (var i = 0; i < order.Count; i++)
        {
            log.IngestAsync(order[i]).GetAwaiter().GetResult();
            if (random.Next(6) == 0)
            {
                db.WaitForAsync(log.DurableCount).GetAwaiter().GetResult();
                subscription.Dispose();
                for (var j = random.Next(4); j > 0 && i + 1 < order.Count; j--)
                    log.IngestAsync(order[++i]).GetAwaiter().GetResult();
                db.WaitForAsync(log.DurableCount).GetAwaiter().GetResult();
                subscription = Subscribe(last);
            }
        }
        db.WaitForAsync(log.DurableCount).GetAwaiter().GetResult();
        subscription.Dispose();
        Assert.True(folded.SetEquals(Evaluate(db.Current())), $"seed {seed}: the folded changes differ from the final result");
    }

    [Fact]
    public async Task Changes_to_derived_tx_facts_and_schema_reach_a_subscriber()
    {
        using var log = DatomLog.Open(new MemoryStorage(), NodeIdentity.Generate());
        using var db = DaoDb.Open(new MemoryStorage(), log);
        await db.TransactAsync(Edn("[{:db/ident :t/n :db/valueType :db.type/long :db/cardinality :db.cardinality/one}]"));
        var query = DatalogQuery.Parse("[:find ?tx ?time :where [?tx :tx/time ?time]]");
        var attributes = QueryAttributes.Of(query);
        Assert.NotNull(attributes);
        Assert.Contains("tx/time", attributes);
        var changes = new List<SubscriptionChange>();
        using (db.Subscribe(v => query.Run(v).Rows, attributes, null, _ => { }, changes.Add))
        {
            // The entry states no :tx/time datom; the index derives one for it.
            await db.TransactAsync(Edn("[{:t/n 1}]"));
        }
        var change = Assert.Single(changes);
        Assert.Single(change.Added);

        // A query that reads only :t/n still hears of a schema change (here: a new attribute).
        var byName = DatalogQuery.Parse("[:find ?e ?n :where [?e :t/n ?n]]");
        var schemaChanges = 0;
        using (db.Subscribe(v => byName.Run(v).Rows, QueryAttributes.Of(byName), null, _ => { }, _ => schemaChanges++))
        {
            var schema = await db.TransactAsync(Edn("[{:db/ident :t/other :db/valueType :db.type/string :db/cardinality :db.cardinality/one}]"));
            Assert.True(new SubscriptionFilter(QueryAttributes.Of(byName)).Touches(schema.Entry));
        }
        Assert.Equal(0, schemaChanges); // considered, and the result did not change
    }

    [Fact]
    public async Task A_subscriber_that_throws_is_ended_with_the_reason_and_indexing_goes_on()
    {
        using var log = DatomLog.Open(new MemoryStorage(), NodeIdentity.Generate());
        using var db = DaoDb.Open(new MemoryStorage(), log);
        await db.TransactAsync(Edn("[{:db/ident :t/n :db/valueType :db.type/long :db/cardinality :db.cardinality/one}]"));
        var query = DatalogQuery.Parse("[:find ?n :where [_ :t/n ?n]]");
        Exception? ended = null;
        var calls = 0;
        using var failing = db.Subscribe(v => query.Run(v).Rows, QueryAttributes.Of(query), null, _ => { },
            _ => { calls++; throw new InvalidOperationException("subscriber bug"); }, e => ended = e);
        var healthy = new List<SubscriptionChange>();
        using var other = db.Subscribe(v => query.Run(v).Rows, QueryAttributes.Of(query), null, _ => { }, healthy.Add);

        await db.TransactAsync(Edn("[{:t/n 1}]"));
        await db.TransactAsync(Edn("[{:t/n 2}]"));

        Assert.Equal(1, calls);
        Assert.Equal("subscriber bug", ended?.Message);
        Assert.Equal(1, db.Subscriptions.Failures);
        Assert.Equal(2, healthy.Count);
        Assert.Equal(1, db.Subscriptions.Count);
    }

    [Fact]
    public async Task A_query_that_fails_on_new_data_ends_its_subscription_not_the_index()
    {
        using var log = DatomLog.Open(new MemoryStorage(), NodeIdentity.Generate());
        using var db = DaoDb.Open(new MemoryStorage(), log);
        await db.TransactAsync(Edn("[{:db/ident :t/n :db/valueType :db.type/long :db/cardinality :db.cardinality/one}]"));
        Exception? ended = null;
        using var subscription = db.Subscribe(v => v.Match(null, Keyword.Parse("t/n"), null).Select(d => d.V.AsLong > 1
            ? throw new InvalidOperationException("the query broke")
            : (IReadOnlyList<object?>)[d.V.AsLong]), null, null, _ => { }, _ => { }, e => ended = e);
        await db.TransactAsync(Edn("[{:t/n 5}]"));
        Assert.Equal("the query broke", ended?.Message);
        Assert.Equal(0, db.Subscriptions.Count);
        // The index still indexes.
        await db.TransactAsync(Edn("[{:t/n 1}]"));
        Assert.Equal(2, db.Current().Match(null, Keyword.Parse("t/n"), null).Count());
    }

    [Property(MaxTest = 15)]
    public void Every_entry_of_a_forked_authors_branch_carries_one_branch_name(Guid seed)
    {
        var (log, db, _, _) = Open(seed);
        using (log)
        using (db)
        {
            var forks = log.Forks();
            var changes = new List<SubscriptionChange>();
            // Every entry changes this result (it counts transactions), so every entry is reported.
            var query = DatalogQuery.Parse("[:find ?tx :where [?tx :tx/author _]]");
            using (db.Subscribe(v => query.Run(v).Rows, QueryAttributes.Of(query), [], _ => { }, changes.Add))
            {
            }
            Assert.Equal(log.DurableCount, changes.Count);
            var byHash = changes.ToDictionary(c => c.Hash);
            foreach (var c in changes)
            {
                var author = c.Entry.Author.ToString();
                if (!forks.Any(f => f.Author == c.Entry.Author))
                {
                    Assert.Equal(author, c.Branch);
                    continue;
                }
                Assert.StartsWith(author, c.Branch, StringComparison.Ordinal);
                // A branch is named by a fork's entry, which this entry descends from through its
                // author's own parents; and an own parent on one branch (not a merge) shares the name.
                var own = c.Entry.Parents.Where(p => byHash.TryGetValue(p, out var parent) && parent.Entry.Author == c.Entry.Author).ToList();
                if (c.Branch != author)
                {
                    var root = c.Branch[(author.Length + 1)..];
                    Assert.Contains(forks.Where(f => f.Author == c.Entry.Author).SelectMany(f => new[] { f.First.Hash, f.Second.Hash }), h => h.ToString().StartsWith(root, StringComparison.Ordinal));
                    if (own.Count == 1 && !c.Hash.ToString().StartsWith(root, StringComparison.Ordinal))
                        Assert.Equal(c.Branch, byHash[own[0]].Branch);
                }
            }
        }
    }

    [Theory]
    [InlineData("[:find ?n :where [?e :user/name ?n] [?e :user/age ?a] [(> ?a 3)]]", "user/age,user/name")]
    [InlineData("[:find ?n :where [?e :user/name ?n] (not [?e :user/banned true])]", "user/banned,user/name")]
    [InlineData("[:find ?n :where (or-join [?e] [?e :a/x _] [?e :a/y _]) [?e :a/name ?n]]", "a/name,a/x,a/y")]
    [InlineData("[:find ?v :where [(get-else $ 1 :a/x 0) ?v]]", "a/x")]
    [InlineData("[:find ?n :where [[:user/email \"a@b\"] :user/name ?n]]", "user/email,user/name")]
    [InlineData("[:find ?a :where [?e ?a ?v]]", null)]
    [InlineData("[:find ?v :where [?e _ ?v]]", null)]
    [InlineData("[:find (pull ?e [*]) :where [?e :user/name _]]", null)]
    [InlineData("[:find ?x :in $ % :where (r ?x)]", null)]
    public void A_querys_attributes_are_every_keyword_it_reads_or_any(string text, string? expected)
    {
        var attributes = QueryAttributes.Of(DatalogQuery.Parse(text));
        Assert.Equal(expected, attributes is null ? null : string.Join(',', attributes.Order(StringComparer.Ordinal)));
    }

    private static object? Edn(string text) => EdnReader.ReadOne(text, Datom.Index.Transactions.TxDataParser.ReaderOptions("<test>"));
}

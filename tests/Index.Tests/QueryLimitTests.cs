using D = Datom.Index.Query.Datom;
using Datom.Index.Query;
using Datom.Index.Schema;
using Datom.Log.Edn;
using Datom.Log.Model;
using Xunit;
using ValueType = Datom.Log.Model.ValueType;

namespace Datom.Index.Tests;

/// <summary>
/// Issue 14's hostile set against the evaluator: cross products, recursive rules over a cyclic
/// graph of 10^5 edges, aggregates over a cross product, deep and exponential pulls. Each must stop
/// with the limit named, having done no more than its budget allowed (deterministic counters:
/// rows, steps, bytes charged), and leave the engine answering other queries. Time is asserted
/// only one-sided and with a margin a loaded machine cannot miss; the strict deadline + 200 ms
/// check runs in the daemon's slow suite.
/// </summary>
public class QueryLimitTests
{
    private static readonly Keyword X = Keyword.Intern(null, "x");
    private static readonly Keyword Y = Keyword.Intern(null, "y");
    private static readonly Keyword Z = Keyword.Intern(null, "z");
    private static readonly Keyword Follow = Keyword.Intern(null, "follow");
    private static readonly Keyword Next = Keyword.Intern(null, "next");
    private static readonly Keyword Name = Keyword.Intern(null, "name");

    // The reproduction: 193 × 193 × 18 = 670,482 rows if nothing stops it.
    private const string CrossProduct = "[:find ?a ?b ?c :where [?a :x] [?b :y] [?c :z]]";

    private const string Reach = """
        [[(reach ?a ?b) [?a :follow ?b]]
         [(reach ?a ?b) [?a :follow ?t] (reach ?t ?b)]]
        """;

    private static readonly Lazy<SortedView> Cross = new(() => MakeCross(193, 193, 18));

    // A ring of 10^5 nodes: the transitive closure is 10^10 pairs.
    private static readonly Lazy<SortedView> Ring = new(() => MakeRing(100_000));

    private static EntityId E(long n) => new(1, (ulong)n);

    private static SortedView MakeCross(int xs, int ys, int zs)
    {
        var datoms = new List<D>();
        var n = 1L;
        foreach (var (a, count) in new[] { (X, xs), (Y, ys), (Z, zs) })
        {
            for (var i = 0; i < count; i++)
                datoms.Add(new D(E(n++), a, Value.Long(i), new EntityId(2, 1), true));
        }
        datoms.Add(new D(E(n), Name, Value.String("witness"), new EntityId(2, 1), true));
        return new SortedView(datoms,
        [
            new AttributeSchema(X, ValueType.Long, false, Uniqueness.None, false, null),
            new AttributeSchema(Y, ValueType.Long, false, Uniqueness.None, false, null),
            new AttributeSchema(Z, ValueType.Long, false, Uniqueness.None, false, null),
            new AttributeSchema(Name, ValueType.String, false, Uniqueness.None, false, null),
        ]);
    }

    private static SortedView MakeRing(int n)
    {
        var datoms = Enumerable.Range(1, n).Select(i => new D(E(i), Follow, Value.Ref(E((i % n) + 1)), new EntityId(2, 1), true));
        return new SortedView(datoms, [new AttributeSchema(Follow, ValueType.Ref, true, Uniqueness.None, false, null)]);
    }

    /// <summary>A chain 1 → 2 → … → n by :next (cardinality one).</summary>
    private static SortedView MakeChain(int n)
    {
        var datoms = Enumerable.Range(1, n - 1).Select(i => new D(E(i), Next, Value.Ref(E(i + 1)), new EntityId(2, 1), true));
        return new SortedView(datoms, [new AttributeSchema(Next, ValueType.Ref, false, Uniqueness.None, false, null)]);
    }

    /// <summary>
    /// A ladder of <paramref name="levels"/> levels of two nodes, each node referring to both nodes
    /// of the next level: no cycle, but 2^levels paths from the top, which a recursive pull walks.
    /// </summary>
    private static SortedView MakeLadder(int levels)
    {
        var datoms = new List<D>();
        for (var l = 0; l < levels - 1; l++)
        {
            for (var k = 0; k < 2; k++)
            {
                datoms.Add(new D(E((2 * l) + k + 1), Follow, Value.Ref(E((2 * (l + 1)) + 1)), new EntityId(2, 1), true));
                datoms.Add(new D(E((2 * l) + k + 1), Follow, Value.Ref(E((2 * (l + 1)) + 2)), new EntityId(2, 1), true));
            }
        }
        return new SortedView(datoms, [new AttributeSchema(Follow, ValueType.Ref, true, Uniqueness.None, false, null)]);
    }

    private static QueryLimitException Stopped(QueryBudget budget, string query, params object?[] inputs) =>
        Assert.Throws<QueryLimitException>(() => Datalog.Prepare(query).Run(budget, inputs));

    private static void StillAnswers(IDatomView db)
    {
        var r = Datalog.Prepare("[:find ?e . :where [?e :name \"witness\"]]").Run(new QueryBudget(QueryLimits.Default), db);
        Assert.Equal(E(193 + 193 + 18 + 1), r.Scalar);
    }

    [Fact]
    public void Limits_have_no_unlimited_setting()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new QueryLimits(deadline: TimeSpan.Zero));
        Assert.Throws<ArgumentOutOfRangeException>(() => new QueryLimits(maxRows: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new QueryLimits(memoryBytes: -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new QueryLimits(maxSteps: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new QueryLimits(maxPullDepth: 0));
        var d = QueryLimits.Default;
        Assert.Equal(QueryLimits.DefaultDeadline, d.Deadline);
        Assert.Equal(QueryLimits.DefaultMaxRows, d.MaxRows);
        Assert.Equal(QueryLimits.DefaultMemory, d.MemoryBytes);
    }

    [Fact]
    public void Cross_product_stops_at_the_row_cap()
    {
        var budget = new QueryBudget(new QueryLimits(maxRows: 10_000));
        var e = Stopped(budget, CrossProduct, Cross.Value);
        Assert.Equal("rows", e.Limit);
        Assert.StartsWith(":limit/rows", e.Message, StringComparison.Ordinal);
        Assert.Equal(10_000, budget.PeakRows);
        // The rows were made one at a time and counted: the work stopped at the cap, far short of 670,482.
        Assert.InRange(budget.Steps, 10_000, 20_000);
        StillAnswers(Cross.Value);
    }

    [Fact]
    public void Cross_product_stops_at_the_memory_budget_before_allocating_past_it()
    {
        const long Budget = 1_000_000;
        var budget = new QueryBudget(new QueryLimits(memoryBytes: Budget));
        var e = Stopped(budget, CrossProduct, Cross.Value);
        Assert.Equal("memory", e.Limit);
        Assert.InRange(budget.PeakMemoryBytes, 1, Budget);
        StillAnswers(Cross.Value);
    }

    [Fact]
    public void Steps_are_counted_exactly_and_stop_the_query_at_the_limit()
    {
        var budget = new QueryBudget(new QueryLimits(maxSteps: 5_000));
        var e = Stopped(budget, CrossProduct, Cross.Value);
        Assert.Equal("steps", e.Limit);
        Assert.Equal(5_000, budget.Steps);
    }

    [Fact]
    public void Aggregate_over_a_cross_product_is_bounded()
    {
        var budget = new QueryBudget(new QueryLimits(maxRows: 50_000));
        var e = Stopped(budget, "[:find (count ?c) :where [?a :x] [?b :y] [?c :z]]", Cross.Value);
        Assert.Equal("rows", e.Limit);
        Assert.Equal(50_000, budget.PeakRows);
    }

    // Every candidate row of a 193 × 193 × 193 product is made and rejected by the fused predicate:
    // 7 million steps of work, and no more memory than the 37,249 rows of the first two patterns.
    private const string LongJoin = "[:find ?a :where [?a :x ?x] [?b :y ?y] [?c :x ?w] [(< ?x ?y ?w -5)]]";

    /// <summary>A clock that moves one millisecond each time it is read: deadlines without waiting or flaking.</summary>
    private sealed class SteppingClock : TimeProvider
    {
        private long _now;

        public override long TimestampFrequency => 1000;

        public override long GetTimestamp() => _now++;
    }

    [Fact]
    public void Deadline_reaches_inside_a_join()
    {
        var deadline = TimeSpan.FromMilliseconds(10);
        var budget = new QueryBudget(new QueryLimits(deadline: deadline), time: new SteppingClock());
        var e = Stopped(budget, LongJoin, Cross.Value);
        Assert.Equal("deadline", e.Limit);
        Assert.StartsWith(":limit/deadline", e.Message, StringComparison.Ordinal);
        // The clock is read at every checkpoint (each CheckInterval steps): about ten of them.
        Assert.InRange(budget.Steps, 5 * QueryBudget.CheckInterval, 12 * QueryBudget.CheckInterval);
        StillAnswers(Cross.Value);
    }

    [Fact]
    public void Deadline_on_the_real_clock_stops_a_long_join()
    {
        var deadline = TimeSpan.FromMilliseconds(20);
        var budget = new QueryBudget(new QueryLimits(deadline: deadline, maxSteps: 200_000_000));
        // The work is 7 million steps; on any machine it outlasts 20 ms, or fails on its steps
        // first, never on rows or memory.
        var e = Stopped(budget, LongJoin, Cross.Value);
        Assert.Equal("deadline", e.Limit);
        Assert.True(budget.Elapsed >= deadline);
        // One-sided and generous: the strict deadline + 200 ms bound is checked by the slow daemon test.
        Assert.True(budget.Elapsed < deadline + TimeSpan.FromSeconds(10), $"stopped after {budget.Elapsed}");
    }

    [Fact]
    public void Cancellation_reaches_inside_a_join()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        var budget = new QueryBudget(new QueryLimits(memoryBytes: 4L << 30), cts.Token);
        Assert.ThrowsAny<OperationCanceledException>(() => Datalog.Prepare(CrossProduct).Run(budget, Cross.Value));
        Assert.True(budget.Steps < QueryBudget.CheckInterval);
    }

    [Fact]
    public void Recursive_rule_over_a_cyclic_graph_of_100k_edges_stops_at_the_row_cap()
    {
        var budget = new QueryBudget(new QueryLimits(maxRows: 200_000));
        var e = Stopped(budget, "[:find ?a ?b :in $ % :where (reach ?a ?b)]", Ring.Value, Reach);
        Assert.Equal("rows", e.Limit);
        Assert.Equal(200_000, budget.PeakRows);
    }

    [Fact]
    public void Recursive_rule_over_a_cyclic_graph_stops_at_the_memory_budget()
    {
        const long Budget = 32L << 20;
        var budget = new QueryBudget(new QueryLimits(memoryBytes: Budget));
        var e = Stopped(budget, "[:find (count ?b) :in $ % :where (reach ?a ?b)]", Ring.Value, Reach);
        Assert.Equal("memory", e.Limit);
        Assert.InRange(budget.PeakMemoryBytes, 1, Budget);
    }

    [Fact]
    public void Recursion_over_a_ring_answers_within_default_limits()
    {
        // From one node a ring's closure is every node (and, by the magic set, every node's closure is computed: n^2 answers).
        var r = Datalog.Prepare("[:find (count ?b) . :in $ % ?a :where (reach ?a ?b)]").Run(new QueryBudget(QueryLimits.Default), MakeRing(200), Reach, E(1));
        Assert.Equal(200L, r.Scalar);
    }

    [Fact]
    public void Deep_pull_stops_at_the_depth_limit_instead_of_overflowing_the_stack()
    {
        var chain = MakeChain(100_000);
        var budget = new QueryBudget(QueryLimits.Default);
        var e = Assert.Throws<QueryLimitException>(() => Datalog.Pull(budget, chain, EdnReader.ReadOne("[:db/id {:next ...}]")!, E(1)));
        Assert.Equal("depth", e.Limit);

        // Within the limit the same pull answers, every level.
        var shallow = MakeChain(50);
        var map = Datalog.Pull(new QueryBudget(QueryLimits.Default), shallow, EdnReader.ReadOne("[:db/id {:next ...}]")!, E(1));
        var depth = 0;
        for (var m = map; m is not null; m = m.TryGetValue(Next, out var n) ? n as PullMap : null)
            depth++;
        Assert.Equal(50, depth);
    }

    [Fact]
    public void Deep_pull_in_a_find_stops_at_the_depth_limit()
    {
        var chain = MakeChain(5_000);
        var budget = new QueryBudget(new QueryLimits(maxPullDepth: 100));
        var e = Stopped(budget, "[:find (pull ?e [:db/id {:next ...}]) . :in $ ?e]", chain, E(1));
        Assert.Equal("depth", e.Limit);
    }

    [Fact]
    public void Exponential_pull_over_a_ladder_stops_at_its_steps()
    {
        // 40 levels: 2^40 paths, each a pulled value.
        var ladder = MakeLadder(40);
        var budget = new QueryBudget(new QueryLimits(maxSteps: 100_000));
        var e = Assert.Throws<QueryLimitException>(() => Datalog.Pull(budget, ladder, EdnReader.ReadOne("[:db/id {:follow ...}]")!, E(1)));
        Assert.Equal("steps", e.Limit);
        Assert.Equal(100_000, budget.Steps);
    }

    [Fact]
    public async Task A_hostile_query_does_not_stop_another_running_at_the_same_time()
    {
        var hostileBudget = new QueryBudget(new QueryLimits(maxSteps: 3_000_000));
        using var started = new ManualResetEventSlim();
        var hostile = Task.Factory.StartNew(() =>
        {
            started.Set();
            return Record.Exception(() => Datalog.Prepare(LongJoin).Run(hostileBudget, Cross.Value));
        }, TaskCreationOptions.LongRunning);
        started.Wait();
        // While it runs (or after, on a machine too slow to overlap them): the other query answers, on its own budget.
        StillAnswers(Cross.Value);
        var e = Assert.IsType<QueryLimitException>(await hostile);
        Assert.Equal("steps", e.Limit);
        Assert.Equal(3_000_000, hostileBudget.Steps);
    }
}

using System.Diagnostics;
using Datom.Index.Query;
using Datom.Index.Schema;
using Datom.Log.Edn;
using Datom.Log.Model;
using Xunit;
using Xunit.Abstractions;
using D = Datom.Index.Query.Datom;
using ValueType = Datom.Log.Model.ValueType;

namespace Datom.Index.Tests;

/// <summary>
/// DataScript's query benchmark (bench/datascript/bench: q1–q4, qpred1, qpred2 over 20k random
/// people) on <see cref="SortedView"/>: checks the results and, with DATOM_PERF=1, prints timings.
/// </summary>
public class PerfTests(ITestOutputHelper output)
{
    private static readonly int Warmup = int.TryParse(Environment.GetEnvironmentVariable("DATOM_PERF_WARMUP"), out var w) ? w : 20;

    private static readonly Lazy<SortedView> People = new(() => MakePeople(20_000, 1));

    private static readonly Keyword Name = Keyword.Intern(null, "name"), LastName = Keyword.Intern(null, "last-name"), Alias = Keyword.Intern(null, "alias"),
        Sex = Keyword.Intern(null, "sex"), Age = Keyword.Intern(null, "age"), Salary = Keyword.Intern(null, "salary"), Follows = Keyword.Intern(null, "follows");

    public static SortedView MakePeople(int n, int seed)
    {
        var random = new Random(seed);
        string[] names = ["Ivan", "Petr", "Sergei", "Oleg", "Yuri", "Dmitry", "Fedor", "Denis"];
        string[] lastNames = ["Ivanov", "Petrov", "Sidorov", "Kovalev", "Kuznetsov", "Voronoi"];
        string[] aliases = ["A. C. Q. W.", "A. J. Finn", "A.A.Fair", "Aapeli", "Aaron Wolfe", "Abigail Van Buren", "Jeremy Taylor", "Jim Kimmy", "Jim Morrison", "John Smith"];
        var tx = new EntityId(2, 1);
        var datoms = new List<D>();
        for (var i = 1; i <= n; i++)
        {
            var e = new EntityId(1, (ulong)i);
            datoms.Add(new D(e, Name, Value.String(names[random.Next(names.Length)]), tx, true));
            datoms.Add(new D(e, LastName, Value.String(lastNames[random.Next(lastNames.Length)]), tx, true));
            foreach (var a in aliases.OrderBy(_ => random.Next()).Take(random.Next(3)))
                datoms.Add(new D(e, Alias, Value.String(a), tx, true));
            datoms.Add(new D(e, Sex, Value.Keyword(random.Next(2) == 0 ? "male" : "female"), tx, true));
            datoms.Add(new D(e, Age, Value.Long(random.Next(100)), tx, true));
            datoms.Add(new D(e, Salary, Value.Long(random.Next(100_000)), tx, true));
            foreach (var f in Enumerable.Range(0, random.Next(3)).Select(_ => random.Next(1, n + 1)).Distinct())
                datoms.Add(new D(e, Follows, Value.Ref(new EntityId(1, (ulong)f)), tx, true));
        }
        AttributeSchema[] schema =
        [
            new(Name, ValueType.String, false, Uniqueness.None, false, null),
            new(LastName, ValueType.String, false, Uniqueness.None, false, null),
            new(Alias, ValueType.String, true, Uniqueness.None, false, null),
            new(Sex, ValueType.Keyword, false, Uniqueness.None, false, null),
            new(Age, ValueType.Long, false, Uniqueness.None, false, null),
            new(Salary, ValueType.Long, false, Uniqueness.None, false, null),
            new(Follows, ValueType.Ref, true, Uniqueness.None, false, null),
        ];
        return new SortedView(datoms, schema);
    }

    public static readonly (string Name, string Query)[] Bench =
    [
        ("q1", "[:find ?e :where [?e :name \"Ivan\"]]"),
        ("q2", "[:find ?e ?a :where [?e :name \"Ivan\"] [?e :age ?a]]"),
        ("q3", "[:find ?e ?a :where [?e :name \"Ivan\"] [?e :age ?a] [?e :sex :male]]"),
        ("q4", "[:find ?e ?l ?a :where [?e :name \"Ivan\"] [?e :last-name ?l] [?e :age ?a] [?e :sex :male]]"),
        ("qpred1", "[:find ?e ?s :where [?e :salary ?s] [(> ?s 50000)]]"),
        ("qpred2", "[:find ?e ?s :in $ ?min_s :where [?e :salary ?s] [(> ?s ?min_s)]]"),
    ];

    private static object?[] Inputs(string name, SortedView db) => name == "qpred2" ? [db, 50000L] : [db];

    // The answers agree with a naive count over the data.
    [Fact]
    public void Benchmark_queries_are_right()
    {
        var db = MakePeople(2000, 7);
        var ivans = db.Match(null, Name, Value.String("Ivan")).Select(d => d.E).ToHashSet();
        var males = db.Match(null, Sex, Value.Keyword("male")).Select(d => d.E).ToHashSet();
        Assert.Equal(ivans.Count, Datalog.Query(Bench[0].Query, db).Count);
        Assert.Equal(ivans.Count, Datalog.Query(Bench[1].Query, db).Count);
        Assert.Equal(ivans.Count(males.Contains), Datalog.Query(Bench[2].Query, db).Count);
        Assert.Equal(ivans.Count(males.Contains), Datalog.Query(Bench[3].Query, db).Count);
        var rich = db.Match(null, Salary, null).Count(d => d.V.AsLong > 50000);
        Assert.Equal(rich, Datalog.Query(Bench[4].Query, db).Count);
        Assert.Equal(rich, Datalog.Query(Bench[5].Query, db, 50000L).Count);
    }

    /// <summary>A chain 1 → 2 → … → n, for recursive rules.</summary>
    public static SortedView MakeChain(int n)
    {
        var follow = Keyword.Intern(null, "follow");
        var datoms = Enumerable.Range(1, n).Select(i => new D(new EntityId(1, (ulong)i), follow, Value.Ref(new EntityId(1, (ulong)(i + 1))), new EntityId(2, 1), true));
        return new SortedView(datoms, [new AttributeSchema(follow, ValueType.Ref, true, Uniqueness.None, false, null)]);
    }

    private const string FollowRules = """
        [[(follows ?e1 ?e2) [?e1 :follow ?e2]]
         [(follows ?e1 ?e2) [?e1 :follow ?t] (follows ?t ?e2)]]
        """;

    // Linear recursion down a long chain stays linear in the answers: the rows before the
    // recursive call are kept between iterations and joined with each iteration's new answers.
    [Fact]
    public void Deep_recursion_is_linear()
    {
        var db = MakeChain(3000);
        var sw = Stopwatch.StartNew();
        var r = Datalog.Query("[:find (count ?b) . :in $ % ?a :where (follows ?a ?b)]", MakeChain(600), FollowRules, new EntityId(1, 1));
        output.WriteLine($"chain of 600, right-recursive, bound start (quadratic: every node's reach is an answer): {sw.Elapsed.TotalMilliseconds:0} ms");
        Assert.Equal(600L, r.Scalar);
        sw.Restart();
        r = Datalog.Query("[:find (count ?a) . :in $ % ?b :where (follows ?a ?b)]", db, FollowRules, new EntityId(1, 3001));
        output.WriteLine($"chain of 3000, bound end: {sw.Elapsed.TotalMilliseconds:0} ms");
        Assert.Equal(3000L, r.Scalar);
        sw.Restart();
        const string leftRecursive = """
            [[(reach ?a ?b) [?a :follow ?b]]
             [(reach ?a ?b) (reach ?a ?t) [?t :follow ?b]]]
            """;
        r = Datalog.Query("[:find (count ?b) . :in $ % ?a :where (reach ?a ?b)]", db, leftRecursive, new EntityId(1, 1));
        output.WriteLine($"chain of 3000, left-recursive, bound start: {sw.Elapsed.TotalMilliseconds:0} ms");
        Assert.Equal(3000L, r.Scalar);
    }

    [Fact]
    public void Timings()
    {
        if (Environment.GetEnvironmentVariable("DATOM_PERF") != "1")
            return;
        var db = People.Value;
        output.WriteLine($"{db.Count} datoms");
        void Time(string what, Action a)
        {
            for (var i = 0; i < Warmup; i++)
                a();
            var ts = new List<double>();
            for (var i = 0; i < 60; i++)
            {
                var sw = Stopwatch.StartNew();
                a();
                ts.Add(sw.Elapsed.TotalMilliseconds);
            }
            ts.Sort();
            output.WriteLine($"{what}: median {ts[ts.Count / 2]:0.000} ms, min {ts[0]:0.000} ms");
        }
        var sink = 0;
        Time("match ivan", () => sink += db.Match(null, Name, Value.String("Ivan")).Count());
        Time("match age", () => sink += db.Match(null, Age, null).Count());
        Time("match salary", () => sink += db.Match(null, Salary, null).Count());
        GC.KeepAlive(sink);
        foreach (var (name, text) in Bench)
        {
            var q = DatalogQuery.Parse(text);
            var inputs = Inputs(name, db);
            for (var i = 0; i < Warmup; i++)
                q.Run(inputs);
            var times = new List<double>();
            var rows = 0;
            var only = Environment.GetEnvironmentVariable("DATOM_PERF_ONLY");
            var loops = only == name ? 100000 : only is null ? 60 : 0;
            for (var i = 0; i < loops; i++)
            {
                var sw = Stopwatch.StartNew();
                rows = q.Run(inputs).Count;
                times.Add(sw.Elapsed.TotalMilliseconds);
            }
            if (times.Count == 0)
                continue;
            times.Sort();
            output.WriteLine($"{name}: median {times[times.Count / 2]:0.000} ms, min {times[0]:0.000} ms, {rows} rows");
        }
    }
}

using Datom.Index.Query;
using FsCheck;
using FsCheck.Xunit;
using Xunit;
using static Datom.Index.Tests.TestDb;

namespace Datom.Index.Tests;

/// <summary>The planner: order-independent plans and results, the selective clause first, Explain.</summary>
public class PlannerTests
{
    // 200 people: names repeat every 8 (DataScript's bench draws from 8 names), sexes every 2.
    private static readonly MemoryView People = Build(
        "{:name :string, :last-name :string, :sex :keyword, :age :long, :salary :long}",
        "[" + string.Join(" ", Enumerable.Range(1, 200).Select(i =>
            $"{{:db/id {i} :name \"{new[] { "Ivan", "Petr", "Sergei", "Oleg", "Yuri", "Dmitry", "Fedor", "Denis" }[i % 8]}\" :last-name \"L{i % 6}\" :sex {(i % 3 == 0 ? ":male" : ":female")} :age {i % 50} :salary {i * 500}}}")) + "]");

    private static readonly string[] Q4 = ["[?e :name \"Ivan\"]", "[?e :last-name ?l]", "[?e :age ?a]", "[?e :sex :male]"];

    private static IEnumerable<int[]> AllOrders(int n) =>
        n == 1 ? [[0]] : AllOrders(n - 1).SelectMany(p => Enumerable.Range(0, n).Select(i => p.Take(i).Append(n - 1).Concat(p.Skip(i)).ToArray()));

    private static string PlanOf(string query, params object?[] inputs)
    {
        var text = Datalog.Explain(query, inputs);
        return text[text.IndexOf("plan:", StringComparison.Ordinal)..];
    }

    // The selective pattern runs first however the clauses are written, and every order gets the same plan.
    [Fact]
    public void Selective_clause_first_in_any_order()
    {
        string? first = null;
        foreach (var order in AllOrders(Q4.Length))
        {
            var query = $"[:find ?e ?l ?a :where {string.Join(" ", order.Select(i => Q4[i]))}]";
            var plan = PlanOf(query, People);
            Assert.StartsWith("plan:\n  1. [?e :name \"Ivan\"]\n     scan AVET (25 datoms)", plan.ReplaceLineEndings("\n"), StringComparison.Ordinal);
            first ??= plan;
            Assert.Equal(first, plan);
            Assert.Equal(8, Q(query, People).Count);
        }
    }

    // A predicate written first waits until its variable is bound and then runs at once.
    [Fact]
    public void Predicates_run_as_soon_as_their_inputs_are_bound()
    {
        var plan = PlanOf("[:find ?e ?s :in $ ?min :where [(> ?s ?min)] [?e :salary ?s] [?e :name \"Ivan\"]]", People, 50000L);
        var lines = plan.ReplaceLineEndings("\n").Split('\n');
        Assert.Equal("  1. [?e :name \"Ivan\"]", lines[1]);
        Assert.Equal("  2. [?e :salary ?s]", lines[3]);
        Assert.Equal("  3. [(> ?s ?min)]", lines[5]);
        Assert.Contains("predicate (filter)", lines[6], StringComparison.Ordinal);
    }

    [Fact]
    public void Explain_names_indexes_and_joins()
    {
        var text = Datalog.Explain("[:find ?e ?a :where [?e :age ?a] [?e :name \"Ivan\"] (not [?e :sex :female])]", People);
        Assert.Contains("scan AVET (25 datoms)", text, StringComparison.Ordinal);
        Assert.Contains("anti-join on ?e", text, StringComparison.Ordinal);
        // 25 Ivans looked up in entity order cost less than a scan of the 200 ages.
        Assert.Contains("AEVT lookup per binding of ?e", text, StringComparison.Ordinal);
        var lookup = Datalog.Explain("[:find ?a ?n :in $ ?e :where [?e :age ?a] [?f :age ?a] [?f :name ?n]]", People, E(7));
        Assert.Contains("AEVT lookup per binding of ?e", lookup, StringComparison.Ordinal);
        Assert.Contains("AVET lookup per binding of ?a", lookup, StringComparison.Ordinal);
        Assert.Contains("find: relation ?e ?a", text, StringComparison.Ordinal);
        var hash = Datalog.Explain("[:find ?e ?a :where [?e :age ?a] [?e :sex :male]]", People);
        Assert.Contains("hash join on ?e", hash, StringComparison.Ordinal);
    }

    // With few bindings the pattern is looked up per binding, with the value pushed into Match.
    [Fact]
    public void Bound_values_are_pushed_into_match()
    {
        var db = People;
        var before = db.MatchCalls;
        Q("[:find ?a :in $ ?e :where [?e :age ?a]]", db, E(7));
        Assert.Equal(1, db.MatchCalls - before);
    }

    // Property: for random small databases and a fixed set of queries, every permutation of the
    // :where clauses gives the same result as the written order.
    [Property(Arbitrary = [typeof(Generators)], MaxTest = 300)]
    public void Any_clause_order_gives_the_same_result(PermutedQuery p)
    {
        var written = Canon(Q(Generators.QueryText(p.Query, Enumerable.Range(0, p.Order.Length)), p.Db, Generators.Rules));
        var permuted = Canon(Q(Generators.QueryText(p.Query, p.Order), p.Db, Generators.Rules));
        Assert.Equal(written, permuted);
    }

    // Property: the plan does not depend on the written order either.
    [Property(Arbitrary = [typeof(Generators)], MaxTest = 100)]
    public void Any_clause_order_gives_the_same_plan(PermutedQuery p)
    {
        var written = PlanOf(Generators.QueryText(p.Query, Enumerable.Range(0, p.Order.Length)), p.Db, Generators.Rules);
        var permuted = PlanOf(Generators.QueryText(p.Query, p.Order), p.Db, Generators.Rules);
        Assert.Equal(written, permuted);
    }

    // Fuzz: queries of real clauses with random variables, constants and functions run or raise QueryException.
    [Property(Arbitrary = [typeof(Generators)], MaxTest = 1000)]
    public void Random_queries_run_or_fail_cleanly(RandomQuery q)
    {
        var db = Build("{:a :long, :b [:ref :many], :c [:string :unique], :d :keyword}", "[{:db/id 1 :a 1 :b [2] :c \"x\" :d :k1} {:db/id 2 :a 2 :b [1 3] :c \"y\"} {:db/id 3 :a 5}]");
        try
        {
            Q(q.Text, db, Generators.Rules);
        }
        catch (QueryException)
        {
        }
    }

    // Fuzz: random forms and mutated queries either run or fail with a QueryException, never anything else.
    [Property(Arbitrary = [typeof(Generators)], MaxTest = 1000)]
    public void Bad_queries_only_raise_query_exceptions(QueryText q)
    {
        var db = Build("{:a :long, :b [:ref :many], :c :string, :d :keyword}", "[{:db/id 1 :a 1 :b [2] :c \"x\" :d :k1} {:db/id 2 :a 2 :b [1] :c \"y\"}]");
        try
        {
            Q(q.Text, db, Generators.Rules);
        }
        catch (QueryException)
        {
        }
    }
}

using Datom.Index.Query;
using Datom.Log.Edn;
using Xunit;
using static Datom.Index.Tests.TestDb;

namespace Datom.Index.Tests;

/// <summary>
/// Aggregates and :with: https://docs.datomic.com/query/query-data-reference.html#aggregates,
/// #with, and the Datomic support article "Aggregation" (aggregates returning single values and
/// collections, control grouping via :with).
/// </summary>
public class AggregateTests
{
    private static readonly object Monsters = EdnReader.ReadOne("""[["Cerberus" 3] ["Medusa" 1] ["Cyclops" 1] ["Chimera" 1]]""")!;

    private static readonly MemoryView Db = Build(
        "{:name :string, :dept :keyword, :salary :long, :score :double, :tag [:string :many]}",
        """
        [{:db/id 1 :name "A" :dept :eng :salary 100 :score 1.5 :tag ["x" "y"]}
         {:db/id 2 :name "B" :dept :eng :salary 300 :score 2.5 :tag ["x"]}
         {:db/id 3 :name "C" :dept :ops :salary 100 :tag ["y"]}
         {:db/id 4 :name "D" :dept :ops :salary 200}
         {:db/id 5 :name "E" :dept :eng :salary 100}]
        """);

    // ":with": without it the heads are a set {3 1} and sum to 4; with ?monster each monster counts.
    [Fact]
    public void With_keeps_a_bag_for_aggregation()
    {
        AssertQ("4", "[:find (sum ?heads) . :in [[_ ?heads]]]", Monsters);
        AssertQ("6", "[:find (sum ?heads) . :with ?monster :in [[?monster ?heads]]]", Monsters);
        AssertQ("2", "[:find (count ?heads) . :in [[_ ?heads]]]", Monsters);
        AssertQ("4", "[:find (count ?heads) . :with ?monster :in [[?monster ?heads]]]", Monsters);
    }

    // Without aggregates, :with makes the result a bag: the duplicates stay.
    [Fact]
    public void With_without_aggregates_is_a_bag()
    {
        var r = Q("[:find ?heads :with ?monster :in [[?monster ?heads]]]", Monsters);
        Assert.True(r.IsBag);
        Assert.Equal("[[1] [1] [1] [3]]", Canon(r));
    }

    // Grouping: the non-aggregate :find variables group the rows.
    [Fact]
    public void Grouping_by_the_other_variables()
    {
        AssertQ("#{[:eng 3] [:ops 2]}", "[:find ?d (count ?e) :where [?e :dept ?d]]", Db);
        AssertQ("#{[:eng 500] [:ops 300]}", "[:find ?d (sum ?s) :with ?e :where [?e :dept ?d] [?e :salary ?s]]", Db);
        AssertQ("#{[:eng 400] [:ops 300]}", "[:find ?d (sum ?s) :where [?e :dept ?d] [?e :salary ?s]]", Db);
    }

    [Fact]
    public void Count_and_count_distinct()
    {
        AssertQ("3", "[:find (count ?s) . :where [_ :salary ?s]]", Db);
        AssertQ("5", "[:find (count ?s) . :with ?e :where [?e :salary ?s]]", Db);
        AssertQ("3", "[:find (count-distinct ?s) . :with ?e :where [?e :salary ?s]]", Db);
    }

    // Single-value aggregates: min, max, sum, avg, median, variance, stddev.
    [Fact]
    public void Single_value_aggregates()
    {
        AssertQ("[100 300 800 160.0 100]", "[:find [(min ?s) (max ?s) (sum ?s) (avg ?s) (median ?s)] :with ?e :where [?e :salary ?s]]", Db);
        AssertQ("150", "[:find (median ?s) . :with ?e :where [?e :salary ?s]]", Db.WithExtra());
        AssertQ("150.5", "[:find (median ?s) . :in [?s ...]]", new List<object> { 100L, 201L });
        AssertQ("4.0", "[:find (sum ?x) . :where [_ :score ?x]]", Db);
        AssertQ("2.0", "[:find (avg ?x) . :where [_ :score ?x]]", Db);
        AssertQ("6400.0", "[:find (variance ?s) . :with ?e :where [?e :salary ?s]]", Db);
        AssertQ("80.0", "[:find (stddev ?s) . :with ?e :where [?e :salary ?s]]", Db);
    }

    // "min and max support all database types (via comparators), not just numbers".
    [Fact]
    public void Min_and_max_of_any_type()
    {
        AssertQ("""["A" "E"]""", "[:find [(min ?n) (max ?n)] :where [_ :name ?n]]", Db);
        AssertQ("[:eng :ops]", "[:find [(min ?d) (max ?d)] :where [_ :dept ?d]]", Db);
    }

    // Aggregates returning collections: distinct, (min n), (max n), (rand n), (sample n).
    [Fact]
    public void Collection_aggregates()
    {
        AssertQ("#{100 200 300}", "[:find (distinct ?s) . :with ?e :where [?e :salary ?s]]", Db);
        AssertQ("[100 100]", "[:find (min 2 ?s) . :with ?e :where [?e :salary ?s]]", Db);
        AssertQ("[100 200 300]", "[:find (max 3 ?s) . :where [?e :salary ?s]]", Db); // DataScript 1.8.1 gives [100,200,300] too
        AssertQ("[200 300]", "[:find (max 2 ?s) . :with ?e :where [?e :salary ?s]]", Db);
        var sample = (IReadOnlyList<object?>)Q("[:find (sample 2 ?n) . :where [_ :name ?n]]", Db).Scalar!;
        Assert.Equal(2, sample.Count);
        Assert.Equal(2, sample.Distinct().Count());
        var rand = (IReadOnlyList<object?>)Q("[:find (rand 7 ?n) . :where [_ :name ?n]]", Db).Scalar!;
        Assert.Equal(7, rand.Count);
        Assert.IsType<string>(Q("[:find (rand ?n) . :where [_ :name ?n]]", Db).Scalar);
        Assert.Equal(5, ((IReadOnlyList<object?>)Q("[:find (sample 10 ?n) . :where [_ :name ?n]]", Db).Scalar!).Count);
    }

    [Fact]
    public void Sampling_is_deterministic()
    {
        var a = Canon(Q("[:find (sample 3 ?n) . :where [_ :name ?n]]", Db));
        var b = Canon(Q("[:find (sample 3 ?n) . :where [_ :name ?n]]", Db));
        Assert.Equal(a, b);
    }

    [Fact]
    public void Several_aggregates_and_groups()
    {
        AssertQ("#{[:eng 100 300 3] [:ops 100 200 2]}", "[:find ?d (min ?s) (max ?s) (count ?e) :where [?e :dept ?d] [?e :salary ?s]]", Db);
    }

    // No rows, no groups: an aggregate over nothing is an empty result, not a zero.
    [Fact]
    public void Aggregates_over_nothing()
    {
        AssertQ("#{}", "[:find (count ?e) :where [?e :salary 7]]", Db);
        Assert.Null(Q("[:find (count ?e) . :where [?e :salary 7]]", Db).Scalar);
    }

    [Fact]
    public void Aggregates_over_a_cardinality_many_attribute()
    {
        AssertQ("#{[1 2] [2 1] [3 1]}", "[:find ?e (count ?t) :where [?e :tag ?t]]", Db);
        AssertQ("2", "[:find (count ?t) . :where [_ :tag ?t]]", Db);
        AssertQ("4", "[:find (count ?t) . :with ?e :where [?e :tag ?t]]", Db);
    }

    [Fact]
    public void Sum_of_non_numbers_is_an_error()
    {
        var e = Assert.Throws<QueryException>(() => Q("[:find (sum ?n) . :where [_ :name ?n]]", Db));
        Assert.Contains("sum expects numbers, got a string", e.Message, StringComparison.Ordinal);
        Assert.Contains("(sum ?n)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_aggregate_is_an_error()
    {
        var e = Assert.Throws<QueryException>(() => Q("[:find (mean ?n) . :where [_ :name ?n]]", Db));
        Assert.Contains("mean is not an aggregate", e.Message, StringComparison.Ordinal);
    }
}

internal static class ViewExtensions
{
    /// <summary>The view plus a fifth salary, so that the median of an even count is the mean of the middle two.</summary>
    public static MemoryView WithExtra(this MemoryView db) =>
        new(db.Datoms.Where(d => d.E != E(5)), new[] { "name", "dept", "salary", "score", "tag" }.Select(n => db.Attribute(Keyword.Intern(null, n))!));
}

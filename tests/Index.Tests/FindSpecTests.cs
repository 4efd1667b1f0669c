using Datom.Index.Query;
using Datom.Log.Edn;
using Xunit;
using static Datom.Index.Tests.TestDb;

namespace Datom.Index.Tests;

/// <summary>Find specifications and result keys: https://docs.datomic.com/query/query-data-reference.html#find-specs and #return-maps.</summary>
public class FindSpecTests
{
    private static readonly MemoryView Db = Build(
        "{:name :string, :age :long, :aka [:string :many]}",
        """
        [{:db/id 1 :name "Maksim" :age 45 :aka ["Max Otto von Stierlitz" "Jack Ryan"]}
         {:db/id 2 :name "Ivan" :age 15}
         {:db/id 3 :name "Petr" :age 37}
         {:db/id 4 :name "Ivan" :age 37}]
        """);

    // DataScript README: the first query of its "Usage" example.
    [Fact]
    public void Relation_is_a_set_of_tuples()
    {
        AssertQ("""#{["Maksim" 45]}""", """[:find ?n ?a :where [?e :aka "Max Otto von Stierlitz"] [?e :name ?n] [?e :age ?a]]""", Db);
        var r = Q("""[:find ?n :where [?e :name ?n]]""", Db);
        Assert.Equal(FindKind.Relation, r.Kind);
        Assert.Equal(3, r.Count); // "Ivan" twice in the data, once in the set
        Assert.False(r.IsBag);
    }

    // Datomic query reference, "Find Specs": scalar `?x .` returns a single value.
    [Fact]
    public void Scalar_returns_one_value_or_null()
    {
        var r = Q("""[:find ?a . :where [?e :name "Petr"] [?e :age ?a]]""", Db);
        Assert.Equal(FindKind.Scalar, r.Kind);
        Assert.Equal(37L, r.Scalar);
        Assert.Null(Q("""[:find ?a . :where [?e :name "Nobody"] [?e :age ?a]]""", Db).Scalar);
    }

    // Datomic query reference, "Find Specs": collection `[?x ...]` returns the values of one variable.
    [Fact]
    public void Collection_returns_the_values()
    {
        var r = Q("""[:find [?n ...] :where [_ :name ?n]]""", Db);
        Assert.Equal(FindKind.Collection, r.Kind);
        Assert.Equal(Expect("""#{"Maksim" "Ivan" "Petr"}"""), Canon(r));
    }

    // Datomic query reference, "Find Specs": tuple `[?a ?b]` returns a single tuple.
    [Fact]
    public void Tuple_returns_one_tuple()
    {
        var r = Q("""[:find [?n ?a] :where [?e :name "Maksim"] [?e :name ?n] [?e :age ?a]]""", Db);
        Assert.Equal(FindKind.Tuple, r.Kind);
        Assert.Equal(Expect("""["Maksim" 45]"""), Canon(r.Tuple));
        Assert.Null(Q("""[:find [?n ?a] :where [?e :name "X"] [?e :name ?n] [?e :age ?a]]""", Db).Tuple);
    }

    // Datomic query reference, "Return Maps": :keys, :strs and :syms name the tuple positions.
    [Fact]
    public void Keys_strs_and_syms_make_maps()
    {
        var r = Q("""[:find ?n ?a :keys name age :where [?e :name ?n] [?e :age ?a] [(> ?a 40)]]""", Db);
        var map = Assert.Single(r.Maps);
        Assert.Equal("Maksim", map[Keyword.Intern(null, "name")]);
        Assert.Equal(45L, map[Keyword.Intern(null, "age")]);
        Assert.Equal(Expect("""#{{"name" "Maksim", "age" 45}}"""), Canon(Q("""[:find ?n ?a :strs name age :where [?e :name ?n] [?e :age ?a] [(> ?a 40)]]""", Db)));
        Assert.Equal(Expect("""#{{name "Maksim", age 45}}"""), Canon(Q("""[:find ?n ?a :syms name age :where [?e :name ?n] [?e :age ?a] [(> ?a 40)]]""", Db)));
    }

    // Datomic query reference, "Query Grammar": a query may be a map.
    [Fact]
    public void A_query_may_be_a_map()
    {
        AssertQ("""#{["Ivan" 15] ["Ivan" 37]}""", """{:find [?n ?a] :in [$ ?n] :where [[?e :name ?n] [?e :age ?a]]}""", Db, "Ivan");
        AssertQ("""#{["Ivan" 15] ["Ivan" 37]}""", """(:find ?n ?a :in $ ?n :where [?e :name ?n] [?e :age ?a])""", Db, "Ivan");
    }

    [Fact]
    public void Entities_come_back_as_entity_ids()
    {
        var r = Q("""[:find ?e . :where [?e :name "Petr"]]""", Db);
        Assert.Equal(E(3), r.Scalar);
    }

    [Fact]
    public void Results_print_as_edn()
    {
        var r = Q("""[:find ?e ?n :where [?e :name "Petr"] [?e :name ?n]]""", Db);
        Assert.Equal($"#{{[#id \"{E(3)}\" \"Petr\"]}}", r.ToEdn());
        Assert.Equal("37", Q("""[:find ?a . :where [3 :age ?a]]""".Replace("3", $"#id \"{E(3)}\"", StringComparison.Ordinal), Db).ToEdn());
    }

    [Fact]
    public void A_prepared_query_runs_many_times()
    {
        var q = DatalogQuery.Parse("""[:find ?a . :in $ ?n :where [?e :name ?n] [?e :age ?a]]""");
        Assert.Equal(45L, q.Run(Db, "Maksim").Scalar);
        Assert.Equal(37L, q.Run(Db, "Petr").Scalar);
        Assert.Equal(["$", "?n"], q.Inputs);
    }
}

using Datom.Index.Query;
using Datom.Log.Edn;
using Xunit;
using static Datom.Index.Tests.TestDb;

namespace Datom.Index.Tests.Conformance;

/// <summary>
/// Queries, case by case from DataScript's test/datascript/test/query*.cljc (EPL-1.0; the cases, not
/// the code): the same data, queries and inputs, with the results DataScript gives. Where datom
/// follows Datomic instead, the case is in README.md beside this file, with the reason.
/// </summary>
public class QueryConformanceTests
{
    // query_not.cljc and query_or.cljc: *test-db
    private static readonly MemoryView People = Build(
        "{:name :string, :age :long}",
        """
        [{:db/id 1 :name "Ivan" :age 10} {:db/id 2 :name "Ivan" :age 20} {:db/id 3 :name "Oleg" :age 10}
         {:db/id 4 :name "Oleg" :age 20} {:db/id 5 :name "Ivan" :age 10} {:db/id 6 :name "Ivan" :age 20}]
        """);

    [Theory]
    [InlineData("""[[?e :name] (not [?e :name "Ivan"])]""", "#{3 4}")]
    [InlineData("""[[?e :name] (not [?e :name "Ivan"] [?e :age 10])]""", "#{2 3 4 6}")]
    [InlineData("""[[?e :name] (not [?e :name "Ivan"]) (not [?e :age 10])]""", "#{4}")]
    [InlineData("""[[?e :name] (not [?e :age])]""", "#{}")]
    [InlineData("""[[?e :name "Ivan"] (not [?e :name "Oleg"])]""", "#{1 2 5 6}")]
    [InlineData("""[[?e :name] (not [?e :name "Ivan"] [?e :name "Oleg"])]""", "#{1 2 3 4 5 6}")]
    [InlineData("""[[?e :name] (not [?e :name "Ivan"] (not [?e :age 10]))]""", "#{1 3 4 5}")]
    public void Not(string where, string expected) =>
        AssertQ(expected, "[:find [?e ...] :where " + where[1..], People);

    // test-insufficient-bindings: a not whose variables nothing outside binds.
    [Fact]
    public void Not_with_no_bound_variable_is_insufficient_bindings()
    {
        var e = Assert.Throws<QueryException>(() => Q("""[:find ?e :where [?e :name] (not [?a :name "Ivan"])]""", People));
        Assert.Contains("insufficient bindings: none of ?a is bound", e.Message, StringComparison.Ordinal);
        Assert.Contains("""(not [?a :name "Ivan"])""", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""[(or [?e :name "Oleg"] [?e :age 10])]""", "#{1 3 4 5}")]
    [InlineData("""[(or [?e :name "Oleg"] [?e :age 30])]""", "#{3 4}")]
    [InlineData("""[(or [?e :name "Petr"] [?e :age 30])]""", "#{}")]
    [InlineData("""[[?e :name "Ivan"] (or [?e :name "Oleg"] [?e :age 10])]""", "#{1 5}")]
    public void Or(string where, string expected) =>
        AssertQ(expected, "[:find [?e ...] :where " + where[1..], People);

    // "join with 2 vars" (DataScript writes entities 1 and 2 as numbers; here they are #id).
    [Fact]
    public void Or_with_and_branches()
    {
        AssertQ("#{1 5 4}", $$"""[:find [?e ...] :where [?e :age ?a] (or (and [?e :name "Ivan"] [#id "{{E(1)}}" :age ?a]) (and [?e :name "Oleg"] [#id "{{E(2)}}" :age ?a]))]""", People);
        AssertQ("#{1 5 4}", $$"""[:find [?e ...] :where [?e :age ?a] (or (and [?e :name "Ivan"] [#id "{{E(1)}}" :age ?a]) (and [?e :name "Oleg"] [#id "{{E(2)}}" :age ?a] [(> ?a 15)]))]""", People);
    }

    // issue-348: branches that differ only in a variable bound by :in.
    [Fact]
    public void Or_branches_may_differ_in_in_variables()
    {
        AssertQ("#{[1] [3] [4] [5]}", """[:find ?e :in $ ?a :where (or [?e :age ?a] [?e :name "Oleg"])]""", People, 10L);
        AssertQ("#{[1] [3] [4] [5]}", """[:find ?e :in $ ?a :where (or-join [?e ?a] [?e :age ?a] [?e :name "Oleg"])]""", People, 10L);
        AssertQ("#{[1] [3] [4] [5]}", """[:find ?e :in $ ?a :where (or-join [[?a] ?e] [?e :age ?a] [?e :name "Oleg"])]""", People, 10L);
    }

    [Fact]
    public void Or_branches_with_different_free_variables_are_refused()
    {
        var e = Assert.Throws<QueryException>(() => Q("[:find ?e :where (or [?e :name _] [?e :age ?a])]", People));
        Assert.Contains("every branch of or must use the same variables (?a differ)", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<QueryException>(() => Q("""[:find ?e :where (or-join [[?e]] [?e :name "Ivan"])]""", People));
        Assert.Contains("insufficient bindings: ?e must be bound", e.Message, StringComparison.Ordinal);
    }

    // query_return_map.cljc
    private static readonly MemoryView Named = Build(
        "{:name :string, :age :long}",
        """[{:db/id 1 :name "Petr" :age 44} {:db/id 2 :name "Ivan" :age 25} {:db/id 3 :name "Sergey" :age 11}]""");

    [Fact]
    public void Return_maps()
    {
        AssertQ("""#{{:n "Petr" :a 44} {:n "Ivan" :a 25} {:n "Sergey" :a 11}}""", "[:find ?name ?age :keys n a :where [?e :name ?name] [?e :age ?age]]", Named);
        AssertQ("""#{{n "Petr" a 44} {n "Ivan" a 25} {n "Sergey" a 11}}""", "[:find ?name ?age :syms n a :where [?e :name ?name] [?e :age ?age]]", Named);
        AssertQ("""#{{"n" "Petr" "a" 44} {"n" "Ivan" "a" 25} {"n" "Sergey" "a" 11}}""", "[:find ?name ?age :strs n a :where [?e :name ?name] [?e :age ?age]]", Named);
        var r = Q("""[:find [?name ?age] :keys n a :where [?e :name ?name] [(= ?name "Ivan")] [?e :age ?age]]""", Named);
        Assert.Equal(Expect("""{:n "Ivan" :a 25}"""), Canon(r.Maps.Single()));
        Assert.Equal("""{:n "Ivan", :a 25}""", r.ToEdn());
    }

    // query_pull.cljc test-find-spec-input
    [Fact]
    public void Pull_pattern_input()
    {
        // DataScript writes entity 2 as (ground 2); here it is an input, as test entity numbers are not ids.
        AssertQ("""{:name "Ivan"}""", "[:find (pull ?e ?p) . :in $ ?p ?x :where [(ground ?x) ?e]]", Named, EdnReader.ReadOne("[:name]"), E(2));
        AssertQ("""{:name "Ivan"}""", "[:find (pull ?e p) . :in $ p ?x :where [(ground ?x) ?e]]", Named, EdnReader.ReadOne("[:name]"), E(2));
    }

    // query.cljc test-nested-bindings and test-built-in-get: a map binds as its entries.
    [Fact]
    public void Map_as_collection_binding()
    {
        AssertQ("#{[:b 2] [:c 3]}", "[:find ?k ?v :in [[?k ?v] ...] :where [(> ?v 1)]]", EdnReader.ReadOne("{:a 1, :b 2, :c 3}"));
        AssertQ("#{[{:d 2} 2]}", "[:find ?m ?m-value :in [[?k ?m] ...] ?m-key :where [(get ?m ?m-key) ?m-value]]", EdnReader.ReadOne("{:a {:b 1} :c {:d 2}}"), Keyword.Parse(":d"));
    }

    // query_aggregates.cljc "Grouping and parameter passing"
    [Fact]
    public void Aggregate_count_from_an_input()
    {
        var data = EdnReader.ReadOne("[[:red 1] [:red 2] [:red 3] [:red 4] [:red 5] [:blue 7] [:blue 8]]");
        var r = Q("[:find ?color (max ?amount ?x) (min ?amount ?x) :in [[?color ?x]] ?amount]", data, 3L);
        // As DataScript: both list their values ascending.
        Assert.Equal(Expect("#{[:red [3 4 5] [1 2 3]] [:blue [7 8] [7 8]]}"), Canon(r));
    }

    // query_fns.cljc "Built-in vector, hashmap"
    [Fact]
    public void Hash_map()
    {
        AssertQ("#{{:db/id -1 :age 92 :name \"Aaron\"}}", """[:find [?tx-data ...] :where [(hash-map :db/id -1 :age 92 :name "Aaron") ?tx-data]]""");
        AssertQ("#{[:db/add -1 :attr 12]}", "[:find [?tx-data ...] :where [(ground :db/add) ?op] [(vector ?op -1 :attr 12) ?tx-data]]");
    }

    // query_fns.cljc "missing?" and "missing? back-ref"
    [Fact]
    public void Missing_on_reverse_attributes()
    {
        var db = Build(
            "{:name :string, :age :long, :height :long, :parent :ref}",
            """[{:db/id 1 :name "Ivan" :age 15} {:db/id 2 :name "Petr" :age 22 :height 240 :parent 1} {:db/id 3 :name "Slava" :age 37 :parent 2}]""");
        AssertQ("#{[1 15] [3 37]}", "[:find ?e ?age :in $ :where [?e :age ?age] [(missing? $ ?e :height)]]", db);
        AssertQ("#{[3]}", "[:find ?e :in $ :where [?e :age ?age] [(missing? $ ?e :_parent)]]", db);
    }

    // query_fns.cljc "compare values of different types"
    [Fact]
    public void Comparing_values_of_different_types()
    {
        var mixed = new List<object> { 0L, 1L, "" };
        AssertQ("#{[0]}", "[:find ?e :in [?e ...] :where [(< ?e 1)]]", mixed);
        AssertQ("#{[0] [1]}", "[:find ?e :in [?e ...] :where [(<= ?e 1)]]", mixed);
        AssertQ("""#{[""]}""", "[:find ?e :in [?e ...] :where [(> ?e 1)]]", mixed);
        AssertQ("""#{[1] [""]}""", "[:find ?e :in [?e ...] :where [(>= ?e 1)]]", mixed);
    }

    // lookup_refs.cljc test-lookup-refs-query, "inline refs"; naming nothing is Datomic's error.
    [Fact]
    public void Lookup_refs_in_patterns()
    {
        var db = Build(
            "{:name [:string :unique], :age :long, :friend :ref}",
            """[{:db/id 1 :name "Ivan" :age 11 :friend 2} {:db/id 2 :name "Petr" :age 22 :friend 3} {:db/id 3 :name "Oleg" :age 33}]""");
        AssertQ("#{[2]}", """[:find ?v :where [[:name "Ivan"] :friend ?v]]""", db);
        AssertQ("#{[1]}", """[:find ?e :where [?e :friend [:name "Petr"]]]""", db);
        var e = Assert.Throws<QueryException>(() => Q("""[:find ?v :where [[:name "Nobody"] :friend ?v]]""", db));
        Assert.Contains("""lookup ref [:name "Nobody"] names no entity""", e.Message, StringComparison.Ordinal);
    }
}

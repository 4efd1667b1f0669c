using Datom.Index.Query;
using Datom.Log.Edn;
using Xunit;
using static Datom.Index.Tests.TestDb;

namespace Datom.Index.Tests;

/// <summary>Data patterns: https://docs.datomic.com/query/query-data-reference.html#data-patterns.</summary>
public class PatternTests
{
    private static readonly MemoryView Db = Build(
        "{:user/email [:string :unique], :user/name :string, :user/status :ref, :user/friend [:ref :many], :user/role :keyword, :user/score :double}",
        """
        [{:db/id 100 :db/ident :status/active}
         {:db/id 101 :db/ident :status/banned}]
        """,
        """
        [{:db/id 1 :user/email "a@b" :user/name "Ann" :user/status :status/active :user/friend [2 3] :user/role :admin :user/score 1.5}
         {:db/id 2 :user/email "b@b" :user/name "Bob" :user/status :status/banned :user/friend [1] :user/role :user}
         {:db/id 3 :user/email "c@b" :user/name "Cid" :user/status :status/active :user/role :user :user/score 3}]
        """);

    // "Data Patterns": a pattern may end early; missing places are blanks.
    [Fact]
    public void Short_patterns_and_blanks()
    {
        AssertQ("#{[1] [3]}", "[:find ?e :where [?e :user/score]]", Db);
        AssertQ("#{[1] [2] [3]}", "[:find ?e :where [?e :user/name _]]", Db);
        AssertQ("#{[1] [2]}", "[:find ?e :where [?e :user/friend _]]", Db);
    }

    // "Data Patterns": [e a v tx added]; the tx is the transaction entity.
    [Fact]
    public void Transaction_and_added_places()
    {
        var r = Q("""[:find ?tx ?added :where [?e :user/name "Ann" ?tx ?added]]""", Db);
        Assert.Equal(Expect($"#{{[#id \"{Tx(2)}\" true]}}"), Canon(r));
        AssertQ("#{[1] [2] [3]}", """[:find ?e :where [?e :user/name _ ?tx true] [?e :user/email _ ?tx]]""", Db);
        AssertQ("#{}", """[:find ?e :where [?e :user/name _ _ false]]""", Db);
    }

    // "Entity identifiers": an ident keyword names its entity in the entity place.
    [Fact]
    public void Ident_in_entity_place()
    {
        AssertQ("#{[:status/active]}", """[:find ?i :where [:status/active :db/ident ?i]]""", Db);
    }

    // "Lookup refs" in entity and in value places.
    [Fact]
    public void Lookup_refs()
    {
        AssertQ("""#{["Ann"]}""", """[:find ?n :where [[:user/email "a@b"] :user/name ?n]]""", Db);
        AssertQ("""#{["Bob"]}""", """[:find ?n :where [?e :user/friend [:user/email "a@b"]] [?e :user/name ?n]]""", Db);
        // A lookup ref written in a pattern that names nothing is an error, as in Datomic.
        var e = Assert.Throws<QueryException>(() => Q("""[:find ?n :where [[:user/email "nobody"] :user/name ?n]]""", Db));
        Assert.Contains("""lookup ref [:user/email "nobody"] names no entity""", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<QueryException>(() => Q("""[:find ?e :where [?e :user/friend [:user/email "nobody"]]]""", Db));
        Assert.Contains("""lookup ref [:user/email "nobody"] names no entity""", e.Message, StringComparison.Ordinal);
    }

    // Keyword values of ref attributes are idents (":db/ident as enum").
    [Fact]
    public void Keyword_value_of_a_ref_attribute_is_an_ident()
    {
        AssertQ("""#{["Ann"] ["Cid"]}""", """[:find ?n :where [?e :user/status :status/active] [?e :user/name ?n]]""", Db);
        AssertQ("""#{["Bob"]}""", """[:find ?n :in $ ?s :where [?e :user/status ?s] [?e :user/name ?n]]""", Db, Keyword.Parse(":status/banned"));
        AssertQ("""#{["Bob"]}""", """[:find ?n :in $ [?s ...] :where [?e :user/status ?s] [?e :user/name ?n]]""", Db, new List<object> { Keyword.Parse(":status/banned"), Keyword.Parse(":status/nope") });
        AssertQ("""#{[:status/active "Ann"] [:status/active "Cid"] [:status/banned "Bob"]}""", """[:find ?i ?n :where [?e :user/status ?s] [?s :db/ident ?i] [?e :user/name ?n]]""", Db);
    }

    // Keyword-typed attributes hold keywords, not idents.
    [Fact]
    public void Keyword_attribute_values()
    {
        AssertQ("""#{["Bob"] ["Cid"]}""", """[:find ?n :where [?e :user/role :user] [?e :user/name ?n]]""", Db);
        AssertQ("#{[:admin] [:user]}", """[:find ?r :where [_ :user/role ?r]]""", Db);
    }

    // A long constant matches a double attribute by value.
    [Fact]
    public void Numbers_in_double_attributes()
    {
        AssertQ("#{[3]}", "[:find ?e :where [?e :user/score 3]]", Db);
        AssertQ("#{[1]}", "[:find ?e :where [?e :user/score 1.5]]", Db);
    }

    // "Data Patterns": a variable in attribute place binds the attribute (as its ident keyword).
    [Fact]
    public void Attribute_variable()
    {
        AssertQ("""#{[:user/email "c@b"] [:user/name "Cid"] [:user/role :user] [:user/score 3.0]}""",
            """[:find ?a ?v :where [?e :user/email "c@b"] [?e ?a ?v] [(!= ?a :user/status)]]""", Db);
        AssertQ("#{[:user/friend]}", $"[:find ?a :where [#id \"{E(1)}\" ?a #id \"{E(2)}\"]]", Db);
        AssertQ("#{[\"Ann\"]}", """[:find ?v :in $ ?a :where [?e ?a ?v] [?e :user/email "a@b"]]""", Db, Keyword.Parse(":user/name"));
    }

    [Fact]
    public void Repeated_variable_in_one_pattern()
    {
        var db = Build("{:f [:ref :many]}", "[{:db/id 1 :f [1 2]} {:db/id 2 :f [1]}]");
        AssertQ("#{[1]}", "[:find ?e :where [?e :f ?e]]", db);
    }

    [Fact]
    public void Constant_only_pattern_is_an_existence_test()
    {
        AssertQ("""#{["Ann"] ["Bob"] ["Cid"]}""", """[:find ?n :where [?e :user/name ?n] [_ :user/role :admin]]""", Db);
        AssertQ("#{}", """[:find ?n :where [?e :user/name ?n] [_ :user/role :superuser]]""", Db);
    }

    [Fact]
    public void Cross_product_of_unrelated_patterns()
    {
        AssertQ("""#{["Ann" :admin] ["Bob" :admin] ["Cid" :admin]}""", """[:find ?n ?r :where [?e :user/name ?n] [?x :user/role ?r] [?x :user/email "a@b"]]""", Db);
    }

    [Fact]
    public void Unknown_attribute_is_an_error()
    {
        var e = Assert.Throws<QueryException>(() => Q("[:find ?n\n :where [?e :user/nme ?n]]", Db));
        Assert.Equal(":user/nme is not an attribute", e.Reason);
        Assert.Equal("2:9: :user/nme is not an attribute, in [?e :user/nme ?n]", e.Message);
    }

    [Fact]
    public void Numbers_cannot_name_entities()
    {
        var e = Assert.Throws<QueryException>(() => Q("[:find ?n :where [42 :user/name ?n]]", Db));
        Assert.Contains("cannot name an entity", e.Message, StringComparison.Ordinal);
    }
}

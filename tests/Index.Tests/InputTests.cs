using Datom.Index.Query;
using Datom.Log.Edn;
using Xunit;
using static Datom.Index.Tests.TestDb;

namespace Datom.Index.Tests;

/// <summary>:in bindings: https://docs.datomic.com/query/query-data-reference.html#inputs and #binding-forms.</summary>
public class InputTests
{
    // A tiny slice of the docs' mbrainz examples.
    private static readonly MemoryView Db = Build(
        "{:artist/name :string, :release/name :string, :release/artists [:ref :many], :release/year :long}",
        """
        [{:db/id 1 :artist/name "John Lennon"}
         {:db/id 2 :artist/name "Paul McCartney"}
         {:db/id 3 :artist/name "George Harrison"}
         {:db/id 10 :release/name "Imagine" :release/artists [1] :release/year 1971}
         {:db/id 11 :release/name "Ram" :release/artists [2] :release/year 1971}
         {:db/id 12 :release/name "McCartney" :release/artists [2] :release/year 1970}
         {:db/id 13 :release/name "All Things Must Pass" :release/artists [3] :release/year 1970}]
        """);

    // Binding forms, "Scalar": :in $ ?artist-name.
    [Fact]
    public void Scalar_binding()
    {
        AssertQ("""#{["Ram"] ["McCartney"]}""",
            """[:find ?release-name :in $ ?artist-name :where [?artist :artist/name ?artist-name] [?release :release/artists ?artist] [?release :release/name ?release-name]]""",
            Db, "Paul McCartney");
    }

    // Binding forms, "Tuple": :in $ [?artist-name ?release-name].
    [Fact]
    public void Tuple_binding()
    {
        AssertQ("#{[12]}",
            """[:find ?release :in $ [?artist-name ?release-name] :where [?artist :artist/name ?artist-name] [?release :release/artists ?artist] [?release :release/name ?release-name]]""",
            Db, new EdnVector(["Paul McCartney", "McCartney"]));
    }

    // Binding forms, "Collection": :in $ [?artist-name ...].
    [Fact]
    public void Collection_binding()
    {
        AssertQ("""#{["Imagine"] ["Ram"] ["McCartney"]}""",
            """[:find ?release-name :in $ [?artist-name ...] :where [?artist :artist/name ?artist-name] [?release :release/artists ?artist] [?release :release/name ?release-name]]""",
            Db, new List<object> { "Paul McCartney", "John Lennon" });
    }

    // Binding forms, "Relation": :in $ [[?artist-name ?release-name]].
    [Fact]
    public void Relation_binding()
    {
        AssertQ("""#{[10] [11]}""",
            """[:find ?release :in $ [[?artist-name ?release-name]] :where [?artist :artist/name ?artist-name] [?release :release/artists ?artist] [?release :release/name ?release-name]]""",
            Db, EdnReader.ReadOne("""[["John Lennon" "Imagine"] ["Paul McCartney" "Ram"] ["Paul McCartney" "Nope"]]"""));
    }

    [Fact]
    public void Relation_binding_without_a_database()
    {
        AssertQ("""#{["a" 1] ["b" 2]}""", """[:find ?k ?v :in [[?k ?v]]]""", EdnReader.ReadOne("""[["a" 1] ["b" 2] ["a" 1]]"""));
    }

    [Fact]
    public void Blank_in_a_binding_ignores_the_place()
    {
        AssertQ("""#{[1] [2]}""", """[:find ?v :in [[_ ?v]]]""", EdnReader.ReadOne("""[["a" 1] ["b" 2]]"""));
        AssertQ("""#{["x"]}""", """[:find ?x :in _ ?x]""", "ignored", "x");
    }

    // Inputs, "Multiple Inputs": several sources, named $ and $name, patterns pick theirs.
    [Fact]
    public void Several_sources()
    {
        var other = Build("{:artist/name :string, :artist/country :keyword}", """[{:db/id 1 :artist/name "John Lennon" :artist/country :uk} {:db/id 2 :artist/name "Paul McCartney" :artist/country :uk}]""");
        AssertQ("""#{["Imagine" :uk]}""",
            """[:find ?rn ?c :in $ $countries ?name :where [?a :artist/name ?name] [?r :release/artists ?a] [?r :release/name ?rn] [$countries ?a2 :artist/name ?name] [$countries ?a2 :artist/country ?c]]""",
            Db, other, "John Lennon");
        AssertQ("""#{["Imagine"]}""",
            """[:find ?rn :in $1 $2 :where [$1 ?a :artist/name "John Lennon"] [$1 ?r :release/artists ?a] [$1 ?r :release/name ?rn] [$2 _ :artist/name "John Lennon"]]""",
            Db, other);
    }

    [Fact]
    public void Same_variable_in_two_inputs_must_agree()
    {
        AssertQ("""#{[2]}""", """[:find ?x :in [?x ...] [?x ...]]""", new List<object> { 1L, 2L }, new List<object> { 2L, 3L });
    }

    [Fact]
    public void An_entity_id_or_a_lookup_ref_can_be_an_input()
    {
        AssertQ("""#{["Ram"] ["McCartney"]}""", """[:find ?rn :in $ ?a :where [?r :release/artists ?a] [?r :release/name ?rn]]""", Db, E(2));
        var people = Build("{:email [:string :unique], :name :string}", """[{:db/id 1 :email "a@b" :name "A"}]""");
        AssertQ("""#{["A"]}""", """[:find ?n :in $ ?e :where [?e :name ?n]]""", people, EdnReader.ReadOne("""[:email "a@b"]"""));
    }

    [Fact]
    public void Input_count_must_match()
    {
        var e = Assert.Throws<QueryException>(() => Q("""[:find ?n :in $ ?x :where [?e :artist/name ?n]]""", Db));
        Assert.Contains("takes 2 input(s)", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<QueryException>(() => Q("""[:find ?n :where [?e :artist/name ?n]]""", Db, "extra"));
        Assert.Contains("got 2", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_source_must_be_a_database()
    {
        var e = Assert.Throws<QueryException>(() => Q("""[:find ?n :in $ :where [?e :artist/name ?n]]""", "not a db"));
        Assert.Contains("a database", e.Message, StringComparison.Ordinal);
    }
}

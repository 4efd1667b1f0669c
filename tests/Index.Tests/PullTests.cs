using Datom.Index.Query;
using Datom.Log.Edn;
using Xunit;
using static Datom.Index.Tests.TestDb;

namespace Datom.Index.Tests;

/// <summary>Pull: https://docs.datomic.com/query/query-pull.html (examples adapted to small data).</summary>
public class PullTests
{
    private static readonly MemoryView Db = Build(
        """
        {:artist/name :string, :artist/country :ref, :artist/endYear :long, :artist/gid [:uuid :unique],
         :release/name :string, :release/artists [:ref :many], :release/media [:ref :many :component],
         :medium/format :keyword, :medium/tracks [:ref :many :component],
         :track/name :string, :track/artists [:ref :many], :track/position :long,
         :person/name :string, :person/friend [:ref :many], :person/boss :ref, :person/alias [:string :many],
         :item/owner [:ref :component]}
        """,
        """[{:db/id 100 :db/ident :country/GB}]""",
        """
        [{:db/id 1 :artist/name "Led Zeppelin" :artist/country :country/GB :artist/gid #uuid "678d88b2-87b0-403b-b63d-5da7465aecc3"}
         {:db/id 2 :artist/name "Jimi Hendrix" :artist/endYear 1970}
         {:db/id 10 :release/name "IV" :release/artists [1]
          :release/media [{:db/id 20 :medium/format :vinyl
                           :medium/tracks [{:db/id 30 :track/name "Black Dog" :track/position 1 :track/artists [1]}
                                           {:db/id 31 :track/name "Rock and Roll" :track/position 2 :track/artists [1]}]}]}
         {:db/id 50 :person/name "A" :person/friend [51] :person/alias ["a" "aa" "aaa"]}
         {:db/id 51 :person/name "B" :person/friend [52] :person/boss 50}
         {:db/id 52 :person/name "C" :person/friend [50 53]}
         {:db/id 53 :person/name "D"}
         {:db/id 60 :item/owner 61}
         {:db/id 61 :person/name "owned"}]
        """);

    private static string Pull(string pattern, object entity) => Canon(Datalog.Pull(Db, pattern, entity));

    // "Attribute Name": the attributes asked for, in a map.
    [Fact]
    public void Attribute_names()
    {
        Assert.Equal(Expect("""{:artist/name "Led Zeppelin" :artist/gid #uuid "678d88b2-87b0-403b-b63d-5da7465aecc3"}"""), Pull("[:artist/name :artist/gid]", E(1)));
    }

    // "Missing Attributes": an attribute the entity lacks is left out.
    [Fact]
    public void Missing_attributes_are_left_out()
    {
        Assert.Equal(Expect("""{:artist/name "Led Zeppelin"}"""), Pull("[:artist/name :artist/endYear]", E(1)));
    }

    // "Empty Results": nothing matched, nil.
    [Fact]
    public void Nothing_found_is_null()
    {
        Assert.Null(Datalog.Pull(Db, "[:track/name]", E(1)));
        Assert.Null(Datalog.Pull(Db, "[:artist/name]", E(999)));
        Assert.Equal(Expect("{:db/id 999}"), Pull("[:db/id :artist/name]", E(999)));
    }

    // "Reverse Lookup": :ns/_attr gives the referring entities.
    [Fact]
    public void Reverse_references()
    {
        Assert.Equal(Expect("{:release/_artists [{:db/id 10}]}"), Pull("[:release/_artists]", E(1)));
        Assert.Equal(Expect("""{:track/_artists [{:track/name "Black Dog"} {:track/name "Rock and Roll"}]}"""), Pull("[{:track/_artists [:track/name]}]", E(1)));
        // A component has one owner: the reverse of a component attribute is a single map.
        Assert.Equal(Expect("{:release/_media {:db/id 10}}"), Pull("[:release/_media]", E(20)));
    }

    // "Map Specifications" and nesting.
    [Fact]
    public void Nested_map_specs()
    {
        Assert.Equal(Expect("""{:track/name "Black Dog" :track/artists [{:db/id 1 :artist/name "Led Zeppelin"}]}"""), Pull("[:track/name {:track/artists [:db/id :artist/name]}]", E(30)));
        Assert.Equal(Expect("""{:release/media [{:medium/tracks [{:track/name "Black Dog" :track/artists [{:artist/name "Led Zeppelin"}]} {:track/name "Rock and Roll" :track/artists [{:artist/name "Led Zeppelin"}]}]}]}"""),
            Pull("[{:release/media [{:medium/tracks [:track/name {:track/artists [:artist/name]}]}]}]", E(10)));
    }

    // A reference without a nested pattern is {:db/id …}; an ident's entity too.
    [Fact]
    public void References_without_a_pattern()
    {
        Assert.Equal(Expect("""{:artist/country {:db/id 100}}"""), Pull("[:artist/country]", E(1)));
        Assert.Equal(Expect("""{:artist/country {:db/ident :country/GB}}"""), Pull("[{:artist/country [:db/ident]}]", E(1)));
    }

    // "Component Defaults": a component attribute pulled by name brings the whole component, recursively.
    [Fact]
    public void Components_are_pulled_whole()
    {
        Assert.Equal(Expect("""
            {:release/media [{:db/id 20 :medium/format :vinyl
                              :medium/tracks [{:db/id 30 :track/name "Black Dog" :track/position 1 :track/artists [{:db/id 1}]}
                                              {:db/id 31 :track/name "Rock and Roll" :track/position 2 :track/artists [{:db/id 1}]}]}]}
            """), Pull("[:release/media]", E(10)));
        Assert.Equal(Expect("""{:item/owner {:db/id 61 :person/name "owned"}}"""), Pull("[:item/owner]", E(60)));
    }

    // "Wildcard Specifications": every attribute, :db/id, components recursively.
    [Fact]
    public void Wildcard()
    {
        Assert.Equal(Expect("""{:db/id 2 :artist/name "Jimi Hendrix" :artist/endYear 1970}"""), Pull("[*]", E(2)));
        Assert.Equal(Expect("""{:db/id 50 :person/name "A" :person/friend [{:db/id 51}] :person/alias ["a" "aa" "aaa"]}"""), Pull("[*]", E(50)));
        Assert.Equal(Expect("""{:db/id 30 :track/name "Black Dog" :track/position 1 :track/artists [{:artist/name "Led Zeppelin"}]}"""), Pull("[* {:track/artists [:artist/name]}]", E(30)));
        var medium = Datalog.Pull(Db, "[*]", E(10))!;
        Assert.IsType<PullMap>(((IReadOnlyList<object?>)medium[Keyword.Parse(":release/media")]!)[0]);
    }

    // "Attribute with Options": :as, :limit, :default, in vector and list form, and the limit/default expressions.
    [Fact]
    public void Attribute_options()
    {
        Assert.Equal(Expect("""{"Band Name" "Led Zeppelin"}"""), Pull("""[[:artist/name :as "Band Name"]]""", E(1)));
        Assert.Equal(Expect("""{:artist/name "Led Zeppelin" :artist/endYear 0}"""), Pull("[:artist/name [:artist/endYear :default 0]]", E(1)));
        Assert.Equal(Expect("""{:artist/name "Led Zeppelin" :artist/endYear 0}"""), Pull("[:artist/name (:artist/endYear :default 0)]", E(1)));
        Assert.Equal(Expect("""{:artist/endYear 0}"""), Pull("[(default :artist/endYear 0)]", E(1)));
        Assert.Equal(Expect("""{:person/alias ["a" "aa"]}"""), Pull("[[:person/alias :limit 2]]", E(50)));
        Assert.Equal(Expect("""{:person/alias ["a"]}"""), Pull("[(limit :person/alias 1)]", E(50)));
        Assert.Equal(Expect("""{:track/_artists [{:db/id 30}]}"""), Pull("[[:track/_artists :limit 1]]", E(1)));
        Assert.Equal(Expect("""{"n" "A" :x ["a" "aa"]}"""), Pull("""[[:person/name :as "n"] [:person/alias :as :x :limit 2 :default []]]""", E(50)));
        Assert.Equal(Expect("""{:fs [{:person/name "B"}]}"""), Pull("""[{[:person/friend :as :fs] [:person/name]}]""", E(50)));
    }

    // "Limit Option": cardinality-many values stop at 1000 unless :limit says otherwise (nil: no limit).
    [Fact]
    public void Default_limit_is_a_thousand()
    {
        var ids = string.Join(" ", Enumerable.Range(0, 1005).Select(i => $"\"v{i}\""));
        var db = Build("{:v [:string :many]}", $"[{{:db/id 1 :v [{ids}]}}]");
        Assert.Equal(1000, ((IReadOnlyList<object?>)Datalog.Pull(db, "[:v]", E(1))![Keyword.Parse(":v")]!).Count);
        Assert.Equal(1005, ((IReadOnlyList<object?>)Datalog.Pull(db, "[[:v :limit nil]]", E(1))![Keyword.Parse(":v")]!).Count);
        Assert.Equal(1000, ((IReadOnlyList<object?>)Datalog.Pull(db, "[*]", E(1))![Keyword.Parse(":v")]!).Count);
    }

    // "Recursive Specifications": a depth limit, and ... with cycles ending at an entity seen on the path.
    [Fact]
    public void Recursion()
    {
        Assert.Equal(Expect("""{:person/name "A" :person/friend [{:person/name "B" :person/friend [{:person/name "C"}]}]}"""), Pull("[:person/name {:person/friend 2}]", E(50)));
        // DataScript's cycle rule: the root is not "seen", so the cycle back to A pulls A once more,
        // and A's friend B (seen on this path) gives only its id.
        Assert.Equal(Expect("""{:person/name "A" :person/friend [{:person/name "B" :person/friend [{:person/name "C" :person/friend [{:person/name "A" :person/friend [{:db/id 51}]} {:person/name "D"}]}]}]}"""),
            Pull("[:person/name {:person/friend ...}]", E(50)));
        Assert.Equal(Expect("""{:person/name "B" :person/boss {:person/name "A" :person/friend [{:db/id 51}]}}"""), Pull("[:person/name {:person/boss [:person/name :person/friend]}]", E(51)));
    }

    [Fact]
    public void Entities_by_ident_and_lookup_ref()
    {
        Assert.Equal(Expect("{:db/id 100}"), Pull("[:db/id]", Keyword.Parse(":country/GB")));
        Assert.Equal(Expect("""{:artist/name "Led Zeppelin"}"""), Pull("[:artist/name]", EdnReader.ReadOne("""[:artist/gid #uuid "678d88b2-87b0-403b-b63d-5da7465aecc3"]""")!));
        Assert.Null(Datalog.Pull(Db, "[:artist/name]", EdnReader.ReadOne("""[:artist/gid #uuid "00000000-87b0-403b-b63d-5da7465aecc3"]""")!));
    }

    [Fact]
    public void Pull_many()
    {
        var maps = Datalog.PullMany(Db, "[:artist/name]", [E(1), E(2), E(999)]);
        Assert.Equal(Expect("""[{:artist/name "Led Zeppelin"} {:artist/name "Jimi Hendrix"} nil]"""), Canon(maps));
    }

    // Pull in :find (https://docs.datomic.com/query/query-pull.html#pull-in-query), with a constant or an input pattern.
    [Fact]
    public void Pull_in_find()
    {
        AssertQ("""#{[{:artist/name "Led Zeppelin"}] [{:artist/name "Jimi Hendrix"}]}""", "[:find (pull ?e [:artist/name]) :where [?e :artist/name]]", Db);
        AssertQ("""#{[{:track/name "Black Dog"} 1] [{:track/name "Rock and Roll"} 2]}""", "[:find (pull ?t pattern) ?p :in $ pattern :where [?t :track/position ?p]]".Replace("pattern", "?pattern", StringComparison.Ordinal), Db, EdnReader.ReadOne("[:track/name]"));
        AssertQ("""#{{:artist/name "Jimi Hendrix" :artist/endYear 1970}}""", """[:find [(pull $ ?e [:artist/name :artist/endYear]) ...] :where [?e :artist/endYear]]""", Db);
        AssertQ("""#{[{:release/name "IV"} 2]}""", "[:find (pull ?r [:release/name]) (count ?t) :where [?r :release/media ?m] [?m :medium/tracks ?t]]", Db);
    }

    [Fact]
    public void Pull_errors()
    {
        var e = Assert.Throws<QueryException>(() => Datalog.Pull(Db, "[:artist/_name]", E(1)));
        Assert.Contains("is not a ref attribute", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<QueryException>(() => Datalog.Pull(Db, "[{:person/friend \"x\"}]", E(1)));
        Assert.Contains("recursion limit", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<QueryException>(() => Datalog.Pull(Db, "[[:person/name :as]]", E(1)));
        Assert.Contains("options come in pairs", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<QueryException>(() => Q("[:find (pull ?e [42]) :where [?e :artist/name]]", Db));
        Assert.Contains("a pull attribute spec is", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<QueryException>(() => Datalog.Pull(Db, "[:artist/name]", "Led"));
        Assert.Contains("cannot name an entity", e.Message, StringComparison.Ordinal);
    }
}

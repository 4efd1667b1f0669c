using Datom.Index.Query;
using Xunit;
using static Datom.Index.Tests.TestDb;

namespace Datom.Index.Tests.Conformance;

/// <summary>
/// Pull, case by case from DataScript's test/datascript/test/pull_api.cljc (EPL-1.0; the cases, not
/// the code): the same database and patterns, the expected maps as DataScript gives them. Where datom
/// follows Datomic instead, the case is in README.md beside this file.
/// </summary>
public class PullConformanceTests
{
    private const string Schema =
        "{:name [:string :unique], :aka [:string :many], :child [:ref :many], :friend [:ref :many], :enemy [:ref :many], :father :ref, :part [:ref :many :component], :spec [:ref :component]}";

    private const string TestDatoms = """
        [[:db/add 1 :name "Petr"] [:db/add 1 :aka "Devil"] [:db/add 1 :aka "Tupen"]
         [:db/add 2 :name "David"] [:db/add 3 :name "Thomas"] [:db/add 4 :name "Lucy"]
         [:db/add 5 :name "Elizabeth"] [:db/add 6 :name "Matthew"] [:db/add 7 :name "Eunan"]
         [:db/add 8 :name "Kerri"] [:db/add 9 :name "Rebecca"]
         [:db/add 1 :child 2] [:db/add 1 :child 3] [:db/add 2 :father 1] [:db/add 3 :father 1] [:db/add 6 :father 3]
         [:db/add 10 :name "Part A"] [:db/add 11 :name "Part A.A"] [:db/add 10 :part 11]
         [:db/add 12 :name "Part A.A.A"] [:db/add 11 :part 12] [:db/add 13 :name "Part A.A.A.A"] [:db/add 12 :part 13]
         [:db/add 14 :name "Part A.A.A.B"] [:db/add 12 :part 14] [:db/add 15 :name "Part A.B"] [:db/add 10 :part 15]
         [:db/add 16 :name "Part A.B.A"] [:db/add 15 :part 16] [:db/add 17 :name "Part A.B.A.A"] [:db/add 16 :part 17]
         [:db/add 18 :name "Part A.B.A.B"] [:db/add 16 :part 18]]
        """;

    private static readonly MemoryView Db = Build(Schema, TestDatoms);

    private static void AssertPull(string expected, string pattern, long e, MemoryView? db = null) =>
        Assert.Equal(Expect(expected), Canon(Datalog.Pull(db ?? Db, pattern, E(e))));

    [Fact]
    public void Attr_spec()
    {
        AssertPull("""{:name "Petr" :aka ["Devil" "Tupen"]}""", "[:name :aka]", 1);
        AssertPull("""{:name "Matthew" :father {:db/id 3} :db/id 6}""", "[:name :father :db/id]", 6);
    }

    [Fact]
    public void Reverse_attr_spec()
    {
        AssertPull("""{:name "David" :_child [{:db/id 1}]}""", "[:name :_child]", 2);
        AssertPull("""{:name "David" :_child [{:name "Petr"}]}""", "[:name {:_child [:name]}]", 2);
        AssertPull("""{:name "Thomas" :_father [{:db/id 6}]}""", "[:name :_father]", 3);
        AssertPull("""{:name "Petr" :_father [{:db/id 2} {:db/id 3}]}""", "[:name :_father]", 1);
        AssertPull("""{:name "Petr" :_father [{:name "David"} {:name "Thomas"}]}""", "[:name {:_father [:name]}]", 1);
        AssertPull("""{:name "Petr" :_father [{:db/id 2} {:db/id 3}]}""", "[:name :_father :_child]", 1);
    }

    [Fact]
    public void Component_attr()
    {
        const string parts = """
            {:name "Part A" :part [{:db/id 11 :name "Part A.A" :part [{:db/id 12 :name "Part A.A.A" :part [{:db/id 13 :name "Part A.A.A.A"} {:db/id 14 :name "Part A.A.A.B"}]}]}
                                   {:db/id 15 :name "Part A.B" :part [{:db/id 16 :name "Part A.B.A" :part [{:db/id 17 :name "Part A.B.A.A"} {:db/id 18 :name "Part A.B.A.B"}]}]}]}
            """;
        AssertPull(parts, "[:name :part]", 10);
        AssertPull("""{:name "Part A.A" :_part {:db/id 10}}""", "[:name :_part]", 11);
        AssertPull("""{:name "Part A.A" :_part {:name "Part A"}}""", "[:name {:_part [:name]}]", 11);
        AssertPull("""{:name "Part A.A.A.B" :_part {:name "Part A.A.A" :_part {:name "Part A.A" :_part {:name "Part A"}}}}""", "[:name {:_part ...}]", 14);
        AssertPull("""{:name "Part A.A.A.B" :_part {:name "Part A.A.A" :_part {:name "Part A.A"}}}""", "[:name {:_part 2}]", 14);
    }

    // "Like explicit recursion, expansion will not allow loops": 12 -> 10 closes a loop of components.
    [Fact]
    public void Component_expansion_stops_at_a_seen_entity()
    {
        var recdb = Build(Schema, TestDatoms, "[[:db/add 12 :part 10]]");
        const string rpart = """
            {:name "Part A" :part [{:db/id 11 :name "Part A.A" :part [{:db/id 12 :name "Part A.A.A" :part [
                {:db/id 10 :name "Part A" :part [{:db/id 11} {:name "Part A.B" :part [{:name "Part A.B.A" :part [{:name "Part A.B.A.A" :db/id 17} {:name "Part A.B.A.B" :db/id 18}] :db/id 16}] :db/id 15}]}
                {:db/id 13 :name "Part A.A.A.A"} {:db/id 14 :name "Part A.A.A.B"}]}]}
              {:db/id 15 :name "Part A.B" :part [{:db/id 16 :name "Part A.B.A" :part [{:db/id 17 :name "Part A.B.A.A"} {:db/id 18 :name "Part A.B.A.B"}]}]}]}
            """;
        AssertPull(rpart, "[:name :part]", 10, recdb);
    }

    [Fact]
    public void Wildcard()
    {
        AssertPull("""{:db/id 1 :name "Petr" :aka ["Devil" "Tupen"] :child [{:db/id 2} {:db/id 3}]}""", "[*]", 1);
        AssertPull("""{:db/id 2 :name "David" :_child [{:db/id 1}] :father {:db/id 1}}""", "[* :_child]", 2);
        AssertPull("""{:aka ["Devil" "Tupen"] :child [{:db/id 2} {:db/id 3}] :name "Petr" :db/id 1}""", "[:name *]", 1);
        AssertPull("""{:aka ["Devil" "Tupen"] :child [{:db/id 2} {:db/id 3}] :name "Petr" :db/id 1}""", "[:aka :child :name *]", 1);
        AssertPull("""{:db/id 1 :name "Petr" :aka ["Devil" "Tupen"] :child [{:db/id 2 :father {:db/id 1} :name "David"} {:db/id 3 :father {:db/id 1} :name "Thomas"}]}""", "[* {:child ...}]", 1);
    }

    // [:attr :as :alias] next to *: only the alias.
    [Fact]
    public void Alias_with_wildcard()
    {
        AssertPull("""{:alias ["Devil" "Tupen"] :child [{:db/id 2} {:db/id 3}] :first-name "Petr" :db/id 1}""", "[[:aka :as :alias] [:name :as :first-name] *]", 1);
        AssertPull("""{"Name" "Petr" :alias ["Devil" "Tupen"]}""", """[[:name :as "Name"] [:aka :as :alias]]""", 1);
        AssertPull("""{"Name" "Nothing"}""", """[[:foo :as "Name" :default "Nothing"]]""", 1, WithFoo);
    }

    private static readonly MemoryView WithFoo = Build(Schema[..^1] + ", :foo :string}", TestDatoms);

    [Fact]
    public void Defaults()
    {
        AssertPull("{:foo false}", "[[:foo :default false]]", 1, WithBoolFoo);
        AssertPull("{:bar false}", "[[:foo :as :bar :default false]]", 1, WithBoolFoo);
        Assert.Null(Datalog.Pull(WithBoolFoo, "[:foo]", E(1)));
    }

    // test-pull-default, test-pull-attr-with-opts, test-pull-map "Non matching results are removed":
    // an attribute no schema names is left out, or takes its default, as in Datomic's pull.
    [Fact]
    public void Attributes_not_in_the_schema_are_left_out()
    {
        Assert.Null(Datalog.Pull(Db, "[:foo]", E(1)));
        AssertPull("""{:foo "bar"}""", """[(default :foo "bar")]""", 1);
        AssertPull("""{:foo "bar"}""", """[[:foo :default "bar"]]""", 1);
        AssertPull("{:foo false}", "[[:foo :default false]]", 1);
        AssertPull("{:bar false}", "[[:foo :as :bar :default false]]", 1);
        AssertPull("""{"Name" "Nothing"}""", """[[:x :as "Name" :default "Nothing"]]""", 1);
        AssertPull("""{:name "Petr"}""", "[:name {:child [:foo]}]", 1);
        AssertPull("""{:name "Petr"}""", "[:name :_foo]", 1);
    }

    private static readonly MemoryView WithBoolFoo = Build(Schema[..^1] + ", :foo :boolean}", TestDatoms);

    [Fact]
    public void Nested_patterns()
    {
        AssertPull("""{:name "Matthew" :father {:name "Thomas"}}""", "[:name {:father [:name]}]", 6);
        AssertPull("""{:name "Petr" :child [{:name "David"} {:name "Thomas"}]}""", "[:name {:child [:name]}]", 1);
        // "Missing attrs are dropped"
        AssertPull("""{:name "Petr"}""", "[:name {:father [:name]}]", 1);
        // "Non matching results are removed from collections"
        AssertPull("""{:name "Petr"}""", "[:name {:child [:aka]}]", 1);
        // "Map specs can override component expansion"
        AssertPull("""{:name "Part A" :part [{:name "Part A.A"} {:name "Part A.B"}]}""", "[:name {:part [:name]}]", 10);
        AssertPull("""{:name "Part A" :part [{:name "Part A.A"} {:name "Part A.B"}]}""", "[:name {:part 1}]", 10);
    }

    private static readonly MemoryView Friends = Build(Schema, TestDatoms,
        "[[:db/add 4 :friend 5] [:db/add 5 :friend 6] [:db/add 6 :friend 7] [:db/add 7 :friend 8] [:db/add 4 :enemy 6] [:db/add 5 :enemy 7] [:db/add 6 :enemy 8] [:db/add 7 :enemy 4]]");

    private const string FriendsOf4 = """
        {:db/id 4 :name "Lucy" :friend [{:db/id 5 :name "Elizabeth" :friend [{:db/id 6 :name "Matthew" :friend [{:db/id 7 :name "Eunan" :friend [{:db/id 8 :name "Kerri"}]}]}]}]}
        """;

    [Fact]
    public void Recursion()
    {
        AssertPull(FriendsOf4, "[:db/id :name {:friend ...}]", 4, Friends);
        const string enemies = """
            {:db/id 4 :name "Lucy"
             :friend [{:db/id 5 :name "Elizabeth"
                       :friend [{:db/id 6 :name "Matthew" :enemy [{:db/id 8 :name "Kerri"}]}]
                       :enemy [{:db/id 7 :name "Eunan" :friend [{:db/id 8 :name "Kerri"}] :enemy [{:db/id 4 :name "Lucy" :friend [{:db/id 5}]}]}]}]
             :enemy [{:db/id 6 :name "Matthew"
                      :friend [{:db/id 7 :name "Eunan" :friend [{:db/id 8 :name "Kerri"}]
                                :enemy [{:db/id 4 :name "Lucy" :enemy [{:db/id 6}] :friend [{:db/id 5 :name "Elizabeth" :enemy [{:db/id 7}] :friend [{:db/id 6}]}]}]}]
                      :enemy [{:db/id 8 :name "Kerri"}]}]}
            """;
        AssertPull(enemies, "[:db/id :name {:friend 2 :enemy 2}]", 4, Friends);
        AssertPull("{:db/id 8 :_friend [{:db/id 7 :_friend [{:db/id 6 :_friend [{:db/id 5 :_friend [{:db/id 4}]}]}]}]}", "[:db/id {:_friend ...}]", 8, Friends);
        AssertPull("{:db/id 8 :_friend [{:db/id 7 :_friend [{:db/id 6}]}]}", "[:db/id {:_friend 2}]", 8, Friends);
    }

    // "Cycles are handled by returning only the :db/id of entities which have been seen before":
    // the root is not seen, so the cycle back to 4 pulls it one more level.
    [Fact]
    public void Recursion_cycle_pulls_the_root_once_more()
    {
        var cyclic = Build(Schema, TestDatoms,
            "[[:db/add 4 :friend 5] [:db/add 5 :friend 6] [:db/add 6 :friend 7] [:db/add 7 :friend 8] [:db/add 8 :friend 4]]");
        AssertPull("""
            {:db/id 4 :name "Lucy" :friend [{:db/id 5 :name "Elizabeth" :friend [{:db/id 6 :name "Matthew" :friend [{:db/id 7 :name "Eunan" :friend [{:db/id 8 :name "Kerri"
              :friend [{:db/id 4 :name "Lucy" :friend [{:db/id 5}]}]}]}]}]}]}
            """, "[:db/id :name {:friend ...}]", 4, cyclic);
    }

    [Fact]
    public void Seen_ids_are_tracked_per_branch()
    {
        var db = Build("{:name :string, :friend :ref, :enemy :ref}", """[{:db/id 1 :name "1" :friend 2 :enemy 2} {:db/id 2 :name "2"}]""");
        AssertPull("""{:name "1" :friend {:name "2"} :enemy {:name "2"}}""", "[:name {:friend [:name], :enemy [:name]}]", 1, db);
    }

    [Fact]
    public void Dual_recursion()
    {
        var db = Build("{:friend :ref, :enemy :ref}", "[[:db/add 1 :friend 2] [:db/add 2 :enemy 3] [:db/add 3 :friend 4] [:db/add 4 :enemy 5] [:db/add 5 :friend 6] [:db/add 6 :enemy 7]]");
        AssertPull("{:db/id 1 :friend {:db/id 2}}", "[:db/id {:friend ...}]", 1, db);
        AssertPull("{:db/id 1 :friend {:db/id 2 :enemy {:db/id 3}}}", "[:db/id {:friend 1 :enemy 1}]", 1, db);
        AssertPull("{:db/id 1 :friend {:db/id 2 :enemy {:db/id 3 :friend {:db/id 4}}}}", "[:db/id {:friend 2 :enemy 1}]", 1, db);
        AssertPull("{:db/id 1 :friend {:db/id 2 :enemy {:db/id 3 :friend {:db/id 4 :enemy {:db/id 5}}}}}", "[:db/id {:friend 2 :enemy 2}]", 1, db);

        var parts = Build("{:part :ref, :spec :ref}", "[[:db/add 1 :part 2] [:db/add 2 :part 3] [:db/add 3 :part 1] [:db/add 1 :spec 2] [:db/add 2 :spec 1]]");
        AssertPull("""
            {:db/id 1
             :spec {:db/id 2 :spec {:db/id 1 :spec {:db/id 2} :part {:db/id 2}} :part {:db/id 3 :part {:db/id 1 :spec {:db/id 2} :part {:db/id 2}}}}
             :part {:db/id 2 :spec {:db/id 1 :spec {:db/id 2} :part {:db/id 2}} :part {:db/id 3 :part {:db/id 1 :spec {:db/id 2} :part {:db/id 2}}}}}
            """, "[:db/id {:part ...} {:spec ...}]", 1, parts);
    }

    // test-deep-recursion: 2,900 levels of {:friend ...}.
    [Fact]
    public void Deep_recursion()
    {
        const int start = 100, depth = 3000;
        var tx = new System.Text.StringBuilder("[");
        tx.Append($"[:db/add {start} :name \"Person-{start}\"]");
        for (var idx = start + 1; idx < depth; idx++)
            tx.Append($" [:db/add {idx} :name \"Person-{idx}\"] [:db/add {idx - 1} :friend {idx}]");
        var db = Build(Schema, tx.Append(']').ToString());
        var pulled = Datalog.Pull(db, "[:name {:friend ...}]", E(start))!;
        for (var i = 0; i < depth - start - 1; i++)
            pulled = (PullMap)((IReadOnlyList<object?>)pulled[Datom.Log.Edn.Keyword.Parse(":friend")]!)[0]!;
        Assert.Equal($"Person-{depth - 1}", pulled[Datom.Log.Edn.Keyword.Parse(":name")]);
    }
}

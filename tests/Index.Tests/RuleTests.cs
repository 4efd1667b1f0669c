using Datom.Index.Query;
using Xunit;
using static Datom.Index.Tests.TestDb;

namespace Datom.Index.Tests;

/// <summary>
/// Rules: https://docs.datomic.com/query/query-data-reference.html#rules (definitions, several
/// definitions as or, required bindings, recursion) and the recursive-rule examples of DataScript's
/// wiki (https://github.com/tonsky/datascript/wiki/Getting-started, "Rules").
/// </summary>
public class RuleTests
{
    private const string Follows = """
        [[(follows ?e1 ?e2) [?e1 :follow ?e2]]
         [(follows ?e1 ?e2) [?e1 :follow ?t] (follows ?t ?e2)]]
        """;

    private static readonly MemoryView Chain = Build("{:follow [:ref :many], :name :string}",
        "[{:db/id 1 :follow [2]} {:db/id 2 :follow [3]} {:db/id 3 :follow [4]} {:db/id 4 :name \"end\"}]");

    private static readonly MemoryView Cycle = Build("{:follow [:ref :many]}",
        "[{:db/id 1 :follow [2]} {:db/id 2 :follow [3]} {:db/id 3 :follow [1 4]} {:db/id 5 :follow [5]}]");

    // Recursive rule, nothing bound: the transitive closure.
    [Fact]
    public void Recursive_rule_unbound()
    {
        AssertQ("#{[1 2] [1 3] [1 4] [2 3] [2 4] [3 4]}", "[:find ?a ?b :in $ % :where (follows ?a ?b)]", Chain, Follows);
    }

    // Bound first argument: what 1 reaches; bound second: who reaches 4; both bound: a test.
    [Fact]
    public void Recursive_rule_bound_arguments()
    {
        AssertQ("#{[2] [3] [4]}", $"[:find ?b :in $ % ?a :where (follows ?a ?b)]", Chain, Follows, E(1));
        AssertQ("#{[1] [2] [3]}", $"[:find ?a :in $ % ?b :where (follows ?a ?b)]", Chain, Follows, E(4));
        AssertQ("#{[2] [3]}", $"[:find ?b :in $ % ?a :where (follows ?a ?b) (follows ?b ?c) [?c :name \"end\"]]", Chain, Follows, E(1));
        AssertQ("#{[true]}", $"[:find ?t :in $ % ?a ?b :where (follows ?a ?b) [(ground true) ?t]]", Chain, Follows, E(2), E(4));
        AssertQ("#{}", $"[:find ?t :in $ % ?a ?b :where (follows ?a ?b) [(ground true) ?t]]", Chain, Follows, E(4), E(2));
    }

    [Fact]
    public void Constant_argument()
    {
        AssertQ("#{[2] [3] [4]}", $"[:find ?b :in $ % :where (follows #id \"{E(1)}\" ?b)]", Chain, Follows);
    }

    // A graph with a cycle: evaluation terminates, every node on the cycle reaches every other.
    [Fact]
    public void Rules_over_a_cycle_terminate()
    {
        AssertQ("#{[1 1] [1 2] [1 3] [1 4] [2 1] [2 2] [2 3] [2 4] [3 1] [3 2] [3 3] [3 4] [5 5]}", "[:find ?a ?b :in $ % :where (follows ?a ?b)]", Cycle, Follows);
        AssertQ("#{[1] [2] [3] [4]}", "[:find ?b :in $ % ?a :where (follows ?a ?b)]", Cycle, Follows, E(2));
        AssertQ("#{[1] [2] [3]}", "[:find ?a :in $ % ?b :where (follows ?a ?b)]", Cycle, Follows, E(1));
    }

    [Fact]
    public void Same_variable_twice_in_a_call()
    {
        AssertQ("#{[1] [2] [3] [5]}", "[:find ?a :in $ % :where (follows ?a ?a)]", Cycle, Follows);
    }

    // Left-recursive definition: the same answers.
    [Fact]
    public void Left_recursion()
    {
        const string rules = """
            [[(reach ?a ?b) [?a :follow ?b]]
             [(reach ?a ?b) (reach ?a ?t) [?t :follow ?b]]]
            """;
        AssertQ("#{[1 2] [1 3] [1 4] [2 3] [2 4] [3 4]}", "[:find ?a ?b :in $ % :where (reach ?a ?b)]", Chain, rules);
        AssertQ("#{[2] [3] [4]}", "[:find ?b :in $ % ?a :where (reach ?a ?b)]", Chain, rules, E(1));
    }

    // Non-linear recursion (two recursive calls in one body).
    [Fact]
    public void Doubly_recursive_rule()
    {
        const string rules = """
            [[(path ?a ?b) [?a :follow ?b]]
             [(path ?a ?b) (path ?a ?m) (path ?m ?b)]]
            """;
        AssertQ("#{[1 2] [1 3] [1 4] [2 3] [2 4] [3 4]}", "[:find ?a ?b :in $ % :where (path ?a ?b)]", Chain, rules);
        AssertQ("#{[1] [2] [3] [4]}", "[:find ?b :in $ % ?a :where (path ?a ?b)]", Cycle, rules, E(3));
    }

    // Mutual recursion: nodes at an even / odd distance.
    [Fact]
    public void Mutual_recursion()
    {
        const string rules = """
            [[(odd-hop ?a ?b) [?a :follow ?b]]
             [(odd-hop ?a ?b) [?a :follow ?t] (even-hop ?t ?b)]
             [(even-hop ?a ?b) [?a :follow ?t] (odd-hop ?t ?b)]]
            """;
        AssertQ("#{[3]}", "[:find ?b :in $ % ?a :where (even-hop ?a ?b)]", Chain, rules, E(1));
        AssertQ("#{[2] [4]}", "[:find ?b :in $ % ?a :where (odd-hop ?a ?b)]", Chain, rules, E(1));
    }

    // "Rules": several definitions of one rule are alternatives (Datomic's benelux example).
    [Fact]
    public void Several_definitions_are_an_or()
    {
        var db = Build("{:country/name :string}", """[{:db/id 1 :country/name "Belgium"} {:db/id 2 :country/name "France"} {:db/id 3 :country/name "Luxembourg"}]""");
        const string rules = """
            [[(benelux ?c) [?c :country/name "Belgium"]]
             [(benelux ?c) [?c :country/name "Netherlands"]]
             [(benelux ?c) [?c :country/name "Luxembourg"]]]
            """;
        AssertQ("""#{["Belgium"] ["Luxembourg"]}""", "[:find ?n :in $ % :where (benelux ?c) [?c :country/name ?n]]", db, rules);
    }

    // "Rules": a rule calling another, and a rule body with or and not.
    [Fact]
    public void Rules_calling_rules_with_or_and_not()
    {
        var db = Build("{:medium/tracks [:ref :many], :release/media [:ref :many], :track/name :string, :release/name :string, :track/bonus :boolean}",
            """
            [{:db/id 1 :release/name "R1" :release/media [10 11]} {:db/id 2 :release/name "R2" :release/media [12]}
             {:db/id 10 :medium/tracks [100 101]} {:db/id 11 :medium/tracks [102]} {:db/id 12 :medium/tracks [103]}
             {:db/id 100 :track/name "a"} {:db/id 101 :track/name "b" :track/bonus true} {:db/id 102 :track/name "c"} {:db/id 103 :track/name "d"}]
            """);
        const string rules = """
            [[(track-release ?t ?r) [?m :medium/tracks ?t] [?r :release/media ?m]]
             [(regular-track ?t ?r) (track-release ?t ?r) (not [?t :track/bonus true])]
             [(named ?t ?n) (or (and [?t :track/name ?n] [(!= ?n "c")]) (and [?t :track/name "c"] [(ground "see") ?n]))]]
            """;
        AssertQ("""#{["a"] ["b"] ["c"]}""", """[:find ?tn :in $ % :where [?r :release/name "R1"] (track-release ?t ?r) [?t :track/name ?tn]]""", db, rules);
        AssertQ("""#{["a"] ["see"]}""", """[:find ?n :in $ % :where [?r :release/name "R1"] (regular-track ?t ?r) (named ?t ?n)]""", db, rules);
    }

    // A recursive rule whose recursion goes through or, and one with not in its body.
    [Fact]
    public void Recursion_through_or_and_with_not()
    {
        const string rules = """
            [[(reach ?a ?b) (or-join [?a ?b] [?a :follow ?b] (and [?a :follow ?t] (reach ?t ?b)))]
             [(reach-named ?a ?b) (reach ?a ?b) (not [?b :name "end"])]]
            """;
        AssertQ("#{[2] [3] [4]}", "[:find ?b :in $ % ?a :where (reach ?a ?b)]", Chain, rules, E(1));
        AssertQ("#{[2] [3]}", "[:find ?b :in $ % ?a :where (reach-named ?a ?b)]", Chain, rules, E(1));
    }

    // Negation of a recursive rule from another rule (stratified: allowed).
    [Fact]
    public void Not_of_a_recursive_rule()
    {
        AssertQ("#{[4]}", "[:find ?a :in $ % :where [?a :name] (not (follows ?a ?b))]", Chain, Follows);
        AssertQ("#{[4]}", "[:find ?a :in $ % :where [?a :name] (not-join [?a] (follows ?a ?b))]", Chain, Follows);
    }

    // "Rules": [?a] in a rule head requires that argument bound at the call.
    [Fact]
    public void Required_bound_arguments()
    {
        const string rules = "[[(next [?a] ?b) [?a :follow ?b]]]";
        AssertQ("#{[2]}", "[:find ?b :in $ % ?a :where (next ?a ?b)]", Chain, rules, E(1));
        AssertQ("#{[3]}", "[:find ?c :in $ % ?a :where (next ?b ?c) (next ?a ?b)]", Chain, rules, E(1));
        var e = Assert.Throws<QueryException>(() => Q("[:find ?a ?b :in $ % :where (next ?a ?b)]", Chain, rules));
        Assert.Contains("insufficient bindings: rule next requires", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rule_with_a_function_in_its_body()
    {
        var db = Build("{:age :long}", "[{:db/id 1 :age 15} {:db/id 2 :age 30}]");
        AssertQ("#{[2 31]}", "[:find ?e ?n :in $ % :where (older-next ?e ?n)]", db, "[[(older-next ?e ?n) [?e :age ?a] [(> ?a 18)] [(inc ?a) ?n]]]");
    }

    [Fact]
    public void A_long_chain_with_a_bound_start()
    {
        var edges = string.Join(" ", Enumerable.Range(1, 150).Select(i => $"{{:db/id {i} :follow [{i + 1}]}}"));
        var db = Build("{:follow [:ref :many]}", $"[{edges}]");
        var r = Q("[:find (count ?b) . :in $ % ?a :where (follows ?a ?b)]", db, Follows, E(1));
        Assert.Equal(150L, r.Scalar);
    }

    [Fact]
    public void Rule_errors()
    {
        var e = Assert.Throws<QueryException>(() => Q("[:find ?a :in $ % :where (follows ?a)]", Chain, Follows));
        Assert.Equal("1:26: wrong number of arguments: rule follows takes 2, got 1, in (follows ?a)", e.Message);
        e = Assert.Throws<QueryException>(() => Q("[:find ?a :in $ % :where (folows ?a ?b)]", Chain, Follows));
        Assert.Contains("unknown rule folows", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<QueryException>(() => Q("[:find ?a :where (follows ?a ?b)]", Chain));
        Assert.Contains("follows is not a rule (no rules were passed as %)", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<QueryException>(() => Q("[:find ?a :in $ % :where (r ?a)]", Chain, "[[(r ?a ?b) [?a :follow ?b]] [(r ?a) [?a :follow _]]]"));
        Assert.Contains("rule r is defined with 2 and with 1 arguments", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<QueryException>(() => Q("[:find ?a :in $ % :where (r ?a)]", Chain, "[[(r ?a) [?a :follow _] (not (s ?a))] [(s ?a) (r ?a)]]"));
        Assert.Contains("rule r calls s under not, and s depends on r", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<QueryException>(() => Q("[:find ?a :in $ % :where [?a :follow ?x] (not (r ?a))]", Chain, "[[(r ?a ?b) [?a :follow ?b]]]"));
        Assert.Contains("wrong number of arguments: rule r takes 2, got 1", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<QueryException>(() => Q("[:find ?a :in $ % :where (r ?a ?b)]", Chain, "[[(r ?a ?b) [?a :follow _]]]"));
        Assert.Contains("rule head variable ?b does not appear in the rule's body", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Explain_shows_rule_plans()
    {
        var text = Datalog.Explain("[:find ?b :in $ % ?a :where (follows ?a ?b)]", Chain, Follows, E(1));
        Assert.Contains("rule follows, semi-naive fixpoint, seeded with ?a", text, StringComparison.Ordinal);
        Assert.Contains("definition 2: [(follows ?e1 ?e2) [?e1 :follow ?t] (follows ?t ?e2)]", text, StringComparison.Ordinal);
    }
}

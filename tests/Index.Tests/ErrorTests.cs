using Datom.Index.Query;
using Xunit;
using static Datom.Index.Tests.TestDb;

namespace Datom.Index.Tests;

/// <summary>
/// Every bad query is a <see cref="QueryException"/> whose message names the clause and where it
/// was read (line:column), never a NullReferenceException or InvalidCastException.
/// </summary>
public class ErrorTests
{
    private static readonly MemoryView Db = Build("{:name :string, :age :long, :friend [:ref :many]}", """[{:db/id 1 :name "Ivan" :age 3 :friend [2]} {:db/id 2 :name "Petr"}]""");

    private static QueryException Fails(string query, params object?[] inputs) =>
        Assert.Throws<QueryException>(() => Q(query, inputs.Length == 0 ? [Db] : inputs));

    [Theory]
    [InlineData("[:find ?e :where [?e :name ?n]\n  [(> ?x 1)]]", "2:3: insufficient bindings: ?x must be bound before this predicate runs, and no other clause binds it, in [(> ?x 1)]")]
    [InlineData("[:find ?x :where [?e :name ?n]]", "1:1: ?x in :find is not bound by :in or any :where clause, in ?x")]
    [InlineData("[:find ?e :with ?z :where [?e :name ?n]]", "1:1: ?z in :with is not bound by :in or any :where clause, in [:find ?e :with ?z :where [?e :name ?n]]")]
    [InlineData("[:find ?e :where\n [?e :name ?n] [?e :nme ?n]]", "2:16: :nme is not an attribute, in [?e :nme ?n]")]
    [InlineData("[:find ?e :where [e :name ?n]]", "1:19: e is not a variable (variables start with ?) nor an entity or attribute, in [e :name ?n]")]
    [InlineData("[:find ?e :where []]", "1:18: a data pattern is [e a v tx added] with 1 to 5 places, in []")]
    [InlineData("[:find ?e :where [?e \"name\" ?n]]", "1:18: the attribute of a data pattern is a keyword, a variable or _, not \"name\", in [?e \"name\" ?n]")]
    [InlineData("[:find ?e :where [?e :name ?n ?tx ?a ?extra]]", "1:18: a data pattern is [e a v tx added] with 1 to 5 places, in [?e :name ?n ?tx ?a ?extra]")]
    [InlineData("[:find ?e :where [?e :name (foo)]]", "1:28: (foo) cannot be a place in a data pattern, in [?e :name (foo)]")]
    [InlineData("[:find ?e :where :name]", "1:1: unknown query section :name (expected :find, :keys, :strs, :syms, :with, :in or :where), in [:find ?e :where :name]")]
    [InlineData("[:find ?e :where \"name\"]", "1:1: a clause is a data pattern [?e :attr ?v], a call [(f …)], a rule call (rule …), not, or …, not a string, in \"name\"")]
    [InlineData("[:find ?e :where [(+ 1 2) ?x ?y]]", "1:18: a function clause is [(f args…)] or [(f args…) binding], in [(+ 1 2) ?x ?y]")]
    [InlineData("[:find ?e :where [?e :name ?n] [(str ?n) \"x\"]]", "1:32: a binding in a function's result is ?x, _, [?a ?b], [?x ...] or [[?a ?b]], not \"x\", in [(str ?n) \"x\"]")]
    [InlineData("[:find ?e :where (?e :name)]", "1:18: a clause cannot start with variable ?e; a function call is written [(?e …)], in (?e :name)")]
    [InlineData("[:find ?e :where [?e :name] (not)]", "1:29: (not clause …) needs at least one clause, in (not)")]
    [InlineData("[:find ?e :where [?e :name] (or-join ?e [?e :age])]", "1:29: (or-join [?vars …] branch …) names its join variables, then at least one branch, in (or-join ?e [?e :age])")]
    [InlineData("{:find [?e] :wher [[?e :name]]}", "1:1: unknown query section :wher (expected :find, :keys, :strs, :syms, :with, :in or :where), in {:find [?e], :wher [[?e :name]]}")]
    [InlineData("[:where [?e :name]]", "1:1: a query needs :find and at least one element to find, in [:where [?e :name]]")]
    [InlineData("[?e :find ?e]", "1:2: a query vector starts with :find, not ?e, in [?e :find ?e]")]
    [InlineData("\"find\"", "a query is a vector or a map, not a string, in \"find\"")]
    [InlineData("[:find ?e . ?f :where [?e :name ?f]]", "")]
    [InlineData("[:find (foo ?e) :where [?e :name]]", "1:8: foo is not an aggregate (count, count-distinct, sum, avg, median, variance, stddev, min, max, distinct, rand, sample), in (foo ?e)")]
    [InlineData("[:find (min 0 ?e) :where [?e :name]]", "1:8: the count in (min n ?x) is a positive number, not 0, in (min 0 ?e)")]
    [InlineData("[:find (pull ?e) :where [?e :name]]", "1:8: pull in :find is (pull ?e pattern) or (pull $src ?e pattern), in (pull ?e)")]
    [InlineData("[:find ?e ?n :keys a :where [?e :name ?n]]", "1:1: :keys names 1 key(s) for 2 element(s) of :find, in [:find ?e ?n :keys a :where [?e :name ?n]]")]
    [InlineData("[:find ?e . :keys a :where [?e :name ?n]]", "1:1: :keys needs a relation or tuple :find (not a scalar or collection), in [:find ?e . :keys a :where [?e :name ?n]]")]
    [InlineData("[:find ?e :in $ [?x ... ?y] :where [?e :name ?x]]", "1:17: ... ends a collection binding [?x ...], in [:find ?e :in $ [?x ... ?y] :where [?e :name ?x]]")]
    [InlineData("[:find ?e :in $ $ :where [?e :name]]", "1:1: :in names $ twice, in [:find ?e :in $ $ :where [?e :name]]")]
    [InlineData("[:find ?e :where [$2 ?e :name]]", "1:18: unknown source $2; :in binds $, in [$2 ?e :name]")]
    [InlineData("[:find ?e :where [?e :name ?n] [(subs ?n \"a\") ?s]]", "1:32: subs expects a long, got a string (\"a\"), in [(subs ?n \"a\") ?s]")]
    [InlineData("[:find ?e :where [?e :name ?n] [(tuple ?n) [?a ?b]]]", "1:32: cannot bind a tuple of 1 to 2 places, in [(tuple ?n) [?a ?b]]")]
    [InlineData("[:find ?e :where [?e :name ?n] [(str ?n) [?c ...]]]", "1:32: cannot bind a string (\"Ivan\") to a collection [?x ...], in [(str ?n) [?c ...]]")]
    [InlineData("[:find ?e :where [?e :name ?n] [(?n 1)]]", "1:32: ?n is bound to a string, not a function, in [(?n 1)]")]
    [InlineData("[:find ?e :where [[:name \"Ivan\"] :age ?e]]", "1:18: lookup ref [:name …]: :name is not :db/unique, so it cannot name an entity, in [[:name \"Ivan\"] :age ?e]")]
    [InlineData("[:find ?e :where (or-join [?e ?e] [?e :name])]", "1:18: or-join names a join variable twice, in (or-join [?e ?e] [?e :name])")]
    [InlineData("[:find ?e :where [?e :name _ _ 1]]", "1:18: the added place of a data pattern is true or false, not 1, in [?e :name _ _ 1]")]
    [InlineData("[:find ?e :where [?e :name] (not [?a :age 3])]", "1:29: insufficient bindings: none of ?a is bound, in (not [?a :age 3])")]
    [InlineData("[:find ?e :where (or [?e :name ?n] [?e :age ?a])]", "1:18: every branch of or must use the same variables (?a ?n differ); use or-join to name the shared ones, in (or [?e :name ?n] [?e :age ?a])")]
    [InlineData("[:find (pull ?e pattern) :where [?e :name]]", "1:8: pull pattern pattern is not an :in input, in (pull ?e pattern)")]
    [InlineData("[:find (max ?n ?e) :where [?e :name]]", "1:8: the count ?n in (max ?n ?x) is not an :in input, in (max ?n ?e)")]
    [InlineData("[:find ?e :where [?e :name] [(hash-map :a) ?m]]", "1:29: hash-map takes keys and values in pairs; got 1 arguments, in [(hash-map :a) ?m]")]
    [InlineData("[:find ?e :where [?e :name] [(missing? $ ?e :_name)]]", "1:29: missing?: :_name is the reverse of :name, which is not a ref attribute, in [(missing? $ ?e :_name)]")]
    [InlineData("[:find ?e :where [?e :name] [(missing? $ ?e :_nope)]]", "1:29: missing?: :_nope is not an attribute, nor the reverse of one (:nope is not an attribute), in [(missing? $ ?e :_nope)]")]
    [InlineData("[:find ?e :where [?e :friend [:name \"Nobody\"]]]", "1:18: lookup ref [:name …]: :name is not :db/unique, so it cannot name an entity, in [?e :friend [:name \"Nobody\"]]")]
    public void Bad_queries(string query, string message)
    {
        var e = Fails(query);
        if (message.Length > 0)
            Assert.Equal(message, e.Message);
    }

    [Fact]
    public void A_lookup_ref_that_names_nothing_is_an_error()
    {
        var db = Build("{:name [:string :unique], :friend :ref}", """[{:db/id 1 :name "Ivan" :friend 2} {:db/id 2 :name "Petr"}]""");
        var e = Assert.Throws<QueryException>(() => Q("[:find ?e :where [?e :friend [:name \"Nobody\"]]]", db));
        Assert.Equal("1:18: lookup ref [:name \"Nobody\"] names no entity, in [?e :friend [:name \"Nobody\"]]", e.Message);
        e = Assert.Throws<QueryException>(() => Q("[:find ?v :where [[:name \"Nobody\"] :friend ?v]]", db));
        Assert.Equal("1:18: lookup ref [:name \"Nobody\"] names no entity, in [[:name \"Nobody\"] :friend ?v]", e.Message);
    }

    [Fact]
    public void The_count_of_an_aggregate_from_an_input_must_be_positive()
    {
        var e = Assert.Throws<QueryException>(() => Q("[:find (max ?n ?x) :in [?x ...] ?n]", new List<object> { 1L, 2L }, 0L));
        Assert.Equal("1:8: the count in (max ?n ?x) is a positive number, not 0, in (max ?n ?x)", e.Message);
        e = Assert.Throws<QueryException>(() => Q("[:find (max ?n ?x) :in [?x ...] ?n]", new List<object> { 1L, 2L }, "2"));
        Assert.Equal("1:8: the count in (max ?n ?x) is a positive number, not \"2\", in (max ?n ?x)", e.Message);
    }

    [Fact]
    public void Keys_on_a_tuple_find_must_match_its_width()
    {
        var e = Fails("[:find [?e ?n] :keys a :where [?e :name ?n]]");
        Assert.Equal("1:1: :keys names 1 key(s) for 2 element(s) of :find, in [:find [?e ?n] :keys a :where [?e :name ?n]]", e.Message);
    }

    [Fact]
    public void Edn_syntax_errors_are_query_exceptions()
    {
        var e = Assert.Throws<QueryException>(() => Q("[:find ?e :where [?e :name", Db));
        Assert.StartsWith("1:18:", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_query_exception_has_a_reason()
    {
        var e = Fails("[:find ?e :where [?e :nme]]");
        Assert.Equal(":nme is not an attribute", e.Reason);
        Assert.Equal("[?e :nme]", e.Clause);
        Assert.Equal(new Datom.Log.Edn.SourcePosition(1, 18), e.Position);
    }
}

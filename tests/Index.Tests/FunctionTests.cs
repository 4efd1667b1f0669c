using Datom.Index.Query;
using Datom.Log.Edn;
using Xunit;
using static Datom.Index.Tests.TestDb;

namespace Datom.Index.Tests;

/// <summary>
/// Predicates and function calls: https://docs.datomic.com/query/query-data-reference.html#predicates,
/// #functions, #built-in-expression-functions; DataScript's query built-ins
/// (https://github.com/tonsky/datascript/wiki/Tips-&amp;-tricks).
/// </summary>
public class FunctionTests
{
    private static readonly MemoryView Db = Build(
        "{:name :string, :age :long, :salary :long, :born :instant, :start-year :long, :tag :keyword, :height :double}",
        """
        [{:db/id 1 :name "Ivan" :age 15 :salary 30000 :born #inst "2008-03-01" :start-year 1957 :tag :a :height 1.70}
         {:db/id 2 :name "Petr" :age 37 :salary 60000 :born #inst "1986-06-15" :tag :b :height 1.82}
         {:db/id 3 :name "Oleg" :age 37 :salary 90000 :born #inst "1986-01-02" :tag :c}]
        """);

    private static string Run(string fn, params object?[] inputs) =>
        Canon(Q($"[:find ?r . :in {string.Join(" ", inputs.Select((_, i) => "?i" + i))} :where [({fn}) ?r]]", inputs));

    // "Predicates": [(< ?a ?b)] filters the rows.
    [Fact]
    public void Comparison_predicates()
    {
        AssertQ("#{[2] [3]}", "[:find ?e :where [?e :age ?a] [(> ?a 18)]]", Db);
        AssertQ("#{[1]}", "[:find ?e :where [?e :age ?a] [(<= ?a 15)]]", Db);
        AssertQ("#{[2] [3]}", "[:find ?e :where [?e :age ?a] [(= ?a 37)]]", Db);
        AssertQ("#{[1]}", "[:find ?e :where [?e :age ?a] [(not= ?a 37)]]", Db);
        AssertQ("#{[1]}", "[:find ?e :where [?e :age ?a] [(!= ?a 37)]]", Db);
        AssertQ("#{[2] [3]}", "[:find ?e :where [?e :age ?a] [(>= ?a 37)]]", Db);
        AssertQ("#{[2]}", "[:find ?e :where [?e :salary ?s] [(< 50000 ?s 70000)]]", Db);
    }

    // Comparisons work across long and double, and within strings, keywords and instants.
    [Fact]
    public void Comparisons_across_types()
    {
        AssertQ("#{[2]}", "[:find ?e :where [?e :height ?h] [(> ?h 1.8)]]", Db);
        AssertQ("#{[2]}", "[:find ?e :where [?e :height ?h] [(> ?h 1)] [(< 1.75 ?h 2)]]", Db);
        AssertQ("#{[2]}", """[:find ?e :where [?e :name ?n] [(> ?n "Oleg")]]""", Db);
        AssertQ("#{[1]}", """[:find ?e :where [?e :tag ?t] [(< ?t :b)]]""", Db);
        AssertQ("#{[1] [2]}", """[:find ?e :in $ ?since :where [?e :born ?b] [(> ?b ?since)]]""", Db, DateTimeOffset.Parse("1986-03-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        AssertQ("#{[1]}", """[:find ?e :where [?e :born ?b] [(> ?b #inst "2000")]]""", Db);
        Assert.Equal("true", Run("== ?i0 ?i1", 1L, 1.0));
        Assert.Equal("false", Run("= ?i0 ?i1", 1L, 1.0));
        Assert.Equal("-1", Run("compare ?i0 ?i1", "a", "b"));
        Assert.Equal("true", Run("< ?i0 ?i1", Keyword.Parse(":a/z"), Keyword.Parse(":b/a")));
    }

    // Values of different types order by type as DataScript orders them on the JVM (by class
    // name): keyword < boolean < number < string < instant (query_fns.cljc, "compare values of
    // different types").
    [Fact]
    public void Values_of_different_types_order_by_type()
    {
        AssertQ("#{[0]}", """[:find ?e :in [?e ...] :where [(< ?e 1)]]""", new List<object> { 0L, 1L, "" });
        AssertQ("#{[0] [1]}", """[:find ?e :in [?e ...] :where [(<= ?e 1)]]""", new List<object> { 0L, 1L, "" });
        AssertQ("""#{[""]}""", """[:find ?e :in [?e ...] :where [(> ?e 1)]]""", new List<object> { 0L, 1L, "" });
        AssertQ("""#{[1] [""]}""", """[:find ?e :in [?e ...] :where [(>= ?e 1)]]""", new List<object> { 0L, 1L, "" });
        Assert.Equal("true", Run("< ?i0 ?i1 ?i2 ?i3", Keyword.Parse(":a"), true, 5L, "x"));
        Assert.Equal("-1", Run("compare ?i0 ?i1", 5L, "x"));
        AssertQ("#{}", "[:find ?e\n :where [?e :name ?n]\n [(< ?n 5)]]", Db);
    }

    // "Functions": arithmetic binds its result.
    [Fact]
    public void Arithmetic()
    {
        AssertQ("""#{["Ivan" 16] ["Petr" 38] ["Oleg" 38]}""", "[:find ?n ?a1 :where [?e :name ?n] [?e :age ?a] [(inc ?a) ?a1]]", Db);
        Assert.Equal("7", Run("+ ?i0 ?i1", 3L, 4L));
        Assert.Equal("7.5", Run("+ ?i0 ?i1", 3L, 4.5));
        Assert.Equal("-3", Run("- ?i0", 3L));
        Assert.Equal("12", Run("* ?i0 ?i1 ?i2", 2L, 3L, 2L));
        Assert.Equal("2", Run("/ ?i0 ?i1", 6L, 3L));
        Assert.Equal("2.5", Run("/ ?i0 ?i1", 5L, 2L));
        Assert.Equal("2", Run("quot ?i0 ?i1", 7L, 3L));
        Assert.Equal("-1", Run("rem ?i0 ?i1", -7L, 3L));
        Assert.Equal("2", Run("mod ?i0 ?i1", -7L, 3L));
        Assert.Equal("4", Run("dec ?i0", 5L));
        Assert.Equal("9", Run("max ?i0 ?i1 ?i2", 3L, 9L, 4L));
        Assert.Equal("1.5", Run("min ?i0 ?i1", 3L, 1.5));
        Assert.Equal("true", Run("zero? ?i0", 0L));
        Assert.Equal("true", Run("pos? ?i0", 0.5));
        Assert.Equal("true", Run("neg? ?i0", -2L));
        Assert.Equal("true", Run("even? ?i0", 4L));
        Assert.Equal("true", Run("odd? ?i0", 3L));
    }

    [Fact]
    public void Arithmetic_errors_name_the_clause()
    {
        var e = Assert.Throws<QueryException>(() => Run("/ ?i0 ?i1", 1L, 0L));
        Assert.Contains("divide by zero", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<QueryException>(() => Run("+ ?i0 ?i1", long.MaxValue, 1L));
        Assert.Contains("integer overflow", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<QueryException>(() => Q("[:find ?x :where [?e :name ?n] [(+ ?n 1) ?x]]", Db));
        Assert.Contains("+ expects a number, got a string", e.Message, StringComparison.Ordinal);
        Assert.Contains("[(+ ?n 1) ?x]", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Strings_and_names()
    {
        AssertQ("""#{["Ivan-15"]}""", """[:find ?s :where [?e :name "Ivan"] [?e :age ?a] [(str "Ivan" "-" ?a) ?s]]""", Db);
        Assert.Equal("\":a/b12.5\"", Run("str ?i0 ?i1 ?i2", Keyword.Parse(":a/b"), 1L, 2.5));
        Assert.Equal("\"van\"", Run("subs ?i0 ?i1", "Ivan", 1L));
        Assert.Equal("\"va\"", Run("subs ?i0 ?i1 ?i2", "Ivan", 1L, 3L));
        Assert.Equal("4", Run("count ?i0", "Ivan"));
        Assert.Equal("3", Run("count ?i0", new List<object> { 1L, 2L, 3L }));
        Assert.Equal(":x/y", Run("keyword ?i0", "x/y"));
        Assert.Equal(":x/y", Run("keyword ?i0 ?i1", "x", "y"));
        Assert.Equal("\"y\"", Run("name ?i0", Keyword.Parse(":x/y")));
        Assert.Equal("\"x\"", Run("namespace ?i0", Keyword.Parse(":x/y")));
        Assert.Equal("\"IVAN\"", Run("clojure.string/upper-case ?i0", "Ivan"));
        Assert.Equal("\"ivan\"", Run("clojure.string/lower-case ?i0", "Ivan"));
        Assert.Equal("true", Run("clojure.string/starts-with? ?i0 ?i1", "Ivan", "Iv"));
        Assert.Equal("true", Run("clojure.string/ends-with? ?i0 ?i1", "Ivan", "an"));
        Assert.Equal("true", Run("clojure.string/includes? ?i0 ?i1", "Ivan", "va"));
        Assert.Equal("true", Run("clojure.string/blank? ?i0", "  "));
        Assert.Equal("\"Ivan\"", Run("identity ?i0", "Ivan"));
        Assert.Equal(":db.type/string", Run("type ?i0", "Ivan"));
        Assert.Equal(":db.type/long", Run("type ?i0", 1L));
    }

    [Fact]
    public void Subs_out_of_range_is_an_error()
    {
        var e = Assert.Throws<QueryException>(() => Run("subs ?i0 ?i1", "Ivan", 7L));
        Assert.Contains("outside a string of length 4", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Regular_expressions()
    {
        AssertQ("""#{["Ivan"] ["Oleg"]}""", """[:find ?n :where [_ :name ?n] [(re-find #"[ae]" ?n)] [(re-matches #"^[A-Z][a-z]+$" ?n)] [(not= ?n "Petr")]]""".Replace("#\"", "\"", StringComparison.Ordinal), Db);
        Assert.Equal("\"12\"", Run("re-find ?i0 ?i1", "\\d+", "ab12cd34"));
        Assert.Equal("[\"a=1\" \"a\" \"1\"]", Run("re-find ?i0 ?i1", "(\\w)=(\\d)", "x a=1"));
        Assert.Equal("nil", Run("re-matches ?i0 ?i1", "\\d+", "ab12"));
        Assert.Equal("\"12\"", Run("re-matches ?i0 ?i1", "\\d+", "12"));
        Assert.Equal("[\"12\" \"34\"]", Run("re-seq ?i0 ?i1", "\\d+", "ab12cd34"));
        AssertQ("""#{["34"]}""", """[:find ?m :where [(re-pattern "\\d{2}$") ?p] [(re-find ?p "ab12cd34") ?m]]""");
    }

    [Fact]
    public void Truthiness_predicates()
    {
        Assert.Equal("true", Run("true? ?i0", true));
        Assert.Equal("true", Run("false? ?i0", false));
        Assert.Equal("false", Run("nil? ?i0", 1L));
        Assert.Equal("true", Run("some? ?i0", 1L));
        Assert.Equal("true", Run("not ?i0", false));
        Assert.Equal("2", Run("and ?i0 ?i1", true, 2L));
        Assert.Equal("false", Run("and ?i0 ?i1", false, 2L));
        Assert.Equal("3", Run("or ?i0 ?i1", false, 3L));
        AssertQ("#{[2] [3]}", "[:find ?e :where [?e :age ?a] [(- ?a 15) ?d] [(complement zero?) ?nonzero] [(?nonzero ?d)]]", Db);
    }

    // Binding forms for function results: scalar, tuple, collection, relation.
    [Fact]
    public void Result_binding_forms()
    {
        AssertQ("#{[1 2]}", "[:find ?a ?b :where [(tuple 1 2) [?a ?b]]]");
        AssertQ("#{[1] [2] [3]}", "[:find ?x :where [(vector 1 2 3) [?x ...]]]");
        AssertQ("#{[1 :a] [2 :b]}", "[:find ?x ?y :where [(ground [[1 :a] [2 :b]]) [[?x ?y]]]]");
        AssertQ("#{[2]}", "[:find ?y :where [(ground [[1 :a] [2 :b]]) [[?x _]]] [(ground [2 3]) [?y ...]] [(= ?x ?y)]]");
        AssertQ("#{[:a]}", "[:find ?x :where [(ground [:a :b]) [?x _]]]");
    }

    // "ground": binds a constant (Datomic query reference, #ground).
    [Fact]
    public void Ground()
    {
        AssertQ("#{[:a] [:e] [:i] [:o] [:u]}", "[:find ?vowel :where [(ground [:a :e :i :o :u]) [?vowel ...]]]");
        AssertQ("""#{["Ivan"]}""", """[:find ?n :where [(ground "Ivan") ?n] [?e :name ?n]]""", Db);
    }

    // "tuple" and "untuple" (Datomic query reference, #tuple, #untuple).
    [Fact]
    public void Tuple_and_untuple()
    {
        AssertQ("""#{[["Ivan" 15]]}""", """[:find ?t :where [?e :name "Ivan"] [?e :age ?a] [?e :name ?n] [(tuple ?n ?a) ?t]]""", Db);
        AssertQ("#{[2]}", "[:find ?b :in ?t :where [(untuple ?t) [?a ?b]]]", new EdnVector([1L, 2L]));
    }

    // "get-else" (Datomic query reference, #get-else): a default for a missing card-one attribute.
    [Fact]
    public void Get_else()
    {
        AssertQ("""#{["Ivan" 1957] ["Petr" "N/A"] ["Oleg" "N/A"]}""", """[:find ?n ?y :where [?e :name ?n] [(get-else $ ?e :start-year "N/A") ?y]]""", Db);
        var e = Assert.Throws<QueryException>(() => Q("[:find ?y :where [?e :name] [(get-else $ ?e :start-year nil) ?y]]", Db));
        Assert.Contains("nil is not a default", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Get_some()
    {
        AssertQ("""#{["Ivan" :start-year 1957] ["Petr" :height 1.82]}""", """[:find ?n ?a ?v :where [?e :name ?n] [(get-some $ ?e :start-year :height) [?a ?v]]]""", Db);
    }

    // "missing?" (Datomic query reference, #missing): the entity has no value for the attribute.
    [Fact]
    public void Missing()
    {
        AssertQ("""#{["Petr"] ["Oleg"]}""", """[:find ?n :where [?e :name ?n] [(missing? $ ?e :start-year)]]""", Db);
        var e = Assert.Throws<QueryException>(() => Q("[:find ?e :where [?e :name] [(missing? $ ?e :nope)]]", Db));
        Assert.Contains(":nope is not an attribute", e.Message, StringComparison.Ordinal);
    }

    // A predicate whose inputs are bound only by a later clause waits for them.
    [Fact]
    public void Predicates_wait_for_their_inputs()
    {
        AssertQ("#{[2] [3]}", "[:find ?e :where [(> ?a 18)] [?e :age ?a]]", Db);
        AssertQ("#{[2]}", "[:find ?e :where [(< ?s 70000)] [(> ?a ?limit)] [(ground 18) ?limit] [?e :salary ?s] [?e :age ?a]]", Db);
    }

    [Fact]
    public void Predicate_without_variables()
    {
        // DataScript test-query-fns "predicate without free variables".
        AssertQ("#{[:a] [:b] [:c]}", "[:find ?x :in [?x ...] :where [(> 2 1)]]", new List<object> { Keyword.Parse(":a"), Keyword.Parse(":b"), Keyword.Parse(":c") });
        AssertQ("#{}", "[:find ?x :in [?x ...] :where [(< 2 1)]]", new List<object> { 1L });
    }

    [Fact]
    public void Function_result_compared_when_already_bound()
    {
        AssertQ("#{[1]}", "[:find ?e :where [?e :age ?a] [(+ 10 5) ?a]]", Db);
    }

    [Fact]
    public void Nil_result_drops_the_row()
    {
        AssertQ("""#{["Ivan"]}""", """[:find ?n :where [?e :name ?n] [(re-find #"va" ?n) ?m]]""".Replace("#\"", "\"", StringComparison.Ordinal), Db);
    }

    [Fact]
    public void Unknown_function_and_wrong_arity()
    {
        var e = Assert.Throws<QueryException>(() => Q("[:find ?x :where [(frobnicate 1) ?x]]"));
        Assert.Equal("1:20: unknown function frobnicate, in [(frobnicate 1) ?x]", e.Message);
        e = Assert.Throws<QueryException>(() => Q("[:find ?x :where [(subs \"a\") ?x]]"));
        Assert.Contains("wrong number of arguments: subs takes 2 to 3, got 1", e.Message, StringComparison.Ordinal);
    }
}

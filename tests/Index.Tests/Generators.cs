using System.Globalization;
using System.Text;
using Datom.Index.Schema;
using Datom.Log.Edn;
using Datom.Log.Model;
using FsCheck;
using FsCheck.Fluent;
using D = Datom.Index.Query.Datom;
using ValueType = Datom.Log.Model.ValueType;

namespace Datom.Index.Tests;

/// <summary>A small random database and a query from <see cref="Generators.Queries"/> with its :where clauses in some order.</summary>
public sealed record PermutedQuery(MemoryView Db, int Query, int[] Order)
{
    public override string ToString() => $"query {Query} order [{string.Join(" ", Order)}] over {Db.Datoms.Count} datoms";
}

/// <summary>Text that may or may not be a query: fuzz input for the parser and planner.</summary>
public sealed record QueryText(string Text)
{
    public override string ToString() => Text;
}

/// <summary>A query of real clauses with random variables, constants and functions: fuzz input for the evaluator.</summary>
public sealed record RandomQuery(string Text)
{
    public override string ToString() => Text;
}

/// <summary>The FsCheck generators of the Index tests.</summary>
public static class Generators
{
    public static readonly AttributeSchema[] Schema =
    [
        new(Keyword.Intern(null, "a"), ValueType.Long, false, Uniqueness.None, false, null),
        new(Keyword.Intern(null, "b"), ValueType.Ref, true, Uniqueness.None, false, null),
        new(Keyword.Intern(null, "c"), ValueType.String, false, Uniqueness.None, false, null),
        new(Keyword.Intern(null, "d"), ValueType.Keyword, false, Uniqueness.None, false, null),
        new(Keyword.Intern("db", "ident"), ValueType.Keyword, false, Uniqueness.Identity, false, null),
    ];

    /// <summary>
    /// Queries whose :where clauses are permuted: data patterns, predicates, functions, not,
    /// not-join, or, or-join, rule calls, get-else and missing?, with joins between them.
    /// </summary>
    public static readonly (string Find, string[] Clauses)[] Queries =
    [
        ("?e ?f", ["[?e :a ?x]", "[?e :b ?f]", "[?f :a ?y]", "[(< ?x ?y)]"]),
        ("?e ?z", ["[?e :c ?s]", "[?e :a ?x]", "(not [?e :b ?f] [?f :d :k1])", "[(str ?s ?x) ?z]"]),
        ("?e ?f", ["(or [?e :d :k1] [?e :d :k2])", "[?e :a ?x]", "[(* ?x 2) ?y]", "[?f :a ?y]"]),
        ("?e ?s", ["(reach ?e ?f)", "[?f :c ?s]", "[?e :d :k1]"]),
        ("?e ?g ?x", ["[?e :b ?f]", "[?f :b ?g]", "(not-join [?e ?g] [?e :b ?g])", "[?g :a ?x]"]),
        ("(count ?e)", ["[?e :a ?x]", "[(> ?x 2)]", "[?e :c ?s]", "(or-join [?e] [?e :d :k1] (and [?e :b ?f] [?f :a 1]))"]),
        ("?e ?x", ["[?e :c ?s]", "[(get-else $ ?e :a 0) ?x]", "[(missing? $ ?e :d)]"]),
        ("?e ?f", ["[?e :a ?x]", "[?f :a ?x]", "[(!= ?e ?f)]", "[?e :b ?f]"]),
        ("?e ?n", ["(reach ?e ?f)", "(reach ?f ?e)", "[?e :a ?n]", "[(odd? ?n)]"]),
        ("?x ?y", ["[(ground [1 2 3 4 5]) [?x ...]]", "[?e :a ?x]", "[(inc ?x) ?y]", "(not [_ :a ?y])"]),
        ("?e (max ?x) (count-distinct ?f)", ["[?e :b ?f]", "[?f :a ?x]", "[?e :d ?k]", "[(= ?k :k1)]"]),
        ("?e ?a ?v", ["[?e ?a ?v]", "[?e :d :k2]", "[(!= ?a :d)]"]),
    ];

    public const string Rules = """
        [[(reach ?a ?b) [?a :b ?b]]
         [(reach ?a ?b) [?a :b ?t] (reach ?t ?b)]]
        """;

    public static string QueryText(int query, IEnumerable<int> order)
    {
        var (find, clauses) = Queries[query];
        return $"[:find {find} :in $ % :where {string.Join(" ", order.Select(i => clauses[i]))}]";
    }

    public static Gen<MemoryView> Database() =>
        from n in Gen.Choose(2, 7)
        from datoms in Gen.ListOf(DatomGen(n)).Select(l => l.Take(30))
        select new MemoryView(datoms.DistinctBy(d => (d.E, d.A, Schema.First(s => s.Ident == d.A).Many ? d.V : default)), Schema);

    private static Gen<D> DatomGen(int entities) =>
        from e in Gen.Choose(1, entities)
        from attr in Gen.Choose(0, 3)
        from v in attr switch
        {
            0 => Gen.Choose(0, 6).Select(x => Value.Long(x)),
            1 => Gen.Choose(1, entities).Select(x => Value.Ref(TestDb.E(x))),
            2 => Gen.Elements("x", "y", "z").Select(Value.String),
            _ => Gen.Elements("k1", "k2").Select(Value.Keyword),
        }
        select new D(TestDb.E(e), Schema[attr].Ident, v, TestDb.Tx(1), true);

    public static Arbitrary<PermutedQuery> Permutations() =>
        (from db in Database()
         from q in Gen.Choose(0, Queries.Length - 1)
         from order in Gen.Shuffle(Enumerable.Range(0, Queries[q].Clauses.Length))
         select new PermutedQuery(db, q, order.ToArray())).ToArbitrary();

    // ---- fuzz ----

    private static readonly string[] Atoms =
    [
        ":find", ":where", ":in", ":with", ":keys", ":a", ":b", ":c", ":d", ":nope", ":db/ident", "?e", "?x", "?y", "?f", "_", "$", "$2", "%", "...", ".",
        "not", "not-join", "or", "or-join", "and", "pull", "count", "sum", "min", "str", ">", "<", "+", "ground", "get-else", "missing?", "tuple",
        "reach", "1", "-1", "0", "2.5", "\"s\"", "nil", "true", ":k1", "*", "#id \"00000000000000010000000000000001\"",
    ];

    private static Gen<string> Form(int depth) =>
        depth <= 0
            ? Gen.Elements(Atoms)
            : Gen.Frequency(
                (4, Gen.Elements(Atoms)),
                (2, Gen.ListOf(Form(depth - 1)).Select(l => "[" + string.Join(" ", l.Take(6)) + "]")),
                (2, Gen.ListOf(Form(depth - 1)).Select(l => "(" + string.Join(" ", l.Take(6)) + ")")),
                (1, Gen.ListOf(Form(depth - 1)).Select(l => "{" + string.Join(" ", l.Take(4)) + "}")));

    /// <summary>Random forms, and valid queries with a token dropped, repeated or swapped.</summary>
    public static Arbitrary<QueryText> Fuzz() =>
        Gen.OneOf(
            from clauses in Gen.ListOf(Form(3))
            from section in Gen.Elements(":find ?e :where", ":find ?e ?x :in $ % :where", ":find (count ?e) . :where", ":find [?e ...] :where", "")
            select new QueryText("[" + section + " " + string.Join(" ", clauses.Take(5)) + "]"),
            from q in Gen.Choose(0, Queries.Length - 1)
            from op in Gen.Choose(0, 2)
            from at in Gen.Choose(0, 200)
            from atom in Gen.Elements(Atoms)
            select new QueryText(Mutate(QueryText(q, Enumerable.Range(0, Queries[q].Clauses.Length)), op, at, atom))).ToArbitrary();

    private static string Mutate(string text, int op, int at, string atom)
    {
        var tokens = Tokens(text);
        var i = at % tokens.Count;
        switch (op)
        {
            case 0:
                tokens.RemoveAt(i);
                break;
            case 1:
                tokens.Insert(i, tokens[i]);
                break;
            default:
                tokens[i] = atom;
                break;
        }
        return string.Concat(tokens);
    }

    private static readonly string[] Vars = ["?x", "?y", "?z", "?w"];

    private static readonly string[] Constants = ["1", "0", "-3", "2.5", "\"x\"", "\"\"", ":k1", ":a", "true", "nil", "[1 2]", "[:c \"x\"]", "#{1}", "{:a 1}", "\"[\""];

    private static readonly string[] Functions =
    [
        "=", "==", "not=", "!=", "<", ">", "<=", ">=", "+", "-", "*", "/", "quot", "rem", "mod", "inc", "dec", "max", "min", "zero?", "pos?", "neg?",
        "even?", "odd?", "str", "subs", "count", "identity", "keyword", "name", "namespace", "vector", "list", "tuple", "untuple", "ground", "get",
        "re-find", "re-matches", "re-seq", "re-pattern", "clojure.string/starts-with?", "clojure.string/blank?", "true?", "nil?", "some?", "not",
        "and", "or", "complement", "type", "compare", "contains?",
    ];

    private static Gen<string> Term() => Gen.Frequency((3, Gen.Elements(Vars)), (2, Gen.Elements(Constants)));

    private static Gen<string> PlaceTerm() => Gen.Frequency((3, Gen.Elements(Vars)), (2, Gen.Elements("1", "0", "2.5", "\"x\"", ":k1", ":a", "true", "[:c \"x\"]")));

    private static Gen<string> Clause() => Gen.OneOf(
        from e in Gen.Elements(Vars)
        from a in Gen.Elements(":a", ":b", ":c", ":d", "?a")
        from v in PlaceTerm()
        select $"[{e} {a} {v}]",
        from f in Gen.Elements(Functions)
        let info = Datom.Index.Query.Builtins.Find(f)!
        from n in Gen.Choose(info.MinArity, info.MaxArity < 0 ? info.MinArity + 2 : info.MaxArity)
        from args in Gen.ArrayOf(Term(), n)
        from bind in Gen.Elements("", " ?x", " ?y", " [?x ?y]", " [?z ...]", " [[?x ?w]]", " _")
        select $"[({f} {string.Join(" ", args)}){bind}]",
        from e in Gen.Elements(Vars)
        from v in PlaceTerm()
        select $"(not [{e} :a {v}])",
        from e in Gen.Elements(Vars)
        select $"(or-join [{e}] [{e} :d :k1] (and [{e} :a ?w] [(> ?w 1)]))",
        from a in Gen.Elements(Vars)
        from b in Term()
        select $"(reach {a} {b})",
        from e in Gen.Elements(Vars)
        from d in Term()
        select $"[(get-else $ {e} :a {d}) ?w]",
        from e in Gen.Elements(Vars)
        select $"[(missing? $ {e} :c)]");

    /// <summary>Queries made of real clauses with random variables, constants and functions.</summary>
    public static Arbitrary<RandomQuery> WellFormed() =>
        (from find in Gen.Elements("?x", "?x ?y", "(count ?x) .", "[?y ...]", "(pull ?x [*])", "(sum ?y) (min ?z)", "?w")
         from clauses in Gen.ListOf(Clause())
         select new RandomQuery($"[:find {find} :in $ % :where {string.Join(" ", clauses.Take(5))}]")).ToArbitrary();

    private static List<string> Tokens(string text)
    {
        var tokens = new List<string>();
        var sb = new StringBuilder();
        foreach (var ch in text)
        {
            if (ch is '[' or ']' or '(' or ')' or '{' or '}' or ' ')
            {
                if (sb.Length > 0)
                    tokens.Add(sb.ToString());
                sb.Clear();
                tokens.Add(ch.ToString(CultureInfo.InvariantCulture));
            }
            else
            {
                sb.Append(ch);
            }
        }
        if (sb.Length > 0)
            tokens.Add(sb.ToString());
        return tokens;
    }
}

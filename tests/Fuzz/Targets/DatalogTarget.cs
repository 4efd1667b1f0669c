using System.Text;
using System.Text.Json;
using Datom.Fuzz.Engine;
using Datom.Index.Query;

namespace Datom.Fuzz.Targets;

/// <summary>
/// The Datalog parser (<see cref="DatalogQuery.Parse"/>: EDN text to a checked query). Allowed error:
/// <see cref="QueryException"/> with a reason, and a position inside the text when it has one; an EDN
/// error must arrive wrapped in one, never as an <c>EdnException</c>. Oracle: the query's own text
/// (<see cref="DatalogQuery.Text"/>, printed from what was read) parses again to the same text.
/// Seeds: every query of the conformance tests (tests/Index.Tests, tests/Vm.Tests), gathered into
/// Corpus/datalog.json, and the essay's two queries.
/// </summary>
public sealed class DatalogTarget : FuzzTarget
{
    private static readonly string[] Extra =
    [
        "[:find ?fn-name ?rt :in $ ?since :where [?fn :fn/param ?p] [?p :param/type ?t] [?t :type/name \"User\"]\n [?fn :fn/name ?fn-name] [?fn :fn/return-type ?rt] [?rt :type/defined-at ?time] [(> ?time ?since)]]",
        "[:find ?site ?line :where [?c :ast/type :ast.type/call] [?c :ast/function ?f] [?f :fn/param ?p]\n [?p :param/type ?t] [?t :type/name \"User\"] [?c :ast/location ?site] [?c :ast/line ?line]]",
        "[:find [(pull ?e [:user/name {:user/friends [:user/name]} {:_user/friends [*]}]) ...] :in $ [?n ...] :where [?e :user/name ?n]]",
        "{:find [?e ?n] :keys [e n] :in [$ [[?e ?n]]] :where [[?e :user/name ?n] [(get-else $ ?e :user/age 0) ?a] [(missing? $ ?e :user/email)]]}",
        "[:find ?e :where [?e :id #id \"00000000000000010000000000000002\"] [?e :blob #bytes \"AAEC\"] [(ground [1 2]) [?x ...]]]",
        "[:find (median ?a) (count-distinct ?a) (distinct ?a) :with ?e :where [?e :age ?a]]",
    ];

    private static readonly string[] Words =
    [
        ":find", ":in", ":where", ":with", ":keys", ":strs", ":syms", "$", "%", "_", "...", ".", "?x", "?e", "?a", "?v", "$src",
        "[?e :a ?v]", "(not [?e :a])", "(not-join [?e] [?e :a])", "(or [?e :a] [?e :b])", "(or-join [?e] [?e :a])", "(and [?e :a])",
        "[(> ?v 1)]", "[(ground 1) ?x]", "[(str ?a ?b) ?c]", "(count ?x)", "(pull ?e [*])", "[?x ...]", "[[?x ?y]]", "(rule ?x)",
        "[(get-else $ ?e :a 0) ?v]", "[(missing? $ ?e :a)]", "(sum ?x)", "(max 3 ?x)", "#id \"1\"", "#bytes \"x\"", "{:find [?e]}",
    ];

    public override string Name => "datalog";

    public override bool IsText => true;

    // The gathered test strings include rule sets (not queries) and queries the tests expect to fail.
    public override bool CorpusIsValid => false;

    public override IReadOnlyList<byte[]> Dictionary { get; } = [.. Words.Select(Encoding.UTF8.GetBytes)];

    public override FuzzOutcome Run(byte[] input)
    {
        var text = Encoding.UTF8.GetString(input);
        DatalogQuery query;
        try
        {
            query = DatalogQuery.Parse(text, "fuzz");
        }
        catch (QueryException e)
        {
            CheckSpecific(e, text);
            return FuzzOutcome.Reject("QueryException: " + EdnTarget.Category(e.Reason));
        }

        // Accepted: its printed form is a fixed point of parse-then-print.
        var printed = query.Text;
        DatalogQuery again;
        try
        {
            again = DatalogQuery.Parse(printed, "printed");
        }
        catch (QueryException e)
        {
            throw new FuzzContractException($"the query parsed, but its printed text {Escape.Text(Encoding.UTF8.GetBytes(printed))} does not: {e.Message}", e);
        }
        if (again.Text != printed)
            throw new FuzzContractException($"printing is not stable: {Escape.Text(Encoding.UTF8.GetBytes(printed))} reparses as {Escape.Text(Encoding.UTF8.GetBytes(again.Text))}");
        return FuzzOutcome.Accept();
    }

    private static void CheckSpecific(QueryException e, string text)
    {
        var lines = 1 + text.Count(c => c == '\n');
        if (string.IsNullOrWhiteSpace(e.Reason))
            throw new FuzzContractException("QueryException without a reason", e);
        if (e.Position is { } p && (p.Line < 1 || p.Line > lines || p.Column < 1))
            throw new FuzzContractException($"QueryException placed outside the text ({lines} lines): {p}", e);
    }

    protected override IReadOnlyList<byte[]> BuildCorpus()
    {
        using var stream = typeof(DatalogTarget).Assembly.GetManifestResourceStream("Datom.Fuzz.Corpus.datalog.json")
            ?? throw new InvalidOperationException("the Datalog seed queries (Corpus/datalog.json) are not embedded");
        var queries = JsonSerializer.Deserialize<string[]>(stream) ?? [];
        return [.. queries.Concat(Extra).Select(Encoding.UTF8.GetBytes)];
    }
}

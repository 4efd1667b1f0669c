using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Datom.Vm.Reading;

namespace Datom.Vm.Tests.Support;

/// <summary>
/// What the corpus needs from Yin beyond each program's first error: Corpus/names.tsv (written by
/// scripts/record-corpus.sh from JVM Clojure's own resolution of every symbol) lists the clojure.*
/// vars, special forms and interop members the programs use, and the reader features are counted
/// from the sources; each is probed against Yin's analyzer, so the report can say which missing
/// names would unblock the most programs.
/// </summary>
public static partial class CorpusNames
{
    /// <summary>Reader features, each with a pattern that finds it in source and a probe expression.</summary>
    private static readonly (string Feature, Regex Pattern, string Probe)[] ReaderFeatures =
    [
        ("#(...) anonymous fn", AnonFn(), "#(+ % 1)"),
        ("#\"regex\"", RegexLiteral(), "#\"a+\""),
        ("'quote", Quote(), "'(1 2)"),
        ("@deref", Deref(), "(let [a (atom 1)] @a)"),
        ("`syntax-quote", SyntaxQuote(), "`(a ~(+ 1 2))"),
        ("#'var", VarQuote(), "#'main"),
        ("#_ discard", Discard(), "#_ 1 2"),
        ("^metadata", Meta(), "^:m [1]"),
        ("\\c character", CharLiteral(), "\\a"),
    ];

    /// <summary>Top-level forms are probed as top-level forms, everything else in call position.</summary>
    private static readonly Dictionary<string, string> TopLevelProbes = new(StringComparer.Ordinal)
    {
        ["clojure.core/def"] = "(def x 1)",
        ["def"] = "(def x 1)",
        ["clojure.core/defn-"] = "(defn- f [] 1)",
        ["clojure.core/declare"] = "(declare f)",
        ["clojure.core/defmulti"] = "(defmulti f identity)",
        ["clojure.core/defmethod"] = "(defmulti f identity)\n(defmethod f :a [x] 1)",
        ["clojure.core/defmacro"] = "(defmacro m [] 1)",
        ["clojure.core/defonce"] = "(defonce x 1)",
        ["clojure.core/defprotocol"] = "(defprotocol P (f [x]))",
        ["clojure.core/deftype"] = "(deftype T [a])",
        ["clojure.core/defrecord"] = "(defrecord R [a])",
        ["clojure.core/defstruct"] = "(defstruct s :a)",
        ["clojure.core/extend-type"] = "(defprotocol P (f [x]))\n(extend-type String P (f [x] 1))",
        ["clojure.core/extend-protocol"] = "(defprotocol P (f [x]))\n(extend-protocol P String (f [x] 1))",
        ["try"] = "(defn main [] (try 1 (catch Exception e 2) (finally 3)))",
        ["throw"] = "(defn main [] (throw (ex-info \"x\" {})))",
        ["letfn*"] = "(defn main [] (letfn [(f [] 1)] (f)))",
        ["var"] = "(defn main [] (var main))",
        ["recur"] = "(defn main [] (loop [i 0] (if (< i 1) (recur (inc i)) i)))",
        ["quote"] = "(defn main [] (quote x))",
        ["set!"] = "(defn main [] (set! *warn-on-reflection* true))",
        ["new"] = "(defn main [] (new Object))",
    };

    /// <summary>Parts of other forms (<c>&amp;</c> in parameters, <c>catch</c>/<c>finally</c> in try), not forms of their own.</summary>
    private static readonly HashSet<string> NotForms = new(StringComparer.Ordinal) { "&", "catch", "finally", "." };

    public sealed record Need(string Kind, string Name, int Programs, string Examples);

    /// <summary>Every name and reader feature the corpus uses that Yin does not accept, most used first.</summary>
    public static IReadOnlyList<Need> Missing(IEnumerable<string> sources)
    {
        var list = new List<Need>();
        var texts = sources.Select(f => (Name: Path.GetFileNameWithoutExtension(f), Text: StripStringsAndComments(File.ReadAllText(f)))).ToList();
        foreach (var (feature, pattern, probe) in ReaderFeatures)
        {
            var users = texts.Where(t => pattern.IsMatch(t.Text)).Select(t => t.Name).Order(StringComparer.Ordinal).ToList();
            if (users.Count > 0 && !Accepts($"(defn main [] {probe})"))
                list.Add(new Need("reader", feature, users.Count, string.Join(' ', users.Take(3))));
        }
        var tsv = Path.Combine(AppContext.BaseDirectory, "Corpus", "names.tsv");
        foreach (var line in File.ReadLines(tsv).Skip(1))
        {
            var cols = line.Split('\t');
            if (cols.Length < 4)
                continue;
            var (kind, name) = (cols[0], cols[1]);
            if (kind == "special" && ((name.EndsWith('*') && name != "letfn*") || NotForms.Contains(name)))
                continue; // the expansions of fn, let and loop (counted under those), or parts of other forms
            var surface = name == "letfn*" ? "letfn" : name.StartsWith("clojure.core/", StringComparison.Ordinal) ? name["clojure.core/".Length..] : name;
            var source = TopLevelProbes.TryGetValue(name, out var top) ? top : $"(defn main [] ({surface}))";
            if (!Accepts(source))
                list.Add(new Need(kind, surface, int.Parse(cols[2], CultureInfo.InvariantCulture), cols[3]));
        }
        return [.. list.OrderByDescending(n => n.Programs).ThenBy(n => n.Name, StringComparer.Ordinal)];
    }

    public static string Table(IReadOnlyList<Need> needs, int top)
    {
        ArgumentNullException.ThrowIfNull(needs);
        var sb = new StringBuilder("| kind | name | programs using it | e.g. |\n|---|---|---|---|\n");
        foreach (var n in needs.Take(top))
            sb.Append(CultureInfo.InvariantCulture, $"| {n.Kind} | `{n.Name.Replace("|", "\\|", StringComparison.Ordinal)}` | {n.Programs} | {n.Examples} |\n");
        if (needs.Count > top)
            sb.Append(CultureInfo.InvariantCulture, $"\n… and {needs.Count - top} more used by fewer programs.\n");
        return sb.ToString();
    }

    /// <summary>Does Yin's reader and analyzer accept this source? Only "unknown", "not supported" and syntax errors count as no.</summary>
    private static bool Accepts(string body)
    {
        try
        {
            using var vm = YinVm.FromSource("(ns t)\n" + body, "probe.clj");
            return true;
        }
        catch (CodeException e)
        {
            var m = e.Reason ?? e.Message;
            return !(m.Contains("unknown", StringComparison.Ordinal) || m.Contains("not supported", StringComparison.Ordinal)
                || m.Contains("syntax error", StringComparison.Ordinal) || m.Contains("a top-level form is", StringComparison.Ordinal)
                || m.Contains("is not an expression", StringComparison.Ordinal));
        }
    }

    private static string StripStringsAndComments(string s) => StringOrComment().Replace(s, m => m.Value.StartsWith('"') ? "\"\"" : "");

    // A string literal (not one preceded by #, which is a regex) or a ; comment to the end of the line.
    [GeneratedRegex(@"(?<!#)""(?:\\.|[^""\\])*""|;[^\n]*")]
    private static partial Regex StringOrComment();

    [GeneratedRegex(@"#\(")]
    private static partial Regex AnonFn();

    [GeneratedRegex(@"#""")]
    private static partial Regex RegexLiteral();

    [GeneratedRegex(@"(?<![\\\w])'[\w(\[{#:*+!?<>=-]")]
    private static partial Regex Quote();

    [GeneratedRegex(@"(?<![\\~])@[\w(*]")]
    private static partial Regex Deref();

    [GeneratedRegex(@"(?<!\\)`[\w(\[{]")]
    private static partial Regex SyntaxQuote();

    [GeneratedRegex(@"#'")]
    private static partial Regex VarQuote();

    [GeneratedRegex(@"#_")]
    private static partial Regex Discard();

    [GeneratedRegex(@"(?<![\\\w])\^[:\w{]")]
    private static partial Regex Meta();

    [GeneratedRegex(@"(?<![\\\w])\\(?:[a-zA-Z](?![a-zA-Z])|newline|space|tab|[^\s\w])")]
    private static partial Regex CharLiteral();
}

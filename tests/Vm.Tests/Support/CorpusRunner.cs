using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Datom.Vm.Reading;

namespace Datom.Vm.Tests.Support;

/// <summary>One corpus program's outcome against the answer JVM Clojure recorded for it.</summary>
/// <param name="Category">For a failure, what stopped it first (see <see cref="CorpusRunner.Classify"/>).</param>
/// <param name="Detail">The first line of the error, or the first output line that differs.</param>
public sealed record CorpusResult(string Name, bool Passed, string Category, string Detail);

/// <summary>
/// Runs the compatibility corpus (tests/Vm.Tests/Corpus): every FILE.clj is loaded the way
/// <c>datom code load</c> loads a file (<see cref="Loading.CodeLoader"/> into a fresh DaoDB), its
/// <c>-main</c> runs under the CLI's default limits, and what it printed is compared with FILE.out,
/// recorded from JVM Clojure by scripts/record-corpus.sh.
/// </summary>
public static partial class CorpusRunner
{
    /// <summary>clojure.core's macros and special forms: an unknown one is a missing form, not a missing function.</summary>
    private static readonly HashSet<string> Macros = new(StringComparer.Ordinal)
    {
        "->", "->>", "as->", "cond->", "cond->>", "some->", "some->>", "..", "doto", "for", "doseq", "dotimes",
        "while", "loop", "let", "letfn", "fn", "defn", "defn-", "def", "defonce", "declare", "defmacro",
        "defmulti", "defmethod", "defprotocol", "defrecord", "deftype", "defstruct", "extend-type", "extend-protocol",
        "reify", "proxy", "case", "condp", "cond", "if-let", "when-let", "if-some", "when-some", "when-first",
        "when-not", "if-not", "and", "or", "when", "lazy-seq", "lazy-cat", "delay", "binding",
        "with-out-str", "with-open", "with-local-vars", "assert", "comment", "time", "try", "throw",
        "quote", "var", "set!", "new", "locking", "future", "import", "ns", "in-ns", "refer-clojure",
        "memfn", "areduce", "amap", "dosync", "io!", "with-redefs", "letfn*", "fn*", "with-precision",
    };

    public static string Folder(string set) => Path.Combine(AppContext.BaseDirectory, "Corpus", set);

    public static IReadOnlyList<string> Programs(string set) =>
        [.. Directory.EnumerateFiles(Folder(set), "*.clj").Order(StringComparer.Ordinal)];

    /// <summary>Runs one program; an exception from Yin itself (not a Yin error) is that program's failure, not the corpus's.</summary>
    public static async Task<CorpusResult> RunAsync(string file)
    {
        try
        {
            return await RunOneAsync(file);
        }
#pragma warning disable CA1031 // a crash in the VM is reported as the program's result, with the exception's type
        catch (Exception e)
#pragma warning restore CA1031
        {
            var inner = e is TypeInitializationException { InnerException: { } i } ? i : e;
            return new CorpusResult(Path.GetFileNameWithoutExtension(file), false, "crash: " + inner.GetType().Name, FirstLine(inner.Message));
        }
    }

    private static async Task<CorpusResult> RunOneAsync(string file)
    {
        var name = Path.GetFileNameWithoutExtension(file);
        var expected = await File.ReadAllTextAsync(Path.ChangeExtension(file, ".out"), Encoding.UTF8);
        var source = await File.ReadAllTextAsync(file, Encoding.UTF8);
        using var db = TestDb.InMemory();
        string ns;
        try
        {
            ns = (await db.LoadAsync(source, Path.GetFileName(file))).Namespace;
        }
        catch (CodeException e)
        {
            return Failed("load", e.Message);
        }
        using var vm = await db.VmAsync();
        var output = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        // A run must stop at its deadline. One that does not has escaped a limit (a bug in the VM,
        // and a way for peer code to hang a node): it fails here, named as such, and the corpus
        // goes on without waiting for it (its background thread is left to the process's end).
        var run = Task.Factory.StartNew(() => vm.Run(ns + "/-main", [], new RunOptions { Output = output }),
            CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        var bound = Datom.Vm.Machine.RunLimits.DefaultDeadline + TimeSpan.FromSeconds(30);
        if (await Task.WhenAny(run, Task.Delay(bound)) != run)
            return new CorpusResult(name, false, "limit escaped: deadline", $"still running {bound.TotalSeconds} s after it started (the deadline is {Datom.Vm.Machine.RunLimits.DefaultDeadline.TotalSeconds} s)");
        var result = await run;
        if (result.Status != RunStatus.Finished)
        {
            var error = result.Error;
            var text = error is null ? result.Status.ToString() : $"{error.Message} [{error.Kind}] ({error.Location}:{error.Line})";
            return Failed("run", text);
        }
        var actual = output.ToString();
        if (actual == expected)
            return new CorpusResult(name, true, "", "");
        return new CorpusResult(name, false, OutputCategory(expected, actual), FirstDifference(expected, actual));

        CorpusResult Failed(string stage, string detail) =>
            new(name, false, Classify(stage, detail, source), FirstLine(detail));
    }

    /// <summary>
    /// Sorts a failure into the categories of issue 12 by its first error: a reader feature, a
    /// missing special form or macro, a missing built-in (with its name), JVM interop, a limit, or
    /// another error at load or run time. (Output that differs is sorted by <see cref="OutputCategory"/>.)
    /// A heuristic over the error text, in one place so that the test's table and STATUS.md agree.
    /// </summary>
    public static string Classify(string stage, string detail, string source = "")
    {
        ArgumentNullException.ThrowIfNull(detail);
        var d = Location().Replace(detail, "", 1);
        if (d.Contains("[:limit/", StringComparison.Ordinal))
            return "limit: " + LimitName().Match(d).Groups[1].Value;
        if (d.StartsWith("syntax error", StringComparison.Ordinal))
            return "reader: " + ReaderFeature(d);
        if (d.Contains("is all this VM reads of ns", StringComparison.Ordinal))
            return "form: ns :require/:import";
        if (d.StartsWith("a top-level form is", StringComparison.Ordinal))
            return "form: top-level " + TopLevelHead(detail, source);
        if (d.Contains("destructuring is not supported", StringComparison.Ordinal))
            return "form: destructuring";
        if (d.Contains("multi-arity", StringComparison.Ordinal))
            return "form: multi-arity fn";
        if (d.StartsWith("() is not an expression", StringComparison.Ordinal))
            return "form: () literal";
        if (d.StartsWith("unknown type >", StringComparison.Ordinal))
            return "form: ->/->>";
        if (NotSupported().Match(d) is { Success: true } unsupported)
            return "form: " + unsupported.Groups[1].Value;
        if (Unknown().Match(d) is { Success: true } unknown)
        {
            var name = unknown.Groups[1].Value;
            if (name.EndsWith('.') || name.StartsWith('.') || (name.Contains('/', StringComparison.Ordinal) && char.IsUpper(name[0])))
                return "interop: " + name;
            return (Macros.Contains(name) ? "form: " : "missing: ") + name;
        }
        if (Arity().Match(d) is { Success: true } arity)
            return $"arity: {arity.Groups[1].Value.Replace("yin.core/", "", StringComparison.Ordinal)} with {arity.Groups[2].Value} args";
        if (d.Contains("[:error/type]", StringComparison.Ordinal))
            return "type: " + FirstWords(d);
        return (stage == "load" ? "load: " : "run: ") + FirstWords(d);
    }

    /// <summary>
    /// Output that differs only in how values are spelled (brackets, commas, number forms) is a
    /// printing problem, and output whose every line has the same characters in another order is
    /// one of iteration order (JVM Clojure prints a map of up to 8 entries in insertion order and
    /// larger maps and sets in hash order); anything else is a wrong answer.
    /// </summary>
    public static string OutputCategory(string expected, string actual)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(actual);
        if (Normalise(expected) == Normalise(actual))
            return "wrong printing";
        var e = expected.Split('\n');
        var a = actual.Split('\n');
        if (e.Length == a.Length && e.Zip(a).All(p => SortedChars(p.First) == SortedChars(p.Second)))
            return "wrong printing: order";
        return "wrong answer";

        static string SortedChars(string line) => new([.. line.Order()]);
    }

    private static string ReaderFeature(string d)
    {
        if (d.Contains("'#' followed by '('", StringComparison.Ordinal))
            return "#()";
        if (d.Contains("'#' followed by '\"'", StringComparison.Ordinal))
            return "#\"regex\"";
        if (d.Contains("'#' followed by '''", StringComparison.Ordinal))
            return "#'var";
        if (d.Contains("cannot begin with '''", StringComparison.Ordinal))
            return "'quote";
        if (d.Contains("cannot begin with '@'", StringComparison.Ordinal))
            return "@deref";
        if (d.Contains("cannot begin with '`'", StringComparison.Ordinal) || d.Contains("invalid symbol `", StringComparison.Ordinal))
            return "syntax-quote";
        if (d.Contains("invalid symbol @", StringComparison.Ordinal))
            return "@deref";
        if (d.Contains("invalid symbol ~", StringComparison.Ordinal))
            return "~unquote";
        return FirstWords(d["syntax error".Length..].TrimStart(':'));
    }

    private static string Normalise(string s) =>
        s.Replace('[', '(').Replace(']', ')').Replace(",", "", StringComparison.Ordinal)
            .Replace("E+", "E", StringComparison.Ordinal).Replace(".0E", "E", StringComparison.Ordinal);

    private static string FirstLine(string text)
    {
        var line = text.Split('\n')[0].Trim();
        return line.Length > 160 ? line[..160] + "…" : line;
    }

    private static string FirstWords(string s)
    {
        var t = s.Trim();
        var cut = t.IndexOfAny([':', ';', '(']);
        t = cut > 0 ? t[..cut].Trim() : t;
        return t.Length > 50 ? t[..50] : t;
    }

    private static string FirstDifference(string expected, string actual)
    {
        var e = expected.Split('\n');
        var a = actual.Split('\n');
        for (var i = 0; i < Math.Max(e.Length, a.Length); i++)
        {
            var el = i < e.Length ? e[i] : "<end>";
            var al = i < a.Length ? a[i] : "<end>";
            if (el != al)
                return string.Create(CultureInfo.InvariantCulture, $"line {i + 1}: expected {Clip(el)} got {Clip(al)}");
        }
        return "differs";

        static string Clip(string s) => s.Length > 60 ? s[..60] + "…" : s;
    }

    /// <summary>The head of the top-level form an error points at ("def", "defmulti", ...).</summary>
    private static string TopLevelHead(string detail, string source)
    {
        var m = Location().Match(detail);
        if (!m.Success || !int.TryParse(m.Groups[1].Value, CultureInfo.InvariantCulture, out var line))
            return "form";
        var lines = source.Split('\n');
        if (line < 1 || line > lines.Length)
            return "form";
        var head = HeadSymbol().Match(lines[line - 1]);
        return head.Success ? head.Groups[1].Value : "form";
    }

    [GeneratedRegex(@"^\S+?\.clj:(\d+)(?::\d+)?: ")]
    private static partial Regex Location();

    [GeneratedRegex(@"\[:limit/([a-z-]+)\]")]
    private static partial Regex LimitName();

    [GeneratedRegex(@"^unknown (?:function|var|name|symbol|built-in) (\S+?):")]
    private static partial Regex Unknown();

    [GeneratedRegex(@"^(\S+) is not supported")]
    private static partial Regex NotSupported();

    [GeneratedRegex(@"wrong number of arguments: (\S+) takes .*called with (\d+)")]
    private static partial Regex Arity();

    [GeneratedRegex(@"^\s*\((\S+)")]
    private static partial Regex HeadSymbol();
}

using System.Globalization;
using System.Text;
using Datom.Vm.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Datom.Vm.Tests;

/// <summary>
/// The compatibility corpus of issue 12: ordinary Clojure programs from public sources (see
/// Corpus/README.md), each judged against the output JVM Clojure printed for it. The floors are
/// what Yin passes today; raise them as the language grows (the issue's target: 95%, held-out 90%).
/// The table of failures prints with <c>--logger "console;verbosity=detailed"</c>
/// (scripts/corpus-report.sh); CORPUS_REPORT=FILE also writes it as Markdown, and CORPUS_PROGRESS=FILE
/// names each program before it runs.
/// </summary>
public sealed class CorpusTests(ITestOutputHelper output)
{
    /// <summary>
    /// Per cent of Corpus/programs that must pass: issue 12's target, 95%. Measured 151/152 (99.3%)
    /// on main after the language branches merged (koan-20 needs CountDownLatch, outside the interop
    /// allow-list); the margin of seven programs covers the few that run close to their 10 s
    /// deadline on a loaded machine (rcs-hailstone-sequence, rc-stern-brocot-sequence).
    /// </summary>
    private const double ProgramsFloor = 95.0;

    /// <summary>
    /// Per cent of Corpus/heldout that must pass: issue 12's target for the corpus kept outside the
    /// project, 90% (measured 24/24 after the merge). These programs are never used to tune Yin.
    /// </summary>
    private const double HeldOutFloor = 90.0;

    [Fact]
    public Task Corpus_programs_print_what_Clojure_prints() => CheckAsync("programs", ProgramsFloor);

    [Fact]
    public Task Held_out_programs_print_what_Clojure_prints() => CheckAsync("heldout", HeldOutFloor);

    private async Task CheckAsync(string set, double floor)
    {
        var files = CorpusRunner.Programs(set);
        Assert.NotEmpty(files);
        // CORPUS_PROGRESS=FILE names each program in FILE before it runs: a crash of the test host
        // (a .NET stack overflow cannot be caught) then names its program.
        var progress = Environment.GetEnvironmentVariable("CORPUS_PROGRESS");
        var results = new List<CorpusResult>();
        foreach (var file in files)
        {
            if (!string.IsNullOrEmpty(progress))
                await File.AppendAllTextAsync(progress, Path.GetFileName(file) + "\n");
            results.Add(await CorpusRunner.RunAsync(file));
        }
        var passed = results.Count(r => r.Passed);
        var rate = 100.0 * passed / results.Count;
        var report = Report(set, results, passed, rate);
        if (set == "programs")
        {
            var all = CorpusRunner.Programs("programs").Concat(CorpusRunner.Programs("heldout"));
            report += "\n### What the corpus uses that Yin does not accept (both sets)\n\n" + CorpusNames.Table(CorpusNames.Missing(all), 60);
        }
        output.WriteLine(report);
        var reportFile = Environment.GetEnvironmentVariable("CORPUS_REPORT");
        if (!string.IsNullOrEmpty(reportFile))
            await File.AppendAllTextAsync(reportFile, report + "\n", new UTF8Encoding(false));
        Assert.True(rate >= floor, string.Create(CultureInfo.InvariantCulture, $"{set}: {passed}/{results.Count} passed ({rate:F1}%), below the floor of {floor:F1}%"));
    }

    /// <summary>The issue's kinds: reader feature, missing form or macro, missing built-in, interop, printing, answer, and the rest.</summary>
    private static string Kind(string category)
    {
        var colon = category.IndexOf(':', StringComparison.Ordinal);
        return (colon < 0 ? category : category[..colon]) switch
        {
            "reader" => "reader feature",
            "form" => "missing form or macro",
            "missing" => "missing built-in",
            "interop" => "interop member",
            "arity" => "built-in at an arity Yin lacks",
            "type" => "built-in refuses an argument type",
            "wrong printing" => "wrong printing",
            var other => other,
        };
    }

    private static string Report(string set, List<CorpusResult> results, int passed, double rate)
    {
        var sb = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        sb.Append(inv, $"## Corpus/{set}: {passed}/{results.Count} passed ({rate:F1}%)\n\n");
        sb.Append("| program | category | first error |\n|---|---|---|\n");
        foreach (var r in results.Where(r => !r.Passed))
            sb.Append(inv, $"| {r.Name} | {r.Category} | {r.Detail.Replace("|", "\\|", StringComparison.Ordinal)} |\n");
        sb.Append("\n| kind of first failure | programs |\n|---|---|\n");
        foreach (var g in results.Where(r => !r.Passed).GroupBy(r => Kind(r.Category)).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal))
            sb.Append(inv, $"| {g.Key} | {g.Count()} |\n");
        sb.Append("\n| category | count |\n|---|---|\n");
        foreach (var g in results.Where(r => !r.Passed).GroupBy(r => r.Category).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal))
            sb.Append(inv, $"| {g.Key} | {g.Count()} |\n");
        sb.Append(inv, $"\npassed {passed} of {results.Count}: {rate:F1}%\n");
        return sb.ToString();
    }
}

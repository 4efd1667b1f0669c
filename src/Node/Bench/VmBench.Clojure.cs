using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Datom.Vm;

namespace Datom.Node.Bench;

/// <summary>
/// The Clojure side of <c>datom bench vm</c>: the same programs on nbb (SCI, Clojure's interpreter
/// on Node.js, installed by <c>scripts/install-nbb.sh</c>) and on JVM Clojure (<c>clojure</c>,
/// installed by <c>scripts/install-clojure.sh</c>), timed like Yin's: each engine loads the program
/// first, then runs the work <see cref="WarmUps"/> times untimed and <c>runs</c> times timed, inside
/// its own process with its own clock. Process start, loading and compiling are excluded on every
/// side; every figure is warm.
/// </summary>
internal static partial class VmBench
{
    /// <summary>Corpus programs timed on all three: portable (no JVM interop), so nbb runs them unchanged, and busy enough to measure.</summary>
    private static readonly string[] CorpusPrograms = ["rc-perfect-numbers-3", "rc-babbage-problem", "ex-game-of-life"];

    private const string FibClojure = "(defn fib [n] (if (< n 2) n (+ (fib (- n 1)) (fib (- n 2)))))";

    /// <summary>
    /// Appended to a program in its own namespace: warm-ups, timed runs, and one line of JSON. The
    /// result is printed with <c>pr-str</c>, whose string syntax is JSON's for these outputs.
    /// </summary>
    private const string Harness = """

        (defn bench-harness-now* [] NOW)
        (defn bench-harness-cpu* [] CPU)
        (defn bench-harness-median* [xs]
          (let [ms (vec (sort xs)) runs (count ms)]
            (double (if (odd? runs) (nth ms (quot runs 2)) (/ (+ (nth ms (dec (quot runs 2))) (nth ms (quot runs 2))) 2)))))
        (let [work (fn [] WORK)
              _ (dotimes [_ WARMUPS] (work))
              samples (vec (for [_ (range RUNS)]
                             (let [c (bench-harness-cpu*) t (bench-harness-now*) r (work) t2 (bench-harness-now*)]
                               [(- t2 t) (- (bench-harness-cpu*) c) r])))]
          (println (str "{\"median_ms\":" (bench-harness-median* (map first samples)) ",\"min_ms\":" (double (apply min (map first samples)))
                        ",\"cpu_median_ms\":" (bench-harness-median* (map second samples))
                        ",\"result\":" (pr-str (str (nth (first samples) 2))) "}")))
        """;

    /// <summary>An engine: how to run a file, and its expressions for wall-clock ms and process CPU ms.</summary>
    private sealed record Engine(string Name, string Command, string[] Prefix, string Extension, string Now, string Cpu);

    /// <summary>nbb: DATOM_NBB, else where scripts/install-nbb.sh puts it, else on the PATH.</summary>
    private static Engine? Nbb()
    {
        var candidates = new[] { Environment.GetEnvironmentVariable("DATOM_NBB"), "/opt/nbb/node_modules/.bin/nbb" };
        var path = candidates.FirstOrDefault(p => !string.IsNullOrEmpty(p) && File.Exists(p)) ?? OnPath("nbb");
        if (path is null)
            return null;
        var version = "";
        var package = Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(Path.GetFullPath(path)))!, "nbb", "package.json");
        if (File.Exists(package))
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(package));
            version = " " + doc.RootElement.GetProperty("version").GetString();
        }
        return new Engine("nbb" + version, path, [], ".cljs", "(js/performance.now)", "(let [u (js/process.cpuUsage)] (/ (+ (.-user u) (.-system u)) 1000.0))");
    }

    /// <summary>JVM Clojure through Debian's <c>clojure</c> wrapper (<c>clojure FILE</c>).</summary>
    private static Engine? Jvm() =>
        OnPath("clojure") is { } path
            ? new Engine("JVM Clojure", path, [], ".clj", "(/ (System/nanoTime) 1e6)",
                "(/ (.getCurrentThreadCpuTime (java.lang.management.ManagementFactory/getThreadMXBean)) 1e6)")
            : null;

    private static string? OnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name)).FirstOrDefault(File.Exists);

    /// <summary>Runs <paramref name="source"/> plus the harness for <paramref name="work"/> on an engine; null (with a note) if it cannot.</summary>
    private static async Task<Figure?> OnEngineAsync(Engine engine, string label, string source, string work, int runs, List<string> notes, CancellationToken cancellationToken)
    {
        var program = source + Harness
            .Replace("NOW", engine.Now, StringComparison.Ordinal)
            .Replace("CPU", engine.Cpu, StringComparison.Ordinal)
            .Replace("WORK", work, StringComparison.Ordinal)
            .Replace("WARMUPS", WarmUps.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("RUNS", runs.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
        var file = Path.Combine(Path.GetTempPath(), "datom-bench-" + Guid.NewGuid().ToString("N")[..8] + engine.Extension);
        await File.WriteAllTextAsync(file, program, cancellationToken);
        try
        {
            var info = new ProcessStartInfo(engine.Command) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in engine.Prefix)
                info.ArgumentList.Add(a);
            info.ArgumentList.Add(file);
            using var process = Process.Start(info);
            if (process is null)
            {
                notes.Add($"{engine.Name} did not start");
                return null;
            }
            var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            var output = await stdout;
            var line = output.Split('\n').LastOrDefault(l => l.StartsWith("{\"median_ms\"", StringComparison.Ordinal));
            if (process.ExitCode != 0 || line is null)
            {
                var error = (await stderr).Trim();
                notes.Add($"{engine.Name} failed on {label}: {(error.Length > 200 ? error[..200] : error)}");
                return null;
            }
            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement;
            return new Figure(engine.Name, root.GetProperty("median_ms").GetDouble(), root.GetProperty("min_ms").GetDouble(), root.GetProperty("result").GetString() ?? "",
                root.GetProperty("cpu_median_ms").GetDouble());
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            notes.Add($"{engine.Name} could not be run: {e.Message}");
            return null;
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>The corpus's programs folder, searched for upwards from the working directory and from this binary.</summary>
    private static string? CorpusDirectory()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "tests", "Vm.Tests", "Corpus", "programs");
                if (Directory.Exists(candidate))
                    return candidate;
            }
        }
        return null;
    }

    /// <summary>A corpus program's <c>-main</c> on Yin, its output captured (as <c>with-out-str</c> does on the others).</summary>
    private static string YinMain(YinVm vm, string main)
    {
        var output = new StringWriter();
        var result = vm.Run(main, [], new RunOptions
        {
            Output = output,
            Limits = new Vm.Machine.RunLimits(new Vm.Machine.FuelLimit(long.MaxValue), new Vm.Machine.DeadlineLimit(TimeSpan.FromMinutes(10))),
            OnCallerThread = true, // this thread's CPU time is the run's
        });
        return result.Status == RunStatus.Finished ? output.ToString() : throw new InvalidOperationException(result.ToString());
    }

    private sealed record ProgramFigures(string Program, List<Figure> Figures);

    /// <summary>Each corpus program on Yin, nbb and JVM Clojure; each engine's output checked against the answer recorded from JVM Clojure.</summary>
    private static async Task<List<ProgramFigures>> CorpusAsync(int runs, Engine? nbb, Engine? jvm, List<string> notes, CancellationToken cancellationToken)
    {
        var all = new List<ProgramFigures>();
        if (CorpusDirectory() is not { } dir)
        {
            notes.Add("the corpus (tests/Vm.Tests/Corpus/programs) was not found above the working directory; run from the repository to time its programs");
            return all;
        }
        foreach (var name in CorpusPrograms)
        {
            var path = Path.Combine(dir, name + ".clj");
            var source = await File.ReadAllTextAsync(path, cancellationToken);
            var expected = await File.ReadAllTextAsync(Path.ChangeExtension(path, ".out"), cancellationToken);
            var ns = Regex.Match(source, @"\(ns\s+([^\s\)]+)").Groups[1].Value;
            var figures = new List<Figure>();
            using (var vm = YinVm.FromSource(source, name + ".clj"))
                figures.Add(Measure("Yin.VM, AST in memory", runs, () => YinMain(vm, ns + "/-main")));
            foreach (var engine in new[] { nbb, jvm })
            {
                if (engine is not null && await OnEngineAsync(engine, name, source, "(with-out-str (-main))", runs, notes, cancellationToken) is { } f)
                    figures.Add(f);
            }
            foreach (var f in figures.Where(f => f.Result != expected))
                notes.Add($"{name}: {f.Name} printed something other than the recorded answer");
            all.Add(new ProgramFigures(name, figures));
        }
        return all;
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Datom.Index;
using Datom.Log;
using Datom.Log.Identity;
using Datom.Vm;
using Datom.Vm.Loading;

namespace Datom.Node.Bench;

/// <summary>
/// <c>datom bench vm</c>: recursive fib(N) on Yin.VM with its code read from DaoDB (a data directory on
/// disk), on Yin.VM over an in-memory AST, on Jint (the .NET JavaScript interpreter) and on CPython,
/// all in this run on this machine. Each is warmed up, then timed over several runs; the median is
/// compared. "From DaoDB" is measured two ways, and the output names which is which: read in each
/// run (a fresh VM per run, so every timed run reads the AST from DaoDB's indexes and prepares it
/// before it computes), which is the comparison with the in-memory AST; and the cached path (one VM,
/// the AST read and prepared once before timing, as a long-running daemon calls a function again).
/// </summary>
internal static partial class VmBench
{
    private const string YinSource = """
        (ns bench)
        (defn fib [n]
          (if (< n 2) n (+ (fib (- n 1)) (fib (- n 2)))))
        """;

    private const string JavaScript = "function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }";

    private const string Python = """
        import json, sys, time
        def fib(n):
            return n if n < 2 else fib(n - 1) + fib(n - 2)
        n, runs = int(sys.argv[1]), int(sys.argv[2])
        fib(n)
        samples, cpu = [], []
        for _ in range(runs):
            c = time.process_time(); t = time.perf_counter(); r = fib(n); samples.append((time.perf_counter() - t) * 1000); cpu.append((time.process_time() - c) * 1000)
        med = lambda xs: sorted(xs)[runs // 2] if runs % 2 else (sorted(xs)[runs // 2 - 1] + sorted(xs)[runs // 2]) / 2
        print(json.dumps({"median_ms": med(samples), "min_ms": min(samples), "cpu_median_ms": med(cpu), "result": r, "version": sys.version.split()[0]}))
        """;

    /// <summary>
    /// One engine's timing: wall-clock median and minimum, and the median CPU time of the thread
    /// that ran the work over the same runs (Yin, JVM Clojure; nbb and CPython report their
    /// process's, which is that thread's plus their GC helpers'). On a shared machine the CPU figure
    /// is the steadier one: it does not count time spent waiting for a core, nor other threads of
    /// this process (DaoDB's, the JIT's).
    /// </summary>
    private sealed record Figure(string Name, double MedianMs, double MinMs, string Result, double CpuMedianMs = double.NaN);

    public static async Task<int> RunAsync(int n, int runs, bool json, CancellationToken cancellationToken)
    {
        var figures = new List<Figure>();
        var notes = new List<string>();
        var expected = Fib(n).ToString(CultureInfo.InvariantCulture);

        var dir = Path.Combine(Path.GetTempPath(), "datom-bench-vm-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        try
        {
            using (var identity = NodeIdentity.Create(dir))
            using (var log = DatomLog.Open(dir, identity))
            using (var db = DaoDb.Open(dir, log))
            {
                using (var loader = new CodeLoader(db))
                    await loader.LoadAsync(YinSource, "bench.clj", "benchmark", cancellationToken);
                using var vm = await YinVm.OpenAsync(db, cancellationToken);
                using var memory = YinVm.FromSource(YinSource, "bench.clj");
                // Interleaved, so that all see the same machine state (JIT tiers, other load).
                var measured = MeasureInterleaved(runs,
                    () => YinFresh(db, n, cancellationToken),
                    () => Yin(memory, n),
                    () => Yin(vm, n));
                figures.Add(measured[0] with { Name = "Yin.VM, AST read from DaoDB each run" });
                figures.Add(measured[1] with { Name = "Yin.VM, AST in memory" });
                figures.Add(measured[2] with { Name = "Yin.VM, AST from DaoDB, cached path" });
            }
        }
        finally
        {
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
            }
        }

        var engine = new Jint.Engine();
        engine.Execute(JavaScript);
        figures.Add(Measure($"Jint {typeof(Jint.Engine).Assembly.GetName().Version}", runs, () => engine.Invoke("fib", n).ToString()));

        var python = await CPythonAsync(n, runs, cancellationToken);
        if (python is not null)
            figures.Add(python);
        else
            notes.Add("python3 was not found; CPython was not measured");

        // nbb and JVM Clojure: the same defn, loaded before timing, warm, as Yin's in-memory figure.
        var nbb = Nbb();
        var jvm = Jvm();
        if (nbb is null)
            notes.Add("nbb was not found (scripts/install-nbb.sh installs it); nbb was not measured");
        if (jvm is null)
            notes.Add("clojure was not found (scripts/install-clojure.sh installs it); JVM Clojure was not measured");
        Figure? nbbFib = null, jvmFib = null;
        if (nbb is not null && (nbbFib = await OnEngineAsync(nbb, $"fib({n})", FibClojure, $"(fib {n})", runs, notes, cancellationToken)) is not null)
            figures.Add(nbbFib);
        if (jvm is not null && (jvmFib = await OnEngineAsync(jvm, $"fib({n})", FibClojure, $"(fib {n})", runs, notes, cancellationToken)) is not null)
            figures.Add(jvmFib);

        foreach (var f in figures.Where(f => f.Result != expected))
            notes.Add($"{f.Name} computed {f.Result}, not {expected}");

        var corpus = await CorpusAsync(runs, nbb, jvm, notes, cancellationToken);

        var yin = figures[0];
        var ratios = new Dictionary<string, double>
        {
            // The AST read from DaoDB inside every timed run, against the in-memory AST.
            ["daodb_vs_memory"] = yin.MedianMs / figures[1].MedianMs,
            // The fastest runs, least disturbed by whatever else the machine is doing.
            ["daodb_vs_memory_min"] = yin.MinMs / figures[1].MinMs,
            // The cached path: the AST read and prepared before timing.
            ["daodb_cached_vs_memory"] = figures[2].MedianMs / figures[1].MedianMs,
            ["jint_vs_yin"] = figures[3].MedianMs / yin.MedianMs,
        };
        if (python is not null)
            ratios["cpython_vs_yin"] = python.MedianMs / yin.MedianMs;
        // Like for like: nbb and the JVM load the program before timing, as Yin's in-memory AST does.
        if (nbbFib is not null)
            ratios["nbb_vs_yin_memory"] = nbbFib.MedianMs / figures[1].MedianMs;
        if (jvmFib is not null)
            ratios["jvm_vs_yin_memory"] = jvmFib.MedianMs / figures[1].MedianMs;
        if (python is not null)
            ratios["cpython_vs_yin_memory"] = python.MedianMs / figures[1].MedianMs;
        // The same by CPU time, which waiting for a core on a loaded machine does not inflate.
        if (nbbFib is not null)
            ratios["nbb_vs_yin_memory_cpu"] = nbbFib.CpuMedianMs / figures[1].CpuMedianMs;
        if (python is not null)
            ratios["cpython_vs_yin_memory_cpu"] = python.CpuMedianMs / figures[1].CpuMedianMs;

        if (json)
        {
            Console.Out.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["benchmark"] = $"fib({n})",
                ["runs"] = runs,
                ["results"] = figures.Select(f => new Dictionary<string, object>
                {
                    ["name"] = f.Name,
                    ["median_ms"] = Math.Round(f.MedianMs, 2),
                    ["min_ms"] = Math.Round(f.MinMs, 2),
                    ["cpu_median_ms"] = Math.Round(f.CpuMedianMs, 2),
                    ["result"] = f.Result,
                }).ToList(),
                ["ratios"] = ratios.ToDictionary(kv => kv.Key, kv => Math.Round(kv.Value, 3)),
                ["corpus"] = corpus.Select(p => new Dictionary<string, object>
                {
                    ["program"] = p.Program,
                    ["results"] = p.Figures.Select(f => new Dictionary<string, object>
                    {
                        ["name"] = f.Name,
                        ["median_ms"] = Math.Round(f.MedianMs, 2),
                        ["min_ms"] = Math.Round(f.MinMs, 2),
                        ["cpu_median_ms"] = Math.Round(f.CpuMedianMs, 2),
                    }).ToList(),
                }).ToList(),
                ["notes"] = notes,
            }));
            return ExitCodes.Ok;
        }

        Console.Out.WriteLine($"recursive fib({n}) = {expected}, median of {runs} runs after {WarmUps} warm-ups, this machine, this run");
        Console.Out.WriteLine($"{"",-40} {"median ms",10} {"min ms",10} {"vs Yin/DaoDB",13} {"CPU ms",8} {"CPU vs Yin in memory",21}");
        foreach (var f in figures)
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{f.Name,-40} {f.MedianMs,10:F1} {f.MinMs,10:F1} {f.MedianMs / yin.MedianMs,12:F2}x {f.CpuMedianMs,8:F1} {f.CpuMedianMs / figures[1].CpuMedianMs,20:F2}x"));
        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Yin.VM with the AST read from DaoDB in each timed run is {ratios["daodb_vs_memory"]:F2}x the time of Yin.VM over an in-memory AST by medians, {ratios["daodb_vs_memory_min"]:F2}x by fastest runs (target: within 1.2x)"));
        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"the cached path (AST read and prepared once, before timing) is {ratios["daodb_cached_vs_memory"]:F2}x the in-memory AST's time"));
        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Jint takes {ratios["jint_vs_yin"]:F2}x Yin.VM's time{(python is null ? "" : string.Create(CultureInfo.InvariantCulture, $"; CPython takes {ratios["cpython_vs_yin"]:F2}x"))}"));
        if (nbbFib is not null || jvmFib is not null)
        {
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"warm, loaded before timing, against Yin.VM over an in-memory AST: nbb takes {(nbbFib is null ? double.NaN : ratios["nbb_vs_yin_memory"]):F2}x its time (target: at least 1x), JVM Clojure {(jvmFib is null ? double.NaN : ratios["jvm_vs_yin_memory"]):F2}x, CPython {(python is null ? double.NaN : ratios["cpython_vs_yin_memory"]):F2}x (target: above 1x)"));
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"by CPU time: nbb {(nbbFib is null ? double.NaN : ratios["nbb_vs_yin_memory_cpu"]):F2}x, CPython {(python is null ? double.NaN : ratios["cpython_vs_yin_memory_cpu"]):F2}x Yin.VM's"));
        }
        foreach (var p in corpus)
        {
            Console.Out.WriteLine();
            Console.Out.WriteLine($"corpus program {p.Program} (-main, output captured), median of {runs} runs after {WarmUps} warm-ups, loaded before timing");
            Console.Out.WriteLine($"{"",-40} {"median ms",10} {"min ms",10} {"vs Yin",13} {"CPU ms",8} {"CPU vs Yin",21}");
            var baseline = p.Figures[0];
            foreach (var f in p.Figures)
                Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{f.Name,-40} {f.MedianMs,10:F1} {f.MinMs,10:F1} {f.MedianMs / baseline.MedianMs,12:F2}x {f.CpuMedianMs,8:F1} {f.CpuMedianMs / baseline.CpuMedianMs,20:F2}x"));
        }
        foreach (var note in notes)
            Console.Out.WriteLine("note: " + note);
        return ExitCodes.Ok;
    }

    /// <summary>fib(n) on a VM opened for this run alone: its code is read from DaoDB and prepared inside the run.</summary>
    private static string YinFresh(DaoDb db, int n, CancellationToken cancellationToken)
    {
        using var vm = YinVm.OpenAsync(db, cancellationToken).GetAwaiter().GetResult();
        return Yin(vm, n);
    }

    private static string Yin(YinVm vm, int n)
    {
        var result = vm.Run("bench/fib", [(long)n], new RunOptions
        {
            Limits = new Vm.Machine.RunLimits(new Vm.Machine.FuelLimit(long.MaxValue), new Vm.Machine.DeadlineLimit(TimeSpan.FromMinutes(10))),
            OnCallerThread = true, // this thread's CPU time is the run's
        });
        return result.Status == RunStatus.Finished ? result.Value : throw new InvalidOperationException(result.ToString());
    }

    /// <summary>Warm-up runs before timing: enough for tiered compilation to reach its optimized code.</summary>
    private const int WarmUps = 3;

    /// <summary>Each piece of work warmed up, then timed in turn within each run.</summary>
    private static Figure[] MeasureInterleaved(int runs, params Func<string>[] work)
    {
        for (var i = 0; i < WarmUps; i++)
        {
            foreach (var w in work)
                w();
        }
        var samples = work.Select(_ => new double[runs]).ToArray();
        var cpu = work.Select(_ => new double[runs]).ToArray();
        var results = new string[work.Length];
        for (var i = 0; i < runs; i++)
        {
            for (var k = 0; k < work.Length; k++)
                (results[k], samples[k][i], cpu[k][i]) = Time(work[k]);
        }
        return [.. work.Select((_, k) => Summarize("", samples[k], cpu[k], results[k]))];
    }

    /// <summary>One run of the work: its result, wall-clock ms and this thread's CPU ms.</summary>
    private static (string Result, double WallMs, double CpuMs) Time(Func<string> work)
    {
        var cpu = ThreadCpu.Milliseconds();
        var sw = Stopwatch.StartNew();
        var result = work();
        var wall = sw.Elapsed.TotalMilliseconds;
        return (result, wall, ThreadCpu.Milliseconds() - cpu);
    }

    private static double Median(double[] samples)
    {
        Array.Sort(samples);
        var runs = samples.Length;
        return runs % 2 == 1 ? samples[runs / 2] : (samples[(runs / 2) - 1] + samples[runs / 2]) / 2;
    }

    private static Figure Summarize(string name, double[] samples, double[] cpu, string result)
    {
        var median = Median(samples);
        return new Figure(name, median, samples[0], result, Median(cpu));
    }

    private static Figure Measure(string name, int runs, Func<string> work)
    {
        var result = work();
        for (var i = 1; i < WarmUps; i++)
            work();
        var samples = new double[runs];
        var cpu = new double[runs];
        for (var i = 0; i < runs; i++)
            (result, samples[i], cpu[i]) = Time(work);
        return Summarize(name, samples, cpu, result);
    }

    private static async Task<Figure?> CPythonAsync(int n, int runs, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(Python);
        info.ArgumentList.Add(n.ToString(CultureInfo.InvariantCulture));
        info.ArgumentList.Add(runs.ToString(CultureInfo.InvariantCulture));
        Process? process;
        try
        {
            process = Process.Start(info);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
        if (process is null)
            return null;
        using (process)
        {
            var output = await process.StandardOutput.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            if (process.ExitCode != 0)
                return null;
            using var doc = JsonDocument.Parse(output);
            var root = doc.RootElement;
            return new Figure("CPython " + root.GetProperty("version").GetString(), root.GetProperty("median_ms").GetDouble(), root.GetProperty("min_ms").GetDouble(),
                root.GetProperty("result").GetInt64().ToString(CultureInfo.InvariantCulture), root.GetProperty("cpu_median_ms").GetDouble());
        }
    }

    private static long Fib(int n) => n < 2 ? n : Fib(n - 1) + Fib(n - 2);
}

using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Datom.Index;
using Datom.Index.Query;
using Datom.Index.Transactions;
using Datom.Log;
using Datom.Log.Edn;
using Datom.Log.Identity;

namespace Datom.Node.Bench;

/// <summary>
/// <c>datom bench query</c>: DataScript's own benchmark workload (../shared/bench/datascript), run by
/// DataScript under node and by this build on the identical data, in the same run, with the ratios.
/// </summary>
/// <remarks>
/// Both sides are measured the same way, and cold: neither load is warmed up (DataScript loads
/// once in a fresh node process; so does this side, its first load in this process, JIT
/// included), and neither side runs a query before its timed runs (the first run is among the
/// samples whose median is reported). A timed run on this side does what <c>ds.q(text, db, ...)</c>
/// does on DataScript's: it takes the query as text (parsed on first use, then found in the parse
/// cache, as DataScript's own LRU of parsed queries does), reads the inputs, runs the query, and
/// decodes every row of the result into .NET values, as DataScript hands back JavaScript arrays.
/// </remarks>
internal static partial class QueryBench
{
    /// <summary>The queries of datascript-bench.js, with the same inputs.</summary>
    private static readonly (string Name, string Query, string[] Args)[] Queries =
    [
        ("q1", "[:find ?e :where [?e :name \"Ivan\"]]", []),
        ("q2", "[:find ?e ?a :where [?e :name \"Ivan\"] [?e :age ?a]]", []),
        ("q2-switch", "[:find ?e ?a :where [?e :age ?a] [?e :name \"Ivan\"]]", []),
        ("q3", "[:find ?e ?a :where [?e :name \"Ivan\"] [?e :age ?a] [?e :sex :male]]", []),
        ("q4", "[:find ?e ?l ?a :where [?e :name \"Ivan\"] [?e :last-name ?l] [?e :age ?a] [?e :sex :male]]", []),
        ("qpred1", "[:find ?e ?s :where [?e :salary ?s] [(> ?s 50000)]]", []),
        ("qpred2", "[:find ?e ?s :in $ ?min_s :where [?e :salary ?s] [(> ?s ?min_s)]]", ["50000"]),
    ];

    public static async Task<int> RunAsync(string? sharedDir, int runs, bool json, CancellationToken cancellationToken)
    {
        var work = Path.Combine(Path.GetTempPath(), "datom-bench-query-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(work);
        try
        {
            var reference = await RunDataScriptAsync(FindShared(sharedDir), work, runs, cancellationToken);
            var people = Path.Combine(work, "people.edn");
            var schema = Path.Combine(work, "people.schema.edn");
            var options = TxDataParser.ReaderOptions("people.edn");
            var schemaForm = EdnReader.ReadOne(File.ReadAllText(schema), options);
            var entities = (EdnVector)EdnReader.ReadOne(File.ReadAllText(people), options)!;
            // One transaction holds at most 1,000 people: an entry is capped at 1 MiB.
            var batches = entities.Chunk(1000).Select(c => (object)new EdnVector(c)).ToList();

            // Cold, as DataScript's load is: no warm-up load before this one.
            var (loadMs, datoms, dir) = await LoadAsync(Path.Combine(work, "node"), schemaForm, batches, cancellationToken);
            // And as a user loads: `datom transact FILE` in a process of its own, its start included.
            var cliLoadMs = await LoadThroughCliAsync(work, schemaForm, batches, cancellationToken);

            using var identity = NodeIdentity.Load(dir);
            using var log = DatomLog.Open(dir, identity);
            using var db = DaoDb.Open(dir, log);
            var view = db.Current();
            var results = new List<(string Name, double Ours, double Theirs, int Rows, int TheirRows)>();
            foreach (var (name, text, args) in Queries)
            {
                var rows = 0;
                var samples = new double[runs];
                for (var i = 0; i < runs; i++)
                {
                    var sw = Stopwatch.StartNew();
                    rows = RunAsDsQ(text, view, args);
                    samples[i] = sw.Elapsed.TotalMilliseconds;
                }
                Array.Sort(samples);
                var theirs = reference.GetProperty("queries").GetProperty(name);
                results.Add((name, samples[runs / 2], theirs.GetProperty("median_ms").GetDouble(), rows, theirs.GetProperty("rows").GetInt32()));
            }

            var ourRate = datoms / (loadMs / 1000.0);
            var cliRate = datoms / (cliLoadMs / 1000.0);
            var theirRate = reference.GetProperty("datoms_per_s").GetDouble();
            var q2 = results.First(r => r.Name == "q2").Ours;
            var q2Switch = results.First(r => r.Name == "q2-switch").Ours;
            if (json)
            {
                Console.Out.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
                {
                    ["datascript"] = reference.GetProperty("engine").GetString()!,
                    ["method"] = "cold on both sides (no warm-up load or query); median of runs including the first; parse through a parse cache, run and row decoding timed on both sides",
                    ["datoms"] = datoms,
                    ["load_datoms_per_s"] = Math.Round(ourRate),
                    ["datascript_load_datoms_per_s"] = theirRate,
                    ["load_ratio"] = Math.Round(ourRate / theirRate, 2),
                    ["cli_load_datoms_per_s"] = Math.Round(cliRate),
                    ["cli_load_ratio"] = Math.Round(cliRate / theirRate, 2),
                    ["queries"] = results.ToDictionary(r => r.Name, r => new Dictionary<string, object>
                    {
                        ["median_ms"] = Math.Round(r.Ours, 3), ["datascript_median_ms"] = r.Theirs, ["speedup"] = Math.Round(r.Theirs / r.Ours, 2), ["rows"] = r.Rows,
                    }),
                    ["q2_switch_over_q2"] = Math.Round(q2Switch / q2, 3),
                }));
            }
            else
            {
                Console.Out.WriteLine($"workload: {datoms} datoms ({entities.Count} people), {runs} runs per query, DataScript {reference.GetProperty("engine").GetString()}");
                Console.Out.WriteLine("cold on both sides: neither load nor any query is warmed up; the first run is among the samples. Both sides time parse (through a parse cache), run and decoding the rows.");
                Console.Out.WriteLine($"{"",-10} {"datom ms",10} {"DataScript ms",14} {"speedup",8} {"rows",7}");
                foreach (var r in results)
                    Console.Out.WriteLine($"{r.Name,-10} {r.Ours,10:F3} {r.Theirs,14:F3} {r.Theirs / r.Ours,7:F1}x {r.Rows,7}{(r.Rows != r.TheirRows ? $" (DataScript: {r.TheirRows})" : "")}");
                Console.Out.WriteLine($"load, durable, in this process: {ourRate,12:N0} datoms/s vs DataScript {theirRate:N0} datoms/s: {ourRate / theirRate:F2}x");
                Console.Out.WriteLine($"load, durable, `datom transact FILE` with its process start: {cliRate,12:N0} datoms/s vs DataScript {theirRate:N0} datoms/s: {cliRate / theirRate:F2}x (target >= 3x)");
                Console.Out.WriteLine($"q2-switch / q2: {q2Switch / q2:F2} (target <= 1.2)");
            }
            return results.Any(r => r.Rows != r.TheirRows) ? ExitCodes.Failed : ExitCodes.Ok;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>
    /// One timed run, as <c>ds.q</c> does it: the query text through the parse cache, the inputs
    /// read, the query run under the default limits, and every cell of every row decoded; the row count.
    /// </summary>
    private static int RunAsDsQ(string text, IDatomView view, string[] args)
    {
        var inputs = new object?[args.Length + 1];
        inputs[0] = view;
        for (var i = 0; i < args.Length; i++)
            inputs[i + 1] = EdnReader.ReadOne(args[i]);
        var result = Datalog.Query(text, inputs);
        // Reading a row converts its cells into .NET values (QueryResult converts on read).
        var count = 0;
        foreach (var row in result.Rows)
        {
            for (var c = 0; c < row.Count; c++)
                _ = row[c];
            count++;
        }
        return count;
    }

    private static async Task<(double Ms, long Datoms, string Dir)> LoadAsync(string dir, object? schema, List<object> batches, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(dir);
        using var identity = NodeIdentity.Create(dir);
        using var log = DatomLog.Open(dir, identity);
        using var db = DaoDb.Open(dir, log);
        await db.TransactAsync(schema, cancellationToken);
        long datoms = 0;
        var sw = Stopwatch.StartNew();
        foreach (var batch in batches)
            datoms += (await db.TransactAsync(batch, cancellationToken)).Tx.Datoms.Count;
        return (sw.Elapsed.TotalMilliseconds, datoms, dir);
    }

    /// <summary>
    /// The load as a user runs it: the schema and the batches written as one file of transactions,
    /// then <c>datom transact --data DIR FILE</c> run by this same build in a new process, timed from
    /// its start to its exit (process start, JIT, opening the data directory, durable appends).
    /// </summary>
    private static async Task<double> LoadThroughCliAsync(string work, object? schema, List<object> batches, CancellationToken cancellationToken)
    {
        var dir = Path.Combine(work, "cli-node");
        var file = Path.Combine(work, "load.edn");
        await using (var writer = new StreamWriter(file))
        {
            await writer.WriteLineAsync(EdnWriter.Write(schema));
            foreach (var batch in batches)
                await writer.WriteLineAsync(EdnWriter.Write(batch));
        }
        var (exe, prefix) = Self();
        await Run(exe, [.. prefix, "init", "--data", dir], work, cancellationToken);
        var sw = Stopwatch.StartNew();
        await Run(exe, [.. prefix, "transact", "--data", dir, file], work, cancellationToken);
        return sw.Elapsed.TotalMilliseconds;
    }

    /// <summary>How to start this build again: its apphost, or <c>dotnet datom.dll</c>.</summary>
    private static (string Exe, string[] Prefix) Self()
    {
        var process = Environment.ProcessPath ?? throw new CliException(ExitCodes.Unavailable, "cannot tell which executable this is");
        return Path.GetFileNameWithoutExtension(process) == "dotnet"
            ? (process, [Environment.GetCommandLineArgs()[0]])
            : (process, []);
    }

    private static string FindShared(string? given)
    {
        foreach (var candidate in new[] { given, Environment.GetEnvironmentVariable("DATOM_SHARED"), "../shared", "../../shared" })
        {
            if (candidate is not null && File.Exists(Path.Combine(candidate, "bench", "datascript", "datascript-bench.js")))
                return Path.GetFullPath(candidate);
        }
        throw new CliException(ExitCodes.Unavailable, "cannot find shared/bench/datascript (give --shared DIR, the folder beside the repository)");
    }

    /// <summary>Copies DataScript's runner to a scratch folder, installs it with npm ci, and runs it with --emit.</summary>
    private static async Task<JsonElement> RunDataScriptAsync(string shared, string work, int runs, CancellationToken cancellationToken)
    {
        var source = Path.Combine(shared, "bench", "datascript");
        var runner = Path.Combine(work, "datascript");
        Directory.CreateDirectory(runner);
        foreach (var f in new[] { "package.json", "package-lock.json", "datascript-bench.js" })
            File.Copy(Path.Combine(source, f), Path.Combine(runner, f));
        await Run("npm", ["ci", "--no-audit", "--no-fund", "--prefix", runner], runner, cancellationToken);
        var output = await Run("node", [Path.Combine(runner, "datascript-bench.js"), "--emit", Path.Combine(work, "people.edn"), "--runs", runs.ToString(CultureInfo.InvariantCulture)], work, cancellationToken);
        var line = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last(l => l.TrimStart().StartsWith('{'));
        return JsonDocument.Parse(line).RootElement.Clone();
    }

    internal static async Task<string> Run(string file, string[] args, string directory, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(file) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
            info.ArgumentList.Add(a);
        using var process = Process.Start(info) ?? throw new CliException(ExitCodes.Unavailable, $"cannot start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
            throw new CliException(ExitCodes.Failed, $"{file} {string.Join(' ', args)} failed: {await stderr}");
        return await stdout;
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Datom.Index;
using Datom.Index.Query;
using Datom.Index.Transactions;
using Datom.Log;
using Datom.Log.Edn;
using Datom.Log.Identity;

namespace Datom.Node.Bench;

/// <summary>
/// <c>datom bench query --scale N</c>: the same workload grown to about N datoms (people with names,
/// last names, aliases, sex, age and salary, from the PRNG and lists of datascript-bench.js), loaded
/// durably, then queried by a fresh process that opens the database as a restarted daemon would, with
/// its resident memory read from /proc/self/status. The figure behind DESIGN.md's "memory stays
/// bounded as the database grows" (the DaoDB acceptance: 10 million datoms under 1 GiB).
/// </summary>
internal static partial class QueryBench
{
    /// <summary>Datoms per person in this workload: 5 single-valued attributes and on average 3.45 distinct aliases (169,886 datoms for 20,000 people, less the 4 per transaction).</summary>
    private const double DatomsPerPerson = 8.45;

    private const int PeoplePerTransaction = 1000;

    public static async Task<int> RunScaleAsync(long datoms, string? dir, int runs, bool queryOnly, bool json, CancellationToken cancellationToken)
    {
        if (queryOnly)
        {
            if (dir is null)
                throw new CliException(ExitCodes.Failed, "--query-only needs --dir, the database a --scale run left there");
            return Query(dir, runs);
        }
        var keep = dir is not null;
        dir ??= Path.Combine(Path.GetTempPath(), "datom-bench-scale-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            if (Directory.Exists(dir) && Directory.EnumerateFileSystemEntries(dir).Any())
                throw new CliException(ExitCodes.Failed, $"{dir} is not empty; give an empty or new --dir");
            var people = (int)Math.Ceiling(datoms / DatomsPerPerson);
            var (loadMs, loaded) = await GenerateAsync(dir, people, cancellationToken);
            var load = Memory.Read();
            // The query phase runs in a new process: what a restarted daemon holds for this
            // database, without the garbage and high-water mark of the load.
            using var child = await QueryInChildAsync(dir, runs, cancellationToken);
            if (json)
            {
                Console.Out.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
                {
                    ["people"] = people,
                    ["datoms"] = loaded,
                    ["load_datoms_per_s"] = Math.Round(loaded / (loadMs / 1000.0)),
                    ["load_peak_rss_mib"] = load.PeakMiB,
                    ["query"] = child.RootElement,
                }));
            }
            else
            {
                Console.Out.WriteLine($"loaded {loaded:N0} datoms ({people:N0} people) in {loadMs / 1000.0:F1} s: {loaded / (loadMs / 1000.0):N0} datoms/s, durable; peak RSS while loading {load.PeakMiB:N0} MiB");
                var q = child.RootElement;
                Console.Out.WriteLine($"reopened by a new process in {q.GetProperty("open_ms").GetDouble():N0} ms; {runs} runs per query (median, min):");
                foreach (var r in q.GetProperty("queries").EnumerateObject())
                    Console.Out.WriteLine($"{r.Name,-10} {r.Value.GetProperty("median_ms").GetDouble(),10:F1} ms {r.Value.GetProperty("min_ms").GetDouble(),10:F1} ms {r.Value.GetProperty("rows").GetInt32(),9:N0} rows");
                Console.Out.WriteLine($"resident memory of the querying process: peak {q.GetProperty("peak_rss_mib").GetDouble():N0} MiB, after the queries {q.GetProperty("rss_mib").GetDouble():N0} MiB (target < 1024); GC heap {q.GetProperty("gc_heap_mib").GetDouble():N0} MiB, block cache {q.GetProperty("block_cache_mib").GetDouble():N0} MiB");
            }
            return child.RootElement.GetProperty("peak_rss_mib").GetDouble() < 1024 ? ExitCodes.Ok : ExitCodes.Failed;
        }
        finally
        {
            if (!keep && Directory.Exists(dir))
                Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Loads the people in transactions of 1,000 (an entry is capped at 1 MiB), each durable and indexed before the next.</summary>
    private static async Task<(double Ms, long Datoms)> GenerateAsync(string dir, int people, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(dir);
        using var identity = NodeIdentity.Create(dir);
        using var log = DatomLog.Open(dir, identity);
        using var db = DaoDb.Open(dir, log);
        var options = TxDataParser.ReaderOptions("scale");
        await db.TransactAsync(EdnReader.ReadOne(Schema, options), cancellationToken);
        var random = new Mulberry32(1);
        var sw = Stopwatch.StartNew();
        long datoms = 0;
        var text = new StringBuilder();
        var reported = 0;
        for (var first = 1; first <= people; first += PeoplePerTransaction)
        {
            text.Clear().Append('[');
            for (var i = first; i < first + PeoplePerTransaction && i <= people; i++)
                Person(text, i, random);
            text.Append(']');
            datoms += (await db.TransactAsync(EdnReader.ReadOne(text.ToString(), options), cancellationToken)).Tx.Datoms.Count;
            var percent = (int)(100L * Math.Min(people, first + PeoplePerTransaction - 1) / people);
            if (percent / 10 > reported / 10)
            {
                reported = percent;
                Console.Error.WriteLine($"  {percent}%: {datoms:N0} datoms, {sw.Elapsed.TotalSeconds:F0} s, RSS {Memory.Read().RssMiB:N0} MiB");
            }
        }
        return (sw.Elapsed.TotalMilliseconds, datoms);
    }

    private const string Schema = """
        [{:db/ident :name :db/valueType :db.type/string :db/cardinality :db.cardinality/one}
         {:db/ident :last-name :db/valueType :db.type/string :db/cardinality :db.cardinality/one}
         {:db/ident :alias :db/valueType :db.type/string :db/cardinality :db.cardinality/many}
         {:db/ident :sex :db/valueType :db.type/keyword :db/cardinality :db.cardinality/one}
         {:db/ident :age :db/valueType :db.type/long :db/cardinality :db.cardinality/one}
         {:db/ident :salary :db/valueType :db.type/long :db/cardinality :db.cardinality/one}]
        """;

    private static readonly string[] Names = ["Ivan", "Petr", "Sergei", "Oleg", "Yuri", "Dmitry", "Fedor", "Denis"];
    private static readonly string[] LastNames = ["Ivanov", "Petrov", "Sidorov", "Kovalev", "Kuznetsov", "Voronoi"];
    private static readonly string[] Aliases = ["A. C. Q. W.", "A. J. Finn", "A.A.A.D.", "Aaron", "Abbie", "Abbott", "Abby", "Abd", "Abe", "Abel"];

    /// <summary>One person as datascript-bench.js makes it, drawing from the PRNG in the same order (so the first 20,000 are its people).</summary>
    private static void Person(StringBuilder text, int id, Mulberry32 random)
    {
        var aliases = new List<string>();
        for (var k = (int)(random.Next() * 10); k > 0; k--)
        {
            var alias = Pick(Aliases, random);
            if (!aliases.Contains(alias))
                aliases.Add(alias);
        }
        var name = Pick(Names, random);
        var last = Pick(LastNames, random);
        var sex = random.Next() < 0.5 ? "male" : "female";
        var age = (int)(random.Next() * 100);
        var salary = (int)(random.Next() * 100000);
        text.Append(CultureInfo.InvariantCulture, $"{{:db/id \"p{id}\" :name \"{name}\" :last-name \"{last}\"");
        if (aliases.Count > 0)
            text.Append(" :alias [").AppendJoin(' ', aliases.Select(a => $"\"{a}\"")).Append(']');
        text.Append(CultureInfo.InvariantCulture, $" :sex :{sex} :age {age} :salary {salary}}}\n");
    }

    private static string Pick(string[] items, Mulberry32 random) => items[(int)(random.Next() * items.Length)];

    /// <summary>The PRNG of datascript-bench.js (mulberry32), in 32-bit unsigned arithmetic as JavaScript's Math.imul and >>> give it.</summary>
    private sealed class Mulberry32(uint seed)
    {
        private uint _s = seed;

        public double Next()
        {
            _s += 0x6D2B79F5;
            var t = _s;
            t = (t ^ (t >> 15)) * (t | 1);
            t ^= t + ((t ^ (t >> 7)) * (t | 61));
            return (t ^ (t >> 14)) / 4294967296.0;
        }
    }

    /// <summary>Runs <c>bench query --query-only</c> on the database in a new process and returns its JSON.</summary>
    private static async Task<JsonDocument> QueryInChildAsync(string dir, int runs, CancellationToken cancellationToken)
    {
        // Under `dotnet datom.dll` the process is the dotnet host and the program its first argument
        // (GetCommandLineArgs()[0] is then datom.dll; a single-file datom has no assembly path).
        var host = Environment.ProcessPath ?? throw new CliException(ExitCodes.Unavailable, "cannot find this program's path");
        var args = new List<string>();
        if (Path.GetFileNameWithoutExtension(host) == "dotnet")
            args.Add(Environment.GetCommandLineArgs()[0]);
        args.AddRange(["bench", "query", "--query-only", "--dir", dir, "--runs", runs.ToString(CultureInfo.InvariantCulture), "--format", "json"]);
        var output = await Run(host, [.. args], Directory.GetCurrentDirectory(), cancellationToken);
        return JsonDocument.Parse(output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last(l => l.TrimStart().StartsWith('{')));
    }

    /// <summary>The query phase: opens the database, runs each query, and prints times and memory as JSON.</summary>
    private static int Query(string dir, int runs)
    {
        var sw = Stopwatch.StartNew();
        using var identity = NodeIdentity.Load(dir);
        using var log = DatomLog.Open(dir, identity);
        using var db = DaoDb.Open(dir, log);
        var openMs = sw.Elapsed.TotalMilliseconds;
        var view = db.Current();
        var results = new Dictionary<string, object>();
        foreach (var (name, text, args) in Queries)
        {
            var query = DatalogQuery.Parse(text);
            var inputs = new List<object?> { view };
            inputs.AddRange(args.Select(a => EdnReader.ReadOne(a)));
            var samples = new double[runs];
            var rows = 0;
            for (var i = 0; i < runs; i++)
            {
                var run = Stopwatch.StartNew();
                rows = query.Run([.. inputs]).Count;
                samples[i] = run.Elapsed.TotalMilliseconds;
            }
            Array.Sort(samples);
            results[name] = new Dictionary<string, object> { ["median_ms"] = Math.Round(samples[runs / 2], 2), ["min_ms"] = Math.Round(samples[0], 2), ["rows"] = rows };
        }
        var memory = Memory.Read();
        var report = new Dictionary<string, object>
        {
            ["open_ms"] = Math.Round(openMs),
            ["queries"] = results,
            ["peak_rss_mib"] = memory.PeakMiB,
            ["rss_mib"] = memory.RssMiB,
            ["gc_heap_mib"] = Math.Round(GC.GetGCMemoryInfo().HeapSizeBytes / 1048576.0),
            ["block_cache_mib"] = Math.Round(db.Store.BlockCacheBytes / 1048576.0),
        };
        Console.Out.WriteLine(JsonSerializer.Serialize(report));
        return ExitCodes.Ok;
    }

    /// <summary>This process's resident memory now and at its peak (VmRSS and VmHWM of /proc/self/status).</summary>
    private readonly record struct Memory(double RssMiB, double PeakMiB)
    {
        public static Memory Read()
        {
            double rss = 0, peak = 0;
            if (!File.Exists("/proc/self/status"))
                return default;
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                    rss = Kib(line);
                else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    peak = Kib(line);
            }
            return new Memory(Math.Round(rss / 1024), Math.Round(peak / 1024));
        }

        private static double Kib(string line) => double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
    }
}

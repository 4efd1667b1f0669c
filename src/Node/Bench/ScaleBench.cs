using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Datom.Index;
using Datom.Index.Query;
using Datom.Log;
using Datom.Log.Edn;
using Datom.Log.Identity;
using Datom.Log.Model;
using Datom.Log.Segments;
using Datom.Node.Output;
using Datom.Sync;

namespace Datom.Node.Bench;

/// <summary>
/// <c>datom bench scale</c>: memory and open time as the log grows. Builds a log of N one-datom
/// transactions by several authors, who take turns in blocks and link each other's heads (written
/// without an fsync per entry, indexed as it goes). At N/10 and at N, a new process opens the data
/// directory as a restarted daemon would and reports its resident memory, the time to open,
/// <c>status</c>, a point query, and the same query as of a frontier from shortly before the end;
/// the growth in bytes per entry between the two is the figure behind DESIGN.md's "memory stays
/// bounded as the log grows". Last, a new node pulls the whole log over loopback, verifying every
/// entry: entries per second against the raw verify rate times cores.
/// </summary>
internal static class ScaleBench
{
    private const string Attribute = "bench/n";

    /// <summary>Entries before the end at which the as-of frontier is taken.</summary>
    private const int FrontierLag = 1000;

    public static async Task<int> RunAsync(long entries, int authors, string? dir, bool pull, bool openOnly, string? frontier, int runs, bool json, CancellationToken cancellationToken)
    {
        if (openOnly)
        {
            if (dir is null)
                throw new CliException(ExitCodes.Usage, "--open-only needs --dir");
            // The data directory itself, or the --dir a full run kept (which holds it as node/).
            var node = Path.Combine(dir, "node");
            return Open(Directory.Exists(Path.Combine(node, "identity")) ? node : dir, frontier, runs);
        }
        if (entries < 10 * FrontierLag || authors < 1 || entries > int.MaxValue)
            throw new CliException(ExitCodes.Usage, $"--entries must be between {10 * FrontierLag:N0} and {int.MaxValue:N0}, --authors at least 1");
        var keep = dir is not null;
        var root = dir ?? Path.Combine(Path.GetTempPath(), "datom-bench-scale-" + Guid.NewGuid().ToString("N")[..8]);
        if (Directory.Exists(root) && Directory.EnumerateFileSystemEntries(root).Any())
            throw new CliException(ExitCodes.Failed, $"{root} is not empty; give an empty or new --dir");
        var data = Path.Combine(root, "node");
        var results = new Dictionary<string, object> { ["entries"] = entries, ["authors"] = authors };
        void Say(string line)
        {
            if (!json)
                Console.Out.WriteLine(line);
        }

        try
        {
            Say($"scale bench: {entries:N0} one-datom transactions by {authors} authors, written without fsync per entry, {Environment.ProcessorCount} cores");
            var sw = Stopwatch.StartNew();
            var tenth = entries / 10;
            var (lastAuthor, asOf) = await GenerateAsync(data, entries, authors, tenth, root, cancellationToken);
            results["generate_s"] = Math.Round(sw.Elapsed.TotalSeconds, 1);
            Say($"generated in {sw.Elapsed.TotalSeconds:F0} s (setup, not measured)");

            var atTenth = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(root, "tenth.json"), cancellationToken)).RootElement;
            var atFull = await OpenInChildAsync(data, asOf, cancellationToken);
            results["at_tenth"] = atTenth;
            results["at_full"] = atFull;
            var growth = (atFull.GetProperty("rss_after_open_mib").GetDouble() - atTenth.GetProperty("rss_after_open_mib").GetDouble()) * 1048576.0 / (entries - tenth);
            results["rss_growth_bytes_per_entry"] = Math.Round(growth, 1);
            foreach (var (name, at, n) in new[] { ("N/10", atTenth, tenth), ("N", atFull, entries) })
            {
                Say($"at {name} = {n:N0} entries: RSS after open {at.GetProperty("rss_after_open_mib").GetDouble():N0} MiB (target < 1024; managed heap {at.GetProperty("managed_after_open_mib").GetDouble():N0} MiB), "
                    + $"open {at.GetProperty("open_ms").GetDouble():N0} ms (target < 2,000; the log {at.GetProperty("log_open_ms").GetDouble():N0} ms; CPU {at.GetProperty("open_cpu_ms").GetDouble():N0} ms), "
                    + $"status {at.GetProperty("status_ms").GetDouble():F3} ms in the daemon ({at.GetProperty("status_cli_ms").GetDouble():N0} ms as `datom status`, a new process that opens the directory), point query {at.GetProperty("point_ms").GetDouble():F2} ms, "
                    + $"as of a frontier {at.GetProperty("as_of_ms").GetDouble():F2} ms ({at.GetProperty("as_of_ratio").GetDouble():F2}x the current view; target <= 2; "
                    + $"{at.GetProperty("as_of_first_ms").GetDouble():F2} ms as of a frontier new to the log's ancestry cache); "
                    + $"peak RSS {at.GetProperty("peak_rss_mib").GetDouble():N0} MiB, log tables {at.GetProperty("log_tables_mib").GetDouble():F1} MiB");
                Say("  opening: " + string.Join("; ", at.GetProperty("open_notes").EnumerateArray().Select(e => e.GetString())));
            }
            Say($"RSS growth between N/10 and N: {growth:F1} bytes per entry (target < 64)");

            if (pull)
            {
                var (rate, product, seconds) = await PullAsync(data, root, lastAuthor, cancellationToken);
                results["pull_entries_per_s"] = Math.Round(rate);
                results["raw_verify_times_cores"] = Math.Round(product);
                results["pull_s"] = Math.Round(seconds, 1);
                Say($"a new node's full pull: {rate:N0} entries/s verified and stored ({seconds:F0} s); raw verify x cores {product:N0}/s: {rate / product:P0}");
            }
            if (json)
                Console.Out.WriteLine(JsonSerializer.Serialize(results));
            var ok = atFull.GetProperty("rss_after_open_mib").GetDouble() < 1024 && growth < 64 && atFull.GetProperty("open_ms").GetDouble() < 2000
                && atFull.GetProperty("as_of_ratio").GetDouble() <= 2;
            return ok ? ExitCodes.Ok : ExitCodes.Failed;
        }
        finally
        {
            if (!keep && Directory.Exists(root))
                Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>
    /// Writes the log: authors take turns in blocks (each first entry of a turn links the others'
    /// heads), entries pipelined and indexed as they go. At <paramref name="tenth"/> entries the
    /// directory is closed and measured by a new process (into <c>tenth.json</c>). Returns the last
    /// author (whose node serves the pull) and the frontier <see cref="FrontierLag"/> entries before the end.
    /// </summary>
    private static async Task<(NodeIdentity Last, string Frontier)> GenerateAsync(string data, long entries, int authors, long tenth, string root, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(data);
        var identities = Enumerable.Range(0, authors).Select(_ => NodeIdentity.Generate()).ToArray();
        NodeIdentity.Create(data).Dispose(); // the directory's own identity, which the measuring process loads
        var fast = new LogOptions { Segments = new SegmentStoreOptions { Fsync = FsyncPolicy.Never } };
        // Two turns per author in each tenth: every author writes throughout, linking the others' heads.
        var turn = Math.Max(1, tenth / (2 * authors));
        long written = 0;
        var schemaDone = false;
        string? frontier = null;
        using var bar = new ProgressLine("writing", entries, "entries");
        for (var a = 0; written < entries; a = (a + 1) % authors)
        {
            var turnWatch = Stopwatch.StartNew();
            var log = DatomLog.Open(data, identities[a], fast);
            var db = DaoDb.Open(data, log);
            var opened = turnWatch.Elapsed.TotalSeconds;
            if (!schemaDone)
            {
                await db.TransactAsync(EdnReader.ReadOne($"[{{:db/ident :{Attribute} :db/valueType :db.type/long :db/cardinality :db.cardinality/one}}]"), cancellationToken);
                written++;
                schemaDone = true;
            }
            var end = Math.Min(entries, written + turn);
            if (written < tenth && end > tenth)
                end = tenth;
            var window = new Queue<Task>();
            for (; written < end; written++)
            {
                if (written == entries - FrontierLag)
                {
                    while (window.Count > 0)
                        await window.Dequeue();
                    frontier = string.Join(',', log.Frontier());
                }
                var e = log.NewEntityId();
                window.Enqueue(log.BeginAppend([new LogDatom(e, Attribute, Value.Long(written), true)], log.NewEntityId()).Durable);
                if (window.Count > 1024)
                    await window.Dequeue();
                if (written % 8192 == 0)
                    bar.Report(written);
            }
            while (window.Count > 0)
                await window.Dequeue();
            var appended = turnWatch.Elapsed.TotalSeconds;
            await db.WaitForAsync(log.DurableCount, cancellationToken);
            db.Dispose();
            log.Dispose();
            if (Environment.GetEnvironmentVariable("DATOM_BENCH_DEBUG") is not null)
                Console.Error.WriteLine($"  turn of author {a} to {written:N0}: open {opened:F2} s, append {appended - opened:F2} s, index and close {turnWatch.Elapsed.TotalSeconds - appended:F2} s");
            if (written == tenth)
            {
                // Measure in a new process, then go on.
                var child = await OpenInChildAsync(data, null, cancellationToken);
                await File.WriteAllTextAsync(Path.Combine(root, "tenth.json"), child.GetRawText(), cancellationToken);
            }
        }
        bar.Report(written);
        foreach (var i in identities.Take(identities.Length - 1))
            i.Dispose();
        return (identities[^1], frontier!);
    }

    /// <summary>Runs <c>bench scale --open-only</c> on the directory in a new process and returns its JSON.</summary>
    private static async Task<JsonElement> OpenInChildAsync(string data, string? frontier, CancellationToken cancellationToken)
    {
        var host = Environment.ProcessPath ?? throw new CliException(ExitCodes.Unavailable, "cannot find this program's path");
        var args = new List<string>();
        if (Path.GetFileNameWithoutExtension(host) == "dotnet")
            args.Add(Environment.GetCommandLineArgs()[0]); // datom.dll under the dotnet host; a single-file datom has no assembly path
        args.AddRange(["bench", "scale", "--open-only", "--dir", data]);
        if (frontier is not null)
            args.AddRange(["--frontier", frontier]);
        var output = await QueryBench.Run(host, [.. args], Directory.GetCurrentDirectory(), cancellationToken);
        var measured = System.Text.Json.Nodes.JsonNode.Parse(output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last(l => l.TrimStart().StartsWith('{')))!.AsObject();

        // `datom status` as a user runs it without a daemon: a new process that opens the directory.
        var status = new List<string>(args.Take(args.IndexOf("bench"))) { "status", "--data", data, "--format", "json" };
        var sw = Stopwatch.StartNew();
        await QueryBench.Run(host, [.. status], Directory.GetCurrentDirectory(), cancellationToken);
        measured["status_cli_ms"] = Math.Round(sw.Elapsed.TotalMilliseconds);
        return JsonDocument.Parse(measured.ToJsonString()).RootElement.Clone();
    }

    /// <summary>
    /// What a restarted daemon does and holds: opens the log and DaoDB, then answers status, a point
    /// query, and the same query as of a frontier (given, or the frontier of the entries but the last
    /// <see cref="FrontierLag"/>), each timed as the median of <paramref name="runs"/>.
    /// </summary>
    private static int Open(string data, string? frontierText, int runs)
    {
        // CPU time beside the wall clock: on a shared machine the wall clock counts the other work too.
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        using var identity = NodeIdentity.Load(data);
        using var log = DatomLog.Open(data, identity);
        var logOpenMs = sw.Elapsed.TotalMilliseconds;
        var logOpenCpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        using var db = DaoDb.Open(data, log);
        var openMs = sw.Elapsed.TotalMilliseconds;
        var openCpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        var rssAfterOpen = Rss().Current;
        var managedAfterOpen = GC.GetTotalMemory(forceFullCollection: true);
        if (Environment.GetEnvironmentVariable("DATOM_BENCH_HOLD") is not null)
        {
            Console.Error.WriteLine($"pid {Environment.ProcessId}: opened; press enter");
            Console.In.ReadLine();
        }

        // What `datom status` works out in a running daemon (its printing aside): counts, every author
        // with its heads, the frontier, the forks, the segments, the clock and the index's lag. All of
        // it is kept up to date as entries arrive, so it costs microseconds whatever the log's length.
        var statusMs = Median(runs, () =>
        {
            var summary = (log.Count, log.HeldCount, log.Authors().Sum(a => a.Heads.Count), log.Forks().Count, log.Frontier().Count, log.Store.SegmentCount, log.Store.TotalBytes, log.ClockReading, db.AppliedEntries, db.Lag);
            return summary.Item1 + summary.Item3;
        }, out _);
        var count = log.DurableCount;
        var frontier = frontierText is not null
            ? frontierText.Split(',').Select(EntryHash.Parse).ToArray()
            : FrontierBefore(log, Math.Max(1, count - Math.Min(FrontierLag, count / 2))); // at a small N, half way
        var query = DatalogQuery.Parse($"[:find ?e . :in $ ?v :where [?e :{Attribute} ?v]]");
        // A value written well before the frontier, so both views hold it.
        var probe = (long)(count / 4);
        var pointMs = Median(runs, () => query.Run(db.Current(), probe).Count, out var rows);
        var asOfMs = Median(runs, () => query.Run(db.AsOf(frontier), probe).Count, out var asOfRows);
        if (rows != asOfRows)
            throw new InvalidOperationException($"bench: the point query found {rows} rows now and {asOfRows} as of the frontier");
        // The log caches the ancestry walk of a frontier while no entry arrives; a frontier seen for
        // the first time pays it. Each of these is a frontier one entry further back, new to the cache.
        var lag = Math.Min(FrontierLag, count / 2);
        var fresh = Enumerable.Range(1, Math.Max(1, Math.Min(runs, 11))).Select(i => FrontierBefore(log, Math.Max(1, count - lag - i))).ToArray();
        var next = 0;
        var asOfFirstMs = Median(fresh.Length - 1, () => query.Run(db.AsOf(fresh[next++ % fresh.Length]), probe).Count, out _);
        var memory = Rss();
        Console.Out.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["entries"] = count,
            ["open_ms"] = Math.Round(openMs),
            ["log_open_ms"] = Math.Round(logOpenMs),
            ["open_cpu_ms"] = Math.Round(openCpu.TotalMilliseconds),
            ["log_open_cpu_ms"] = Math.Round(logOpenCpu.TotalMilliseconds),
            ["managed_after_open_mib"] = Math.Round(managedAfterOpen / 1048576.0, 1),
            ["rss_after_open_mib"] = rssAfterOpen,
            ["status_ms"] = Math.Round(statusMs, 4),
            ["point_ms"] = Math.Round(pointMs, 3),
            ["as_of_ms"] = Math.Round(asOfMs, 3),
            ["as_of_ratio"] = Math.Round(asOfMs / Math.Max(pointMs, 1e-3), 2),
            ["as_of_first_ms"] = Math.Round(asOfFirstMs, 3),
            ["rss_mib"] = memory.Current,
            ["peak_rss_mib"] = memory.Peak,
            ["log_tables_mib"] = Math.Round(log.TableMemoryBytes / 1048576.0, 1),
            ["gc_heap_mib"] = Math.Round(GC.GetGCMemoryInfo().HeapSizeBytes / 1048576.0),
            ["open_notes"] = log.OpenNotes,
        }));
        return ExitCodes.Ok;
    }

    /// <summary>The heads of the first <paramref name="entries"/> entries in store order: a frontier from the past.</summary>
    private static EntryHash[] FrontierBefore(DatomLog log, int entries)
    {
        // Unforked authors: an author's last entry before the cut is its head there. Walk back in
        // chunks until every author that has an entry before the cut is found.
        var authors = log.Authors().Count;
        var heads = new Dictionary<NodeId, EntryHash>();
        for (var end = entries; end > 0 && heads.Count < authors; end -= 4096)
        {
            var start = Math.Max(0, end - 4096);
            foreach (var e in log.EntriesFrom(start, end - start).Reverse())
                heads.TryAdd(e.Author, e.Hash);
        }
        return [.. heads.Values];
    }

    private static double Median(int runs, Func<int> work, out int result)
    {
        result = work(); // warm: the code paths compiled, the caches as a running daemon has them
        var samples = new double[Math.Max(1, runs)];
        for (var i = 0; i < samples.Length; i++)
        {
            var sw = Stopwatch.StartNew();
            result = work();
            samples[i] = sw.Elapsed.TotalMilliseconds;
        }
        Array.Sort(samples);
        return samples[samples.Length / 2];
    }

    /// <summary>A new node pulls the whole log from a node serving it over loopback, verifying and storing every entry.</summary>
    private static async Task<(double Rate, double Product, double Seconds)> PullAsync(string data, string root, NodeIdentity server, CancellationToken cancellationToken)
    {
        var (_, verifyRate) = SyncBench.VerifyRate(TimeSpan.FromSeconds(1.5));
        var product = verifyRate * Environment.ProcessorCount;
        var mesh = MeshKey.Generate();
        var listen = new SyncNodeOptions { Listen = new IPEndPoint(IPAddress.Loopback, 0), MaxEntriesPerSecond = 0, AntiEntropyInterval = TimeSpan.FromHours(1) };
        using var logA = DatomLog.Open(data, server);
        await using var nodeA = new SyncNode(logA, server, mesh, listen);
        await nodeA.StartAsync(cancellationToken);
        using var identityC = NodeIdentity.Generate();
        using var logC = DatomLog.Open(Path.Combine(root, "new"), identityC, new LogOptions { Segments = new SegmentStoreOptions { Fsync = FsyncPolicy.Always } });
        var total = logA.Count;
        var sw = Stopwatch.StartNew();
        await using (var nodeC = new SyncNode(logC, identityC, mesh, listen with { Listen = null }))
        {
            await nodeC.StartAsync(cancellationToken);
            nodeC.AddPeer(new PeerAddress(nodeA.LocalEndPoint!, server.Id));
            using var bar = new ProgressLine("a new node pulls", total, "entries");
            await SyncBench.WaitAsync(() => logC.Count >= total && SyncBench.Synced(nodeC, server.Id), TimeSpan.FromSeconds(60 + (total / 2_000)),
                "the new node to pull everything", cancellationToken, () => bar.Report(logC.Count));
        }
        var seconds = sw.Elapsed.TotalSeconds;
        server.Dispose();
        return (total / seconds, product, seconds);
    }

    /// <summary>This process's resident memory now and at its peak, in MiB (VmRSS and VmHWM of /proc/self/status).</summary>
    private static (double Current, double Peak) Rss()
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
        return (Math.Round(rss / 1024, 1), Math.Round(peak / 1024, 1));

        static double Kib(string line) => double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
    }
}

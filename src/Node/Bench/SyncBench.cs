using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Datom.Log;
using Datom.Log.Identity;
using Datom.Log.Model;
using Datom.Log.Segments;
using Datom.Log.Storage;
using Datom.Node.Output;
using Datom.Sync;
using NSec.Cryptography;

namespace Datom.Node.Bench;

/// <summary>
/// <c>datom bench sync</c>: two measurements on loopback, in one process, with the rates they are
/// judged against measured in the same run.
/// (a) Two nodes share a large log and differ by a few entries: bytes both ways and time to reconcile.
/// (b) A new node pulls the whole log, verifying and storing every entry: entries per second next to
/// the raw Ed25519 verify rate of one core times the cores.
/// </summary>
internal static class SyncBench
{
    private const int Authors = 4;

    public static async Task<int> RunAsync(string? scratch, int entries, int difference, bool json, CancellationToken cancellationToken)
    {
        if (entries < Authors || difference < 2)
            throw new CliException(ExitCodes.Usage, $"--entries must be at least {Authors} and --differ at least 2");
        var root = scratch ?? Path.Combine(Path.GetTempPath(), "datom-bench-sync-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(root);
        var cores = Environment.ProcessorCount;
        var rows = new List<(string Name, string Value, string Note)>();
        void Row(string name, string value, string note = "")
        {
            rows.Add((name, value, note));
            if (!json)
                Console.Out.WriteLine($"{name,-52} {value,16} {note}");
        }

        try
        {
            if (!json)
                Console.Out.WriteLine($"sync bench: {entries:N0} shared entries by {Authors} authors, {difference} differing, {cores} cores, loopback TCP");
            var (verifyWall, verifyRate) = VerifyRate(TimeSpan.FromSeconds(1.5));
            Row("raw Ed25519 verify (NSec, one core, per CPU-second)", $"{verifyRate:N0}/s", $"(per wall-second: {verifyWall:N0}/s)");

            var sw = Stopwatch.StartNew();
            var dirA = Path.Combine(root, "a");
            var last = await GenerateAsync(dirA, entries, cancellationToken);
            Row($"generate {entries:N0} entries", $"{sw.Elapsed.TotalSeconds:F1} s", "(setup, not measured)");

            sw.Restart();
            var dirB = Path.Combine(root, "b");
            CopyDirectory(Path.Combine(dirA, "log"), Path.Combine(dirB, "log"));
            var durable = new LogOptions { Segments = new SegmentStoreOptions { Fsync = FsyncPolicy.Always } };
            using var identityA = last;
            using var identityB = NodeIdentity.Generate();
            using var logA = DatomLog.Open(dirA, identityA, durable);
            using var logB = DatomLog.Open(dirB, identityB, durable);
            Row($"copy and open the log twice", $"{sw.Elapsed.TotalSeconds:F1} s", "(setup)");

            for (var i = 0; i < difference / 2; i++)
                await logA.AppendAsync(Datoms(entries + i), cancellationToken: cancellationToken);
            for (var i = 0; i < difference - (difference / 2); i++)
                await logB.AppendAsync(Datoms(entries + difference + i), cancellationToken: cancellationToken);

            var mesh = MeshKey.Generate();
            var listen = new SyncNodeOptions
            {
                Listen = new IPEndPoint(IPAddress.Loopback, 0),
                MaxEntriesPerSecond = 0,
                AntiEntropyInterval = TimeSpan.FromHours(1),
            };
            await using var nodeA = new SyncNode(logA, identityA, mesh, listen);
            await nodeA.StartAsync(cancellationToken);

            // Warm-up: one small reconcile in this process first, so that (a) times the protocol, not the JIT.
            await WarmUpAsync(mesh, cancellationToken);

            // (a) reconcile a small difference on a large log.
            var dial = listen with { Listen = null };
            long bytes;
            TimeSpan reconcile;
            await using (var nodeB = new SyncNode(logB, identityB, mesh, dial))
            {
                await nodeB.StartAsync(cancellationToken);
                sw.Restart();
                nodeB.AddPeer(new PeerAddress(nodeA.LocalEndPoint!, identityA.Id));
                await WaitAsync(() => Synced(nodeA, identityB.Id) && Synced(nodeB, identityA.Id), TimeSpan.FromSeconds(60), "the two nodes to reconcile", cancellationToken);
                reconcile = sw.Elapsed;
                var peer = nodeB.Peers().Single();
                bytes = peer.BytesSent + peer.BytesReceived;
                if (logA.Count != logB.Count)
                    throw new InvalidOperationException($"after reconciling, the logs hold {logA.Count} and {logB.Count} entries");
            }
            Row($"(a) reconcile {difference} differing entries: bytes both ways", $"{bytes:N0} B", "(target < 65,536 B; handshake included)");
            Row("(a) reconcile: time", $"{reconcile.TotalMilliseconds:F1} ms", "(target < 1,000 ms; connect to both rounds done)");

            // (b) a new node pulls everything, verifying every signature.
            var dirC = Path.Combine(root, "c");
            using var identityC = NodeIdentity.Generate();
            using var logC = DatomLog.Open(dirC, identityC, durable);
            var total = logA.Count;
            TimeSpan pull;
            var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            var loadBefore = LoadAverage();
            var allocatedBefore = GC.GetTotalAllocatedBytes();
            var gcBefore = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
            var pauseBefore = GC.GetTotalPauseDuration();
            await using (var nodeC = new SyncNode(logC, identityC, mesh, dial))
            {
                await nodeC.StartAsync(cancellationToken);
                sw.Restart();
                nodeC.AddPeer(new PeerAddress(nodeA.LocalEndPoint!, identityA.Id));
                using (var bar = new ProgressLine("(b) pulling", total, "entries"))
                {
                    await WaitAsync(() => logC.Count >= total && Synced(nodeC, identityA.Id), TimeSpan.FromSeconds(60 + (total / 2_000)), "the new node to pull everything", cancellationToken,
                        () => bar.Report(logC.Count));
                    pull = sw.Elapsed;
                    bar.Report(logC.Count);
                }
            }
            var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
            var load = LoadAverage();
            if (Environment.GetEnvironmentVariable("DATOM_BENCH_DEBUG") is not null)
                Console.Error.WriteLine($"  allocated {(GC.GetTotalAllocatedBytes() - allocatedBefore) / (double)total:F0} B/entry, GCs {GC.CollectionCount(0) - gcBefore.Item1}/{GC.CollectionCount(1) - gcBefore.Item2}/{GC.CollectionCount(2) - gcBefore.Item3}, pauses {(GC.GetTotalPauseDuration() - pauseBefore).TotalMilliseconds:F0} ms");
            var rate = total / pull.TotalSeconds;
            var product = verifyRate * cores;
            var ratio = rate / product;
            var verifyShare = total / verifyRate / cpu.TotalSeconds;
            var coresUsed = cpu.TotalSeconds / pull.TotalSeconds;
            Row($"(b) pull {total:N0} entries: verified and stored", $"{rate:N0}/s", $"({pull.TotalSeconds:F1} s, fsync on)");
            Row($"(b) raw verify rate × {cores} cores", $"{product:N0}/s");
            Row("(b) pull rate / (raw verify × cores)", ratio.ToString("P1", CultureInfo.InvariantCulture), "(target >= 70%)");
            Row("(b) CPU of this process during the pull", $"{cpu.TotalSeconds:F1} s", $"({coresUsed:F2} of {cores} cores; load average {loadBefore} -> {load})");
            Row("(b) share of that CPU spent verifying signatures", verifyShare.ToString("P1", CultureInfo.InvariantCulture), "(the rest: transport, decoding, storing, serving)");

            if (json)
            {
                var doc = new Dictionary<string, object>
                {
                    ["entries"] = entries,
                    ["authors"] = Authors,
                    ["cores"] = cores,
                    ["reconcile"] = new Dictionary<string, object>
                    {
                        ["differing_entries"] = difference,
                        ["bytes_both_ways"] = bytes,
                        ["ms"] = Math.Round(reconcile.TotalMilliseconds, 2),
                    },
                    ["pull"] = new Dictionary<string, object>
                    {
                        ["entries"] = total,
                        ["seconds"] = Math.Round(pull.TotalSeconds, 3),
                        ["entries_per_second"] = Math.Round(rate, 1),
                        ["raw_verify_per_second_one_core"] = Math.Round(verifyRate, 1),
                        ["raw_verify_per_wall_second_one_core"] = Math.Round(verifyWall, 1),
                        ["raw_verify_times_cores"] = Math.Round(product, 1),
                        ["ratio"] = Math.Round(ratio, 4),
                        ["cpu_seconds"] = Math.Round(cpu.TotalSeconds, 2),
                        ["cores_used"] = Math.Round(coresUsed, 3),
                        ["verify_share_of_cpu"] = Math.Round(verifyShare, 4),
                        ["load_average"] = load,
                    },
                };
                Console.Out.WriteLine(JsonSerializer.Serialize(doc));
            }
            return ExitCodes.Ok;
        }
        finally
        {
            if (scratch is null)
                Directory.Delete(root, recursive: true);
        }
    }

    internal static bool Synced(SyncNode node, NodeId peer) => node.Peers().Any(p => p.NodeId == peer && p.PullRoundsCompleted >= 1);

    internal static async Task WaitAsync(Func<bool> condition, TimeSpan within, string what, CancellationToken cancellationToken, Action? tick = null)
    {
        var sw = Stopwatch.StartNew();
        while (!condition())
        {
            tick?.Invoke();
            if (sw.Elapsed > within)
                throw new TimeoutException($"bench: waited {within.TotalSeconds:F0} s for {what}");
            await Task.Delay(1, cancellationToken);
        }
    }

    /// <summary>
    /// Writes <paramref name="entries"/> small entries by <see cref="Authors"/> authors into one log,
    /// author after author (the log appends as whoever opens it), each entry signed on all cores.
    /// Returns the last author, whose node then serves the log.
    /// </summary>
    private static async Task<NodeIdentity> GenerateAsync(string directory, int entries, CancellationToken cancellationToken)
    {
        var fast = new LogOptions { Segments = new SegmentStoreOptions { Fsync = FsyncPolicy.Never } };
        var storage = new FileStorage(Path.Combine(directory, "log"));
        NodeIdentity? author = null;
        var written = 0;
        using var bar = new ProgressLine("generating the shared log", entries, "entries");
        for (var a = 0; a < Authors; a++)
        {
            author?.Dispose();
            author = NodeIdentity.Generate();
            var share = a == Authors - 1 ? entries - written : entries / Authors;
            using var log = DatomLog.Open(storage, author, fast);
            var writers = Environment.ProcessorCount;
            var next = written;
            var end = written + share;
            await Task.WhenAll(Enumerable.Range(0, writers).Select(_ => Task.Run(async () =>
            {
                var window = new Queue<Task>();
                while (true)
                {
                    var i = Interlocked.Increment(ref next) - 1;
                    if (i >= end)
                        break;
                    window.Enqueue(log.BeginAppend(Datoms(i), log.NewEntityId()).Durable);
                    if (i % 4096 == 0)
                        bar.Report(i);
                    if (window.Count > 512)
                        await window.Dequeue();
                }
                while (window.Count > 0)
                    await window.Dequeue();
            }, cancellationToken)));
            written = end;
        }
        bar.Report(written);
        return author!;
    }

    /// <summary>A small transaction: one datom.</summary>
    private static LogDatom[] Datoms(long i) => [new(new EntityId(91, (ulong)i), "bench/n", Value.Long(i), true)];

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
    }

    /// <summary>
    /// NSec's Ed25519 verify on one thread, key already imported, on a message the size of an entry's
    /// signed bytes. Returned per wall-second and per CPU-second of this process: on a shared machine
    /// the second is what one core does when it runs, the first what it did while others ran too.
    /// </summary>
    internal static (double PerWallSecond, double PerCpuSecond) VerifyRate(TimeSpan each)
    {
        var ed25519 = SignatureAlgorithm.Ed25519;
        using var key = Key.Create(ed25519);
        var message = new byte[140];
        var signature = ed25519.Sign(key, message);
        var publicKey = key.PublicKey;
        var warm = Stopwatch.StartNew();
        while (warm.Elapsed < each / 3)
            ed25519.Verify(publicKey, message, signature);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        long n = 0;
        while (sw.Elapsed < each)
        {
            for (var i = 0; i < 100; i++)
            {
                if (!ed25519.Verify(publicKey, message, signature))
                    throw new InvalidOperationException("bench: a good signature did not verify");
                n++;
            }
        }
        var wall = sw.Elapsed.TotalSeconds;
        var cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
        return (n / wall, n / Math.Max(cpuSeconds, 1e-3));
    }

    /// <summary>The 1-minute load average (Linux), to read the figures by; empty elsewhere.</summary>
    private static string LoadAverage()
    {
        try
        {
            return File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "";
        }
        catch (IOException)
        {
            return "";
        }
    }

    /// <summary>Two small in-memory nodes reconcile once, so the code paths are compiled before anything is timed.</summary>
    private static async Task WarmUpAsync(MeshKey mesh, CancellationToken cancellationToken)
    {
        using var x = NodeIdentity.Generate();
        using var y = NodeIdentity.Generate();
        using var logX = DatomLog.Open(new MemoryStorage(), x);
        using var logY = DatomLog.Open(new MemoryStorage(), y);
        for (var i = 0; i < 50; i++)
        {
            await logX.AppendAsync(Datoms(i), cancellationToken: cancellationToken);
            await logY.AppendAsync(Datoms(i), cancellationToken: cancellationToken);
        }
        var options = new SyncNodeOptions { Listen = new IPEndPoint(IPAddress.Loopback, 0), MaxEntriesPerSecond = 0 };
        await using var nodeX = new SyncNode(logX, x, mesh, options);
        await nodeX.StartAsync(cancellationToken);
        await using var nodeY = new SyncNode(logY, y, mesh, options with { Listen = null });
        await nodeY.StartAsync(cancellationToken);
        nodeY.AddPeer(new PeerAddress(nodeX.LocalEndPoint!, x.Id));
        await WaitAsync(() => Synced(nodeX, y.Id) && Synced(nodeY, x.Id), TimeSpan.FromSeconds(30), "the warm-up nodes to reconcile", cancellationToken);
    }
}

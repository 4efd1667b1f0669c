using System.Globalization;
using System.Text.Json;
using Datom.Sync.Tests;
using Datom.Sync.Tests.Netns;
using Xunit;
using Xunit.Abstractions;

namespace Datom.Node.Tests.Mesh;

/// <summary>
/// The Sync acceptance criteria with real daemons: three <c>datom run</c> processes, one per
/// network namespace on one bridge, found by mDNS alone, replicating what is transacted on one of them.
/// </summary>
[Collection(NetnsCollection.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class DiscoveryAndReplicationTests(ITestOutputHelper output)
{
    internal const string Schema = "[{:db/ident :t/n :db/valueType :db.type/long :db/cardinality :db.cardinality/one}]";

    [NetnsFact]
    public async Task Three_daemons_find_each_other_by_mDNS_alone_within_3_s()
    {
        using var mesh = MeshNetwork.Create(3);
        var nodes = await mesh.InitAsync("a", "b", "c");
        var daemons = nodes.Select(n => mesh.StartDaemon(n)).ToArray(); // no --peer: mDNS only
        var running = await Task.WhenAll(daemons.Select(MeshNetwork.WaitRunningAsync));
        var started = running.Max();

        // Poll datom peers until every node lists the other two (the user's view), then take the
        // moment it became true from the daemons' own logs: the CLI's start-up time (hundreds of
        // milliseconds for three concurrent dotnet processes on two cores) is not the mesh's.
        var confirmed = await mesh.WaitConnectedAsync(nodes, TimeSpan.FromSeconds(90));
        var formed = MeshNetwork.MeshFormedAt([.. nodes.Zip(daemons)]);
        Assert.True(formed is not null, $"datom peers shows the mesh connected, but the daemons' logs never did\n{mesh.Report()}");

        var elapsed = formed.Value - started;
        output.WriteLine($"daemons launched -> all running: {Ms(started - daemons.Min(d => d.Launched))}");
        output.WriteLine($"all running -> every node connected to the other two (daemon logs): {Ms(elapsed)}");
        output.WriteLine($"all running -> datom peers on every node confirmed it: {Ms(confirmed - started)}");
        foreach (var (node, daemon) in nodes.Zip(daemons))
        {
            foreach (var other in nodes.Where(n => n != node))
            {
                var found = await daemon.Stdout.WaitForAsync($"discovery: found {other.Id}", TimeSpan.Zero);
                Assert.True(found is not null, $"{node} connected to {other} without mDNS finding it first?\n{daemon}");
                output.WriteLine($"  {node.Name} found {other.Name} by mDNS {Ms(found.Value.At - started)} after all were running");
            }
        }
        Assert.True(!SpeedTarget.Enforced || elapsed < TimeSpan.FromSeconds(3), $"the mesh formed {Ms(elapsed)} after the daemons started (limit 3 s)\n{mesh.Report()}");
    }

    [NetnsFact]
    public async Task An_entry_appended_on_one_node_is_stored_on_the_other_two_within_100_ms_at_p95()
    {
        const int Appends = 200;
        using var mesh = MeshNetwork.Create(3);
        var nodes = await mesh.InitAsync("a", "b", "c");
        var (a, b, c) = (nodes[0], nodes[1], nodes[2]);
        foreach (var n in nodes)
            mesh.StartDaemon(n);
        await mesh.WaitConnectedAsync(nodes, TimeSpan.FromSeconds(90));

        var follows = new[] { b, c }.Select(n => mesh.StartCli(n, "log", "--data", n.Data, "--format", "json", "--follow")).ToArray();
        var transact = mesh.StartCli(a, "transact", "--data", a.Data, "-");

        // The schema first, and only once it reached both followers (which proves they print live).
        var schema = await TransactAsync(transact, Schema, mesh);
        foreach (var f in follows)
            Assert.True(await f.Stdout.WaitForAsync(schema.Hash, TimeSpan.FromSeconds(60)) is not null, $"{f.Name} never printed the schema entry\n{mesh.Report()}");

        var acks = new List<(string Hash, TimeSpan At)>();
        for (var i = 0; i < Appends; i++)
        {
            acks.Add(await TransactAsync(transact, $"[[:db/add \"e{i}\" :t/n {i}]]", mesh));
            await Task.Delay(10);
        }
        transact.CloseInput();

        foreach (var (follow, node) in follows.Zip([b, c]))
        {
            var latencies = new List<TimeSpan>();
            foreach (var (hash, ackAt) in acks)
            {
                var stored = await follow.Stdout.WaitForAsync(hash, TimeSpan.FromSeconds(60));
                Assert.True(stored is not null, $"{node} never printed entry {hash}\n{mesh.Report()}");
                latencies.Add(stored.Value.At - ackAt);
            }
            latencies.Sort();
            var (p50, p95, max) = (Percentile(latencies, 0.50), Percentile(latencies, 0.95), latencies[^1]);
            output.WriteLine($"{node.Name}: {Appends} entries from a's ack to {node.Name}'s follow: p50 {Ms(p50)}, p95 {Ms(p95)}, max {Ms(max)} (min {Ms(latencies[0])})");
            Assert.True(!SpeedTarget.Enforced || p95 < TimeSpan.FromMilliseconds(100), $"{node.Name}: p95 {Ms(p95)} (limit 100 ms); p50 {Ms(p50)}, max {Ms(max)}");
        }
    }

    /// <summary>Writes one transaction to a running <c>transact -</c> and waits for its acknowledgement.</summary>
    internal static async Task<(string Hash, TimeSpan At)> TransactAsync(NodeProcess transact, string tx, MeshNetwork mesh)
    {
        var before = transact.Stdout.Count;
        await transact.WriteLineAsync(tx);
        var ack = await transact.Stdout.WaitForAsync(_ => true, TimeSpan.FromSeconds(60), before);
        Assert.True(ack is not null, $"no acknowledgement for {tx}\n{mesh.Report()}");
        using var json = JsonDocument.Parse(ack.Value.Text);
        return (json.RootElement.GetProperty("hash").GetString()!, ack.Value.At);
    }

    internal static TimeSpan Percentile(List<TimeSpan> sorted, double p) =>
        sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];

    internal static string Ms(TimeSpan t) => t.TotalMilliseconds.ToString("0.0", CultureInfo.InvariantCulture) + " ms";
}

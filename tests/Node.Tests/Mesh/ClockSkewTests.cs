using System.Text.Json;
using Datom.Sync.Tests.Netns;
using Xunit;
using Xunit.Abstractions;

namespace Datom.Node.Tests.Mesh;

/// <summary>
/// Three daemons, one of them on a machine whose clock is wrong by a year ahead or a day behind.
/// While every node is cut off from the others, each writes the same unique values. After healing:
/// nobody was refused or banned, every node holds the same entries and answers the same, each unique
/// value names one entity, upserts and lookup refs work, status shows the skew, and every log verifies.
/// </summary>
[Collection(NetnsCollection.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ClockSkewTests(ITestOutputHelper output)
{
    private const string Schema = """
        [{:db/ident :p/key :db/valueType :db.type/string :db/cardinality :db.cardinality/one :db/unique :db.unique/identity}
         {:db/ident :p/by :db/valueType :db.type/string :db/cardinality :db.cardinality/one}
         {:db/ident :p/seen :db/valueType :db.type/string :db/cardinality :db.cardinality/many}]
        """;

    /// <summary>How many unique values every node writes during the partition.</summary>
    private const int Keys = 5;

    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(90);

    [NetnsTheory]
    [InlineData("+365d", 365.0)]
    [InlineData("-1d", -1.0)]
    public async Task A_node_with_a_wrong_clock_converges_with_the_others_and_unique_values_raced_in_a_partition_name_one_entity(string clock, double days)
    {
        using var mesh = MeshNetwork.Create(3);
        var nodes = await mesh.InitAsync("a", "b", "c");
        nodes[2] = nodes[2] with { Clock = clock };
        var (a, b, c) = (nodes[0], nodes[1], nodes[2]);
        var daemons = nodes.Select(n => mesh.StartDaemon(n)).ToArray();
        await mesh.WaitConnectedAsync(nodes, Wait);

        await TransactAsync(mesh, a, "schema.edn", Schema);
        await ConvergedAsync(mesh, nodes);

        // Every node cut off from the others; each writes every key, and upserts it again.
        foreach (var node in nodes)
            mesh.Net.SetConnected(node.Net, false);
        foreach (var node in nodes)
        {
            for (var k = 0; k < Keys; k++)
            {
                await TransactAsync(mesh, node, $"{node.Name}-{k}.edn", $"[{{:p/key \"u-{k}\" :p/by \"{node.Name}\" :p/seen \"{node.Name}\"}}]");
                await TransactAsync(mesh, node, $"{node.Name}-{k}-again.edn", $"[{{:p/key \"u-{k}\" :p/seen \"{node.Name}-again\"}}]");
            }
        }
        foreach (var node in nodes)
            mesh.Net.SetConnected(node.Net, true);
        await mesh.WaitConnectedAsync(nodes, Wait);
        await ConvergedAsync(mesh, nodes);

        // One entity per key, the same on every node, holding what every node said of it.
        const string PerKey = "[:find ?k (count-distinct ?e) (count-distinct ?s) :where [?e :p/key ?k] [?e :p/seen ?s]]";
        var answers = await Task.WhenAll(nodes.Select(n => QueryAsync(n, PerKey)));
        Assert.All(answers, answer => Assert.Equal(answers[0], answer));
        var rows = JsonDocument.Parse(answers[0]).RootElement.EnumerateArray().ToArray();
        Assert.Equal(Keys, rows.Length);
        Assert.All(rows, row => Assert.Equal(1, row[1].GetInt32()));
        Assert.All(rows, row => Assert.Equal(2 * nodes.Length, row[2].GetInt32()));
        const string Winners = "[:find ?k ?e ?by :where [?e :p/key ?k] [?e :p/by ?by]]";
        var winners = await Task.WhenAll(nodes.Select(n => QueryAsync(n, Winners)));
        Assert.All(winners, w => Assert.Equal(winners[0], w));
        output.WriteLine($"clock {clock} on c: last-writer-wins picked {winners[0]}");

        // Upserts and lookup refs keep working after healing, on every node.
        foreach (var node in nodes)
            await TransactAsync(mesh, node, $"{node.Name}-after.edn", $"[{{:p/key \"u-0\" :p/seen \"{node.Name}-after\"}}]");
        await ConvergedAsync(mesh, nodes);
        const string ByRef = "[:find (count ?s) . :in $ ?e :where [?e :p/seen ?s]]";
        var counts = await Task.WhenAll(nodes.Select(n => QueryAsync(n, ByRef, "[:p/key \"u-0\"]")));
        Assert.All(counts, count => Assert.Equal((3 * nodes.Length).ToString(System.Globalization.CultureInfo.InvariantCulture), count.Trim()));

        // The others see c's clock off by about the fake offset, and c sees theirs off the other way.
        var statusA = await MeshNetwork.JsonAsync(a, "status", "--data", a.Data, "--format", "json");
        var offset = statusA.GetProperty("peers").EnumerateArray().Single(p => p.GetProperty("node").GetString() == c.Id).GetProperty("clock_offset_ms").GetDouble();
        Assert.InRange(offset / TimeSpan.FromDays(1).TotalMilliseconds, days - 0.01, days + 0.01);
        var statusC = await MeshNetwork.JsonAsync(c, "status", "--data", c.Data, "--format", "json");
        Assert.All(statusC.GetProperty("peers").EnumerateArray(), p =>
            Assert.InRange(p.GetProperty("clock_offset_ms").GetDouble() / TimeSpan.FromDays(1).TotalMilliseconds, -days - 0.01, -days + 0.01));
        var human = await MeshNetwork.CliAsync(a, "status", "--data", a.Data);
        output.WriteLine(human.Stdout);

        // Nobody was refused or banned, every log verifies, and every daemon stops cleanly.
        foreach (var (node, daemon) in nodes.Zip(daemons))
        {
            Assert.DoesNotContain(daemon.Stdout.Lines, l => l.Text.Contains("ban", StringComparison.OrdinalIgnoreCase) || l.Text.Contains("bad-time", StringComparison.Ordinal));
            Assert.True(await daemon.TerminateAsync(TimeSpan.FromSeconds(30)), $"{node} did not stop within 30 s of SIGTERM\n{daemon}");
            Assert.True(daemon.ExitCode == 0, $"{node} exited {daemon.ExitCode}\n{daemon}");
            var verify = await MeshNetwork.CliAsync(node, "log", "verify", "--data", node.Data);
            Assert.True(verify.ExitCode == 0, $"log verify on {node} failed: {verify.Stdout}{verify.Stderr}");
        }
        // a's log names c and its skew in a readable unit.
        var shown = days > 0 ? $"{days:0} d 0 h ahead of" : $"{-days:0} d 0 h behind";
        Assert.Contains(daemons[0].Stdout.Lines, l => l.Text.Contains("[4221]", StringComparison.Ordinal) && l.Text.Contains(c.Id, StringComparison.Ordinal) && l.Text.Contains(shown, StringComparison.Ordinal));
    }

    private static async Task TransactAsync(MeshNetwork mesh, MeshNode node, string name, string edn)
    {
        var result = await MeshNetwork.CliAsync(node, "transact", "--data", node.Data, mesh.WriteFile(name, edn));
        Assert.True(result.ExitCode == 0, $"datom transact on {node} failed ({result.ExitCode}): {result.Stderr}\n{mesh.Report()}");
    }

    private static async Task<string> QueryAsync(MeshNode node, string query, params string[] inputs)
    {
        var result = await MeshNetwork.CliAsync(node, ["query", "--data", node.Data, "--format", "json", query, .. inputs]);
        Assert.True(result.ExitCode == 0, $"datom query on {node} failed ({result.ExitCode}): {result.Stderr}");
        return result.Stdout;
    }

    /// <summary>Waits until every node holds the same frontier, with its index caught up to it.</summary>
    private static async Task ConvergedAsync(MeshNetwork mesh, IReadOnlyList<MeshNode> nodes)
    {
        var deadline = MeshClock.Now + Wait;
        var last = Array.Empty<string>();
        while (MeshClock.Now < deadline)
        {
            var statuses = await Task.WhenAll(nodes.Select(n => MeshNetwork.JsonAsync(n, "status", "--data", n.Data, "--format", "json")));
            last = [.. statuses.Select(s => $"{string.Join(",", s.GetProperty("frontier").EnumerateArray().Select(h => h.GetString()).Order())} lag {s.GetProperty("index_lag").GetInt64()}")];
            if (last.Distinct().Count() == 1 && statuses.All(s => s.GetProperty("index_lag").GetInt64() == 0))
                return;
            await Task.Delay(250);
        }
        throw new TimeoutException($"the nodes did not converge within {Wait.TotalSeconds} s:\n{string.Join("\n", last)}\n{mesh.Report()}");
    }
}

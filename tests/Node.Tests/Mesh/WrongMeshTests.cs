using System.Text.Json;
using Datom.Sync.Tests.Netns;
using Xunit;
using Xunit.Abstractions;

namespace Datom.Node.Tests.Mesh;

/// <summary>
/// "A node without the mesh key learns nothing and writes nothing" (DESIGN.md, Sync), with real
/// daemons: a fourth node initialised on its own (never given the key) runs beside a mesh of three.
/// </summary>
[Collection(NetnsCollection.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class WrongMeshTests(ITestOutputHelper output)
{
    [NetnsFact]
    public async Task A_node_with_another_mesh_key_gets_nothing_stores_nothing_and_its_handshakes_fail_clearly()
    {
        using var mesh = MeshNetwork.Create(4);
        var nodes = await mesh.InitAsync("a", "b", "c");
        var (a, b, c) = (nodes[0], nodes[1], nodes[2]);
        var stranger = await mesh.InitAsync(3, "x", ownMesh: true);

        // mDNS alone would not even bring them together (each side ignores an advertisement of
        // another mesh id), so each side is also given the other as a static peer: both directions
        // of the handshake are tried, and refused, again and again while the good nodes transact.
        var daemonA = mesh.StartDaemon(a, "--peer", stranger.SyncAddress);
        var daemonB = mesh.StartDaemon(b);
        var daemonC = mesh.StartDaemon(c);
        var daemonX = mesh.StartDaemon(stranger, "--peer", a.SyncAddress);
        await mesh.WaitConnectedAsync(nodes, TimeSpan.FromSeconds(90));
        await MeshNetwork.WaitRunningAsync(daemonX);

        // The stranger writes too, so that the good nodes have something of it to refuse.
        var own = await MeshNetwork.CliAsync(stranger, "transact", "--data", stranger.Data, mesh.WriteFile("x.edn", DiscoveryAndReplicationTests.Schema + "\n[[:db/add \"s\" :t/n -1]]"));
        Assert.True(own.ExitCode == 0, own.Stderr);

        // A few seconds of the good nodes transacting, while watching who is connected to whom.
        var transact = mesh.StartCli(a, "transact", "--data", a.Data, "-");
        var goodWrites = new List<string> { (await DiscoveryAndReplicationTests.TransactAsync(transact, DiscoveryAndReplicationTests.Schema, mesh)).Hash };
        var until = MeshClock.Now + TimeSpan.FromSeconds(4);
        var writer = Task.Run(async () =>
        {
            for (var i = 0; MeshClock.Now < until; i++)
            {
                goodWrites.Add((await DiscoveryAndReplicationTests.TransactAsync(transact, $"[[:db/add \"e\" :t/n {i}]]", mesh)).Hash);
                await Task.Delay(50);
            }
        });
        var polls = 0;
        while (MeshClock.Now < until)
        {
            var views = await Task.WhenAll(nodes.Append(stranger).Select(MeshNetwork.ConnectedAsync));
            foreach (var view in views.Take(3))
                Assert.DoesNotContain(stranger.Id, view);
            Assert.Empty(views[3]);
            polls++;
        }
        await writer;
        transact.CloseInput();
        output.WriteLine($"a transacted {goodWrites.Count} entries while x ran beside the mesh; 'datom peers' on all four nodes, {polls} times, never showed x connected");

        // The good nodes have all of a's entries (the mesh works) and none of x's.
        foreach (var good in nodes)
        {
            var authors = await AuthorsAsync(good);
            for (var tries = 0; tries < 20 && !goodWrites.All(authors[a.Id].Contains); tries++)
            {
                await Task.Delay(250); // the last few may still be on their way
                authors = await AuthorsAsync(good);
            }
            Assert.DoesNotContain(stranger.Id, authors.Keys);
            Assert.True(goodWrites.All(authors[a.Id].Contains), $"{good} lacks some of a's entries\n{mesh.Report()}");
        }
        var strangers = await AuthorsAsync(stranger);
        Assert.Equal([stranger.Id], strangers.Keys);
        output.WriteLine($"x holds {strangers[stranger.Id].Count} entries, all its own");

        // Both ends say why, in words a user can act on.
        var refused = await daemonA.Stdout.WaitForAsync("MeshKeyMismatch", TimeSpan.FromSeconds(60));
        Assert.True(refused is not null, $"a never logged the stranger's failed handshake\n{daemonA}");
        Assert.Contains("mesh key is not ours", refused.Value.Text, StringComparison.Ordinal);
        output.WriteLine("a: " + refused.Value.Text);
        var rejected = await daemonX.Stdout.WaitForAsync(l => l.Contains("handshake with", StringComparison.Ordinal) && l.Contains("mesh key", StringComparison.Ordinal), TimeSpan.FromSeconds(60));
        Assert.True(rejected is not null, $"x never logged why its handshakes fail\n{daemonX}");
        output.WriteLine("x: " + rejected.Value.Text);
        var ignored = await daemonB.Stdout.WaitForAsync($"discovery: ignoring {stranger.Id}", TimeSpan.FromSeconds(60));
        Assert.True(ignored is not null, $"b never logged that it ignores x's advertisement\n{daemonB}");
        output.WriteLine("b: " + ignored.Value.Text);
        Assert.DoesNotContain(daemonC.Stdout.Lines, l => l.Text.Contains($"connected to {stranger.Id}", StringComparison.Ordinal));
    }

    /// <summary>The entries a node holds, by author (<c>datom log --format json</c>).</summary>
    private static async Task<Dictionary<string, HashSet<string>>> AuthorsAsync(MeshNode node)
    {
        var log = await MeshNetwork.CliAsync(node, "log", "--data", node.Data, "--format", "json");
        Assert.True(log.ExitCode == 0, log.Stderr);
        var authors = new Dictionary<string, HashSet<string>>();
        foreach (var line in log.Lines)
        {
            using var entry = JsonDocument.Parse(line);
            var author = entry.RootElement.GetProperty("author").GetString()!;
            if (!authors.TryGetValue(author, out var hashes))
                authors[author] = hashes = [];
            hashes.Add(entry.RootElement.GetProperty("hash").GetString()!);
        }
        return authors;
    }
}

using Datom.Sync.Tests.Netns;
using Xunit;
using Xunit.Abstractions;

namespace Datom.Node.Tests.Mesh;

/// <summary>A node cut off from the mesh gets what it missed once its link returns.</summary>
[Collection(NetnsCollection.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class PartitionTests(ITestOutputHelper output)
{
    /// <summary>The bound on catching up after the link returns.</summary>
    private static readonly TimeSpan CatchUpLimit = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Six seconds: long enough that a's pushes to c are lost to the partition and retransmitted,
    /// short enough for the suite. Connections survive it (nothing times out that fast).
    /// </summary>
    [NetnsFact]
    public Task A_node_cut_off_by_a_partition_catches_up_when_its_link_returns() => PartitionAsync(TimeSpan.FromSeconds(6));

    /// <summary>
    /// Partitions that outlast what keeps the nodes' view of each other: 80 s, past the sync idle
    /// timeout (60 s: every connection to c is dropped and redialed with backoff), and 150 s, well past
    /// the mDNS records' lifetime as well (120 s: the nodes forget each other's addresses and stop
    /// dialing). Minutes long, so only with DATOM_SLOW=1.
    /// </summary>
    [SlowNetnsTheory]
    [InlineData(80)]
    [InlineData(150)]
    public Task A_node_cut_off_for_minutes_catches_up_when_its_link_returns(int seconds) => PartitionAsync(TimeSpan.FromSeconds(seconds));

    private async Task PartitionAsync(TimeSpan partitionLength)
    {
        const int Writes = 20;
        using var mesh = MeshNetwork.Create(3);
        var nodes = await mesh.InitAsync("a", "b", "c");
        var (a, b, c) = (nodes[0], nodes[1], nodes[2]);
        var daemons = nodes.Select(n => mesh.StartDaemon(n)).ToArray();
        await mesh.WaitConnectedAsync(nodes, TimeSpan.FromSeconds(90));
        var followB = mesh.StartCli(b, "log", "--data", b.Data, "--format", "json", "--follow");
        var followC = mesh.StartCli(c, "log", "--data", c.Data, "--format", "json", "--follow");
        var transact = mesh.StartCli(a, "transact", "--data", a.Data, "-");
        var schema = await DiscoveryAndReplicationTests.TransactAsync(transact, DiscoveryAndReplicationTests.Schema, mesh);
        foreach (var f in new[] { followB, followC })
            Assert.True(await f.Stdout.WaitForAsync(schema.Hash, TimeSpan.FromSeconds(60)) is not null, $"{f.Name} never printed the schema\n{mesh.Report()}");

        // Pull c's cable at the switch, then write on a.
        mesh.Net.SetConnected(c.Net, false);
        var cut = MeshClock.Now;
        var written = new List<string>();
        for (var i = 0; i < Writes; i++)
            written.Add((await DiscoveryAndReplicationTests.TransactAsync(transact, $"[[:db/add \"p{i}\" :t/n {i}]]", mesh)).Hash);
        transact.CloseInput();

        // b, on the same side as a, has them at once; c has none while cut off.
        foreach (var hash in written)
            Assert.True(await followB.Stdout.WaitForAsync(hash, TimeSpan.FromSeconds(60)) is not null, $"b never got {hash}\n{mesh.Report()}");
        var left = cut + partitionLength - MeshClock.Now;
        if (left > TimeSpan.Zero)
            await Task.Delay(left);
        Assert.DoesNotContain(followC.Stdout.Lines, l => written.Any(h => l.Text.Contains(h, StringComparison.Ordinal)));
        var cLog = await MeshNetwork.CliAsync(c, "log", "--data", c.Data, "--format", "json");
        Assert.DoesNotContain(written, h => cLog.Stdout.Contains(h, StringComparison.Ordinal));

        mesh.Net.SetConnected(c.Net, true);
        var restored = MeshClock.Now;
        var last = TimeSpan.Zero;
        foreach (var hash in written)
        {
            // Waits past the limit on purpose, to report how long it did take.
            var got = await followC.Stdout.WaitForAsync(hash, TimeSpan.FromSeconds(60) - (MeshClock.Now - restored));
            Assert.True(got is not null, $"c never got {hash} (a minute after its link returned)\n{mesh.Report()}");
            last = got.Value.At > last ? got.Value.At : last;
        }
        var catchUp = last - restored;
        var reconnected = daemons[2].Stdout.Lines.Any(l => l.At > cut && l.Text.Contains("sync: connected to", StringComparison.Ordinal));
        output.WriteLine($"partition of {DiscoveryAndReplicationTests.Ms(restored - cut)}; c had all {Writes} missed entries {DiscoveryAndReplicationTests.Ms(catchUp)} after its link returned "
            + (reconnected ? "(over a new connection)" : "(over the connection that survived the partition: TCP retransmission)"));
        // How it healed, in c's own words.
        foreach (var line in daemons[2].Stdout.Lines.Where(l => l.At > cut && l.At <= last + TimeSpan.FromSeconds(3) && HowItHealed(l.Text)).Take(16))
            output.WriteLine($"  c +{DiscoveryAndReplicationTests.Ms(line.At - cut)}: {line.Text[(line.Text.IndexOf(": ", StringComparison.Ordinal) + 2)..]}");
        Assert.True(catchUp < CatchUpLimit, $"c caught up {DiscoveryAndReplicationTests.Ms(catchUp)} after the link returned (limit {CatchUpLimit.TotalSeconds} s)\n{mesh.Report()}");
    }

    private static bool HowItHealed(string line) =>
        line.Contains("discovery:", StringComparison.Ordinal) || line.Contains("sync: connected", StringComparison.Ordinal)
        || line.Contains("sync: disconnected", StringComparison.Ordinal) || line.Contains("mDNS: lost", StringComparison.Ordinal);
}

/// <summary>
/// A namespace theory that takes minutes: runs only when DATOM_SLOW=1 (and namespaces can
/// be made), and says so when skipped.
/// </summary>
public sealed class SlowNetnsTheoryAttribute : TheoryAttribute
{
    public SlowNetnsTheoryAttribute()
    {
        if (NetworkNamespaces.UnavailableReason is { } reason)
            Skip = reason;
        else if (Environment.GetEnvironmentVariable("DATOM_SLOW") != "1")
            Skip = "takes minutes; set DATOM_SLOW=1 to run it";
    }
}

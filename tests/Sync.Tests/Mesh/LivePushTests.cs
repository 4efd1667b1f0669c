using System.Collections.Concurrent;
using System.Diagnostics;
using Datom.Log.Identity;
using Datom.Log.Model;
using Datom.Sync.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Datom.Sync.Tests.Mesh;

/// <summary>Entries appended after the first sync reach the mesh by push, in milliseconds, over TCP loopback.</summary>
public sealed class LivePushTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Appends_reach_two_hops_away_quickly_and_are_not_echoed_back()
    {
        var mesh = MeshKey.Generate();
        await using var a = await TestNode.StartAsync(mesh);
        await using var b = await TestNode.StartAsync(mesh);
        await using var c = await TestNode.StartAsync(mesh);
        for (var i = 0; i < 10; i++)
            await a.AppendAsync(i);

        // A line: C - B - A. What A appends reaches C only through B's relay.
        b.Sync.AddPeer(a.Address);
        c.Sync.AddPeer(b.Address);
        await Eventually.TrueAsync(() => c.Log.DurableCount == 10 && Pulled(b, a) && Pulled(a, b) && Pulled(c, b) && Pulled(b, c), Bound, "initial sync along the line");

        var storedAt = new ConcurrentDictionary<(char Node, EntryHash Hash), long>();
        a.Log.EntryStored += e => storedAt.TryAdd(('a', e.Hash), Stopwatch.GetTimestamp());
        b.Log.EntryStored += e => storedAt.TryAdd(('b', e.Hash), Stopwatch.GetTimestamp());
        c.Log.EntryStored += e => storedAt.TryAdd(('c', e.Hash), Stopwatch.GetTimestamp());

        const int count = 100;
        var appended = new List<EntryHash>();
        for (var i = 0; i < count; i++)
        {
            appended.Add((await a.AppendAsync(1000 + i)).Hash);
            await Task.Delay(3);
        }
        await Eventually.TrueAsync(() => appended.All(h => storedAt.ContainsKey(('c', h))), Bound, "every append stored at C");

        double Ms(char node, EntryHash h) => Stopwatch.GetElapsedTime(storedAt[('a', h)], storedAt[(node, h)]).TotalMilliseconds;
        var toB = appended.Select(h => Ms('b', h)).Order().ToArray();
        var toC = appended.Select(h => Ms('c', h)).Order().ToArray();
        static double P(double[] sorted, double q) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
        output.WriteLine($"durable at A -> durable at B (one hop):  p50 {P(toB, 0.5):F2} ms, p95 {P(toB, 0.95):F2} ms, max {toB[^1]:F2} ms");
        output.WriteLine($"durable at A -> durable at C (two hops): p50 {P(toC, 0.5):F2} ms, p95 {P(toC, 0.95):F2} ms, max {toC[^1]:F2} ms");
        Assert.True(!SpeedTarget.Enforced || P(toC, 0.95) < 500, $"p95 two hops {P(toC, 0.95):F1} ms");

        Assert.Equal(a.Hashes(), b.Hashes());
        Assert.Equal(a.Hashes(), c.Hashes());
        // B got A's entries from A and relayed them to C, never back to A; C relayed nothing back to B.
        Assert.Equal(0, b.Sync.Peers().Single(p => p.NodeId == a.Id).EntriesSent);
        Assert.Equal(0, c.Sync.Peers().Single(p => p.NodeId == b.Id).EntriesSent);
        Assert.Equal(10 + count, b.Sync.Peers().Single(p => p.NodeId == c.Id).EntriesSent); // 10 by reconciliation, then each push once
    }

    [Fact]
    public async Task In_a_full_mesh_of_three_every_append_reaches_everyone()
    {
        var mesh = MeshKey.Generate();
        await using var a = await TestNode.StartAsync(mesh);
        await using var b = await TestNode.StartAsync(mesh);
        await using var c = await TestNode.StartAsync(mesh);
        b.Sync.AddPeer(a.Address);
        c.Sync.AddPeer(a.Address);
        c.Sync.AddPeer(b.Address);
        await Eventually.TrueAsync(() => a.Sync.Peers().Count == 2 && b.Sync.Peers().Count == 2 && c.Sync.Peers().Count == 2, Bound, "a full mesh");
        var appends = new List<Task>();
        for (var i = 0; i < 30; i++)
        {
            appends.Add(a.AppendAsync(i));
            appends.Add(b.AppendAsync(100 + i));
            appends.Add(c.AppendAsync(200 + i));
        }
        await Task.WhenAll(appends);
        await Eventually.TrueAsync(() => a.Log.DurableCount == 90 && b.Log.DurableCount == 90 && c.Log.DurableCount == 90, Bound, "90 entries everywhere");
        Assert.Equal(a.Hashes(), b.Hashes());
        Assert.Equal(a.Hashes(), c.Hashes());
    }

    private static bool Pulled(TestNode node, TestNode peer) => node.Sync.Peers().Any(p => p.NodeId == peer.Id && p.PullRoundsCompleted >= 1);
}

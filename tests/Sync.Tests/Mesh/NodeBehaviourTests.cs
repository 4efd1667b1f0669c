using System.Net;
using Datom.Log;
using Datom.Log.Identity;
using Datom.Log.Storage;
using Datom.Sync.Protocol;
using Datom.Sync.Tests.Support;
using Datom.Sync.Transport;
using Xunit;

namespace Datom.Sync.Tests.Mesh;

/// <summary>Reconnecting, one connection per pair, falling back to pulls, peer reports, peer addresses.</summary>
public sealed class NodeBehaviourTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    private static SyncNodeOptions Simulated(MemorySyncTransport network, EndPoint? listen = null) => new()
    {
        Transport = network,
        Listen = listen ?? new IPEndPoint(IPAddress.Loopback, 0),
        ReconnectBaseDelay = TimeSpan.FromMilliseconds(20),
        ReconnectMaxDelay = TimeSpan.FromMilliseconds(200),
    };

    [Fact]
    public async Task A_dialer_reconnects_after_the_peer_restarts_and_catches_up()
    {
        var network = new MemorySyncTransport();
        var mesh = MeshKey.Generate();
        var where = new IPEndPoint(IPAddress.Loopback, 7000);
        using var identityB = NodeIdentity.Generate();
        var storageB = new MemoryStorage();
        await using var a = await TestNode.StartAsync(mesh, Simulated(network));
        var b = await TestNode.StartAsync(mesh, Simulated(network, where), NodeIdentity.FromSeed(identityB.ExportSeed()), DatomLog.Open(storageB, identityB));
        a.Sync.AddPeer(new PeerAddress(where, identityB.Id));
        await Eventually.TrueAsync(() => a.Sync.Peers().Count == 1, Bound, "connected");
        await b.Sync.DisposeAsync();
        await Eventually.TrueAsync(() => a.Sync.Peers().Count == 0, Bound, "a notices b is gone");
        for (var i = 0; i < 5; i++)
            await a.AppendAsync(i);

        // B comes back at the same address (same identity, same log) while A keeps dialing with backoff.
        await using var again = await TestNode.StartAsync(mesh, Simulated(network, where), NodeIdentity.FromSeed(identityB.ExportSeed()), b.Log);
        await Eventually.TrueAsync(() => again.Log.DurableCount == 5, Bound, "b catches up after reconnecting");
        var target = a.Sync.Targets().Single();
        Assert.Equal(identityB.Id, target.NodeId);
        Assert.Equal(PeerTargetState.Connected, target.State);
    }

    [Fact]
    public async Task RetryNow_dials_at_once_an_address_waiting_out_a_long_backoff_and_forgets_its_failures()
    {
        var network = new MemorySyncTransport();
        var mesh = MeshKey.Generate();
        var where = new IPEndPoint(IPAddress.Loopback, 7001);
        // A backoff of six minutes at the least (a tenth of the base): only RetryNow can end it in time.
        await using var a = await TestNode.StartAsync(mesh, Simulated(network) with
        {
            ReconnectBaseDelay = TimeSpan.FromHours(1),
            ReconnectMaxDelay = TimeSpan.FromHours(1),
        });
        a.Sync.AddPeer(new PeerAddress(where));
        await Eventually.TrueAsync(() => a.Sync.Targets().Single() is { State: PeerTargetState.WaitingToRetry, FailedAttempts: 1 }, Bound, "the first dial fails: nothing listens there");
        Assert.Equal(0, a.Sync.RetryNow([new IPEndPoint(IPAddress.Loopback, 7002)])); // another address: nothing to wake

        await using var b = await TestNode.StartAsync(mesh, Simulated(network, where));
        Assert.Equal(1, a.Sync.RetryNow());
        await Eventually.TrueAsync(() => a.Sync.Peers().Count == 1, Bound, "connected long before the backoff ends");
        Assert.Equal(0, a.Sync.RetryNow()); // connected: not waiting, so not woken
        Assert.Equal(0, a.Sync.Targets().Single().FailedAttempts);
    }

    [Fact]
    public async Task Nodes_of_different_meshes_exchange_nothing_and_say_why()
    {
        var network = new MemorySyncTransport();
        await using var a = await TestNode.StartAsync(MeshKey.Generate(), Simulated(network));
        await using var b = await TestNode.StartAsync(MeshKey.Generate(), Simulated(network));
        await a.AppendAsync(1);
        await b.AppendAsync(2);
        b.Sync.AddPeer(a.Address);
        await Eventually.TrueAsync(() => a.Logger.Has(4203) && b.Logger.Has(4203), Bound, "both sides log the failed handshake");
        await Task.Delay(100);
        Assert.Contains(a.Logger.MessagesWith(4203), m => m.Contains("MeshKeyMismatch", StringComparison.Ordinal));
        Assert.Contains(b.Logger.MessagesWith(4203), m => m.Contains("HandshakeRejected", StringComparison.Ordinal));
        Assert.Empty(a.Sync.Peers());
        Assert.Empty(b.Sync.Peers());
        Assert.Equal(1, a.Log.Count);
        Assert.Equal(1, b.Log.Count);
        Assert.Equal(SyncError.HandshakeRejected, b.Sync.Targets().Single().LastError);
    }

    [Fact]
    public async Task Two_nodes_dialing_each_other_keep_exactly_one_connection()
    {
        var network = new MemorySyncTransport();
        var mesh = MeshKey.Generate();
        await using var a = await TestNode.StartAsync(mesh, Simulated(network));
        await using var b = await TestNode.StartAsync(mesh, Simulated(network));
        a.Sync.AddPeer(b.Address);
        b.Sync.AddPeer(a.Address);
        await Eventually.TrueAsync(() => a.Sync.Peers().Count == 1 && b.Sync.Peers().Count == 1, Bound, "connected");
        // It stays that way: the kept connection is the one dialed by the smaller node id, on both sides.
        for (var i = 0; i < 10; i++)
        {
            await Task.Delay(30);
            Assert.Single(a.Sync.Peers());
            Assert.Single(b.Sync.Peers());
        }
        var smaller = a.Id < b.Id ? a : b;
        Assert.Equal(PeerDirection.Outbound, smaller.Sync.Peers().Single().Direction);
        await a.AppendAsync(1);
        await Eventually.TrueAsync(() => b.Log.DurableCount == 1, Bound, "push over the kept connection");
    }

    [Fact]
    public async Task A_full_push_queue_falls_back_to_a_pull_and_nothing_is_lost()
    {
        var network = new MemorySyncTransport();
        var mesh = MeshKey.Generate();
        await using var a = await TestNode.StartAsync(mesh, Simulated(network) with { PushQueueCapacity = 4 });
        await using var b = await TestNode.StartAsync(mesh, Simulated(network));
        b.Sync.AddPeer(a.Address);
        await Eventually.TrueAsync(() => a.Sync.Peers().Any(p => p.RoundsServed > 0), Bound, "connected");
        var appends = Enumerable.Range(0, 300).Select(a.AppendAsync).ToList();
        await Task.WhenAll(appends);
        await Eventually.TrueAsync(() => b.Log.DurableCount == 300, Bound, "every entry reaches b");
        Assert.True(a.Logger.Has(4211), "overflow logged");
        // The pull that fetched what the overflow dropped stores its entries before its SyncDone is
        // handled: the round counts as completed a moment after the last entry is durable.
        await Eventually.TrueAsync(() => b.Sync.Peers().Single().PullRoundsCompleted >= 2, Bound, "b pulled again");
    }

    [Fact]
    public async Task Entries_near_the_size_cap_cross_many_noise_messages_both_by_pull_and_by_push()
    {
        var mesh = MeshKey.Generate();
        await using var a = await TestNode.StartAsync(mesh);
        await using var b = await TestNode.StartAsync(mesh);
        var blob = new byte[900_000];
        new Random(5).NextBytes(blob);
        // Fifteen values of 60,000 bytes: one value may hold at most 64 KiB (what an index key holds).
        Datom.Log.Model.LogDatom[] Big(int i) => [.. Enumerable.Range(0, 15).Select(k =>
            new Datom.Log.Model.LogDatom(new Datom.Log.Model.EntityId(8, (ulong)((i * 100) + k)), "test/blob", Datom.Log.Model.Value.Bytes(blob[(k * 60_000)..((k + 1) * 60_000)]), true))];
        for (var i = 0; i < 3; i++)
            await a.Log.AppendAsync(Big(i));
        b.Sync.AddPeer(a.Address);
        await Eventually.TrueAsync(() => b.Log.DurableCount == 3, Bound, "pulled");
        await a.Log.AppendAsync(Big(3));
        // Count includes an entry still being written; the durable entries are what Entries() lists.
        await Eventually.TrueAsync(() => b.Hashes().SetEquals(a.Hashes()) && b.Hashes().Count == 4, Bound, "pushed and durable");
        Assert.True(b.Sync.Peers().Single().BytesReceived > 4 * 900_000);
    }

    [Fact]
    public async Task Anti_entropy_pulls_run_periodically()
    {
        var network = new MemorySyncTransport();
        var mesh = MeshKey.Generate();
        await using var a = await TestNode.StartAsync(mesh, Simulated(network) with { AntiEntropyInterval = TimeSpan.FromMilliseconds(100) });
        await using var b = await TestNode.StartAsync(mesh, Simulated(network));
        b.Sync.AddPeer(a.Address);
        await Eventually.TrueAsync(() => a.Sync.Peers().Any(p => p.PullRoundsCompleted >= 4), Bound, "several periodic pulls");
    }

    [Fact]
    public async Task Peer_reports_say_who_is_connected_how_much_moved_and_how_far_behind_each_side_is()
    {
        var network = new MemorySyncTransport();
        var mesh = MeshKey.Generate();
        await using var a = await TestNode.StartAsync(mesh, Simulated(network));
        await using var b = await TestNode.StartAsync(mesh, Simulated(network));
        for (var i = 0; i < 12; i++)
            await a.AppendAsync(i);
        b.Sync.AddPeer(a.Address);
        await Eventually.TrueAsync(() => b.Log.DurableCount == 12 && b.Sync.Peers().Any(p => p.PullRoundsCompleted > 0) && a.Sync.Peers().Any(p => p.RoundsServed > 0), Bound, "synced");
        var fromA = a.Sync.Peers().Single();
        var fromB = b.Sync.Peers().Single();
        Assert.Equal(b.Id, fromA.NodeId);
        Assert.Equal(PeerDirection.Inbound, fromA.Direction);
        Assert.Equal(PeerDirection.Outbound, fromB.Direction);
        Assert.Equal(12, fromA.EntriesSent);
        Assert.Equal(12, fromB.EntriesReceived);
        Assert.Equal(12, fromB.EntriesStored);
        Assert.True(fromA.BytesSent > 12 * 100 && fromA.BytesSent == fromB.BytesReceived);
        Assert.Equal(0, fromA.EntriesTheyLack);
        Assert.Equal(0, fromB.EntriesWeLack);
        Assert.Equal("datom/1", fromB.Agent);
        Assert.True(fromB.ConnectedSince <= DateTimeOffset.UtcNow);
        Assert.NotNull(fromB.LastPullCompleted);
    }

    [Theory]
    [InlineData("127.0.0.1:7420", "127.0.0.1:7420", false)]
    [InlineData("[::1]:7420", "[::1]:7420", false)]
    [InlineData("node.example:7420", "node.example:7420", false)]
    [InlineData("  host:1  ", "host:1", false)]
    public void Peer_addresses_parse(string text, string endPoint, bool hasId)
    {
        var address = PeerAddress.Parse(text);
        Assert.Equal(endPoint, PeerAddress.Format(address.EndPoint));
        Assert.Equal(hasId, address.ExpectedId is not null);
    }

    [Fact]
    public void Peer_addresses_may_name_the_node_and_refuse_nonsense()
    {
        using var id = NodeIdentity.Generate();
        var address = PeerAddress.Parse($"{id.Id}@10.0.0.2:7420");
        Assert.Equal(id.Id, address.ExpectedId);
        Assert.Equal($"{id.Id}@10.0.0.2:7420", address.ToString());
        foreach (var bad in new[] { "", "host", "host:0", "host:70000", "host:port", "notanid@host:1", ":::1", "a:b:c" })
            Assert.False(PeerAddress.TryParse(bad, out _), bad);
    }
}

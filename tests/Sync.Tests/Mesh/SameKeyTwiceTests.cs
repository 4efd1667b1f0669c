using Datom.Log;
using Datom.Log.Identity;
using Datom.Log.Storage;
using Datom.Sync.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Datom.Sync.Tests.Mesh;

/// <summary>
/// Issue 13 item 6: the same key live on two machines at once (a data directory copied to a second
/// machine). A node used to keep one connection per node id, so the two copies' connections replaced
/// each other there, and one copy was often left with no peer. Now each running copy (instance) has
/// its own slot: both stay connected, and each gets the other's entries through the common peer.
/// </summary>
public sealed class SameKeyTwiceTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Two_machines_with_one_key_both_stay_connected_to_a_peer_and_each_gets_the_others_entries()
    {
        var mesh = MeshKey.Generate();
        var options = new SyncNodeOptions
        {
            HandshakeTimeout = TimeSpan.FromSeconds(3),
            ReconnectBaseDelay = TimeSpan.FromMilliseconds(50),
            ReconnectMaxDelay = TimeSpan.FromMilliseconds(500),
            // Pulls every 200 ms: many rounds in the test, so that a fight over a slot would show.
            AntiEntropyInterval = TimeSpan.FromMilliseconds(200),
        };
        await using var a = await TestNode.StartAsync(mesh, options);
        using var shared = NodeIdentity.Generate();
        using var copyIdentity = NodeIdentity.FromSeed(shared.ExportSeed());
        await using var x = await TestNode.StartAsync(mesh, options, identity: NodeIdentity.FromSeed(shared.ExportSeed()));
        await using var copy = await TestNode.StartAsync(mesh, options, identity: NodeIdentity.FromSeed(shared.ExportSeed()),
            log: DatomLog.Open(new MemoryStorage(), copyIdentity));
        x.Sync.AddPeer(a.Address);
        copy.Sync.AddPeer(a.Address);

        await Eventually.TrueAsync(() => a.Sync.Peers().Count(p => p.NodeId == x.Id) == 2, Bound, "A connected to both copies");
        var first = a.Sync.Peers().Where(p => p.NodeId == x.Id).Select(p => p.ConnectedSince).Order().ToList();

        // Both copies write at sequence number 1: a fork, which A records and relays both ways.
        var fromX = await x.AppendAsync(1);
        var fromCopy = await copy.AppendAsync(2);
        await Eventually.TrueAsync(() => x.Log.Contains(fromCopy.Hash) && copy.Log.Contains(fromX.Hash), Bound,
            "each copy holds the other's entry, through A");
        // Many pull rounds later, the same two connections: neither replaced the other.
        await Eventually.TrueAsync(() => a.Sync.Peers().Where(p => p.NodeId == x.Id).All(p => p.PullRoundsCompleted >= 5), Bound,
            "five pull rounds on each connection");
        var peers = a.Sync.Peers().Where(p => p.NodeId == x.Id).ToList();
        output.WriteLine(string.Join("\n", peers.Select(p => $"{p.RemoteEndPoint} since {p.ConnectedSince:O}: {p.PullRoundsCompleted} pulls")));
        Assert.Equal(first, peers.Select(p => p.ConnectedSince).Order().ToList());
        Assert.Single(x.Sync.Peers());
        Assert.Single(copy.Sync.Peers());
        Assert.False(a.Logger.Has(4218), "no connection closed as a duplicate");
        Assert.Single(a.Log.Forks());
    }
}

using System.Net;
using Datom.Log;
using Datom.Log.Entries;
using Datom.Log.Identity;
using Datom.Log.Model;
using Datom.Log.Segments;
using Datom.Log.Storage;
using Datom.Sync.Tests.Support;
using Datom.Sync.Transport;
using FsCheck.Xunit;
using Xunit;
using Xunit.Abstractions;

namespace Datom.Sync.Tests.Mesh;

public sealed class ReconciliationTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private static SyncNodeOptions Simulated(MemorySyncTransport network) => new()
    {
        Transport = network,
        Listen = new IPEndPoint(IPAddress.Loopback, 0),
        ReconnectBaseDelay = TimeSpan.FromMilliseconds(20),
        ReconnectMaxDelay = TimeSpan.FromMilliseconds(200),
    };

    private static bool PulledFrom(TestNode node, TestNode peer) => node.Sync.Peers().Any(p => p.NodeId == peer.Id && p.PullRoundsCompleted >= 1);

    private static async Task BothPulledAsync(TestNode a, TestNode b) =>
        await Eventually.TrueAsync(() => PulledFrom(a, b) && PulledFrom(b, a), Bound, "both nodes finished a pull from the other");

    [Property(Arbitrary = new[] { typeof(Generators) }, MaxTest = 40)]
    public void Random_pairs_of_logs_end_identical_after_a_sync(History history) => SyncPairAsync(history).GetAwaiter().GetResult();

    private static async Task SyncPairAsync(History history)
    {
        var (all, holdsA, holdsB) = history.Build();
        var network = new MemorySyncTransport();
        var mesh = MeshKey.Generate();
        await using var a = await TestNode.StartAsync(mesh, Simulated(network));
        await using var b = await TestNode.StartAsync(mesh, Simulated(network));
        foreach (var e in all)
        {
            if (holdsA.Contains(e.Hash))
                await a.Log.IngestAsync(e);
            if (holdsB.Contains(e.Hash))
                await b.Log.IngestAsync(e);
        }
        b.Sync.AddPeer(a.Address);
        await BothPulledAsync(a, b);

        var union = holdsA.Union(holdsB).ToHashSet();
        Assert.Equal(union, a.Hashes());
        Assert.Equal(union, b.Hashes());
        // Nothing was sent that the other side already held, except across forks (where the excess is bounded).
        var forked = all.GroupBy(e => (e.Author, e.Seq)).Any(g => g.Count() > 1);
        var sentByA = a.Sync.Peers().Single().EntriesSent;
        var sentByB = b.Sync.Peers().Single().EntriesSent;
        if (!forked)
        {
            Assert.Equal(holdsA.Except(holdsB).Count(), sentByA);
            Assert.Equal(holdsB.Except(holdsA).Count(), sentByB);
        }
    }

    [Fact]
    public async Task Forked_branches_on_each_side_are_exchanged_with_less_excess_than_the_branch_length()
    {
        using var x = NodeIdentity.Generate();
        var prefix = Chain(x, null, 1, 20);
        var p = Chain(x, prefix[^1], 21, 30, clock: 100);  // held by A only
        var q = Chain(x, prefix[^1], 21, 24, clock: 200);  // held by B only: a fork at 21
        var network = new MemorySyncTransport();
        var mesh = MeshKey.Generate();
        await using var a = await TestNode.StartAsync(mesh, Simulated(network));
        await using var b = await TestNode.StartAsync(mesh, Simulated(network));
        foreach (var e in prefix.Concat(p))
            await a.Log.IngestAsync(e);
        foreach (var e in prefix.Concat(q))
            await b.Log.IngestAsync(e);
        b.Sync.AddPeer(a.Address);
        await BothPulledAsync(a, b);

        Assert.Equal(a.Hashes(), b.Hashes());
        Assert.Equal(prefix.Count + p.Count + q.Count, a.Log.Count);
        Assert.True(a.Log.Forks().Count > 0 && b.Log.Forks().Count > 0);
        var sentByA = a.Sync.Peers().Single().EntriesSent;
        var sentByB = b.Sync.Peers().Single().EntriesSent;
        output.WriteLine($"A sent {sentByA} (branch {p.Count}), B sent {sentByB} (branch {q.Count})");
        Assert.InRange(sentByA, p.Count, (2 * p.Count) - 1);
        Assert.InRange(sentByB, q.Count, (2 * q.Count) - 1);
    }

    [Fact]
    public async Task A_node_that_is_ahead_sends_only_what_the_other_lacks_and_needs_no_entries_back()
    {
        var network = new MemorySyncTransport();
        var mesh = MeshKey.Generate();
        await using var a = await TestNode.StartAsync(mesh, Simulated(network));
        await using var b = await TestNode.StartAsync(mesh, Simulated(network));
        var entries = new List<Entry>();
        for (var i = 0; i < 40; i++)
            entries.Add(await a.AppendAsync(i));
        foreach (var e in entries.Take(25))
            await b.Log.IngestAsync(e);
        b.Sync.AddPeer(a.Address);
        await BothPulledAsync(a, b);
        Assert.Equal(a.Hashes(), b.Hashes());
        Assert.Equal(15, a.Sync.Peers().Single().EntriesSent);
        Assert.Equal(0, b.Sync.Peers().Single().EntriesSent);
    }

    /// <summary>
    /// The cost of reconciling follows the difference: two nodes sharing 50,000 entries that differ by
    /// 5 exchange a few KiB (handshake included), and by 200, proportionally more.
    /// </summary>
    [Fact]
    public async Task Bytes_exchanged_grow_with_the_difference_not_with_the_log()
    {
        var root = Path.Combine(Path.GetTempPath(), "datom-sync-test-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            using var author = NodeIdentity.Generate();
            var fast = new LogOptions { Segments = new SegmentStoreOptions { Fsync = FsyncPolicy.Never } };
            using (var log = DatomLog.Open(new FileStorage(Path.Combine(root, "base")), author, fast))
            {
                var window = new Queue<Task>();
                for (var i = 0; i < 50_000; i++)
                {
                    window.Enqueue(log.BeginAppend(TestNode.Tx(i), log.NewEntityId()).Durable);
                    if (window.Count > 1000)
                        await window.Dequeue();
                }
                while (window.Count > 0)
                    await window.Dequeue();
            }
            var small = await ReconcileCopiesAsync(root, author, fast, ownA: 3, ownB: 2);
            var large = await ReconcileCopiesAsync(root, author, fast, ownA: 100, ownB: 100);
            output.WriteLine($"50,000 shared, 5 differing: {small:N0} bytes both ways; 200 differing: {large:N0} bytes");
            Assert.True(small < 8 << 10, $"{small} bytes for a difference of 5");
            Assert.True(large > small + (195 * 100), $"{large} bytes for a difference of 200 vs {small} for 5");
            Assert.True(large < small + (195 * 400), $"{large} bytes for a difference of 200 vs {small} for 5");
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static async Task<long> ReconcileCopiesAsync(string root, NodeIdentity author, LogOptions options, int ownA, int ownB)
    {
        var name = Guid.NewGuid().ToString("N")[..6];
        foreach (var copy in new[] { "a", "b" })
        {
            var to = Path.Combine(root, name + copy);
            Directory.CreateDirectory(to);
            foreach (var file in Directory.GetFiles(Path.Combine(root, "base")))
                File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }
        using var other = NodeIdentity.Generate();
        var logA = DatomLog.Open(new FileStorage(Path.Combine(root, name + "a")), author, options);
        var logB = DatomLog.Open(new FileStorage(Path.Combine(root, name + "b")), other, options);
        var mesh = MeshKey.Generate();
        await using var a = await TestNode.StartAsync(mesh, identity: NodeIdentity.FromSeed(author.ExportSeed()), log: logA);
        await using var b = await TestNode.StartAsync(mesh, identity: NodeIdentity.FromSeed(other.ExportSeed()), log: logB);
        for (var i = 0; i < ownA; i++)
            await a.AppendAsync(100_000 + i);
        for (var i = 0; i < ownB; i++)
            await b.AppendAsync(200_000 + i);
        b.Sync.AddPeer(a.Address);
        await BothPulledAsync(a, b);
        Assert.Equal(50_000 + ownA + ownB, a.Log.Count);
        Assert.Equal(a.Log.Count, b.Log.Count);
        var peer = b.Sync.Peers().Single();
        return peer.BytesSent + peer.BytesReceived;
    }

    /// <summary>Entries seq <paramref name="from"/>..<paramref name="to"/> of one author, each naming the previous.</summary>
    private static List<Entry> Chain(NodeIdentity author, Entry? parent, int from, int to, ulong clock = 0)
    {
        var chain = new List<Entry>();
        for (var seq = from; seq <= to; seq++)
        {
            var parents = parent is null ? Array.Empty<EntryHash>() : [parent.Hash];
            parent = Entry.Create(author, (ulong)seq, new EntityId(5, (clock * 1000) + (ulong)seq), new HlcTimestamp((1000 + clock + (ulong)seq) << 16), parents, TestNode.Tx(seq));
            chain.Add(parent);
        }
        return chain;
    }
}

public sealed class HistoryGeneratorTests
{
    [Fact]
    public void The_history_generator_covers_forks_merges_overlapping_and_disjoint_logs()
    {
        int forks = 0, merges = 0, overlapping = 0, disjoint = 0, differing = 0;
        foreach (var history in FsCheck.Fluent.Gen.Sample(Generators.Histories().Generator, 150))
        {
            var (all, a, b) = history.Build();
            if (all.GroupBy(e => (e.Author, e.Seq)).Any(g => g.Count() > 1))
                forks++;
            if (all.Any(e => e.Parents.Count(p => all.First(o => o.Hash == p).Author == e.Author) > 1))
                merges++;
            if (a.Overlaps(b) && !a.SetEquals(b))
                overlapping++;
            if (a.Count > 0 && b.Count > 0 && !a.Overlaps(b))
                disjoint++;
            if (!a.SetEquals(b))
                differing++;
        }
        Console.WriteLine($"forks {forks}, merges {merges}, overlapping {overlapping}, disjoint {disjoint}, differing {differing}");
        Assert.True(forks >= 10, $"forks in {forks} of 150");
        Assert.True(merges >= 3, $"merges in {merges} of 150");
        Assert.True(overlapping >= 10, $"overlapping in {overlapping} of 150");
        Assert.True(disjoint >= 8, $"disjoint in {disjoint} of 150");
        Assert.True(differing >= 50, $"differing in {differing} of 150");
    }
}

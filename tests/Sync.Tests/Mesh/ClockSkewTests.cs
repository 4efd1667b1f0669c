using Datom.Log;
using Datom.Log.Identity;
using Datom.Log.Model;
using Datom.Sync.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Datom.Sync.Tests.Mesh;

/// <summary>
/// Issue 13 item 2 on real connections: a node whose wall clock is a year ahead or a day behind
/// syncs with two others, each writing on top of what it has seen; everything converges, no entry is
/// refused, nobody is banned, and the skew shows in <see cref="SyncNode.Peers"/> and a log warning.
/// </summary>
public sealed class ClockSkewTests(ITestOutputHelper output)
{
    /// <summary>The system clock moved by a fixed amount; timers and timestamps stay the system's.</summary>
    private sealed class SkewedTime(TimeSpan skew) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + skew;
    }

    private sealed class SkewedClock(TimeSpan skew) : IClock
    {
        public long UnixMilliseconds => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + (long)skew.TotalMilliseconds;
    }

    public static TheoryData<int> SkewsInHours => new() { 365 * 24, -24 };

    [Theory]
    [MemberData(nameof(SkewsInHours))]
    public async Task A_node_with_a_skewed_clock_converges_with_the_others_and_nobody_is_refused_or_banned(int skewHours)
    {
        var skew = TimeSpan.FromHours(skewHours);
        var mesh = MeshKey.Generate();
        var options = new SyncNodeOptions
        {
            HandshakeTimeout = TimeSpan.FromSeconds(3),
            ReconnectBaseDelay = TimeSpan.FromMilliseconds(50),
            ReconnectMaxDelay = TimeSpan.FromMilliseconds(500),
        };
        await using var a = await TestNode.StartAsync(mesh, options);
        await using var c = await TestNode.StartAsync(mesh, options);
        await using var b = await TestNode.StartAsync(mesh, options with { Time = new SkewedTime(skew) },
            logOptions: new LogOptions { Clock = new SkewedClock(skew) });
        b.Sync.AddPeer(a.Address);
        c.Sync.AddPeer(a.Address);
        TestNode[] all = [a, b, c];
        try
        {
            var n = 0;
            for (var round = 0; round < 5; round++)
            {
                // Every node writes; once all hold everything, each next entry links the others' heads.
                foreach (var node in all)
                    await node.AppendAsync(n++);
                var expected = n;
                await Eventually.TrueAsync(() => all.All(x => x.Log.DurableCount == expected), TimeSpan.FromSeconds(20),
                    $"round {round}: every node holds {expected} entries");
            }
            Assert.Equal(a.Hashes(), b.Hashes());
            Assert.Equal(a.Hashes(), c.Hashes());
            // Every entry names parents stamped before it, on every node.
            foreach (var e in a.Log.Entries())
                Assert.All(e.Parents, p => Assert.True(a.Log.Get(p)!.Time < e.Time));

            var bSeenByA = Assert.Single(a.Sync.Peers(), p => p.NodeId == b.Id);
            var aSeenByB = Assert.Single(b.Sync.Peers(), p => p.NodeId == a.Id);
            var tolerance = TimeSpan.FromSeconds(30);
            Assert.InRange(bSeenByA.ClockOffset!.Value, skew - tolerance, skew + tolerance);
            Assert.InRange(aSeenByB.ClockOffset!.Value, -skew - tolerance, -skew + tolerance);
            Assert.Contains(a.Logger.MessagesWith(4221), m => m.Contains(b.Id.ToString(), StringComparison.Ordinal));
            Assert.Contains(b.Logger.MessagesWith(4221), m => m.Contains(a.Id.ToString(), StringComparison.Ordinal));
            // Peers whose clocks agree are not warned about.
            Assert.DoesNotContain(a.Logger.MessagesWith(4221), m => m.Contains(c.Id.ToString(), StringComparison.Ordinal));
            foreach (var node in all)
            {
                Assert.False(node.Logger.Has(4204), "nobody misbehaved: " + string.Join("; ", node.Logger.MessagesWith(4204)));
                Assert.False(node.Logger.Has(4205), "no entry refused: " + string.Join("; ", node.Logger.MessagesWith(4205)));
                Assert.False(node.Logger.Has(4217), "no entry not accepted: " + string.Join("; ", node.Logger.MessagesWith(4217)));
                Assert.False(node.Logger.Has(4216), "nobody refused as banned");
            }
        }
        finally
        {
            foreach (var node in all)
            {
                output.WriteLine($"--- {node.Id}");
                output.WriteLine(node.Logger.Dump());
            }
        }
    }
}

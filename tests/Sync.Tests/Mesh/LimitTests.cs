using System.Diagnostics;
using Datom.Log.Entries;
using Datom.Log.Identity;
using Datom.Log.Model;
using Datom.Sync.Protocol;
using Datom.Sync.Tests.Support;
using Datom.Sync.Transport;
using Xunit;
using Xunit.Abstractions;

namespace Datom.Sync.Tests.Mesh;

/// <summary>Connection limits, handshake deadlines, and the per-peer entry rate, over TCP loopback.</summary>
public sealed class LimitTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    private static SyncNodeOptions Options => new()
    {
        HandshakeTimeout = TimeSpan.FromMilliseconds(400),
        ReconnectBaseDelay = TimeSpan.FromMilliseconds(50),
        ReconnectMaxDelay = TimeSpan.FromMilliseconds(300),
    };

    [Fact]
    public async Task A_flood_of_connections_from_one_address_is_cut_to_the_per_address_limit()
    {
        var mesh = MeshKey.Generate();
        await using var n = await TestNode.StartAsync(mesh, Options with { MaxConnectionsPerAddress = 4, HandshakeFailuresBeforeBan = 0, HandshakeTimeout = TimeSpan.FromSeconds(4) });
        var flood = new List<RawPeer>();
        try
        {
            for (var i = 0; i < 30; i++)
                flood.Add(await RawPeer.ConnectAsync(TcpSyncTransport.Instance, n.EndPoint));
            // The node's preamble is the first thing an admitted connection gets; refused ones just close.
            var closedAtOnce = await Task.WhenAll(flood.Select(p => p.ClosedWithinAsync(TimeSpan.FromSeconds(1))));
            var admitted = closedAtOnce.Count(c => !c);
            output.WriteLine($"{admitted} of 30 admitted; {n.Logger.MessagesWith(4207).Count()} refusals logged");
            Assert.Equal(4, admitted);
            Assert.True(n.Logger.MessagesWith(4207).Count() >= 26);
            Assert.Contains(n.Logger.MessagesWith(4207), m => m.Contains("from this address", StringComparison.Ordinal));
            // The admitted four never finish their handshake: the deadline drops them too.
            Assert.All(await Task.WhenAll(flood.Select(p => p.ClosedWithinAsync(Bound))), Assert.True);
        }
        finally
        {
            foreach (var p in flood)
                await p.DisposeAsync();
        }

        // With the flood gone, an honest node gets in.
        await using var honest = await TestNode.StartAsync(mesh, Options);
        honest.Sync.AddPeer(n.Address);
        await Eventually.TrueAsync(() => n.Sync.Peers().Any(p => p.NodeId == honest.Id), Bound, "the honest node connected");
    }

    [Fact]
    public async Task The_overall_connection_limit_holds()
    {
        var mesh = MeshKey.Generate();
        await using var n = await TestNode.StartAsync(mesh, Options with { MaxConnections = 2, HandshakeTimeout = TimeSpan.FromSeconds(5) });
        await using var a = await TestNode.StartAsync(mesh, Options);
        await using var b = await TestNode.StartAsync(mesh, Options);
        await using var c = await TestNode.StartAsync(mesh, Options);
        a.Sync.AddPeer(n.Address);
        b.Sync.AddPeer(n.Address);
        await Eventually.TrueAsync(() => n.Sync.Peers().Count == 2, Bound, "two peers connected");
        c.Sync.AddPeer(n.Address);
        await Eventually.TrueAsync(() => n.Logger.MessagesWith(4207).Any(m => m.Contains("connections already", StringComparison.Ordinal)), Bound, "the third refused");
        Assert.Equal(2, n.Sync.Peers().Count);
        Assert.Empty(c.Sync.Peers());
        await Eventually.TrueAsync(() => c.Sync.Targets().Single().FailedAttempts >= 1, Bound, "the third keeps retrying");
    }

    [Fact]
    public async Task A_slow_loris_that_never_finishes_its_handshake_is_dropped_at_the_deadline()
    {
        var mesh = MeshKey.Generate();
        await using var n = await TestNode.StartAsync(mesh, Options);
        await using var loris = await RawPeer.ConnectAsync(TcpSyncTransport.Instance, n.EndPoint);
        var sw = Stopwatch.StartNew();
        await loris.SendAsync(Preamble.Current.ToBytes());
        await loris.SendAsync(new byte[] { 0, 48, 1 }); // a third of a byte of message 1, then a drip
        await Task.Delay(100);
        await loris.SendAsync(new byte[] { 2 });
        Assert.True(await loris.ClosedWithinAsync(Bound));
        output.WriteLine($"dropped after {sw.ElapsedMilliseconds} ms (deadline 400 ms)");
        Assert.InRange(sw.Elapsed, TimeSpan.FromMilliseconds(300), SpeedTarget.Bound(TimeSpan.FromSeconds(5)));
        Assert.Contains(n.Logger.MessagesWith(4203), m => m.Contains("HandshakeTimeout", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_peer_that_goes_silent_after_the_handshake_is_dropped_at_the_idle_timeout()
    {
        var mesh = MeshKey.Generate();
        await using var n = await TestNode.StartAsync(mesh, Options with { PingInterval = TimeSpan.FromMilliseconds(100), IdleTimeout = TimeSpan.FromMilliseconds(400) });
        using var mute = NodeIdentity.Generate();
        using var muteSync = SyncIdentity.Create(mute);
        await using var peer = await RawPeer.ConnectAsync(TcpSyncTransport.Instance, n.EndPoint);
        var (transport, _) = await peer.InitiateAsync(mesh.Bytes.ToArray(), muteSync.StaticKey, muteSync.Hello(FrameLimits.Default, "mute"));
        var sw = Stopwatch.StartNew();
        var received = await peer.ReceiveAsync(transport, m => m is GoodbyeMessage, Bound);
        Assert.True(await peer.ClosedWithinAsync(Bound));
        output.WriteLine($"dropped after {sw.ElapsedMilliseconds} ms; it was sent {string.Join(", ", received.Select(m => m.Type))}");
        Assert.Equal(SyncError.IdleTimeout, received.OfType<GoodbyeMessage>().Single().Error);
        Assert.Contains(received, m => m is PingMessage);
        Assert.InRange(sw.Elapsed, TimeSpan.FromMilliseconds(300), SpeedTarget.Bound(TimeSpan.FromSeconds(10)));
        transport.Dispose();
    }

    [Fact]
    public async Task Repeated_failed_handshakes_get_an_address_refused_for_a_while()
    {
        var mesh = MeshKey.Generate();
        await using var n = await TestNode.StartAsync(mesh, Options with { HandshakeFailuresBeforeBan = 3, BanDuration = TimeSpan.FromMinutes(5) });
        for (var i = 0; i < 3; i++)
        {
            await using var stranger = await RawPeer.ConnectAsync(TcpSyncTransport.Instance, n.EndPoint);
            await stranger.SendAsync("NOT A DATOM NODE"u8.ToArray());
            Assert.True(await stranger.ClosedWithinAsync(Bound));
        }
        await Eventually.TrueAsync(() => n.Logger.Has(4206), Bound, "the address banned");
        await using var late = await RawPeer.ConnectAsync(TcpSyncTransport.Instance, n.EndPoint);
        Assert.True(await late.ClosedWithinAsync(Bound));
        Assert.Empty(late.Received); // refused before the preamble
    }

    [Fact]
    public async Task A_peer_sending_faster_than_its_rate_is_throttled_not_dropped()
    {
        var mesh = MeshKey.Generate();
        await using var n = await TestNode.StartAsync(mesh, Options with { MaxEntriesPerSecond = 400, EntryBurst = 100 });
        await using var fast = await TestNode.StartAsync(mesh, Options);
        fast.Sync.AddPeer(n.Address);
        await Eventually.TrueAsync(() => n.Sync.Peers().Any(p => p.PullRoundsCompleted > 0), Bound, "connected");
        var sw = Stopwatch.StartNew();
        var appends = Enumerable.Range(0, 500).Select(fast.AppendAsync).ToList();
        await Task.WhenAll(appends);
        await Eventually.TrueAsync(() => n.Log.DurableCount == 500, Bound, "all 500 entries arrive");
        output.WriteLine($"500 entries at 400/s with a burst of 100 took {sw.ElapsedMilliseconds} ms");
        Assert.True(sw.Elapsed >= TimeSpan.FromMilliseconds(700), $"{sw.ElapsedMilliseconds} ms: not throttled");
        // The time bound is the throttle; whether the limiter ever had to wait (and logged 4210)
        // depends on how fast this machine appends, so it is not asserted.
        Assert.Contains(n.Sync.Peers(), p => p.NodeId == fast.Id);
    }

    [Fact]
    public void The_token_bucket_lets_a_burst_through_then_paces_at_the_rate()
    {
        var time = new ManualTime();
        var bucket = new TokenBucket(100, 50, time);
        Assert.Equal(TimeSpan.Zero, bucket.Take(50));
        Assert.Equal(TimeSpan.FromMilliseconds(100), bucket.Take(10));
        time.Advance(TimeSpan.FromMilliseconds(100));
        Assert.Equal(TimeSpan.Zero, bucket.Take(0));
        time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(TimeSpan.Zero, bucket.Take(50)); // refills only up to the burst
        Assert.True(bucket.Take(1) > TimeSpan.Zero);
        Assert.Equal(TimeSpan.Zero, new TokenBucket(0, 1, time).Take(1_000_000));
    }

    [Fact]
    public void Backoff_grows_exponentially_with_full_jitter_and_stays_within_the_cap()
    {
        var baseDelay = TimeSpan.FromMilliseconds(100);
        var max = TimeSpan.FromSeconds(5);
        for (var attempt = 0; attempt < 40; attempt++)
        {
            var ceiling = Math.Min(max.TotalMilliseconds, baseDelay.TotalMilliseconds * Math.Pow(2, attempt));
            var delays = Enumerable.Range(0, 50).Select(_ => Backoff.Delay(attempt, baseDelay, max).TotalMilliseconds).ToList();
            Assert.All(delays, d => Assert.InRange(d, 10, ceiling));
            if (attempt >= 3)
                Assert.True(delays.Distinct().Count() > 10, "jittered");
        }
    }

    private sealed class ManualTime : TimeProvider
    {
        private long _ticks = 1_000_000;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _ticks;

        public void Advance(TimeSpan by) => _ticks += by.Ticks;
    }

}

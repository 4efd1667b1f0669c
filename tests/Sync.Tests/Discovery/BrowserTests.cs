using System.Net;
using ARSoft.Tools.Net.Dns;
using Datom.Sync.Discovery;
using Xunit;
using static Datom.Sync.Tests.Discovery.MdnsTestPackets;

namespace Datom.Sync.Tests.Discovery;

public sealed class BrowserTests
{
    private static readonly Datom.Log.Identity.NodeId IdA = MdnsSim.NodeIdFrom(1);
    private static readonly Datom.Log.Identity.NodeId IdB = MdnsSim.NodeIdFrom(2);
    private const string Mesh = "00aa11bb22cc33dd";

    private sealed class Events
    {
        public List<DiscoveredPeer> Discovered { get; } = [];

        public List<DiscoveredPeer> Updated { get; } = [];

        public List<(DiscoveredPeer Peer, TimeSpan At)> Lost { get; } = [];

        public static Events Watch(MdnsSim sim, MdnsBrowser browser)
        {
            var e = new Events();
            browser.PeerDiscovered += (_, a) => e.Discovered.Add(a.Peer);
            browser.PeerUpdated += (_, a) => e.Updated.Add(a.Peer);
            browser.PeerLost += (_, a) => e.Lost.Add((a.Peer, sim.Time.Elapsed));
            return e;
        }
    }

    [Fact]
    public async Task Discovers_a_responder_with_its_id_mesh_version_port_and_address()
    {
        await using var sim = new MdnsSim();
        var browser = sim.AddBrowser("b", "10.0.0.2", new MdnsBrowserOptions { ExpectedMeshId = Mesh });
        var events = Events.Watch(sim, browser.Browser!);
        sim.AddResponder("a", "10.0.0.1", IdA, port: 7070, mesh: Mesh);
        await sim.RunAsync(2);

        var peer = Assert.Single(browser.Browser!.Peers);
        Assert.Equal(IdA, peer.NodeId);
        Assert.Equal(IdA.ToString(), peer.InstanceName);
        Assert.Equal(Mesh, peer.MeshId);
        Assert.Equal("1", peer.ProtocolVersion);
        Assert.Equal(7070, peer.Port);
        Assert.Equal([IPAddress.Parse("10.0.0.1")], peer.Addresses);
        Assert.True(peer.IsCompatible);
        Assert.Equal(IdA, Assert.Single(events.Discovered).NodeId);
        Assert.InRange(peer.LastSeen, sim.Time.GetUtcNow() - TimeSpan.FromSeconds(2), sim.Time.GetUtcNow());
        Assert.True(peer.FirstSeen <= peer.LastSeen);
    }

    [Fact]
    public async Task A_browser_started_after_the_responder_finds_it_by_querying()
    {
        await using var sim = new MdnsSim();
        sim.AddResponder("a", "10.0.0.1", IdA);
        await sim.RunAsync(10);
        var browser = sim.AddBrowser("b", "10.0.0.2");
        await sim.RunAsync(0.5);
        Assert.Equal(IdA, Assert.Single(browser.Browser!.Peers).NodeId);
    }

    [Fact]
    public async Task Queries_back_off_from_one_second_doubling_up_to_the_cap()
    {
        await using var sim = new MdnsSim();
        var browser = sim.AddBrowser("b", "10.0.0.2", new MdnsBrowserOptions { MaxQueryInterval = TimeSpan.FromSeconds(8) });
        await sim.RunAsync(TimeSpan.FromSeconds(40), TimeSpan.FromMilliseconds(50));

        var times = sim.Decoded().Where(p => p.Message.IsQuery).Select(p => p.Packet.At).ToList();
        Assert.InRange(times[0], TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(150));
        var gaps = times.Zip(times.Skip(1), (x, y) => Math.Round((y - x).TotalSeconds, 1)).ToList();
        Assert.Equal([1, 2, 4, 8, 8, 8], gaps.Take(6));
        Assert.All(sim.Decoded().Where(p => p.Message.IsQuery), p =>
            Assert.Equal(RecordType.Ptr, Assert.Single(p.Message.Questions).RecordType));
    }

    [Fact]
    public async Task Later_queries_list_known_answers_so_the_responder_stays_quiet()
    {
        await using var sim = new MdnsSim();
        var responder = sim.AddResponder("a", "10.0.0.1", IdA);
        await sim.RunAsync(3);
        var browser = sim.AddBrowser("b", "10.0.0.2");
        await sim.RunAsync(0.5);
        sim.Network.ClearTraffic();
        await sim.RunAsync(5);

        var queries = sim.Decoded().Where(p => p.Message.IsQuery && p.Packet.From == "b").ToList();
        Assert.NotEmpty(queries);
        Assert.All(queries, q => Assert.Contains(q.Message.AnswerRecords, r => r is PtrRecord p && p.PointerDomainName.Equals(Name(Instance(responder)))));
        Assert.Empty(ResponsesFrom(sim, responder, 0));
    }

    [Fact]
    public async Task A_goodbye_removes_the_peer_one_second_later()
    {
        await using var sim = new MdnsSim();
        var browser = sim.AddBrowser("b", "10.0.0.2");
        var events = Events.Watch(sim, browser.Browser!);
        var responder = sim.AddResponder("a", "10.0.0.1", IdA);
        await sim.RunAsync(3);
        Assert.Single(browser.Browser!.Peers);

        var stoppedAt = sim.Time.Elapsed;
        await responder.Responder!.StopAsync();
        await sim.RunAsync(0.9);
        Assert.Single(browser.Browser.Peers);
        await sim.RunAsync(0.2);
        Assert.Empty(browser.Browser.Peers);
        var (lost, at) = Assert.Single(events.Lost);
        Assert.Equal(IdA, lost.NodeId);
        Assert.InRange(at - stoppedAt, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1.1));
    }

    [Fact]
    public async Task A_silent_peer_is_asked_again_at_80_to_95_percent_of_the_TTL_and_dropped_when_it_expires()
    {
        await using var sim = new MdnsSim();
        var browser = sim.AddBrowser("b", "10.0.0.2", new MdnsBrowserOptions { MaxQueryInterval = TimeSpan.FromHours(1) });
        var events = Events.Watch(sim, browser.Browser!);
        var responder = sim.AddResponder("a", "10.0.0.1", IdA);
        await sim.RunAsync(3);
        Assert.Single(browser.Browser!.Peers);
        var announcedAt = sim.Decoded().Last(p => p.Packet.From == "a" && !p.Message.IsQuery).Packet.At;

        // The node vanishes without a goodbye (power cut): its transport is gone.
        await responder.Transport.DisposeAsync();
        sim.Network.ClearTraffic();
        await sim.RunAsync(TimeSpan.FromSeconds(125), TimeSpan.FromMilliseconds(250));

        // SRV and A have TTL 120 s: refresh questions for them at 96-98, 102-104, 108-110, 114-116 s.
        var srvRefreshes = sim.Decoded()
            .Where(p => p.Message.IsQuery && p.Message.Questions.Any(q => q.RecordType == RecordType.Srv))
            .Select(p => (p.Packet.At - announcedAt).TotalSeconds)
            .Where(t => t < 119.9) // after expiry the browser asks again to re-resolve; that is not a refresh
            .ToList();
        Assert.Equal(4, srvRefreshes.Count);
        Assert.InRange(srvRefreshes[0], 95.9, 98.5);
        Assert.InRange(srvRefreshes[3], 113.9, 116.5);
        Assert.Empty(browser.Browser.Peers);
        var (_, lostAt) = Assert.Single(events.Lost);
        Assert.InRange((lostAt - announcedAt).TotalSeconds, 119.9, 120.6);
    }

    [Fact]
    public async Task A_live_peer_answers_the_refresh_queries_and_stays()
    {
        await using var sim = new MdnsSim();
        var browser = sim.AddBrowser("b", "10.0.0.2");
        var events = Events.Watch(sim, browser.Browser!);
        sim.AddResponder("a", "10.0.0.1", IdA);
        await sim.RunAsync(TimeSpan.FromSeconds(400), TimeSpan.FromMilliseconds(250));

        Assert.Single(browser.Browser!.Peers);
        Assert.Empty(events.Lost);
        Assert.Single(events.Discovered);
        Assert.InRange(browser.Browser.Peers[0].LastSeen, sim.Time.GetUtcNow() - TimeSpan.FromSeconds(30), sim.Time.GetUtcNow());
    }

    [Fact]
    public async Task Peers_of_another_mesh_or_version_are_reported_but_flagged()
    {
        await using var sim = new MdnsSim();
        var browser = sim.AddBrowser("b", "10.0.0.9", new MdnsBrowserOptions { ExpectedMeshId = Mesh });
        sim.AddResponder("a", "10.0.0.1", IdA, mesh: "ffffffffffffffff");
        var other = sim.AddHost("c", "10.0.0.3");
        var c = new MdnsResponder(other.Endpoint, new DatomServiceProfile(IdB, Mesh, 7070, "2"));
        c.Start();
        await sim.RunAsync(3);

        var peers = browser.Browser!.Peers.ToDictionary(p => p.NodeId);
        Assert.Equal(PeerMismatch.OtherMesh, peers[IdA].Mismatch);
        Assert.Equal(PeerMismatch.OtherVersion, peers[IdB].Mismatch);
        Assert.Equal("2", peers[IdB].ProtocolVersion);
        Assert.False(peers[IdA].IsCompatible);
        await c.StopAsync();
    }

    [Fact]
    public async Task Its_own_node_can_be_left_out()
    {
        await using var sim = new MdnsSim();
        var node = sim.AddResponder("a", "10.0.0.1", IdA);
        var browser = new MdnsBrowser(node.Endpoint, new MdnsBrowserOptions { ExcludeNodeId = IdA });
        browser.Start();
        sim.AddResponder("b", "10.0.0.2", IdB);
        await sim.RunAsync(3);
        Assert.Equal(IdB, Assert.Single(browser.Peers).NodeId);
        await browser.StopAsync();
    }

    [Fact]
    public async Task A_new_port_with_cache_flush_replaces_the_old_SRV_and_raises_an_update()
    {
        await using var sim = new MdnsSim();
        var browser = sim.AddBrowser("b", "10.0.0.2");
        var events = Events.Watch(sim, browser.Browser!);
        var a = sim.AddResponder("a", "10.0.0.1", IdA, port: 7001);
        await sim.RunAsync(3);
        // The node restarts on another port without a goodbye (crash): its new SRV has the cache-flush bit.
        await a.Endpoint.DisposeAsync();
        await a.Transport.DisposeAsync();
        var again = sim.AddHost("a2", "10.0.0.1");
        var restarted = new MdnsResponder(again.Endpoint, new DatomServiceProfile(IdA, "00aa11bb22cc33dd", 7002));
        restarted.Start();
        await sim.RunAsync(3);

        Assert.Equal(7002, Assert.Single(browser.Browser!.Peers).Port);
        Assert.Contains(events.Updated, p => p.Port == 7002);
        Assert.Empty(events.Lost);
        await restarted.StopAsync();
    }

    [Fact]
    public async Task A_bare_PTR_makes_the_browser_ask_for_the_SRV_TXT_and_addresses()
    {
        await using var sim = new MdnsSim();
        var browser = sim.AddBrowser("b", "10.0.0.2");
        await sim.RunAsync(0.5);
        sim.Network.ClearTraffic();
        var instance = $"{IdA}._datom._tcp.local";
        sim.Network.Inject(browser.Transport, Response(new PtrRecord(Name("_datom._tcp.local"), 4500, Name(instance))), new IPEndPoint(IPAddress.Parse("10.0.0.1"), 5353));
        await sim.RunAsync(0.1);

        var question = sim.Decoded().Where(p => p.Message.IsQuery).SelectMany(p => p.Message.Questions).ToList();
        Assert.Contains(question, q => q.RecordType == RecordType.Srv && q.Name.Equals(Name(instance)));
        Assert.Contains(question, q => q.RecordType == RecordType.Txt && q.Name.Equals(Name(instance)));
        Assert.Empty(browser.Browser!.Peers);

        // The answers arrive: SRV and TXT, then the address.
        sim.Network.Inject(browser.Transport, Response(
            new SrvRecord(Name(instance), 120, 0, 0, 9000, Name("far.local")),
            new TxtRecord(Name(instance), 4500, ["v=1", $"id={IdA}", "mesh=ab"])), new IPEndPoint(IPAddress.Parse("10.0.0.1"), 5353));
        await sim.RunAsync(0.1);
        Assert.Contains(sim.Decoded().Where(p => p.Message.IsQuery).SelectMany(p => p.Message.Questions), q => q.RecordType == RecordType.A && q.Name.Equals(Name("far.local")));
        sim.Network.Inject(browser.Transport, Response(new ARecord(Name("far.local"), 120, IPAddress.Parse("10.0.0.1"))), new IPEndPoint(IPAddress.Parse("10.0.0.1"), 5353));
        await sim.SettleAsync();
        var peer = Assert.Single(browser.Browser.Peers);
        Assert.Equal(9000, peer.Port);
        Assert.Equal("far.local", peer.HostName);
    }

    [Fact]
    public async Task Records_in_queries_and_from_off_link_sources_are_not_believed()
    {
        await using var sim = new MdnsSim();
        var browser = sim.AddBrowser("b", "10.0.0.2");
        var instance = $"{IdA}._datom._tcp.local";
        var records = new DnsRecordBase[]
        {
            new PtrRecord(Name("_datom._tcp.local"), 4500, Name(instance)),
            new SrvRecord(Name(instance), 120, 0, 0, 9000, Name("x.local")),
            new TxtRecord(Name(instance), 4500, [$"id={IdA}"]),
            new ARecord(Name("x.local"), 120, IPAddress.Parse("10.0.0.1")),
        };
        sim.Network.Inject(browser.Transport, Query([("_datom._tcp.local", RecordType.Ptr, false)], records), Querier);
        sim.Network.Inject(browser.Transport, Response(records), new IPEndPoint(IPAddress.Parse("192.168.7.7"), 5353));
        sim.Network.Inject(browser.Transport, Response(records), new IPEndPoint(IPAddress.Parse("10.0.0.1"), 40000));
        await sim.RunAsync(0.5);
        Assert.Empty(browser.Browser!.Peers);
        Assert.Equal(2, browser.Endpoint.PacketsDropped);

        sim.Network.Inject(browser.Transport, Response(records), new IPEndPoint(IPAddress.Parse("10.0.0.1"), 5353));
        await sim.SettleAsync();
        Assert.Single(browser.Browser.Peers);
    }

    [Fact]
    public void Known_answers_that_do_not_fit_one_packet_go_on_in_TC_continuations()
    {
        var answers = Enumerable.Range(0, 60)
            .Select(i => (DnsRecordBase)new PtrRecord(Name("_datom._tcp.local"), 4000, Name($"{new string((char)('a' + (i % 26)), 40)}{i}._datom._tcp.local")))
            .ToList();
        var packets = MdnsBrowser.BuildQueries([(Name("_datom._tcp.local"), RecordType.Ptr)], answers, unicast: false);

        Assert.True(packets.Count > 1);
        Assert.All(packets, p => Assert.InRange(p.Length, 1, MdnsProtocol.TargetPacketSize));
        var messages = packets.Select(MulticastDnsMessage.Parse).ToList();
        Assert.All(messages[..^1], m => Assert.True(m.IsTruncated));
        Assert.False(messages[^1].IsTruncated);
        Assert.Single(messages[0].Questions);
        Assert.All(messages.Skip(1), m => Assert.Empty(m.Questions));
        Assert.Equal(60, messages.Sum(m => m.AnswerRecords.Count));
    }

    [Fact]
    public async Task Many_peers_are_all_reported()
    {
        await using var sim = new MdnsSim();
        var browser = sim.AddBrowser("b", "10.0.0.250");
        for (var i = 1; i <= 40; i++)
            sim.AddResponder($"n{i}", $"10.0.0.{i}", MdnsSim.NodeIdFrom((byte)(i + 10)));
        await sim.RunAsync(3);
        Assert.Equal(40, browser.Browser!.Peers.Count);
    }
}

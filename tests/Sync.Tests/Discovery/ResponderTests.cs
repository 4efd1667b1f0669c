using System.Net;
using ARSoft.Tools.Net.Dns;
using Datom.Sync.Discovery;
using Xunit;
using static Datom.Sync.Tests.Discovery.MdnsTestPackets;

namespace Datom.Sync.Tests.Discovery;

public sealed class ResponderTests
{
    private static readonly Datom.Log.Identity.NodeId IdA = MdnsSim.NodeIdFrom(1);

    /// <summary>A responder that has finished announcing, with the log cleared and the 1 s multicast rate limit passed.</summary>
    private static async Task<MdnsSim.Node> AnnouncedAsync(MdnsSim sim, string address = "10.0.0.1", MdnsResponderOptions? options = null)
    {
        var node = sim.AddResponder("a", address, IdA, options: options);
        await sim.RunAsync(4);
        Assert.Equal(MdnsResponderState.Announced, node.Responder!.State);
        sim.Network.ClearTraffic();
        return node;
    }

    [Fact]
    public async Task Probes_three_times_250ms_apart_then_announces_twice_one_second_apart()
    {
        await using var sim = new MdnsSim();
        var node = sim.AddResponder("a", "10.0.0.1", IdA);
        await sim.RunAsync(4);

        var sent = sim.Decoded();
        var probes = sent.Where(p => p.Message.IsQuery).ToList();
        var announcements = sent.Where(p => !p.Message.IsQuery).ToList();
        Assert.Equal(3, probes.Count);
        Assert.Equal(2, announcements.Count);
        Assert.InRange(probes[0].Packet.At, TimeSpan.Zero, TimeSpan.FromMilliseconds(250));
        Assert.Equal(TimeSpan.FromMilliseconds(250), probes[1].Packet.At - probes[0].Packet.At);
        Assert.Equal(TimeSpan.FromMilliseconds(250), probes[2].Packet.At - probes[1].Packet.At);
        Assert.Equal(TimeSpan.FromMilliseconds(250), announcements[0].Packet.At - probes[2].Packet.At);
        Assert.Equal(TimeSpan.FromSeconds(1), announcements[1].Packet.At - announcements[0].Packet.At);
        Assert.Equal(MdnsResponderState.Announced, node.Responder!.State);
    }

    [Fact]
    public async Task A_probe_asks_ANY_with_the_QU_bit_and_proposes_the_unique_records()
    {
        await using var sim = new MdnsSim();
        var node = sim.AddResponder("a", "10.0.0.1", IdA);
        await sim.RunAsync(0.3);

        var probe = sim.Decoded().First(p => p.Message.IsQuery).Message;
        Assert.Equal(2, probe.Questions.Count);
        Assert.All(probe.Questions, q => Assert.Equal(RecordType.Any, q.RecordType));
        Assert.All(probe.Questions, q => Assert.Equal(0x8001, (ushort)q.RecordClass));
        Assert.Contains(probe.Questions, q => q.Name.Equals(Name(Instance(node))));
        Assert.Contains(probe.AuthorityRecords, r => r is SrvRecord { Port: 7070 });
        Assert.Contains(probe.AuthorityRecords, r => r is TxtRecord);
        Assert.Contains(probe.AuthorityRecords, r => r is ARecord a && a.Address.Equals(IPAddress.Parse("10.0.0.1")));
        Assert.Equal(0, probe.TransactionID);
    }

    [Fact]
    public async Task An_announcement_carries_every_record_with_cache_flush_on_the_unique_ones()
    {
        await using var sim = new MdnsSim();
        var node = sim.AddResponder("a", "10.0.0.1", IdA, port: 7071, mesh: "0123456789abcdef");
        await sim.RunAsync(1.5);

        var announcement = sim.Decoded().First(p => !p.Message.IsQuery).Message;
        Assert.True(announcement.IsAuthoritiveAnswer);
        Assert.Empty(announcement.Questions);
        var answers = announcement.AnswerRecords;
        var servicePtr = Assert.Single(answers.OfType<PtrRecord>(), p => IsNamed(p, "_datom._tcp.local"));
        Assert.Equal(Name(Instance(node)), servicePtr.PointerDomainName);
        Assert.False(CacheFlush(servicePtr));
        Assert.Equal(4500, servicePtr.TimeToLive);
        var enumeration = Assert.Single(answers.OfType<PtrRecord>(), p => IsNamed(p, "_services._dns-sd._udp.local"));
        Assert.Equal(Name("_datom._tcp.local"), enumeration.PointerDomainName);
        var srv = Assert.Single(answers.OfType<SrvRecord>());
        Assert.True(CacheFlush(srv));
        Assert.Equal(7071, srv.Port);
        Assert.Equal(120, srv.TimeToLive);
        Assert.Equal(Name(node.Responder!.HostName + ".local"), srv.Target);
        var txt = Assert.Single(answers.OfType<TxtRecord>());
        Assert.True(CacheFlush(txt));
        Assert.Equal(["v=1", $"id={IdA}", "mesh=0123456789abcdef"], txt.TextParts);
        var a = Assert.Single(answers.OfType<ARecord>());
        Assert.True(CacheFlush(a));
        Assert.Equal(IPAddress.Parse("10.0.0.1"), a.Address);
        Assert.Equal(2, announcement.AdditionalRecords.OfType<NSecRecord>().Count());
        // The instance label is the node id: one 52-character DNS label.
        Assert.Equal(IdA.ToString(), node.Responder.InstanceName);
    }

    [Fact]
    public async Task Answers_a_PTR_query_after_a_random_20_to_120ms_with_SRV_TXT_and_A_as_additional_records()
    {
        await using var sim = new MdnsSim();
        var node = await AnnouncedAsync(sim);
        var asked = sim.Time.Elapsed;
        sim.Network.Inject(node.Transport, Query(("_datom._tcp.local", RecordType.Ptr, false)), Querier);
        await sim.RunAsync(TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(1));

        var (packet, response) = Assert.Single(ResponsesFrom(sim, node, 0));
        Assert.InRange(packet.At - asked, TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(121));
        Assert.True(packet.Target.IsMulticast);
        var ptr = Assert.Single(response.AnswerRecords);
        Assert.IsType<PtrRecord>(ptr);
        Assert.Contains(response.AdditionalRecords, r => r is SrvRecord);
        Assert.Contains(response.AdditionalRecords, r => r is TxtRecord);
        Assert.Contains(response.AdditionalRecords, r => r is ARecord);
        Assert.Contains(response.AdditionalRecords, r => r is NSecRecord);
    }

    [Fact]
    public async Task Answers_SRV_and_TXT_queries_at_once_since_only_it_owns_them()
    {
        await using var sim = new MdnsSim();
        var node = await AnnouncedAsync(sim);
        sim.Network.Inject(node.Transport, Query((Instance(node), RecordType.Srv, false), (Instance(node), RecordType.Txt, false)), Querier);
        await sim.SettleAsync();

        var (packet, response) = Assert.Single(ResponsesFrom(sim, node, 0));
        Assert.Equal(TimeSpan.Zero, packet.At - sim.Time.Elapsed);
        Assert.Contains(response.AnswerRecords, r => r is SrvRecord { Port: 7070 });
        Assert.Contains(response.AnswerRecords, r => r is TxtRecord);
        Assert.Contains(response.AdditionalRecords, r => r is ARecord);
    }

    [Fact]
    public async Task Answers_an_A_query_and_denies_AAAA_with_an_NSEC()
    {
        await using var sim = new MdnsSim();
        var node = await AnnouncedAsync(sim);
        var host = node.Responder!.HostName + ".local";
        sim.Network.Inject(node.Transport, Query((host, RecordType.A, false)), Querier);
        await sim.SettleAsync();
        var a = Assert.Single(Assert.Single(ResponsesFrom(sim, node, 0)).Message.AnswerRecords);
        Assert.Equal(IPAddress.Parse("10.0.0.1"), Assert.IsType<ARecord>(a).Address);

        await sim.RunAsync(1.1); // the NSEC went out as an additional record just now; the 1 s limit applies to it too
        sim.Network.ClearTraffic();
        sim.Network.Inject(node.Transport, Query((host, RecordType.Aaaa, false)), Querier);
        await sim.SettleAsync();
        var nsec = Assert.IsType<NSecRecord>(Assert.Single(Assert.Single(ResponsesFrom(sim, node, 0)).Message.AnswerRecords));
        Assert.Equal([RecordType.A], nsec.Types);
    }

    [Fact]
    public async Task Known_answer_suppression_holds_back_a_PTR_the_querier_has_with_at_least_half_its_TTL()
    {
        await using var sim = new MdnsSim();
        var node = await AnnouncedAsync(sim);
        var ptr = (int ttl) => (DnsRecordBase)new PtrRecord(Name("_datom._tcp.local"), ttl, Name(Instance(node)));

        sim.Network.Inject(node.Transport, Query([("_datom._tcp.local", RecordType.Ptr, false)], [ptr(2250)]), Querier);
        await sim.RunAsync(0.2);
        Assert.Empty(ResponsesFrom(sim, node, 0));

        sim.Network.Inject(node.Transport, Query([("_datom._tcp.local", RecordType.Ptr, false)], [ptr(2249)]), Querier);
        await sim.RunAsync(0.2);
        Assert.Single(ResponsesFrom(sim, node, 0));
    }

    [Fact]
    public async Task A_QU_question_for_a_record_multicast_moments_ago_is_answered_by_unicast()
    {
        await using var sim = new MdnsSim();
        var node = await AnnouncedAsync(sim);
        sim.Network.Inject(node.Transport, Query((Instance(node), RecordType.Srv, true)), Querier);
        await sim.SettleAsync();

        var (packet, response) = Assert.Single(ResponsesFrom(sim, node, 0));
        Assert.Equal(Querier, packet.Target.Unicast);
        Assert.IsType<SrvRecord>(Assert.Single(response.AnswerRecords));
    }

    [Fact]
    public async Task A_QU_question_for_a_record_not_multicast_for_a_quarter_of_its_TTL_is_multicast()
    {
        await using var sim = new MdnsSim();
        var node = await AnnouncedAsync(sim);
        await sim.RunAsync(TimeSpan.FromSeconds(31), TimeSpan.FromSeconds(1)); // SRV TTL 120 s: a quarter is 30 s
        sim.Network.ClearTraffic();
        sim.Network.Inject(node.Transport, Query((Instance(node), RecordType.Srv, true)), Querier);
        await sim.SettleAsync();

        Assert.True(Assert.Single(ResponsesFrom(sim, node, 0)).Packet.Target.IsMulticast);
    }

    [Fact]
    public async Task A_legacy_query_gets_a_unicast_reply_with_its_id_its_question_and_TTLs_of_10s()
    {
        await using var sim = new MdnsSim();
        var node = await AnnouncedAsync(sim);
        var legacy = new IPEndPoint(IPAddress.Parse("10.0.0.50"), 40000);
        sim.Network.Inject(node.Transport, Query([(Instance(node), RecordType.Srv, false)], [], id: 0x4242), legacy);
        await sim.SettleAsync();

        var (packet, response) = Assert.Single(ResponsesFrom(sim, node, 0));
        Assert.Equal(legacy, packet.Target.Unicast);
        Assert.Equal(0x4242, response.TransactionID);
        Assert.Single(response.Questions);
        Assert.All(All(response), r => Assert.InRange(r.TimeToLive, 1, 10));
        Assert.All(All(response), r => Assert.False(CacheFlush(r)));
    }

    [Fact]
    public async Task A_record_is_multicast_at_most_once_a_second_per_interface()
    {
        await using var sim = new MdnsSim();
        var node = await AnnouncedAsync(sim);
        var query = Query((Instance(node), RecordType.Srv, false));
        sim.Network.Inject(node.Transport, query, Querier);
        await sim.RunAsync(0.5);
        sim.Network.Inject(node.Transport, query, Querier);
        await sim.RunAsync(0.4);
        Assert.Single(ResponsesFrom(sim, node, 0));

        await sim.RunAsync(0.2);
        sim.Network.Inject(node.Transport, query, Querier);
        await sim.SettleAsync();
        Assert.Equal(2, ResponsesFrom(sim, node, 0).Count);
    }

    [Fact]
    public async Task Does_not_answer_while_probing()
    {
        await using var sim = new MdnsSim();
        var node = sim.AddResponder("a", "10.0.0.1", IdA);
        await sim.RunAsync(0.1);
        Assert.Equal(MdnsResponderState.Probing, node.Responder!.State);
        sim.Network.ClearTraffic();
        sim.Network.Inject(node.Transport, Query(("_datom._tcp.local", RecordType.Ptr, false)), Querier);
        await sim.RunAsync(0.15);
        Assert.Empty(ResponsesFrom(sim, node, 0));
    }

    [Fact]
    public async Task Stop_sends_goodbyes_with_TTL_zero()
    {
        await using var sim = new MdnsSim();
        var node = await AnnouncedAsync(sim);
        await node.Responder!.StopAsync();

        var goodbye = Assert.Single(ResponsesFrom(sim, node, 0)).Message;
        Assert.Contains(goodbye.AnswerRecords, r => r is PtrRecord);
        Assert.Contains(goodbye.AnswerRecords, r => r is SrvRecord);
        Assert.All(goodbye.AnswerRecords, r => Assert.Equal(0, r.TimeToLive));
        Assert.Equal(MdnsResponderState.Stopped, node.Responder.State);
    }

    [Fact]
    public async Task A_rival_that_defends_the_instance_name_makes_the_newcomer_rename_with_a_number()
    {
        await using var sim = new MdnsSim();
        var first = sim.AddResponder("first", "10.0.0.1", IdA, port: 7001);
        await sim.RunAsync(3);
        // Same node id (one key on two machines): same instance name, different SRV data.
        var second = sim.AddResponder("second", "10.0.0.2", IdA, port: 7002, options: new MdnsResponderOptions { HostName = "second" });
        var renamed = new List<MdnsNameChangedEventArgs>();
        second.Responder!.NameChanged += (_, e) => renamed.Add(e);
        await sim.RunAsync(4);

        Assert.Equal(IdA.ToString(), first.Responder!.InstanceName);
        Assert.Equal($"{IdA} (2)", second.Responder.InstanceName);
        Assert.Equal(MdnsResponderState.Announced, second.Responder.State);
        Assert.Equal($"{IdA} (2)", Assert.Single(renamed).NewInstanceName);
    }

    [Fact]
    public async Task A_host_name_conflict_renames_the_host_with_a_hyphen_number()
    {
        await using var sim = new MdnsSim();
        var options = new MdnsResponderOptions { HostName = "shared" };
        var first = sim.AddResponder("first", "10.0.0.1", MdnsSim.NodeIdFrom(1), options: options);
        await sim.RunAsync(3);
        var second = sim.AddResponder("second", "10.0.0.2", MdnsSim.NodeIdFrom(2), options: options);
        await sim.RunAsync(4);

        Assert.Equal("shared", first.Responder!.HostName);
        Assert.Equal("shared-2", second.Responder!.HostName);
        Assert.Equal(MdnsSim.NodeIdFrom(2).ToString(), second.Responder.InstanceName);
    }

    [Fact]
    public async Task Simultaneous_probes_for_one_name_end_with_two_distinct_names()
    {
        await using var sim = new MdnsSim();
        var a = sim.AddResponder("a", "10.0.0.1", IdA, port: 7001, options: new MdnsResponderOptions { HostName = "ha" });
        var b = sim.AddResponder("b", "10.0.0.2", IdA, port: 7002, options: new MdnsResponderOptions { HostName = "hb" });
        await sim.RunAsync(8);

        Assert.Equal(MdnsResponderState.Announced, a.Responder!.State);
        Assert.Equal(MdnsResponderState.Announced, b.Responder!.State);
        Assert.NotEqual(a.Responder.InstanceName, b.Responder.InstanceName);
        Assert.Contains(IdA.ToString(), new[] { a.Responder.InstanceName, b.Responder.InstanceName });
    }

    [Fact]
    public async Task Identical_records_from_a_second_process_on_the_same_host_are_not_a_conflict()
    {
        await using var sim = new MdnsSim();
        var options = new MdnsResponderOptions { HostName = "same" };
        var a = sim.AddResponder("a", "10.0.0.1", MdnsSim.NodeIdFrom(1), options: options);
        var b = sim.AddResponder("b", "10.0.0.1", MdnsSim.NodeIdFrom(2), options: options);
        await sim.RunAsync(5);
        // Two nodes on one machine may share a host name: their A records are identical.
        Assert.Equal("same", a.Responder!.HostName);
        Assert.Equal("same", b.Responder!.HostName);
    }

    [Fact]
    public async Task A_changed_address_is_said_goodbye_to_and_the_new_one_announced()
    {
        await using var sim = new MdnsSim();
        var node = await AnnouncedAsync(sim);
        node.Transport.SetAddresses(IPAddress.Parse("10.0.0.7"));
        await sim.RunAsync(2);

        var sent = ResponsesFrom(sim, node, 0);
        Assert.Contains(sent, p => p.Message.AnswerRecords.Any(r => r is ARecord a && a.Address.Equals(IPAddress.Parse("10.0.0.1")) && r.TimeToLive == 0));
        var announcements = sent.Where(p => p.Message.AnswerRecords.Any(r => r is ARecord a && a.Address.Equals(IPAddress.Parse("10.0.0.7")) && r.TimeToLive > 0)).ToList();
        Assert.Equal(2, announcements.Count);
    }

    [Fact]
    public async Task Another_responders_identical_answer_suppresses_our_pending_one()
    {
        await using var sim = new MdnsSim();
        var node = await AnnouncedAsync(sim);
        await sim.RunAsync(2);
        sim.Network.ClearTraffic();
        sim.Network.Inject(node.Transport, Query(("_datom._tcp.local", RecordType.Ptr, false)), Querier);
        await sim.SettleAsync();
        // Before our 20-120 ms delay is over, someone else multicasts the same PTR with a full TTL.
        sim.Network.Inject(node.Transport, Response(new PtrRecord(Name("_datom._tcp.local"), 4500, Name(Instance(node)))), Querier);
        await sim.RunAsync(0.2);
        Assert.Empty(ResponsesFrom(sim, node, 0));
    }

    [Fact]
    public async Task Lexicographic_tiebreak_orders_by_class_then_type_then_data()
    {
        static MdnsRecord A(string address) => new(new ARecord(Name("h.local"), 120, IPAddress.Parse(address)));
        Assert.True(MdnsResponder.CompareForTiebreak([A("10.0.0.2")], [A("10.0.0.1")]) > 0);
        Assert.True(MdnsResponder.CompareForTiebreak([A("10.0.0.1")], [A("10.0.0.2")]) < 0);
        Assert.Equal(0, MdnsResponder.CompareForTiebreak([A("10.0.0.1")], [A("10.0.0.1")]));
        // A side with more records (all else equal) is the greater.
        Assert.True(MdnsResponder.CompareForTiebreak([A("10.0.0.1"), A("10.0.0.3")], [A("10.0.0.1")]) > 0);
        // Type: A (1) sorts before SRV (33) regardless of data.
        var srv = new MdnsRecord(new SrvRecord(Name("h.local"), 120, 0, 0, 1, Name("a.local")));
        Assert.True(MdnsResponder.CompareForTiebreak([srv], [A("255.255.255.255")]) > 0);
    }

    [Fact]
    public async Task A_responder_that_starts_without_a_network_probes_when_a_link_appears()
    {
        await using var sim = new MdnsSim();
        var node = sim.AddResponder("a", "10.0.0.1", IdA, start: false);
        node.Transport.SetAddresses();
        node.Responder!.Start();
        await sim.RunAsync(3);
        Assert.Empty(sim.Network.Traffic);

        node.Transport.SetAddresses(IPAddress.Parse("10.0.0.1"));
        await sim.RunAsync(3);
        var sent = sim.Decoded();
        Assert.Equal(3, sent.Count(p => p.Message.IsQuery));
        Assert.Equal(2, sent.Count(p => !p.Message.IsQuery));
        Assert.Equal(MdnsResponderState.Announced, node.Responder.State);
    }

    [Fact]
    public async Task Unicast_answers_to_one_asker_are_limited_to_one_per_record_per_second()
    {
        await using var sim = new MdnsSim();
        var node = await AnnouncedAsync(sim);
        var legacy = new IPEndPoint(IPAddress.Parse("10.0.0.50"), 40000);
        for (var i = 0; i < 20; i++)
            sim.Network.Inject(node.Transport, Query([(Instance(node), RecordType.Srv, false)], [], id: (ushort)i), legacy);
        await sim.SettleAsync();
        Assert.Single(ResponsesFrom(sim, node, 0));

        await sim.RunAsync(1.1);
        sim.Network.Inject(node.Transport, Query([(Instance(node), RecordType.Srv, false)], [], id: 99), legacy);
        await sim.SettleAsync();
        Assert.Equal(2, ResponsesFrom(sim, node, 0).Count);
    }

    [Fact]
    public async Task A_flood_of_rival_records_stops_the_probing_after_15_conflicts_in_10_s()
    {
        await using var sim = new MdnsSim();
        var node = await AnnouncedAsync(sim);
        var rival = new IPEndPoint(IPAddress.Parse("10.0.0.66"), 5353);
        var start = sim.Time.Elapsed;
        for (var i = 0; i < 40; i++)
        {
            // A hostile host claims whatever host name we hold now, with another address, ten times a second.
            var host = node.Responder!.HostName + ".local";
            sim.Network.Inject(node.Transport, Response(new ARecord(Name(host), 120, IPAddress.Parse($"10.0.0.{100 + (i % 50)}"))), rival);
            await sim.RunAsync(0.1);
        }
        // §8.1: after 15 conflicts within 10 s, at least 5 s pass before each further probe, so
        // from the 16th claim (1.5 s in) to the end of the flood (4 s) no probe leaves.
        var late = sim.Decoded().Where(p => p.Message.IsQuery && p.Packet.From == "a" && p.Packet.At - start > TimeSpan.FromSeconds(1.6)).ToList();
        Assert.Empty(late);
        Assert.Equal(MdnsResponderState.Probing, node.Responder!.State);
    }
}

using System.Diagnostics;
using Datom.Log.Identity;
using Xunit;

namespace Datom.Sync.Tests.Netns;

/// <summary>
/// Real mDNS between processes: three probe programs, each in its own network namespace on one
/// bridge, advertise and browse over UDP 5353.
/// </summary>
[Collection(NetnsCollection.Name)]
public sealed class DiscoveryNamespaceTests
{
    private const string Mesh = "5eed5eed5eed5eed";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);

    private static string NewId() => new NodeId(System.Security.Cryptography.RandomNumberGenerator.GetBytes(NodeId.KeySize)).ToString();

    private static async Task<(NetworkNamespaces Net, List<ProbeProcess> Probes, List<string> Ids)> StartThreeAsync()
    {
        var net = NetworkNamespaces.Create(3);
        var probes = new List<ProbeProcess>();
        var ids = new List<string>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                var id = NewId();
                ids.Add(id);
                probes.Add(ProbeProcess.Start(net, net.Nodes[i], $"node{i}", "--id", id, "--port", $"{7000 + i}",
                    "--mesh", Mesh, "--expect-mesh", Mesh, "--advertise", "--browse"));
            }
            foreach (var p in probes)
                Assert.True(await p.WaitForEventAsync("started", StartTimeout) is not null, $"{p.Name} did not start\n{p}");
            return (net, probes, ids);
        }
        catch
        {
            net.Dispose();
            throw;
        }
    }

    [NetnsFact]
    public async Task Three_nodes_in_three_namespaces_each_see_the_other_two_within_3_s()
    {
        var (net, probes, ids) = await StartThreeAsync();
        using (net)
        {
            var watch = Stopwatch.StartNew();
            for (var i = 0; i < 3; i++)
            {
                for (var j = 0; j < 3; j++)
                {
                    if (i == j)
                        continue;
                    var seen = await probes[i].WaitForAsync(
                        e => ProbeProcess.Event(e) == "discovered" && ProbeProcess.PeerId(e) == ids[j],
                        SpeedTarget.Bound(TimeSpan.FromSeconds(3)) - watch.Elapsed);
                    Assert.True(seen is not null, $"node{i} did not see node{j} within 3 s\n{string.Join("\n", probes)}");
                    var peer = seen.Value.GetProperty("peer");
                    Assert.Equal(7000 + j, peer.GetProperty("port").GetInt32());
                    Assert.Equal(Mesh, peer.GetProperty("mesh").GetString());
                    Assert.True(peer.GetProperty("compatible").GetBoolean());
                    Assert.Contains(net.Nodes[j].Address.ToString(), peer.GetProperty("addresses").EnumerateArray().Select(a => a.GetString()));
                }
            }
        }
    }

    [NetnsFact]
    public async Task A_node_that_stops_says_goodbye_and_the_others_drop_it()
    {
        var (net, probes, ids) = await StartThreeAsync();
        using (net)
        {
            foreach (var i in new[] { 0, 1 })
            {
                Assert.True(await probes[i].WaitForAsync(e => ProbeProcess.Event(e) == "discovered" && ProbeProcess.PeerId(e) == ids[2], SpeedTarget.Bound(TimeSpan.FromSeconds(5))) is not null,
                    $"node{i} never saw node2\n{string.Join("\n", probes)}");
            }

            var watch = Stopwatch.StartNew();
            await probes[2].StopAsync(TimeSpan.FromSeconds(10));
            Assert.True(probes[2].HasExited, $"node2 did not stop\n{probes[2]}");
            Assert.NotNull(await probes[2].WaitForEventAsync("stopped", TimeSpan.FromSeconds(1)));
            foreach (var i in new[] { 0, 1 })
            {
                var lost = await probes[i].WaitForAsync(e => ProbeProcess.Event(e) == "lost" && ProbeProcess.PeerId(e) == ids[2], SpeedTarget.Bound(TimeSpan.FromSeconds(4)));
                Assert.True(lost is not null, $"node{i} did not drop node2 after its goodbye\n{string.Join("\n", probes)}");
            }
            // Goodbye means removal one second later (RFC 6762 §10.1), not a TTL's wait (120 s): 4 s on an
            // idle machine, and well under the TTL on a loaded one.
            Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(0.9), SpeedTarget.Enforced ? TimeSpan.FromSeconds(4) : TimeSpan.FromSeconds(60));
            // The two that remain still see each other.
            Assert.DoesNotContain(probes[0].Events, e => ProbeProcess.Event(e) == "lost" && ProbeProcess.PeerId(e) == ids[1]);
        }
    }

    [NetnsFact]
    public async Task A_new_address_is_noticed_and_announced_to_the_others()
    {
        var (net, probes, ids) = await StartThreeAsync();
        using (net)
        {
            Assert.True(await probes[1].WaitForAsync(e => ProbeProcess.Event(e) == "discovered" && ProbeProcess.PeerId(e) == ids[0], SpeedTarget.Bound(TimeSpan.FromSeconds(5))) is not null,
                $"node1 never saw node0\n{string.Join("\n", probes)}");
            var added = System.Net.IPAddress.Parse(net.Nodes[0].Address.ToString()[..net.Nodes[0].Address.ToString().LastIndexOf('.')] + ".77");
            NetworkNamespaces.Exec(net.Nodes[0].Namespace, "ip", "addr", "add", $"{added}/24", "dev", net.Nodes[0].Interface);

            // The OS reports the change, the transport re-reads its interfaces (after 0.5 s of
            // quiet) and the responder announces its records again with the new address.
            var updated = await probes[1].WaitForAsync(
                e => ProbeProcess.Event(e) == "updated" && ProbeProcess.PeerId(e) == ids[0]
                     && e.GetProperty("peer").GetProperty("addresses").EnumerateArray().Any(a => a.GetString() == added.ToString()),
                TimeSpan.FromSeconds(5));
            Assert.True(updated is not null, $"node1 did not learn node0's new address\n{string.Join("\n", probes)}");
        }
    }

    [NetnsFact]
    public async Task A_link_that_comes_back_is_noticed_and_the_node_probes_and_announces_again()
    {
        var (net, probes, _) = await StartThreeAsync();
        using (net)
        {
            static bool Announced(System.Text.Json.JsonElement e) => ProbeProcess.Event(e) == "state" && e.GetProperty("state").GetString() == "Announced";
            bool Lists(System.Text.Json.JsonElement e, bool present) => ProbeProcess.Event(e) == "interfaces"
                && e.GetProperty("interfaces").EnumerateArray().Any(i => i.GetString() == net.Nodes[2].Interface) == present;
            Assert.True(await probes[2].WaitForAsync(Announced, SpeedTarget.Bound(TimeSpan.FromSeconds(5))) is not null, $"node2 never announced\n{probes[2]}");

            // The cable is pulled at the switch: node2's interface keeps its addresses and only
            // loses carrier, which the OS does not report as an address change.
            net.SetConnected(net.Nodes[2], false);
            Assert.True(await probes[2].WaitForAsync(e => Lists(e, present: false), SpeedTarget.Bound(TimeSpan.FromSeconds(5))) is not null,
                $"node2 did not notice its link went down\n{probes[2]}");
            net.SetConnected(net.Nodes[2], true);
            Assert.True(await probes[2].WaitForAsync(e => Lists(e, present: true), SpeedTarget.Bound(TimeSpan.FromSeconds(5))) is not null,
                $"node2 did not notice its link came back\n{probes[2]}");

            // RFC 6762 §8: after a link change, probe and announce again, so that peers which
            // forgot this node during a long partition learn of it at once.
            var watch = Stopwatch.StartNew();
            string[] Since()
            {
                var events = probes[2].Events;
                var back = events.ToList().FindLastIndex(e => Lists(e, present: true));
                return [.. events.Skip(back + 1).Where(e => ProbeProcess.Event(e) == "state").Select(e => e.GetProperty("state").GetString()!)];
            }
            while (!Since().Contains("Announced") && watch.Elapsed < TimeSpan.FromSeconds(5))
                await Task.Delay(50);
            Assert.True(Since() is ["Probing", "Announcing", "Announced", ..], $"node2 did not probe and announce again once its link was back\n{probes[2]}");
        }
    }
}

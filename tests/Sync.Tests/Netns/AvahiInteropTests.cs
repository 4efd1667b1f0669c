using Datom.Log.Identity;
using Xunit;

namespace Datom.Sync.Tests.Netns;

/// <summary>
/// DESIGN.md: "a standard mDNS browser must see the service". Debian's Avahi, in one namespace,
/// browses and resolves our responder in another; and our browser finds a service Avahi publishes.
/// </summary>
[Collection(NetnsCollection.Name)]
public sealed class AvahiInteropTests
{
    private const string Mesh = "a1b2c3d4e5f60718";

    [NetnsFact]
    public async Task Avahi_browse_sees_and_resolves_our_instance_with_its_port_and_TXT()
    {
        using var net = NetworkNamespaces.Create(2);
        using var avahi = await Avahi.StartAsync(net, net.Nodes[1], $"avahi-{net.Tag}");
        var id = new NodeId(System.Security.Cryptography.RandomNumberGenerator.GetBytes(NodeId.KeySize)).ToString();
        var ours = ProbeProcess.Start(net, net.Nodes[0], "datom", "--id", id, "--port", "7443", "--mesh", Mesh, "--advertise", "--no-ipv6");
        Assert.True(await ours.WaitForEventAsync("announced", TimeSpan.FromSeconds(20)) is not null, $"our responder did not announce\n{ours}");

        string[]? found = null;
        for (var attempt = 0; attempt < 5 && found is null; attempt++)
            found = avahi.Browse("_datom._tcp").FirstOrDefault(f => f.Length >= 10 && f[3] == id);

        Assert.True(found is not null, $"avahi-browse did not resolve {id}\n{avahi.Log}\n{ours}");
        // =;interface;protocol;name;type;domain;host;address;port;txt
        Assert.Equal("_datom._tcp", found[4]);
        Assert.Equal("local", found[5]);
        Assert.Equal($"datom-{id[..16]}.local", found[6]);
        Assert.Equal(net.Nodes[0].Address.ToString(), found[7]);
        Assert.Equal("7443", found[8]);
        Assert.Contains($"\"id={id}\"", found[9], StringComparison.Ordinal);
        Assert.Contains($"\"mesh={Mesh}\"", found[9], StringComparison.Ordinal);
        Assert.Contains("\"v=1\"", found[9], StringComparison.Ordinal);
    }

    [NetnsFact]
    public async Task Our_browser_finds_a_service_that_Avahi_publishes()
    {
        using var net = NetworkNamespaces.Create(2);
        using var avahi = await Avahi.StartAsync(net, net.Nodes[1], $"avahi-{net.Tag}");
        var id = new NodeId(System.Security.Cryptography.RandomNumberGenerator.GetBytes(NodeId.KeySize)).ToString();
        avahi.Publish(id, "_datom._tcp", 7444, "v=1", $"id={id}", $"mesh={Mesh}");
        var ours = ProbeProcess.Start(net, net.Nodes[0], "datom", "--browse", "--expect-mesh", Mesh, "--no-ipv6");

        var seen = await ours.WaitForAsync(e => ProbeProcess.Event(e) == "discovered" && ProbeProcess.PeerId(e) == id, SpeedTarget.Bound(TimeSpan.FromSeconds(20)));
        Assert.True(seen is not null, $"our browser did not find Avahi's service\n{ours}\n{avahi.Log}");
        var peer = seen.Value.GetProperty("peer");
        Assert.Equal(7444, peer.GetProperty("port").GetInt32());
        Assert.Equal($"avahi-{net.Tag}.local", peer.GetProperty("host").GetString());
        Assert.Contains(net.Nodes[1].Address.ToString(), peer.GetProperty("addresses").EnumerateArray().Select(a => a.GetString()));
        Assert.True(peer.GetProperty("compatible").GetBoolean());
    }
}

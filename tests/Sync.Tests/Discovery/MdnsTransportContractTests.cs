using System.Net;
using System.Net.Sockets;
using Datom.Sync.Discovery;
using Datom.Sync.Tests.Netns;
using Xunit;

namespace Datom.Sync.Tests.Discovery;

/// <summary>
/// What every <see cref="IMdnsTransport"/> must do, on a link of three hosts (0, 1, 2). The
/// simulated link and real UDP sockets in network namespaces both pass it. IPv4 only, so each
/// multicast arrives once.
/// </summary>
public abstract class MdnsTransportContractTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(5);

    private readonly List<IMdnsTransport> _open = [];

    /// <summary>A transport on host <paramref name="host"/>.</summary>
    protected abstract IMdnsTransport OpenOn(int host);

    protected abstract IPAddress AddressOf(int host);

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual async Task DisposeAsync()
    {
        foreach (var t in _open)
            await t.DisposeAsync();
    }

    private IMdnsTransport Open(int host)
    {
        var t = OpenOn(host);
        _open.Add(t);
        return t;
    }

    private static byte[] Payload(string text) => System.Text.Encoding.ASCII.GetBytes(text);

    private static async Task<MdnsDatagram> ReceiveMatchingAsync(IMdnsTransport t, byte[] payload)
    {
        using var cts = new CancellationTokenSource(Patience);
        for (var i = 0; i < 1000; i++)
        {
            var d = await t.ReceiveAsync(cts.Token);
            if (d.Payload.AsSpan().SequenceEqual(payload))
                return d;
        }
        throw new InvalidOperationException("too many unrelated datagrams");
    }

    private static async Task<bool> ReceivesWithinAsync(IMdnsTransport t, byte[] payload, TimeSpan wait)
    {
        using var cts = new CancellationTokenSource(wait);
        try
        {
            for (var i = 0; i < 1000; i++)
            {
                var d = await t.ReceiveAsync(cts.Token);
                if (d.Payload.AsSpan().SequenceEqual(payload))
                    return true;
            }
            return false;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [ContractFact]
    public void Interfaces_list_the_link_with_the_hosts_address()
    {
        var t = Open(0);
        var iface = Assert.Single(t.Interfaces);
        Assert.Contains(iface.Addresses, a => a.Address.Equals(AddressOf(0)));
        Assert.True(iface.IsOnLink(AddressOf(1)));
        Assert.False(iface.IsOnLink(IPAddress.Parse("192.0.2.1")));
    }

    [ContractFact]
    public async Task Multicast_reaches_every_host_and_loops_back_to_the_sender()
    {
        var a = Open(0);
        var b = Open(1);
        var c = Open(2);
        var payload = Payload("multicast-1");
        a.Send(payload, MdnsSendTarget.Multicast(a.Interfaces[0].Index, AddressFamily.InterNetwork));

        foreach (var t in new[] { a, b, c })
        {
            var d = await ReceiveMatchingAsync(t, payload);
            Assert.Equal(AddressOf(0), d.Source.Address);
            Assert.Equal(MdnsProtocol.Port, d.Source.Port);
            Assert.Equal(t.Interfaces[0].Index, d.InterfaceIndex);
        }
    }

    [ContractFact]
    public async Task Unicast_reaches_only_the_addressed_host()
    {
        var a = Open(0);
        var b = Open(1);
        var c = Open(2);
        var payload = Payload("unicast-1");
        a.Send(payload, MdnsSendTarget.To(new IPEndPoint(AddressOf(1), MdnsProtocol.Port), a.Interfaces[0].Index));

        var d = await ReceiveMatchingAsync(b, payload);
        Assert.Equal(AddressOf(0), d.Source.Address);
        Assert.False(await ReceivesWithinAsync(c, payload, TimeSpan.FromMilliseconds(300)));
    }

    [ContractFact]
    public async Task Two_transports_on_one_host_share_the_port_and_both_hear_multicast()
    {
        var a = Open(0);
        var b1 = Open(1);
        var b2 = Open(1);
        var payload = Payload("shared-port");
        a.Send(payload, MdnsSendTarget.Multicast(a.Interfaces[0].Index, AddressFamily.InterNetwork));
        await ReceiveMatchingAsync(b1, payload);
        await ReceiveMatchingAsync(b2, payload);
    }

    [ContractFact]
    public async Task Receive_honours_cancellation()
    {
        var a = Open(0);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            for (var i = 0; i < 1000; i++)
                await a.ReceiveAsync(cts.Token); // anything that does arrive is skipped; the token must end it
        });
    }

    [ContractFact]
    public async Task A_disposed_transport_refuses_to_send_and_receive()
    {
        var a = Open(0);
        var index = a.Interfaces[0].Index;
        await a.DisposeAsync();
        Assert.Throws<ObjectDisposedException>(() => a.Send(Payload("x"), MdnsSendTarget.Multicast(index)));
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await a.ReceiveAsync(CancellationToken.None));
    }

    [ContractFact]
    public async Task Dispose_wakes_a_pending_receive()
    {
        var a = Open(0);
        var pending = a.ReceiveAsync(CancellationToken.None).AsTask();
        await Task.Delay(50);
        await a.DisposeAsync();
        var error = await Record.ExceptionAsync(() => pending.WaitAsync(Patience));
        Assert.True(error is ObjectDisposedException or OperationCanceledException, error?.ToString() ?? "no exception");
    }

    [ContractFact]
    public void An_oversized_datagram_is_refused_by_the_sender()
    {
        var a = Open(0);
        Assert.Throws<ArgumentException>(() => a.Send(new byte[MdnsProtocol.MaxPacketSize + 1], MdnsSendTarget.Multicast(a.Interfaces[0].Index)));
    }
}

/// <summary>The contract on the in-memory link.</summary>
public sealed class SimulatedMdnsTransportContractTests : MdnsTransportContractTests
{
    private readonly SimulatedMdnsNetwork _network = new();

    protected override IMdnsTransport OpenOn(int host) => _network.AddHost($"h{host}", AddressOf(host));

    protected override IPAddress AddressOf(int host) => IPAddress.Parse($"10.0.0.{host + 1}");
}

/// <summary>A link of three network namespaces, made once for the UDP contract tests.</summary>
public sealed class ThreeNamespaces : IDisposable
{
    private readonly Lazy<NetworkNamespaces> _net = new(() => NetworkNamespaces.Create(3));

    public NetworkNamespaces Net => _net.Value;

    public void Dispose()
    {
        if (_net.IsValueCreated)
            _net.Value.Dispose();
    }
}

/// <summary>The contract over real UDP sockets, opened inside three network namespaces on a bridge.</summary>
[NeedsNetworkNamespaces]
[Collection(NetnsCollection.Name)]
public sealed class UdpMdnsTransportContractTests(ThreeNamespaces link) : MdnsTransportContractTests, IClassFixture<ThreeNamespaces>
{
    protected override IMdnsTransport OpenOn(int host)
    {
        var node = link.Net.Nodes[host];
        var iface = new MdnsInterface(NetworkNamespaces.InterfaceIndex(node), node.Interface, [new MdnsInterfaceAddress(node.Address, node.PrefixLength)]);
        return NetnsThread.Run(node.Namespace, () => UdpMdnsTransport.Open(new UdpMdnsTransportOptions
        {
            UseIPv6 = false,
            WatchAddressChanges = false,
            InterfaceSource = () => [iface],
        }));
    }

    protected override IPAddress AddressOf(int host) => link.Net.Nodes[host].Address;

    [NetnsFact]
    public async Task IPv6_multicast_to_ff02_fb_crosses_the_link_from_a_link_local_source()
    {
        var transports = new List<UdpMdnsTransport>();
        try
        {
            foreach (var host in new[] { 0, 1 })
            {
                var node = link.Net.Nodes[host];
                var index = NetworkNamespaces.InterfaceIndex(node);
                var linkLocal = NetworkNamespaces.Exec(node.Namespace, "ip", "-6", "-o", "addr", "show", "dev", node.Interface, "scope", "link")
                    .Split(' ', StringSplitOptions.RemoveEmptyEntries).SkipWhile(w => w != "inet6").Skip(1).First().Split('/')[0];
                var iface = new MdnsInterface(index, node.Interface, [new MdnsInterfaceAddress(IPAddress.Parse(linkLocal), 64)]);
                transports.Add(NetnsThread.Run(node.Namespace, () => UdpMdnsTransport.Open(new UdpMdnsTransportOptions
                {
                    UseIPv4 = false,
                    WatchAddressChanges = false,
                    InterfaceSource = () => [iface],
                })));
            }
            var payload = System.Text.Encoding.ASCII.GetBytes("over-ipv6");
            transports[0].Send(payload, MdnsSendTarget.Multicast(transports[0].Interfaces[0].Index, AddressFamily.InterNetworkV6));
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            MdnsDatagram d;
            do
                d = await transports[1].ReceiveAsync(cts.Token);
            while (!d.Payload.AsSpan().SequenceEqual(payload));
            Assert.True(d.Source.Address.IsIPv6LinkLocal);
            Assert.Equal(transports[0].Interfaces[0].Addresses[0].Address, new IPAddress(d.Source.Address.GetAddressBytes()));
            Assert.Equal(MdnsProtocol.Port, d.Source.Port);
        }
        finally
        {
            foreach (var t in transports)
                await t.DisposeAsync();
        }
    }
}

using System.Net;
using ARSoft.Tools.Net.Dns;
using Datom.Sync.Discovery;
using FsCheck.Xunit;
using Xunit;
using static Datom.Sync.Tests.Discovery.MdnsTestPackets;

namespace Datom.Sync.Tests.Discovery;

/// <summary>One announced responder and a browser sharing an endpoint, for the fuzz property to hit.</summary>
public sealed class FuzzTarget : IAsyncLifetime
{
    public FuzzTarget() => Sim = new MdnsSim(seed: 7, Logs);

    public ListLoggerFactory Logs { get; } = new();

    public MdnsSim Sim { get; }

    public MdnsSim.Node Node { get; private set; } = null!;

    public MdnsBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Node = Sim.AddResponder("target", "10.0.0.1", MdnsSim.NodeIdFrom(9));
        Browser = new MdnsBrowser(Node.Endpoint);
        Browser.Start();
        Sim.AddResponder("peer", "10.0.0.2", MdnsSim.NodeIdFrom(8));
        await Sim.RunAsync(4);
    }

    public async Task DisposeAsync()
    {
        await Browser.StopAsync();
        await Sim.DisposeAsync();
    }
}

public sealed class ReceivePathFuzzTests(FuzzTarget target) : IClassFixture<FuzzTarget>
{
    private static readonly IPEndPoint[] Sources =
    [
        new(IPAddress.Parse("10.0.0.66"), 5353),
        new(IPAddress.Parse("10.0.0.66"), 33333),
        new(IPAddress.Parse("172.16.0.1"), 5353),
    ];

    [Property(MaxTest = 2000, Arbitrary = [typeof(MdnsGenerators)])]
    public void Hostile_packets_never_throw_out_of_the_receive_path(MdnsFuzzPacket packet, byte source)
    {
        var datagram = new MdnsDatagram(packet.Bytes, Sources[source % Sources.Length], 1);
        target.Node.Endpoint.Process(datagram);
        // Whatever ARSoft accepts, the responder and browser handle without throwing: a packet
        // is dropped by the guard or the parser (event 4100), never by a handler failing (4106).
        Assert.DoesNotContain(target.Logs.Entries, e => e.Id.Id == 4106);
    }

    [Fact]
    public async Task After_the_storm_the_node_still_answers_and_still_sees_its_peer()
    {
        // Push hostile packets through the real receive loop (transport queue -> endpoint) as well.
        var random = new Random(3);
        for (var i = 0; i < 300; i++)
        {
            var bytes = new byte[random.Next(0, 400)];
            random.NextBytes(bytes);
            target.Sim.Network.Inject(target.Node.Transport, bytes, Sources[0]);
        }
        await target.Sim.RunAsync(2);
        target.Sim.Network.ClearTraffic();
        target.Sim.Network.Inject(target.Node.Transport, Query((Instance(target.Node), RecordType.Srv, false)), Querier);
        await target.Sim.SettleAsync();

        Assert.Single(ResponsesFrom(target.Sim, target.Node, 0));
        Assert.Equal(MdnsResponderState.Announced, target.Node.Responder!.State);
        Assert.Contains(target.Browser.Peers, p => p.NodeId == MdnsSim.NodeIdFrom(8));
    }
}

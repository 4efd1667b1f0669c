using ARSoft.Tools.Net.Dns;
using Datom.Sync.Discovery;
using Xunit;

namespace Datom.Sync.Tests.Discovery;

public sealed class ResponderTests
{
    [Fact]
    public async Task Probes_three_times_250ms_apart_then_announces_twice_one_second_apart()
    {
        await using var sim = new MdnsSim();
        var node = sim.AddResponder("a", "10.0.0.1", MdnsSim.NodeIdFrom(1));
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
}

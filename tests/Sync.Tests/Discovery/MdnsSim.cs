using System.Diagnostics;
using System.Net;
using ARSoft.Tools.Net.Dns;
using Datom.Log.Identity;
using Datom.Sync.Discovery;

namespace Datom.Sync.Tests.Discovery;

/// <summary>
/// A simulated LAN for the discovery unit tests: a manual clock, a <see cref="SimulatedMdnsNetwork"/>
/// and helpers to make nodes, move time in small steps and let every endpoint finish what the last
/// step delivered before the next one.
/// </summary>
public sealed class MdnsSim : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _owned = [];
    private int _seed;

    private readonly Microsoft.Extensions.Logging.ILoggerFactory? _loggerFactory;

    public MdnsSim(int seed = 1, Microsoft.Extensions.Logging.ILoggerFactory? loggerFactory = null)
    {
        _seed = seed;
        _loggerFactory = loggerFactory;
        Network = new SimulatedMdnsNetwork(Time);
    }

    public ManualTimeProvider Time { get; } = new();

    public SimulatedMdnsNetwork Network { get; }

    public static NodeId NodeIdFrom(byte fill)
    {
        var key = new byte[NodeId.KeySize];
        Array.Fill(key, fill);
        return new NodeId(key);
    }

    public sealed record Node(SimulatedMdnsTransport Transport, MdnsEndpoint Endpoint)
    {
        public MdnsResponder? Responder { get; set; }

        public MdnsBrowser? Browser { get; set; }
    }

    /// <summary>A host with an endpoint (started), nothing attached yet.</summary>
    public Node AddHost(string name, string address)
    {
        var transport = Network.AddHost(name, IPAddress.Parse(address));
        var endpoint = new MdnsEndpoint(transport, Time, _loggerFactory, randomSeed: _seed++);
        endpoint.Start();
        _owned.Add(endpoint);
        _owned.Add(transport);
        return new Node(transport, endpoint);
    }

    public Node AddResponder(string name, string address, NodeId id, ushort port = 7070, string mesh = "00aa11bb22cc33dd", MdnsResponderOptions? options = null, bool start = true)
    {
        var node = AddHost(name, address);
        node.Responder = new MdnsResponder(node.Endpoint, new DatomServiceProfile(id, mesh, port), options);
        _owned.Insert(0, node.Responder);
        if (start)
            node.Responder.Start();
        return node;
    }

    public Node AddBrowser(string name, string address, MdnsBrowserOptions? options = null)
    {
        var node = AddHost(name, address);
        node.Browser = new MdnsBrowser(node.Endpoint, options);
        _owned.Insert(0, node.Browser);
        node.Browser.Start();
        return node;
    }

    /// <summary>Waits (in real time, at most 10 s) until every delivered datagram has been processed.</summary>
    public async Task SettleAsync()
    {
        var watch = Stopwatch.StartNew();
        while (!Network.IsQuiescent)
        {
            if (watch.Elapsed > TimeSpan.FromSeconds(10))
                throw new TimeoutException("the simulated network did not settle within 10 s");
            await Task.Delay(1);
        }
    }

    /// <summary>Moves the clock by <paramref name="total"/> in steps of <paramref name="step"/> (10 ms by default), settling after each.</summary>
    public async Task RunAsync(TimeSpan total, TimeSpan? step = null)
    {
        var s = step ?? TimeSpan.FromMilliseconds(10);
        await SettleAsync();
        var steps = (int)Math.Ceiling(total / s);
        for (var i = 0; i < steps; i++)
        {
            var by = i == steps - 1 ? total - (s * (steps - 1)) : s;
            Time.Advance(by);
            await SettleAsync();
        }
    }

    public Task RunAsync(double seconds) => RunAsync(TimeSpan.FromSeconds(seconds));

    /// <summary>The traffic, decoded, from <paramref name="from"/> on (by index into the log).</summary>
    public List<(SimulatedPacket Packet, MulticastDnsMessage Message)> Decoded(int from = 0) =>
        Network.Traffic.Skip(from).Select(p => (p, MulticastDnsMessage.Parse(p.Payload))).ToList();

    public async ValueTask DisposeAsync()
    {
        foreach (var d in _owned)
            await d.DisposeAsync();
    }
}

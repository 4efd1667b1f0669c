using System.Net;
using System.Net.Sockets;

namespace Datom.Sync.Discovery;

/// <summary>One datagram that crossed a <see cref="SimulatedMdnsNetwork"/>.</summary>
/// <param name="At">Time since the network was made, by its clock.</param>
/// <param name="From">The sending host's name (or "injected").</param>
/// <param name="Source">The source endpoint receivers saw.</param>
/// <param name="Target">Where it was sent.</param>
/// <param name="Payload">The bytes.</param>
public sealed record SimulatedPacket(TimeSpan At, string From, IPEndPoint Source, MdnsSendTarget Target, byte[] Payload);

/// <summary>
/// An in-memory link: multicast reaches every attached transport (the sender too, as with
/// IP_MULTICAST_LOOP), unicast reaches the transport that holds the address. Delivery is
/// immediate and ordered; every datagram is logged in <see cref="Traffic"/> with the time of the
/// network's clock, so tests can check what was sent when. For the simulator and unit tests.
/// </summary>
public sealed class SimulatedMdnsNetwork
{
    private readonly Lock _gate = new();
    private readonly List<SimulatedMdnsTransport> _hosts = [];
    private readonly List<SimulatedPacket> _traffic = [];
    private readonly TimeProvider _time;
    private readonly long _start;

    public SimulatedMdnsNetwork(TimeProvider? timeProvider = null)
    {
        _time = timeProvider ?? TimeProvider.System;
        _start = _time.GetTimestamp();
    }

    /// <summary>Cap on logged packets (the log is for tests; a long simulation keeps the latest).</summary>
    public int TrafficCapacity { get; init; } = 100_000;

    /// <summary>Everything sent so far, in order.</summary>
    public IReadOnlyList<SimulatedPacket> Traffic
    {
        get
        {
            lock (_gate)
                return [.. _traffic];
        }
    }

    public void ClearTraffic()
    {
        lock (_gate)
            _traffic.Clear();
    }

    /// <summary>
    /// Attaches a host with one interface (<c>sim0</c>, index 1) holding <paramref name="addresses"/>
    /// (IPv4 as /24, IPv6 as /64). Two transports may share an address, like two processes on one
    /// host sharing port 5353: both receive multicast.
    /// </summary>
    public SimulatedMdnsTransport AddHost(string name, params IPAddress[] addresses)
    {
        var transport = new SimulatedMdnsTransport(this, name, addresses);
        lock (_gate)
            _hosts.Add(transport);
        return transport;
    }

    /// <summary>
    /// Delivers raw bytes to one host as if <paramref name="source"/> had sent them (a hostile or
    /// legacy sender that is not a transport). Bypasses the sender-side size check on purpose.
    /// </summary>
    public void Inject(SimulatedMdnsTransport to, byte[] payload, IPEndPoint source)
    {
        ArgumentNullException.ThrowIfNull(to);
        ArgumentNullException.ThrowIfNull(payload);
        Log("injected", source, MdnsSendTarget.To(to.PrimaryEndPoint(source.AddressFamily), 1), payload);
        to.Deliver(payload, source);
    }

    /// <summary>
    /// Whether every transport that has a reader has taken and finished with every datagram
    /// delivered to it (its reader is back in ReceiveAsync). Timers aside, nothing more will happen
    /// until time moves.
    /// </summary>
    public bool IsQuiescent
    {
        get
        {
            lock (_gate)
                return _hosts.All(h => h.IsIdle);
        }
    }

    internal void Detach(SimulatedMdnsTransport transport)
    {
        lock (_gate)
            _hosts.Remove(transport);
    }

    internal void Send(SimulatedMdnsTransport from, byte[] payload, MdnsSendTarget target)
    {
        List<SimulatedMdnsTransport> hosts;
        lock (_gate)
            hosts = [.. _hosts];

        if (target.Unicast is { } destination)
        {
            var source = from.SourceFor(destination.AddressFamily);
            if (source is null)
                return;
            Log(from.Name, source, target, payload);
            if (destination.Port != MdnsProtocol.Port)
                return; // a legacy client's port: the packet is in the log for tests to read
            // With several transports on one address the kernel hands a unicast datagram to one
            // socket; the first attached stands in for that choice.
            hosts.Find(h => h.Holds(destination.Address))?.Deliver(payload, source);
            return;
        }

        foreach (var family in new[] { AddressFamily.InterNetwork, AddressFamily.InterNetworkV6 })
        {
            if (target.Family is { } only && only != family)
                continue;
            var source = from.SourceFor(family);
            if (source is null)
                continue;
            Log(from.Name, source, MdnsSendTarget.Multicast(target.InterfaceIndex, family), payload);
            foreach (var host in hosts)
                if (host.SourceFor(family) is not null)
                    host.Deliver(payload, source);
        }
    }

    private void Log(string from, IPEndPoint source, MdnsSendTarget target, byte[] payload)
    {
        lock (_gate)
        {
            if (_traffic.Count >= TrafficCapacity)
                _traffic.RemoveAt(0);
            _traffic.Add(new SimulatedPacket(_time.GetElapsedTime(_start), from, source, target, payload));
        }
    }
}

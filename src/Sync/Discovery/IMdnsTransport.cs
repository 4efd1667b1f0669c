using System.Net;
using System.Net.Sockets;

namespace Datom.Sync.Discovery;

/// <summary>
/// The datagram side of mDNS: UDP port 5353 on the multicast groups 224.0.0.251 and ff02::fb
/// (RFC 6762 §3), on a set of interfaces. Implementations: <see cref="UdpMdnsTransport"/> (real
/// sockets) and <see cref="SimulatedMdnsTransport"/> (an in-memory multicast segment); both pass
/// one contract test suite.
/// </summary>
/// <remarks>
/// A transport has one reader: <see cref="ReceiveAsync"/> is called by a single loop (the
/// <see cref="MdnsEndpoint"/>). Multicast sent by a transport is also delivered back to itself, as
/// IP_MULTICAST_LOOP does for sockets, so that two processes on one host see each other.
/// </remarks>
public interface IMdnsTransport : IAsyncDisposable
{
    /// <summary>The interfaces in use now, each with its addresses.</summary>
    IReadOnlyList<MdnsInterface> Interfaces { get; }

    /// <summary>
    /// Raised (on any thread) after <see cref="Interfaces"/> changed: an interface came or went,
    /// or its addresses changed.
    /// </summary>
    event EventHandler? InterfacesChanged;

    /// <summary>
    /// Sends one datagram, to the mDNS group(s) of one interface or to one unicast endpoint. Like
    /// UDP, delivery is not promised: a failure on the network is logged and the datagram dropped;
    /// only misuse (a datagram over <see cref="MdnsProtocol.MaxPacketSize"/>, a disposed transport)
    /// throws.
    /// </summary>
    void Send(ReadOnlySpan<byte> datagram, MdnsSendTarget target);

    /// <summary>
    /// The next datagram received on one of <see cref="Interfaces"/>. Throws
    /// <see cref="OperationCanceledException"/> when <paramref name="cancellationToken"/> fires and
    /// <see cref="ObjectDisposedException"/> once the transport is disposed.
    /// </summary>
    ValueTask<MdnsDatagram> ReceiveAsync(CancellationToken cancellationToken);
}

/// <summary>Where a datagram goes: the mDNS group(s) on one interface, or one unicast endpoint.</summary>
public readonly record struct MdnsSendTarget
{
    private MdnsSendTarget(int interfaceIndex, AddressFamily? family, IPEndPoint? unicast)
    {
        InterfaceIndex = interfaceIndex;
        Family = family;
        Unicast = unicast;
    }

    /// <summary>The interface to send on (its OS index).</summary>
    public int InterfaceIndex { get; }

    /// <summary>For multicast: only this family's group, or both groups when null.</summary>
    public AddressFamily? Family { get; }

    /// <summary>The unicast destination, or null for multicast.</summary>
    public IPEndPoint? Unicast { get; }

    public bool IsMulticast => Unicast is null;

    /// <summary>224.0.0.251 and ff02::fb, port 5353, on one interface (each family the interface has).</summary>
    public static MdnsSendTarget Multicast(int interfaceIndex, AddressFamily? family = null) => new(interfaceIndex, family, null);

    /// <summary>One endpoint, reached through the given interface (needed for IPv6 link-local).</summary>
    public static MdnsSendTarget To(IPEndPoint destination, int interfaceIndex)
    {
        ArgumentNullException.ThrowIfNull(destination);
        return new(interfaceIndex, destination.AddressFamily, destination);
    }

    public override string ToString() => Unicast is null
        ? $"multicast on #{InterfaceIndex}{(Family is { } f ? " " + f : "")}"
        : $"unicast to {Unicast} via #{InterfaceIndex}";
}

/// <summary>One received datagram.</summary>
/// <param name="Payload">The bytes, a copy the receiver owns (at most <see cref="MdnsProtocol.MaxPacketSize"/>).</param>
/// <param name="Source">Sender address and port.</param>
/// <param name="InterfaceIndex">The interface it arrived on.</param>
public readonly record struct MdnsDatagram(byte[] Payload, IPEndPoint Source, int InterfaceIndex);

/// <summary>A network interface as mDNS sees it.</summary>
/// <param name="Index">The OS interface index (scope id for IPv6 link-local addresses).</param>
/// <param name="Name">The OS name, e.g. <c>eth0</c>.</param>
/// <param name="Addresses">Its unicast addresses with prefix lengths.</param>
public sealed record MdnsInterface(int Index, string Name, IReadOnlyList<MdnsInterfaceAddress> Addresses)
{
    public bool HasIPv4 => Addresses.Any(a => a.Address.AddressFamily == AddressFamily.InterNetwork);

    public bool HasIPv6 => Addresses.Any(a => a.Address.AddressFamily == AddressFamily.InterNetworkV6);

    /// <summary>
    /// Whether <paramref name="source"/> is on this link (RFC 6762 §11: a packet from off the link
    /// is ignored). IPv6 link-local is always on-link; otherwise the source must fall in one of the
    /// interface's prefixes.
    /// </summary>
    public bool IsOnLink(IPAddress source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (source.IsIPv4MappedToIPv6)
            source = source.MapToIPv4();
        if (source.AddressFamily == AddressFamily.InterNetworkV6 && source.IsIPv6LinkLocal)
            return true;
        foreach (var a in Addresses)
            if (a.Contains(source))
                return true;
        return false;
    }

    public bool Equals(MdnsInterface? other) =>
        other is not null && Index == other.Index && Name == other.Name && Addresses.SequenceEqual(other.Addresses);

    public override int GetHashCode() => HashCode.Combine(Index, Name, Addresses.Count);

    public override string ToString() => $"{Name}#{Index} [{string.Join(", ", Addresses)}]";
}

/// <summary>A unicast address of an interface and the length of its on-link prefix.</summary>
public readonly record struct MdnsInterfaceAddress(IPAddress Address, int PrefixLength)
{
    public bool Contains(IPAddress candidate)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        if (Address is null || candidate.AddressFamily != Address.AddressFamily)
            return false;
        Span<byte> a = stackalloc byte[16];
        Span<byte> b = stackalloc byte[16];
        if (!Address.TryWriteBytes(a, out var n) || !candidate.TryWriteBytes(b, out _))
            return false;
        var bits = Math.Clamp(PrefixLength, 0, n * 8);
        var whole = bits / 8;
        if (!a[..whole].SequenceEqual(b[..whole]))
            return false;
        var rest = bits % 8;
        if (rest == 0)
            return true;
        var mask = (byte)(0xFF << (8 - rest));
        return (a[whole] & mask) == (b[whole] & mask);
    }

    public override string ToString() => $"{Address}/{PrefixLength}";
}

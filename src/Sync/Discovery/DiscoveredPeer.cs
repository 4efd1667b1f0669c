using System.Net;
using Datom.Log.Identity;

namespace Datom.Sync.Discovery;

/// <summary>How a discovered peer differs from what this node expects. Such peers are reported, flagged.</summary>
[Flags]
public enum PeerMismatch
{
    None = 0,

    /// <summary>Its TXT <c>mesh</c> is not our mesh id (or is missing): it cannot complete a handshake with our mesh key.</summary>
    OtherMesh = 1,

    /// <summary>Its TXT <c>v</c> is not our protocol version (or is missing).</summary>
    OtherVersion = 2,
}

/// <summary>
/// A datom node seen on the LAN, as its mDNS records describe it. A hint, not a fact: nothing here
/// is authenticated until the Noise handshake with the node id succeeds.
/// </summary>
public sealed record DiscoveredPeer
{
    /// <summary>The DNS-SD instance label (normally the node id; <c>id (2)</c> after a rename).</summary>
    public required string InstanceName { get; init; }

    /// <summary>The node id from the TXT <c>id</c> key.</summary>
    public required NodeId NodeId { get; init; }

    /// <summary>The TXT <c>mesh</c> value, if present and well-formed.</summary>
    public string? MeshId { get; init; }

    /// <summary>The TXT <c>v</c> value, if present and well-formed.</summary>
    public string? ProtocolVersion { get; init; }

    /// <summary>The SRV target, e.g. <c>datom-abcd.local</c>.</summary>
    public required string HostName { get; init; }

    public required ushort Port { get; init; }

    /// <summary>The target's addresses (IPv6 link-local ones carry the scope of the interface they were heard on).</summary>
    public required IReadOnlyList<IPAddress> Addresses { get; init; }

    public required DateTimeOffset FirstSeen { get; init; }

    /// <summary>When a record of this peer was last received.</summary>
    public required DateTimeOffset LastSeen { get; init; }

    public PeerMismatch Mismatch { get; init; }

    /// <summary>Same mesh and protocol version as this node.</summary>
    public bool IsCompatible => Mismatch == PeerMismatch.None;

    public IEnumerable<IPEndPoint> Endpoints => Addresses.Select(a => new IPEndPoint(a, Port));

    /// <summary>Equal in everything but the times.</summary>
    internal bool SameAdvertisement(DiscoveredPeer other) =>
        InstanceName == other.InstanceName && NodeId == other.NodeId && MeshId == other.MeshId
        && ProtocolVersion == other.ProtocolVersion && HostName == other.HostName && Port == other.Port
        && Mismatch == other.Mismatch && Addresses.SequenceEqual(other.Addresses);

    public override string ToString() =>
        $"{InstanceName} node={NodeId} mesh={MeshId} v={ProtocolVersion} {HostName}:{Port} [{string.Join(", ", Addresses)}]{(Mismatch == PeerMismatch.None ? "" : " " + Mismatch)}";
}

/// <summary>A peer appeared, changed or went.</summary>
public sealed class DiscoveredPeerEventArgs(DiscoveredPeer peer) : EventArgs
{
    public DiscoveredPeer Peer { get; } = peer;
}

/// <summary>Settings of an <see cref="MdnsBrowser"/>.</summary>
public sealed class MdnsBrowserOptions
{
    /// <summary>Our mesh id; peers with another (or none) are flagged <see cref="PeerMismatch.OtherMesh"/>. Null: no check.</summary>
    public string? ExpectedMeshId { get; init; }

    /// <summary>Our protocol version; peers with another are flagged <see cref="PeerMismatch.OtherVersion"/>.</summary>
    public string ExpectedProtocolVersion { get; init; } = DatomServiceProfile.CurrentProtocolVersion;

    /// <summary>Leave this node out (a node's browser hears its own responder).</summary>
    public NodeId? ExcludeNodeId { get; init; }

    /// <summary>RFC 6762 §5.2: the gap after the first query; it doubles after every query.</summary>
    public TimeSpan InitialQueryInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>RFC 6762 §5.2: the doubling stops at 60 minutes.</summary>
    public TimeSpan MaxQueryInterval { get; init; } = TimeSpan.FromMinutes(60);

    /// <summary>
    /// Ask for unicast replies in the first query (RFC 6762 §5.4). Off by default: where several
    /// mDNS stacks share port 5353 on one host (Avahi and a datom node, two nodes), a unicast reply
    /// reaches only one of them.
    /// </summary>
    public bool UnicastFirstQuery { get; init; }

    /// <summary>Cap on cached records; beyond it new records are dropped (and logged).</summary>
    public int MaxRecords { get; init; } = 2048;

    /// <summary>Cap on peers reported at once.</summary>
    public int MaxPeers { get; init; } = 512;

    internal void Validate()
    {
        if (InitialQueryInterval < TimeSpan.FromMilliseconds(100) || MaxQueryInterval < InitialQueryInterval)
            throw new ArgumentOutOfRangeException(nameof(InitialQueryInterval), "query intervals must be at least 100 ms and the cap at least the first interval");
        if (MaxRecords < 16 || MaxPeers < 1)
            throw new ArgumentOutOfRangeException(nameof(MaxRecords), "the caps must be positive (MaxRecords at least 16)");
    }
}

using Datom.Log.Identity;

namespace Datom.Sync.Discovery;

/// <summary>
/// What a datom node advertises: its DNS-SD instance of <c>_datom._tcp.local</c> on a TCP port,
/// with TXT keys <c>v</c> (protocol version), <c>id</c> (node id) and <c>mesh</c> (mesh id).
/// None of it is secret and none of it is trusted by a receiver: the Noise handshake proves who
/// is at the port.
/// </summary>
public sealed record DatomServiceProfile
{
    /// <summary>The protocol version this code speaks.</summary>
    public const string CurrentProtocolVersion = "1";

    /// <summary>Cap on a mesh id: a short fingerprint (<see cref="MeshKey.Id"/> is 16 hex digits).</summary>
    public const int MaxMeshIdLength = 64;

    /// <summary>Cap on a protocol version string.</summary>
    public const int MaxVersionLength = 16;

    public DatomServiceProfile(NodeId nodeId, string meshId, ushort port, string protocolVersion = CurrentProtocolVersion)
    {
        if (nodeId.IsEmpty)
            throw new ArgumentException("an empty node id cannot be advertised", nameof(nodeId));
        if (!IsValidMeshId(meshId))
            throw new ArgumentException($"a mesh id is 1 to {MaxMeshIdLength} lowercase hex digits, not '{meshId}'", nameof(meshId));
        if (!IsValidVersion(protocolVersion))
            throw new ArgumentException($"a protocol version is 1 to {MaxVersionLength} letters, digits or dots, not '{protocolVersion}'", nameof(protocolVersion));
        if (port == 0)
            throw new ArgumentOutOfRangeException(nameof(port), "port 0 cannot be advertised");
        NodeId = nodeId;
        MeshId = meshId;
        Port = port;
        ProtocolVersion = protocolVersion;
    }

    public NodeId NodeId { get; }

    public string MeshId { get; }

    public ushort Port { get; }

    public string ProtocolVersion { get; }

    /// <summary>The TXT strings (RFC 6763 §6): <c>v=…</c>, <c>id=…</c>, <c>mesh=…</c>.</summary>
    public IReadOnlyList<string> TxtStrings => [$"v={ProtocolVersion}", $"id={NodeId}", $"mesh={MeshId}"];

    public static bool IsValidMeshId(string? meshId) =>
        meshId is { Length: > 0 and <= MaxMeshIdLength } && meshId.All(char.IsAsciiHexDigitLower);

    public static bool IsValidVersion(string? version) =>
        version is { Length: > 0 and <= MaxVersionLength } && version.All(c => char.IsAsciiLetterOrDigit(c) || c == '.');
}

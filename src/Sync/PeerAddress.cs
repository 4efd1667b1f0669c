using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using Datom.Log.Identity;
using Datom.Sync.Protocol;

namespace Datom.Sync;

/// <summary>
/// Where to find a peer, and optionally who it must prove to be: <c>host:port</c>,
/// <c>[v6]:port</c>, or <c>nodeid@host:port</c>. With a node id, a peer proving any other id is
/// refused (<see cref="SyncError.UnexpectedPeer"/>).
/// </summary>
public sealed record PeerAddress(EndPoint EndPoint, NodeId? ExpectedId = null)
{
    public override string ToString() => ExpectedId is { } id ? $"{id}@{Format(EndPoint)}" : Format(EndPoint);

    public static string Format(EndPoint endPoint) => endPoint switch
    {
        DnsEndPoint dns => $"{dns.Host}:{dns.Port}",
        IPEndPoint ip => ip.ToString(),
        _ => endPoint?.ToString() ?? "",
    };

    public static PeerAddress Parse(string text) =>
        TryParse(text, out var address) ? address : throw new FormatException($"'{text}' is not a peer address (host:port, [v6]:port, or nodeid@host:port)");

    public static bool TryParse(string? text, [NotNullWhen(true)] out PeerAddress? address)
    {
        address = null;
        if (string.IsNullOrWhiteSpace(text))
            return false;
        text = text.Trim();
        NodeId? id = null;
        var at = text.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            if (!NodeId.TryParse(text.AsSpan(0, at), out var parsed))
                return false;
            id = parsed;
            text = text[(at + 1)..];
        }
        if (IPEndPoint.TryParse(text, out var ip) && ip.Port != 0)
        {
            address = new PeerAddress(ip, id);
            return true;
        }
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
            return false;
        var host = text[..colon];
        if (host.Contains(':', StringComparison.Ordinal))
            return false;
        address = new PeerAddress(new DnsEndPoint(host, port), id);
        return true;
    }
}

using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using Datom.Sync.Protocol;

namespace Datom.Node.Config;

/// <summary>
/// Where the sync protocol listens, as <c>listen</c> in the config and <c>--listen</c> on the command
/// line write it: <c>HOST:PORT</c> with HOST an IP address (<c>[::]</c>, <c>0.0.0.0</c>,
/// <c>127.0.0.1</c>, an IPv6 address in brackets) and PORT 0 to 65535 (0: any free port), or
/// <c>off</c> to accept no connections and only dial. A host name is refused: a listener binds an
/// address, and a name that resolves to several would leave which one to chance.
/// </summary>
internal static class ListenAddress
{
    public const string Off = "off";

    /// <summary><c>[::]:7420</c>: every IPv6 address and, on a dual-stack socket, every IPv4 one.</summary>
    public static IPEndPoint Default => new(IPAddress.IPv6Any, SyncProtocol.DefaultPort);

    public const string Expected = "HOST:PORT with HOST an IP address (e.g. [::]:7420, 0.0.0.0:7420, 127.0.0.1:0), or \"off\"";

    /// <summary>Parses <paramref name="text"/>; null when it is <c>off</c>.</summary>
    /// <exception cref="FormatException">Not <see cref="Expected"/>.</exception>
    public static IPEndPoint? Parse(string text) =>
        TryParse(text, out var endPoint) ? endPoint : throw new FormatException($"'{text}' is not a listen address: expected {Expected}");

    /// <summary>Whether <paramref name="text"/> is a listen address; <paramref name="endPoint"/> is null for <c>off</c>.</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out IPEndPoint? endPoint)
    {
        endPoint = null;
        if (text is null)
            return false;
        if (string.Equals(text, Off, StringComparison.OrdinalIgnoreCase))
            return true;
        // The port is required: IPEndPoint.TryParse alone would take "::1" or "10.0.0.1" as port 0.
        string host;
        ReadOnlySpan<char> port;
        if (text.StartsWith('['))
        {
            var close = text.IndexOf("]:", StringComparison.Ordinal);
            if (close < 0)
                return false;
            host = text[1..close];
            port = text.AsSpan(close + 2);
            if (!host.Contains(':', StringComparison.Ordinal))
                return false;
        }
        else
        {
            var colon = text.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || text.IndexOf(':', colon + 1) >= 0)
                return false;
            host = text[..colon];
            port = text.AsSpan(colon + 1);
            // IPAddress.TryParse also takes inet_aton's forms ("1" is 0.0.0.1, "10.1" is 10.0.0.1);
            // an address to listen on is written as four numbers.
            if (host.AsSpan().Count('.') != 3)
                return false;
        }
        if (!IPAddress.TryParse(host, out var address)
            || !int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var number)
            || number > IPEndPoint.MaxPort)
            return false;
        endPoint = new IPEndPoint(address, number);
        return true;
    }

    /// <summary>The text <see cref="Parse"/> reads back: <c>off</c>, <c>1.2.3.4:5</c> or <c>[::]:7420</c>.</summary>
    public static string Format(IPEndPoint? endPoint) => endPoint?.ToString() ?? Off;

    /// <summary>
    /// The rule for servers that give whoever reaches them the node (the web console, nREPL): a
    /// listen address other than loopback needs <c>allow_remote = true</c> in its table.
    /// </summary>
    public static bool RefusedRemote(IPEndPoint? endPoint, bool allowRemote) =>
        endPoint is not null && !allowRemote && !IPAddress.IsLoopback(endPoint.Address);
}

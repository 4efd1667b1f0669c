using System.Net;

namespace Datom.Node.Config;

/// <summary>
/// A server that is off unless given a listen address and that binds loopback only unless the
/// config says otherwise: <c>[http]</c> (the web console) and <c>[nrepl]</c> (the nREPL server for
/// editors). Whoever reaches either can act as this node, so exposing one beyond the machine is a
/// decision made in the file (<c>allow_remote = true</c>), never by accident.
/// </summary>
internal sealed record ListenerConfig
{
    /// <summary>The console's section.</summary>
    public static readonly ListenerConfig Http = new("http", "the web console's token gives its holder the node");

    /// <summary>The nREPL server's section.</summary>
    public static readonly ListenerConfig Nrepl = new("nrepl", "an nREPL client runs any code it likes as this node");

    private ListenerConfig(string section, string risk)
    {
        Section = section;
        Risk = risk;
    }

    /// <summary>The config section, <c>http</c> or <c>nrepl</c>.</summary>
    public string Section { get; }

    /// <summary>What whoever reaches the server can do, said when a remote address is refused.</summary>
    public string Risk { get; }

    /// <summary>Where the server listens; null: off. Port 0 picks a free port.</summary>
    public IPEndPoint? Listen { get; init; }

    /// <summary>Whether <see cref="Listen"/> may be an address other than loopback.</summary>
    public bool AllowRemote { get; init; }

    /// <summary>Why <see cref="Listen"/> may not be bound, or null when it may.</summary>
    public string? RefusedAddress() =>
        ListenAddress.RefusedRemote(Listen, AllowRemote)
            ? $"{ListenAddress.Format(Listen)} is not a loopback address (127.0.0.1 or [::1]) and {Risk}; set allow_remote = true under [{Section}] to serve it beyond this machine"
            : null;
}

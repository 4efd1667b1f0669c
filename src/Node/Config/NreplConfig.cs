using System.Net;

namespace Datom.Node.Config;

/// <summary>
/// <c>[nrepl]</c>: the nREPL server that editors connect to (<c>datom run --nrepl HOST:PORT</c>).
/// Off unless a listen address is given. An nREPL client runs any code it likes with this node's
/// key, so the server binds a loopback address only, unless <see cref="AllowRemote"/> says otherwise.
/// </summary>
internal sealed record NreplConfig
{
    /// <summary>Where the server listens; null: no server. Port 0 picks a free port (written to <c>DIR/.nrepl-port</c>).</summary>
    public IPEndPoint? Listen { get; init; }

    /// <summary>Whether a non-loopback address may be bound (anyone who reaches it can evaluate code as this node).</summary>
    public bool AllowRemote { get; init; }

    /// <summary>Why <see cref="Listen"/> may not be bound, or null when it may.</summary>
    public string? RefusedAddress() =>
        ListenAddress.RefusedRemote(Listen, AllowRemote)
            ? $"the nREPL server binds loopback only (127.0.0.1 or [::1]): anyone who reaches {Listen} could run code as this node; set [nrepl] allow_remote = true to allow it"
            : null;
}

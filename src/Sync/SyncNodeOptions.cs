using System.Net;
using Datom.Sync.Protocol;
using Datom.Sync.Transport;

namespace Datom.Sync;

/// <summary>How a <see cref="SyncNode"/> listens, dials, and protects itself. Every limit has a finite default.</summary>
public sealed record SyncNodeOptions
{
    /// <summary>Where to accept connections; null accepts none (dial only).</summary>
    public EndPoint? Listen { get; init; } = new IPEndPoint(IPAddress.IPv6Any, SyncProtocol.DefaultPort);

    /// <summary>Peers to keep connected to (static peers from the config; discovery adds more at run time).</summary>
    public IReadOnlyList<PeerAddress> StaticPeers { get; init; } = [];

    public ISyncTransport Transport { get; init; } = TcpSyncTransport.Instance;

    public FrameLimits Limits { get; init; } = FrameLimits.Default;

    /// <summary>Sent in Hello, for logs and <c>datom peers</c>.</summary>
    public string Agent { get; init; } = "datom/1";

    /// <summary>Preamble, three Noise messages and both identity proofs must finish within this (slow-loris bound).</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(5);

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>A Ping goes out when nothing else has for this long.</summary>
    public TimeSpan PingInterval { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>A peer from which nothing (not even a Pong) arrives for this long is dropped.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long to wait for a probe's answer or for a pull round to finish.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Connections overall (in and out, including handshakes), at most.</summary>
    public int MaxConnections { get; init; } = 64;

    /// <summary>Incoming connections from one address (including handshakes), at most.</summary>
    public int MaxConnectionsPerAddress { get; init; } = 8;

    /// <summary>Incoming handshakes in progress, at most.</summary>
    public int MaxPendingHandshakes { get; init; } = 16;

    /// <summary>
    /// Entries per second accepted from one peer (a token bucket; beyond it, reading from the peer
    /// pauses). Verifying costs ~50 µs of CPU per entry, so the default of 50,000/s lets one peer use
    /// at most about 2.5 cores. Zero or less: no limit.
    /// </summary>
    public double MaxEntriesPerSecond { get; init; } = 50_000;

    /// <summary>The bucket's size: entries a peer may send at once before the rate applies.</summary>
    public int EntryBurst { get; init; } = 100_000;

    /// <summary>How long a misbehaving peer is refused (doubling for each repeat, up to <see cref="MaxBanDuration"/>).</summary>
    public TimeSpan BanDuration { get; init; } = TimeSpan.FromMinutes(1);

    public TimeSpan MaxBanDuration { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Failed incoming handshakes from one address within a minute before it is refused for <see cref="BanDuration"/>.</summary>
    public int HandshakeFailuresBeforeBan { get; init; } = 10;

    /// <summary>First reconnect delay; doubles per failure with full jitter, up to <see cref="ReconnectMaxDelay"/>.</summary>
    public TimeSpan ReconnectBaseDelay { get; init; } = TimeSpan.FromMilliseconds(250);

    public TimeSpan ReconnectMaxDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>A pull round is started at least this often on every connection (anti-entropy).</summary>
    public TimeSpan AntiEntropyInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Entries waiting to be pushed to one peer. Beyond it, pushes are dropped and the peer is asked to
    /// pull instead (<see cref="ResyncHintMessage"/>), so a slow peer costs bounded memory.
    /// </summary>
    public int PushQueueCapacity { get; init; } = 8192;

    /// <summary>Threads that verify signatures of received entries (all cores by default).</summary>
    public int VerifyParallelism { get; init; } = Environment.ProcessorCount;

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>
    /// A peer whose wall clock differs from ours by at least this much is named in a log warning when
    /// it connects. Nothing else happens: a skewed clock is never a reason to refuse anything.
    /// </summary>
    public TimeSpan ClockSkewWarning { get; init; } = TimeSpan.FromSeconds(2);
}

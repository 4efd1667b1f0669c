using Datom.Sync.Protocol;

namespace Datom.Sync.Session;

/// <summary>The settings a <see cref="SyncSession"/> runs by: the protocol's timers and limits for one connection.</summary>
internal sealed record SessionOptions
{
    /// <summary>A pull runs at least this often, even with no hint (catches anything pushes missed).</summary>
    public TimeSpan AntiEntropyInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>A pull round or a probe not answered within this breaks the connection.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>A Ping goes out when nothing was sent (or nothing heard) for this long.</summary>
    public TimeSpan PingInterval { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Nothing heard from the peer for longer than this breaks the connection.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Entries waiting to be pushed, at most; past this, pushes are dropped and the peer is told to pull.</summary>
    public int PushQueueCapacity { get; init; } = 8192;

    public FrameLimits Limits { get; init; } = FrameLimits.Default;

    /// <summary>The largest frame the peer accepts (from its Hello).</summary>
    public int PeerMaxFrameBytes { get; init; } = FrameLimits.Default.MaxFrameBytes;

    public static SessionOptions From(SyncNodeOptions options, int peerMaxFrameBytes)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new SessionOptions
        {
            AntiEntropyInterval = options.AntiEntropyInterval,
            RequestTimeout = options.RequestTimeout,
            PingInterval = options.PingInterval,
            IdleTimeout = options.IdleTimeout,
            PushQueueCapacity = Math.Max(1, options.PushQueueCapacity),
            Limits = options.Limits,
            PeerMaxFrameBytes = peerMaxFrameBytes,
        };
    }
}

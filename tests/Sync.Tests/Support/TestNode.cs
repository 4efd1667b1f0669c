using System.Net;
using Datom.Log;
using Datom.Log.Entries;
using Datom.Log.Identity;
using Datom.Log.Model;
using Datom.Log.Storage;

namespace Datom.Sync.Tests.Support;

/// <summary>A log, an identity and a sync node listening on loopback, for one test.</summary>
public sealed class TestNode : IAsyncDisposable
{
    private TestNode(NodeIdentity identity, DatomLog log, SyncNode sync, CapturingLogger<SyncNode> logger)
    {
        Identity = identity;
        Log = log;
        Sync = sync;
        Logger = logger;
    }

    public NodeIdentity Identity { get; }

    public DatomLog Log { get; }

    public SyncNode Sync { get; }

    public CapturingLogger<SyncNode> Logger { get; }

    public NodeId Id => Identity.Id;

    public EndPoint EndPoint => Sync.LocalEndPoint!;

    public PeerAddress Address => new(EndPoint, Id);

    /// <summary>Options for tests: loopback, short timeouts, fast reconnects.</summary>
    public static SyncNodeOptions Options(SyncNodeOptions? overrides = null) => (overrides ?? new SyncNodeOptions()) with
    {
        Listen = overrides?.Listen is { } listen && !Equals(listen, new SyncNodeOptions().Listen) ? listen : new IPEndPoint(IPAddress.Loopback, 0),
    };

    public static async Task<TestNode> StartAsync(MeshKey mesh, SyncNodeOptions? options = null, NodeIdentity? identity = null, DatomLog? log = null, LogOptions? logOptions = null)
    {
        identity ??= NodeIdentity.Generate();
        log ??= DatomLog.Open(new MemoryStorage(), identity, logOptions);
        var logger = new CapturingLogger<SyncNode>();
        options ??= new SyncNodeOptions
        {
            HandshakeTimeout = TimeSpan.FromSeconds(3),
            ReconnectBaseDelay = TimeSpan.FromMilliseconds(50),
            ReconnectMaxDelay = TimeSpan.FromMilliseconds(500),
        };
        if (Equals(options.Listen, new SyncNodeOptions().Listen))
            options = options with { Listen = new IPEndPoint(IPAddress.Loopback, 0) };
        var sync = new SyncNode(log, identity, mesh, options, logger);
        await sync.StartAsync(CancellationToken.None);
        return new TestNode(identity, log, sync, logger);
    }

    public static LogDatom[] Tx(int i) => [new LogDatom(new EntityId(7, (ulong)i), "test/n", Value.Long(i), true)];

    public Task<Entry> AppendAsync(int i) => Log.AppendAsync(Tx(i));

    public HashSet<EntryHash> Hashes() => [.. Log.Entries().Select(e => e.Hash)];

    public async ValueTask DisposeAsync()
    {
        await Sync.DisposeAsync();
        Log.Dispose();
        Identity.Dispose();
    }
}

/// <summary>Bounded waiting for a condition that other threads make true.</summary>
public static class Eventually
{
    public static async Task TrueAsync(Func<bool> condition, TimeSpan within, string what)
    {
        var deadline = DateTime.UtcNow + within;
        var delay = 5;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"not within {within.TotalSeconds} s: {what}");
            await Task.Delay(delay);
            delay = Math.Min(delay * 2, 50);
        }
    }
}

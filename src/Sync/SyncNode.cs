using System.Collections.Concurrent;
using System.Net;
using Datom.Log;
using Datom.Log.Entries;
using Datom.Log.Identity;
using Datom.Log.Model;
using Datom.Sync.Connection;
using Datom.Sync.Protocol;
using Datom.Sync.Session;
using Datom.Sync.Transport;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Datom.Sync;

/// <summary>
/// A node's part in the mesh: accepts connections, keeps connections to known peers (static peers,
/// and whatever discovery adds with <see cref="AddPeer"/>), reconciles with each peer on connecting
/// and pushes what the log stores afterwards. Enforces the limits of <see cref="SyncNodeOptions"/>,
/// disconnects and bans peers that misbehave, and reports its peers for <c>datom peers</c>.
/// </summary>
/// <remarks>
/// Relaying follows <see cref="RelayRule"/>, the rule the simulator's nodes follow too. The node
/// remembers which peer each arriving entry came from, and whether it was pushed or pulled, until
/// the log stores it.
/// </remarks>
public sealed partial class SyncNode : BackgroundService, IPeerHost, IAsyncDisposable
{
    /// <summary>Entries remembered as "came from peer P" until stored; beyond this, echoes are possible but harmless.</summary>
    private const int MaxOrigins = 1 << 18;

    private readonly DatomLog _log;
    private readonly SyncIdentity _identity;
    private readonly MeshKey _meshKey;
    private readonly SyncNodeOptions _options;
    private readonly ILogger _logger;
    private readonly EntryVerifier _verifier;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _lifetime = new();
    private readonly Lock _gate = new();
    private readonly PeerSlots<PeerConnection> _connections;
    private readonly Dictionary<EndPoint, DialTarget> _targets = [];
    private readonly ConcurrentDictionary<EntryHash, Origin> _origins = new();
    private readonly ConcurrentDictionary<Task, byte> _running = new();
    private PeerConnection[] _live = [];
    private ISyncListener? _listener;
    private bool _started;
    private bool _stopped;
    private int _originCount;
    private int _connectionCount;
    private int _pendingHandshakes;

    public SyncNode(DatomLog log, NodeIdentity identity, MeshKey meshKey, SyncNodeOptions? options = null, ILogger<SyncNode>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentNullException.ThrowIfNull(meshKey);
        if (log.Self is { } self && self != identity.Id)
            throw new ArgumentException("the log belongs to another identity", nameof(identity));
        _log = log;
        _identity = SyncIdentity.Create(identity);
        _meshKey = meshKey;
        _options = options ?? new SyncNodeOptions();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _time = _options.Time;
        _connections = new PeerSlots<PeerConnection>(identity.Id);
        _verifier = new EntryVerifier(Math.Max(1, _options.VerifyParallelism), Log.Entries.EntryLimits.Default);
        foreach (var peer in _options.StaticPeers)
            AddPeer(peer);
    }

    public NodeId Id => _identity.Id;

    /// <summary>Where this node accepts connections (with the port assigned), once started; null if it does not listen.</summary>
    public EndPoint? LocalEndPoint => _listener?.LocalEndPoint;

    DatomLog IPeerHost.Log => _log;

    SyncNodeOptions IPeerHost.Options => _options;

    ILogger IPeerHost.Logger => _logger;

    EntryVerifier IPeerHost.Verifier => _verifier;

    /// <summary>Binds the listener (so <see cref="LocalEndPoint"/> is known when this returns) and starts dialing.</summary>
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_options.Listen is { } listen)
        {
            _listener = await _options.Transport.ListenAsync(listen, cancellationToken).ConfigureAwait(false);
            SyncLog.Listening(_logger, _listener.LocalEndPoint, Id);
        }
        _log.EntryStored += OnEntryStored;
        DialTarget[] targets;
        lock (_gate)
        {
            _started = true;
            targets = [.. _targets.Values];
        }
        foreach (var target in targets)
            StartDialing(target);
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_listener is null)
        {
            try
            {
                await Task.Delay(Timeout.Infinite, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
            return;
        }
        await AcceptLoopAsync(_listener, stoppingToken).ConfigureAwait(false);
    }

    /// <summary>Stops accepting and dialing, says goodbye to every peer, and waits for the connections to close.</summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_stopped)
                return;
            _stopped = true;
        }
        _log.EntryStored -= OnEntryStored;
        await _lifetime.CancelAsync().ConfigureAwait(false);
        if (_listener is not null)
            await _listener.DisposeAsync().ConfigureAwait(false);
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        PeerConnection[] open;
        lock (_gate)
            open = [.. _connections.All];
        foreach (var peer in open)
            peer.Close(SyncError.ShuttingDown, "this node is stopping", goodbye: true);
        try
        {
            await Task.WhenAll(_running.Keys).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await StopAsync(deadline.Token).ConfigureAwait(false);
        Dispose();
    }

    public override void Dispose()
    {
        base.Dispose();
        _lifetime.Dispose();
        _identity.Dispose();
    }

    /// <summary>The connected peers.</summary>
    public IReadOnlyList<PeerInfo> Peers()
    {
        var ours = _log.Authors();
        PeerConnection[] peers;
        lock (_gate)
            peers = [.. _connections.All];
        return [.. peers.Select(p => p.Describe(ours)).OrderBy(p => p.NodeId)];
    }

    /// <summary>Completes when this node has finished its first pull from <paramref name="peer"/> over the current connection.</summary>
    public Task WhenPulledFromAsync(NodeId peer, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (_connections.AnyOf(peer) is { } connection)
                return connection.FirstPullCompleted.WaitAsync(cancellationToken);
        }
        return Task.FromException(new InvalidOperationException($"not connected to {peer}"));
    }

    private void OnEntryStored(Entry entry)
    {
        Origin origin = default;
        if (Volatile.Read(ref _originCount) > 0 && _origins.TryRemove(entry.Hash, out origin))
            Interlocked.Decrement(ref _originCount);
        RelayRule.Push(Volatile.Read(ref _live), origin.From, origin.Live, peer => peer.OfferPush(entry));
    }

    void IPeerHost.Arriving(EntryHash hash, PeerConnection from, bool live)
    {
        if (Volatile.Read(ref _originCount) >= MaxOrigins)
            return;
        if (_origins.TryAdd(hash, new Origin(from, live)))
            Interlocked.Increment(ref _originCount);
        else
            _origins[hash] = new Origin(from, live);
    }

    void IPeerHost.NotArriving(EntryHash hash)
    {
        if (_origins.TryRemove(hash, out _))
            Interlocked.Decrement(ref _originCount);
    }

    void IPeerHost.RoundBroughtNews(PeerConnection from) =>
        RelayRule.HintAfterPull(Volatile.Read(ref _live), from, static peer => peer.HintResync());

    TimeSpan IPeerHost.Misbehaved(PeerConnection peer, SyncProtocolException error)
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            _bans.TryGetValue(peer.RemoteId, out var ban);
            var offences = (ban?.Offences ?? 0) + 1;
            var length = TimeSpan.FromTicks(Math.Min(_options.MaxBanDuration.Ticks, _options.BanDuration.Ticks * (1L << Math.Min(offences - 1, 20))));
            _bans[peer.RemoteId] = new Ban(offences, now + length);
            return length;
        }
    }

    private void Track(Task task)
    {
        _running.TryAdd(task, 0);
        task.ContinueWith(t => _running.TryRemove(t, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>The connection's life after the handshake: checks, registration, the connection's loops, cleanup.</summary>
    private async Task<(SyncError Error, string Reason)> RunPeerAsync(TransportConnection connection, HandshakeResult handshake, bool initiator, CancellationToken token)
    {
        var remote = handshake.Remote.NodeId;
        var where = PeerAddress.Format(connection.RemoteEndPoint);
        if (BanRemaining(remote) is { } remaining)
        {
            SyncLog.BannedPeerRefused(_logger, remote, where, remaining);
            handshake.Transport.Dispose();
            return (SyncError.Banned, $"banned for another {remaining}");
        }
        var peer = new PeerConnection(this, connection, handshake, initiator);
        if (!Register(peer, out var refusal))
        {
            SyncLog.DuplicateClosed(_logger, remote, refusal);
            await peer.DisposeAsync().ConfigureAwait(false);
            return (SyncError.DuplicateConnection, refusal);
        }
        SyncLog.Connected(_logger, remote, where, peer.Direction, peer.Agent);
        if (peer.ClockOffset is { } offset && offset.Duration() >= _options.ClockSkewWarning)
            SyncLog.ClockSkew(_logger, remote, where, ClockSpan.Format(offset.Duration()), offset > TimeSpan.Zero ? "ahead of" : "behind");
        (SyncError Error, string Reason) result;
        try
        {
            result = await peer.RunAsync(token).ConfigureAwait(false);
        }
        finally
        {
            Unregister(peer);
            await peer.DisposeAsync().ConfigureAwait(false);
        }
        var info = peer.Describe([]);
        SyncLog.Disconnected(_logger, remote, where, result.Error, result.Reason, info.EntriesSent, info.EntriesReceived);
        return result;
    }

    /// <summary>Adds a connection, keeping one per running peer (see <see cref="PeerSlots{T}"/>).</summary>
    private bool Register(PeerConnection peer, out string refusal)
    {
        PeerConnection? replaced;
        lock (_gate)
        {
            if (_stopped)
            {
                refusal = "this node is stopping";
                return false;
            }
            if (!_connections.TryAdd(peer, out replaced, out refusal))
                return false;
            _live = [.. _connections.All];
        }
        replaced?.Close(SyncError.DuplicateConnection, "replaced by another connection to the same node", goodbye: true);
        return true;
    }

    private void Unregister(PeerConnection peer)
    {
        lock (_gate)
        {
            if (_connections.Remove(peer))
                _live = [.. _connections.All];
        }
    }

    /// <summary>The open connection to <paramref name="peer"/>; with an instance of 0 (not known yet), to any instance of its node id.</summary>
    private bool TryGetConnection(PeerKey peer, out PeerConnection connection)
    {
        lock (_gate)
            connection = (peer.Instance == 0 ? _connections.AnyOf(peer.NodeId) : _connections.Get(peer))!;
        return connection is not null;
    }

    private TimeSpan? BanRemaining(NodeId id)
    {
        lock (_gate)
        {
            if (!_bans.TryGetValue(id, out var ban))
                return null;
            var remaining = ban.Until - _time.GetUtcNow();
            return remaining > TimeSpan.Zero ? remaining : null;
        }
    }

    private readonly Dictionary<NodeId, Ban> _bans = [];

    private sealed record Ban(int Offences, DateTimeOffset Until);

    private readonly record struct Origin(PeerConnection? From, bool Live);
}

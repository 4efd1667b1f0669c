using System.Net;
using Datom.Log.Identity;
using Datom.Sync;
using Datom.Sync.Discovery;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Datom.Node.Daemon;

/// <summary>What the daemon's mDNS part does.</summary>
/// <param name="Interfaces">Interface names to use; empty: every interface that can multicast.</param>
/// <param name="InstanceName">The DNS-SD instance label (the node's name); null: the node id.</param>
internal sealed record DiscoveryOptions(bool Enabled, IReadOnlyList<string> Interfaces, bool UseIPv4, bool UseIPv6, string? InstanceName);

/// <summary>
/// mDNS on the LAN (RFC 6762/6763): advertises this node's <c>_datom._tcp.local</c> service and
/// browses for the others of the same mesh, handing each one's addresses to <see cref="SyncNode"/>
/// to dial. An answer is only a hint: the handshake proves who a peer is and that it holds the mesh
/// key. On stop, the responder sends its goodbye (TTL 0) so peers drop this node at once.
/// </summary>
internal sealed class Discovery(
    DiscoveryOptions options,
    SyncNode sync,
    NodeId self,
    string meshId,
    ILoggerFactory loggerFactory) : IHostedService, IAsyncDisposable
{
    private readonly ILogger _logger = loggerFactory.CreateLogger<Discovery>();
    private readonly Lock _gate = new();
    /// <summary>Peers whose records expired and which are still dialed (see <see cref="OnLost"/>).</summary>
    private readonly LostPeers _lost = new(LostPeers.DefaultForgetAfter);

    private readonly Dictionary<NodeId, IPEndPoint[]> _dialing = [];
    private readonly CancellationTokenSource _stopping = new();
    private readonly long _started = TimeProvider.System.GetTimestamp();
    private readonly HashSet<NodeId> _ignored = [];
    private UdpMdnsTransport? _transport;
    private MdnsEndpoint? _endpoint;
    private MdnsResponder? _responder;
    private MdnsBrowser? _browser;

    /// <summary>The peers mDNS has found (of any mesh), for <c>datom peers</c>.</summary>
    public IReadOnlyList<DiscoveredPeer> Peers => _browser?.Peers ?? [];

    public bool Running => _browser is not null;

    public string? InstanceName => _responder?.FullInstanceName;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Enabled)
            return Task.CompletedTask;
        if (sync.LocalEndPoint is not IPEndPoint listening)
        {
            DaemonLog.DiscoveryUnavailable(_logger, "this node does not listen for sync connections, so there is nothing to advertise");
            return Task.CompletedTask;
        }
        try
        {
            _transport = UdpMdnsTransport.Open(new UdpMdnsTransportOptions
            {
                InterfaceNames = options.Interfaces.Count > 0 ? options.Interfaces : null,
                UseIPv4 = options.UseIPv4,
                UseIPv6 = options.UseIPv6,
            }, loggerFactory);
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or InvalidOperationException or ArgumentException)
        {
            DaemonLog.DiscoveryUnavailable(_logger, e.Message);
            return Task.CompletedTask;
        }
        _endpoint = new MdnsEndpoint(_transport, loggerFactory: loggerFactory);
        _responder = new MdnsResponder(_endpoint, new DatomServiceProfile(self, meshId, (ushort)listening.Port),
            new MdnsResponderOptions { InstanceName = options.InstanceName });
        _browser = new MdnsBrowser(_endpoint, new MdnsBrowserOptions { ExpectedMeshId = meshId, ExcludeNodeId = self });
        _browser.PeerDiscovered += (_, e) => OnPeer(e.Peer);
        _browser.PeerUpdated += (_, e) => OnPeer(e.Peer);
        _browser.PeerLost += (_, e) => OnLost(e.Peer);
        _transport.InterfacesChanged += (_, _) => OnNetworkChanged();
        _responder.Start();
        _browser.Start();
        var interfaces = _transport.Interfaces.Select(i => i.Name);
        DaemonLog.Advertising(_logger, _responder.FullInstanceName, listening.Port, interfaces);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        // Goodbye first (RFC 6762 §10.1), while the sockets are still open.
        if (_responder is not null)
            await _responder.StopAsync().ConfigureAwait(false);
        if (_browser is not null)
            await _browser.StopAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        _stopping.Dispose();
        if (_endpoint is not null)
            await _endpoint.DisposeAsync().ConfigureAwait(false);
        if (_transport is not null)
            await _transport.DisposeAsync().ConfigureAwait(false);
    }

    private void OnPeer(DiscoveredPeer peer)
    {
        if (!peer.IsCompatible)
        {
            bool first;
            lock (_gate)
            {
                // Logged once per node; bounded, since anyone on the LAN can announce names.
                if (_ignored.Count >= 4096)
                    _ignored.Clear();
                first = _ignored.Add(peer.NodeId);
            }
            if (first)
                DaemonLog.PeerIgnored(_logger, peer.InstanceName, peer.NodeId, peer.Mismatch);
            return;
        }
        var endpoints = peer.Endpoints.ToArray();
        IPEndPoint[] added;
        lock (_gate)
        {
            _lost.Seen(peer.NodeId);
            _dialing.TryGetValue(peer.NodeId, out var known);
            known ??= [];
            added = [.. endpoints.Except(known)];
            _dialing[peer.NodeId] = [.. known.Union(endpoints)];
        }
        if (added.Length == 0)
        {
            // Heard from again at addresses we dial already: if they are waiting out a backoff
            // (the peer was unreachable), the advertisement says it is back; try now.
            sync.RetryNow(endpoints);
            return;
        }
        DaemonLog.PeerDiscovered(_logger, peer.NodeId, added, peer.InstanceName);
        foreach (var endpoint in added)
            sync.AddPeer(new PeerAddress(endpoint, peer.NodeId));
    }

    /// <summary>
    /// An interface came or went, its link came back, or its addresses changed: the responder
    /// announces this node again and the browser queries again (RFC 6762 §8, on "Link Change"),
    /// and every peer address waiting out a reconnect backoff is dialed now, since failures
    /// counted on the old network say nothing about the new one.
    /// </summary>
    private void OnNetworkChanged()
    {
        var interfaces = _transport?.Interfaces.Select(i => i.Name).ToArray() ?? [];
        var woken = sync.RetryNow();
        DaemonLog.NetworkChanged(_logger, interfaces.Length > 0 ? interfaces : ["no interface"], woken);
    }

    private void OnLost(DiscoveredPeer peer)
    {
        lock (_gate)
        {
            if (!_dialing.ContainsKey(peer.NodeId))
                return;
        }
        DaemonLog.PeerLost(_logger, peer.NodeId, peer.InstanceName);
        // Keep dialing it (with the dial loop's capped backoff): its records may have expired only
        // because a partition hid its announcements, and once the network heals nobody re-announces
        // (no link changed) while mDNS queries have backed off towards an hour. The dial finds it as
        // soon as the network heals. See LostPeers for the rule, which the simulator runs too.
        IReadOnlyList<NodeId> evicted;
        lock (_gate)
            evicted = _lost.Lost(peer.NodeId, TimeProvider.System.GetElapsedTime(_started));
        Forget(evicted);
        _ = Task.Delay(_lost.ForgetAfter, _stopping.Token).ContinueWith(_ =>
        {
            IReadOnlyList<NodeId> expired;
            lock (_gate)
                expired = _lost.Expire(TimeProvider.System.GetElapsedTime(_started));
            Forget(expired);
        }, CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
    }

    /// <summary>Stops dialing peers lost for good (found again when they announce, or answer a query).</summary>
    private void Forget(IReadOnlyList<NodeId> peers)
    {
        foreach (var id in peers)
        {
            IPEndPoint[]? endpoints;
            lock (_gate)
                _dialing.Remove(id, out endpoints);
            foreach (var endpoint in endpoints ?? [])
                sync.RemovePeer(endpoint);
        }
    }
}

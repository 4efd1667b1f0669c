using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Datom.Sync.Discovery;

/// <summary>Settings of a <see cref="UdpMdnsTransport"/>.</summary>
public sealed class UdpMdnsTransportOptions
{
    /// <summary>Only these interfaces (by OS name); null: every interface that is up, not loopback and can multicast.</summary>
    public IReadOnlyList<string>? InterfaceNames { get; init; }

    public bool UseIPv4 { get; init; } = true;

    public bool UseIPv6 { get; init; } = true;

    /// <summary>
    /// IP_MULTICAST_LOOP: our multicast also reaches sockets on this host. On by default, so two
    /// nodes (or a node and Avahi) on one machine see each other; the responder and browser
    /// recognise their own packets.
    /// </summary>
    public bool MulticastLoopback { get; init; } = true;

    /// <summary>Re-read interfaces when the OS reports an address change, after this quiet time.</summary>
    public TimeSpan AddressChangeDebounce { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Watch for address changes (NetworkChange.NetworkAddressChanged).</summary>
    public bool WatchAddressChanges { get; init; } = true;

    /// <summary>
    /// How often to look at the interfaces' link state. The OS reports address changes, but not a
    /// link that goes down and comes back with its addresses in place (a cable pulled and plugged
    /// back, a switch port down for a while): the interface loses carrier, nothing else. RFC 6762
    /// §8 asks a responder to probe and announce again after such a "Link Change" event (the
    /// browser starts querying again too); without it, peers that forgot this node during a long
    /// partition find it only at some node's next backed-off query, which may be minutes away.
    /// Reading the state costs one small file read per interface. Zero or less: not watched (nor
    /// with <see cref="InterfaceSource"/>, whose list is the caller's).
    /// </summary>
    public TimeSpan LinkStatePollInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Where the interface list comes from; null: <see cref="UdpMdnsTransport.EnumerateInterfaces"/>.
    /// Tests that create sockets inside a network namespace from a thread pass the list they made.
    /// </summary>
    public Func<IReadOnlyList<MdnsInterface>>? InterfaceSource { get; init; }
}

/// <summary>
/// mDNS over real UDP sockets: one IPv4 and one IPv6 socket bound to port 5353 with SO_REUSEADDR
/// (so several processes share the port), joined to 224.0.0.251 / ff02::fb on each interface,
/// multicast TTL and unicast TTL 255 (RFC 6762 §11), packet information on so every datagram
/// says which interface it came in on. Sending to one interface's group selects the interface
/// per datagram (IP_MULTICAST_IF) under a lock.
/// </summary>
public sealed class UdpMdnsTransport : IMdnsTransport
{
    /// <summary>Received datagrams queued for the reader; beyond this they are dropped, as a full socket buffer would.</summary>
    private const int QueueCapacity = 512;

    /// <summary>Consecutive receive errors on one socket before its loop stops.</summary>
    private const int MaxReceiveErrors = 50;

    private readonly UdpMdnsTransportOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Socket? _v4;
    private readonly Socket? _v6;
    private readonly Lock _sendGate = new();
    private readonly Lock _joinGate = new();
    private readonly HashSet<(AddressFamily Family, int Index)> _joined = [];
    private readonly Channel<MdnsDatagram> _queue = Channel.CreateBounded<MdnsDatagram>(
        new BoundedChannelOptions(QueueCapacity) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops = [];
    private MdnsInterface[] _interfaces = [];
    private ITimer? _debounce;
    private ITimer? _linkPoll;
    private string _linkState = "";
    private int _polling;
    private bool _disposed;
    private long _dropped;

    private UdpMdnsTransport(UdpMdnsTransportOptions options, ILoggerFactory loggerFactory, TimeProvider time)
    {
        _options = options;
        _logger = loggerFactory.CreateLogger<UdpMdnsTransport>();
        _time = time;
        if (options.UseIPv4)
            _v4 = OpenSocket(AddressFamily.InterNetwork);
        if (options.UseIPv6 && Socket.OSSupportsIPv6)
            _v6 = OpenSocket(AddressFamily.InterNetworkV6);
        if (_v4 is null && _v6 is null)
            throw new SocketException((int)SocketError.AddressFamilyNotSupported);
    }

    /// <summary>
    /// Opens the sockets and joins the groups on the calling thread (so a caller that entered a
    /// network namespace on this thread gets sockets in it), then starts receiving.
    /// </summary>
    public static UdpMdnsTransport Open(UdpMdnsTransportOptions? options = null, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null)
    {
        var transport = new UdpMdnsTransport(options ?? new UdpMdnsTransportOptions(), loggerFactory ?? NullLoggerFactory.Instance, timeProvider ?? TimeProvider.System);
        try
        {
            transport.ApplyInterfaces(transport.ReadInterfaces(), raise: false);
            if (transport._v4 is not null)
                transport._loops.Add(Task.Run(() => transport.ReceiveLoopAsync(transport._v4, transport._stop.Token)));
            if (transport._v6 is not null)
                transport._loops.Add(Task.Run(() => transport.ReceiveLoopAsync(transport._v6, transport._stop.Token)));
            if (transport._options.WatchAddressChanges)
                NetworkChange.NetworkAddressChanged += transport.OnAddressChanged;
            if (transport._options.LinkStatePollInterval > TimeSpan.Zero && transport._options.InterfaceSource is null)
                transport.WatchLinkState(transport._options.LinkStatePollInterval);
            return transport;
        }
        catch
        {
            transport._v4?.Dispose();
            transport._v6?.Dispose();
            throw;
        }
    }

    public IReadOnlyList<MdnsInterface> Interfaces => Volatile.Read(ref _interfaces);

    public event EventHandler? InterfacesChanged;

    /// <summary>Datagrams dropped on receipt: too large, on an interface not in use, or the queue full.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    public void Send(ReadOnlySpan<byte> datagram, MdnsSendTarget target)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (datagram.Length > MdnsProtocol.MaxPacketSize)
            throw new ArgumentException($"an mDNS datagram is at most {MdnsProtocol.MaxPacketSize} bytes, not {datagram.Length}", nameof(datagram));
        var iface = Interfaces.FirstOrDefault(i => i.Index == target.InterfaceIndex);
        if (iface is null)
            return;

        lock (_sendGate)
        {
            if (target.Unicast is { } destination)
            {
                var socket = destination.AddressFamily == AddressFamily.InterNetwork ? _v4 : _v6;
                if (destination.AddressFamily == AddressFamily.InterNetworkV6 && destination.Address.IsIPv6LinkLocal && destination.Address.ScopeId == 0)
                    destination = new IPEndPoint(new IPAddress(destination.Address.GetAddressBytes(), iface.Index), destination.Port);
                if (socket is not null)
                    SendTo(socket, datagram, destination, iface);
                return;
            }

            if (_v4 is not null && (target.Family is null or AddressFamily.InterNetwork)
                && iface.Addresses.FirstOrDefault(a => a.Address.AddressFamily == AddressFamily.InterNetwork).Address is { } v4Address)
            {
                // IP_MULTICAST_IF by the interface's address (Linux finds the interface from it).
                if (TrySetOption(_v4, SocketOptionLevel.IP, SocketOptionName.MulticastInterface, v4Address.GetAddressBytes(), iface))
                    SendTo(_v4, datagram, new IPEndPoint(MdnsProtocol.IPv4Group, MdnsProtocol.Port), iface);
            }
            if (_v6 is not null && (target.Family is null or AddressFamily.InterNetworkV6) && iface.HasIPv6)
            {
                if (TrySetOption(_v6, SocketOptionLevel.IPv6, SocketOptionName.MulticastInterface, iface.Index, iface))
                    SendTo(_v6, datagram, new IPEndPoint(new IPAddress(MdnsProtocol.IPv6Group.GetAddressBytes(), iface.Index), MdnsProtocol.Port), iface);
            }
        }
    }

    public async ValueTask<MdnsDatagram> ReceiveAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        try
        {
            return await _queue.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            throw new ObjectDisposedException(nameof(UdpMdnsTransport));
        }
    }

    public async ValueTask DisposeAsync()
    {
        lock (_joinGate)
        {
            if (_disposed)
                return;
            _disposed = true;
        }
        if (_options.WatchAddressChanges)
            NetworkChange.NetworkAddressChanged -= OnAddressChanged;
        _debounce?.Dispose();
        if (_linkPoll is not null)
            await _linkPoll.DisposeAsync().ConfigureAwait(false);
        await _stop.CancelAsync();
        _v4?.Dispose();
        _v6?.Dispose();
        // The loops catch their own ending (cancellation, a closed socket) and return.
        await Task.WhenAll(_loops).ConfigureAwait(false);
        _queue.Writer.TryComplete();
        _stop.Dispose();
    }

    /// <summary>
    /// The interfaces mDNS can use: up (or of unknown state), not loopback, multicast-capable, with
    /// at least one address, optionally only those named. IPv6 link-local addresses lose their
    /// scope id (the interface index says it).
    /// </summary>
    public static IReadOnlyList<MdnsInterface> EnumerateInterfaces(IReadOnlyList<string>? names = null)
    {
        var list = new List<MdnsInterface>();
        foreach (var ni in NetworkInterface.GetAllNetworkInterfaces())
        {
            if (ni.NetworkInterfaceType == NetworkInterfaceType.Loopback
                || ni.OperationalStatus is not (OperationalStatus.Up or OperationalStatus.Unknown)
                || !ni.SupportsMulticast
                || (names is not null && !names.Contains(ni.Name)))
            {
                continue;
            }
            var properties = ni.GetIPProperties();
            int index;
            try
            {
                index = ni.Supports(NetworkInterfaceComponent.IPv4)
                    ? properties.GetIPv4Properties().Index
                    : properties.GetIPv6Properties().Index;
            }
            catch (NetworkInformationException)
            {
                continue;
            }
            var addresses = properties.UnicastAddresses
                .Where(u => u.Address.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6)
                .Select(u => new MdnsInterfaceAddress(
                    u.Address.AddressFamily == AddressFamily.InterNetworkV6 ? new IPAddress(u.Address.GetAddressBytes()) : u.Address,
                    u.PrefixLength))
                .Distinct()
                .ToArray();
            if (addresses.Length > 0)
                list.Add(new MdnsInterface(index, ni.Name, addresses));
        }
        return [.. list.OrderBy(i => i.Index)];
    }

    private IReadOnlyList<MdnsInterface> ReadInterfaces()
    {
        var all = _options.InterfaceSource?.Invoke() ?? EnumerateInterfaces(_options.InterfaceNames);
        return _options.InterfaceNames is { } names && _options.InterfaceSource is not null
            ? [.. all.Where(i => names.Contains(i.Name))]
            : all;
    }

    private Socket? OpenSocket(AddressFamily family)
    {
        var socket = new Socket(family, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            if (family == AddressFamily.InterNetwork)
            {
                socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastTimeToLive, MdnsProtocol.IpTtl);
                socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastLoopback, _options.MulticastLoopback);
                socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.PacketInformation, true);
                socket.Ttl = MdnsProtocol.IpTtl;
                socket.Bind(new IPEndPoint(IPAddress.Any, MdnsProtocol.Port));
            }
            else
            {
                socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.IPv6Only, true);
                socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.MulticastTimeToLive, MdnsProtocol.IpTtl);
                socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.MulticastLoopback, _options.MulticastLoopback);
                socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.PacketInformation, true);
                socket.Ttl = MdnsProtocol.IpTtl;
                socket.Bind(new IPEndPoint(IPAddress.IPv6Any, MdnsProtocol.Port));
            }
            return socket;
        }
        catch (SocketException ex) when (family == AddressFamily.InterNetworkV6)
        {
            // A host without IPv6 (disabled by sysctl, or no stack) still does mDNS over IPv4.
            MdnsLog.InterfaceFailed(_logger, "IPv6", ex.Message);
            socket.Dispose();
            return null;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Joins the groups on new interfaces, leaves them on vanished ones, and publishes the list.</summary>
    private void ApplyInterfaces(IReadOnlyList<MdnsInterface> interfaces, bool raise)
    {
        var usable = new List<MdnsInterface>();
        bool changed;
        lock (_joinGate)
        {
            if (_disposed)
                return;
            foreach (var iface in interfaces)
            {
                var ok = false;
                if (_v4 is not null && iface.HasIPv4)
                    ok |= Join(_v4, AddressFamily.InterNetwork, iface);
                if (_v6 is not null && iface.HasIPv6)
                    ok |= Join(_v6, AddressFamily.InterNetworkV6, iface);
                if (ok)
                    usable.Add(iface);
            }
            foreach (var (family, index) in _joined.Where(j => !usable.Any(i => i.Index == j.Index)).ToList())
            {
                try
                {
                    if (family == AddressFamily.InterNetwork)
                        _v4?.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.DropMembership, new MulticastOption(MdnsProtocol.IPv4Group, index));
                    else
                        _v6?.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.DropMembership, new IPv6MulticastOption(MdnsProtocol.IPv6Group, index));
                }
                catch (SocketException)
                {
                    // the interface is gone, and its memberships with it
                }
                _joined.Remove((family, index));
            }
            // Under the lock: the address watch and the link watch may both re-read at once.
            var before = Volatile.Read(ref _interfaces);
            Volatile.Write(ref _interfaces, [.. usable]);
            changed = !before.SequenceEqual(usable);
        }
        if (raise && changed)
            InterfacesChanged?.Invoke(this, EventArgs.Empty);
    }

    private void WatchLinkState(TimeSpan interval)
    {
        _linkState = LinkState(_options.InterfaceNames);
        _linkPoll = _time.CreateTimer(_ => PollLinkState(), null, interval, interval);
    }

    /// <summary>Re-reads the interfaces when a link went down or came back (see <see cref="UdpMdnsTransportOptions.LinkStatePollInterval"/>).</summary>
    private void PollLinkState()
    {
        // A slow read must not overlap the next tick.
        if (_disposed || Interlocked.Exchange(ref _polling, 1) == 1)
            return;
        try
        {
            var now = LinkState(_options.InterfaceNames);
            if (now == _linkState)
                return;
            _linkState = now;
            ApplyInterfaces(ReadInterfaces(), raise: true);
        }
        catch (Exception ex)
        {
            MdnsLog.InterfaceFailed(_logger, "(re-reading link state)", ex.Message);
        }
        finally
        {
            Volatile.Write(ref _polling, 0);
        }
    }

    /// <summary>
    /// The name and operational state (up; down, or lower layer down: no carrier) of every
    /// interface mDNS could use, as one string to compare with the last one. Cheaper than
    /// <see cref="EnumerateInterfaces"/>, which also reads each interface's addresses.
    /// </summary>
    internal static string LinkState(IReadOnlyList<string>? names)
    {
        var state = new System.Text.StringBuilder();
        foreach (var ni in NetworkInterface.GetAllNetworkInterfaces())
        {
            if (ni.NetworkInterfaceType == NetworkInterfaceType.Loopback || !ni.SupportsMulticast || (names is not null && !names.Contains(ni.Name)))
                continue;
            state.Append(ni.Name).Append('=').Append(ni.OperationalStatus).Append(';');
        }
        return state.ToString();
    }

    private bool Join(Socket socket, AddressFamily family, MdnsInterface iface)
    {
        if (_joined.Contains((family, iface.Index)))
            return true;
        try
        {
            if (family == AddressFamily.InterNetwork)
                socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.AddMembership, new MulticastOption(MdnsProtocol.IPv4Group, iface.Index));
            else
                socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.AddMembership, new IPv6MulticastOption(MdnsProtocol.IPv6Group, iface.Index));
            _joined.Add((family, iface.Index));
            return true;
        }
        catch (SocketException ex)
        {
            MdnsLog.InterfaceFailed(_logger, $"{iface.Name} ({family})", ex.Message);
            return false;
        }
    }

    private void OnAddressChanged(object? sender, EventArgs e)
    {
        if (_disposed)
            return;
        // Address changes come in bursts (an interface going up brings several); re-read once it settles.
        var timer = _time.CreateTimer(_ =>
        {
            try
            {
                ApplyInterfaces(ReadInterfaces(), raise: true);
            }
            catch (Exception ex)
            {
                MdnsLog.InterfaceFailed(_logger, "(re-reading interfaces)", ex.Message);
            }
        }, null, _options.AddressChangeDebounce, Timeout.InfiniteTimeSpan);
        Interlocked.Exchange(ref _debounce, timer)?.Dispose();
    }

    private async Task ReceiveLoopAsync(Socket socket, CancellationToken cancellationToken)
    {
        // One byte more than the largest datagram we accept, so an oversized one is recognised.
        var buffer = new byte[MdnsProtocol.MaxPacketSize + 1];
        EndPoint any = socket.AddressFamily == AddressFamily.InterNetwork
            ? new IPEndPoint(IPAddress.Any, 0)
            : new IPEndPoint(IPAddress.IPv6Any, 0);
        var errors = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            SocketReceiveMessageFromResult result;
            try
            {
                result = await socket.ReceiveMessageFromAsync(buffer, SocketFlags.None, any, cancellationToken).ConfigureAwait(false);
                errors = 0;
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (Exception ex)
            {
                if (_disposed)
                    return;
                MdnsLog.ReceiveFailed(_logger, ex);
                if (++errors >= MaxReceiveErrors)
                {
                    MdnsLog.ReceiveGaveUp(_logger, errors);
                    return;
                }
                continue;
            }

            var index = result.PacketInformation.Interface;
            if (result.ReceivedBytes > MdnsProtocol.MaxPacketSize
                || (result.SocketFlags & SocketFlags.Truncated) != 0
                || !Interfaces.Any(i => i.Index == index)
                || result.RemoteEndPoint is not IPEndPoint source)
            {
                Interlocked.Increment(ref _dropped);
                continue;
            }
            var payload = buffer.AsSpan(0, result.ReceivedBytes).ToArray();
            if (!_queue.Writer.TryWrite(new MdnsDatagram(payload, source, index)))
                Interlocked.Increment(ref _dropped);
        }
    }

    private bool TrySetOption(Socket socket, SocketOptionLevel level, SocketOptionName name, object value, MdnsInterface iface)
    {
        try
        {
            switch (value)
            {
                case byte[] bytes:
                    socket.SetSocketOption(level, name, bytes);
                    break;
                case int number:
                    socket.SetSocketOption(level, name, number);
                    break;
            }
            return true;
        }
        catch (SocketException ex)
        {
            MdnsLog.SendFailed(_logger, iface.Name, ex.Message);
            return false;
        }
    }

    private void SendTo(Socket socket, ReadOnlySpan<byte> datagram, IPEndPoint destination, MdnsInterface iface)
    {
        try
        {
            socket.SendTo(datagram, SocketFlags.None, destination);
        }
        catch (SocketException ex)
        {
            // UDP semantics: a datagram that cannot leave (no route, address still tentative) is lost.
            MdnsLog.SendFailed(_logger, $"{destination} via {iface.Name}", ex.Message);
        }
    }
}

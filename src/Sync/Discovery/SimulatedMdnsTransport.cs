using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;

namespace Datom.Sync.Discovery;

/// <summary>The transport of one host on a <see cref="SimulatedMdnsNetwork"/>.</summary>
public sealed class SimulatedMdnsTransport : IMdnsTransport
{
    /// <summary>Datagrams queued for the reader before further ones are dropped, as a socket buffer would.</summary>
    public const int QueueCapacity = 1024;

    public const int InterfaceIndex = 1;

    private readonly SimulatedMdnsNetwork _network;
    private readonly Channel<MdnsDatagram> _queue = Channel.CreateBounded<MdnsDatagram>(
        new BoundedChannelOptions(QueueCapacity) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
    private MdnsInterface[] _interfaces;
    private bool _disposed;
    private long _inFlight;      // delivered and not yet finished with by the reader
    private int _holding;        // 1 while the reader holds a datagram it took
    private long _dropped;

    internal SimulatedMdnsTransport(SimulatedMdnsNetwork network, string name, IPAddress[] addresses)
    {
        _network = network;
        Name = name;
        _interfaces = [MakeInterface(addresses)];
    }

    public string Name { get; }

    public IReadOnlyList<MdnsInterface> Interfaces => Volatile.Read(ref _interfaces);

    public event EventHandler? InterfacesChanged;

    /// <summary>Datagrams dropped because the queue was full.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Replaces the host's addresses (empty: the interface goes away) and raises <see cref="InterfacesChanged"/>.</summary>
    public void SetAddresses(params IPAddress[] addresses)
    {
        Volatile.Write(ref _interfaces, addresses.Length == 0 ? [] : [MakeInterface(addresses)]);
        InterfacesChanged?.Invoke(this, EventArgs.Empty);
    }

    public void Send(ReadOnlySpan<byte> datagram, MdnsSendTarget target)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (datagram.Length > MdnsProtocol.MaxPacketSize)
            throw new ArgumentException($"an mDNS datagram is at most {MdnsProtocol.MaxPacketSize} bytes, not {datagram.Length}", nameof(datagram));
        if (!Interfaces.Any(i => i.Index == target.InterfaceIndex))
            return; // no such interface (any more): nothing leaves
        _network.Send(this, datagram.ToArray(), target);
    }

    public async ValueTask<MdnsDatagram> ReceiveAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        // Coming back for the next datagram means the reader finished the last one.
        if (Interlocked.Exchange(ref _holding, 0) == 1)
            Interlocked.Decrement(ref _inFlight);
        try
        {
            var datagram = await _queue.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            Volatile.Write(ref _holding, 1);
            return datagram;
        }
        catch (ChannelClosedException)
        {
            throw new ObjectDisposedException(nameof(SimulatedMdnsTransport));
        }
    }

    public ValueTask DisposeAsync()
    {
        if (_disposed)
            return ValueTask.CompletedTask;
        _disposed = true;
        _network.Detach(this);
        _queue.Writer.TryComplete();
        return ValueTask.CompletedTask;
    }

    /// <summary>Idle: every datagram delivered has been taken and finished with by the reader.</summary>
    internal bool IsIdle => _disposed || Interlocked.Read(ref _inFlight) == 0;

    internal void Deliver(byte[] payload, IPEndPoint source)
    {
        if (_disposed || Interfaces.Count == 0)
            return;
        Interlocked.Increment(ref _inFlight);
        if (!_queue.Writer.TryWrite(new MdnsDatagram((byte[])payload.Clone(), source, InterfaceIndex)))
        {
            Interlocked.Decrement(ref _inFlight);
            Interlocked.Increment(ref _dropped);
        }
    }

    internal IPEndPoint? SourceFor(AddressFamily family)
    {
        var address = Interfaces.SelectMany(i => i.Addresses).Select(a => a.Address).FirstOrDefault(a => a.AddressFamily == family);
        return address is null ? null : new IPEndPoint(address, MdnsProtocol.Port);
    }

    internal IPEndPoint PrimaryEndPoint(AddressFamily family) =>
        SourceFor(family) ?? new IPEndPoint(family == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Loopback : IPAddress.Loopback, MdnsProtocol.Port);

    internal bool Holds(IPAddress address) =>
        Interfaces.SelectMany(i => i.Addresses).Any(a => a.Address.Equals(address));

    private static MdnsInterface MakeInterface(IPAddress[] addresses) =>
        new(InterfaceIndex, "sim0", addresses
            .Select(a => new MdnsInterfaceAddress(a, a.AddressFamily == AddressFamily.InterNetwork ? 24 : 64))
            .ToArray());

    public override string ToString() => $"{Name} {string.Join(", ", Interfaces)}";
}

using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;

namespace Datom.Sync.Transport;

/// <summary>
/// A simulated network in memory: listeners are registered by endpoint, a connection is two
/// <see cref="Pipe"/>s. Deterministic and free of ports, for tests that exercise everything above
/// the transport. One instance is one network; every connection appears to come from
/// <see cref="ClientAddress"/>.
/// </summary>
public sealed class MemorySyncTransport : ISyncTransport
{
    private readonly ConcurrentDictionary<EndPoint, MemoryListener> _listeners = new();
    private int _nextPort = 40_000;

    public IPAddress ClientAddress { get; init; } = IPAddress.Loopback;

    /// <summary>Bytes a writer may get ahead of its reader before its flush waits (as a socket buffer would).</summary>
    public long PipeBufferBytes { get; init; } = 1 << 20;

    public ValueTask<ISyncListener> ListenAsync(EndPoint endPoint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        if (endPoint is IPEndPoint { Port: 0 } any)
            endPoint = new IPEndPoint(any.Address, Interlocked.Increment(ref _nextPort));
        var listener = new MemoryListener(this, endPoint);
        if (!_listeners.TryAdd(endPoint, listener))
            throw new SocketException((int)SocketError.AddressAlreadyInUse);
        return ValueTask.FromResult<ISyncListener>(listener);
    }

    public ValueTask<TransportConnection> ConnectAsync(EndPoint endPoint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        cancellationToken.ThrowIfCancellationRequested();
        if (!_listeners.TryGetValue(endPoint, out var listener))
            throw new SocketException((int)SocketError.ConnectionRefused);
        var options = new PipeOptions(pauseWriterThreshold: PipeBufferBytes, resumeWriterThreshold: PipeBufferBytes / 2, useSynchronizationContext: false);
        var toServer = new Pipe(options);
        var toClient = new Pipe(options);
        var clientEnd = new IPEndPoint(ClientAddress, Interlocked.Increment(ref _nextPort));
        var client = Connection(toClient.Reader, toServer.Writer, clientEnd, endPoint);
        var server = Connection(toServer.Reader, toClient.Writer, endPoint, clientEnd);
        if (!listener.Offer(server))
            throw new SocketException((int)SocketError.ConnectionRefused);
        return ValueTask.FromResult(client);
    }

    private static TransportConnection Connection(PipeReader reader, PipeWriter writer, EndPoint local, EndPoint remote) =>
        new(new DuplexPipe(reader, writer), local, remote, async () =>
        {
            // Completing our writer ends the peer's reads; completing our reader ends its writes.
            await writer.CompleteAsync().ConfigureAwait(false);
            await reader.CompleteAsync().ConfigureAwait(false);
        });

    private sealed class MemoryListener(MemorySyncTransport network, EndPoint endPoint) : ISyncListener
    {
        // The backlog: bounded, as a listening socket's is; a full backlog refuses.
        private readonly Channel<TransportConnection> _backlog = Channel.CreateBounded<TransportConnection>(new BoundedChannelOptions(128)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = false,
            SingleWriter = false,
        });

        public EndPoint LocalEndPoint { get; } = endPoint;

        public bool Offer(TransportConnection connection) => _backlog.Writer.TryWrite(connection);

        public async ValueTask<TransportConnection> AcceptAsync(CancellationToken cancellationToken = default)
        {
            try
            {
                return await _backlog.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (ChannelClosedException)
            {
                throw new ObjectDisposedException(nameof(MemorySyncTransport), "listener stopped");
            }
        }

        public async ValueTask DisposeAsync()
        {
            network._listeners.TryRemove(LocalEndPoint, out _);
            _backlog.Writer.TryComplete();
            while (_backlog.Reader.TryRead(out var pending))
                await pending.DisposeAsync().ConfigureAwait(false);
        }
    }
}

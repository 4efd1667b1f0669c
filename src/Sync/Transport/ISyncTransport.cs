using System.IO.Pipelines;
using System.Net;

namespace Datom.Sync.Transport;

/// <summary>
/// How nodes reach each other: reliable, ordered byte streams between endpoints. One real
/// implementation (<see cref="TcpSyncTransport"/>), one simulated (<see cref="MemorySyncTransport"/>),
/// and one contract test suite that both pass. Everything above (Noise, frames, reconciliation) is
/// the same on both.
/// </summary>
public interface ISyncTransport
{
    /// <summary>Starts accepting connections on <paramref name="endPoint"/> (port 0: any free port).</summary>
    ValueTask<ISyncListener> ListenAsync(EndPoint endPoint, CancellationToken cancellationToken = default);

    /// <summary>Opens a connection; fails with a <see cref="System.Net.Sockets.SocketException"/> if nothing listens there.</summary>
    ValueTask<TransportConnection> ConnectAsync(EndPoint endPoint, CancellationToken cancellationToken = default);
}

public interface ISyncListener : IAsyncDisposable
{
    /// <summary>Where this listener accepts (with the port assigned, if 0 was asked for).</summary>
    EndPoint LocalEndPoint { get; }

    /// <summary>The next incoming connection. Throws <see cref="OperationCanceledException"/> or <see cref="ObjectDisposedException"/> once stopped.</summary>
    ValueTask<TransportConnection> AcceptAsync(CancellationToken cancellationToken = default);
}

/// <summary>
/// One connection as a pair of pipes. Disposing closes it both ways; the peer's reader then
/// completes. Disposing is idempotent and safe while reads and writes are pending (they end).
/// </summary>
public sealed class TransportConnection : IAsyncDisposable
{
    private readonly Func<ValueTask> _close;
    private int _closed;

    public TransportConnection(IDuplexPipe pipe, EndPoint localEndPoint, EndPoint remoteEndPoint, Func<ValueTask> close)
    {
        Pipe = pipe ?? throw new ArgumentNullException(nameof(pipe));
        LocalEndPoint = localEndPoint ?? throw new ArgumentNullException(nameof(localEndPoint));
        RemoteEndPoint = remoteEndPoint ?? throw new ArgumentNullException(nameof(remoteEndPoint));
        _close = close ?? throw new ArgumentNullException(nameof(close));
    }

    public IDuplexPipe Pipe { get; }

    public EndPoint LocalEndPoint { get; }

    public EndPoint RemoteEndPoint { get; }

    /// <summary>The peer's address, for per-address limits; null if the transport has none.</summary>
    public IPAddress? RemoteAddress => RemoteEndPoint is IPEndPoint ip ? (ip.Address.IsIPv4MappedToIPv6 ? ip.Address.MapToIPv4() : ip.Address) : null;

    public bool IsClosed => Volatile.Read(ref _closed) != 0;

    public ValueTask DisposeAsync() => Interlocked.Exchange(ref _closed, 1) == 0 ? _close() : ValueTask.CompletedTask;
}

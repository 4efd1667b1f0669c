using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;

namespace Datom.Sync.Transport;

/// <summary>TCP with Nagle off (frames are already batched; a push should leave at once).</summary>
public sealed class TcpSyncTransport : ISyncTransport
{
    public static readonly TcpSyncTransport Instance = new();

    /// <summary>Pipe buffers: a whole Noise message (64 KiB) fits in one read.</summary>
    private const int BufferSize = 64 << 10;

    public ValueTask<ISyncListener> ListenAsync(EndPoint endPoint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (endPoint is IPEndPoint { Address: var address } && address.Equals(IPAddress.IPv6Any))
                socket.DualMode = true;
            socket.Bind(endPoint);
            socket.Listen(128);
            return ValueTask.FromResult<ISyncListener>(new Listener(socket));
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public async ValueTask<TransportConnection> ConnectAsync(EndPoint endPoint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        var socket = endPoint is IPEndPoint ip
            ? new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp)
            : new Socket(SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.NoDelay = true;
            await socket.ConnectAsync(endPoint, cancellationToken).ConfigureAwait(false);
            return Wrap(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static TransportConnection Wrap(Socket socket)
    {
        socket.NoDelay = true;
        var stream = new NetworkStream(socket, ownsSocket: true);
        var reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: BufferSize, minimumReadSize: 4096, leaveOpen: true));
        var writer = PipeWriter.Create(stream, new StreamPipeWriterOptions(minimumBufferSize: BufferSize, leaveOpen: true));
        var local = socket.LocalEndPoint!;
        var remote = socket.RemoteEndPoint!;
        return new TransportConnection(new DuplexPipe(reader, writer), local, remote, async () =>
        {
            // Closing never throws: the peer may have reset the connection, and whatever was not
            // flushed by then is lost either way.
            try
            {
                await writer.CompleteAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or InvalidOperationException)
            {
            }
            try
            {
                socket.Shutdown(SocketShutdown.Both);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
            }
            try
            {
                await reader.CompleteAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or InvalidOperationException)
            {
            }
            await stream.DisposeAsync().ConfigureAwait(false);
        });
    }

    private sealed class Listener(Socket socket) : ISyncListener
    {
        public EndPoint LocalEndPoint { get; } = socket.LocalEndPoint!;

        public async ValueTask<TransportConnection> AcceptAsync(CancellationToken cancellationToken = default)
        {
            var accepted = await socket.AcceptAsync(cancellationToken).ConfigureAwait(false);
            return Wrap(accepted);
        }

        public ValueTask DisposeAsync()
        {
            socket.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}

/// <summary>A reader and a writer as one <see cref="IDuplexPipe"/>.</summary>
public sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
{
    public PipeReader Input { get; } = input;

    public PipeWriter Output { get; } = output;
}

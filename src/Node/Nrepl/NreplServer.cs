using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Datom.Index;
using Datom.Vm;
using Datom.Vm.Machine;
using Datom.Vm.Repl;
using Microsoft.Extensions.Logging;

namespace Datom.Node.Nrepl;

/// <summary>
/// The daemon's nREPL server (https://nrepl.org/nrepl/design/overview.html): bencode messages over
/// TCP, each a dictionary with an <c>op</c>, answered by one or more messages that carry the
/// request's <c>id</c> and <c>session</c>, the last with <c>status</c> <c>done</c>. What the ops do is
/// in <see cref="NreplOps"/>; this is the transport: one reader loop per connection, and one writer
/// fed through a bounded channel, so that a long eval streams its output while the reader goes on
/// taking messages (an <c>interrupt</c> among them). Malformed bencode ends the connection with the
/// reason logged; nothing a client sends stops the daemon.
/// </summary>
internal sealed partial class NreplServer : IAsyncDisposable
{
    /// <summary>The file in the data directory that names the port (as Leiningen and CIDER write it).</summary>
    public const string PortFileName = ".nrepl-port";

    /// <summary>Most open connections: each may run an eval, and editors open one or two.</summary>
    public const int MaxConnections = 64;

    private static readonly string[] MalformedStatus = ["error", "malformed-message", "done"];

    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<Connection, byte> _connections = new();
    private readonly string _portFile;
    private Task? _accepting;

    public NreplServer(IPEndPoint endPoint, DaoDb db, YinVm vm, RunLimits limits, string dataDirectory, ILogger logger)
    {
        _listener = new TcpListener(endPoint);
        Logger = logger;
        Ops = new NreplOps(new ReplEvaluator(vm, db), limits, logger);
        _portFile = Path.Combine(dataDirectory, PortFileName);
    }

    public ILogger Logger { get; }

    public NreplOps Ops { get; }

    /// <summary>Where it listens (the port chosen, when 0 was asked for).</summary>
    public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndpoint;

    /// <summary>Binds, writes <c>DIR/.nrepl-port</c>, and starts accepting.</summary>
    /// <exception cref="SocketException">The address cannot be bound.</exception>
    public void Start()
    {
        _listener.Start();
        File.WriteAllText(_portFile, EndPoint.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Listening(Logger, EndPoint);
        _accepting = AcceptAsync(_stopping.Token);
    }

    private async Task AcceptAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e)
            {
                AcceptFailed(Logger, e.Message);
                continue;
            }
            if (_connections.Count >= MaxConnections)
            {
                Refused(Logger, client.Client.RemoteEndPoint?.ToString() ?? "?", MaxConnections);
                client.Dispose();
                continue;
            }
            var connection = new Connection(this, client);
            _connections[connection] = 0;
            _ = connection.RunAsync(cancellationToken).ContinueWith(_ => _connections.TryRemove(connection, out byte _), TaskScheduler.Default);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        _listener.Stop();
        foreach (var c in _connections.Keys)
            c.Close();
        if (_accepting is not null)
            await _accepting.ConfigureAwait(false);
        Ops.Dispose();
        try
        {
            File.Delete(_portFile);
        }
        catch (IOException)
        {
        }
        _stopping.Dispose();
    }

    /// <summary>One client: its reader loop, and a writer that sends what the ops reply, in order.</summary>
    internal sealed class Connection(NreplServer server, TcpClient client) : IReplyChannel
    {
        /// <summary>Replies queued for the writer; an eval that prints faster than the client reads waits (Wait mode).</summary>
        private readonly Channel<byte[]> _outgoing = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(1024) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });

        private readonly string _peer = client.Client.RemoteEndPoint?.ToString() ?? "?";

        public async Task RunAsync(CancellationToken cancellationToken)
        {
            using var _ = client;
            var stream = client.GetStream();
            var writer = WriteAsync(stream, cancellationToken);
            var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
            var filled = 0;
            var needed = 1;
            try
            {
                while (!cancellationToken.IsCancellationRequested)
                {
                    if (filled == buffer.Length)
                    {
                        // A message bigger than the buffer: grow it, up to the cap of one message.
                        if (buffer.Length >= Bencode.MaxMessageBytes)
                            throw new BencodeException($"a message longer than {Bencode.MaxMessageBytes} bytes");
                        var bigger = ArrayPool<byte>.Shared.Rent(Math.Min(Bencode.MaxMessageBytes, Math.Max(buffer.Length * 2, needed)));
                        buffer.AsSpan(0, filled).CopyTo(bigger);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = bigger;
                    }
                    var read = await stream.ReadAsync(buffer.AsMemory(filled), cancellationToken).ConfigureAwait(false);
                    if (read == 0)
                        break;
                    filled += read;
                    if (filled < needed)
                        continue;
                    var start = 0;
                    int more;
                    while (Bencode.TryDecode(buffer.AsSpan(start, filled - start), out var message, out var consumed, out more))
                    {
                        start += consumed;
                        server.Ops.Handle(message, this, cancellationToken);
                    }
                    buffer.AsSpan(start, filled - start).CopyTo(buffer);
                    filled -= start;
                    needed = Math.Max(1, more);
                }
            }
            catch (BencodeException e)
            {
                Malformed(server.Logger, _peer, e.Message);
                await TrySendAsync(new Dictionary<string, object> { ["status"] = MalformedStatus, ["err"] = e.Message + "\n" }).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // The client went away, or the daemon is stopping.
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
                _outgoing.Writer.TryComplete();
            }
            await writer.ConfigureAwait(false);
        }

        private async Task WriteAsync(NetworkStream stream, CancellationToken cancellationToken)
        {
            try
            {
                await foreach (var bytes in _outgoing.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
                {
                    await stream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
                    if (!_outgoing.Reader.TryPeek(out _))
                        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                Close();
            }
        }

        public async ValueTask SendAsync(IDictionary<string, object> message)
        {
            try
            {
                await _outgoing.Writer.WriteAsync(Bencode.Encode(message)).ConfigureAwait(false);
            }
            catch (ChannelClosedException)
            {
                // The connection is gone: a reply to nobody.
            }
        }

        private async ValueTask TrySendAsync(IDictionary<string, object> message)
        {
            await SendAsync(message).ConfigureAwait(false);
            _outgoing.Writer.TryComplete();
        }

        public void Close()
        {
            _outgoing.Writer.TryComplete();
            client.Dispose();
        }
    }

    [LoggerMessage(EventId = 5100, Level = LogLevel.Information, Message = "nREPL server on {EndPoint}")]
    private static partial void Listening(ILogger logger, IPEndPoint endPoint);

    [LoggerMessage(EventId = 5101, Level = LogLevel.Warning, Message = "nREPL: closing the connection from {Peer}: {Reason}")]
    private static partial void Malformed(ILogger logger, string peer, string reason);

    [LoggerMessage(EventId = 5102, Level = LogLevel.Warning, Message = "nREPL: refusing a connection from {Peer}: {Max} connections are open")]
    private static partial void Refused(ILogger logger, string peer, int max);

    [LoggerMessage(EventId = 5103, Level = LogLevel.Warning, Message = "nREPL: accept failed: {Reason}")]
    private static partial void AcceptFailed(ILogger logger, string reason);
}

/// <summary>Where an op's replies go: one client connection.</summary>
internal interface IReplyChannel
{
    ValueTask SendAsync(IDictionary<string, object> message);
}

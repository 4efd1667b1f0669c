using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace Datom.Node.Nrepl;

/// <summary>
/// An nREPL client over TCP: sends a request with a fresh <c>id</c> and yields the replies that
/// carry it, up to the one whose <c>status</c> has <c>done</c>. <c>datom repl</c> talks to the
/// daemon through it; replies to other requests (an interrupt's, while an eval streams) go to
/// their own caller.
/// </summary>
internal sealed class NreplClient : IAsyncDisposable
{
    private readonly TcpClient _client;
    private readonly NetworkStream _stream;
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly ConcurrentDictionary<string, Channel<IDictionary<string, object>>> _pending = new(StringComparer.Ordinal);
    private readonly Task _reading;
    private long _nextId;

    private NreplClient(TcpClient client)
    {
        _client = client;
        _stream = client.GetStream();
        _reading = ReadAsync();
    }

    /// <summary>Why the connection ended, once it has.</summary>
    public string? Closed { get; private set; }

    /// <summary>Connects to the server on this machine at <paramref name="port"/> (IPv4 loopback, then IPv6).</summary>
    /// <exception cref="SocketException">Nothing listens there.</exception>
    public static async Task<NreplClient> ConnectAsync(int port, CancellationToken cancellationToken = default)
    {
        SocketException? last = null;
        foreach (var address in new[] { IPAddress.Loopback, IPAddress.IPv6Loopback })
        {
            var client = new TcpClient(address.AddressFamily);
            try
            {
                await client.ConnectAsync(address, port, cancellationToken).ConfigureAwait(false);
                return new NreplClient(client);
            }
            catch (SocketException e)
            {
                client.Dispose();
                last = e;
            }
        }
        throw last!;
    }

    /// <summary>Sends a request (an <c>id</c> is added) and yields its replies, the last one <c>done</c>.</summary>
    public async IAsyncEnumerable<IDictionary<string, object>> RequestAsync(IDictionary<string, object> request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var id = Interlocked.Increment(ref _nextId).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var replies = Channel.CreateUnbounded<IDictionary<string, object>>(new UnboundedChannelOptions { SingleReader = true });
        _pending[id] = replies;
        try
        {
            var message = new Dictionary<string, object>(request) { ["id"] = id };
            await SendAsync(message, cancellationToken).ConfigureAwait(false);
            while (true)
            {
                IDictionary<string, object> reply;
                try
                {
                    reply = await replies.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (ChannelClosedException)
                {
                    throw new IOException("the nREPL server closed the connection" + (Closed is { } why ? ": " + why : ""));
                }
                yield return reply;
                if (IsDone(reply))
                    yield break;
            }
        }
        finally
        {
            _pending.TryRemove(id, out _);
        }
    }

    /// <summary>Sends a message without waiting for replies (an interrupt's replies are not needed).</summary>
    public async Task SendAsync(IDictionary<string, object> message, CancellationToken cancellationToken = default)
    {
        var bytes = Bencode.Encode(message);
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _stream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
            await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <summary>The reply's status flags.</summary>
    public static IReadOnlyList<string> Status(IDictionary<string, object> reply) =>
        reply.TryGetValue("status", out var s) && s is List<object> list ? [.. list.OfType<string>()] : [];

    private static bool IsDone(IDictionary<string, object> reply) => Status(reply).Contains("done");

    private async Task ReadAsync()
    {
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        var filled = 0;
        try
        {
            while (true)
            {
                if (filled == buffer.Length)
                {
                    if (buffer.Length >= Bencode.MaxMessageBytes)
                        throw new BencodeException("a reply longer than a message may be");
                    var bigger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(0, filled).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }
                var read = await _stream.ReadAsync(buffer.AsMemory(filled)).ConfigureAwait(false);
                if (read == 0)
                {
                    Closed ??= "end of stream";
                    break;
                }
                filled += read;
                var start = 0;
                while (Bencode.TryDecode(buffer.AsSpan(start, filled - start), out var value, out var consumed, out _))
                {
                    start += consumed;
                    if (value is IDictionary<string, object> reply && reply.TryGetValue("id", out var id) && id is string key && _pending.TryGetValue(key, out var channel))
                        channel.Writer.TryWrite(reply);
                }
                buffer.AsSpan(start, filled - start).CopyTo(buffer);
                filled -= start;
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or BencodeException)
        {
            Closed ??= e.Message;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            foreach (var channel in _pending.Values)
                channel.Writer.TryComplete();
        }
    }

    public async ValueTask DisposeAsync()
    {
        Closed ??= "closed by this client";
        _client.Dispose();
        await _reading.ConfigureAwait(false);
        _writeGate.Dispose();
    }
}

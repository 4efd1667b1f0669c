using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Datom.Sync.Transport;
using Xunit;

namespace Datom.Sync.Tests.Transport;

/// <summary>What every <see cref="ISyncTransport"/> must do; the real and the simulated one both pass it.</summary>
public abstract class TransportContractTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    protected abstract ISyncTransport Transport { get; }

    [Fact]
    public async Task Bytes_flow_both_ways_in_order()
    {
        await using var listener = await Transport.ListenAsync(new IPEndPoint(IPAddress.Loopback, 0));
        var accepting = listener.AcceptAsync().AsTask();
        await using var client = await Transport.ConnectAsync(listener.LocalEndPoint);
        await using var server = await accepting.WaitAsync(Bound);

        await WriteAsync(client.Pipe.Output, [1, 2, 3]);
        await WriteAsync(client.Pipe.Output, [4, 5]);
        Assert.Equal([1, 2, 3, 4, 5], await ReadAsync(server.Pipe.Input, 5));
        await WriteAsync(server.Pipe.Output, [9, 8, 7]);
        Assert.Equal([9, 8, 7], await ReadAsync(client.Pipe.Input, 3));
        Assert.NotNull(server.RemoteAddress);
        Assert.True(IPAddress.IsLoopback(server.RemoteAddress!));
    }

    [Fact]
    public async Task Closing_one_end_completes_the_other_ends_reads()
    {
        await using var listener = await Transport.ListenAsync(new IPEndPoint(IPAddress.Loopback, 0));
        var accepting = listener.AcceptAsync().AsTask();
        var client = await Transport.ConnectAsync(listener.LocalEndPoint);
        await using var server = await accepting.WaitAsync(Bound);
        await WriteAsync(client.Pipe.Output, [42]);
        await client.DisposeAsync();
        await client.DisposeAsync(); // idempotent
        Assert.True(client.IsClosed);

        var seen = new List<byte>();
        while (true)
        {
            var result = await server.Pipe.Input.ReadAsync().AsTask().WaitAsync(Bound);
            seen.AddRange(result.Buffer.ToArray());
            server.Pipe.Input.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
                break;
        }
        Assert.Equal([42], seen);
    }

    [Fact]
    public async Task Connecting_where_nothing_listens_fails_with_a_socket_error()
    {
        var listener = await Transport.ListenAsync(new IPEndPoint(IPAddress.Loopback, 0));
        var endPoint = listener.LocalEndPoint;
        await listener.DisposeAsync();
        await Assert.ThrowsAsync<SocketException>(() => Transport.ConnectAsync(endPoint).AsTask().WaitAsync(Bound));
    }

    [Fact]
    public async Task A_stopped_listener_ends_a_pending_accept()
    {
        var listener = await Transport.ListenAsync(new IPEndPoint(IPAddress.Loopback, 0));
        var accepting = listener.AcceptAsync().AsTask();
        await listener.DisposeAsync();
        var error = await Record.ExceptionAsync(() => accepting.WaitAsync(Bound));
        Assert.True(error is ObjectDisposedException or OperationCanceledException or SocketException, error?.GetType().Name);
    }

    [Fact]
    public async Task Large_transfers_both_ways_at_once_arrive_intact()
    {
        await using var listener = await Transport.ListenAsync(new IPEndPoint(IPAddress.Loopback, 0));
        var accepting = listener.AcceptAsync().AsTask();
        await using var client = await Transport.ConnectAsync(listener.LocalEndPoint);
        await using var server = await accepting.WaitAsync(Bound);
        var up = new byte[3 << 20];
        var down = new byte[3 << 20];
        new Random(1).NextBytes(up);
        new Random(2).NextBytes(down);
        var tasks = new[]
        {
            WriteChunkedAsync(client.Pipe.Output, up),
            WriteChunkedAsync(server.Pipe.Output, down),
        };
        var received = await Task.WhenAll(ReadAsync(server.Pipe.Input, up.Length), ReadAsync(client.Pipe.Input, down.Length)).WaitAsync(TimeSpan.FromSeconds(30));
        await Task.WhenAll(tasks);
        Assert.True(up.AsSpan().SequenceEqual(received[0]));
        Assert.True(down.AsSpan().SequenceEqual(received[1]));
    }

    private static async Task WriteAsync(PipeWriter output, byte[] bytes)
    {
        await output.WriteAsync(bytes);
        await output.FlushAsync();
    }

    private static async Task WriteChunkedAsync(PipeWriter output, byte[] bytes)
    {
        for (var offset = 0; offset < bytes.Length; offset += 50_000)
            await output.WriteAsync(bytes.AsMemory(offset, Math.Min(50_000, bytes.Length - offset)));
    }

    private static async Task<byte[]> ReadAsync(PipeReader input, int count)
    {
        var received = new byte[count];
        var at = 0;
        while (at < count)
        {
            var result = await input.ReadAsync().AsTask().WaitAsync(Bound);
            var take = (int)Math.Min(result.Buffer.Length, count - at);
            result.Buffer.Slice(0, take).CopyTo(received.AsSpan(at));
            at += take;
            input.AdvanceTo(result.Buffer.GetPosition(take));
            if (result.IsCompleted && at < count)
                throw new EndOfStreamException($"{at} of {count} bytes");
        }
        return received;
    }
}

public sealed class TcpTransportTests : TransportContractTests
{
    protected override ISyncTransport Transport => TcpSyncTransport.Instance;
}

public sealed class MemoryTransportTests : TransportContractTests
{
    protected override ISyncTransport Transport { get; } = new MemorySyncTransport();
}

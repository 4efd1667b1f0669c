using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using Datom.Sync.Noise;
using Datom.Sync.Protocol;
using Datom.Sync.Transport;

namespace Datom.Sync.Tests.Support;

/// <summary>
/// A peer under the test's full control: it writes whatever bytes it is told to, speaks the handshake
/// by hand when asked (to lie in it), and sends arbitrary frames once it has a transport.
/// </summary>
public sealed class RawPeer : IAsyncDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    private RawPeer(TransportConnection connection) => Connection = connection;

    public TransportConnection Connection { get; }

    /// <summary>Every byte this peer received, in order.</summary>
    public List<byte> Received { get; } = [];

    /// <summary>Every byte this peer sent, in order (to replay a transcript).</summary>
    public List<byte> Sent { get; } = [];

    public static async Task<RawPeer> ConnectAsync(ISyncTransport transport, EndPoint endPoint) =>
        new(await transport.ConnectAsync(endPoint));

    public static RawPeer Over(TransportConnection connection) => new(connection);

    public async Task SendAsync(ReadOnlyMemory<byte> bytes)
    {
        await Connection.Pipe.Output.WriteAsync(bytes);
        Sent.AddRange(bytes.ToArray());
    }

    public Task SendNoiseAsync(ReadOnlySpan<byte> message)
    {
        var framed = new byte[2 + message.Length];
        BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)message.Length);
        message.CopyTo(framed.AsSpan(2));
        return SendAsync(framed);
    }

    public async Task<byte[]> ReadExactAsync(int count)
    {
        while (true)
        {
            var result = await Connection.Pipe.Input.ReadAsync().AsTask().WaitAsync(Bound);
            if (result.Buffer.Length >= count)
            {
                var bytes = result.Buffer.Slice(0, count).ToArray();
                Received.AddRange(bytes);
                Connection.Pipe.Input.AdvanceTo(result.Buffer.GetPosition(count));
                return bytes;
            }
            Connection.Pipe.Input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
            if (result.IsCompleted)
                throw new EndOfStreamException($"closed after {result.Buffer.Length} of {count} bytes");
        }
    }

    public async Task<byte[]> ReadNoiseAsync()
    {
        var prefix = await ReadExactAsync(2);
        return await ReadExactAsync(BinaryPrimitives.ReadUInt16BigEndian(prefix));
    }

    /// <summary>Reads until the other side closes; true if it did within <paramref name="within"/>.</summary>
    public async Task<bool> ClosedWithinAsync(TimeSpan within)
    {
        using var timeout = new CancellationTokenSource(within);
        try
        {
            while (true)
            {
                var result = await Connection.Pipe.Input.ReadAsync(timeout.Token);
                Received.AddRange(result.Buffer.ToArray());
                Connection.Pipe.Input.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
                    return true;
            }
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (IOException)
        {
            return true; // reset by the peer
        }
    }

    /// <summary>
    /// Runs the initiator's side of the handshake by hand, with whatever Hello the test wants to claim
    /// (a forged node id, a proof for another key). Returns the transport and the responder's Hello.
    /// </summary>
    public async Task<(NoiseTransport Transport, HelloMessage Responder)> InitiateAsync(byte[] psk, NoiseKeyPair staticKey, HelloMessage claim)
    {
        var ours = Preamble.Current.ToBytes();
        await SendAsync(ours);
        var theirs = await ReadExactAsync(Preamble.Size);
        using var handshake = new HandshakeState(HandshakePattern.XXpsk3, true, SyncProtocol.Prologue(ours, theirs), staticKey, default, [psk]);
        await SendNoiseAsync(handshake.WriteMessage([]));
        var message2 = await ReadNoiseAsync();
        handshake.ReadMessage(message2);
        var body = new ArrayBufferWriter<byte>();
        FrameCodec.WriteBody(claim, body);
        await SendNoiseAsync(handshake.WriteMessage(body.WrittenSpan));
        var transport = handshake.Split();
        var firstMessage = await ReadNoiseAsync();
        var first = transport.Receive.DecryptWithAd([], firstMessage);
        var buffer = new ReadOnlySequence<byte>(first);
        FrameCodec.TryRead(ref buffer, FrameLimits.Default, out var hello);
        return (transport, (HelloMessage)hello!);
    }

    /// <summary>Encrypts <paramref name="frames"/> (already encoded, back to back) into Noise messages and sends them.</summary>
    public async Task SendFramesAsync(NoiseTransport transport, byte[] frames)
    {
        for (var offset = 0; offset < frames.Length; offset += NoiseProtocol.MaxTransportPayloadLength)
        {
            var message = transport.Send.EncryptWithAd([], frames.AsSpan(offset, Math.Min(NoiseProtocol.MaxTransportPayloadLength, frames.Length - offset)));
            await SendNoiseAsync(message);
        }
    }

    public Task SendAsync(NoiseTransport transport, params SyncMessage[] messages) =>
        SendFramesAsync(transport, [.. messages.SelectMany(FrameCodec.Encode)]);

    /// <summary>Reads and decrypts frames until <paramref name="until"/> matches one (or the connection closes).</summary>
    public async Task<List<SyncMessage>> ReceiveAsync(NoiseTransport transport, Func<SyncMessage, bool> until, TimeSpan within)
    {
        var messages = new List<SyncMessage>();
        var plain = new List<byte>();
        using var timeout = new CancellationTokenSource(within);
        while (!timeout.IsCancellationRequested)
        {
            byte[] message;
            try
            {
                message = await ReadNoiseAsync().WaitAsync(timeout.Token);
            }
            catch (Exception e) when (e is EndOfStreamException or OperationCanceledException or IOException)
            {
                break;
            }
            plain.AddRange(transport.Receive.DecryptWithAd([], message));
            var buffer = new ReadOnlySequence<byte>(plain.ToArray());
            var before = buffer.Length;
            while (FrameCodec.TryRead(ref buffer, FrameLimits.Default, out var frame))
            {
                messages.Add(frame);
                if (until(frame))
                    return messages;
            }
            plain.RemoveRange(0, (int)(before - buffer.Length));
        }
        return messages;
    }

    public ValueTask DisposeAsync() => Connection.DisposeAsync();
}

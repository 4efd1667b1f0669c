using System.Buffers;
using System.Buffers.Binary;
using Datom.Sync.Noise;
using Datom.Sync.Protocol;

namespace Datom.Sync.Connection;

/// <summary>The reader and writer loops: Noise transport messages on the socket, frames inside them.</summary>
internal sealed partial class PeerConnection
{
    /// <summary>The writer gathers up to this much of waiting frames before encrypting and flushing.</summary>
    private const int CoalesceBytes = 256 << 10;

    /// <summary>1 while the reader waits for room to hand on entries (so not reading is not the peer's silence).</summary>
    private int _readerStalled;

    /// <summary>
    /// The one reader loop: takes whole Noise messages off the socket, decrypts each into the
    /// plaintext buffer, and takes whole frames off that. A frame's length is checked the moment its
    /// four bytes have arrived, so the plaintext buffer never holds more than one frame of at most
    /// <see cref="FrameLimits.MaxFrameBytes"/> plus one Noise message.
    /// </summary>
    private async Task ReadLoopAsync(CancellationToken token)
    {
        var input = _connection.Pipe.Input;
        using var plain = new FrameBuffer(64 << 10);
        var scratch = new byte[NoiseProtocol.MaxMessageLength];
        while (true)
        {
            var result = await input.ReadAsync(token).ConfigureAwait(false);
            var buffer = result.Buffer;
            try
            {
                while (NoiseWire.TryRead(ref buffer, out var message))
                {
                    Received(SyncProtocol.NoiseLengthPrefix + message.Length);
                    if (message.Length < NoiseProtocol.TagLength)
                        SyncThrow.Error(SyncError.NoiseMessageTooShort, $"transport message of {message.Length} bytes is shorter than its {NoiseProtocol.TagLength}-byte tag");
                    ReadOnlySpan<byte> ciphertext;
                    if (message.IsSingleSegment)
                    {
                        ciphertext = message.FirstSpan;
                    }
                    else
                    {
                        message.CopyTo(scratch);
                        ciphertext = scratch.AsSpan(0, (int)message.Length);
                    }
                    var target = plain.GetSpan(ciphertext.Length - NoiseProtocol.TagLength);
                    int written;
                    try
                    {
                        written = _noise.Receive.DecryptWithAd([], ciphertext, target);
                    }
                    catch (NoiseException e)
                    {
                        throw new SyncProtocolException(SyncError.DecryptionFailed, "a transport message fails authentication: " + e.Message, e);
                    }
                    plain.Advance(written);

                    var frames = new ReadOnlySequence<byte>(plain.WrittenMemory);
                    var before = frames.Length;
                    while (FrameCodec.TryRead(ref frames, _limits, out var frame))
                        await DispatchAsync(frame, token).ConfigureAwait(false);
                    plain.Consume((int)(before - frames.Length));
                }
            }
            finally
            {
                input.AdvanceTo(buffer.Start, buffer.End);
            }
            if (result.IsCompleted || result.IsCanceled)
            {
                if (!buffer.IsEmpty)
                    SyncThrow.Truncated("a Noise transport message");
                if (plain.WrittenCount > 0)
                    SyncThrow.Truncated($"a frame ({plain.WrittenCount} bytes of it arrived)");
                Close(SyncError.ConnectionClosed, "the peer closed the connection", goodbye: false);
                return;
            }
        }
    }

    private async ValueTask DispatchAsync(SyncMessage message, CancellationToken token)
    {
        switch (message)
        {
            case EntriesMessage or SyncDoneMessage:
                if (!_inbound.Writer.TryWrite(message))
                {
                    // Verification is behind (or the peer is throttled): stop reading, which pushes
                    // back through TCP. The silence that follows is ours, not the peer's.
                    Volatile.Write(ref _readerStalled, 1);
                    try
                    {
                        await _inbound.Writer.WriteAsync(message, token).ConfigureAwait(false);
                    }
                    finally
                    {
                        Volatile.Write(ref _lastReceivedTicks, _options.Time.GetTimestamp());
                        Volatile.Write(ref _readerStalled, 0);
                    }
                }
                break;
            case PingMessage ping:
                // A Pong is advisory: if the queue is full, the traffic already shows we are alive.
                _outgoing.Writer.TryWrite(new PongMessage(ping.Nonce));
                break;
            case PongMessage:
                break;
            case GoodbyeMessage goodbye:
                SyncLog.Goodbye(_logger, RemoteId, goodbye.Error, goodbye.Reason);
                Close(SyncError.RemoteError, $"the peer said goodbye: {goodbye.Error}: {goodbye.Reason}", goodbye: false);
                break;
            case HelloMessage:
                SyncThrow.Unexpected("a second Hello");
                break;
            default:
                await _control.Writer.WriteAsync(message, token).ConfigureAwait(false);
                break;
        }
    }

    /// <summary>
    /// The one writer loop: gathers waiting frames (so that many small pushes share one Noise message
    /// and one syscall), cuts the plaintext into Noise messages of at most 65,519 bytes, encrypts and
    /// flushes. Stops after flushing a Goodbye.
    /// </summary>
    private async Task WriteLoopAsync(CancellationToken token)
    {
        var output = _connection.Pipe.Output;
        using var plain = new FrameBuffer(64 << 10);
        var reader = _outgoing.Reader;
        while (await reader.WaitToReadAsync(token).ConfigureAwait(false))
        {
            var goodbye = false;
            while (plain.WrittenCount < CoalesceBytes && reader.TryRead(out var message))
            {
                FrameCodec.Write(message, plain);
                if (message is EntriesMessage entries)
                    Interlocked.Add(ref _entriesSent, entries.Entries.Count);
                if (message is GoodbyeMessage)
                {
                    goodbye = true;
                    break;
                }
            }
            var data = plain.WrittenMemory;
            for (var offset = 0; offset < data.Length;)
            {
                var chunk = Math.Min(NoiseProtocol.MaxTransportPayloadLength, data.Length - offset);
                var length = chunk + NoiseProtocol.TagLength;
                var span = output.GetSpan(SyncProtocol.NoiseLengthPrefix + length);
                BinaryPrimitives.WriteUInt16BigEndian(span, (ushort)length);
                _noise.Send.EncryptWithAd([], data.Span.Slice(offset, chunk), span[SyncProtocol.NoiseLengthPrefix..]);
                output.Advance(SyncProtocol.NoiseLengthPrefix + length);
                Sent(SyncProtocol.NoiseLengthPrefix + length);
                offset += chunk;
            }
            plain.Clear();
            var flushed = await output.FlushAsync(token).ConfigureAwait(false);
            if (flushed.IsCompleted)
            {
                Close(SyncError.ConnectionClosed, "the peer stopped reading", goodbye: false);
                return;
            }
            if (goodbye)
            {
                Stop();
                return;
            }
        }
    }

    /// <summary>Pings when idle; drops a peer from which nothing has arrived for the idle timeout.</summary>
    private async Task KeepAliveLoopAsync(CancellationToken token)
    {
        var time = _options.Time;
        var period = TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerMillisecond * 10, Math.Min(_options.PingInterval.Ticks, _options.IdleTimeout.Ticks) / 2));
        ulong nonce = 0;
        while (true)
        {
            await Task.Delay(period, time, token).ConfigureAwait(false);
            var now = time.GetTimestamp();
            var silent = Volatile.Read(ref _readerStalled) != 0 ? TimeSpan.Zero : time.GetElapsedTime(Volatile.Read(ref _lastReceivedTicks), now);
            if (silent > _options.IdleTimeout)
                SyncThrow.Error(SyncError.IdleTimeout, $"nothing arrived from the peer for {silent.TotalSeconds:0.#} s");
            if (time.GetElapsedTime(Volatile.Read(ref _lastSentTicks), now) >= _options.PingInterval || silent >= _options.PingInterval)
                _outgoing.Writer.TryWrite(new PingMessage(++nonce));
        }
    }
}

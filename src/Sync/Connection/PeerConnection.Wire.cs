using System.Buffers;
using System.Buffers.Binary;
using Datom.Sync.Noise;
using Datom.Sync.Protocol;
using Datom.Sync.Session;

namespace Datom.Sync.Connection;

/// <summary>The reader and writer loops: Noise transport messages on the socket, frames inside them.</summary>
internal sealed partial class PeerConnection
{
    /// <summary>The writer gathers up to this much of waiting frames before encrypting and flushing.</summary>
    private const int CoalesceBytes = 256 << 10;

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

    /// <summary>Hands a decoded message to the session; entries and round ends go on to verification, waiting for room (which stops the reader).</summary>
    private async ValueTask DispatchAsync(SyncMessage message, CancellationToken token)
    {
        var events = Step((s, now) => s.Receive(message, now));
        if (events is null)
            return;
        foreach (var e in events)
        {
            if (e is not (VerifyEvent or EndOfRoundEvent))
            {
                Observe(e);
                continue;
            }
            if (_inbound.Writer.TryWrite(e))
                continue;
            // Verification is behind (or the peer is throttled): stop reading, which pushes back
            // through TCP. The silence that follows is ours, not the peer's.
            Step(static (s, now) => s.ReaderStalled(true, now));
            try
            {
                await _inbound.Writer.WriteAsync(e, token).ConfigureAwait(false);
            }
            finally
            {
                Step(static (s, now) => s.ReaderStalled(false, now));
            }
        }
    }

    /// <summary>
    /// The one writer loop: asks the session for frames while it has any and the batch has room (so
    /// that many small pushes share one Noise message and one syscall), cuts the plaintext into Noise
    /// messages of at most 65,519 bytes, encrypts and flushes, then asks again. It asks only after a
    /// flush completes, so a peer that reads slowly slows the session's reading of the log. Stops
    /// after flushing a Goodbye.
    /// </summary>
    private async Task WriteLoopAsync(CancellationToken token)
    {
        var output = _connection.Pipe.Output;
        using var plain = new FrameBuffer(64 << 10);
        while (true)
        {
            var goodbye = false;
            while (plain.WrittenCount < CoalesceBytes)
            {
                SyncMessage? message;
                List<SessionEvent>? events = null;
                lock (_sessionGate)
                {
                    message = _session.PollTransmit(Now);
                    while (_session.PollEvent(out var e))
                        (events ??= []).Add(e!);
                }
                Observe(events);
                if (message is null)
                    break;
                FrameCodec.Write(message, plain);
                if (message is GoodbyeMessage)
                {
                    goodbye = true;
                    break;
                }
            }
            if (plain.WrittenCount == 0)
            {
                if (!FeedPushes())
                    await _writeWanted.Reader.ReadAsync(token).ConfigureAwait(false);
                continue;
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
            FeedPushes();
        }
    }
}

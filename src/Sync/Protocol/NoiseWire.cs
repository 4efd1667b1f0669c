using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;

namespace Datom.Sync.Protocol;

/// <summary>
/// Noise messages on a byte stream: each preceded by its length, 2 bytes big-endian (Noise §13), so
/// no message exceeds 65535 bytes. Used as is for the handshake; the connection's reader loop parses
/// transport messages with <see cref="TryRead"/>.
/// </summary>
internal static class NoiseWire
{
    /// <summary>Takes one whole length-prefixed message off the front of <paramref name="buffer"/>, if all there.</summary>
    public static bool TryRead(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> message)
    {
        message = default;
        if (buffer.Length < SyncProtocol.NoiseLengthPrefix)
            return false;
        var length = PeekLength(buffer);
        if (buffer.Length < SyncProtocol.NoiseLengthPrefix + length)
            return false;
        message = buffer.Slice(SyncProtocol.NoiseLengthPrefix, length);
        buffer = buffer.Slice(SyncProtocol.NoiseLengthPrefix + length);
        return true;
    }

    private static ushort PeekLength(ReadOnlySequence<byte> buffer)
    {
        Span<byte> prefix = stackalloc byte[SyncProtocol.NoiseLengthPrefix];
        buffer.Slice(0, SyncProtocol.NoiseLengthPrefix).CopyTo(prefix);
        return BinaryPrimitives.ReadUInt16BigEndian(prefix);
    }

    /// <summary>Writes one length-prefixed message and flushes; returns the bytes put on the wire.</summary>
    public static async ValueTask<int> WriteAsync(PipeWriter output, ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        if (message.Length > ushort.MaxValue)
            throw new ArgumentException("a Noise message is at most 65535 bytes", nameof(message));
        var total = SyncProtocol.NoiseLengthPrefix + message.Length;
        var span = output.GetSpan(total);
        BinaryPrimitives.WriteUInt16BigEndian(span, (ushort)message.Length);
        message.Span.CopyTo(span[SyncProtocol.NoiseLengthPrefix..]);
        output.Advance(total);
        var flushed = await output.FlushAsync(cancellationToken).ConfigureAwait(false);
        if (flushed.IsCompleted)
            SyncThrow.Error(SyncError.ConnectionClosed, "the peer closed the connection");
        return total;
    }

    /// <summary>
    /// Reads one length-prefixed handshake message; its length is checked against <paramref name="max"/>
    /// before the rest is waited for.
    /// </summary>
    public static async ValueTask<byte[]> ReadAsync(PipeReader input, int max, string what, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (buffer.Length >= SyncProtocol.NoiseLengthPrefix)
            {
                var length = PeekLength(buffer);
                if (length > max)
                {
                    input.AdvanceTo(buffer.Start);
                    SyncThrow.Error(SyncError.HandshakeMalformed, $"{what} is {length} bytes; at most {max}");
                }
                if (buffer.Length >= SyncProtocol.NoiseLengthPrefix + length)
                {
                    var message = buffer.Slice(SyncProtocol.NoiseLengthPrefix, length).ToArray();
                    input.AdvanceTo(buffer.GetPosition(SyncProtocol.NoiseLengthPrefix + length));
                    return message;
                }
            }
            if (result.IsCompleted || result.IsCanceled)
            {
                var empty = buffer.IsEmpty;
                input.AdvanceTo(buffer.Start, buffer.End);
                if (empty)
                    SyncThrow.Error(SyncError.ConnectionClosed, $"the peer closed the connection before {what}");
                SyncThrow.Truncated(what);
            }
            input.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    /// <summary>Reads exactly <paramref name="count"/> bytes (the preamble).</summary>
    public static async ValueTask<byte[]> ReadExactAsync(PipeReader input, int count, string what, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (buffer.Length >= count)
            {
                var bytes = buffer.Slice(0, count).ToArray();
                input.AdvanceTo(buffer.GetPosition(count));
                return bytes;
            }
            if (result.IsCompleted || result.IsCanceled)
            {
                var empty = buffer.IsEmpty;
                input.AdvanceTo(buffer.Start, buffer.End);
                if (empty)
                    SyncThrow.Error(SyncError.ConnectionClosed, $"the peer closed the connection before {what}");
                SyncThrow.Truncated(what);
            }
            input.AdvanceTo(buffer.Start, buffer.End);
        }
    }
}

using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using Datom.Log.Identity;
using Datom.Log.Model;
using MessagePack;

namespace Datom.Sync.Protocol;

/// <summary>
/// Frames: <c>length (4 bytes, big-endian, 1..MaxFrameBytes) || body</c>, the body a MessagePack array
/// <c>[type, fields...]</c> (layouts on each <see cref="SyncMessage"/>). Frames are a byte stream
/// across Noise transport messages: one message may carry several frames, and one frame may span
/// several messages.
/// </summary>
/// <remarks>
/// Decoding reads every array, bin and str header itself, so that each count and length is checked
/// against its cap (and against the bytes actually present) before anything is sized from it: a
/// frame that claims a billion entries fails with <see cref="SyncError.CountTooLarge"/> having
/// allocated nothing. The writer emits MessagePack's shortest forms; the reader accepts any form.
/// </remarks>
public static class FrameCodec
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Encodes one whole frame (length prefix and body).</summary>
    public static byte[] Encode(SyncMessage message)
    {
        using var buffer = new FrameBuffer();
        Write(message, buffer);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Appends one frame to <paramref name="output"/>: its length prefix, then its body.</summary>
    internal static void Write(SyncMessage message, FrameBuffer output)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(output);
        var start = output.WrittenCount;
        output.GetSpan(SyncProtocol.FrameLengthPrefix);
        output.Advance(SyncProtocol.FrameLengthPrefix);
        WriteBody(message, output);
        var length = output.WrittenCount - start - SyncProtocol.FrameLengthPrefix;
        BinaryPrimitives.WriteInt32BigEndian(output.Written(start, SyncProtocol.FrameLengthPrefix), length);
    }

    /// <summary>Writes a frame body (no length prefix): the form of the handshake's identity payload.</summary>
    internal static void WriteBody(SyncMessage message, IBufferWriter<byte> output)
    {
        var w = new MessagePackWriter(output);
        switch (message)
        {
            case HelloMessage m:
                w.WriteArrayHeader(m.Instance is not null ? 8 : m.WallClock is null ? 6 : 7);
                w.Write((int)MessageType.Hello);
                w.Write(m.Version);
                w.Write(m.NodeId.PublicKey);
                w.Write(m.Proof);
                w.Write(m.MaxFrameBytes);
                w.Write(m.Agent);
                if (m.Instance is { } instance)
                {
                    if (m.WallClock is { } clock)
                        w.Write(clock);
                    else
                        w.WriteNil();
                    w.Write(instance);
                }
                else if (m.WallClock is { } wall)
                {
                    w.Write(wall);
                }
                break;
            case SyncRequestMessage m:
                w.WriteArrayHeader(3);
                w.Write((int)MessageType.SyncRequest);
                w.Write(m.Round);
                w.WriteArrayHeader(m.Authors.Count);
                foreach (var a in m.Authors)
                {
                    w.WriteArrayHeader(3);
                    w.Write(a.Author.PublicKey);
                    w.Write(a.MaxSeq);
                    w.WriteArrayHeader(a.Heads.Count);
                    foreach (var h in a.Heads)
                    {
                        w.WriteArrayHeader(2);
                        WriteHash(ref w, h.Hash);
                        w.Write(h.Seq);
                    }
                }
                break;
            case ProbeMessage m:
                w.WriteArrayHeader(3);
                w.Write((int)MessageType.Probe);
                w.Write(m.Round);
                w.WriteArrayHeader(m.Hashes.Count);
                foreach (var h in m.Hashes)
                    WriteHash(ref w, h);
                break;
            case ProbeReplyMessage m:
                w.WriteArrayHeader(4);
                w.Write((int)MessageType.ProbeReply);
                w.Write(m.Round);
                w.Write(m.Count);
                w.Write(m.Bitmap);
                break;
            case EntriesMessage m:
                w.WriteArrayHeader(3);
                w.Write((int)MessageType.Entries);
                w.Write(m.Round);
                w.WriteArrayHeader(m.Entries.Count);
                foreach (var e in m.Entries)
                    w.Write(e.Span);
                break;
            case SyncDoneMessage m:
                w.WriteArrayHeader(3);
                w.Write((int)MessageType.SyncDone);
                w.Write(m.Round);
                w.Write(m.Sent);
                break;
            case ResyncHintMessage:
                w.WriteArrayHeader(1);
                w.Write((int)MessageType.ResyncHint);
                break;
            case PingMessage m:
                w.WriteArrayHeader(2);
                w.Write((int)MessageType.Ping);
                w.Write(m.Nonce);
                break;
            case PongMessage m:
                w.WriteArrayHeader(2);
                w.Write((int)MessageType.Pong);
                w.Write(m.Nonce);
                break;
            case GoodbyeMessage m:
                w.WriteArrayHeader(3);
                w.Write((int)MessageType.Goodbye);
                w.Write((int)m.Error);
                w.Write(m.Reason);
                break;
            default:
                throw new ArgumentException($"no encoding for {message.GetType().Name}", nameof(message));
        }
        w.Flush();
    }

    /// <summary>
    /// Takes one whole frame off the front of <paramref name="buffer"/>. Returns false, consuming
    /// nothing, if the frame is not all there yet; the length prefix is checked as soon as its four
    /// bytes are, so an oversized or negative length fails at once rather than after buffering.
    /// </summary>
    /// <exception cref="SyncProtocolException">The frame breaks the protocol (the error says how).</exception>
    public static bool TryRead(ref ReadOnlySequence<byte> buffer, FrameLimits limits, [NotNullWhen(true)] out SyncMessage? message)
    {
        ArgumentNullException.ThrowIfNull(limits);
        message = null;
        if (!TryReadLength(buffer, limits, out var length))
            return false;
        if (buffer.Length < SyncProtocol.FrameLengthPrefix + (long)length)
            return false;
        message = DecodeBody(buffer.Slice(SyncProtocol.FrameLengthPrefix, length), limits);
        buffer = buffer.Slice(SyncProtocol.FrameLengthPrefix + (long)length);
        return true;
    }

    /// <summary>
    /// Reads and checks a frame's length prefix, if its four bytes are present. The only place a
    /// peer's frame length is trusted, and only once it is within <see cref="FrameLimits.MaxFrameBytes"/>.
    /// </summary>
    public static bool TryReadLength(ReadOnlySequence<byte> buffer, FrameLimits limits, out int length)
    {
        ArgumentNullException.ThrowIfNull(limits);
        length = 0;
        if (buffer.Length < SyncProtocol.FrameLengthPrefix)
            return false;
        Span<byte> prefix = stackalloc byte[SyncProtocol.FrameLengthPrefix];
        buffer.Slice(0, SyncProtocol.FrameLengthPrefix).CopyTo(prefix);
        length = BinaryPrimitives.ReadInt32BigEndian(prefix);
        if (length < 0)
            SyncThrow.NegativeFrameLength(length);
        if (length == 0)
            SyncThrow.EmptyFrame();
        if (length > limits.MaxFrameBytes)
            SyncThrow.FrameTooLarge(length, limits.MaxFrameBytes);
        return true;
    }

    /// <summary>At the end of a stream: anything left over is a frame cut short.</summary>
    public static void CheckEndOfStream(ReadOnlySequence<byte> buffer)
    {
        if (!buffer.IsEmpty)
            SyncThrow.Truncated($"a frame ({buffer.Length} bytes of it arrived)");
    }

    /// <summary>Decodes a frame body (no length prefix).</summary>
    public static SyncMessage DecodeBody(ReadOnlySequence<byte> body, FrameLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        var r = new MessagePackReader(body);
        try
        {
            var fields = ReadCount(ref r, 16, 1, "fields in a frame");
            if (fields < 1)
                SyncThrow.Malformed("a frame body is an array that starts with the message type");
            var type = r.ReadInt64();
            SyncMessage message = type switch
            {
                (long)MessageType.Hello => ReadHello(ref r, fields, limits),
                (long)MessageType.SyncRequest => ReadSyncRequest(ref r, fields, limits),
                (long)MessageType.Probe => ReadProbe(ref r, fields, limits),
                (long)MessageType.ProbeReply => ReadProbeReply(ref r, fields, limits),
                (long)MessageType.Entries => ReadEntries(ref r, fields, limits),
                (long)MessageType.SyncDone => ReadSyncDone(ref r, fields),
                (long)MessageType.ResyncHint => ReadResyncHint(fields),
                (long)MessageType.Ping => new PingMessage(ReadNonce(ref r, fields, "Ping")),
                (long)MessageType.Pong => new PongMessage(ReadNonce(ref r, fields, "Pong")),
                (long)MessageType.Goodbye => ReadGoodbye(ref r, fields, limits),
                _ => Unknown(type),
            };
            if (!r.End)
                SyncThrow.Malformed($"{r.Sequence.Length - r.Consumed} bytes after the end of a {message.Type} message");
            return message;
        }
        catch (Exception e) when (e is MessagePackSerializationException or EndOfStreamException or OverflowException or InvalidOperationException or DecoderFallbackException or ArgumentException)
        {
            SyncThrow.Malformed(e.Message, e);
            return null!;
        }
    }

    private static SyncMessage Unknown(long type)
    {
        SyncThrow.UnknownType(type);
        return null!;
    }

    private static void Fields(long actual, int expected, string name)
    {
        if (actual != expected)
            SyncThrow.Malformed($"{name} has {expected} fields, not {actual}");
    }

    private static SyncDoneMessage ReadSyncDone(ref MessagePackReader r, long fields)
    {
        Fields(fields, 3, "SyncDone");
        var round = r.ReadUInt32();
        var sent = r.ReadInt64();
        if (sent < 0)
            SyncThrow.Malformed("SyncDone with a negative count");
        return new SyncDoneMessage(round, sent);
    }

    private static ResyncHintMessage ReadResyncHint(long fields)
    {
        Fields(fields, 1, "ResyncHint");
        return new ResyncHintMessage();
    }

    private static ulong ReadNonce(ref MessagePackReader r, long fields, string name)
    {
        Fields(fields, 2, name);
        return r.ReadUInt64();
    }

    private static HelloMessage ReadHello(ref MessagePackReader r, long fields, FrameLimits limits)
    {
        // Six fields; seven with the sender's wall clock; eight with its wall clock (or nil) and its instance.
        if (fields is not (7 or 8))
            Fields(fields, 6, "Hello");
        var version = r.ReadByte();
        Span<byte> id = stackalloc byte[NodeId.KeySize];
        ReadFixed(ref r, id, "node id");
        var proof = new byte[64];
        ReadFixed(ref r, proof, "identity proof");
        var maxFrame = r.ReadInt32();
        if (maxFrame < 1)
            SyncThrow.Malformed($"Hello names a maximum frame size of {maxFrame}");
        var agent = ReadString(ref r, limits.MaxAgentBytes, "agent");
        long? wall = fields < 7 || r.TryReadNil() ? null : r.ReadInt64();
        ulong? instance = fields == 8 ? r.ReadUInt64() : null;
        return new HelloMessage(version, new NodeId(id), proof, maxFrame, agent, wall, instance);
    }

    private static SyncRequestMessage ReadSyncRequest(ref MessagePackReader r, long fields, FrameLimits limits)
    {
        Fields(fields, 3, "SyncRequest");
        var round = r.ReadUInt32();
        // An author takes at least 37 bytes: array(1) author(34) seq(1) heads(1).
        var count = ReadCount(ref r, limits.MaxAuthors, 37, "authors in a summary");
        var authors = new AuthorHeads[count];
        Span<byte> key = stackalloc byte[NodeId.KeySize];
        for (var i = 0; i < count; i++)
        {
            if (ReadCount(ref r, 3, 1, "fields of an author summary") != 3)
                SyncThrow.Malformed("an author summary is [author, max-seq, heads]");
            ReadFixed(ref r, key, "author");
            var maxSeq = r.ReadUInt64();
            // A head takes at least 36 bytes: array(1) hash(34) seq(1).
            var headCount = ReadCount(ref r, limits.MaxHeadsPerAuthor, 36, "heads of one author");
            var heads = new HeadRef[headCount];
            for (var j = 0; j < headCount; j++)
            {
                if (ReadCount(ref r, 2, 1, "fields of a head") != 2)
                    SyncThrow.Malformed("a head is [hash, seq]");
                var hash = ReadHash(ref r);
                var seq = r.ReadUInt64();
                if (seq == 0 || seq > maxSeq)
                    SyncThrow.Malformed($"head {hash} has sequence {seq}, outside 1..{maxSeq}");
                heads[j] = new HeadRef(hash, seq);
            }
            authors[i] = new AuthorHeads(new NodeId(key), maxSeq, heads);
        }
        return new SyncRequestMessage(round, authors);
    }

    private static ProbeMessage ReadProbe(ref MessagePackReader r, long fields, FrameLimits limits)
    {
        Fields(fields, 3, "Probe");
        var round = r.ReadUInt32();
        var count = ReadCount(ref r, limits.MaxProbeHashes, 34, "hashes in a probe");
        var hashes = new EntryHash[count];
        for (var i = 0; i < count; i++)
            hashes[i] = ReadHash(ref r);
        return new ProbeMessage(round, hashes);
    }

    private static ProbeReplyMessage ReadProbeReply(ref MessagePackReader r, long fields, FrameLimits limits)
    {
        Fields(fields, 4, "ProbeReply");
        var round = r.ReadUInt32();
        var count = r.ReadInt32();
        if (count < 0 || count > limits.MaxProbeHashes)
            SyncThrow.CountTooLarge("answers in a probe reply", count, limits.MaxProbeHashes);
        var expected = (count + 7) / 8;
        var length = ReadBinHeader(ref r, expected, "probe reply bitmap");
        if (length != expected)
            SyncThrow.FieldWrongSize("probe reply bitmap", length, expected);
        var bitmap = r.ReadRaw(length).ToArray();
        if (count % 8 != 0 && (bitmap[^1] >> (count % 8)) != 0)
            SyncThrow.Malformed("probe reply bitmap has bits set past its count");
        return new ProbeReplyMessage(round, count, bitmap);
    }

    private static EntriesMessage ReadEntries(ref MessagePackReader r, long fields, FrameLimits limits)
    {
        Fields(fields, 3, "Entries");
        var round = r.ReadUInt32();
        // An entry takes at least a bin8 header (2 bytes).
        var count = ReadCount(ref r, limits.MaxEntriesPerFrame, 2, "entries in a frame");
        var entries = new ReadOnlyMemory<byte>[count];
        for (var i = 0; i < count; i++)
        {
            var length = ReadBinHeader(ref r, limits.MaxEntryBytes, "entry");
            entries[i] = r.ReadRaw(length).ToArray();
        }
        return new EntriesMessage(round, entries);
    }

    private static GoodbyeMessage ReadGoodbye(ref MessagePackReader r, long fields, FrameLimits limits)
    {
        Fields(fields, 3, "Goodbye");
        var error = r.ReadInt32();
        var reason = ReadString(ref r, limits.MaxReasonBytes, "goodbye reason");
        return new GoodbyeMessage((SyncError)error, reason);
    }

    /// <summary>
    /// An array header, read by hand: the count is checked against <paramref name="max"/> and against
    /// the bytes left (each element takes at least <paramref name="minElementBytes"/>) before the
    /// caller allocates for it.
    /// </summary>
    private static int ReadCount(ref MessagePackReader r, int max, int minElementBytes, string what)
    {
        var code = r.NextCode;
        long count;
        if (code is >= MessagePackCode.MinFixArray and <= MessagePackCode.MaxFixArray)
        {
            r.ReadRaw(1);
            count = code & 0x0f;
        }
        else if (code == MessagePackCode.Array16)
        {
            count = ReadBigEndian(ref r, 2);
        }
        else if (code == MessagePackCode.Array32)
        {
            count = ReadBigEndian(ref r, 4);
        }
        else
        {
            SyncThrow.Malformed($"expected an array ({what}), found code 0x{code:x2}");
            return 0;
        }
        if (count > max)
            SyncThrow.CountTooLarge(what, count, max);
        var remaining = r.Sequence.Length - r.Consumed;
        if (count * minElementBytes > remaining)
            SyncThrow.Malformed($"{what}: {count} claimed, but only {remaining} bytes remain");
        return (int)count;
    }

    /// <summary>A bin header, read by hand: the length is checked against <paramref name="max"/> and the bytes left.</summary>
    private static int ReadBinHeader(ref MessagePackReader r, int max, string what)
    {
        var code = r.NextCode;
        var length = code switch
        {
            MessagePackCode.Bin8 => ReadBigEndian(ref r, 1),
            MessagePackCode.Bin16 => ReadBigEndian(ref r, 2),
            MessagePackCode.Bin32 => ReadBigEndian(ref r, 4),
            _ => -1,
        };
        if (length < 0)
            SyncThrow.Malformed($"expected bytes ({what}), found code 0x{code:x2}");
        if (length > max)
            SyncThrow.FieldTooLarge(what, length, max);
        var remaining = r.Sequence.Length - r.Consumed;
        if (length > remaining)
            SyncThrow.Malformed($"{what}: {length} bytes claimed, but only {remaining} remain");
        return (int)length;
    }

    private static string ReadString(ref MessagePackReader r, int max, string what)
    {
        var code = r.NextCode;
        long length;
        if (code is >= MessagePackCode.MinFixStr and <= MessagePackCode.MaxFixStr)
        {
            r.ReadRaw(1);
            length = code & 0x1f;
        }
        else
        {
            length = code switch
            {
                MessagePackCode.Str8 => ReadBigEndian(ref r, 1),
                MessagePackCode.Str16 => ReadBigEndian(ref r, 2),
                MessagePackCode.Str32 => ReadBigEndian(ref r, 4),
                _ => -1,
            };
        }
        if (length < 0)
            SyncThrow.Malformed($"expected a string ({what}), found code 0x{code:x2}");
        if (length > max)
            SyncThrow.FieldTooLarge(what, length, max);
        var remaining = r.Sequence.Length - r.Consumed;
        if (length > remaining)
            SyncThrow.Malformed($"{what}: {length} bytes claimed, but only {remaining} remain");
        // Allocated only now, within the cap just checked.
        return StrictUtf8.GetString(r.ReadRaw(length).ToArray());
    }

    /// <summary>Skips the code byte and reads a big-endian unsigned length of <paramref name="size"/> bytes after it.</summary>
    private static long ReadBigEndian(ref MessagePackReader r, int size)
    {
        var raw = r.ReadRaw(1 + size);
        Span<byte> bytes = stackalloc byte[5];
        raw.CopyTo(bytes);
        return size switch
        {
            1 => bytes[1],
            2 => BinaryPrimitives.ReadUInt16BigEndian(bytes[1..]),
            _ => BinaryPrimitives.ReadUInt32BigEndian(bytes[1..]),
        };
    }

    private static void ReadFixed(ref MessagePackReader r, scoped Span<byte> destination, string what)
    {
        var length = ReadBinHeader(ref r, destination.Length, what);
        if (length != destination.Length)
            SyncThrow.FieldWrongSize(what, length, destination.Length);
        r.ReadRaw(length).CopyTo(destination);
    }

    private static EntryHash ReadHash(ref MessagePackReader r)
    {
        Span<byte> bytes = stackalloc byte[EntryHash.Size];
        ReadFixed(ref r, bytes, "entry hash");
        return new EntryHash(bytes);
    }

    // A heap array: MessagePackWriter is a ref struct, and a stackalloc span may not flow into it.
    private static void WriteHash(ref MessagePackWriter w, EntryHash hash) => w.Write(hash.ToBytes());
}

using System.Buffers;
using System.Buffers.Binary;
using Datom.Log.Model;
using Datom.Sync.Protocol;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using MessagePack;
using Xunit;

namespace Datom.Sync.Tests.Framing;

public sealed class FrameCodecTests
{
    private static readonly FrameLimits Limits = FrameLimits.Default;

    [Property(Arbitrary = new[] { typeof(Generators) }, MaxTest = 300)]
    public void Frames_round_trip_whole_and_split_anywhere(FrameStream stream)
    {
        var encoded = stream.Messages.Select(FrameCodec.Encode).ToArray();
        var bytes = encoded.SelectMany(b => b).ToArray();

        // Whole: each frame decodes and re-encodes to the same bytes.
        var whole = new ReadOnlySequence<byte>(bytes);
        for (var i = 0; i < encoded.Length; i++)
        {
            Assert.True(FrameCodec.TryRead(ref whole, Limits, out var message));
            Assert.Equal(encoded[i], FrameCodec.Encode(message));
            Assert.Equal(stream.Messages[i].Type, message.Type);
        }
        Assert.True(whole.IsEmpty);

        // Split into segments at arbitrary points: the same frames come out.
        var split = Segments.Split(bytes, stream.Cuts.Select(c => c % (bytes.Length + 1)));
        for (var i = 0; i < encoded.Length; i++)
        {
            Assert.True(FrameCodec.TryRead(ref split, Limits, out var message));
            Assert.Equal(encoded[i], FrameCodec.Encode(message));
        }
        Assert.True(split.IsEmpty);
    }

    [Property(Arbitrary = new[] { typeof(Generators) }, MaxTest = 100)]
    public void A_frame_is_not_read_until_all_of_it_has_arrived(FrameStream stream)
    {
        var bytes = FrameCodec.Encode(stream.Messages[0]);
        for (var cut = 0; cut < bytes.Length; cut += Math.Max(1, bytes.Length / 17))
        {
            var partial = new ReadOnlySequence<byte>(bytes, 0, cut);
            Assert.False(FrameCodec.TryRead(ref partial, Limits, out _));
            Assert.Equal(cut, partial.Length); // nothing consumed
            if (cut == 0)
                FrameCodec.CheckEndOfStream(partial); // between frames: a clean end
            else
                Assert.Equal(SyncError.Truncated, Assert.Throws<SyncProtocolException>(() => FrameCodec.CheckEndOfStream(partial)).Error);
        }
    }

    [Fact]
    public void End_of_stream_between_frames_is_clean_and_inside_one_is_truncated()
    {
        FrameCodec.CheckEndOfStream(ReadOnlySequence<byte>.Empty);
        var bytes = FrameCodec.Encode(new PingMessage(7));
        var error = Assert.Throws<SyncProtocolException>(() => FrameCodec.CheckEndOfStream(new ReadOnlySequence<byte>(bytes, 0, 3)));
        Assert.Equal(SyncError.Truncated, error.Error);
    }

    [Theory]
    [InlineData(0x80000000u, SyncError.NegativeFrameLength)]
    [InlineData(0xffffffffu, SyncError.NegativeFrameLength)]
    [InlineData(0u, SyncError.EmptyFrame)]
    [InlineData((uint)(2 << 20) + 1, SyncError.FrameTooLarge)]
    [InlineData(0x7fffffffu, SyncError.FrameTooLarge)]
    public void A_bad_length_prefix_fails_as_soon_as_its_four_bytes_arrive(uint length, SyncError expected)
    {
        var prefix = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(prefix, length);
        var buffer = new ReadOnlySequence<byte>(prefix);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<SyncProtocolException>(() => FrameCodec.TryRead(ref buffer, Limits, out _));
        Assert.Equal(expected, error.Error);
        // Nothing was sized from the claimed length (the exception itself is all that was allocated).
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 16 << 10);
    }

    [Fact]
    public void A_frame_within_a_smaller_configured_cap_is_refused_by_it()
    {
        var limits = new FrameLimits { MaxFrameBytes = 100 };
        var buffer = new ReadOnlySequence<byte>(FrameCodec.Encode(new EntriesMessage(1, [new byte[200]])));
        Assert.Equal(SyncError.FrameTooLarge, Assert.Throws<SyncProtocolException>(() => FrameCodec.TryRead(ref buffer, limits, out _)).Error);
    }

    public static TheoryData<string, byte[], SyncError> Hostile() => new()
    {
        { "not MessagePack (0xc1 is never used)", Body(w => w.WriteRaw([0xc1])), SyncError.MalformedFrame },
        { "not an array", Body(w => w.Write(5)), SyncError.MalformedFrame },
        { "empty array", Body(w => w.WriteArrayHeader(0)), SyncError.MalformedFrame },
        { "type is a string", Body(w => { w.WriteArrayHeader(1); w.Write("ping"); }), SyncError.MalformedFrame },
        { "unknown type", Body(w => { w.WriteArrayHeader(1); w.Write(99); }), SyncError.UnknownMessageType },
        { "Ping without its nonce", Body(w => { w.WriteArrayHeader(1); w.Write((int)MessageType.Ping); }), SyncError.MalformedFrame },
        { "trailing bytes", Body(w => { w.WriteArrayHeader(2); w.Write((int)MessageType.Ping); w.Write(1); w.Write(2); }), SyncError.MalformedFrame },
        { "a billion entries (array32)", Body(w => { w.WriteArrayHeader(3); w.Write((int)MessageType.Entries); w.Write(1); w.WriteArrayHeader(1_000_000_000); }), SyncError.CountTooLarge },
        { "4097 entries", Body(w => { w.WriteArrayHeader(3); w.Write((int)MessageType.Entries); w.Write(1); w.WriteArrayHeader(4097); }), SyncError.CountTooLarge },
        { "more entries than bytes", Body(w => { w.WriteArrayHeader(3); w.Write((int)MessageType.Entries); w.Write(1); w.WriteArrayHeader(4000); w.Write(new byte[3]); }), SyncError.MalformedFrame },
        { "an entry of 2 GiB (bin32)", Body(w => { w.WriteArrayHeader(3); w.Write((int)MessageType.Entries); w.Write(1); w.WriteArrayHeader(1); w.WriteRaw([0xc6, 0x7f, 0xff, 0xff, 0xff]); }), SyncError.FieldTooLarge },
        { "an entry longer than the frame", Body(w => { w.WriteArrayHeader(3); w.Write((int)MessageType.Entries); w.Write(1); w.WriteArrayHeader(1); w.WriteRaw([0xc5, 0x10, 0x00]); }), SyncError.MalformedFrame },
        { "an entry that is a string", Body(w => { w.WriteArrayHeader(3); w.Write((int)MessageType.Entries); w.Write(1); w.WriteArrayHeader(1); w.Write("entry"); }), SyncError.MalformedFrame },
        { "a summary of 16385 authors", Body(w => { w.WriteArrayHeader(3); w.Write((int)MessageType.SyncRequest); w.Write(1); w.WriteArrayHeader(16_385); }), SyncError.CountTooLarge },
        { "an author with 65 heads", Summary(65), SyncError.CountTooLarge },
        { "a head above the author's max seq", Body(w =>
            {
                w.WriteArrayHeader(3); w.Write((int)MessageType.SyncRequest); w.Write(1); w.WriteArrayHeader(1);
                w.WriteArrayHeader(3); w.Write(new byte[32]); w.Write(5UL); w.WriteArrayHeader(1);
                w.WriteArrayHeader(2); w.Write(new byte[32]); w.Write(6UL);
            }), SyncError.MalformedFrame },
        { "a 31-byte author", Body(w =>
            {
                w.WriteArrayHeader(3); w.Write((int)MessageType.SyncRequest); w.Write(1); w.WriteArrayHeader(1);
                w.WriteArrayHeader(3); w.Write(new byte[31]); w.Write(1UL); w.WriteArrayHeader(1);
                w.WriteArrayHeader(2); w.Write(new byte[32]); w.Write(1UL);
            }), SyncError.FieldTooLarge },
        { "a probe of 32769 hashes", Body(w => { w.WriteArrayHeader(3); w.Write((int)MessageType.Probe); w.Write(1); w.WriteArrayHeader(32_769); }), SyncError.CountTooLarge },
        { "a probe reply with a short bitmap", Body(w => { w.WriteArrayHeader(4); w.Write((int)MessageType.ProbeReply); w.Write(1); w.Write(20); w.Write(new byte[2]); }), SyncError.FieldTooLarge },
        { "a probe reply with bits past its count", Body(w => { w.WriteArrayHeader(4); w.Write((int)MessageType.ProbeReply); w.Write(1); w.Write(3); w.Write(new byte[] { 0xff }); }), SyncError.MalformedFrame },
        { "a probe reply with a negative count", Body(w => { w.WriteArrayHeader(4); w.Write((int)MessageType.ProbeReply); w.Write(1); w.Write(-1); w.Write(Array.Empty<byte>()); }), SyncError.CountTooLarge },
        { "a goodbye with a 10 KB reason", Body(w => { w.WriteArrayHeader(3); w.Write((int)MessageType.Goodbye); w.Write(1); w.Write(new string('x', 10_000)); }), SyncError.FieldTooLarge },
        { "a goodbye reason that is not UTF-8", Body(w => { w.WriteArrayHeader(3); w.Write((int)MessageType.Goodbye); w.Write(1); w.WriteRaw([0xa2, 0xff, 0xfe]); }), SyncError.MalformedFrame },
        { "a Hello with a 63-byte proof", Body(w => { w.WriteArrayHeader(6); w.Write((int)MessageType.Hello); w.Write((byte)1); w.Write(new byte[32]); w.Write(new byte[63]); w.Write(1000); w.Write("x"); }), SyncError.FieldTooLarge },
        { "a Hello with a zero frame size", Body(w => { w.WriteArrayHeader(6); w.Write((int)MessageType.Hello); w.Write((byte)1); w.Write(new byte[32]); w.Write(new byte[64]); w.Write(0); w.Write("x"); }), SyncError.MalformedFrame },
        { "a SyncDone with a negative count", Body(w => { w.WriteArrayHeader(3); w.Write((int)MessageType.SyncDone); w.Write(1); w.Write(-5L); }), SyncError.MalformedFrame },
        { "a round that is negative", Body(w => { w.WriteArrayHeader(3); w.Write((int)MessageType.SyncDone); w.Write(-1); w.Write(5L); }), SyncError.MalformedFrame },
    };

    [Theory]
    [MemberData(nameof(Hostile))]
    public void Hostile_frames_fail_with_a_specific_error_before_anything_is_sized_from_them(string what, byte[] frame, SyncError expected)
    {
        var buffer = new ReadOnlySequence<byte>(frame);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<SyncProtocolException>(() => FrameCodec.TryRead(ref buffer, Limits, out _));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(expected == error.Error, $"{what}: expected {expected}, got {error.Error}: {error.Message}");
        // Whatever the frame claims, decoding it allocates little (a few small objects and the exception).
        Assert.True(allocated < 64 << 10, $"{what}: allocated {allocated} bytes");
    }

    /// <summary>
    /// Bounded mutation fuzzing: valid frames with bytes flipped, replaced, inserted, deleted or cut.
    /// Every input ends in frames or in a <see cref="SyncProtocolException"/> (never another
    /// exception, never a hang), and feeding it byte by byte gives the same outcome as feeding it
    /// whole (the slow reference).
    /// </summary>
    [Fact]
    public void Mutated_frames_end_in_a_frame_or_a_specific_error_whole_or_byte_by_byte()
    {
        var random = new Random(20_240_611);
        var seeds = Gen.Sample(Generators.Message, 200).Select(FrameCodec.Encode).ToArray();
        var outcomes = new Dictionary<string, int>();
        for (var iteration = 0; iteration < 20_000; iteration++)
        {
            var input = Mutate(seeds[random.Next(seeds.Length)], random);
            var whole = Decode(new ReadOnlySequence<byte>(input));
            var outcome = whole.Error?.ToString() ?? $"{whole.Frames.Count} frame(s)";
            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
            if (iteration % 10 == 0)
            {
                var incremental = DecodeIncrementally(input);
                Assert.True(whole.Error == incremental.Error, $"iteration {iteration}: whole {whole.Error}, byte by byte {incremental.Error}");
                Assert.Equal(whole.Frames, incremental.Frames);
            }
        }
        // The mutations reach both sides: valid frames and several kinds of error.
        Assert.True(outcomes.Count >= 6, string.Join(", ", outcomes.Select(o => $"{o.Key}: {o.Value}")));
    }

    private static (List<string> Frames, SyncError? Error) Decode(ReadOnlySequence<byte> buffer)
    {
        var frames = new List<string>();
        try
        {
            while (FrameCodec.TryRead(ref buffer, Limits, out var message))
                frames.Add(Convert.ToHexString(FrameCodec.Encode(message)));
            FrameCodec.CheckEndOfStream(buffer);
            return (frames, null);
        }
        catch (SyncProtocolException e)
        {
            return (frames, e.Error);
        }
    }

    private static (List<string> Frames, SyncError? Error) DecodeIncrementally(byte[] input)
    {
        var frames = new List<string>();
        var pending = new List<byte>();
        try
        {
            foreach (var b in input)
            {
                pending.Add(b);
                var buffer = new ReadOnlySequence<byte>(pending.ToArray());
                var before = buffer.Length;
                while (FrameCodec.TryRead(ref buffer, Limits, out var message))
                    frames.Add(Convert.ToHexString(FrameCodec.Encode(message)));
                pending.RemoveRange(0, (int)(before - buffer.Length));
            }
            FrameCodec.CheckEndOfStream(new ReadOnlySequence<byte>(pending.ToArray()));
            return (frames, null);
        }
        catch (SyncProtocolException e)
        {
            return (frames, e.Error);
        }
    }

    private static byte[] Mutate(byte[] frame, Random random)
    {
        var bytes = frame.ToList();
        var edits = random.Next(1, 4);
        for (var e = 0; e < edits && bytes.Count > 0; e++)
        {
            var at = random.Next(bytes.Count);
            switch (random.Next(6))
            {
                case 0:
                    bytes[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 1:
                    bytes[at] = (byte)random.Next(256);
                    break;
                case 2:
                    bytes.Insert(at, (byte)random.Next(256));
                    break;
                case 3:
                    bytes.RemoveAt(at);
                    break;
                case 4:
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
                default:
                    // Rewrite the length prefix to match the body (so the body's own checks are reached).
                    if (bytes.Count >= 4)
                    {
                        var length = new byte[4];
                        BinaryPrimitives.WriteInt32BigEndian(length, bytes.Count - 4);
                        for (var i = 0; i < 4; i++)
                            bytes[i] = length[i];
                    }
                    break;
            }
        }
        return [.. bytes];
    }

    private static byte[] Body(Action<WriterBox> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var box = new WriterBox(buffer);
        write(box);
        box.Flush();
        var frame = new byte[4 + buffer.WrittenCount];
        BinaryPrimitives.WriteInt32BigEndian(frame, buffer.WrittenCount);
        buffer.WrittenSpan.CopyTo(frame.AsSpan(4));
        return frame;
    }

    private static byte[] Summary(int heads) => Body(w =>
    {
        w.WriteArrayHeader(3);
        w.Write((int)MessageType.SyncRequest);
        w.Write(1);
        w.WriteArrayHeader(1);
        w.WriteArrayHeader(3);
        w.Write(new byte[32]);
        w.Write(100UL);
        w.WriteArrayHeader(heads);
        for (var i = 0; i < heads; i++)
        {
            w.WriteArrayHeader(2);
            w.Write(new byte[32]);
            w.Write(1UL);
        }
    });

    [Fact]
    public void Probe_replies_say_which_hashes_are_held()
    {
        bool[] held = [true, false, false, true, true, false, false, false, true];
        var reply = ProbeReplyMessage.Create(3, held);
        var buffer = new ReadOnlySequence<byte>(FrameCodec.Encode(reply));
        Assert.True(FrameCodec.TryRead(ref buffer, Limits, out var message));
        var decoded = Assert.IsType<ProbeReplyMessage>(message);
        Assert.Equal(held, Enumerable.Range(0, held.Length).Select(decoded.IsHeld));
        Assert.False(decoded.IsHeld(held.Length));
    }

    [Fact]
    public void Summary_round_trips_its_heads()
    {
        var hash = new EntryHash(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray());
        var author = new Datom.Log.Identity.NodeId(new byte[32]);
        var request = new SyncRequestMessage(9, [new AuthorHeads(author, 10, [new HeadRef(hash, 10), new HeadRef(hash, 4)])]);
        var buffer = new ReadOnlySequence<byte>(FrameCodec.Encode(request));
        Assert.True(FrameCodec.TryRead(ref buffer, Limits, out var message));
        var decoded = Assert.IsType<SyncRequestMessage>(message);
        Assert.Equal(9u, decoded.Round);
        Assert.Equal([new HeadRef(hash, 10), new HeadRef(hash, 4)], decoded.Authors.Single().Heads);
    }
}

/// <summary>MessagePackWriter is a ref struct; lambdas cannot capture one, so tests write through this.</summary>
public sealed class WriterBox(IBufferWriter<byte> output)
{
    private readonly List<Step> _steps = [];

    private delegate void Step(ref MessagePackWriter writer);

    public void WriteArrayHeader(int count) => _steps.Add((ref MessagePackWriter w) => w.WriteArrayHeader(count));

    public void WriteArrayHeader(uint count) => _steps.Add((ref MessagePackWriter w) => w.WriteArrayHeader(count));

    public void Write(int value) => _steps.Add((ref MessagePackWriter w) => w.Write(value));

    public void Write(long value) => _steps.Add((ref MessagePackWriter w) => w.Write(value));

    public void Write(ulong value) => _steps.Add((ref MessagePackWriter w) => w.Write(value));

    public void Write(byte value) => _steps.Add((ref MessagePackWriter w) => w.Write(value));

    public void Write(string value) => _steps.Add((ref MessagePackWriter w) => w.Write(value));

    public void Write(byte[] value) => _steps.Add((ref MessagePackWriter w) => w.Write(value));

    public void WriteRaw(byte[] raw) => _steps.Add((ref MessagePackWriter w) => w.WriteRaw(raw));

    public void Flush()
    {
        var writer = new MessagePackWriter(output);
        foreach (var step in _steps)
            step(ref writer);
        writer.Flush();
    }
}

/// <summary>Builds multi-segment sequences.</summary>
public static class Segments
{
    public static ReadOnlySequence<byte> Split(byte[] bytes, IEnumerable<int> cuts)
    {
        var points = cuts.Where(c => c > 0 && c < bytes.Length).Distinct().Order().ToList();
        if (points.Count == 0)
            return new ReadOnlySequence<byte>(bytes);
        points.Add(bytes.Length);
        var first = new Segment(bytes.AsMemory(0, points[0]), 0);
        var last = first;
        for (var i = 1; i < points.Count; i++)
            last = last.Append(bytes.AsMemory(points[i - 1], points[i] - points[i - 1]));
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}

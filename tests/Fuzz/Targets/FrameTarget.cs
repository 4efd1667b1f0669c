using System.Buffers;
using Datom.Fuzz.Engine;
using Datom.Log.Identity;
using Datom.Sync.Protocol;

namespace Datom.Fuzz.Targets;

/// <summary>
/// The frame decoder (<see cref="FrameCodec.TryRead"/> on a byte stream, then
/// <see cref="FrameCodec.CheckEndOfStream"/>). An input is what a peer sends after the handshake:
/// frames back to back. Allowed error: <see cref="SyncProtocolException"/> with one of the frame
/// errors. Oracles:
/// <list type="bullet">
/// <item>a slow reference: the same bytes arriving a few at a time, as a multi-segment sequence that
/// is parsed after every arrival (as the connection's reader loop does), give the same messages and
/// the same error;</item>
/// <item>every message decoded encodes and decodes again to the same bytes;</item>
/// <item>with caps cut small (<see cref="Tight"/>), every cap violation is still a specific error.</item>
/// </list>
/// </summary>
public sealed class FrameTarget : FuzzTarget
{
    /// <summary>Caps small enough that mutated counts and lengths reach them.</summary>
    public static readonly FrameLimits Tight = new()
    {
        MaxFrameBytes = 4096, TargetFrameBytes = 1024, MaxEntriesPerFrame = 4, MaxEntryBytes = 1024, MaxAuthors = 3,
        MaxHeadsPerAuthor = 2, MaxProbeHashes = 8, MaxReasonBytes = 16, MaxAgentBytes = 8,
    };

    private static readonly HashSet<SyncError> FrameErrors =
    [
        SyncError.NegativeFrameLength, SyncError.EmptyFrame, SyncError.FrameTooLarge, SyncError.MalformedFrame,
        SyncError.UnknownMessageType, SyncError.CountTooLarge, SyncError.FieldTooLarge, SyncError.Truncated,
    ];

    public override string Name => "frame";

    public override int MaxInputBytes => 32 << 10;

    public override IReadOnlyList<byte[]> Dictionary { get; } =
    [
        [0x91], [0x93], [0x96], [0x9f], [0xdc, 0xff, 0xff], [0xdd, 0x7f, 0xff, 0xff, 0xff], [0xc4, 0x20], [0xc5, 0xff, 0xff],
        [0xc6, 0x7f, 0xff, 0xff, 0xff], [0xd9, 0xff], [0xda, 0xff, 0xff], [0xa8], [0xcf], [0xd3], [0xcb], [0xc0], [0xc1],
        [0x00, 0x00, 0x00, 0x00], [0x80, 0x00, 0x00, 0x00], [0x00, 0x20, 0x00, 0x01], [0xed, 0xa0, 0x80], [0xff],
    ];

    public override IReadOnlyList<long> InterestingNumbers { get; } =
    [
        FrameLimits.Default.MaxFrameBytes, FrameLimits.Default.MaxEntriesPerFrame, FrameLimits.Default.MaxEntryBytes, FrameLimits.Default.MaxAuthors,
        FrameLimits.Default.MaxHeadsPerAuthor, FrameLimits.Default.MaxProbeHashes, FrameLimits.Default.MaxReasonBytes, FrameLimits.Default.MaxAgentBytes,
        Tight.MaxFrameBytes, Tight.MaxEntryBytes, 11, 32, 64, 16,
    ];

    public override FuzzOutcome Run(byte[] input)
    {
        var whole = Decode(new ReadOnlySequence<byte>(input), FrameLimits.Default);
        var trickled = DecodeTrickled(input, FrameLimits.Default);
        if (whole.Error != trickled.Error || whole.Messages.Count != trickled.Messages.Count)
            throw new FuzzContractException($"whole: {whole.Messages.Count} messages then {whole.Error?.ToString() ?? "end"}; trickled: {trickled.Messages.Count} then {trickled.Error?.ToString() ?? "end"}");
        for (var i = 0; i < whole.Messages.Count; i++)
        {
            if (!whole.Messages[i].AsSpan().SequenceEqual(trickled.Messages[i]))
                throw new FuzzContractException($"message {i} decodes differently whole and trickled");
        }
        var tight = Decode(new ReadOnlySequence<byte>(input), Tight);
        if (whole.Error is { } error)
            return FuzzOutcome.Reject($"SyncProtocolException: {error}");
        return FuzzOutcome.Accept(tight.Error is { } t ? $"tight: {t}" : "");
    }

    private sealed record Decoded(List<byte[]> Messages, SyncError? Error);

    /// <summary>All frames in the buffer; each message kept as its re-encoding, after checking that round trip.</summary>
    private static Decoded Decode(ReadOnlySequence<byte> buffer, FrameLimits limits)
    {
        var messages = new List<byte[]>();
        try
        {
            while (FrameCodec.TryRead(ref buffer, limits, out var message))
                messages.Add(RoundTrip(message, limits));
            FrameCodec.CheckEndOfStream(buffer);
            return new Decoded(messages, null);
        }
        catch (SyncProtocolException e)
        {
            return new Decoded(messages, Specific(e));
        }
    }

    /// <summary>The reference: bytes arrive 1 to 13 at a time into a segmented buffer, parsed after each arrival.</summary>
    private static Decoded DecodeTrickled(byte[] input, FrameLimits limits)
    {
        var messages = new List<byte[]>();
        var chunks = new List<byte[]>();
        var offset = 0;
        var step = (input.Length % 13) + 1;
        try
        {
            while (offset < input.Length)
            {
                var size = Math.Min(((chunks.Count * step) % 13) + 1, input.Length - offset);
                chunks.Add(input.AsSpan(offset, size).ToArray());
                offset += size;
                var buffer = Segments.Of(chunks);
                while (FrameCodec.TryRead(ref buffer, limits, out var message))
                    messages.Add(RoundTrip(message, limits));
                // Keep only what was not consumed, as one chunk (PipeReader.AdvanceTo would).
                var rest = buffer.ToArray();
                chunks.Clear();
                if (rest.Length > 0)
                    chunks.Add(rest);
            }
            FrameCodec.CheckEndOfStream(Segments.Of(chunks));
            return new Decoded(messages, null);
        }
        catch (SyncProtocolException e)
        {
            return new Decoded(messages, Specific(e));
        }
    }

    private static SyncError Specific(SyncProtocolException e)
    {
        if (!FrameErrors.Contains(e.Error) || string.IsNullOrWhiteSpace(e.Message))
            throw new FuzzContractException($"a frame error that is not one of the frame errors: {e.Error} {e.Message}", e);
        return e.Error;
    }

    private static byte[] RoundTrip(SyncMessage message, FrameLimits limits)
    {
        var encoded = FrameCodec.Encode(message);
        var buffer = new ReadOnlySequence<byte>(encoded);
        SyncMessage? again;
        try
        {
            if (!FrameCodec.TryRead(ref buffer, limits, out again) || !buffer.IsEmpty)
                throw new FuzzContractException($"a decoded {message.Type} re-encodes to {encoded.Length} bytes that are not one frame");
        }
        catch (SyncProtocolException e)
        {
            throw new FuzzContractException($"a decoded {message.Type} re-encodes to a frame that does not decode: {e.Error} {e.Message}", e);
        }
        var twice = FrameCodec.Encode(again);
        if (!twice.AsSpan().SequenceEqual(encoded))
            throw new FuzzContractException($"a decoded {message.Type} does not round-trip: {Convert.ToHexStringLower(encoded)} then {Convert.ToHexStringLower(twice)}");
        return encoded;
    }

    protected override IReadOnlyList<byte[]> BuildCorpus()
    {
        using var node = LogSamples.Author(3);
        var entries = LogSamples.All[0];
        var proof = new byte[64];
        Array.Fill(proof, (byte)0xA5);
        SyncMessage[] messages =
        [
            new HelloMessage(SyncProtocol.Version, node.Id, proof, FrameLimits.Default.MaxFrameBytes, "datom/fuzz"),
            new SyncRequestMessage(7, [.. entries.GroupBy(e => e.Author).Select(g => new AuthorHeads(g.Key, g.Max(e => e.Seq), [.. g.Select(e => new HeadRef(e.Hash, e.Seq))]))]),
            new SyncRequestMessage(0, []),
            new ProbeMessage(7, [.. entries.Select(e => e.Hash)]),
            ProbeReplyMessage.Create(7, [true, false, true, true, false, false, true, false, true, true]),
            new EntriesMessage(7, [.. entries.Select(e => e.Encoded)]),
            new EntriesMessage(0, []),
            new SyncDoneMessage(7, entries.Count),
            new ResyncHintMessage(),
            new PingMessage(ulong.MaxValue),
            new PongMessage(1),
            new GoodbyeMessage(SyncError.InvalidEntry, "entry failed verification: \u00e9"),
        ];
        var frames = messages.Select(FrameCodec.Encode).ToList();
        var corpus = new List<byte[]>(frames)
        {
            frames.SelectMany(f => f).ToArray(),
            frames[0].Concat(frames[1]).Concat(frames[9]).ToArray(),
        };
        return corpus;
    }

    /// <summary>A <see cref="ReadOnlySequence{T}"/> over several arrays, as a pipe hands out.</summary>
    private sealed class Segments : ReadOnlySequenceSegment<byte>
    {
        private Segments(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public static ReadOnlySequence<byte> Of(List<byte[]> chunks)
        {
            if (chunks.Count == 0)
                return ReadOnlySequence<byte>.Empty;
            var first = new Segments(chunks[0], 0);
            var last = first;
            foreach (var chunk in chunks.Skip(1))
            {
                var next = new Segments(chunk, last.RunningIndex + last.Memory.Length);
                last.Next = next;
                last = next;
            }
            return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
        }
    }
}

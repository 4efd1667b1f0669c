using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using Datom.Fuzz.Engine;
using Datom.Log.Identity;
using Datom.Sync.Noise;
using Datom.Sync.Protocol;
using Datom.Sync.Transport;

namespace Datom.Fuzz.Targets;

/// <summary>
/// The secure handshake (<see cref="SecureHandshake"/>: preambles, Noise XXpsk3 under the mesh key,
/// identity proofs), one real side driven over in-memory pipes. The first input byte picks the
/// scenario (bits 0-1) and whether the fuzzing peer holds the mesh key (bit 2); the rest is what
/// the peer sends (bit 3 in scenario 2: the peer forges message 1 instead, see below):
/// <list type="number">
/// <item>0: the bytes an initiator sends, replayed whole to a real responder (preamble, message 1,
/// message 3 of a recorded session), then the connection closes;</item>
/// <item>1: the bytes a responder sends, replayed to a real initiator;</item>
/// <item>2: a peer that runs the initiator's Noise state for real and sends the bytes as the
/// payload of message 3 (the Hello and its proof, under the mesh key);</item>
/// <item>3: a peer that runs the responder's Noise state for real and sends the bytes as the
/// plaintext of its first transport message (the responder's Hello frame).</item>
/// </list>
/// Message 1 of XXpsk3 is authenticated only by public values (the chaining key holds no secret until
/// "ee"), so anyone can make a valid one around any 32 bytes: with bit 3 set in scenario 2 the peer
/// sends the first 32 bytes of the input as its ephemeral key, with a correct tag, and the responder
/// must refuse a low-order point by name.
/// Allowed error: <see cref="SyncProtocolException"/> with a handshake error, never
/// <see cref="SyncError.HandshakeTimeout"/> (the peer's bytes are all there and the stream ends, so
/// waiting for the timeout is a hang). Oracles: a replayed session is never accepted (the other
/// side's ephemeral key is fresh); an accepted live session proved the fuzzing peer's real node id.
/// </summary>
public sealed class HandshakeTarget : FuzzTarget
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);
    private static readonly IPEndPoint Local = new(IPAddress.Loopback, 1);
    private static readonly IPEndPoint Remote = new(IPAddress.Loopback, 2);

    private static readonly HashSet<SyncError> HandshakeErrors =
    [
        SyncError.BadPreamble, SyncError.VersionMismatch, SyncError.HandshakeMalformed, SyncError.HandshakeFailed,
        SyncError.MeshKeyMismatch, SyncError.HandshakeRejected, SyncError.IdentityProofInvalid, SyncError.UnexpectedPeer,
        SyncError.SelfConnection, SyncError.ConnectionClosed, SyncError.Truncated, SyncError.NoiseMessageTooShort,
        SyncError.DecryptionFailed,
    ];

    private readonly NodeIdentity _localNode = LogSamples.Author(10);
    private readonly NodeIdentity _peerNode = LogSamples.Author(11);
    private readonly SyncIdentity _local;
    private readonly SyncIdentity _peer;
    private readonly MeshKey _mesh = MeshKey.Generate();
    private readonly MeshKey _otherMesh = MeshKey.Generate();

    public HandshakeTarget()
    {
        _local = SyncIdentity.Create(_localNode);
        _peer = SyncIdentity.Create(_peerNode);
    }

    public override string Name => "handshake";

    public override int MaxInputBytes => 4096;

    // Replayed sessions (scenarios 0 and 1) are rejected by design.
    public override bool CorpusIsValid => false;

    public override IReadOnlyList<byte[]> Dictionary { get; } =
    [
        "datom"u8.ToArray(), [0x00, 0x30], [0x00, 0x60], [0x04, 0x00], [0x04, 0x01], [0xff, 0xff], [0x00, 0x00], new byte[32],
        // X25519 low-order points (Bernstein's list in RFC 7748's errata): a peer may send one as its ephemeral or static key.
        [1, .. new byte[31]], [0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3, 0xfa, 0xf1, 0x9f, 0xc4, 0x6a, 0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32, 0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16, 0x5f, 0x49, 0xb8, 0x00],
        [0xec, .. Enumerable.Repeat((byte)0xff, 30), 0x7f],
        [0x96, 0x01], [0xc4, 0x20], [0xc4, 0x40],
    ];

    public override IReadOnlyList<long> InterestingNumbers { get; } = [SyncProtocol.MaxHandshakeMessage, 48, 96, 64, 16, ushort.MaxValue];

    public override FuzzOutcome Run(byte[] input)
    {
        if (input.Length == 0)
            input = [0];
        var scenario = input[0] & 3;
        var peerMesh = (input[0] & 4) == 0 ? _mesh : _otherMesh;
        var payload = input.AsMemory(1);
        var underTestIsInitiator = scenario is 1 or 3;

        var toUnderTest = new Pipe(new PipeOptions(useSynchronizationContext: false));
        var toPeer = new Pipe(new PipeOptions(useSynchronizationContext: false));
        var connection = new TransportConnection(new DuplexPipe(toUnderTest.Reader, toPeer.Writer), Local, Remote, async () =>
        {
            await toPeer.Writer.CompleteAsync();
            await toUnderTest.Reader.CompleteAsync();
        });

        var peer = scenario switch
        {
            0 or 1 => ReplayAsync(toUnderTest.Writer, payload),
            2 when (input[0] & 8) != 0 => ForgedMessage1Async(toPeer.Reader, toUnderTest.Writer, payload),
            2 => LiveInitiatorAsync(toPeer.Reader, toUnderTest.Writer, peerMesh, payload),
            _ => LiveResponderAsync(toPeer.Reader, toUnderTest.Writer, peerMesh, payload),
        };
        try
        {
            var result = RunUnderTest(connection, underTestIsInitiator);
            result.Transport.Dispose();
            if (scenario is 0 or 1)
                throw new FuzzContractException("a replayed handshake was accepted");
            if (result.Remote.NodeId != _peerNode.Id)
                throw new FuzzContractException($"the handshake accepted node id {result.Remote.NodeId}, which the peer cannot sign for");
            if (peerMesh != _mesh)
                throw new FuzzContractException("the handshake accepted a peer without the mesh key");
            return FuzzOutcome.Accept();
        }
        catch (SyncProtocolException e)
        {
            if (e.Error == SyncError.HandshakeTimeout)
                throw new FuzzContractException("the handshake waited for its timeout although the peer had sent everything and closed: a hang", e);
            if (!HandshakeErrors.Contains(e.Error) || string.IsNullOrWhiteSpace(e.Message))
                throw new FuzzContractException($"a handshake failure with an error that does not name it: {e.Error} {e.Message}", e);
            return FuzzOutcome.Reject($"SyncProtocolException: {e.Error}");
        }
        finally
        {
            connection.DisposeAsync().AsTask().GetAwaiter().GetResult();
            // The peer ends once its reads see the closed connection; it never throws.
            peer.GetAwaiter().GetResult();
        }
    }

    private HandshakeResult RunUnderTest(TransportConnection connection, bool initiator) =>
        SecureHandshake.RunAsync(connection, initiator, _local, _mesh, FrameLimits.Default, "fuzz", Timeout, TimeProvider.System,
            null, CancellationToken.None).GetAwaiter().GetResult();

    private static async Task ReplayAsync(PipeWriter output, ReadOnlyMemory<byte> bytes)
    {
        await Task.Yield();
        try
        {
            await output.WriteAsync(bytes);
        }
        finally
        {
            await output.CompleteAsync();
        }
    }

    /// <summary>A real initiator's Noise state whose message 3 carries the fuzzed payload.</summary>
    private async Task LiveInitiatorAsync(PipeReader input, PipeWriter output, MeshKey mesh, ReadOnlyMemory<byte> payload)
    {
        await Task.Yield();
        try
        {
            var ours = Preamble.Current.ToBytes();
            await output.WriteAsync(ours);
            var theirs = await NoiseWire.ReadExactAsync(input, Preamble.Size, "preamble", default);
            using var handshake = new HandshakeState(HandshakePattern.XXpsk3, true, SyncProtocol.Prologue(ours, theirs), _peer.StaticKey, default, [mesh.Bytes.ToArray()]);
            await NoiseWire.WriteAsync(output, handshake.WriteMessage([]), default);
            handshake.ReadMessage(await NoiseWire.ReadAsync(input, SyncProtocol.MaxHandshakeMessage, "message 2", default));
            await NoiseWire.WriteAsync(output, handshake.WriteMessage(payload.Span), default);
            // Read whatever the responder answers, until it closes.
            while (true)
            {
                var read = await input.ReadAsync();
                input.AdvanceTo(read.Buffer.End);
                if (read.IsCompleted || read.IsCanceled)
                    break;
            }
        }
        catch (Exception e) when (e is SyncProtocolException or NoiseException or InvalidOperationException or ArgumentException)
        {
            // The side under test hung up, or refused: its own outcome is what is checked.
        }
        finally
        {
            await output.CompleteAsync();
        }
    }

    /// <summary>Message 1 around a chosen ephemeral key (the payload's first 32 bytes), its tag made from the public transcript.</summary>
    private static async Task ForgedMessage1Async(PipeReader input, PipeWriter output, ReadOnlyMemory<byte> payload)
    {
        await Task.Yield();
        try
        {
            var ours = Preamble.Current.ToBytes();
            await output.WriteAsync(ours);
            var theirs = await NoiseWire.ReadExactAsync(input, Preamble.Size, "preamble", default);
            var ephemeral = new byte[32];
            payload.Span[..Math.Min(32, payload.Length)].CopyTo(ephemeral);
            using var symmetric = new SymmetricState(SyncProtocol.NoiseProtocolName);
            symmetric.MixHash(SyncProtocol.Prologue(ours, theirs));
            symmetric.MixHash(ephemeral);
            symmetric.MixKey(ephemeral); // §9.2: in a PSK handshake "e" is also MixKey(e)
            var message = new byte[32 + NoiseProtocol.TagLength];
            ephemeral.CopyTo(message, 0);
            symmetric.EncryptAndHash([], message.AsSpan(32));
            await NoiseWire.WriteAsync(output, message, default);
            // Nothing more to say (no private key for this ephemeral): the stream ends here.
        }
        catch (Exception e) when (e is SyncProtocolException or NoiseException or InvalidOperationException or ArgumentException)
        {
        }
        finally
        {
            await output.CompleteAsync();
        }
    }

    /// <summary>A real responder's Noise state whose first transport message carries the fuzzed plaintext.</summary>
    private async Task LiveResponderAsync(PipeReader input, PipeWriter output, MeshKey mesh, ReadOnlyMemory<byte> payload)
    {
        await Task.Yield();
        try
        {
            var ours = Preamble.Current.ToBytes();
            await output.WriteAsync(ours);
            var theirs = await NoiseWire.ReadExactAsync(input, Preamble.Size, "preamble", default);
            using var handshake = new HandshakeState(HandshakePattern.XXpsk3, false, SyncProtocol.Prologue(theirs, ours), _peer.StaticKey, default, [mesh.Bytes.ToArray()]);
            handshake.ReadMessage(await NoiseWire.ReadAsync(input, SyncProtocol.MaxHandshakeMessage, "message 1", default));
            await NoiseWire.WriteAsync(output, handshake.WriteMessage([]), default);
            handshake.ReadMessage(await NoiseWire.ReadAsync(input, SyncProtocol.MaxHandshakeMessage, "message 3", default));
            using var transport = handshake.Split();
            await NoiseWire.WriteAsync(output, transport.Send.EncryptWithAd([], payload.Span), default);
        }
        catch (Exception e) when (e is SyncProtocolException or NoiseException or InvalidOperationException or ArgumentException)
        {
        }
        finally
        {
            await output.CompleteAsync();
        }
    }

    protected override IReadOnlyList<byte[]> BuildCorpus()
    {
        // A real session, recorded both ways: what the initiator sent, what the responder sent.
        var (fromInitiator, fromResponder) = Record();
        var hello = new ArrayBufferWriter<byte>();
        FrameCodec.WriteBody(_peer.Hello(FrameLimits.Default, "fuzz"), hello);
        var helloFrame = FrameCodec.Encode(_peer.Hello(FrameLimits.Default, "fuzz"));
        return
        [
            [0, .. fromInitiator],
            [1, .. fromResponder],
            [2, .. hello.WrittenSpan],
            [3, .. helloFrame],
            [6, .. hello.WrittenSpan],
            [10, .. _peer.StaticPublicKey],
            [10, .. new byte[32]],
            [1, .. fromResponder.AsSpan(0, Preamble.Size)],
        ];
    }

    /// <summary>Runs an honest initiator (the fuzzing peer's identity) against an honest responder and records both streams.</summary>
    private (byte[] FromInitiator, byte[] FromResponder) Record()
    {
        var toResponder = new Pipe();
        var toInitiator = new Pipe();
        var responderSide = new TransportConnection(new DuplexPipe(toResponder.Reader, new Tap(toInitiator.Writer)), Local, Remote, () => ValueTask.CompletedTask);
        var initiatorSide = new TransportConnection(new DuplexPipe(toInitiator.Reader, new Tap(toResponder.Writer)), Remote, Local, () => ValueTask.CompletedTask);
        var responder = SecureHandshake.RunAsync(responderSide, false, _local, _mesh, FrameLimits.Default, "fuzz", Timeout, TimeProvider.System, null, default);
        var initiator = SecureHandshake.RunAsync(initiatorSide, true, _peer, _mesh, FrameLimits.Default, "fuzz", Timeout, TimeProvider.System, null, default);
        Task.WaitAll(responder, initiator);
        responder.Result.Transport.Dispose();
        initiator.Result.Transport.Dispose();
        return (((Tap)initiatorSide.Pipe.Output).Written, ((Tap)responderSide.Pipe.Output).Written);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _local.Dispose();
            _peer.Dispose();
            _localNode.Dispose();
            _peerNode.Dispose();
        }
        base.Dispose(disposing);
    }

    /// <summary>A pipe writer that keeps a copy of everything flushed through it.</summary>
    private sealed class Tap(PipeWriter inner) : PipeWriter
    {
        private readonly List<byte> _written = [];
        private readonly ArrayBufferWriter<byte> _pending = new();

        public byte[] Written => [.. _written];

        public override void Advance(int bytes) => _pending.Advance(bytes);

        public override Memory<byte> GetMemory(int sizeHint = 0) => _pending.GetMemory(sizeHint);

        public override Span<byte> GetSpan(int sizeHint = 0) => _pending.GetSpan(sizeHint);

        public override void CancelPendingFlush() => inner.CancelPendingFlush();

        public override void Complete(Exception? exception = null) => inner.Complete(exception);

        public override async ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
        {
            _written.AddRange(_pending.WrittenSpan);
            await inner.WriteAsync(_pending.WrittenMemory, cancellationToken);
            _pending.ResetWrittenCount();
            return new FlushResult(false, false);
        }
    }
}

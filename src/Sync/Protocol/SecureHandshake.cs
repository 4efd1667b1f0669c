using System.Buffers;
using Datom.Log.Identity;
using Datom.Sync.Noise;
using Datom.Sync.Transport;

namespace Datom.Sync.Protocol;

/// <summary>What a completed handshake established.</summary>
/// <param name="ClockOffset">
/// The peer's wall clock less ours, from the wall clock its Hello carried and ours when it arrived
/// (so off by up to the one-way delay); null if its Hello carried none.
/// </param>
internal sealed record HandshakeResult(NoiseTransport Transport, HelloMessage Remote, long BytesSent, long BytesReceived, TimeSpan? ClockOffset = null);

/// <summary>
/// Opens a secure channel: preambles, the Noise XXpsk3 handshake with the mesh key as PSK, and the
/// identity proofs.
/// <code>
/// both  -> preamble (8 bytes, clear)
/// init  -> e                                  (message 1, empty payload)
/// resp  -> e, ee, s, es                       (message 2, empty payload)
/// init  -> s, se, psk   + Hello(initiator)    (message 3: payload under the mesh key)
/// resp  -> transport message: Hello(responder) frame
/// </code>
/// The responder's Hello waits for the first transport message because XXpsk3 mixes the PSK in only
/// at message 3: a payload in message 2 would reach anyone who connects, mesh key or not. So a node
/// without the mesh key learns the peer's X25519 key and nothing else (not its node id), and nothing
/// it sends after message 1 is accepted. Each side checks the other's proof against the static key
/// the handshake authenticated before anything else is exchanged.
/// </summary>
internal static class SecureHandshake
{
    public static async Task<HandshakeResult> RunAsync(
        TransportConnection connection,
        bool initiator,
        SyncIdentity local,
        MeshKey meshKey,
        FrameLimits limits,
        string agent,
        TimeSpan timeout,
        TimeProvider time,
        NodeId? expectedRemote,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(local);
        ArgumentNullException.ThrowIfNull(meshKey);
        using var deadline = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            return await RunCoreAsync(connection, initiator, local, meshKey, limits, agent, time, expectedRemote, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new SyncProtocolException(SyncError.HandshakeTimeout, $"the handshake did not finish within {timeout.TotalSeconds:0.###} s", e);
        }
    }

    private static async Task<HandshakeResult> RunCoreAsync(
        TransportConnection connection, bool initiator, SyncIdentity local, MeshKey meshKey, FrameLimits limits, string agent,
        TimeProvider time, NodeId? expectedRemote, CancellationToken cancellationToken)
    {
        var input = connection.Pipe.Input;
        var output = connection.Pipe.Output;
        long sent = 0, received = 0;

        // Both preambles go out at once; neither side waits for the other to speak first.
        var ours = Preamble.Current.ToBytes();
        var span = output.GetSpan(Preamble.Size);
        ours.CopyTo(span);
        output.Advance(Preamble.Size);
        await output.FlushAsync(cancellationToken).ConfigureAwait(false);
        sent += Preamble.Size;
        var theirs = await NoiseWire.ReadExactAsync(input, Preamble.Size, "the preamble", cancellationToken).ConfigureAwait(false);
        received += Preamble.Size;
        var peerPreamble = new Preamble(theirs);
        if (peerPreamble.Version != SyncProtocol.Version)
            SyncThrow.Error(SyncError.VersionMismatch, $"the peer speaks sync protocol version {peerPreamble.Version}; this node speaks {SyncProtocol.Version}");

        var prologue = initiator ? SyncProtocol.Prologue(ours, theirs) : SyncProtocol.Prologue(theirs, ours);
        var psk = meshKey.Bytes.ToArray();
        using var handshake = new HandshakeState(HandshakePattern.XXpsk3, initiator, prologue, local.StaticKey, default, [psk]);
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(psk);
        // Each Hello carries our wall clock as it goes out, so that the peer can report the skew.
        HelloMessage Hello() => local.Hello(limits, agent, time.GetUtcNow().ToUnixTimeMilliseconds());
        TimeSpan? Offset(HelloMessage remote) =>
            remote.WallClock is { } wall ? TimeSpan.FromMilliseconds(wall - time.GetUtcNow().ToUnixTimeMilliseconds()) : null;

        NoiseTransport transport;
        HelloMessage remote;
        byte[] remoteStatic;
        TimeSpan? offset;
        if (initiator)
        {
            sent += await NoiseWire.WriteAsync(output, Write(handshake, [], 1), cancellationToken).ConfigureAwait(false);

            var message2 = await NoiseWire.ReadAsync(input, SyncProtocol.MaxHandshakeMessage, "handshake message 2", cancellationToken).ConfigureAwait(false);
            received += SyncProtocol.NoiseLengthPrefix + message2.Length;
            var payload2 = Process(handshake, message2, 2, SyncError.HandshakeFailed,
                "handshake message 2 failed authentication (tampered, or the peer uses another prologue)");
            if (payload2.Length != 0)
                SyncThrow.Error(SyncError.HandshakeMalformed, "handshake message 2 carries a payload; it must be empty");
            remoteStatic = handshake.GetRemoteStaticPublicKey()!;
            // The static key is derived from the node key, so our own static key means we dialed ourselves.
            if (remoteStatic.AsSpan().SequenceEqual(local.StaticPublicKey))
                SyncThrow.Error(SyncError.SelfConnection, "connected to this node itself");

            var helloBody = new ArrayBufferWriter<byte>(192);
            FrameCodec.WriteBody(Hello(), helloBody);
            sent += await NoiseWire.WriteAsync(output, Write(handshake, helloBody.WrittenSpan, 3), cancellationToken).ConfigureAwait(false);
            transport = handshake.Split();
            try
            {
                byte[] first;
                try
                {
                    first = await NoiseWire.ReadAsync(input, NoiseProtocol.MaxMessageLength, "the responder's identity", cancellationToken).ConfigureAwait(false);
                }
                catch (SyncProtocolException e) when (e.Error is SyncError.ConnectionClosed or SyncError.Truncated)
                {
                    throw new SyncProtocolException(SyncError.HandshakeRejected,
                        "the responder closed the connection after our last handshake message: most likely its mesh key is not ours", e);
                }
                received += SyncProtocol.NoiseLengthPrefix + first.Length;
                remote = ReadResponderHello(transport, first, limits);
                offset = Offset(remote);
            }
            catch
            {
                transport.Dispose();
                throw;
            }
        }
        else
        {
            var message1 = await NoiseWire.ReadAsync(input, SyncProtocol.MaxHandshakeMessage, "handshake message 1", cancellationToken).ConfigureAwait(false);
            received += SyncProtocol.NoiseLengthPrefix + message1.Length;
            var payload1 = Process(handshake, message1, 1, SyncError.HandshakeFailed, "handshake message 1 failed authentication");
            if (payload1.Length != 0)
                SyncThrow.Error(SyncError.HandshakeMalformed, "handshake message 1 carries a payload; it must be empty");

            sent += await NoiseWire.WriteAsync(output, Write(handshake, [], 2), cancellationToken).ConfigureAwait(false);

            var message3 = await NoiseWire.ReadAsync(input, SyncProtocol.MaxHandshakeMessage, "handshake message 3", cancellationToken).ConfigureAwait(false);
            received += SyncProtocol.NoiseLengthPrefix + message3.Length;
            var payload3 = Process(handshake, message3, 3, SyncError.MeshKeyMismatch,
                "handshake message 3 failed to decrypt: the peer's mesh key is not ours (or the message was tampered with, or replayed from another session)");
            remote = ReadHello(new ReadOnlySequence<byte>(payload3), limits, "handshake message 3");
            offset = Offset(remote);
            remoteStatic = handshake.GetRemoteStaticPublicKey()!;
            CheckIdentity(remote, remoteStatic, local, expectedRemote);
            transport = handshake.Split();
            try
            {
                // Only now, with the initiator proven, does anything of ours go out under the mesh key.
                var frame = FrameCodec.Encode(Hello());
                var message = transport.Send.EncryptWithAd([], frame);
                sent += await NoiseWire.WriteAsync(output, message, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                transport.Dispose();
                throw;
            }
            return new HandshakeResult(transport, remote, sent, received, offset);
        }

        try
        {
            CheckIdentity(remote, remoteStatic, local, expectedRemote);
        }
        catch
        {
            transport.Dispose();
            throw;
        }
        return new HandshakeResult(transport, remote, sent, received, offset);
    }

    private static byte[] Process(HandshakeState handshake, byte[] message, int index, SyncError onFailure, string failure)
    {
        try
        {
            return handshake.ReadMessage(message);
        }
        catch (NoiseException e) when (e.Error == NoiseError.MessageTooShort)
        {
            throw new SyncProtocolException(SyncError.HandshakeMalformed, $"handshake message {index}: {e.Message}", e);
        }
        catch (NoiseException e)
        {
            throw new SyncProtocolException(onFailure, failure + $" [{e.Error}]", e);
        }
    }

    /// <summary>
    /// Writes a handshake message. Writing one runs the DH tokens with the key the peer sent in the
    /// previous message; message 1 is authenticated only by public values (no secret is mixed in
    /// before "ee"), so anyone can send a valid one around a low-order point, and the responder
    /// meets it here, while writing message 2, not while reading message 1. That is the peer's
    /// failure and is named like the others, never a bare <see cref="NoiseException"/>.
    /// </summary>
    private static byte[] Write(HandshakeState handshake, ReadOnlySpan<byte> payload, int index)
    {
        try
        {
            return handshake.WriteMessage(payload);
        }
        catch (NoiseException e)
        {
            throw new SyncProtocolException(SyncError.HandshakeFailed,
                $"handshake message {index} cannot be made: the peer's key in the message before it is unusable [{e.Error}]", e);
        }
    }

    private static HelloMessage ReadResponderHello(NoiseTransport transport, byte[] message, FrameLimits limits)
    {
        if (message.Length < NoiseProtocol.TagLength)
            SyncThrow.Error(SyncError.NoiseMessageTooShort, $"transport message of {message.Length} bytes is shorter than its tag");
        byte[] plaintext;
        try
        {
            plaintext = transport.Receive.DecryptWithAd([], message);
        }
        catch (NoiseException e)
        {
            throw new SyncProtocolException(SyncError.DecryptionFailed, "the responder's first transport message fails authentication", e);
        }
        var buffer = new ReadOnlySequence<byte>(plaintext);
        SyncMessage? frame;
        bool whole;
        try
        {
            whole = FrameCodec.TryRead(ref buffer, limits, out frame) && buffer.IsEmpty;
        }
        catch (SyncProtocolException e)
        {
            // As for message 3 (ReadHello): a frame error inside the handshake is a malformed
            // handshake, so both sides name the same failure the same way.
            throw new SyncProtocolException(SyncError.HandshakeMalformed, $"the responder's first transport message does not carry a Hello: {e.Message}", e);
        }
        if (!whole || frame is null)
            SyncThrow.Error(SyncError.HandshakeMalformed, "the responder's first transport message is not exactly one Hello frame");
        return frame as HelloMessage ?? throw new SyncProtocolException(SyncError.HandshakeMalformed, $"the responder sent {frame.Type} before Hello");
    }

    private static HelloMessage ReadHello(ReadOnlySequence<byte> body, FrameLimits limits, string where)
    {
        SyncMessage message;
        try
        {
            message = FrameCodec.DecodeBody(body, limits);
        }
        catch (SyncProtocolException e)
        {
            throw new SyncProtocolException(SyncError.HandshakeMalformed, $"{where} does not carry a Hello: {e.Message}", e);
        }
        return message as HelloMessage ?? throw new SyncProtocolException(SyncError.HandshakeMalformed, $"{where} carries {message.Type}, not Hello");
    }

    private static void CheckIdentity(HelloMessage remote, byte[] remoteStatic, SyncIdentity local, NodeId? expected)
    {
        if (remote.Version != SyncProtocol.Version)
            SyncThrow.Error(SyncError.VersionMismatch, $"the peer's Hello names protocol version {remote.Version}; this node speaks {SyncProtocol.Version}");
        if (!SyncIdentity.VerifyProof(remote.NodeId, remoteStatic, remote.Proof))
            SyncThrow.Error(SyncError.IdentityProofInvalid,
                $"the peer claims node id {remote.NodeId} but its signature over its Noise static key does not verify for that id");
        if (expected is { } id && id != remote.NodeId)
            SyncThrow.Error(SyncError.UnexpectedPeer, $"expected node {id} at this address; the peer proved it is {remote.NodeId}");
        if (remote.NodeId == local.Id)
            SyncThrow.Error(SyncError.SelfConnection, "connected to this node itself");
    }
}

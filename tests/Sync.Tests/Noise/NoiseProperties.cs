using Datom.Sync.Noise;
using FsCheck.Xunit;
using Xunit;

namespace Datom.Sync.Tests.Noise;

public sealed class NoiseProperties
{
    [Property(Arbitrary = new[] { typeof(Generators) }, MaxTest = 100)]
    public void XXpsk3_between_random_key_pairs_completes_and_transport_round_trips_both_ways(XxPsk3Scenario scenario)
    {
        using var initiatorStatic = NoiseKeyPair.FromPrivateKey(scenario.InitiatorStatic);
        using var responderStatic = NoiseKeyPair.FromPrivateKey(scenario.ResponderStatic);
        using var initiatorEphemeral = NoiseKeyPair.FromPrivateKey(scenario.InitiatorEphemeral);
        using var responderEphemeral = NoiseKeyPair.FromPrivateKey(scenario.ResponderEphemeral);
        byte[] prologue = [.. "datom-p2p"u8];
        using var initiator = new HandshakeState(
            HandshakePattern.XXpsk3, true, prologue, initiatorStatic, default, [scenario.Psk], initiatorEphemeral, default);
        using var responder = new HandshakeState(
            HandshakePattern.XXpsk3, false, prologue, responderStatic, default, [scenario.Psk], responderEphemeral, default);

        for (var i = 0; i < 3; i++)
        {
            var (writer, reader) = i % 2 == 0 ? (initiator, responder) : (responder, initiator);
            Assert.True(writer.IsWriteTurn);
            var message = writer.WriteMessage(scenario.HandshakePayloads[i]);
            Assert.True(message.Length <= NoiseProtocol.MaxMessageLength);
            Assert.Equal(scenario.HandshakePayloads[i], reader.ReadMessage(message));
        }

        Assert.True(initiator.IsCompleted && responder.IsCompleted);
        using var initiatorTransport = initiator.Split();
        using var responderTransport = responder.Split();
        Assert.True(initiatorTransport.HandshakeHash.SequenceEqual(responderTransport.HandshakeHash));
        Assert.True(initiatorTransport.RemoteStaticPublicKey.SequenceEqual(responderStatic.PublicKey));
        Assert.True(responderTransport.RemoteStaticPublicKey.SequenceEqual(initiatorStatic.PublicKey));

        foreach (var step in scenario.Transport)
        {
            var (send, receive) = step.FromInitiator
                ? (initiatorTransport.Send, responderTransport.Receive)
                : (responderTransport.Send, initiatorTransport.Receive);
            var ciphertext = send.EncryptWithAd([], step.Payload);
            Assert.Equal(step.Payload.Length + NoiseProtocol.TagLength, ciphertext.Length);
            Assert.Equal(step.Payload, receive.DecryptWithAd([], ciphertext));
        }
    }

    /// <summary>
    /// Whatever bytes a peer without the keys sends in place of a handshake message, the reader
    /// fails with a <see cref="NoiseException"/>, never another exception (a fuzz target in the
    /// small for the handshake parser).
    /// </summary>
    [Property(Arbitrary = new[] { typeof(Generators) }, MaxTest = 200)]
    public void Hostile_handshake_messages_only_ever_raise_NoiseException(HostileMessage hostile)
    {
        using var peers = new NoisePeers(HandshakePattern.XXpsk3);
        for (var i = 0; i < hostile.Step; i++)
        {
            var (writer, reader) = i % 2 == 0 ? (peers.Initiator, peers.Responder) : (peers.Responder, peers.Initiator);
            reader.ReadMessage(writer.WriteMessage([]));
        }

        var victim = hostile.Step % 2 == 0 ? peers.Responder : peers.Initiator;
        Assert.Throws<NoiseException>(() => victim.ReadMessage(hostile.Bytes));
    }
}

using Datom.Sync.Noise;
using Xunit;

namespace Datom.Sync.Tests.Noise;

/// <summary>
/// Patterns without vectors in the shared file: both sides must agree on everything. This checks
/// consistency, not conformance; conformance rests on the cacophony vectors.
/// </summary>
public sealed class HandshakeRoundTripTests
{
    public static TheoryData<string> Patterns() =>
        [.. HandshakePattern.FundamentalNames.Concat(["Npsk0", "Kpsk0", "Xpsk1", "NNpsk2", "NKpsk0", "KKpsk2", "IKpsk2", "IXpsk2", "XXpsk0+psk3", "XKpsk3"])];

    [Theory]
    [MemberData(nameof(Patterns))]
    public void Both_sides_agree_and_transport_works(string name)
    {
        var pattern = HandshakePattern.FromName(name);
        using var peers = new NoisePeers(pattern, fixedEphemerals: false);
        peers.Run();

        Assert.Equal(peers.Initiator.GetHandshakeHash(), peers.Responder.GetHandshakeHash());
        using var initiator = peers.Initiator.Split();
        using var responder = peers.Responder.Split();
        Assert.Equal(NoiseProtocol.HashLength, initiator.HandshakeHash.Length);
        Assert.True(initiator.HandshakeHash.SequenceEqual(responder.HandshakeHash));

        // Whoever sent or pre-shared a static key is known to the other side afterwards.
        if (peers.ResponderStatic is not null)
        {
            Assert.True(initiator.RemoteStaticPublicKey.SequenceEqual(peers.ResponderStatic.PublicKey));
        }

        if (peers.InitiatorStatic is not null)
        {
            Assert.True(responder.RemoteStaticPublicKey.SequenceEqual(peers.InitiatorStatic.PublicKey));
        }

        for (var i = 0; i < 3; i++)
        {
            byte[] message = [(byte)i, 42];
            Assert.Equal(message, responder.Receive.DecryptWithAd([], initiator.Send.EncryptWithAd([], message)));
            if (!pattern.IsOneWay)
            {
                Assert.Equal(message, initiator.Receive.DecryptWithAd([], responder.Send.EncryptWithAd([], message)));
            }
        }
    }

    [Fact]
    public void Fresh_ephemerals_make_every_handshake_different()
    {
        using var first = new NoisePeers(HandshakePattern.XXpsk3, fixedEphemerals: false);
        using var second = new NoisePeers(HandshakePattern.XXpsk3, fixedEphemerals: false);
        Assert.NotEqual(first.Run()[0][..32], second.Run()[0][..32]);
        Assert.NotEqual(first.Initiator.GetHandshakeHash(), second.Initiator.GetHandshakeHash());
    }

    [Fact]
    public void Span_forms_size_and_fill_buffers_exactly()
    {
        using var peers = new NoisePeers(HandshakePattern.XXpsk3);
        byte[] payload = [1, 2, 3, 4];
        var length = peers.Initiator.GetMessageLength(payload.Length);
        Assert.Equal(32 + 4 + 16, length);
        var buffer = new byte[length + 10];
        Assert.Equal(length, peers.Initiator.WriteMessage(payload, buffer));
        Assert.Throws<ArgumentException>(() => peers.Responder.ReadMessage(buffer.AsSpan(0, length), new byte[3]));
        Assert.Equal(payload.Length, peers.Responder.GetPayloadLength(length));
        var received = new byte[payload.Length];
        Assert.Equal(payload.Length, peers.Responder.ReadMessage(buffer.AsSpan(0, length), received));
        Assert.Equal(payload, received);
    }
}

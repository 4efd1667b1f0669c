using Datom.Sync.Noise;
using Xunit;

namespace Datom.Sync.Tests.Noise;

/// <summary>A hostile or broken peer: tampering, wrong PSK, bad lengths, low-order keys, misuse.</summary>
public sealed class HandshakeFailureTests
{
    /// <summary>Patterns the vectors cover, plus every fundamental pattern.</summary>
    public static TheoryData<string> Patterns() =>
        [.. new[] { "NNpsk0", "XXpsk3" }.Concat(HandshakePattern.FundamentalNames)];

    [Fact]
    public void XXpsk3_any_flipped_bit_in_any_handshake_message_is_rejected_by_its_reader()
    {
        // In XXpsk3 every byte of every message is authenticated when it is read: message 1's e is
        // mixed into the key (§9.2) before its payload is decrypted, and messages 2 and 3 are
        // keyed throughout. So each single-bit flip must fail right at the reader.
        List<byte[]> genuine;
        using (var peers = new NoisePeers(HandshakePattern.XXpsk3))
        {
            genuine = peers.Run();
        }

        for (var target = 0; target < genuine.Count; target++)
        {
            for (var bit = 0; bit < genuine[target].Length * 8; bit++)
            {
                using var peers = new NoisePeers(HandshakePattern.XXpsk3);
                var error = Assert.Throws<NoiseException>(() => peers.Run(Flip(target, bit)));
                Assert.Equal(NoiseError.DecryptionFailed, error.Error);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Patterns))]
    public void Tampering_with_any_handshake_message_is_detected_before_transport_data_is_accepted(string name)
    {
        // Some messages are not authenticated on arrival (the first message of NN or XX carries a
        // bare e and a plaintext payload), but every byte goes into h, so the next encrypted
        // handshake message, or at the latest the first transport message, fails.
        var pattern = HandshakePattern.FromName(name);
        List<byte[]> genuine;
        using (var peers = new NoisePeers(pattern))
        {
            genuine = peers.Run();
        }

        for (var target = 0; target < genuine.Count; target++)
        {
            for (var position = 0; position < genuine[target].Length; position++)
            {
                using var peers = new NoisePeers(pattern);
                Assert.Throws<NoiseException>(() => peers.RunWithTransport(Flip(target, (position * 8) + (position % 8))));
            }
        }
    }

    [Fact]
    public void XXpsk3_responder_with_another_psk_fails_on_the_third_message()
    {
        var otherPsk = Enumerable.Repeat((byte)0x5a, 32).ToArray();
        using var peers = new NoisePeers(HandshakePattern.XXpsk3, responderPsk: otherPsk);

        var message1 = peers.Initiator.WriteMessage([]);
        peers.Responder.ReadMessage(message1);
        var message2 = peers.Responder.WriteMessage([]);
        peers.Initiator.ReadMessage(message2);
        var message3 = peers.Initiator.WriteMessage([]);

        var error = Assert.Throws<NoiseException>(() => peers.Responder.ReadMessage(message3));
        Assert.Equal(NoiseError.DecryptionFailed, error.Error);
        Assert.False(peers.Responder.IsCompleted);
    }

    [Fact]
    public void NNpsk0_responder_with_another_psk_fails_on_the_first_message()
    {
        using var peers = new NoisePeers(HandshakePattern.FromName("NNpsk0"), responderPsk: new byte[32]);
        var message1 = peers.Initiator.WriteMessage("hello"u8);
        Assert.Equal(NoiseError.DecryptionFailed, Assert.Throws<NoiseException>(() => peers.Responder.ReadMessage(message1)).Error);
    }

    [Fact]
    public void XXpsk3_every_truncation_of_every_message_is_a_NoiseException()
    {
        List<byte[]> genuine;
        using (var peers = new NoisePeers(HandshakePattern.XXpsk3))
        {
            genuine = peers.Run();
        }

        // Shortest legal messages: e + tag; e + sealed s + tag; sealed s + tag.
        int[] minimum = [32 + 16, 32 + 48 + 16, 48 + 16];
        for (var target = 0; target < genuine.Count; target++)
        {
            for (var length = 0; length < genuine[target].Length; length++)
            {
                using var peers = new NoisePeers(HandshakePattern.XXpsk3);
                var cut = length;
                var error = Assert.Throws<NoiseException>(() => peers.Run((i, m) => i == target ? m[..cut] : m));
                Assert.Equal(length < minimum[target] ? NoiseError.MessageTooShort : NoiseError.DecryptionFailed, error.Error);
            }
        }
    }

    [Fact]
    public void A_too_short_message_is_reported_with_the_required_length()
    {
        using var peers = new NoisePeers(HandshakePattern.FromName("NN"));
        var error = Assert.Throws<NoiseException>(() => peers.Responder.ReadMessage(new byte[31]));
        Assert.Equal(NoiseError.MessageTooShort, error.Error);
        Assert.Contains("31", error.Message, StringComparison.Ordinal);
        Assert.Contains("32", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Messages_over_65535_bytes_are_refused_both_ways_and_65535_is_accepted()
    {
        using var peers = new NoisePeers(HandshakePattern.XXpsk3);

        // Message 1 of XXpsk3 is e (32) + payload + tag (16).
        var largestPayload = NoiseProtocol.MaxMessageLength - 32 - 16;
        Assert.Equal(NoiseError.MessageTooLong,
            Assert.Throws<NoiseException>(() => peers.Initiator.WriteMessage(new byte[largestPayload + 1])).Error);
        Assert.Equal(NoiseError.MessageTooLong,
            Assert.Throws<NoiseException>(() => peers.Responder.ReadMessage(new byte[NoiseProtocol.MaxMessageLength + 1])).Error);

        // Both refusals happened before any state changed, so the largest legal message still works.
        var message = peers.Initiator.WriteMessage(new byte[largestPayload]);
        Assert.Equal(NoiseProtocol.MaxMessageLength, message.Length);
        Assert.Equal(largestPayload, peers.Responder.ReadMessage(message).Length);
    }

    [Fact]
    public void A_length_error_leaves_the_reader_able_to_take_the_genuine_message()
    {
        using var peers = new NoisePeers(HandshakePattern.XXpsk3);
        var message1 = peers.Initiator.WriteMessage("hi"u8);
        Assert.Throws<NoiseException>(() => peers.Responder.ReadMessage(message1.AsSpan(0, 20)));
        Assert.Equal("hi"u8.ToArray(), peers.Responder.ReadMessage(message1));
    }

    /// <summary>
    /// Curve25519 points of small order (RFC 7748 §7 discusses them; libsodium rejects them): each
    /// gives an all-zero X25519 output for every clamped scalar.
    /// </summary>
    public static TheoryData<string> LowOrderPoints() =>
    [
        "0000000000000000000000000000000000000000000000000000000000000000", // 0
        "0100000000000000000000000000000000000000000000000000000000000000", // 1
        "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800", // order 8
        "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157", // order 8
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // p - 1
        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // p, non-canonical 0
        "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // p + 1, non-canonical 1
    ];

    [Theory]
    [MemberData(nameof(LowOrderPoints))]
    public void A_low_order_ephemeral_from_the_peer_is_rejected_at_the_DH(string point)
    {
        // NN: the responder reads the bare e, and its "ee" while writing message 2 hits the point.
        using (var peers = new NoisePeers(HandshakePattern.FromName("NN")))
        {
            peers.Responder.ReadMessage(Convert.FromHexString(point));
            Assert.Equal(NoiseError.LowOrderPoint, Assert.Throws<NoiseException>(() => peers.Responder.WriteMessage([])).Error);
            Assert.Throws<InvalidOperationException>(() => peers.Responder.WriteMessage([]));
        }

        // IK: the responder's "es" runs while reading message 1, before anything is decrypted.
        using (var peers = new NoisePeers(HandshakePattern.FromName("IK")))
        {
            var message = peers.Initiator.WriteMessage([]);
            Convert.FromHexString(point).CopyTo(message, 0);
            Assert.Equal(NoiseError.LowOrderPoint, Assert.Throws<NoiseException>(() => peers.Responder.ReadMessage(message)).Error);
        }
    }

    [Fact]
    public void A_failed_handshake_refuses_further_use()
    {
        using var peers = new NoisePeers(HandshakePattern.XXpsk3);
        var message1 = peers.Initiator.WriteMessage([]);
        message1[^1] ^= 1;
        Assert.Throws<NoiseException>(() => peers.Responder.ReadMessage(message1));
        message1[^1] ^= 1;
        Assert.Throws<InvalidOperationException>(() => peers.Responder.ReadMessage(message1));
    }

    [Fact]
    public void Calls_out_of_turn_and_early_or_repeated_Split_are_caller_errors()
    {
        using var peers = new NoisePeers(HandshakePattern.XXpsk3);
        Assert.True(peers.Initiator.IsWriteTurn);
        Assert.Throws<InvalidOperationException>(() => peers.Responder.WriteMessage([]));
        Assert.Throws<InvalidOperationException>(() => peers.Initiator.ReadMessage(new byte[64]));
        Assert.Throws<InvalidOperationException>(() => peers.Initiator.Split());

        peers.Run();
        Assert.Throws<InvalidOperationException>(() => peers.Initiator.WriteMessage([]));
        using var transport = peers.Initiator.Split();
        Assert.Throws<InvalidOperationException>(() => peers.Initiator.Split());
    }

    [Fact]
    public void Keys_must_match_what_the_pattern_uses()
    {
        using var key = NoisePeers.KeyFromSeed(1);
        var xx = HandshakePattern.FromName("XX");
        var ik = HandshakePattern.FromName("IK");
        var nn = HandshakePattern.FromName("NN");

        // XX learns the peer's static key; supplying one would look like pinning but would not be.
        Assert.Throws<ArgumentException>(() => new HandshakeState(xx, true, [], key, key.PublicKey));
        Assert.Throws<ArgumentException>(() => new HandshakeState(xx, true, []));
        Assert.Throws<ArgumentException>(() => new HandshakeState(nn, true, [], key));
        Assert.Throws<ArgumentException>(() => new HandshakeState(ik, true, [], key));
        Assert.Throws<ArgumentException>(() => new HandshakeState(ik, true, [], key, new byte[31]));
        Assert.Throws<ArgumentException>(() => new HandshakeState(HandshakePattern.XXpsk3, true, [], key));
        Assert.Throws<ArgumentException>(() => new HandshakeState(HandshakePattern.XXpsk3, true, [], key, default, [new byte[16]]));
        Assert.Throws<ArgumentException>(() => new HandshakeState(HandshakePattern.XXpsk3, true, [], key, default, [new byte[32], new byte[32]]));
        Assert.Throws<ArgumentException>(() => NoiseKeyPair.FromPrivateKey(new byte[31]));
    }

    [Fact]
    public void One_way_transport_only_flows_from_initiator_to_responder()
    {
        using var peers = new NoisePeers(HandshakePattern.FromName("X"));
        peers.Run();
        using var initiator = peers.Initiator.Split();
        using var responder = peers.Responder.Split();
        Assert.Throws<InvalidOperationException>(() => responder.Send);
        Assert.Throws<InvalidOperationException>(() => initiator.Receive);
        Assert.Equal([7], responder.Receive.DecryptWithAd([], initiator.Send.EncryptWithAd([], [7])));
    }

    private static Func<int, byte[], byte[]> Flip(int target, int bit) => (i, message) =>
    {
        if (i != target)
        {
            return message;
        }

        var copy = (byte[])message.Clone();
        copy[bit / 8] ^= (byte)(1 << (bit % 8));
        return copy;
    };
}

using Datom.Sync.Noise;
using Xunit;

namespace Datom.Sync.Tests.Noise;

/// <summary>
/// Runs every cacophony vector of a supported pattern through an initiator and a responder:
/// each message's bytes, the final handshake hash, and the transport messages after Split.
/// </summary>
public sealed class CacophonyVectorTests
{
    /// <summary>The patterns the design depends on; each must be covered by at least one vector.</summary>
    private static readonly string[] RequiredPatterns = ["NN", "NNpsk0", "XX", "XXpsk3", "IK"];

    public static TheoryData<string, string, int> SupportedVectors()
    {
        var data = new TheoryData<string, string, int>();
        foreach (var (file, index, vector, _) in CacophonyVectors.Supported())
        {
            data.Add(vector.ProtocolName, file, index);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(SupportedVectors))]
    public void Vector_matches_byte_for_byte(string protocolName, string file, int index)
    {
        var vector = CacophonyVectors.In(file)[index];
        Assert.Equal(protocolName, vector.ProtocolName);
        Assert.True(NoiseProtocol.TryParseProtocolName(protocolName, out var pattern));
        Assert.Equal(protocolName, NoiseProtocol.ProtocolName(pattern));

        using var initStatic = KeyPair(vector.InitStatic);
        using var initEphemeral = KeyPair(vector.InitEphemeral);
        using var respStatic = KeyPair(vector.RespStatic);
        using var respEphemeral = KeyPair(vector.RespEphemeral);
        using var initiator = new HandshakeState(
            pattern, true, Hex(vector.InitPrologue), initStatic, Hex(vector.InitRemoteStatic), Psks(vector.InitPsks),
            initEphemeral, Hex(vector.InitRemoteEphemeral));
        using var responder = new HandshakeState(
            pattern, false, Hex(vector.RespPrologue), respStatic, Hex(vector.RespRemoteStatic), Psks(vector.RespPsks),
            respEphemeral, Hex(vector.RespRemoteEphemeral));

        NoiseTransport? initiatorTransport = null;
        NoiseTransport? responderTransport = null;
        try
        {
            for (var i = 0; i < vector.Messages.Length; i++)
            {
                var payload = Hex(vector.Messages[i].Payload);
                var expected = vector.Messages[i].Ciphertext;
                if (initiatorTransport is null || responderTransport is null)
                {
                    var (writer, reader) = initiator.IsWriteTurn ? (initiator, responder) : (responder, initiator);
                    Assert.False(reader.IsWriteTurn);
                    var message = writer.WriteMessage(payload);
                    Assert.Equal(expected, Convert.ToHexStringLower(message));
                    Assert.Equal(payload, reader.ReadMessage(message));

                    if (initiator.IsCompleted && responder.IsCompleted)
                    {
                        var initiatorHash = Convert.ToHexStringLower(initiator.GetHandshakeHash());
                        Assert.Equal(initiatorHash, Convert.ToHexStringLower(responder.GetHandshakeHash()));
                        if (vector.HandshakeHash is not null)
                        {
                            Assert.Equal(vector.HandshakeHash, initiatorHash);
                        }

                        initiatorTransport = initiator.Split();
                        responderTransport = responder.Split();
                        Assert.Equal(initiatorHash, Convert.ToHexStringLower(initiatorTransport.HandshakeHash));
                        Assert.Equal(initiatorHash, Convert.ToHexStringLower(responderTransport.HandshakeHash));
                    }
                }
                else
                {
                    // Cacophony continues alternating after the handshake, except that after a
                    // one-way pattern every message is the initiator's (Noise §7.4).
                    var fromInitiator = pattern.IsOneWay || i % 2 == 0;
                    var (sender, receiver) = fromInitiator
                        ? (initiatorTransport.Send, responderTransport.Receive)
                        : (responderTransport.Send, initiatorTransport.Receive);
                    var message = sender.EncryptWithAd([], payload);
                    Assert.Equal(expected, Convert.ToHexStringLower(message));
                    Assert.Equal(payload, receiver.DecryptWithAd([], message));
                }
            }

            Assert.NotNull(initiatorTransport);
            Assert.NotNull(responderTransport);
        }
        finally
        {
            initiatorTransport?.Dispose();
            responderTransport?.Dispose();
        }
    }

    [Fact]
    public void Every_required_pattern_has_vectors_in_the_shared_file()
    {
        var counts = CacophonyVectors.Supported()
            .Where(v => v.File == CacophonyVectors.SharedFile)
            .GroupBy(v => v.Pattern.Name)
            .ToDictionary(g => g.Key, g => g.Count());
        foreach (var name in RequiredPatterns)
        {
            Assert.True(counts.GetValueOrDefault(name) > 0, $"no cacophony vector ran for {name}");
        }
    }

    [Fact]
    public void Every_fundamental_pattern_has_vectors_and_no_vector_is_skipped()
    {
        var names = CacophonyVectors.Supported().Select(v => v.Pattern.Name).ToHashSet();
        foreach (var name in HandshakePattern.FundamentalNames)
        {
            Assert.True(names.Contains(name), $"no cacophony vector ran for {name}");
        }

        // A vector that is silently skipped would hide a gap; name any that is.
        var skipped = CacophonyVectors.Files
            .SelectMany(CacophonyVectors.In)
            .Where(v => !NoiseProtocol.TryParseProtocolName(v.ProtocolName, out _))
            .Select(v => v.ProtocolName)
            .ToList();
        Assert.True(skipped.Count == 0, "unsupported vectors: " + string.Join(", ", skipped));
        Assert.Equal(CacophonyVectors.Files.Sum(f => CacophonyVectors.In(f).Count), SupportedVectors().Count);
    }

    private static NoiseKeyPair? KeyPair(string? privateKeyHex) =>
        privateKeyHex is null ? null : NoiseKeyPair.FromPrivateKey(Convert.FromHexString(privateKeyHex));

    private static byte[] Hex(string? hex) => hex is null ? [] : Convert.FromHexString(hex);

    private static byte[][]? Psks(string[]? psks) => psks?.Select(Convert.FromHexString).ToArray();
}

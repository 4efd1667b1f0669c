using Datom.Sync.Noise;
using Xunit;

namespace Datom.Sync.Tests.Noise;

public sealed class HandshakePatternTests
{
    [Fact]
    public void XXpsk3_puts_the_psk_at_the_end_of_the_third_message()
    {
        var pattern = HandshakePattern.XXpsk3;
        Assert.Equal("XXpsk3", pattern.Name);
        Assert.Equal("-> e\n<- e, ee, s, es\n-> s, se, psk", pattern.ToString());
        Assert.Equal(1, pattern.PskCount);
        Assert.True(pattern.IsPskHandshake);
        Assert.False(pattern.IsOneWay);
        Assert.Equal("Noise_XXpsk3_25519_ChaChaPoly_BLAKE2b", NoiseProtocol.ProtocolName(pattern));
    }

    [Theory]
    [InlineData("NNpsk0", "-> psk, e\n<- e, ee")]
    [InlineData("NNpsk2", "-> e\n<- e, ee, psk")]
    [InlineData("NNpsk0+psk2", "-> psk, e\n<- e, ee, psk")]
    [InlineData("IKpsk1", "<- s\n...\n-> e, es, s, ss, psk\n<- e, ee, se")]
    [InlineData("Kpsk0", "-> s\n<- s\n...\n-> psk, e, es, ss")]
    public void Psk_modifiers_follow_section_9_4(string name, string expected)
    {
        var pattern = HandshakePattern.FromName(name);
        Assert.Equal(expected, pattern.ToString());
        Assert.Equal(name.Split('+').Length, pattern.PskCount);
    }

    public static TheoryData<string> FundamentalNames() => [.. HandshakePattern.FundamentalNames];

    [Theory]
    [MemberData(nameof(FundamentalNames))]
    public void Every_fundamental_pattern_parses_and_round_trips_through_its_notation(string name)
    {
        var pattern = HandshakePattern.FromName(name);
        var reparsed = HandshakePattern.Parse(name, pattern.ToString());
        Assert.Equal(pattern.ToString(), reparsed.ToString());
        Assert.Equal(name.Length == 1, pattern.IsOneWay);
        Assert.Equal(0, pattern.PskCount);
    }

    [Theory]
    [InlineData("XXpsk4")] // only three messages
    [InlineData("XXpsk3+psk3")] // duplicate
    [InlineData("XXpsk03")] // leading zero
    [InlineData("XXpsk")] // no position
    [InlineData("XXpsk-1")]
    [InlineData("XXfallback")] // not supported
    [InlineData("ZZ")]
    [InlineData("")]
    [InlineData("psk0")]
    public void Unknown_or_malformed_names_are_rejected(string name)
    {
        Assert.False(HandshakePattern.TryFromName(name, out _));
        Assert.Throws<ArgumentException>(() => HandshakePattern.FromName(name));
    }

    [Theory]
    [InlineData("-> e, e")] // e sent twice (§7.3)
    [InlineData("-> e\n<- e, ee, ee")] // DH twice (§7.3)
    [InlineData("-> e, es")] // responder's s never sent (§7.3)
    [InlineData("-> s\n...\n-> s")] // s pre-shared and sent again
    [InlineData("<- s\n...\n-> e, s, ss")] // ss without es before encrypting (§7.3)
    [InlineData("<- s\n...\n-> e, s\n<- e, ss")] // responder ss without se before encrypting (§7.3)
    [InlineData("-> psk\n<- e, ee")] // encrypts after psk without having sent e (§9.3)
    [InlineData("-> e\n-> e")] // directions must alternate
    [InlineData("<- e")] // first message is the initiator's
    [InlineData("-> ee\n...\n-> e")] // DH token in a pre-message
    [InlineData("-> e, xx")] // unknown token
    [InlineData("e, ee")] // no arrow
    [InlineData("-> e\n...")] // no messages
    public void Invalid_patterns_are_rejected(string notation)
    {
        Assert.Throws<FormatException>(() => HandshakePattern.Parse("Bad", notation));
    }

    [Fact]
    public void Protocol_names_of_other_suites_are_not_ours()
    {
        Assert.True(NoiseProtocol.TryParseProtocolName("Noise_IK_25519_ChaChaPoly_BLAKE2b", out var ik));
        Assert.Equal("IK", ik.Name);
        Assert.False(NoiseProtocol.TryParseProtocolName("Noise_IK_25519_ChaChaPoly_BLAKE2s", out _));
        Assert.False(NoiseProtocol.TryParseProtocolName("Noise_IK_448_ChaChaPoly_BLAKE2b", out _));
        Assert.False(NoiseProtocol.TryParseProtocolName("Noise__25519_ChaChaPoly_BLAKE2b", out _));
        Assert.False(NoiseProtocol.TryParseProtocolName("NoiseIK", out _));
    }
}

using Datom.Sync.Noise;
using Xunit;

namespace Datom.Sync.Tests.Noise;

/// <summary>
/// HMAC-BLAKE2b and the Noise HKDF (§4.3). Expected values were computed independently with
/// Python's <c>hmac.new(key, msg, hashlib.blake2b)</c> (RFC 2104 with BLAKE2b-512's 128-byte block).
/// </summary>
public sealed class NoiseHkdfTests
{
    [Theory]
    [InlineData("", "",
        "198cd2006f66ff83fbbd913f78aca2251caf4f19fe9475aade8cf2091b99a68466775177424f58286886cbae8229644cec747237d4b721735485e17372fdf59c")]
    [InlineData("64", "The quick brown fox jumps over the lazy dog",
        "04ee7426defe6a0b873ebc0a47f31391324e13534aaea631564fcac3659e94fe6bd07501e39038dfa63d0140c6b03c2cb1bf715764bc9807894474141d58f81e")]
    [InlineData("128", "abc",
        "442e7244d3deea49a4a6263da650c3205f4a1bde97fd5e4dcf530a492e4f7885a7086f428a04f08150af3b693d3532171d371d88c23aa56cf6f1d7cdfe5b485c")]
    [InlineData("200", "abc",
        "feb09eb5b1c557085c0a53bdf39ef7bc9af291f21d7c917cd1cf09542aab95362de79b3925fe55d92997423b5a68be1bda2f6518df34fa1053bb3ef559b08200")]
    public void Hmac_blake2b_matches_reference(string keyKind, string message, string expected)
    {
        // keyKind: "" is the empty key; "64"/"128" are bytes 0..n-1 (the HASHLEN and exactly-BLOCKLEN
        // cases); "200" is i mod 251 for i in 0..199, longer than a block so it is hashed first.
        byte[] key = keyKind switch
        {
            "" => [],
            "200" => [.. Enumerable.Range(0, 200).Select(i => (byte)(i % 251))],
            _ => [.. Enumerable.Range(0, int.Parse(keyKind, System.Globalization.CultureInfo.InvariantCulture)).Select(i => (byte)i)],
        };
        var output = new byte[NoiseProtocol.HashLength];
        var data = System.Text.Encoding.ASCII.GetBytes(message);

        NoiseHkdf.Hmac(key, data, default, output);
        Assert.Equal(expected, Convert.ToHexStringLower(output));

        // The two-part form is the concatenation.
        NoiseHkdf.Hmac(key, data.AsSpan(0, data.Length / 2), data.AsSpan(data.Length / 2), output);
        Assert.Equal(expected, Convert.ToHexStringLower(output));
    }

    [Fact]
    public void Hkdf_three_outputs_match_reference()
    {
        // ck = bytes 0..63, ikm = bytes 100..131.
        var chainingKey = Enumerable.Range(0, 64).Select(i => (byte)i).ToArray();
        var ikm = Enumerable.Range(100, 32).Select(i => (byte)i).ToArray();
        var o1 = new byte[64];
        var o2 = new byte[64];
        var o3 = new byte[64];

        NoiseHkdf.Hkdf(chainingKey, ikm, o1, o2, o3);

        Assert.Equal("2262ed5f40c3324574d00a1e0849a7cc67fb5b6a80211c3c59404bb8e47512b1cb95e73840718c5d68ca345f934f39a52f1f31e8f6d3ed521f0664f46feddae4", Convert.ToHexStringLower(o1));
        Assert.Equal("f6a6559fa2aaab64d3d2666b83fe3f4fed6fae1959537fedd6a39b6f8d411e6132593234cc2a750244335da5021c27bf7eacbb65cfa608457de6ecc144b90077", Convert.ToHexStringLower(o2));
        Assert.Equal("07c82c1301c70e885f4662f1f3f7b7bb9e04d81c94a6e1882f812c02ffb69580c93095bb599ad2fced3d3cf38c9c17df4fb3c0029f231247fca69b040e16449e", Convert.ToHexStringLower(o3));
    }

    [Fact]
    public void Hkdf_output1_may_alias_the_chaining_key()
    {
        var chainingKey = Enumerable.Range(0, 64).Select(i => (byte)i).ToArray();
        var ikm = Enumerable.Range(100, 32).Select(i => (byte)i).ToArray();
        var expected1 = new byte[64];
        var expected2 = new byte[64];
        NoiseHkdf.Hkdf(chainingKey, ikm, expected1, expected2, default);

        var o2 = new byte[64];
        NoiseHkdf.Hkdf(chainingKey, ikm, chainingKey, o2, default);

        Assert.Equal(expected1, chainingKey);
        Assert.Equal(expected2, o2);
    }
}

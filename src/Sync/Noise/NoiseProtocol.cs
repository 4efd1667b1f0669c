namespace Datom.Sync.Noise;

/// <summary>
/// Constants of the one suite this implementation speaks, 25519_ChaChaPoly_BLAKE2b, and the
/// protocol-name grammar of Noise §8.
/// </summary>
public static class NoiseProtocol
{
    /// <summary>Noise §3: every Noise message, handshake or transport, is at most 65535 bytes.</summary>
    public const int MaxMessageLength = 65535;

    /// <summary>DHLEN for Curve25519 (§12.1).</summary>
    public const int DhLength = 32;

    /// <summary>Cipher key length; every Noise cipher uses 32-byte keys (§4.2).</summary>
    public const int KeyLength = 32;

    /// <summary>ChaCha20-Poly1305 authentication tag (§4.2: ciphertext is plaintext + 16 bytes).</summary>
    public const int TagLength = 16;

    /// <summary>HASHLEN for BLAKE2b (§12.8).</summary>
    public const int HashLength = 64;

    /// <summary>BLOCKLEN for BLAKE2b (§12.8), the HMAC block size.</summary>
    public const int BlockLength = 128;

    /// <summary>A pre-shared key is exactly 32 bytes (§9).</summary>
    public const int PskLength = 32;

    /// <summary>Largest payload one transport message can carry: the message cap less the AEAD tag.</summary>
    public const int MaxTransportPayloadLength = MaxMessageLength - TagLength;

    /// <summary>The DH, cipher and hash names, in the order Noise §8 puts them in a protocol name.</summary>
    public const string Suite = "25519_ChaChaPoly_BLAKE2b";

    /// <summary>The full protocol name of §8, e.g. <c>Noise_XXpsk3_25519_ChaChaPoly_BLAKE2b</c>.</summary>
    public static string ProtocolName(HandshakePattern pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        return "Noise_" + pattern.Name + "_" + Suite;
    }

    /// <summary>
    /// Parses a protocol name of this suite into its handshake pattern; returns false for another
    /// suite or an unknown pattern.
    /// </summary>
    public static bool TryParseProtocolName(string protocolName, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out HandshakePattern? pattern)
    {
        ArgumentNullException.ThrowIfNull(protocolName);
        pattern = null;
        const string prefix = "Noise_";
        const string suffix = "_" + Suite;
        if (!protocolName.StartsWith(prefix, StringComparison.Ordinal)
            || !protocolName.EndsWith(suffix, StringComparison.Ordinal)
            || protocolName.Length <= prefix.Length + suffix.Length)
        {
            return false;
        }

        var patternName = protocolName[prefix.Length..^suffix.Length];
        return HandshakePattern.TryFromName(patternName, out pattern);
    }
}

using System.Diagnostics.CodeAnalysis;

namespace Datom.Sync.Noise;

/// <summary>
/// Why a Noise operation failed. Every value is something a peer (or a worn-out key) can cause;
/// misuse by the caller (wrong turn, missing key) is an <see cref="InvalidOperationException"/> or
/// <see cref="ArgumentException"/> instead.
/// </summary>
public enum NoiseError
{
    /// <summary>AEAD authentication failed: wrong key, wrong handshake transcript, or tampered bytes.</summary>
    DecryptionFailed = 1,

    /// <summary>The nonce reached 2^64-1, which Noise §5.1 reserves; the cipher state may not be used again.</summary>
    NonceExhausted,

    /// <summary>An X25519 output was all zeros: the peer sent a low-order point (Noise §4.1, §12.1).</summary>
    LowOrderPoint,

    /// <summary>A message is shorter than its handshake pattern or AEAD tag requires.</summary>
    MessageTooShort,

    /// <summary>A message would exceed the 65535-byte limit of Noise §3.</summary>
    MessageTooLong,
}

/// <summary>
/// A Noise failure caused by the peer's bytes or by key exhaustion, with its <see cref="Error"/>.
/// A <see cref="HandshakeState"/> that throws one while processing a message has failed (§5.3:
/// an error from DECRYPT or DH ends the handshake) and refuses further calls; length checks throw
/// before any state changes. A <see cref="CipherState"/> whose decryption fails keeps its nonce (§5.1).
/// </summary>
public sealed class NoiseException : Exception
{
    public NoiseException(NoiseError error, string message)
        : base(message)
    {
        Error = error;
    }

    public NoiseError Error { get; }
}

/// <summary>Throw helpers, kept out of line so the hot paths stay small.</summary>
internal static class NoiseThrow
{
    [DoesNotReturn]
    public static void DecryptionFailed() =>
        throw new NoiseException(NoiseError.DecryptionFailed, "Noise: AEAD authentication failed (wrong key or tampered message).");

    [DoesNotReturn]
    public static void NonceExhausted() =>
        throw new NoiseException(NoiseError.NonceExhausted, "Noise: nonce 2^64-1 is reserved (§5.1); this cipher state is exhausted.");

    [DoesNotReturn]
    public static void LowOrderPoint() =>
        throw new NoiseException(NoiseError.LowOrderPoint, "Noise: X25519 produced an all-zero shared secret; the peer sent a low-order public key.");

    [DoesNotReturn]
    public static void MessageTooShort(int actual, int required) =>
        throw new NoiseException(NoiseError.MessageTooShort,
            $"Noise: message is {actual} bytes but at least {required} are required at this step of the handshake.");

    [DoesNotReturn]
    public static void CiphertextTooShort(int actual) =>
        throw new NoiseException(NoiseError.MessageTooShort,
            $"Noise: ciphertext is {actual} bytes, shorter than the {NoiseProtocol.TagLength}-byte AEAD tag.");

    [DoesNotReturn]
    public static void MessageTooLong(int length) =>
        throw new NoiseException(NoiseError.MessageTooLong,
            $"Noise: message of {length} bytes exceeds the {NoiseProtocol.MaxMessageLength}-byte limit (§3).");
}

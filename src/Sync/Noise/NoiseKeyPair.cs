using System.Security.Cryptography;
using NSec.Cryptography;
using static Datom.Sync.Noise.NoiseProtocol;

namespace Datom.Sync.Noise;

/// <summary>
/// An X25519 key pair (Noise §4.1, §12.1): an NSec <see cref="Key"/> whose private half stays in
/// NSec's secured memory, plus the 32-byte public key. Used for static keys and for ephemerals.
/// </summary>
public sealed class NoiseKeyPair : IDisposable
{
    private static readonly X25519 Algorithm = KeyAgreementAlgorithm.X25519;

    private readonly Key _key;
    private readonly byte[] _publicKey;

    private NoiseKeyPair(Key key)
    {
        _key = key;
        _publicKey = key.PublicKey.Export(KeyBlobFormat.RawPublicKey);
    }

    /// <summary>The 32-byte X25519 public key, as it appears on the wire.</summary>
    public ReadOnlySpan<byte> PublicKey => _publicKey;

    /// <summary>§4.1 <c>GENERATE_KEYPAIR()</c>: a fresh random key pair from NSec (libsodium's CSPRNG).</summary>
    public static NoiseKeyPair Generate() => new(Key.Create(Algorithm));

    /// <summary>
    /// A key pair from a 32-byte X25519 private key (any 32 bytes; X25519 clamps the scalar itself,
    /// RFC 7748 §5). For keys loaded from storage and for test vectors.
    /// </summary>
    public static NoiseKeyPair FromPrivateKey(ReadOnlySpan<byte> privateKey)
    {
        if (privateKey.Length != Algorithm.PrivateKeySize)
        {
            throw new ArgumentException($"An X25519 private key is {Algorithm.PrivateKeySize} bytes.", nameof(privateKey));
        }

        return new NoiseKeyPair(Key.Import(Algorithm, privateKey, KeyBlobFormat.RawPrivateKey));
    }

    /// <summary>
    /// §4.1 <c>DH(key_pair, public_key)</c> into <paramref name="sharedSecret"/> (32 bytes).
    /// An all-zero result means the peer's key is a low-order point; Noise §4.1 lets DH() either
    /// return such an output or signal an error, and this implementation signals
    /// <see cref="NoiseError.LowOrderPoint"/> so a peer cannot force a known shared secret.
    /// </summary>
    internal void Agree(ReadOnlySpan<byte> remotePublicKey, Span<byte> sharedSecret)
    {
        if (remotePublicKey.Length != DhLength || sharedSecret.Length != DhLength)
        {
            throw new ArgumentException($"X25519 public keys and shared secrets are {DhLength} bytes.");
        }

        // RFC 7748 §5: the high bit of the u-coordinate is masked on import, so every 32-byte string
        // is a valid encoding; TryImport fails only on a wrong length, excluded above.
        if (!NSec.Cryptography.PublicKey.TryImport(Algorithm, remotePublicKey, KeyBlobFormat.RawPublicKey, out var remote) || remote is null)
        {
            throw new ArgumentException("X25519 public key could not be imported.", nameof(remotePublicKey));
        }

        var parameters = new SharedSecretCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport };

        // NSec returns null when libsodium's crypto_scalarmult reports an all-zero output.
        using var secret = Algorithm.Agree(_key, remote, in parameters);
        if (secret is null)
        {
            NoiseThrow.LowOrderPoint();
        }

        if (!secret.TryExport(SharedSecretBlobFormat.RawSharedSecret, sharedSecret, out var written) || written != DhLength)
        {
            throw new CryptographicException("X25519 shared secret could not be exported.");
        }

        // Defence in depth for the invariant above, should NSec ever stop reporting it.
        if (IsAllZero(sharedSecret))
        {
            NoiseThrow.LowOrderPoint();
        }
    }

    public void Dispose() => _key.Dispose();

    private static bool IsAllZero(ReadOnlySpan<byte> value)
    {
        // Constant time in the secret: OR every byte together, then test once.
        var accumulator = 0;
        foreach (var b in value)
        {
            accumulator |= b;
        }

        return accumulator == 0;
    }
}

using System.Buffers.Binary;
using System.Security.Cryptography;
using NSec.Cryptography;
using static Datom.Sync.Noise.NoiseProtocol;

namespace Datom.Sync.Noise;

/// <summary>
/// Noise §5.1 CipherState: a ChaCha20-Poly1305 key <c>k</c> (possibly empty) and a 64-bit nonce
/// <c>n</c>. During a handshake it lives inside the symmetric state; after the handshake the two
/// transport directions are each one of these. Not thread-safe: one sender and one receiver each
/// own their state.
/// </summary>
public sealed class CipherState : IDisposable
{
    /// <summary>§5.1: nonce 2^64-1 is reserved (it is the REKEY nonce of §4.2) and never used for messages.</summary>
    private const ulong ReservedNonce = ulong.MaxValue;

    /// <summary>§12.3: the 96-bit ChaCha20-Poly1305 nonce is 32 zero bits then n as 64-bit little-endian.</summary>
    private const int NonceSize = 12;

    private static readonly AeadAlgorithm Aead = AeadAlgorithm.ChaCha20Poly1305;

    private Key? _key;
    private ulong _nonce;
    private bool _disposed;

    /// <summary>An empty cipher state (§5.2 InitializeSymmetric: <c>InitializeKey(empty)</c>).</summary>
    internal CipherState()
    {
    }

    /// <summary>A cipher state keyed with 32 bytes and nonce 0.</summary>
    internal CipherState(ReadOnlySpan<byte> key)
    {
        InitializeKey(key);
    }

    /// <summary>§5.1 <c>HasKey()</c>.</summary>
    public bool HasKey
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _key is not null;
        }
    }

    /// <summary>The nonce the next encryption or decryption will use.</summary>
    public ulong Nonce => _nonce;

    /// <summary>§5.1 <c>InitializeKey(key)</c>: sets k and resets n to 0.</summary>
    internal void InitializeKey(ReadOnlySpan<byte> key)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (key.Length != KeyLength)
        {
            throw new ArgumentException($"A cipher key is {KeyLength} bytes.", nameof(key));
        }

        var next = Key.Import(Aead, key, KeyBlobFormat.RawSymmetricKey);
        _key?.Dispose();
        _key = next;
        _nonce = 0;
    }

    /// <summary>
    /// §5.1 <c>SetNonce(nonce)</c>, for transports that carry explicit nonces. Reusing a nonce with
    /// the same key destroys confidentiality; the caller owns that invariant.
    /// </summary>
    public void SetNonce(ulong nonce)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _nonce = nonce;
    }

    /// <summary>
    /// §5.1 <c>EncryptWithAd(ad, plaintext)</c> into <paramref name="ciphertext"/>; returns the
    /// bytes written (plaintext + 16 with a key, plaintext unchanged without). The two buffers may
    /// start at the same address but must not otherwise overlap.
    /// </summary>
    /// <exception cref="NoiseException">The nonce is exhausted, or the ciphertext would exceed 65535 bytes.</exception>
    public int EncryptWithAd(ReadOnlySpan<byte> ad, ReadOnlySpan<byte> plaintext, Span<byte> ciphertext)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_key is null)
        {
            if (plaintext.Length > MaxMessageLength)
            {
                NoiseThrow.MessageTooLong(plaintext.Length);
            }

            CheckDestination(ciphertext, plaintext.Length, nameof(ciphertext));
            plaintext.CopyTo(ciphertext);
            return plaintext.Length;
        }

        if (_nonce == ReservedNonce)
        {
            NoiseThrow.NonceExhausted();
        }

        var length = plaintext.Length + TagLength;
        if (length > MaxMessageLength)
        {
            NoiseThrow.MessageTooLong(length);
        }

        CheckDestination(ciphertext, length, nameof(ciphertext));
        Span<byte> nonce = stackalloc byte[NonceSize];
        FormatNonce(_nonce, nonce);
        Aead.Encrypt(_key, nonce, ad, plaintext, ciphertext[..length]);
        _nonce++;
        return length;
    }

    /// <summary>
    /// §5.1 <c>DecryptWithAd(ad, ciphertext)</c> into <paramref name="plaintext"/>; returns the bytes
    /// written. On authentication failure n is not incremented (§5.1) and the plaintext buffer is
    /// cleared.
    /// </summary>
    /// <exception cref="NoiseException">Authentication failed, the nonce is exhausted, or the ciphertext is malformed in length.</exception>
    public int DecryptWithAd(ReadOnlySpan<byte> ad, ReadOnlySpan<byte> ciphertext, Span<byte> plaintext)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (ciphertext.Length > MaxMessageLength)
        {
            NoiseThrow.MessageTooLong(ciphertext.Length);
        }

        if (_key is null)
        {
            CheckDestination(plaintext, ciphertext.Length, nameof(plaintext));
            ciphertext.CopyTo(plaintext);
            return ciphertext.Length;
        }

        if (_nonce == ReservedNonce)
        {
            NoiseThrow.NonceExhausted();
        }

        if (ciphertext.Length < TagLength)
        {
            NoiseThrow.CiphertextTooShort(ciphertext.Length);
        }

        var length = ciphertext.Length - TagLength;
        CheckDestination(plaintext, length, nameof(plaintext));
        Span<byte> nonce = stackalloc byte[NonceSize];
        FormatNonce(_nonce, nonce);
        if (!Aead.Decrypt(_key, nonce, ad, ciphertext, plaintext[..length]))
        {
            plaintext[..length].Clear();
            NoiseThrow.DecryptionFailed();
        }

        _nonce++;
        return length;
    }

    /// <summary>Allocating form of <see cref="EncryptWithAd(ReadOnlySpan{byte}, ReadOnlySpan{byte}, Span{byte})"/>.</summary>
    public byte[] EncryptWithAd(ReadOnlySpan<byte> ad, ReadOnlySpan<byte> plaintext)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var output = new byte[plaintext.Length + (_key is null ? 0 : TagLength)];
        EncryptWithAd(ad, plaintext, output);
        return output;
    }

    /// <summary>Allocating form of <see cref="DecryptWithAd(ReadOnlySpan{byte}, ReadOnlySpan{byte}, Span{byte})"/>.</summary>
    public byte[] DecryptWithAd(ReadOnlySpan<byte> ad, ReadOnlySpan<byte> ciphertext)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var length = ciphertext.Length - (_key is null ? 0 : TagLength);
        var output = new byte[Math.Max(length, 0)];
        DecryptWithAd(ad, ciphertext, output);
        return output;
    }

    /// <summary>
    /// §5.1 <c>Rekey()</c> with the default REKEY of §4.2: k becomes the first 32 bytes of
    /// <c>ENCRYPT(k, 2^64-1, zerolen, zeros)</c> where zeros is 32 zero bytes. n is unchanged.
    /// </summary>
    public void Rekey()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_key is null)
        {
            throw new InvalidOperationException("Noise: cannot rekey a cipher state that has no key.");
        }

        Span<byte> nonce = stackalloc byte[NonceSize];
        Span<byte> block = stackalloc byte[KeyLength + TagLength];
        Span<byte> zeros = stackalloc byte[KeyLength];
        zeros.Clear();
        try
        {
            FormatNonce(ReservedNonce, nonce);
            Aead.Encrypt(_key, nonce, default, zeros, block);
            var next = Key.Import(Aead, block[..KeyLength], KeyBlobFormat.RawSymmetricKey);
            _key.Dispose();
            _key = next;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(block);
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _key?.Dispose();
        _key = null;
    }

    internal static void FormatNonce(ulong n, Span<byte> nonce)
    {
        nonce[..4].Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(nonce[4..], n);
    }

    private static void CheckDestination(Span<byte> destination, int required, string name)
    {
        if (destination.Length < required)
        {
            throw new ArgumentException($"Destination holds {destination.Length} bytes; {required} are needed.", name);
        }
    }
}

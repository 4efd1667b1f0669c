using System.Security.Cryptography;
using System.Text;
using NSec.Cryptography;
using HashAlgorithm = NSec.Cryptography.HashAlgorithm;
using IncrementalHash = NSec.Cryptography.IncrementalHash;
using static Datom.Sync.Noise.NoiseProtocol;

namespace Datom.Sync.Noise;

/// <summary>
/// Noise §5.2 SymmetricState: the chaining key <c>ck</c>, the handshake hash <c>h</c>, and the
/// handshake's <see cref="CipherState"/>. Owned by one <see cref="HandshakeState"/>.
/// </summary>
internal sealed class SymmetricState : IDisposable
{
    private static readonly Blake2b Hash = HashAlgorithm.Blake2b_512;

    private readonly CipherState _cipher = new();
    private readonly byte[] _ck = new byte[HashLength];
    private readonly byte[] _h = new byte[HashLength];
    private bool _disposed;

    /// <summary>
    /// §5.2 <c>InitializeSymmetric(protocol_name)</c>: a name of at most HASHLEN bytes is zero-padded
    /// into h, a longer one is hashed; ck = h; the cipher state starts with no key.
    /// </summary>
    public SymmetricState(string protocolName)
    {
        ArgumentNullException.ThrowIfNull(protocolName);
        var name = Encoding.ASCII.GetBytes(protocolName);
        if (name.Length <= HashLength)
        {
            name.CopyTo(_h, 0);
        }
        else
        {
            Hash.Hash(name, _h);
        }

        _h.CopyTo(_ck, 0);
    }

    public bool HasKey => _cipher.HasKey;

    /// <summary>§5.2 <c>GetHandshakeHash()</c>, live view; copy it before the next operation changes it.</summary>
    public ReadOnlySpan<byte> HandshakeHash => _h;

    /// <summary>§5.2 <c>MixKey(input_key_material)</c>: ck, temp_k = HKDF(ck, ikm, 2); k = temp_k[..32].</summary>
    public void MixKey(ReadOnlySpan<byte> inputKeyMaterial)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Span<byte> tempK = stackalloc byte[HashLength];
        try
        {
            NoiseHkdf.Hkdf(_ck, inputKeyMaterial, _ck, tempK, default);

            // §5.2: HASHLEN is 64 for BLAKE2b, so temp_k is truncated to the 32-byte cipher key.
            _cipher.InitializeKey(tempK[..KeyLength]);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(tempK);
        }
    }

    /// <summary>§5.2 <c>MixHash(data)</c>: h = HASH(h || data).</summary>
    public void MixHash(ReadOnlySpan<byte> data)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        HashInto(_h, data, _h);
    }

    /// <summary>
    /// §5.2 <c>MixKeyAndHash(input_key_material)</c>, used for "psk" tokens (§9.2):
    /// ck, temp_h, temp_k = HKDF(ck, ikm, 3); MixHash(temp_h); k = temp_k[..32].
    /// </summary>
    public void MixKeyAndHash(ReadOnlySpan<byte> inputKeyMaterial)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Span<byte> tempH = stackalloc byte[HashLength];
        Span<byte> tempK = stackalloc byte[HashLength];
        try
        {
            NoiseHkdf.Hkdf(_ck, inputKeyMaterial, _ck, tempH, tempK);
            MixHash(tempH);
            _cipher.InitializeKey(tempK[..KeyLength]);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(tempH);
            CryptographicOperations.ZeroMemory(tempK);
        }
    }

    /// <summary>
    /// §5.2 <c>EncryptAndHash(plaintext)</c>: ciphertext = EncryptWithAd(h, plaintext); MixHash(ciphertext).
    /// Returns the bytes written to <paramref name="ciphertext"/>.
    /// </summary>
    public int EncryptAndHash(ReadOnlySpan<byte> plaintext, Span<byte> ciphertext)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var written = _cipher.EncryptWithAd(_h, plaintext, ciphertext);
        MixHash(ciphertext[..written]);
        return written;
    }

    /// <summary>
    /// §5.2 <c>DecryptAndHash(ciphertext)</c>: plaintext = DecryptWithAd(h, ciphertext); MixHash(ciphertext).
    /// The next h is computed before decrypting so that decrypting in place still hashes the
    /// ciphertext, and committed only after authentication succeeds.
    /// </summary>
    public int DecryptAndHash(ReadOnlySpan<byte> ciphertext, Span<byte> plaintext)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Span<byte> nextH = stackalloc byte[HashLength];
        HashInto(_h, ciphertext, nextH);
        var written = _cipher.DecryptWithAd(_h, ciphertext, plaintext);
        nextH.CopyTo(_h);
        return written;
    }

    /// <summary>
    /// §5.2 <c>Split()</c>: temp_k1, temp_k2 = HKDF(ck, zerolen, 2), each truncated to 32 bytes;
    /// c1 encrypts initiator-to-responder, c2 responder-to-initiator.
    /// </summary>
    public (CipherState C1, CipherState C2) Split()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Span<byte> tempK1 = stackalloc byte[HashLength];
        Span<byte> tempK2 = stackalloc byte[HashLength];
        try
        {
            NoiseHkdf.Hkdf(_ck, default, tempK1, tempK2, default);
            var c1 = new CipherState(tempK1[..KeyLength]);
            try
            {
                return (c1, new CipherState(tempK2[..KeyLength]));
            }
            catch
            {
                c1.Dispose();
                throw;
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(tempK1);
            CryptographicOperations.ZeroMemory(tempK2);
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _cipher.Dispose();
        CryptographicOperations.ZeroMemory(_ck);
        CryptographicOperations.ZeroMemory(_h);
    }

    private static void HashInto(ReadOnlySpan<byte> h, ReadOnlySpan<byte> data, Span<byte> output)
    {
        IncrementalHash.Initialize(Hash, out var state);
        IncrementalHash.Update(ref state, h);
        IncrementalHash.Update(ref state, data);
        IncrementalHash.Finalize(ref state, output);
    }
}

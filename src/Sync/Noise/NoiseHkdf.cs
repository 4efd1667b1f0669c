using System.Security.Cryptography;
using NSec.Cryptography;
using HashAlgorithm = NSec.Cryptography.HashAlgorithm;
using IncrementalHash = NSec.Cryptography.IncrementalHash;
using static Datom.Sync.Noise.NoiseProtocol;

namespace Datom.Sync.Noise;

/// <summary>
/// HMAC-BLAKE2b (RFC 2104 with B = BLOCKLEN = 128, L = HASHLEN = 64) and the Noise HKDF of §4.3.
/// NSec exposes keyed BLAKE2b but not HMAC over it, and Noise requires HMAC, so it is built here
/// on NSec's incremental BLAKE2b-512.
/// </summary>
internal static class NoiseHkdf
{
    private const byte InnerPad = 0x36;
    private const byte OuterPad = 0x5c;

    private static readonly Blake2b Hash = HashAlgorithm.Blake2b_512;

    /// <summary>
    /// <c>HMAC-HASH(key, data1 || data2)</c> into <paramref name="output"/> (exactly HASHLEN bytes).
    /// The data comes in two parts so HKDF can MAC <c>output_{i-1} || byte(i)</c> without copying.
    /// </summary>
    public static void Hmac(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data1, ReadOnlySpan<byte> data2, Span<byte> output)
    {
        if (output.Length != HashLength)
        {
            throw new ArgumentException($"HMAC output must be {HashLength} bytes.", nameof(output));
        }

        // RFC 2104 §2: a key longer than B is first hashed; a shorter one is zero-padded to B.
        Span<byte> paddedKey = stackalloc byte[BlockLength];
        Span<byte> pad = stackalloc byte[BlockLength];
        Span<byte> innerHash = stackalloc byte[HashLength];
        try
        {
            paddedKey.Clear();
            if (key.Length > BlockLength)
            {
                Hash.Hash(key, paddedKey[..HashLength]);
            }
            else
            {
                key.CopyTo(paddedKey);
            }

            for (var i = 0; i < BlockLength; i++)
            {
                pad[i] = (byte)(paddedKey[i] ^ InnerPad);
            }

            IncrementalHash.Initialize(Hash, out var inner);
            IncrementalHash.Update(ref inner, pad);
            IncrementalHash.Update(ref inner, data1);
            IncrementalHash.Update(ref inner, data2);
            IncrementalHash.Finalize(ref inner, innerHash);

            for (var i = 0; i < BlockLength; i++)
            {
                pad[i] = (byte)(paddedKey[i] ^ OuterPad);
            }

            IncrementalHash.Initialize(Hash, out var outer);
            IncrementalHash.Update(ref outer, pad);
            IncrementalHash.Update(ref outer, innerHash);
            IncrementalHash.Finalize(ref outer, output);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(paddedKey);
            CryptographicOperations.ZeroMemory(pad);
            CryptographicOperations.ZeroMemory(innerHash);
        }
    }

    /// <summary>
    /// Noise §4.3 <c>HKDF(chaining_key, input_key_material, num_outputs)</c>. Each output is
    /// HASHLEN bytes; pass an empty <paramref name="output3"/> for num_outputs = 2.
    /// <paramref name="output1"/> may alias <paramref name="chainingKey"/> (MixKey overwrites ck):
    /// the chaining key is read only for temp_key, before any output is written.
    /// </summary>
    public static void Hkdf(
        ReadOnlySpan<byte> chainingKey,
        ReadOnlySpan<byte> inputKeyMaterial,
        Span<byte> output1,
        Span<byte> output2,
        Span<byte> output3)
    {
        Span<byte> tempKey = stackalloc byte[HashLength];
        try
        {
            // temp_key = HMAC-HASH(chaining_key, input_key_material)
            Hmac(chainingKey, inputKeyMaterial, default, tempKey);

            // output1 = HMAC-HASH(temp_key, byte(0x01))
            Hmac(tempKey, [0x01], default, output1);

            // output2 = HMAC-HASH(temp_key, output1 || byte(0x02))
            Hmac(tempKey, output1, [0x02], output2);

            if (!output3.IsEmpty)
            {
                // output3 = HMAC-HASH(temp_key, output2 || byte(0x03))
                Hmac(tempKey, output2, [0x03], output3);
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(tempKey);
        }
    }
}

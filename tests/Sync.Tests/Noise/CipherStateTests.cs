using Datom.Sync.Noise;
using NSec.Cryptography;
using Xunit;

namespace Datom.Sync.Tests.Noise;

public sealed class CipherStateTests
{
    private static readonly byte[] KeyBytes = [.. Enumerable.Range(1, 32).Select(i => (byte)i)];
    private static readonly byte[] Ad = "associated"u8.ToArray();
    private static readonly byte[] Plaintext = "attack at dawn"u8.ToArray();

    [Fact]
    public void Nonce_is_four_zero_bytes_then_the_counter_little_endian()
    {
        using var cipher = new CipherState(KeyBytes);
        cipher.SetNonce(0x0102030405060708);
        var actual = cipher.EncryptWithAd(Ad, Plaintext);

        byte[] nonce = [0, 0, 0, 0, 0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01];
        using var key = Key.Import(AeadAlgorithm.ChaCha20Poly1305, KeyBytes, KeyBlobFormat.RawSymmetricKey);
        var expected = AeadAlgorithm.ChaCha20Poly1305.Encrypt(key, nonce, Ad, Plaintext);

        Assert.Equal(expected, actual);
        Assert.Equal(0x0102030405060709UL, cipher.Nonce);
    }

    [Fact]
    public void Encrypt_then_decrypt_round_trips_and_both_nonces_advance()
    {
        using var sender = new CipherState(KeyBytes);
        using var receiver = new CipherState(KeyBytes);
        for (var i = 0; i < 3; i++)
        {
            var ciphertext = sender.EncryptWithAd(Ad, Plaintext);
            Assert.Equal(Plaintext.Length + NoiseProtocol.TagLength, ciphertext.Length);
            Assert.Equal(Plaintext, receiver.DecryptWithAd(Ad, ciphertext));
        }

        Assert.Equal(3UL, sender.Nonce);
        Assert.Equal(3UL, receiver.Nonce);
    }

    [Fact]
    public void Without_a_key_encryption_is_the_identity()
    {
        using var cipher = new CipherState();
        Assert.False(cipher.HasKey);
        Assert.Equal(Plaintext, cipher.EncryptWithAd(Ad, Plaintext));
        Assert.Equal(Plaintext, cipher.DecryptWithAd(Ad, Plaintext));
        Assert.Equal(0UL, cipher.Nonce);
    }

    [Fact]
    public void Failed_decryption_is_a_NoiseException_and_does_not_advance_the_nonce()
    {
        using var sender = new CipherState(KeyBytes);
        using var receiver = new CipherState(KeyBytes);
        var ciphertext = sender.EncryptWithAd(Ad, Plaintext);
        var tampered = (byte[])ciphertext.Clone();
        tampered[0] ^= 1;

        var error = Assert.Throws<NoiseException>(() => receiver.DecryptWithAd(Ad, tampered));
        Assert.Equal(NoiseError.DecryptionFailed, error.Error);
        Assert.Equal(0UL, receiver.Nonce);

        // Wrong associated data fails the same way.
        Assert.Equal(NoiseError.DecryptionFailed, Assert.Throws<NoiseException>(() => receiver.DecryptWithAd([], ciphertext)).Error);

        // §5.1: the nonce did not move, so the genuine message still decrypts.
        Assert.Equal(Plaintext, receiver.DecryptWithAd(Ad, ciphertext));
    }

    [Fact]
    public void Nonce_2_pow_64_minus_1_is_reserved()
    {
        using var sender = new CipherState(KeyBytes);
        using var receiver = new CipherState(KeyBytes);
        sender.SetNonce(ulong.MaxValue - 1);
        receiver.SetNonce(ulong.MaxValue - 1);

        // The last usable nonce works ...
        var last = sender.EncryptWithAd(Ad, Plaintext);
        Assert.Equal(Plaintext, receiver.DecryptWithAd(Ad, last));

        // ... and then both directions refuse.
        Assert.Equal(NoiseError.NonceExhausted, Assert.Throws<NoiseException>(() => sender.EncryptWithAd(Ad, Plaintext)).Error);
        Assert.Equal(NoiseError.NonceExhausted, Assert.Throws<NoiseException>(() => receiver.DecryptWithAd(Ad, last)).Error);
    }

    [Fact]
    public void Rekey_follows_section_4_2_and_keeps_the_nonce()
    {
        using var cipher = new CipherState(KeyBytes);
        cipher.SetNonce(7);
        cipher.Rekey();
        Assert.Equal(7UL, cipher.Nonce);

        // REKEY(k) = ENCRYPT(k, 2^64-1, zerolen, zeros)[..32]
        var aead = AeadAlgorithm.ChaCha20Poly1305;
        using var oldKey = Key.Import(aead, KeyBytes, KeyBlobFormat.RawSymmetricKey);
        var maxNonce = new byte[12];
        maxNonce.AsSpan(4).Fill(0xff);
        var newKeyBytes = aead.Encrypt(oldKey, maxNonce, [], new byte[32])[..32];
        using var newKey = Key.Import(aead, newKeyBytes, KeyBlobFormat.RawSymmetricKey);
        byte[] nonce7 = [0, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0];

        Assert.Equal(aead.Encrypt(newKey, nonce7, Ad, Plaintext), cipher.EncryptWithAd(Ad, Plaintext));
    }

    [Fact]
    public void Messages_are_capped_at_65535_bytes()
    {
        using var cipher = new CipherState(KeyBytes);
        var largest = cipher.EncryptWithAd([], new byte[NoiseProtocol.MaxTransportPayloadLength]);
        Assert.Equal(NoiseProtocol.MaxMessageLength, largest.Length);

        Assert.Equal(NoiseError.MessageTooLong,
            Assert.Throws<NoiseException>(() => cipher.EncryptWithAd([], new byte[NoiseProtocol.MaxTransportPayloadLength + 1])).Error);
        Assert.Equal(NoiseError.MessageTooLong,
            Assert.Throws<NoiseException>(() => cipher.DecryptWithAd([], new byte[NoiseProtocol.MaxMessageLength + 1])).Error);
        Assert.Equal(NoiseError.MessageTooShort,
            Assert.Throws<NoiseException>(() => cipher.DecryptWithAd([], new byte[NoiseProtocol.TagLength - 1])).Error);
    }

    [Fact]
    public void Short_destination_buffers_are_argument_errors_not_crashes()
    {
        using var cipher = new CipherState(KeyBytes);
        Assert.Throws<ArgumentException>(() => cipher.EncryptWithAd([], Plaintext, new byte[Plaintext.Length]));
        Assert.Equal(0UL, cipher.Nonce);
    }
}

using System.Security.Cryptography;
using Datom.Log.Identity;
using Datom.Sync.Noise;
using NSec.Cryptography;

namespace Datom.Sync.Protocol;

/// <summary>
/// A node's identity as the transport uses it: its Ed25519 node id, the X25519 static key its Noise
/// handshakes use, and the proof that binds the two.
/// </summary>
/// <remarks>
/// <para>The X25519 key is derived from the Ed25519 seed: <c>sk = BLAKE2b-256-MAC(key = seed,
/// "datom.noise.x25519.v1")</c>. NSec does not expose libsodium's <c>crypto_sign_ed25519_sk_to_curve25519</c>
/// (the RFC 7748/8032 birational map), and a separate derived key avoids using one scalar for both
/// signatures and key agreement. The key is stable, so a node has one Noise identity.</para>
/// <para>The binding: the node signs <c>"datom.noise.v1\0" || X25519 public key</c> with its Ed25519
/// key (domain-separated from entry signatures, which begin "datom.entry.v1\0"). A peer checks that
/// signature against the static key the handshake authenticated; the handshake itself proves
/// possession of the X25519 private key, the signature proves that the Ed25519 key owner chose it.
/// Replaying another node's proof is useless without that node's X25519 private key (as in
/// libp2p's Noise handshake, which signs its static key the same way).</para>
/// </remarks>
public sealed class SyncIdentity : IDisposable
{
    public const int ProofSize = 64;

    private static ReadOnlySpan<byte> ProofDomain => "datom.noise.v1\0"u8;

    private static ReadOnlySpan<byte> KeyDerivationLabel => "datom.noise.x25519.v1"u8;

    private SyncIdentity(NodeId id, NoiseKeyPair staticKey, byte[] proof)
    {
        Id = id;
        StaticKey = staticKey;
        Proof = proof;
    }

    public NodeId Id { get; }

    /// <summary>
    /// This running node among any others using the same key (a data directory copied to a second
    /// machine, a node restored from backup): random per process, sent in the Hello, so that a peer
    /// keeps one connection per (node id, instance) and both copies stay connected rather than
    /// fighting over one slot. Not secret and not proof of anything: only holders of the key can
    /// claim one, and all a claim gets is a connection slot of its own.
    /// </summary>
    public ulong Instance { get; } = NewInstance();

    /// <summary>The Noise static key pair (X25519).</summary>
    internal NoiseKeyPair StaticKey { get; }

    /// <summary>The Ed25519 signature over <see cref="ProofMessage"/> of the static public key.</summary>
    internal byte[] Proof { get; }

    public ReadOnlySpan<byte> StaticPublicKey => StaticKey.PublicKey;

    public static SyncIdentity Create(NodeIdentity identity)
    {
        ArgumentNullException.ThrowIfNull(identity);
        var staticKey = NoiseKeyPair.FromPrivateKey(DeriveStaticPrivateKey(identity));
        var proof = new byte[ProofSize];
        identity.Sign(ProofMessage(staticKey.PublicKey), proof);
        return new SyncIdentity(identity.Id, staticKey, proof);
    }

    /// <summary>The 32-byte X25519 private key for <paramref name="identity"/> (callers wipe it).</summary>
    internal static byte[] DeriveStaticPrivateKey(NodeIdentity identity)
    {
        var seed = identity.ExportSeed();
        try
        {
            var mac = MacAlgorithm.Blake2b_256;
            using var key = Key.Import(mac, seed, KeyBlobFormat.RawSymmetricKey);
            return mac.Mac(key, KeyDerivationLabel);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(seed);
        }
    }

    /// <summary>What the identity proof signs: the domain, then the X25519 static public key.</summary>
    public static byte[] ProofMessage(ReadOnlySpan<byte> staticPublicKey)
    {
        var message = new byte[ProofDomain.Length + staticPublicKey.Length];
        ProofDomain.CopyTo(message);
        staticPublicKey.CopyTo(message.AsSpan(ProofDomain.Length));
        return message;
    }

    /// <summary>True if <paramref name="proof"/> is <paramref name="id"/>'s signature binding it to <paramref name="staticPublicKey"/>.</summary>
    public static bool VerifyProof(NodeId id, ReadOnlySpan<byte> staticPublicKey, ReadOnlySpan<byte> proof) =>
        proof.Length == ProofSize && NodeIdentity.Verify(id, ProofMessage(staticPublicKey), proof);

    /// <summary>This node's Hello: the identity proof, what it accepts and, if given, its wall clock now.</summary>
    internal HelloMessage Hello(FrameLimits limits, string agent, long? wallClock = null) =>
        new(SyncProtocol.Version, Id, Proof, limits.MaxFrameBytes, agent, wallClock, Instance);

    private static ulong NewInstance()
    {
        Span<byte> bytes = stackalloc byte[8];
        System.Security.Cryptography.RandomNumberGenerator.Fill(bytes);
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(bytes);
    }

    public void Dispose() => StaticKey.Dispose();
}

using NSec.Cryptography;

namespace Datom.Log.Identity;

/// <summary>
/// A node's Ed25519 key pair. The private key lives in <c>identity/node.key</c> (raw 32-byte seed
/// as RFC 8410 text, file mode 0600); the public key is the <see cref="NodeId"/>.
/// </summary>
public sealed class NodeIdentity : IDisposable
{
    public const string DirectoryName = "identity";
    public const string KeyFileName = "node.key";

    private static readonly SignatureAlgorithm Ed25519 = SignatureAlgorithm.Ed25519;

    private readonly Key _key;

    private NodeIdentity(Key key)
    {
        _key = key;
        Id = new NodeId(key.PublicKey.Export(KeyBlobFormat.RawPublicKey));
    }

    public NodeId Id { get; }

    public const int SignatureSize = 64;

    public static NodeIdentity Generate() =>
        new(Key.Create(Ed25519, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport }));

    public static NodeIdentity FromSeed(ReadOnlySpan<byte> seed) =>
        new(Key.Import(Ed25519, seed, KeyBlobFormat.RawPrivateKey, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport }));

    public static string KeyPath(string dataDirectory) => Path.Combine(dataDirectory, DirectoryName, KeyFileName);

    public static bool Exists(string dataDirectory) => File.Exists(KeyPath(dataDirectory));

    /// <summary>Creates the key file; refuses to replace one that exists.</summary>
    public static NodeIdentity Create(string dataDirectory)
    {
        var path = KeyPath(dataDirectory);
        if (File.Exists(path))
            throw new IdentityException($"{path}: an identity already exists; refusing to overwrite it");
        var identity = Generate();
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var text = identity._key.Export(KeyBlobFormat.PkixPrivateKeyText);
        SecretFile.WriteNew(path, text);
        return identity;
    }

    public static NodeIdentity Load(string dataDirectory)
    {
        var path = KeyPath(dataDirectory);
        if (!File.Exists(path))
            throw new IdentityException($"{path}: no identity here; run 'datom init --data {dataDirectory}' first");
        SecretFile.CheckMode(path);
        var bytes = File.ReadAllBytes(path);
        // Exportable: Sync derives the node's X25519 transport key from this seed.
        if (!Key.TryImport(Ed25519, bytes, KeyBlobFormat.PkixPrivateKeyText, out var key, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport }))
            throw new IdentityException($"{path}: not an Ed25519 private key in PEM (RFC 8410) form");
        return new NodeIdentity(key!);
    }

    public void Sign(ReadOnlySpan<byte> data, Span<byte> signature) => Ed25519.Sign(_key, data, signature);

    public static bool Verify(NodeId author, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        if (!PublicKey.TryImport(Ed25519, author.PublicKey, KeyBlobFormat.RawPublicKey, out var publicKey))
            return false;
        return Ed25519.Verify(publicKey!, data, signature);
    }

    /// <summary>The 32-byte seed, for deriving the X25519 transport key (Sync binds it to this identity).</summary>
    public byte[] ExportSeed() => _key.Export(KeyBlobFormat.RawPrivateKey);

    public void Dispose() => _key.Dispose();
}

public sealed class IdentityException(string message) : Exception(message);

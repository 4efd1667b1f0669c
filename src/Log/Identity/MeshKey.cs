using System.Security.Cryptography;

namespace Datom.Log.Identity;

/// <summary>
/// The 32-byte pre-shared key of a mesh (the Noise PSK). The first node creates it; every other
/// node is given a copy of the file. Stored as one line of base64, file mode 0600.
/// </summary>
public sealed class MeshKey
{
    public const int Size = 32;
    public const string FileName = "mesh.key";

    private readonly byte[] _key;

    private MeshKey(byte[] key) => _key = key;

    public ReadOnlySpan<byte> Bytes => _key;

    /// <summary>A short, non-secret fingerprint for logs and mDNS TXT records (BLAKE2b-256, first 8 bytes, hex).</summary>
    public string Id
    {
        get
        {
            Span<byte> digest = stackalloc byte[32];
            NSec.Cryptography.HashAlgorithm.Blake2b_256.Hash(_key, digest);
            return Convert.ToHexStringLower(digest[..8]);
        }
    }

    public static MeshKey Generate() => new(RandomNumberGenerator.GetBytes(Size));

    public static MeshKey Read(string path)
    {
        if (!File.Exists(path))
            throw new IdentityException($"{path}: mesh key file not found");
        SecretFile.CheckMode(path);
        var text = File.ReadAllText(path).Trim();
        byte[] key;
        try
        {
            key = Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            throw new IdentityException($"{path}: a mesh key file holds one line of base64");
        }
        if (key.Length != Size)
            throw new IdentityException($"{path}: a mesh key is {Size} bytes, this one is {key.Length}");
        return new MeshKey(key);
    }

    public void Write(string path) => SecretFile.WriteNew(path, System.Text.Encoding.ASCII.GetBytes(Convert.ToBase64String(_key) + "\n"));

    /// <summary>Joins the mesh whose key is in <paramref name="path"/>, creating a new mesh if the file does not exist.</summary>
    public static (MeshKey Key, bool Created) OpenOrCreate(string path)
    {
        if (File.Exists(path))
            return (Read(path), false);
        var key = Generate();
        key.Write(path);
        return (key, true);
    }
}

/// <summary>
/// Files that hold secrets: created with mode 0600 and all at once, refused when others can read them.
/// </summary>
internal static class SecretFile
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>
    /// Writes a new file atomically: the content goes to a temporary file that is synced and then
    /// moved into place without replacing anything, and the directory is synced. A crash leaves
    /// either no file or the whole file, never an empty key that would lock the node out.
    /// </summary>
    public static void WriteNew(string path, ReadOnlySpan<byte> content)
    {
        var full = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(full)!;
        if (File.Exists(full))
            throw new IOException($"{full}: exists; refusing to replace it");
        var temporary = Path.Combine(directory, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = OwnerOnly;
        try
        {
            using (var file = new FileStream(temporary, options))
            {
                file.Write(content);
                file.Flush(flushToDisk: true);
            }
            File.Move(temporary, full, overwrite: false);
        }
        finally
        {
            File.Delete(temporary);
        }
        Storage.DirectorySync.Sync(directory);
    }

    public static void CheckMode(string path)
    {
        if (OperatingSystem.IsWindows())
            return;
        var mode = File.GetUnixFileMode(path);
        if ((mode & (UnixFileMode.GroupRead | UnixFileMode.OtherRead | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0)
            throw new IdentityException($"{path}: secret file is readable by others (mode {Convert.ToString((int)mode, 8)}); run 'chmod 600 {path}'");
    }
}

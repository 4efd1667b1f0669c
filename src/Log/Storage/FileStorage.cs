using Microsoft.Win32.SafeHandles;

namespace Datom.Log.Storage;

/// <summary>The real disk: one directory, positional I/O through <see cref="RandomAccess"/>.</summary>
public sealed class FileStorage : IStorage
{
    private readonly string _directory;

    public FileStorage(string directory)
    {
        _directory = Path.GetFullPath(directory);
        if (!Directory.Exists(_directory))
        {
            Directory.CreateDirectory(_directory);
            NativeMethods.SyncDirectory(Path.GetDirectoryName(_directory)!);
        }
    }

    public string DirectoryPath => _directory;

    public IReadOnlyList<string> List()
    {
        var names = Directory.EnumerateFiles(_directory).Select(Path.GetFileName).OfType<string>().ToList();
        names.Sort(StringComparer.Ordinal);
        return names;
    }

    public bool Exists(string name) => File.Exists(Full(name));

    public IStorageFile Open(string name) =>
        new RealFile(File.OpenHandle(Full(name), FileMode.Open, FileAccess.ReadWrite, FileShare.Read), Full(name));

    public IStorageFile Create(string name) =>
        new RealFile(File.OpenHandle(Full(name), FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read), Full(name));

    public void Delete(string name) => File.Delete(Full(name));

    public void SyncDirectory() => NativeMethods.SyncDirectory(_directory);

    public string Describe(string name) => Full(name);

    private string Full(string name)
    {
        if (name.Contains('/', StringComparison.Ordinal) || name is "." or "..")
            throw new ArgumentException($"'{name}' is not a plain file name", nameof(name));
        return Path.Combine(_directory, name);
    }

    private sealed class RealFile(SafeFileHandle handle, string path) : IStorageFile
    {
        public long Length => RandomAccess.GetLength(handle);

        public int Read(long offset, Span<byte> buffer)
        {
            var total = 0;
            while (total < buffer.Length)
            {
                var n = RandomAccess.Read(handle, buffer[total..], offset + total);
                if (n == 0)
                    break;
                total += n;
            }
            return total;
        }

        public void Write(long offset, ReadOnlySpan<byte> data) => RandomAccess.Write(handle, data, offset);

        public void Sync() => NativeMethods.DataSync(handle, path);

        public void Truncate(long length) => RandomAccess.SetLength(handle, length);

        public void Dispose() => handle.Dispose();
    }
}

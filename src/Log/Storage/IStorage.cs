namespace Datom.Log.Storage;

/// <summary>
/// A flat directory of files, the only way the log touches a disk. One real implementation
/// (<see cref="FileStorage"/>) and one simulated (<see cref="MemoryStorage"/>), which the
/// deterministic simulator crashes at will; both pass the same contract tests.
/// </summary>
/// <remarks>
/// Durability contract, as POSIX gives it: bytes written to a file survive a crash only after
/// <see cref="IStorageFile.Sync"/>; a file's creation, deletion or rename survives only after
/// <see cref="SyncDirectory"/>.
/// </remarks>
public interface IStorage
{
    /// <summary>Names of the files present, in ordinal order.</summary>
    IReadOnlyList<string> List();

    bool Exists(string name);

    /// <summary>Opens an existing file for reading and writing.</summary>
    IStorageFile Open(string name);

    /// <summary>Creates a new, empty file; fails if one exists.</summary>
    IStorageFile Create(string name);

    void Delete(string name);

    void SyncDirectory();

    /// <summary>A human-readable name for errors: the path on disk, or the simulated name.</summary>
    string Describe(string name);
}

public interface IStorageFile : IDisposable
{
    long Length { get; }

    /// <summary>Reads up to <c>buffer.Length</c> bytes at <paramref name="offset"/>; returns how many were read (fewer only at the end).</summary>
    int Read(long offset, Span<byte> buffer);

    void Write(long offset, ReadOnlySpan<byte> data);

    /// <summary>Makes every write so far durable (fdatasync).</summary>
    void Sync();

    void Truncate(long length);
}

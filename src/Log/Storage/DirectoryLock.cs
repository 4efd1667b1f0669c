using System.Text;

namespace Datom.Log.Storage;

/// <summary>
/// Exclusive ownership of a data directory, so that there is never a second writer. Holds an
/// exclusive advisory lock (flock, which .NET takes for <see cref="FileShare.None"/> on Unix) on
/// <c>DIR/LOCK</c> for as long as the process lives; the kernel drops it if the process dies, so a
/// stale file never blocks. <c>DIR/LOCK.holder</c> names the holder (pid and what it is) for the error
/// others see; it is a separate file because .NET reads take a shared flock, which the holder's
/// exclusive one refuses.
/// </summary>
public sealed class DirectoryLock : IDisposable
{
    public const string FileName = "LOCK";
    public const string HolderFileName = "LOCK.holder";

    private readonly FileStream _file;

    private DirectoryLock(FileStream file) => _file = file;

    public static DirectoryLock Acquire(string dataDirectory, string holder)
    {
        Directory.CreateDirectory(dataDirectory);
        var path = Path.Combine(dataDirectory, FileName);
        FileStream file;
        try
        {
            file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            throw new DirectoryLockedException(path, ReadHolder(Path.Combine(dataDirectory, HolderFileName)));
        }
        File.WriteAllText(Path.Combine(dataDirectory, HolderFileName), $"pid {Environment.ProcessId} ({holder}), since {DateTimeOffset.UtcNow:yyyy-MM-dd'T'HH:mm:ss'Z'}\n", Encoding.UTF8);
        return new DirectoryLock(file);
    }

    public void Dispose() => _file.Dispose();

    private static string ReadHolder(string path)
    {
        try
        {
            var text = File.ReadAllText(path).Trim();
            return text.Length > 0 ? text : "another process";
        }
        catch (IOException)
        {
            return "another process";
        }
    }
}

public sealed class DirectoryLockedException(string path, string holder)
    : IOException($"{path}: data directory is in use by {holder}")
{
    public string Holder { get; } = holder;
}

using System.Text;

namespace Datom.Log.Storage;

/// <summary>
/// Exclusive ownership of a data directory, so that there is never a second writer. Holds an
/// exclusive advisory lock (flock, which .NET takes for <see cref="FileShare.None"/> on Unix) on
/// <c>DIR/LOCK</c> for as long as the process lives; the kernel drops it if the process dies, so a
/// stale file never blocks. The file names its holder (pid and what it is) for the error others see.
/// </summary>
public sealed class DirectoryLock : IDisposable
{
    public const string FileName = "LOCK";

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
            throw new DirectoryLockedException(path, ReadHolder(path));
        }
        file.SetLength(0);
        var text = Encoding.UTF8.GetBytes($"pid {Environment.ProcessId}: {holder}\n");
        file.Write(text);
        file.Flush();
        return new DirectoryLock(file);
    }

    public void Dispose() => _file.Dispose();

    private static string ReadHolder(string path)
    {
        try
        {
            // FileShare.ReadWrite takes no lock of its own, so this reads while another process holds it.
            using var reader = new StreamReader(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
            var text = reader.ReadToEnd().Trim();
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

using System.Runtime.InteropServices;

namespace Datom.Log.Storage;

/// <summary>
/// The one place that calls libc directly: .NET has no API to fsync a directory (needed so that a new
/// segment's directory entry is durable, POSIX fsync(2)) nor to fdatasync a file.
/// </summary>
internal static partial class NativeMethods
{
    private const int ORdOnly = 0;
    private const int ODirectory = 0x10000; // Linux x86-64 and arm64 value of O_DIRECTORY

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8, EntryPoint = "open")]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", SetLastError = true, EntryPoint = "fsync")]
    private static partial int FSync(int fd);

    [LibraryImport("libc", SetLastError = true, EntryPoint = "fdatasync")]
    private static partial int FDataSync(nint fd);

    [LibraryImport("libc", SetLastError = true, EntryPoint = "close")]
    private static partial int Close(int fd);

    public static void SyncDirectory(string path)
    {
        if (!OperatingSystem.IsLinux())
            return; // Other platforms: directory sync is not expressible this way; Linux is the target.
        var fd = Open(path, ORdOnly | ODirectory);
        if (fd < 0)
            throw new IOException($"{path}: cannot open directory to sync it (errno {Marshal.GetLastPInvokeError()})");
        try
        {
            if (FSync(fd) != 0)
                throw new IOException($"{path}: fsync of directory failed (errno {Marshal.GetLastPInvokeError()})");
        }
        finally
        {
            _ = Close(fd);
        }
    }

    public static void DataSync(Microsoft.Win32.SafeHandles.SafeFileHandle handle, string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            RandomAccess.FlushToDisk(handle);
            return;
        }
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            if (FDataSync(handle.DangerousGetHandle()) != 0)
                throw new IOException($"{path}: fdatasync failed (errno {Marshal.GetLastPInvokeError()})");
        }
        finally
        {
            if (added)
                handle.DangerousRelease();
        }
    }
}

public static class DirectorySync
{
    public static void Sync(string path) => NativeMethods.SyncDirectory(path);
}

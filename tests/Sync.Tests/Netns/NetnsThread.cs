using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Datom.Sync.Tests.Netns;

/// <summary>
/// Runs a function on a fresh thread that has entered a network namespace (setns(2) with
/// CLONE_NEWNET changes the calling thread only). Sockets created there live in that namespace and
/// keep working from any thread afterwards, so a test can open real sockets inside a namespace
/// without a child process. The thread goes back to its own namespace and ends, so no pool thread
/// is ever left in another namespace.
/// </summary>
public static class NetnsThread
{
    private const int CloneNewNet = 0x40000000;

    public static T Run<T>(string ns, Func<T> action)
    {
        T? result = default;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var home = File.OpenHandle("/proc/thread-self/ns/net");
                using var target = File.OpenHandle($"/run/netns/{ns}");
                Enter(target, ns);
                try
                {
                    result = action();
                }
                finally
                {
                    Enter(home, "the test's own namespace");
                }
            }
            catch (Exception ex)
            {
                failure = ex;
            }
        });
        thread.Start();
        if (!thread.Join(TimeSpan.FromSeconds(30)))
            throw new TimeoutException($"the work inside {ns} did not finish within 30 s");
        if (failure is not null)
            throw new InvalidOperationException($"inside network namespace {ns}: {failure.Message}", failure);
        return result!;
    }

    private static void Enter(SafeFileHandle handle, string what)
    {
        if (setns((int)handle.DangerousGetHandle(), CloneNewNet) != 0)
            throw new InvalidOperationException($"setns into {what} failed (errno {Marshal.GetLastPInvokeError()})");
    }

    // DllImport rather than LibraryImport: LibraryImport's generated code needs AllowUnsafeBlocks,
    // and two int arguments need no marshalling.
    [DllImport("libc", SetLastError = true)]
    private static extern int setns(int fd, int nstype);
}

using System.Runtime.InteropServices;

namespace Datom.Node.Bench;

/// <summary>
/// The calling thread's CPU time, from POSIX <c>clock_gettime(CLOCK_THREAD_CPUTIME_ID)</c> (Linux's
/// clock id 3), at nanosecond resolution; .NET's <c>Process.TotalProcessorTime</c> counts every
/// thread of the process. NaN where the call is not available.
/// </summary>
internal static class ThreadCpu
{
    private const int ClockThreadCpuTimeId = 3;

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int ClockGetTime(int clock, out Timespec time);

    public static double Milliseconds()
    {
        if (!OperatingSystem.IsLinux())
            return double.NaN;
        try
        {
            return ClockGetTime(ClockThreadCpuTimeId, out var t) == 0 ? (t.Seconds * 1000.0) + (t.Nanoseconds / 1e6) : double.NaN;
        }
        catch (DllNotFoundException)
        {
            return double.NaN;
        }
        catch (EntryPointNotFoundException)
        {
            return double.NaN;
        }
    }
}

using Datom.Sync.Tests.Netns;

namespace Datom.Node.Tests.Mesh;

/// <summary>
/// A wrong wall clock for one node's processes, by libfaketime (Debian's <c>faketime</c> package,
/// installed by <c>scripts/install-faketime.sh</c> when missing). The library is preloaded into the
/// process itself rather than run through the <c>faketime</c> wrapper, so the process a test starts
/// and signals is datom's own. The monotonic clock moves by the same constant, which changes no
/// interval the process measures. (Leaving it true with FAKETIME_DONT_FAKE_MONOTONIC=1 breaks
/// libfaketime's own pthread_cond_timedwait wrapper: a daemon so started died of SIGTERM, exit 143,
/// instead of stopping cleanly.)
/// </summary>
internal static class FakeClock
{
    private static readonly Lazy<string> Library = new(FindOrInstall);

    /// <summary>The environment that runs a process with its wall clock off by <paramref name="offset"/> (libfaketime's syntax: <c>+365d</c>, <c>-1d</c>, <c>+30s</c>).</summary>
    public static IEnumerable<KeyValuePair<string, string>> Environment(string offset) =>
    [
        new("LD_PRELOAD", Library.Value),
        new("FAKETIME", offset),
    ];

    private static string FindOrInstall()
    {
        if (Find() is { } found)
            return found;
        var script = Path.Combine(DatomProcess.RepositoryRoot, "scripts", "install-faketime.sh");
        var (code, output, error) = NetworkNamespaces.TryRun("sh", [script], TimeSpan.FromMinutes(5));
        return Find() ?? throw new InvalidOperationException($"libfaketime is missing and {script} did not install it (exit {code}):\n{output}{error}");
    }

    /// <summary>The thread-safe build of the library (a .NET process has many threads), wherever the multiarch layout put it.</summary>
    private static string? Find() =>
        Directory.Exists("/usr/lib")
            ? Directory.EnumerateDirectories("/usr/lib")
                .Select(dir => Path.Combine(dir, "faketime", "libfaketimeMT.so.1"))
                .FirstOrDefault(File.Exists)
            : null;
}

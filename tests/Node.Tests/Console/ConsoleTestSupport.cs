using Datom.Sync.Tests.Netns;

namespace Datom.Node.Tests.Console;

/// <summary>Where the console's front-end sources, its browser driver and the install scripts are.</summary>
internal static class ConsoleTestSupport
{
    public static string RepoRoot { get; } = FindRoot();

    public static string BrowserDirectory => Path.Combine(RepoRoot, "tests", "Node.Tests", "Console", "browser");

    public static string WebDirectory => Path.Combine(RepoRoot, "src", "Node", "WebConsole", "web");

    /// <summary>node, by full path (<c>ip netns exec</c> does not search PATH as a shell does); null if missing.</summary>
    public static string Node => NetworkNamespaces.FindExecutable("node") ?? throw new InvalidOperationException("node is missing: install Debian's nodejs");

    /// <summary>Runs one of the repository's install scripts; throws with its output if it fails.</summary>
    public static void Install(string script, TimeSpan timeout)
    {
        var (code, stdout, stderr) = NetworkNamespaces.TryRun("sh", [Path.Combine(RepoRoot, "scripts", script)], timeout);
        if (code != 0)
            throw new InvalidOperationException($"scripts/{script} failed ({code}):\n{stdout}\n{stderr}");
    }

    /// <summary>Runs a command in a directory; returns its exit code and output.</summary>
    public static (int Code, string Output) Run(string directory, string file, string[] args, TimeSpan timeout)
    {
        var (code, stdout, stderr) = NetworkNamespaces.TryRun("sh", ["-c", "cd \"$0\" && exec \"$@\"", directory, file, .. args], timeout);
        return (code, stdout + stderr);
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Datom.P2P.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException($"no Datom.P2P.sln above {AppContext.BaseDirectory}");
    }
}

using System.ComponentModel;
using System.Diagnostics;

namespace Datom.Vm.Tests.Support;

/// <summary>
/// Stock git, run as a user runs it (their configuration and all), to check what `datom code
/// export --git` wrote with a tool we did not write. Shared with Node.Tests.
/// </summary>
internal static class StockGit
{
    /// <summary>Runs <c>git -C directory args</c>; returns its standard output, or throws with its error if it fails.</summary>
    public static string Run(string directory, params string[] args)
    {
        var info = new ProcessStartInfo("git") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("-C");
        info.ArgumentList.Add(directory);
        foreach (var a in args)
            info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"git {string.Join(' ', args)}: {error}");
        return output;
    }

    public static bool IsAvailable()
    {
        try
        {
            Run(Path.GetTempPath(), "--version");
            return true;
        }
        catch (Win32Exception)
        {
            return false;
        }
    }
}

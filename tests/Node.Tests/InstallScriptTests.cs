using System.Diagnostics;
using System.Text.RegularExpressions;
using Datom.Node.Tests.Nrepl;
using Xunit;

namespace Datom.Node.Tests;

/// <summary>A fact that publishes the whole node (minutes): runs only when DATOM_SLOW=1, and says so when skipped.</summary>
public sealed class SlowFactAttribute : FactAttribute
{
    public SlowFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("DATOM_SLOW") != "1")
            Skip = "publishes a self-contained datom (minutes); set DATOM_SLOW=1 to run it";
    }
}

/// <summary>The README's install command, on a fresh clone, into a fresh prefix: then <c>datom</c> runs from the PATH.</summary>
public partial class InstallScriptTests
{
    [GeneratedRegex(@"^datom \d+\.\d+\.\d+\+[0-9a-f]{7,40}$")]
    private static partial Regex VersionLine();

    [SlowFact]
    public void The_readme_install_command_puts_a_working_datom_on_the_path()
    {
        using var dir = new TempDirectory();
        var root = DatomProcess.RepositoryRoot;
        // A fresh machine has the repository as a clone has it: what is committed, nothing built.
        var clone = dir.Sub("clone");
        Assert.Equal(0, Run("git", ["clone", "-q", root, clone], root).ExitCode);
        var prefix = dir.Sub("prefix");
        var installed = Run("bash", [Path.Combine(clone, "scripts", "install.sh"), "--prefix", prefix], clone);
        Assert.True(installed.ExitCode == 0, installed.Output);
        Assert.Contains($"installed {prefix}/bin/datom", installed.Output, StringComparison.Ordinal);

        // From the PATH, as a user types it.
        var path = $"{prefix}/bin:/usr/bin:/bin";
        var version = Run("sh", ["-c", "datom --version"], dir.Path, path);
        Assert.Equal(0, version.ExitCode);
        Assert.Matches(VersionLine(), "datom " + version.Output.Trim());
        var init = Run("sh", ["-c", $"datom init --data '{dir.Sub("data")}'"], dir.Path, path);
        Assert.True(init.ExitCode == 0, init.Output);
        var repl = Run("sh", ["-c", $"echo '(+ 1 2)' | datom repl --data '{dir.Sub("data")}'"], dir.Path, path);
        Assert.Equal("3", repl.Output.Trim());
    }

    private static (int ExitCode, string Output) Run(string file, string[] args, string workingDirectory, string? path = null)
    {
        var info = new ProcessStartInfo(file, args) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        if (path is not null)
            info.Environment["PATH"] = path;
        info.Environment.Remove("DATOM_DATA");
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(30)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish in 30 minutes");
        }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }
}

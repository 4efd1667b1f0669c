using System.Diagnostics;
using Datom.Node.Daemon;
using Xunit;

namespace Datom.Node.Tests.Daemon;

/// <summary>
/// <c>daemon.json</c> names its daemon by pid and kernel start time, so a file left by a killed
/// daemon whose pid now belongs to another process is known to be stale however soon that
/// process started.
/// </summary>
public sealed class DaemonFileTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("datom-daemonfile-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    [Fact]
    public void The_file_of_a_live_daemon_is_read_back()
    {
        var file = DaemonFile.ForThisProcess("/run/x.sock", "node", DateTimeOffset.UtcNow);
        Assert.NotNull(file.ProcessStart);
        file.Write(directory);
        Assert.Equal(file, DaemonFile.Read(directory));
    }

    [Fact]
    public void A_pid_taken_by_another_process_at_once_makes_the_file_stale()
    {
        using var other = Process.Start(new ProcessStartInfo("sleep", "30") { UseShellExecute = false })!;
        try
        {
            // The daemon wrote its file a moment ago; its pid is now the sleeper's.
            var file = DaemonFile.ForThisProcess("/run/x.sock", "node", DateTimeOffset.UtcNow) with { Pid = other.Id };
            file.Write(directory);
            Assert.Null(DaemonFile.Read(directory));
        }
        finally
        {
            other.Kill();
        }
    }

    [Fact]
    public void The_start_time_is_counted_from_the_last_parenthesis_of_the_command_name()
    {
        // A command name may hold spaces and ')': fields are counted from the last ')'.
        const string Stat = "4242 (we ird) name) S 1 4242 4242 0 -1 4194560 100 0 0 0 5 3 0 0 20 0 1 0 987654 12345678 200";
        Assert.Equal(987654, DaemonFile.ParseStartTicks(Stat));
        Assert.Null(DaemonFile.ParseStartTicks("4242 (short) S 1"));
        Assert.Null(DaemonFile.ParseStartTicks("garbage"));
        Assert.True(DaemonFile.KernelStartTicks(Environment.ProcessId) > 0);
        Assert.Null(DaemonFile.KernelStartTicks(int.MaxValue));
    }
}

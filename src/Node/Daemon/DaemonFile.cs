using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Datom.Node.Daemon;

/// <summary>
/// <c>DIR/daemon.json</c>: left by a running daemon so the CLI can find its API socket (which the
/// config may put anywhere). Written atomically once the API listens, removed on a clean stop. A
/// stale file (the daemon was killed) is ignored: its pid is gone, or now names another process
/// (see <see cref="Read"/>); the next daemon overwrites it.
/// </summary>
/// <param name="ProcessStart">
/// When the kernel started the daemon's process, in clock ticks since boot (field 22 of
/// <c>/proc/PID/stat</c>); with the pid it names one process for as long as the machine runs.
/// Null where there is no <c>/proc</c>, and in files from daemons that did not write it.
/// </param>
internal sealed record DaemonFile(
    [property: JsonPropertyName("pid")] int Pid,
    [property: JsonPropertyName("process_start")] long? ProcessStart,
    [property: JsonPropertyName("socket")] string Socket,
    [property: JsonPropertyName("node")] string Node,
    [property: JsonPropertyName("started")] DateTimeOffset Started)
{
    public const string FileName = "daemon.json";

    /// <summary>
    /// Without <see cref="ProcessStart"/>: a process that started this long after the daemon says
    /// it did is not the daemon (the two times come from different clocks).
    /// </summary>
    private static readonly TimeSpan StartTolerance = TimeSpan.FromSeconds(2);

    /// <summary>The file this process writes as a daemon.</summary>
    public static DaemonFile ForThisProcess(string socket, string node, DateTimeOffset started) =>
        new(Environment.ProcessId, KernelStartTicks(Environment.ProcessId), socket, node, started);

    /// <summary>
    /// The daemon file in <paramref name="dataDirectory"/>; null if there is none, it cannot be
    /// read, or it is stale: its pid now belongs to another process. A pid is reused only after its
    /// process ended, and after a crash and a reboot pids start over, so a small daemon pid is
    /// likely taken by some other program; trusting the file then would send every command to a
    /// socket nobody listens on.
    /// </summary>
    public static DaemonFile? Read(string dataDirectory)
    {
        DaemonFile? file;
        try
        {
            var text = File.ReadAllText(Path.Combine(dataDirectory, FileName));
            file = JsonSerializer.Deserialize(text, DaemonFileJson.Default.DaemonFile);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            return null;
        }
        return file is not null && file.NamesAnotherProcess() ? null : file;
    }

    /// <summary>Whether the file's pid is taken by a process other than the daemon that wrote it.</summary>
    private bool NamesAnotherProcess()
    {
        if (ProcessStart is { } written && KernelStartTicks(Pid) is { } now)
            return now != written;
        return StartedAfter(Pid, Started);
    }

    /// <summary>Field 22 (starttime) of <c>/proc/PID/stat</c>; null if the process is gone or there is no <c>/proc</c>.</summary>
    internal static long? KernelStartTicks(int pid)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        return ParseStartTicks(stat);
    }

    /// <summary>The starttime field of a <c>/proc/PID/stat</c> line; null if it has none.</summary>
    internal static long? ParseStartTicks(string stat)
    {
        // "PID (COMM) STATE PPID ...": COMM may hold spaces and parentheses, so count from the last ')'.
        var close = stat.LastIndexOf(')');
        if (close < 0)
            return null;
        var fields = stat[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        const int StartTimeAfterComm = 22 - 3; // fields 3.. follow the ')'
        return fields.Length > StartTimeAfterComm && long.TryParse(fields[StartTimeAfterComm], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
            ? ticks
            : null;
    }

    /// <summary>Whether process <paramref name="pid"/> exists and started after <paramref name="started"/> (with <see cref="StartTolerance"/>).</summary>
    private static bool StartedAfter(int pid, DateTimeOffset started)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return process.StartTime.ToUniversalTime() > started.UtcDateTime + StartTolerance;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException)
        {
            return false; // gone (IsAlive says so), or its start unknown: as before, the pid decides
        }
    }

    public void Write(string dataDirectory)
    {
        var path = Path.Combine(dataDirectory, FileName);
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(this, DaemonFileJson.Default.DaemonFile));
        File.Move(temporary, path, overwrite: true);
    }

    public static void Remove(string dataDirectory, int pid)
    {
        // Only our own: a daemon that lost a race for the lock must not remove the winner's file.
        if (Read(dataDirectory) is { } file && file.Pid == pid)
            File.Delete(Path.Combine(dataDirectory, FileName));
    }

    public static bool IsAlive(int pid) => pid > 0 && Directory.Exists($"/proc/{pid}");
}

[JsonSerializable(typeof(DaemonFile))]
internal sealed partial class DaemonFileJson : JsonSerializerContext;

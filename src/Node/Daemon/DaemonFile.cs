using System.Text.Json;
using System.Text.Json.Serialization;

namespace Datom.Node.Daemon;

/// <summary>
/// <c>DIR/daemon.json</c>: left by a running daemon so the CLI can find its API socket (which the
/// config may put anywhere). Written atomically once the API listens, removed on a clean stop. A
/// stale file (the daemon was killed) is ignored: its pid is gone, or belongs to a process that
/// started after the daemon (see <see cref="Read"/>); the next daemon overwrites it.
/// </summary>
internal sealed record DaemonFile(
    [property: JsonPropertyName("pid")] int Pid,
    [property: JsonPropertyName("socket")] string Socket,
    [property: JsonPropertyName("node")] string Node,
    [property: JsonPropertyName("started")] DateTimeOffset Started)
{
    public const string FileName = "daemon.json";

    /// <summary>
    /// A process that started this long after the daemon says it did is not the daemon: the
    /// daemon notes its start after its process began, and the clocks behind the two (the boot
    /// time the process start is counted from, the wall clock) may differ by up to a second.
    /// </summary>
    private static readonly TimeSpan StartTolerance = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The daemon file in <paramref name="dataDirectory"/>; null if there is none, it cannot be
    /// read, or it is stale: its pid now belongs to a process that started after the daemon did.
    /// A pid is reused only after its process ended, and after a crash and a reboot pids start
    /// over, so a small daemon pid is likely taken by some other program; trusting the file then
    /// would send every command to a socket nobody listens on.
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
        return file is not null && StartedAfter(file.Pid, file.Started) ? null : file;
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

using System.Text.Json;
using System.Text.Json.Serialization;

namespace Datom.Node.Daemon;

/// <summary>
/// <c>DIR/daemon.json</c>: left by a running daemon so the CLI can find its API socket (which the
/// config may put anywhere). Written atomically once the API listens, removed on a clean stop. A
/// stale file (the daemon was killed) is harmless: its pid is gone, or its socket does not answer.
/// </summary>
internal sealed record DaemonFile(
    [property: JsonPropertyName("pid")] int Pid,
    [property: JsonPropertyName("socket")] string Socket,
    [property: JsonPropertyName("node")] string Node,
    [property: JsonPropertyName("started")] DateTimeOffset Started)
{
    public const string FileName = "daemon.json";

    public static DaemonFile? Read(string dataDirectory)
    {
        try
        {
            var text = File.ReadAllText(Path.Combine(dataDirectory, FileName));
            return JsonSerializer.Deserialize(text, DaemonFileJson.Default.DaemonFile);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            return null;
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

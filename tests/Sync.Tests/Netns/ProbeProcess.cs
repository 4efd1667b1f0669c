using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace Datom.Sync.Tests.Netns;

/// <summary>
/// A running Datom.Sync.DiscoveryProbe inside a namespace: its JSON event lines, its stderr (for
/// failure messages) and a way to wait for an event.
/// </summary>
public sealed class ProbeProcess
{
    private readonly Process _process;
    private readonly ConcurrentQueue<JsonElement> _events = new();
    private readonly StringBuilder _stderr = new();

    private ProbeProcess(string name, Process process)
    {
        Name = name;
        _process = process;
        process.OutputDataReceived += (_, e) =>
        {
            if (string.IsNullOrWhiteSpace(e.Data))
                return;
            try
            {
                _events.Enqueue(JsonDocument.Parse(e.Data).RootElement.Clone());
            }
            catch (JsonException)
            {
                lock (_stderr)
                    _stderr.AppendLine("(stdout, not JSON) " + e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
                return;
            lock (_stderr)
                _stderr.AppendLine(e.Data);
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Name { get; }

    public IReadOnlyList<JsonElement> Events => [.. _events];

    public string Stderr
    {
        get
        {
            lock (_stderr)
                return _stderr.ToString();
        }
    }

    public bool HasExited => _process.HasExited;

    /// <summary>The probe program beside the test assembly (the test project references it).</summary>
    public static string ProbeDll => Path.Combine(AppContext.BaseDirectory, "Datom.Sync.DiscoveryProbe.dll");

    public static string Dotnet =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host)
            ? host
            : NetworkNamespaces.FindExecutable("dotnet") ?? "dotnet";

    public static ProbeProcess Start(NetworkNamespaces net, NetnsNode node, string name, params string[] args)
    {
        var process = net.Start(node.Namespace, Dotnet, [ProbeDll, "--interface", node.Interface, .. args],
            new Dictionary<string, string> { ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1", ["DOTNET_NOLOGO"] = "1" });
        return new ProbeProcess(name, process);
    }

    /// <summary>Waits (bounded) until an event matches; returns it, or null at the deadline.</summary>
    public async Task<JsonElement?> WaitForAsync(Func<JsonElement, bool> match, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            foreach (var e in _events)
                if (match(e))
                    return e;
            if (watch.Elapsed >= timeout)
                return null;
            await Task.Delay(20);
        }
    }

    public Task<JsonElement?> WaitForEventAsync(string name, TimeSpan timeout) =>
        WaitForAsync(e => Event(e) == name, timeout);

    public static string? Event(JsonElement e) => e.TryGetProperty("event", out var v) ? v.GetString() : null;

    public static string? PeerId(JsonElement e) =>
        e.TryGetProperty("peer", out var p) && p.TryGetProperty("nodeId", out var id) ? id.GetString() : null;

    /// <summary>Asks the probe to stop gracefully (it sends goodbyes) and waits for it to exit.</summary>
    public async Task StopAsync(TimeSpan timeout)
    {
        if (_process.HasExited)
            return;
        await _process.StandardInput.WriteLineAsync("stop");
        await _process.StandardInput.FlushAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            // the namespace's Dispose kills it
        }
    }

    public override string ToString() =>
        $"--- {Name} events ---\n{string.Join("\n", Events.Select(e => e.GetRawText()))}\n--- {Name} stderr ---\n{Stderr}";
}

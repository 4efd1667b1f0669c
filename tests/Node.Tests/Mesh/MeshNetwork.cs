using System.Text;
using System.Text.Json;
using Datom.Sync.Tests.Netns;

namespace Datom.Node.Tests.Mesh;

/// <summary>
/// A node of a mesh test: its namespace, its data directory and its id; with <see cref="Clock"/>,
/// every process of the node (its daemon and its commands) runs with its wall clock set off by
/// libfaketime, as on a machine whose clock is wrong.
/// </summary>
public sealed record MeshNode(string Name, NetnsNode Net, string Data, string Id)
{
    /// <summary>A libfaketime offset for this node's processes (<c>+365d</c>, <c>-1d</c>), or null for the true clock.</summary>
    public string? Clock { get; init; }

    /// <summary>The environment this node's processes run with: the shared one, plus the fake clock if any.</summary>
    internal IReadOnlyDictionary<string, string> Environment(IReadOnlyDictionary<string, string> shared) =>
        Clock is null ? shared : new Dictionary<string, string>(shared.Concat(FakeClock.Environment(Clock)));

    /// <summary>Where its daemon listens for sync (the default port, on its namespace's address).</summary>
    public string SyncAddress => $"{Net.Address}:7420";

    public override string ToString() => $"{Name} ({Id[..8]}…, {Net.Address})";
}

/// <summary>
/// Real <c>datom</c> daemons on a private Ethernet segment: one network namespace per node (see
/// <see cref="NetworkNamespaces"/>), data directories under one temporary directory, and every
/// command run the way a user runs it, <c>ip netns exec NS dotnet datom.dll …</c>. Dispose kills
/// whatever still runs, removes the namespaces and deletes the directories, also after a failure.
/// </summary>
public sealed class MeshNetwork : IDisposable
{
    /// <summary>A daemon's start (runtime start, JIT, opening the log) on a busy two-core machine, at most.</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Any one-shot command, at most.</summary>
    public static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(30);

    private static readonly Dictionary<string, string> Environment = new()
    {
        ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
        ["DOTNET_NOLOGO"] = "1",
    };

    private readonly NetworkNamespaces _net;
    private readonly TempDirectory _directory = new();
    private readonly List<NodeProcess> _processes = [];
    private readonly Lock _gate = new();

    private MeshNetwork(NetworkNamespaces net) => _net = net;

    public static MeshNetwork Create(int namespaces) => new(NetworkNamespaces.Create(namespaces));

    public NetworkNamespaces Net => _net;

    /// <summary>The shared mesh key file, made by the first <see cref="InitAsync(int, string, bool)"/>.</summary>
    public string MeshKeyFile => _directory.Sub("mesh.key");

    /// <summary>Writes a file (a transaction, a program) into the test's directory; returns its path.</summary>
    public string WriteFile(string name, string text)
    {
        var path = _directory.Sub(name);
        System.IO.File.WriteAllText(path, text);
        return path;
    }

    /// <summary>
    /// <c>datom init</c> for a node in namespace <paramref name="index"/>: with the shared mesh key,
    /// or with a mesh of its own (a node that was never given the key).
    /// </summary>
    public async Task<MeshNode> InitAsync(int index, string name, bool ownMesh = false)
    {
        var data = _directory.Sub(name);
        string[] args = ownMesh ? ["init", "--data", data] : ["init", "--data", data, "--mesh-key", MeshKeyFile];
        var result = await DatomProcess.RunAsync(null, args);
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"datom init for {name} failed ({result.ExitCode}): {result.Stderr}");
        return new MeshNode(name, _net.Nodes[index], data, result.Stdout.Trim());
    }

    /// <summary>Nodes in namespaces 0, 1, … of one mesh: the first creates its key, the others join it.</summary>
    public async Task<MeshNode[]> InitAsync(params string[] names)
    {
        var first = await InitAsync(0, names[0]);
        var rest = await Task.WhenAll(names.Skip(1).Select((name, i) => InitAsync(i + 1, name)));
        return [first, .. rest];
    }

    /// <summary>Starts <c>datom run --data DIR</c> (plus <paramref name="arguments"/>) in the node's namespace.</summary>
    public NodeProcess StartDaemon(MeshNode node, params string[] arguments) =>
        Start(node, $"{node.Name} daemon", ["run", "--data", node.Data, .. arguments]);

    /// <summary>Starts a daemon and waits until it says it runs (its API is then up).</summary>
    public async Task<NodeProcess> StartDaemonAsync(MeshNode node, params string[] arguments)
    {
        var daemon = StartDaemon(node, arguments);
        await WaitRunningAsync(daemon);
        return daemon;
    }

    /// <summary>The time the daemon logged that it runs; throws, with its output, if it did not within <see cref="StartTimeout"/>.</summary>
    public static async Task<TimeSpan> WaitRunningAsync(NodeProcess daemon)
    {
        var line = await daemon.Stdout.WaitForAsync(l => l.Contains("datom[5000]", StringComparison.Ordinal), StartTimeout);
        return line?.At ?? throw new InvalidOperationException($"{daemon.Name} did not start within {StartTimeout.TotalSeconds} s\n{daemon}");
    }

    /// <summary>Starts a long-running command (<c>log --follow</c>, <c>transact -</c>) in the node's namespace.</summary>
    public NodeProcess StartCli(MeshNode node, params string[] arguments) =>
        Start(node, $"{node.Name} {arguments[0]}", arguments);

    /// <summary>Runs a command to completion in the node's namespace (bounded by <see cref="CommandTimeout"/>).</summary>
    public static Task<DatomProcess.Result> CliAsync(MeshNode node, params string[] arguments) =>
        Task.Run(() =>
        {
            var (code, stdout, stderr) = NetworkNamespaces.TryRun("ip",
                ["netns", "exec", node.Net.Namespace, DatomProcess.Dotnet, DatomProcess.DllPath, .. arguments], CommandTimeout,
                new Dictionary<string, string>(node.Environment(Environment)));
            return new DatomProcess.Result(code, stdout, stderr);
        });

    /// <summary>Runs a command that prints one JSON document and parses it; throws, with stderr, if it failed.</summary>
    public static async Task<JsonElement> JsonAsync(MeshNode node, params string[] arguments)
    {
        var result = await CliAsync(node, arguments);
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"datom {string.Join(' ', arguments)} on {node} failed ({result.ExitCode}): {result.Stderr}");
        using var document = JsonDocument.Parse(result.Stdout);
        return document.RootElement.Clone();
    }

    /// <summary>The node ids <c>datom peers</c> lists as connected on <paramref name="node"/>.</summary>
    public static async Task<string[]> ConnectedAsync(MeshNode node)
    {
        var peers = await JsonAsync(node, "peers", "--data", node.Data, "--format", "json");
        return [.. peers.GetProperty("connected").EnumerateArray().Select(p => p.GetProperty("node").GetString()!)];
    }

    /// <summary>
    /// Polls <c>datom peers</c> on every node (concurrently) until each lists all the others as
    /// connected; returns the time the last node confirmed it (when its command returned, so the
    /// command's own run time is included: an upper bound). Throws with the daemons' output at the deadline.
    /// </summary>
    public async Task<TimeSpan> WaitConnectedAsync(IReadOnlyList<MeshNode> nodes, TimeSpan timeout)
    {
        var deadline = MeshClock.Now + timeout;
        var last = new Dictionary<MeshNode, string[]>();
        var confirmed = await Task.WhenAll(nodes.Select(async node =>
        {
            var others = nodes.Where(n => n != node).Select(n => n.Id).ToArray();
            while (MeshClock.Now < deadline)
            {
                var connected = await ConnectedAsync(node);
                lock (last)
                    last[node] = connected;
                if (others.All(connected.Contains))
                    return MeshClock.Now;
                await Task.Delay(50);
            }
            return (TimeSpan?)null;
        }));
        if (confirmed.Any(c => c is null))
        {
            var seen = string.Join("\n", last.Select(kv => $"{kv.Key} lists {string.Join(", ", kv.Value.Select(Short))}"));
            throw new TimeoutException($"the nodes did not all connect within {timeout.TotalSeconds} s\n{seen}\n{Report()}");
        }
        return confirmed.Max(c => c!.Value);
    }

    /// <summary>
    /// When, by the daemons' own logs, every node was connected to all the others at once: the
    /// stamp of the <c>sync: connected to</c> line that completed it. Connections are tracked per
    /// (node, remote address) from <c>connected to</c> and <c>disconnected from</c> lines, so the
    /// duplicates that two nodes dialing each other make (and then close) count only while open.
    /// Null if that never happened in the output so far.
    /// </summary>
    public static TimeSpan? MeshFormedAt(IReadOnlyList<(MeshNode Node, NodeProcess Daemon)> daemons)
    {
        var ids = daemons.Select(d => d.Node.Id).ToArray();
        var open = daemons.Select(_ => new HashSet<(string Id, string Where)>()).ToArray();
        var events = daemons
            .SelectMany((d, i) => d.Daemon.Stdout.Lines.Select(line => (Node: i, Line: line)))
            .OrderBy(e => e.Line.At);
        foreach (var (i, line) in events)
        {
            if (ConnectionEvent(line.Text, "sync: connected to ") is { } up)
                open[i].Add(up);
            else if (ConnectionEvent(line.Text, "sync: disconnected from ") is { } down)
                open[i].Remove(down);
            else
                continue;
            var formed = open.Select((set, n) => ids.Where((_, m) => m != n).All(id => set.Any(c => c.Id == id))).All(x => x);
            if (formed)
                return line.At;
        }
        return null;
    }

    /// <summary>(peer id, remote address) from a daemon's <c>sync: connected to ID at WHERE (…)</c> or <c>disconnected from ID at WHERE: …</c> line.</summary>
    private static (string Id, string Where)? ConnectionEvent(string line, string marker)
    {
        var at = line.IndexOf(marker, StringComparison.Ordinal);
        if (at < 0)
            return null;
        var rest = line[(at + marker.Length)..];
        var space = rest.IndexOf(" at ", StringComparison.Ordinal);
        if (space < 0)
            return null;
        var where = rest[(space + 4)..];
        // The address ends at " (" (connected) or ": " (disconnected); IPv6 addresses are bracketed.
        var end = where.IndexOf(marker.StartsWith("sync: connected", StringComparison.Ordinal) ? " (" : ": ", StringComparison.Ordinal);
        return (rest[..space], end < 0 ? where : where[..end]);
    }

    /// <summary>The output of every process started here, for failure messages.</summary>
    public string Report()
    {
        var sb = new StringBuilder();
        lock (_gate)
        {
            foreach (var p in _processes)
                sb.AppendLine(p.ToString());
        }
        return sb.ToString();
    }

    public static string Short(string nodeId) => nodeId.Length > 8 ? nodeId[..8] + "…" : nodeId;

    public void Dispose()
    {
        // Kills every process still running inside (daemons, followers), then removes the namespaces.
        _net.Dispose();
        _directory.Dispose();
    }

    private NodeProcess Start(MeshNode node, string name, string[] arguments)
    {
        var process = _net.Start(node.Net.Namespace, DatomProcess.Dotnet, [DatomProcess.DllPath, .. arguments], new Dictionary<string, string>(node.Environment(Environment)));
        var started = new NodeProcess(name, process);
        lock (_gate)
            _processes.Add(started);
        return started;
    }
}

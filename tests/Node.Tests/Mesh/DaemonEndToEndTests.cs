using System.Text.Json;
using Datom.Sync.Tests;
using Datom.Sync.Tests.Netns;
using Xunit;
using Xunit.Abstractions;
using static Datom.Node.Tests.Mesh.DiscoveryAndReplicationTests;

namespace Datom.Node.Tests.Mesh;

/// <summary>
/// The daemon's acceptance: code loaded on one node runs as a service on every node, an edit on
/// one node changes every node's output, and daemons stop and start (cleanly or not) on the same
/// data directory and catch up.
/// </summary>
[Collection(NetnsCollection.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class DaemonEndToEndTests(ITestOutputHelper output)
{
    private static string Program(string greeting) => $$"""
        (ns app)
        (defn greet [name] (str "{{greeting}}, " name))
        (defn ^:service main [] (loop [i 0] (println (greet "x")) (sleep 100) (recur (inc i))))
        """;

    private static string Printed(string greeting) => $"service app/main: {greeting}, x";

    [NetnsFact]
    public async Task A_service_runs_on_every_node_and_an_edit_on_one_node_reaches_all_even_one_that_was_stopped()
    {
        using var mesh = MeshNetwork.Create(3);
        var nodes = await mesh.InitAsync("a", "b", "c");
        var (a, b, c) = (nodes[0], nodes[1], nodes[2]);
        var daemons = nodes.Select(n => mesh.StartDaemon(n)).ToArray();
        await mesh.WaitConnectedAsync(nodes, TimeSpan.FromSeconds(90));

        // Loaded on a; replicated; every daemon runs it.
        var file = mesh.WriteFile("app.clj", Program("hello"));
        await LoadAsync(a, file);
        foreach (var (node, daemon) in nodes.Zip(daemons))
            Assert.True(await daemon.Stdout.WaitForAsync(Printed("hello"), TimeSpan.FromSeconds(60)) is not null, $"{node} does not run the service\n{mesh.Report()}");

        // Only greet changes; the running loop calls the new one.
        mesh.WriteFile("app.clj", Program("bonjour"));
        var marks = daemons.Select(d => d.Stdout.Count).ToArray();
        var loaded = await LoadAsync(a, file);
        foreach (var i in new[] { 1, 2 })
        {
            var line = await daemons[i].Stdout.WaitForAsync(Printed("bonjour"), TimeSpan.FromSeconds(60), marks[i]);
            Assert.True(line is not null, $"{nodes[i]} never printed the new greeting\n{mesh.Report()}");
            var took = line.Value.At - loaded;
            output.WriteLine($"{nodes[i].Name} printed \"bonjour, x\" {Ms(took)} after 'datom code load' on a returned");
            Assert.True(!SpeedTarget.Enforced || took < TimeSpan.FromSeconds(1), $"{nodes[i].Name} took {Ms(took)} (limit 1 s)\n{daemons[i]}");
        }

        // b stops cleanly; a edits again; b, restarted on the same directory, catches up.
        Assert.True(await daemons[1].TerminateAsync(TimeSpan.FromSeconds(25)), $"b did not stop within 25 s of SIGTERM\n{daemons[1]}");
        Assert.Equal(0, daemons[1].ExitCode);
        Assert.True(await daemons[1].Stdout.WaitForAsync("datom[5004] stopped", TimeSpan.FromSeconds(2)) is not null, $"b did not log its stop\n{daemons[1]}");
        Assert.False(File.Exists(Path.Combine(b.Data, "daemon.json")), "a cleanly stopped daemon leaves no daemon.json");

        mesh.WriteFile("app.clj", Program("hola"));
        await LoadAsync(a, file);
        Assert.True(await daemons[2].Stdout.WaitForAsync(Printed("hola"), TimeSpan.FromSeconds(60), marks[2]) is not null, $"c never printed the third greeting\n{daemons[2]}");

        var restarted = mesh.StartDaemon(b);
        var running = await MeshNetwork.WaitRunningAsync(restarted);
        var hola = await restarted.Stdout.WaitForAsync(Printed("hola"), TimeSpan.FromSeconds(60));
        Assert.True(hola is not null, $"b, restarted, never printed the newest greeting\n{restarted}\n{daemons[0]}");
        output.WriteLine($"b, restarted, printed \"hola, x\" {Ms(hola.Value.At - running)} after it was running");
    }

    [NetnsFact]
    public async Task A_killed_daemons_directory_is_usable_again_and_its_new_daemon_catches_up()
    {
        using var mesh = MeshNetwork.Create(2);
        var nodes = await mesh.InitAsync("a", "b");
        var (a, b) = (nodes[0], nodes[1]);
        var daemonA = mesh.StartDaemon(a);
        mesh.StartDaemon(b);
        await mesh.WaitConnectedAsync(nodes, TimeSpan.FromSeconds(90));
        var before = await TransactFileAsync(mesh, a, "before.edn", Schema + "\n[[:db/add \"k\" :t/n 1]]");

        // SIGKILL: no goodbye, no cleanup; daemon.json and the socket stay behind.
        Assert.True(await daemonA.KillAsync(TimeSpan.FromSeconds(10)));
        Assert.True(File.Exists(Path.Combine(a.Data, "daemon.json")), "the killed daemon's daemon.json should be left behind (the precondition of this test)");
        Assert.True(File.Exists(Path.Combine(a.Data, "api.sock")), "the killed daemon's socket should be left behind (the precondition of this test)");

        // Without a daemon, commands open the directory themselves, and see what was durable.
        var status = await MeshNetwork.JsonAsync(a, "status", "--data", a.Data, "--format", "json");
        Assert.Equal(JsonValueKind.Null, status.GetProperty("daemon").ValueKind);
        var log = await MeshNetwork.CliAsync(a, "log", "--data", a.Data, "--format", "json");
        Assert.Contains(before, log.Stdout, StringComparison.Ordinal);

        // Also when the dead daemon's pid has been reused, as after a crash and a reboot, when
        // pids start over: the file names a live process, but one that started after the daemon.
        var reused = mesh.Net.Start(a.Net.Namespace, "sleep", ["60"]);
        var daemonFile = Path.Combine(a.Data, "daemon.json");
        var stale = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(daemonFile))!;
        stale["pid"] = reused.Id;
        File.WriteAllText(daemonFile, stale.ToJsonString());
        status = await MeshNetwork.JsonAsync(a, "status", "--data", a.Data, "--format", "json");
        Assert.Equal(JsonValueKind.Null, status.GetProperty("daemon").ValueKind);

        // b goes on writing meanwhile.
        var meanwhile = await TransactFileAsync(mesh, b, "meanwhile.edn", "[[:db/add \"m\" :t/n 2]]");

        var restarted = await mesh.StartDaemonAsync(a);
        status = await MeshNetwork.JsonAsync(a, "status", "--data", a.Data, "--format", "json");
        Assert.Equal(restarted.Pid, status.GetProperty("daemon").GetProperty("pid").GetInt32());
        await mesh.WaitConnectedAsync(nodes, TimeSpan.FromSeconds(90));
        var caughtUp = false;
        for (var tries = 0; tries < 40 && !caughtUp; tries++)
        {
            log = await MeshNetwork.CliAsync(a, "log", "--data", a.Data, "--format", "json");
            caughtUp = log.Stdout.Contains(meanwhile, StringComparison.Ordinal);
            if (!caughtUp)
                await Task.Delay(250);
        }
        Assert.True(caughtUp, $"a, restarted, never got what b wrote while it was dead\n{mesh.Report()}");

        // And it takes writes again, through the new daemon, which reach b.
        var after = await TransactFileAsync(mesh, a, "after.edn", "[[:db/add \"k\" :t/n 3]]");
        var follow = mesh.StartCli(b, "log", "--data", b.Data, "--format", "json", "--follow");
        Assert.True(await follow.Stdout.WaitForAsync(after, TimeSpan.FromSeconds(60)) is not null, $"b never got a's write after the restart\n{mesh.Report()}");
        output.WriteLine($"a was killed, restarted on the same directory ({Ms(await MeshNetwork.WaitRunningAsync(restarted) - restarted.Launched)} to running) and caught up");
    }

    /// <summary><c>datom code load</c> on a node; returns when it did.</summary>
    private static async Task<TimeSpan> LoadAsync(MeshNode node, string file)
    {
        var load = await MeshNetwork.CliAsync(node, "code", "load", "--data", node.Data, file);
        var at = MeshClock.Now;
        Assert.True(load.ExitCode == 0, $"datom code load failed ({load.ExitCode}): {load.Stderr}");
        return at;
    }

    /// <summary>Transacts a file's transactions on a node; returns the last one's entry hash.</summary>
    private static async Task<string> TransactFileAsync(MeshNetwork mesh, MeshNode node, string name, string edn)
    {
        var result = await MeshNetwork.CliAsync(node, "transact", "--data", node.Data, mesh.WriteFile(name, edn));
        Assert.True(result.ExitCode == 0, $"datom transact on {node} failed ({result.ExitCode}): {result.Stderr}");
        using var ack = JsonDocument.Parse(result.Lines[^1]);
        return ack.RootElement.GetProperty("hash").GetString()!;
    }
}

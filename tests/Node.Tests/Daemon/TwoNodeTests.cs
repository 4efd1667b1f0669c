using System.Diagnostics;
using System.Text.Json;
using Xunit;
using Xunit.Abstractions;

namespace Datom.Node.Tests.Daemon;

/// <summary>
/// Two daemons of one mesh on loopback, joined by a static peer (no mDNS, so no namespaces are
/// needed): code, continuations and edits made on one node reach and run on the other.
/// </summary>
[Collection(DaemonCollection.Name)]
public class TwoNodeTests(ITestOutputHelper output)
{
    private const string Source = """
        (ns app)
        (defn greet [name] (str "hello, " name))
        (defn ask [] (* 2 (suspend :need-x)))
        (defn ^:service main [] (loop [i 0] (println (greet "x")) (sleep 100) (recur (inc i))))
        """;

    [Fact]
    public void A_continuation_captured_on_one_node_resumes_on_another_and_services_follow_edits()
    {
        using var dir = new TempDirectory();
        var a = dir.Sub("a");
        var b = dir.Sub("b");
        Assert.Equal(0, DatomProcess.Run(null, "init", "--data", a).ExitCode);
        Assert.Equal(0, DatomProcess.Run(null, "init", "--data", b, "--mesh-key", Path.Combine(a, "mesh.key")).ExitCode);

        using var nodeA = RunningDaemon.Start(a);
        var portA = RunningDaemon.Json(DatomProcess.Run(null, "status", "--data", a, "--format", "json").Stdout)
            .GetProperty("daemon").GetProperty("listen").GetString()!;
        using var nodeB = RunningDaemon.Start(b, "--peer", portA);
        WaitUntil(() => Connected(a) && Connected(b), TimeSpan.FromSeconds(15), "the two nodes to connect");

        var file = dir.Sub("app.clj");
        File.WriteAllText(file, Source);
        Assert.Equal(0, DatomProcess.Run(null, "code", "load", "--data", a, "-m", "first", file).ExitCode);

        // The service runs on both nodes: B got the code from A.
        WaitUntil(() => nodeB.Output.Contains("app/main: hello, x", StringComparison.Ordinal), TimeSpan.FromSeconds(10), "B to run the service");
        WaitUntil(() => nodeA.Output.Contains("app/main: hello, x", StringComparison.Ordinal), TimeSpan.FromSeconds(10), "A to run the service");

        // A continuation captured on A is stored as datoms, replicates, and resumes on B.
        var asked = DatomProcess.Run(null, "code", "run", "--data", a, "app/ask");
        Assert.Equal(":need-x", asked.Stdout.Trim());
        var id = asked.Stderr.Split("code resume ")[1].Split(' ')[0];
        DatomProcess.Result resumed = null!;
        WaitUntil(() => (resumed = DatomProcess.Run(null, "code", "resume", "--data", b, id, "21")).ExitCode == 0, TimeSpan.FromSeconds(10), "B to resume A's continuation");
        Assert.Equal("42", resumed.Stdout.Trim());

        // An edit of the function the service calls, made on A, shows in B's running service.
        File.WriteAllText(file, Source.Replace("hello, ", "bonjour, ", StringComparison.Ordinal));
        var loaded = Stopwatch.StartNew();
        Assert.Equal(0, DatomProcess.Run(null, "code", "load", "--data", a, "-m", "in French", file).ExitCode);
        var sinceLoad = loaded.Elapsed;
        WaitUntil(() => nodeB.Output.Contains("app/main: bonjour, x", StringComparison.Ordinal), TimeSpan.FromSeconds(10), "B's service to print the new greeting");
        output.WriteLine($"B printed the new greeting {(loaded.Elapsed - sinceLoad).TotalMilliseconds:F0} ms after the load command returned (bounded by polling every 50 ms)");
        // Only greet changed, so the service kept running: no restart on either node.
        var status = RunningDaemon.Json(DatomProcess.Run(null, "status", "--data", b, "--format", "json").Stdout);
        var service = status.GetProperty("services").EnumerateArray().Single();
        Assert.Equal("app/main", service.GetProperty("name").GetString());
        Assert.Equal(0, service.GetProperty("restarts").GetInt32());

        Assert.Equal(0, nodeB.Stop());
        Assert.Equal(0, nodeA.Stop());
    }

    private static bool Connected(string data)
    {
        var peers = DatomProcess.Run(null, "peers", "--data", data, "--format", "json");
        return peers.ExitCode == 0 && JsonDocument.Parse(peers.Stdout).RootElement.GetProperty("connected").GetArrayLength() == 1;
    }

    private static void WaitUntil(Func<bool> condition, TimeSpan limit, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > limit)
                throw new TimeoutException($"waited {limit.TotalSeconds} s for {what}");
            Thread.Sleep(50);
        }
    }
}

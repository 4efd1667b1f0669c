using System.Diagnostics;
using System.Text.Json;
using Datom.Node.Repl;
using Datom.Node.Tests.Daemon;
using Xunit;
using Xunit.Abstractions;

namespace Datom.Node.Tests.Nrepl;

/// <summary>
/// A fact that needs nREPL's own client (nrepl.core, from Debian's libnrepl-clojure), installed by
/// <c>scripts/install-nrepl-client.sh</c> when the suite runs; skipped, saying why, only when that
/// script cannot install it.
/// </summary>
public sealed class ReferenceClientFactAttribute : FactAttribute
{
    public ReferenceClientFactAttribute()
    {
        if (ReferenceClient.UnavailableReason is { } reason)
            Skip = reason;
    }
}

/// <summary>nREPL's reference client, run as <c>java -cp clojure.jar:nrepl.jar clojure.main SCRIPT ARGS</c>.</summary>
public static class ReferenceClient
{
    private static readonly Lazy<(string? Classpath, string? Reason)> Installed = new(Install);

    public static string? UnavailableReason => Installed.Value.Reason;

    public static string Classpath => Installed.Value.Classpath ?? throw new InvalidOperationException(UnavailableReason);

    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Datom.P2P.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException($"no Datom.P2P.sln above {AppContext.BaseDirectory}");
    }

    private static (string?, string?) Install()
    {
        var script = Path.Combine(RepositoryRoot(), "scripts", "install-nrepl-client.sh");
        var info = new ProcessStartInfo("sh", [script]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(15)))
        {
            process.Kill(entireProcessTree: true);
            return (null, "scripts/install-nrepl-client.sh did not finish in 15 minutes");
        }
        if (process.ExitCode != 0)
            return (null, $"nREPL's reference client cannot be installed (scripts/install-nrepl-client.sh exit {process.ExitCode}): {stderr.Result.Trim()}");
        return (stdout.Result.Trim().Split('\n')[^1], null);
    }

    /// <summary>Runs a Clojure script with the client on the classpath; its stdout, one EDN value a line.</summary>
    public static string Run(string script, params string[] args)
    {
        var file = Path.Combine(Path.GetTempPath(), "datom-nrepl-client-" + Guid.NewGuid().ToString("N")[..8] + ".clj");
        File.WriteAllText(file, script);
        try
        {
            var info = new ProcessStartInfo("java", ["-cp", Classpath, "clojure.main", file, .. args]) { RedirectStandardOutput = true, RedirectStandardError = true };
            using var process = Process.Start(info)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException("the nREPL client did not finish in 5 minutes");
            }
            if (process.ExitCode != 0)
                throw new InvalidOperationException($"the nREPL client failed (exit {process.ExitCode}):\n{stdout.Result}\n{stderr.Result}");
            return stdout.Result;
        }
        finally
        {
            File.Delete(file);
        }
    }
}

/// <summary>
/// The daemon's nREPL server driven by nREPL's own client (nrepl.core 1.0.0, which nobody here
/// wrote), while a second daemon of the mesh runs the service that the edited code changes.
/// </summary>
[Collection(DaemonCollection.Name)]
public class ReferenceClientTests(ITestOutputHelper output)
{
    private const string Buffer = """
        (ns app)
        (defn greet [name] (str "hello, " name))
        (defn ^:service main [] (loop [i 0] (println (greet "x")) (sleep 100) (recur (inc i))))
        """;

    // Prints one line per check: a label, then the reply's fields as EDN.
    private const string Session = """
        (require '[nrepl.core :as nrepl])
        (let [[port mode path] *command-line-args*
              port (Integer/parseInt port)]
          (with-open [conn (nrepl/connect :port port)]
            (let [client (nrepl/client conn 120000)
                  session (nrepl/new-session client)
                  ;; message: the replies to one request, up to its done (client-session would
                  ;; read the whole session, up to session-closed).
                  ask (fn [m] (nrepl/combine-responses (nrepl/message client (assoc m :session session))))]
              (case mode
                "load"
                (do
                  (let [r (ask {:op "load-file" :file (slurp path) :file-name "app.clj" :file-path path})]
                    (println "load-status" (pr-str (vec (sort (:status r))))))
                  (let [r (ask {:op "eval" :code "(greet \"nrepl\")" :ns "app"})]
                    (println "eval-value" (pr-str (:value r)) "ns" (:ns r)))
                  (let [r (ask {:op "completions" :prefix "gr" :ns "app"})]
                    (println "completions" (pr-str (sort (map :candidate (filter #(= "app" (:ns %)) (:completions r)))))))
                  (let [runaway (future (ask {:op "eval" :code "(loop [i 0] (recur (inc i)))" :ns "app"}))]
                    (loop []
                      (let [r (ask {:op "interrupt"})]
                        (when (contains? (:status r) "session-idle")
                          (recur))))
                    (println "runaway-status" (pr-str (vec (sort (:status @runaway))))))
                  (let [r (ask {:op "eval" :code "(+ 1 2)"})]
                    (println "after-interrupt" (pr-str (:value r)))))
                "edit"
                (let [r (ask {:op "load-file" :file (slurp path) :file-name "app.clj" :file-path path})]
                  (println "edit-status" (pr-str (vec (sort (:status r))))))))))
        """;

    [ReferenceClientFact]
    public void Nrepls_own_client_loads_evaluates_completes_and_interrupts_and_the_edit_reaches_the_other_node()
    {
        using var dir = new TempDirectory();
        var a = dir.Sub("a");
        var b = dir.Sub("b");
        Assert.Equal(0, DatomProcess.Run(null, "init", "--data", a).ExitCode);
        Assert.Equal(0, DatomProcess.Run(null, "init", "--data", b, "--mesh-key", Path.Combine(a, "mesh.key")).ExitCode);
        File.WriteAllText(dir.Sub("a.toml"), "[vm]\nfuel = 1000000000000000\ndeadline_ms = 600000\n");

        using var nodeA = RunningDaemon.Start(a, "--config", dir.Sub("a.toml"), "--nrepl", "127.0.0.1:0");
        var listenA = RunningDaemon.Json(DatomProcess.Run(null, "status", "--data", a, "--format", "json").Stdout)
            .GetProperty("daemon").GetProperty("listen").GetString()!;
        using var nodeB = RunningDaemon.Start(b, "--peer", listenA);
        WaitUntil(() => Connected(a) && Connected(b), TimeSpan.FromSeconds(30), "the two nodes to connect");
        var port = ReplCommand.ReadPort(a)!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture);

        var file = dir.Sub("app.clj");
        File.WriteAllText(file, Buffer);
        var lines = ReferenceClient.Run(Session, port, "load", file).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        output.WriteLine(string.Join("\n", lines));
        Assert.Equal("load-status [\"done\"]", lines[0]);
        Assert.Equal("eval-value [\"\\\"hello, nrepl\\\"\"] ns app", lines[1]);
        Assert.Equal("completions (\"greet\")", lines[2]);
        Assert.Equal("runaway-status [\"done\" \"interrupted\"]", lines[3]);
        Assert.Equal("after-interrupt [\"3\"]", lines[4]);

        // B runs the service from the code A's nREPL stored; an edit of greet, loaded through nREPL on A, changes B's output.
        WaitUntil(() => nodeB.Output.Contains("app/main: hello, x", StringComparison.Ordinal), TimeSpan.FromSeconds(30), "B to run the service");
        File.WriteAllText(file, Buffer.Replace("hello, ", "bonjour, ", StringComparison.Ordinal));
        var edited = ReferenceClient.Run(Session, port, "edit", file).Trim();
        Assert.Equal("edit-status [\"done\"]", edited);
        WaitUntil(() => nodeB.Output.Contains("app/main: bonjour, x", StringComparison.Ordinal), TimeSpan.FromSeconds(30), "B's service to print the edited greeting");

        var reasons = DatomProcess.Run(null, "query", "--data", b, "--format", "json", "[:find [?r ...] :where [?tx :tx/reason ?r]]");
        Assert.Contains("\"repl\"", reasons.Stdout, StringComparison.Ordinal);
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

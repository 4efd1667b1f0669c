using System.Diagnostics;
using System.Text.Json;
using Datom.Node.Repl;
using Datom.Node.Tests.Mesh;
using Datom.Sync.Tests.Netns;
using Xunit;
using Xunit.Abstractions;

namespace Datom.Node.Tests.Nrepl;

/// <summary>
/// A fact that needs network namespaces and nREPL's own client (nrepl.core, from Debian's
/// libnrepl-clojure), installed by <c>scripts/install-nrepl-client.sh</c> when the suite runs;
/// skipped, saying why, only when namespaces cannot be made or that script cannot install it.
/// </summary>
public sealed class ReferenceClientFactAttribute : FactAttribute
{
    public ReferenceClientFactAttribute()
    {
        if ((NetworkNamespaces.UnavailableReason ?? ReferenceClient.UnavailableReason) is { } reason)
            Skip = reason;
    }
}

/// <summary>nREPL's reference client, run as <c>java -cp clojure.jar:nrepl.jar clojure.main SCRIPT ARGS</c>.</summary>
public static class ReferenceClient
{
    private static readonly Lazy<(string? Classpath, string? Reason)> Installed = new(Install);

    public static string? UnavailableReason => Installed.Value.Reason;

    public static string Classpath => Installed.Value.Classpath ?? throw new InvalidOperationException(UnavailableReason);

    private static (string?, string?) Install()
    {
        var script = Path.Combine(DatomProcess.RepositoryRoot, "scripts", "install-nrepl-client.sh");
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

    /// <summary>Runs a Clojure script with the client on the classpath, inside network namespace <paramref name="ns"/>; its stdout, one EDN value a line.</summary>
    public static string Run(string ns, string script, params string[] args)
    {
        var file = Path.Combine(Path.GetTempPath(), "datom-nrepl-client-" + Guid.NewGuid().ToString("N")[..8] + ".clj");
        File.WriteAllText(file, script);
        try
        {
            var info = new ProcessStartInfo("ip", ["netns", "exec", ns, "java", "-cp", Classpath, "clojure.main", file, .. args]) { RedirectStandardOutput = true, RedirectStandardError = true };
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
/// The daemon's nREPL server, in one network namespace, driven by nREPL's own client (nrepl.core
/// 1.0.0, which nobody here wrote) from inside it, while a second daemon of the mesh, in another
/// namespace, runs the service that the edited code changes.
/// </summary>
[Collection(NetnsCollection.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
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
    public async Task Nrepls_own_client_loads_evaluates_completes_and_interrupts_and_the_edit_reaches_the_other_node()
    {
        using var mesh = MeshNetwork.Create(2);
        var nodes = await mesh.InitAsync("a", "b");
        var (a, b) = (nodes[0], nodes[1]);
        var config = mesh.WriteFile("a.toml", "[vm]\nfuel = 1000000000000000\ndeadline_ms = 600000\n");
        var daemonA = await mesh.StartDaemonAsync(a, "--config", config, "--nrepl", "127.0.0.1:0");
        var daemonB = mesh.StartDaemon(b);
        await mesh.WaitConnectedAsync(nodes, TimeSpan.FromSeconds(90));
        var port = ReplCommand.ReadPort(a.Data)!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture);

        var file = mesh.WriteFile("app.clj", Buffer);
        var lines = ReferenceClient.Run(a.Net.Namespace, Session, port, "load", file).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        output.WriteLine(string.Join("\n", lines));
        Assert.Equal("load-status [\"done\"]", lines[0]);
        Assert.Equal("eval-value [\"\\\"hello, nrepl\\\"\"] ns app", lines[1]);
        Assert.Equal("completions (\"greet\")", lines[2]);
        Assert.Equal("runaway-status [\"done\" \"interrupted\"]", lines[3]);
        Assert.Equal("after-interrupt [\"3\"]", lines[4]);

        // B runs the service from the code A's nREPL stored; an edit of greet, loaded through nREPL on A, changes B's output.
        Assert.True(await daemonB.Stdout.WaitForAsync("app/main: hello, x", TimeSpan.FromSeconds(90)) is not null, $"B never ran the service\n{mesh.Report()}");
        mesh.WriteFile("app.clj", Buffer.Replace("hello, ", "bonjour, ", StringComparison.Ordinal));
        var edited = ReferenceClient.Run(a.Net.Namespace, Session, port, "edit", file).Trim();
        Assert.Equal("edit-status [\"done\"]", edited);
        Assert.True(await daemonB.Stdout.WaitForAsync("app/main: bonjour, x", TimeSpan.FromSeconds(90)) is not null, $"B's service never printed the edited greeting\n{mesh.Report()}");

        var reasons = await MeshNetwork.CliAsync(b, "query", "--data", b.Data, "--format", "json", "[:find [?r ...] :where [?tx :tx/reason ?r]]");
        Assert.Contains("\"repl\"", reasons.Stdout, StringComparison.Ordinal);
        foreach (var daemon in new[] { daemonB, daemonA })
        {
            Assert.True(await daemon.TerminateAsync(TimeSpan.FromSeconds(30)), $"{daemon.Name} did not stop\n{daemon}");
            Assert.Equal(0, daemon.ExitCode);
        }
    }
}

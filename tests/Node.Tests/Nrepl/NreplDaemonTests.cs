using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Datom.Node.Nrepl;
using Datom.Node.Repl;
using Datom.Node.Tests.Daemon;
using Xunit;

namespace Datom.Node.Tests.Nrepl;

/// <summary>The nREPL server of a real <c>datom run --nrepl 127.0.0.1:0</c> on loopback, without mDNS, driven op by op.</summary>
[Collection(DaemonCollection.Name)]
public class NreplDaemonTests
{
    /// <summary>Limits far beyond the test's own, so that only an interrupt stops the runaway eval.</summary>
    private const string PatientConfig = "[vm]\nfuel = 1000000000000000\ndeadline_ms = 600000\n";

    internal static List<IDictionary<string, object>> Request(NreplClient client, Dictionary<string, object> request)
    {
        var replies = new List<IDictionary<string, object>>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var task = Task.Run(async () =>
        {
            await foreach (var reply in client.RequestAsync(request, timeout.Token))
                replies.Add(reply);
        });
        task.GetAwaiter().GetResult();
        return replies;
    }

    private static List<string> All(List<IDictionary<string, object>> replies, string key) =>
        [.. replies.Where(r => r.ContainsKey(key)).Select(r => (string)r[key])];

    private static List<string> Statuses(List<IDictionary<string, object>> replies) => [.. replies.SelectMany(NreplClient.Status)];

    [Fact]
    public async Task Every_op_answers_as_nrepl_does_and_definitions_are_transacted_with_reason_repl()
    {
        using var dir = new TempDirectory();
        var data = dir.Sub("node");
        Assert.Equal(0, DatomProcess.Run(null, "init", "--data", data).ExitCode);
        File.WriteAllText(dir.Sub("node.toml"), PatientConfig);
        using var daemon = RunningDaemon.Start(data, "--config", dir.Sub("node.toml"), "--nrepl", "127.0.0.1:0");
        var port = ReplCommand.ReadPort(data) ?? throw new InvalidOperationException("no .nrepl-port:\n" + daemon.Output);
        Assert.Equal(port.ToString(System.Globalization.CultureInfo.InvariantCulture), DatomProcess.Run(null, "repl", "--data", data, "--print-nrepl-port").Stdout.Trim());
        await using var client = await NreplClient.ConnectAsync(port);

        var described = Request(client, new() { ["op"] = "describe" }).Single();
        var ops = (IDictionary<string, object>)described["ops"];
        foreach (var op in new[] { "describe", "clone", "close", "ls-sessions", "eval", "load-file", "interrupt", "stdin", "completions", "complete", "lookup", "info", "eldoc" })
            Assert.True(ops.ContainsKey(op), $"describe does not list {op}");

        var session = (string)Request(client, new() { ["op"] = "clone" }).Single()["new-session"];
        Assert.Contains(session, ((List<object>)Request(client, new() { ["op"] = "ls-sessions" }).Single()["sessions"]).Cast<string>());

        // Values and printed output, form by form; *1 *2 *3.
        var evaluated = Request(client, new() { ["op"] = "eval", ["session"] = session, ["code"] = "(defn sq [x] (* x x)) (sq 5) (println \"hi\")" });
        Assert.Equal(["#'user/sq", "25", "nil"], All(evaluated, "value"));
        Assert.Equal(["hi\n"], All(evaluated, "out"));
        Assert.Equal("done", Statuses(evaluated).Last());
        Assert.All(evaluated, r => Assert.Equal(session, r["session"]));
        Assert.Equal(["25"], All(Request(client, new() { ["op"] = "eval", ["session"] = session, ["code"] = "*2" }), "value"));

        // An error names the editor's file and line, with ex and root-ex; *e holds it.
        var failed = Request(client, new() { ["op"] = "eval", ["session"] = session, ["code"] = "(nope 1)", ["file"] = "src/app.clj", ["line"] = 10L });
        Assert.StartsWith("src/app.clj:10:", All(failed, "err").Single(), StringComparison.Ordinal);
        Assert.Equal(["class clojure.lang.Compiler$CompilerException"], All(failed, "ex"));
        Assert.Equal(["eval-error", "done"], Statuses(failed));
        var divided = Request(client, new() { ["op"] = "eval", ["session"] = session, ["code"] = "(/ 1 0)" });
        Assert.Equal(["class java.lang.ArithmeticException"], All(divided, "root-ex"));
        Assert.Equal(["true"], All(Request(client, new() { ["op"] = "eval", ["session"] = session, ["code"] = "(string? (ex-message *e))" }), "value"));

        // load-file stores the buffer's namespace: only its changed datoms, with :tx/reason "repl".
        var buffer = "(ns app)\n(defn greet \"Says hello.\" [n] (str \"hi \" n))\n(defn add [a b] (+ a b))\n";
        var loaded = Request(client, new() { ["op"] = "load-file", ["session"] = session, ["file"] = buffer, ["file-name"] = "app.clj", ["file-path"] = "/src/app.clj" });
        Assert.StartsWith("app: ", All(loaded, "out").Single(), StringComparison.Ordinal);
        Assert.Equal("done", Statuses(loaded).Last());
        var again = Request(client, new() { ["op"] = "load-file", ["session"] = session, ["file"] = buffer, ["file-name"] = "app.clj" });
        Assert.Equal(["app: unchanged; nothing transacted\n"], All(again, "out"));
        Assert.Equal(["\"hi x\""], All(Request(client, new() { ["op"] = "eval", ["session"] = session, ["ns"] = "app", ["code"] = "(greet \"x\")" }), "value"));
        var reasons = DatomProcess.Run(null, "query", "--data", data, "--format", "json", "[:find [?r ...] :where [?tx :tx/reason ?r]]");
        Assert.Contains("\"repl\"", reasons.Stdout, StringComparison.Ordinal);

        // Completions, the older complete, lookup, info and eldoc read the datoms.
        var completions = Request(client, new() { ["op"] = "completions", ["prefix"] = "gr", ["ns"] = "app" }).Single();
        Assert.Contains(((List<object>)completions["completions"]).Cast<IDictionary<string, object>>(), c => (string)c["candidate"] == "greet" && (string)c["ns"] == "app");
        var complete = Request(client, new() { ["op"] = "complete", ["symbol"] = "ad", ["ns"] = "app" }).Single();
        Assert.Contains(((List<object>)complete["completions"]).Cast<IDictionary<string, object>>(), c => (string)c["candidate"] == "add");
        var lookup = (IDictionary<string, object>)Request(client, new() { ["op"] = "lookup", ["sym"] = "greet", ["ns"] = "app" }).Single()["info"];
        Assert.Equal("([n])", lookup["arglists-str"]);
        Assert.Equal("Says hello.", lookup["doc"]);
        Assert.Equal("app", Request(client, new() { ["op"] = "info", ["sym"] = "greet", ["ns"] = "app" }).Single()["ns"]);
        var eldoc = Request(client, new() { ["op"] = "eldoc", ["sym"] = "add", ["ns"] = "app" }).Single();
        Assert.Equal(new List<object> { new List<object> { "a", "b" } }, eldoc["eldoc"]);
        Assert.Contains("no-info", Statuses(Request(client, new() { ["op"] = "info", ["sym"] = "missing", ["ns"] = "app" })));

        // interrupt stops a runaway eval: the eval ends with interrupted, then done.
        var runaway = Task.Run(() => Request(client, new() { ["op"] = "eval", ["session"] = session, ["code"] = "(loop [i 0] (recur (inc i)))" }));
        var interruptStatus = new List<string>();
        var clock = Stopwatch.StartNew();
        do
        {
            // Until the eval has begun, the session is idle; polling the server's own answer, not a clock.
            interruptStatus = Statuses(Request(client, new() { ["op"] = "interrupt", ["session"] = session }));
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), "the eval never started");
        }
        while (interruptStatus.Contains("session-idle") && !runaway.IsCompleted);
        Assert.Equal(["done"], interruptStatus);
        Assert.Equal(["interrupted", "done"], Statuses(await runaway));
        Assert.Equal(["3"], All(Request(client, new() { ["op"] = "eval", ["session"] = session, ["code"] = "(+ 1 2)" }), "value"));

        Assert.Equal(["done"], Statuses(Request(client, new() { ["op"] = "stdin", ["session"] = session, ["stdin"] = "typed\n" })));
        Assert.Equal(["error", "unknown-op", "done"], Statuses(Request(client, new() { ["op"] = "frobnicate" })));
        Assert.Equal(["error", "unknown-session", "done"], Statuses(Request(client, new() { ["op"] = "eval", ["session"] = "no-such", ["code"] = "1" })));
        Assert.Equal(["done", "session-closed"], Statuses(Request(client, new() { ["op"] = "close", ["session"] = session })));
        Assert.DoesNotContain(session, ((List<object>)Request(client, new() { ["op"] = "ls-sessions" }).Single()["sessions"]).Cast<string>());

        Assert.Equal(0, daemon.Stop());
        Assert.False(File.Exists(Path.Combine(data, NreplServer.PortFileName)), "a clean exit removes .nrepl-port");
    }

    [Theory]
    [InlineData("x", "unexpected byte")]
    [InlineData("99999999999:", "length")]
    [InlineData("999999999:", "more than a message may hold")]
    [InlineData("d2:opi1e", "")]
    public async Task Bad_bencode_gets_an_error_and_a_closed_connection_and_the_daemon_goes_on(string sent, string reason)
    {
        using var dir = new TempDirectory();
        var data = dir.Sub("node");
        Assert.Equal(0, DatomProcess.Run(null, "init", "--data", data).ExitCode);
        using var daemon = RunningDaemon.Start(data, "--nrepl", "127.0.0.1:0");
        var port = ReplCommand.ReadPort(data)!.Value;
        using (var raw = new TcpClient())
        {
            await raw.ConnectAsync(IPAddress.Loopback, port);
            var stream = raw.GetStream();
            await stream.WriteAsync(Encoding.ASCII.GetBytes(sent));
            if (sent.StartsWith('d'))
            {
                // A whole message, but op is not a string: an error reply, and the connection stays.
                await stream.WriteAsync("e"u8.ToArray());
            }
            else
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                var received = new MemoryStream();
                var chunk = new byte[4096];
                int read;
                while ((read = await stream.ReadAsync(chunk, timeout.Token)) > 0)
                    received.Write(chunk, 0, read);
                var text = Encoding.UTF8.GetString(received.ToArray());
                Assert.Contains("malformed-message", text, StringComparison.Ordinal);
                Assert.Contains(reason, text, StringComparison.Ordinal);
            }
        }
        await using var client = await NreplClient.ConnectAsync(port);
        Assert.Equal(["3"], All(Request(client, new() { ["op"] = "eval", ["code"] = "(+ 1 2)" }), "value"));
        if (!sent.StartsWith('d'))
            Assert.Contains("nREPL: closing the connection from", daemon.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_non_loopback_address_is_refused_unless_the_config_allows_it()
    {
        using var dir = new TempDirectory();
        var data = dir.Sub("node");
        Assert.Equal(0, DatomProcess.Run(null, "init", "--data", data).ExitCode);
        var refused = DatomProcess.Run(null, "run", "--data", data, "--no-mdns", "--listen", "127.0.0.1:0", "--nrepl", "0.0.0.0:0");
        Assert.Equal(ExitCodes.Usage, refused.ExitCode);
        Assert.Contains("--nrepl: 0.0.0.0:0 is not a loopback address", refused.Stderr, StringComparison.Ordinal);
        File.WriteAllText(dir.Sub("bad.toml"), "[nrepl]\nlisten = \"0.0.0.0:0\"\n");
        var config = DatomProcess.Run(null, "run", "--data", data, "--no-mdns", "--config", dir.Sub("bad.toml"));
        Assert.Equal(ExitCodes.Config, config.ExitCode);
        Assert.Contains("allow_remote", config.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Datom_repl_reads_forms_from_a_pipe_through_the_daemon_and_without_one()
    {
        using var dir = new TempDirectory();
        var data = dir.Sub("node");
        Assert.Equal(0, DatomProcess.Run(null, "init", "--data", data).ExitCode);

        // Without a daemon: the directory opened in this process.
        var local = DatomProcess.Run("(+ 1 2)\n(defn twice\n  [x]\n  (* 2 x))\n(twice 4)\n", "repl", "--data", data);
        Assert.Equal(0, local.ExitCode);
        Assert.Equal(["3", "#'user/twice", "8"], local.Lines);

        using var daemon = RunningDaemon.Start(data, "--nrepl", "127.0.0.1:0");
        var through = DatomProcess.Run("(twice 21)\n(in-ns 'core)\n(defn hello [] \"hi\")\n(doc hello)\n(/ 1 0)\n", "repl", "--data", data);
        Assert.Equal(ExitCodes.Failed, through.ExitCode);
        Assert.Equal(["42", "#namespace[core]", "#'core/hello", "-------------------------", "core/hello", "([])", "nil"], through.Lines);
        Assert.Contains("Divide by zero", through.Stderr, StringComparison.Ordinal);
        Assert.Equal("\"hi\"", DatomProcess.Run(null, "code", "run", "--data", data, "core/hello").Stdout.Trim());
    }

    [Fact]
    public void Datom_repl_says_how_to_start_the_server_when_the_daemon_runs_without_one()
    {
        using var dir = new TempDirectory();
        var data = dir.Sub("node");
        Assert.Equal(0, DatomProcess.Run(null, "init", "--data", data).ExitCode);
        using var daemon = RunningDaemon.Start(data);
        var result = DatomProcess.Run("(+ 1 2)\n", "repl", "--data", data);
        Assert.Equal(ExitCodes.Unavailable, result.ExitCode);
        Assert.Contains("--nrepl 127.0.0.1:0", result.Stderr, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Unavailable, DatomProcess.Run(null, "repl", "--data", data, "--print-nrepl-port").ExitCode);
    }
}

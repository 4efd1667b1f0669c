using System.Diagnostics;
using Datom.Node.Tests.Mesh;
using Datom.Node.WebConsole;
using Datom.Sync.Tests.Netns;
using Xunit;
using Xunit.Abstractions;

namespace Datom.Node.Tests.Console;

/// <summary>
/// The web console's acceptance, in a browser: a daemon with <c>--http</c> in one network
/// namespace and a second node in another; headless Chromium (Debian's <c>chromium</c>, driven by
/// npm's puppeteer-core through <c>browser/console-check.mjs</c>, inside the first namespace) loads
/// the console with the token, sees the node id and the other node as a peer, runs a query and reads
/// its table, turns "live" on and sees the row a <c>datom transact</c> on the other node adds arrive
/// without a reload, opens a function's history, blame and diff, and the services' output; a request
/// without the token gets 401. Screenshots of every page go to <c>TestResults/console-screenshots</c>
/// at the repository root. Needs root (namespaces); installs chromium and puppeteer-core by
/// <c>scripts/install-browser-test.sh</c>.
/// </summary>
[Collection(NetnsCollection.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ConsoleBrowserTests(ITestOutputHelper output)
{
    /// <summary>Any one wait of the browser script, and the whole script (generous: two cores shared with a test run).</summary>
    private static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(90);

    private static readonly TimeSpan ScriptTimeout = TimeSpan.FromMinutes(6);

    private const string Program = """
        (ns demo)

        (defn greet [name]
          (str "Hello, " name))

        (defn ^:service main []
          (println (greet "console"))
          (sleep 60000))
        """;

    [NetnsFact]
    public async Task A_browser_sees_the_node_its_peer_a_live_query_and_the_code_history()
    {
        ConsoleTestSupport.Install("install-browser-test.sh", TimeSpan.FromMinutes(10));
        using var mesh = MeshNetwork.Create(2);
        var nodes = await mesh.InitAsync("a", "b");
        var (a, b) = (nodes[0], nodes[1]);
        var schema = mesh.WriteFile("schema.edn", "[{:db/ident :person/name :db/valueType :db.type/string :db/cardinality :db.cardinality/one}]\n[{:person/name \"Ann\"}]\n");
        Check(await MeshNetwork.CliAsync(a, "transact", "--data", a.Data, schema));
        var code = mesh.WriteFile("demo.clj", Program);
        Check(await MeshNetwork.CliAsync(a, "code", "load", "--data", a.Data, "-m", "first greeting", code));
        mesh.WriteFile("demo.clj", Program.Replace("Hello, ", "Hi there, ", StringComparison.Ordinal));
        Check(await MeshNetwork.CliAsync(a, "code", "load", "--data", a.Data, "-m", "friendlier", code));

        var daemonA = await mesh.StartDaemonAsync(a, "--http", "127.0.0.1:0");
        await mesh.StartDaemonAsync(b);
        await mesh.WaitConnectedAsync(nodes, TimeSpan.FromSeconds(90));
        var url = (await File.ReadAllTextAsync(Path.Combine(a.Data, ConsoleServer.UrlFileName))).Trim();
        Assert.NotNull(await daemonA.Stdout.WaitForAsync(l => l.Contains($"console: {url}", StringComparison.Ordinal), TimeSpan.FromSeconds(1)));

        var shots = Path.Combine(ConsoleTestSupport.RepoRoot, "TestResults", "console-screenshots");
        var browser = mesh.Net.Start(a.Net.Namespace, ConsoleTestSupport.Node, [
            Path.Combine(ConsoleTestSupport.BrowserDirectory, "console-check.mjs"),
            "--url", url, "--node", a.Id, "--peer", b.Id, "--function", "demo/greet", "--shots", shots,
            "--timeout", ((int)StepTimeout.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        var lines = new List<string>();
        var deadline = Stopwatch.StartNew();
        while (await ReadLineAsync(browser, ScriptTimeout - deadline.Elapsed) is { } line)
        {
            lines.Add(line);
            output.WriteLine(line);
            if (line == "need transact")
            {
                var bob = mesh.WriteFile("bob.edn", "[{:person/name \"Bob\"}]\n");
                Check(await MeshNetwork.CliAsync(b, "transact", "--data", b.Data, bob));
                await browser.StandardInput.WriteLineAsync("done");
                await browser.StandardInput.FlushAsync();
            }
        }
        var stderr = browser.HasExited ? await browser.StandardError.ReadToEndAsync() : "(still running)";
        var report = $"{string.Join('\n', lines)}\n--- browser stderr ---\n{stderr}\n{mesh.Report()}";
        Assert.True(lines.Contains("ok done"), $"the browser did not get through the console\n{report}");
        Assert.Contains(lines, l => l.StartsWith($"ok node: {a.Id}", StringComparison.Ordinal));
        Assert.Contains("ok no-token: 401", lines);
        Assert.Contains(lines, l => l.StartsWith($"ok peers: {b.Id}", StringComparison.Ordinal));
        Assert.Contains("ok query: [[\"Ann\"]]", lines);
        Assert.Contains(lines, l => l.StartsWith("ok live: ", StringComparison.Ordinal) && l.EndsWith("rows [\"Ann\",\"Bob\"]", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("ok history: ", StringComparison.Ordinal) && l.Contains("first greeting", StringComparison.Ordinal) && l.Contains("friendlier", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("ok blame: ", StringComparison.Ordinal) && l.Contains("(defn greet [name]", StringComparison.Ordinal) && l.Contains("Hi there, ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("ok services: ", StringComparison.Ordinal) && l.Contains("demo/main", StringComparison.Ordinal));
        foreach (var page in new[] { "node", "peers", "log", "query", "query-live", "code-history", "code-blame", "code-diff", "services" })
            Assert.True(new FileInfo(Path.Combine(shots, page + ".png")).Length > 1000, $"no screenshot of {page}");
        output.WriteLine($"screenshots: {shots}");
    }

    private static void Check(DatomProcess.Result result) =>
        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}: {result.Stderr}");

    /// <summary>The next line of the script's output; null at its end or when <paramref name="within"/> has passed.</summary>
    private static async Task<string?> ReadLineAsync(Process process, TimeSpan within)
    {
        if (within <= TimeSpan.Zero)
            return null;
        using var cancel = new CancellationTokenSource(within);
        try
        {
            return await process.StandardOutput.ReadLineAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }
}

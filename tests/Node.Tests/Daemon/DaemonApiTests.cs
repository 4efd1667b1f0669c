using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Xunit;

namespace Datom.Node.Tests.Daemon;

/// <summary>
/// <c>datom run</c> and the local API: commands go through a running daemon and answer exactly as
/// they do on the data directory; the API refuses bad requests without falling over; the daemon
/// stops cleanly on SIGTERM and a killed one leaves nothing that blocks the next.
/// </summary>
[Collection(DaemonCollection.Name)]
public class DaemonApiTests
{
    private const string Schema = "[{:db/ident :user/name :db/valueType :db.type/string :db/cardinality :db.cardinality/one} "
        + "{:db/ident :user/email :db/valueType :db.type/string :db/cardinality :db.cardinality/one :db/unique :db.unique/identity} "
        + "{:db/ident :user/age :db/valueType :db.type/long :db/cardinality :db.cardinality/one}]\n"
        + "[{:db/id \"ann\" :user/name \"Ann\" :user/email \"ann@x\" :user/age 41} {:user/name \"Bob\" :user/email \"bob@x\" :user/age 35}]\n";

    private static readonly string[][] ReadCommands =
    [
        ["query", "--format", "json", "[:find ?n ?a :where [?e :user/name ?n] [?e :user/age ?a]]"],
        ["query", "--format", "edn", "[:find ?a . :in $ ?n :where [?e :user/name ?n] [?e :user/age ?a]]", "\"Ann\""],
        ["query", "--format", "table", "[:find ?n :where [_ :user/name ?n]]"],
        ["query", "--explain", "[:find ?n :where [?e :user/age ?a] [?e :user/name ?n] [(> ?a 40)]]"],
        ["pull", "[*]", "[:user/email \"bob@x\"]"],
        ["pull", "--format", "json", "[:user/name :user/age]", "[:user/email \"ann@x\"]"],
        ["log", "--format", "json"],
        ["query", "[:find ?n :where [_ :user/nme ?n]]"],
        ["pull", "[*]", "[:user/email \"nobody@x\"]"],
    ];

    private static string Init(TempDirectory dir, string name = "node")
    {
        var data = dir.Sub(name);
        Assert.Equal(0, DatomProcess.Run(null, "init", "--data", data).ExitCode);
        return data;
    }

    private static DatomProcess.Result Run(string data, string? stdin, string[] command) =>
        DatomProcess.Run(stdin, [command[0], "--data", data, .. command[1..]]);

    [Fact]
    public void Both_routes_give_the_same_answers()
    {
        using var dir = new TempDirectory();
        var data = Init(dir);
        Assert.Equal(0, DatomProcess.Run(Schema, "transact", "--data", data, "-").ExitCode);

        var direct = ReadCommands.Select(c => Run(data, null, c)).ToList();
        using (var daemon = RunningDaemon.Start(data))
        {
            // The daemon adds the code vocabulary to the log when it starts its services; the log
            // listing is compared on the entries both routes hold.
            var through = ReadCommands.Select(c => Run(data, null, c)).ToList();
            for (var i = 0; i < ReadCommands.Length; i++)
            {
                var what = string.Join(' ', ReadCommands[i]);
                Assert.Equal(direct[i].ExitCode, through[i].ExitCode);
                Assert.Equal(direct[i].Stderr, through[i].Stderr);
                if (ReadCommands[i][0] == "log")
                    Assert.StartsWith(direct[i].Stdout, through[i].Stdout, StringComparison.Ordinal);
                else
                    Assert.True(direct[i].Stdout == through[i].Stdout, $"{what}: direct:\n{direct[i].Stdout}\nthrough the daemon:\n{through[i].Stdout}");
            }
            Assert.Equal(0, daemon.Stop());
        }
    }

    [Fact]
    public void Transactions_stream_through_the_daemon_with_one_ack_each_and_errors_named()
    {
        using var dir = new TempDirectory();
        var data = Init(dir);
        using var daemon = RunningDaemon.Start(data);
        var input = Schema + "[{:user/name 42}]\n[{:user/name \"Cy\" :user/email \"cy@x\"}]\n";
        var result = DatomProcess.Run(input, "transact", "--data", data, "-");
        Assert.Equal(1, result.ExitCode); // one refused
        Assert.Equal(3, result.Lines.Length);
        foreach (var line in result.Lines)
            Assert.True(RunningDaemon.Json(line).GetProperty("seq").GetInt64() > 0);
        Assert.Contains("<stdin>", result.Stderr, StringComparison.Ordinal);
        Assert.Contains(":user/name", result.Stderr, StringComparison.Ordinal);

        var names = DatomProcess.Run(null, "query", "--data", data, "--format", "json", "[:find [?n ...] :where [_ :user/name ?n]]");
        Assert.Equal(["Ann", "Bob", "Cy"], RunningDaemon.Json(names.Stdout).EnumerateArray().Select(e => e.GetString()).Order());

        // A file given by a relative path is read from the caller's working directory.
        File.WriteAllText(dir.Sub("tx.edn"), "[{:user/name \"Di\" :user/email \"di@x\"}]");
        var fromFile = DatomProcess.RunIn(dir.Path, null, "transact", "--data", data, "tx.edn");
        Assert.Equal(0, fromFile.ExitCode);
        Assert.Single(fromFile.Lines);
        Assert.Equal(0, daemon.Stop());
    }

    [Fact]
    public void Status_and_peers_report_the_running_daemon()
    {
        using var dir = new TempDirectory();
        var data = Init(dir);
        using var daemon = RunningDaemon.Start(data);
        var status = RunningDaemon.Json(DatomProcess.Run(null, "status", "--data", data, "--format", "json").Stdout);
        Assert.Equal(daemon.ProcessId, status.GetProperty("daemon").GetProperty("pid").GetInt32());
        Assert.StartsWith("127.0.0.1:", status.GetProperty("daemon").GetProperty("listen").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, status.GetProperty("index_lag").GetInt64());
        var peers = RunningDaemon.Json(DatomProcess.Run(null, "peers", "--data", data, "--format", "json").Stdout);
        Assert.True(peers.GetProperty("daemon").GetBoolean());
        Assert.Equal(0, peers.GetProperty("connected").GetArrayLength());
        Assert.Equal(0, daemon.Stop());

        var offline = RunningDaemon.Json(DatomProcess.Run(null, "peers", "--data", data, "--format", "json").Stdout);
        Assert.False(offline.GetProperty("daemon").GetBoolean());
        Assert.Equal(JsonValueKind.Null, RunningDaemon.Json(DatomProcess.Run(null, "status", "--data", data, "--format", "json").Stdout).GetProperty("daemon").ValueKind);
    }

    [Fact]
    public void Sigterm_stops_cleanly_and_the_directory_is_free_again()
    {
        using var dir = new TempDirectory();
        var data = Init(dir);
        var daemon = RunningDaemon.Start(data);
        Assert.True(File.Exists(Path.Combine(data, "daemon.json")));
        Assert.Equal(0, daemon.Stop());
        Assert.Contains("stopped", daemon.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(data, "daemon.json")));
        Assert.False(File.Exists(Path.Combine(data, "api.sock")));
        daemon.Dispose();
        Assert.Equal(0, DatomProcess.Run(Schema, "transact", "--data", data, "-").ExitCode);
    }

    [Fact]
    public void A_killed_daemon_leaves_nothing_that_blocks_the_next_one()
    {
        using var dir = new TempDirectory();
        var data = Init(dir);
        using (var first = RunningDaemon.Start(data))
        {
            Assert.Equal(0, DatomProcess.Run(Schema, "transact", "--data", data, "-").ExitCode);
            first.Kill();
        }
        // daemon.json and api.sock are stale now: the CLI notices and opens the directory itself.
        var direct = DatomProcess.Run(null, "query", "--data", data, "[:find (count ?e) . :where [?e :user/name]]");
        Assert.Equal(0, direct.ExitCode);
        Assert.Equal("2", direct.Stdout.Trim());
        using var second = RunningDaemon.Start(data);
        var through = DatomProcess.Run(null, "query", "--data", data, "[:find (count ?e) . :where [?e :user/name]]");
        Assert.Equal("2", through.Stdout.Trim());
        Assert.Equal(0, second.Stop());
    }

    [Fact]
    public void A_locked_directory_names_its_holder_and_a_second_daemon_is_refused()
    {
        using var dir = new TempDirectory();
        var data = Init(dir);
        using var daemon = RunningDaemon.Start(data);
        var second = DatomProcess.Run(null, "run", "--data", data, "--listen", "127.0.0.1:0", "--no-mdns");
        Assert.Equal(3, second.ExitCode);
        Assert.Contains($"datom run (pid {daemon.ProcessId})", second.Stderr, StringComparison.Ordinal);
        // Without the daemon's file the CLI cannot find its API, opens the directory, and is told who holds it.
        File.Move(Path.Combine(data, "daemon.json"), Path.Combine(data, "daemon.json.away"));
        var locked = DatomProcess.Run(null, "query", "--data", data, "[:find ?e :where [?e :db/ident]]");
        Assert.Equal(3, locked.ExitCode);
        Assert.Contains($"datom run (pid {daemon.ProcessId})", locked.Stderr, StringComparison.Ordinal);
        File.Move(Path.Combine(data, "daemon.json.away"), Path.Combine(data, "daemon.json"));
        Assert.Equal(0, daemon.Stop());
    }

    [Fact]
    public void Commands_that_need_the_files_to_themselves_say_why_they_refuse()
    {
        using var dir = new TempDirectory();
        var data = Init(dir);
        using var daemon = RunningDaemon.Start(data);
        var rebuild = DatomProcess.Run(null, "index", "rebuild", "--data", data);
        Assert.Equal(3, rebuild.ExitCode);
        Assert.Contains("stop it", rebuild.Stderr, StringComparison.Ordinal);
        var verify = DatomProcess.Run(null, "log", "verify", "--data", data);
        Assert.Equal(3, verify.ExitCode);
        Assert.Contains("stop it", verify.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, daemon.Stop());
        Assert.Equal(0, DatomProcess.Run(null, "log", "verify", "--data", data).ExitCode);
    }

    [Fact]
    public void Code_edit_runs_the_editor_here_and_transacts_through_the_daemon()
    {
        using var dir = new TempDirectory();
        var data = Init(dir);
        var source = dir.Sub("app.clj");
        File.WriteAllText(source, "(ns app)\n(defn greet [name] (str \"hello, \" name))\n");
        Assert.Equal(0, DatomProcess.Run(null, "code", "load", "--data", data, source).ExitCode);
        using var daemon = RunningDaemon.Start(data);
        var editor = dir.Sub("editor.sh");
        File.WriteAllText(editor, "#!/bin/sh\nsed -i 's/hello, /hallo, /' \"$1\"\n");
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(editor, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var edit = DatomProcess.RunWith(new Dictionary<string, string?> { ["EDITOR"] = editor, ["VISUAL"] = null }, "code", "edit", "--data", data, "-m", "German", "app/greet");
        Assert.True(edit.ExitCode == 0, edit.Stderr);
        Assert.Contains("1 datoms asserted, 1 retracted", edit.Stdout, StringComparison.Ordinal);
        Assert.Equal("\"hallo, x\"", DatomProcess.Run(null, "code", "run", "--data", data, "app/greet", "\"x\"").Stdout.Trim());

        // A syntax error in the edited text: reported with its line, nothing transacted.
        File.WriteAllText(editor, "#!/bin/sh\necho '(defn greet [name] (str ' >> \"$1\"\n");
        var broken = DatomProcess.RunWith(new Dictionary<string, string?> { ["EDITOR"] = editor, ["VISUAL"] = null }, "code", "edit", "--data", data, "app/greet");
        Assert.Equal(1, broken.ExitCode);
        Assert.Contains("line 2", broken.Stderr, StringComparison.Ordinal);
        Assert.Contains("nothing transacted", broken.Stderr, StringComparison.Ordinal);
        Assert.Equal("\"hallo, x\"", DatomProcess.Run(null, "code", "run", "--data", data, "app/greet", "\"x\"").Stdout.Trim());
        Assert.Equal(0, daemon.Stop());
    }

    [Fact]
    public async Task The_api_refuses_bad_requests_clearly_and_stays_up()
    {
        using var dir = new TempDirectory();
        var data = Init(dir);
        using var daemon = RunningDaemon.Start(data);
        using var http = Client(Path.Combine(data, "api.sock"));

        var garbage = await http.SendAsync(Post("/v1/cli", "this is not json\n"));
        Assert.Equal(HttpStatusCode.BadRequest, garbage.StatusCode);
        Assert.Contains("bad command request", await garbage.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var noLine = await http.SendAsync(Post("/v1/cli", "{\"args\":[\"status\"]"));
        Assert.Equal(HttpStatusCode.BadRequest, noLine.StatusCode);

        var other = await http.SendAsync(Post("/v1/cli", "{\"args\":[\"status\"],\"cwd\":\"/\",\"data\":\"/somewhere/else\"}\n"));
        Assert.Equal(HttpStatusCode.Conflict, other.StatusCode);

        var local = await http.SendAsync(Post("/v1/cli", $"{{\"args\":[\"init\"],\"cwd\":\"/\",\"data\":\"{data}\"}}\n"));
        Assert.Contains("\"exit\":2", await local.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var badQuery = await http.SendAsync(Post("/v1/query", "{\"query\":\"[:find ?x :where [?x :no/such]]\"}"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, badQuery.StatusCode);
        Assert.Contains(":no/such", RunningDaemon.Json(await badQuery.Content.ReadAsStringAsync()).GetProperty("error").GetString(), StringComparison.Ordinal);

        // The plain JSON endpoints answer as the CLI's JSON formats do.
        var status = RunningDaemon.Json(await http.GetStringAsync("/v1/status"));
        Assert.Equal(daemon.ProcessId, status.GetProperty("daemon").GetProperty("pid").GetInt32());
        var tx = await http.SendAsync(Post("/v1/transact", Schema));
        Assert.Equal(HttpStatusCode.OK, tx.StatusCode);
        Assert.Equal(2, (await tx.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        var query = await http.SendAsync(Post("/v1/query", "{\"query\":\"[:find ?a . :in $ ?n :where [?e :user/name ?n] [?e :user/age ?a]]\",\"args\":[\"\\\"Bob\\\"\"]}"));
        Assert.Equal("35", (await query.Content.ReadAsStringAsync()).Trim());

        // /v1/subscribe streams datom subscribe's lines: the result, then a line per change.
        var badSubscribe = await http.SendAsync(Post("/v1/subscribe", "{\"query\":\"[:find ?x :where [?x :no/such]]\"}"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, badSubscribe.StatusCode);
        Assert.Contains(":no/such", RunningDaemon.Json(await badSubscribe.Content.ReadAsStringAsync()).GetProperty("error").GetString(), StringComparison.Ordinal);
        using (var subscribe = await http.SendAsync(Post("/v1/subscribe", "{\"query\":\"[:find ?n ?a :where [?e :user/name ?n] [?e :user/age ?a]]\"}"), HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal(HttpStatusCode.OK, subscribe.StatusCode);
            using var lines = new StreamReader(await subscribe.Content.ReadAsStreamAsync());
            var first = RunningDaemon.Json((await lines.ReadLineAsync())!);
            Assert.Contains("[\"Bob\",35]", first.GetProperty("result").GetRawText().Replace(" ", "", StringComparison.Ordinal), StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(Post("/v1/transact", "[{:user/name \"Cy\" :user/age 7}]"))).StatusCode);
            var change = RunningDaemon.Json((await lines.ReadLineAsync())!);
            Assert.Equal("[[\"Cy\",7]]", change.GetProperty("added").GetRawText().Replace(" ", "", StringComparison.Ordinal));
            Assert.Equal(first.GetProperty("frontier").GetArrayLength(), change.GetProperty("frontier").GetArrayLength());
        }

        Assert.False(daemon.HasExited);
        Assert.Equal(0, daemon.Stop());
    }

    private static HttpRequestMessage Post(string path, string body) => new(HttpMethod.Post, path)
    {
        Content = new StringContent(body, Encoding.UTF8),
        Version = HttpVersion.Version20,
        VersionPolicy = HttpVersionPolicy.RequestVersionExact,
    };

    private static HttpClient Client(string socket) => new(new SocketsHttpHandler
    {
        ConnectCallback = async (_, token) =>
        {
            var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await s.ConnectAsync(new UnixDomainSocketEndPoint(socket), token);
            return new NetworkStream(s, ownsSocket: true);
        },
    })
    {
        BaseAddress = new Uri("http://datom"),
        DefaultRequestVersion = HttpVersion.Version20,
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        Timeout = TimeSpan.FromSeconds(30),
    };
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DaemonCollection
{
    public const string Name = "daemons";
}

using System.Net;
using System.Net.Http;
using System.Text;
using System.Text.Json;
using Datom.Node.Config;
using Datom.Node.Tests.Daemon;
using Datom.Node.WebConsole;
using Xunit;

namespace Datom.Node.Tests.Console;

/// <summary>
/// The web console over HTTP, on loopback without mDNS (no root needed): the token (401 without it,
/// the cookie it sets), Host and Origin checks (403), the page and its assets, and the JSON
/// endpoints answering as the CLI does. The browser test is <see cref="ConsoleBrowserTests"/>.
/// </summary>
[Collection(DaemonCollection.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ConsoleHttpTests
{
    private const string Schema = "[{:db/ident :person/name :db/valueType :db.type/string :db/cardinality :db.cardinality/one}]\n[{:person/name \"Ann\"}]\n";

    private const string Program = "(ns demo)\n\n(defn greet [name]\n  (str \"Hello, \" name))\n";

    [Fact]
    public async Task The_console_needs_its_token_refuses_other_hosts_and_origins_and_answers_as_the_cli_does()
    {
        using var dir = new TempDirectory();
        var data = dir.Sub("node");
        var nodeId = DatomProcess.Run(null, "init", "--data", data).Stdout.Trim();
        Assert.Equal(0, DatomProcess.Run(Schema, "transact", "--data", data, "-").ExitCode);
        var source = dir.Sub("demo.clj");
        File.WriteAllText(source, Program);
        Assert.Equal(0, DatomProcess.Run(null, "code", "load", "--data", data, "-m", "first", source).ExitCode);
        File.WriteAllText(source, Program.Replace("Hello", "Hi", StringComparison.Ordinal));
        Assert.Equal(0, DatomProcess.Run(null, "code", "load", "--data", data, "-m", "second", source).ExitCode);

        using var daemon = RunningDaemon.Start(data, "--http", "127.0.0.1:0");
        var urlFile = Path.Combine(data, ConsoleServer.UrlFileName);
        var url = File.ReadAllText(urlFile).Trim();
        Assert.Contains($"console: {url}", daemon.Output, StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(urlFile));
        var uri = new Uri(url);
        Assert.Equal("127.0.0.1", uri.Host);
        Assert.NotEqual(0, uri.Port);
        var token = uri.Query["?token=".Length..];
        Assert.Matches("^[0-9a-f]{48}$", token);
        var origin = $"http://127.0.0.1:{uri.Port}";

        using var plain = new HttpClient(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = new Uri(origin) };

        // Without the token, or with a wrong one: 401 for the page, the API and a live stream alike.
        foreach (var path in new[] { "/", "/api/status", "/assets/app.js", "/api/log", "/api/services/logs?follow=1" })
            Assert.Equal(HttpStatusCode.Unauthorized, (await plain.GetAsync(path)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await plain.PostAsync("/api/subscribe", Json(new { query = "[:find ?n :where [_ :person/name ?n]]" }))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await plain.GetAsync("/api/status?token=" + new string('0', 48))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Send(plain, HttpMethod.Get, "/api/status", ("Authorization", "Bearer wrong"))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Send(plain, HttpMethod.Get, "/api/status", ("Cookie", $"datom_console_{uri.Port}=wrong"))).StatusCode);

        // The URL's token: a cookie (HttpOnly, SameSite=Strict), and the page without the token in its address.
        var first = await plain.GetAsync(url);
        Assert.Equal(HttpStatusCode.SeeOther, first.StatusCode);
        Assert.Equal("/", first.Headers.Location?.ToString());
        var cookie = Assert.Single(first.Headers.GetValues("Set-Cookie"));
        Assert.Contains($"datom_console_{uri.Port}={token}", cookie, StringComparison.Ordinal);
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        var cookieHeader = ("Cookie", cookie[..cookie.IndexOf(';', StringComparison.Ordinal)]);
        var page = await Send(plain, HttpMethod.Get, "/", cookieHeader);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("/assets/app.js", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        var script = await Send(plain, HttpMethod.Get, "/assets/app.js", cookieHeader);
        Assert.Equal("text/javascript", script.Content.Headers.ContentType?.MediaType);
        Assert.True((await script.Content.ReadAsByteArrayAsync()).Length > 1000);
        Assert.Equal(HttpStatusCode.NotFound, (await Send(plain, HttpMethod.Get, "/assets/nothing.js", cookieHeader)).StatusCode);

        var bearer = ("Authorization", $"Bearer {token}");
        // DNS rebinding: a name that resolves here is still not this server's name.
        foreach (var host in new[] { $"evil.example:{uri.Port}", $"127.0.0.1.nip.io:{uri.Port}", $"127.0.0.1:{uri.Port + 1}", "127.0.0.1" })
            Assert.Equal(HttpStatusCode.Forbidden, (await Send(plain, HttpMethod.Get, "/api/status", bearer, ("Host", host))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Send(plain, HttpMethod.Get, "/api/status", bearer, ("Host", $"localhost:{uri.Port}"))).StatusCode);
        // Cross-origin: another page's Origin, or a browser saying the request is from another site, even with the token.
        Assert.Equal(HttpStatusCode.Forbidden, (await Send(plain, HttpMethod.Get, "/api/status", bearer, ("Origin", "http://evil.example"))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await Send(plain, HttpMethod.Post, "/api/query", bearer, ("Origin", $"http://localhost:{uri.Port + 1}"))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await Send(plain, HttpMethod.Get, "/api/status", cookieHeader, ("Sec-Fetch-Site", "cross-site"), ("Sec-Fetch-Mode", "cors"))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await Send(plain, HttpMethod.Get, "/", cookieHeader, ("Sec-Fetch-Site", "same-site"), ("Sec-Fetch-Mode", "no-cors"), ("Sec-Fetch-Dest", "iframe"))).StatusCode);
        // A link to the console's URL, followed from another site's page: a top-level navigation, allowed (the token is in the URL).
        Assert.Equal(HttpStatusCode.SeeOther, (await Send(plain, HttpMethod.Get, uri.PathAndQuery, ("Sec-Fetch-Site", "cross-site"), ("Sec-Fetch-Mode", "navigate"), ("Sec-Fetch-Dest", "document"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Send(plain, HttpMethod.Get, "/api/status", bearer, ("Origin", origin), ("Sec-Fetch-Site", "same-origin"))).StatusCode);

        using var api = new HttpClient { BaseAddress = new Uri(origin) };
        api.DefaultRequestHeaders.Add("Authorization", $"Bearer {token}");

        // The endpoints print what the CLI prints through the daemon.
        var status = await GetJsonAsync(api, "/api/status");
        Assert.Equal(nodeId, status.GetProperty("node").GetString());
        Assert.Equal(Strip(Cli(data, "status", "--format", "json")), Strip(await api.GetStringAsync("/api/status")));
        Assert.False((await GetJsonAsync(api, "/api/peers")).GetProperty("connected").EnumerateArray().Any());

        var log = await GetJsonAsync(api, "/api/log?limit=2");
        var total = log.GetProperty("total").GetInt32();
        Assert.Equal(status.GetProperty("entries").GetInt32(), total);
        Assert.Equal(total - 2, log.GetProperty("from").GetInt32());
        var cliLog = Cli(data, "log", "--format", "json").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(
            cliLog[^2..].Select(l => Json(l).GetProperty("hash").GetString()),
            log.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("hash").GetString()));
        var oldest = await GetJsonAsync(api, "/api/log?from=0&limit=1");
        Assert.Equal(Json(cliLog[0]).GetProperty("hash").GetString(), oldest.GetProperty("entries")[0].GetProperty("hash").GetString());
        // A page shows the first datoms of each entry and how many it has (the code's schema entry has hundreds).
        var all = (await GetJsonAsync(api, "/api/log?from=0&limit=500")).GetProperty("entries").EnumerateArray().ToArray();
        Assert.Equal(total, all.Length);
        Assert.All(all, e => Assert.Equal(Math.Min(e.GetProperty("datom_count").GetInt32(), ConsoleRoutes.MaxDatomsShown), e.GetProperty("datoms").GetArrayLength()));
        Assert.Contains(all, e => e.GetProperty("datom_count").GetInt32() > ConsoleRoutes.MaxDatomsShown);
        Assert.Equal(HttpStatusCode.BadRequest, (await api.GetAsync("/api/log?limit=100000")).StatusCode);

        var query = await api.PostAsync("/api/query", Json(new { query = "[:find ?n :where [_ :person/name ?n]]" }));
        Assert.Equal("[[\"Ann\"]]", (await query.Content.ReadAsStringAsync()).Trim());
        var plan = await api.PostAsync("/api/query", Json(new { query = "[:find ?n :where [_ :person/name ?n]]", explain = true }));
        Assert.Equal(Cli(data, "query", "--explain", "[:find ?n :where [_ :person/name ?n]]"), await plan.Content.ReadAsStringAsync());
        var bad = await api.PostAsync("/api/query", Json(new { query = "[:find ?n :where [_ :person/name ?n]" }));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, bad.StatusCode);
        Assert.Contains("unterminated vector", (await GetJsonAsync(bad)).GetProperty("error").GetString(), StringComparison.Ordinal);

        Assert.Equal("[[\"demo\",\"greet\"]]", (await api.GetStringAsync("/api/code")).Trim());
        Assert.Equal(Cli(data, "code", "show", "demo/greet"), await api.GetStringAsync("/api/code/show?name=demo/greet"));
        Assert.Equal(Cli(data, "code", "history", "demo/greet", "--format", "json"), await api.GetStringAsync("/api/code/history?name=demo/greet"));
        var history = (await api.GetStringAsync("/api/code/history?name=demo/greet")).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(Json).ToArray();
        Assert.Equal(["first", "second"], history.Select(v => v.GetProperty("reason").GetString()));
        var blame = (await api.GetStringAsync("/api/code/blame?name=demo/greet")).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(Json).ToArray();
        Assert.Equal(["first", "second"], blame.Select(l => l.GetProperty("reason").GetString()));
        var firstEntry = history[0].GetProperty("entry").GetString();
        Assert.Contains("+  (str \"Hi, \" name))", await api.GetStringAsync($"/api/code/diff?name=demo/greet&from={firstEntry}"), StringComparison.Ordinal);
        Assert.Contains("Hello", await api.GetStringAsync($"/api/code/show?name=demo/greet&as_of={firstEntry}"), StringComparison.Ordinal);
        Assert.Equal("", await api.GetStringAsync("/api/code/conflicts"));
        Assert.Equal(HttpStatusCode.BadRequest, (await api.GetAsync("/api/code/show?name=--help")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync("/v1/status")).StatusCode);

        // The token dies with the daemon.
        Assert.Equal(0, daemon.Stop());
        Assert.False(File.Exists(urlFile), "console.url outlived the daemon");
    }

    [Fact]
    public async Task Conflicts_are_listed_with_every_version_and_a_pick_resolves_one()
    {
        using var dir = new TempDirectory();
        var data = dir.Sub("node");
        Directory.CreateDirectory(data);
        string hey, howdy;
        using (var history = await Datom.Vm.Tests.Support.ScriptedHistory.CreateAsync(data))
            (hey, howdy) = (history.Hey.Hash.ToString(), history.Howdy.Hash.ToString());
        // The scripted node has an identity but no mesh; a daemon needs one: another node's key.
        Assert.Equal(0, DatomProcess.Run(null, "init", "--data", dir.Sub("other")).ExitCode);
        File.Copy(Path.Combine(dir.Sub("other"), "mesh.key"), Path.Combine(data, "mesh.key"));
        using var daemon = RunningDaemon.Start(data, "--http", "127.0.0.1:0");
        var url = new Uri(File.ReadAllText(Path.Combine(data, ConsoleServer.UrlFileName)).Trim());
        using var api = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{url.Port}") };
        api.DefaultRequestHeaders.Add("Authorization", "Bearer " + url.Query["?token=".Length..]);

        var conflict = Json((await api.GetStringAsync("/api/code/conflicts")).Trim());
        Assert.Equal("core/greet", conflict.GetProperty("definition").GetString());
        var versions = conflict.GetProperty("versions").EnumerateArray().ToArray();
        Assert.Equal([howdy, hey], versions.Select(v => v.GetProperty("entry").GetString()));
        Assert.Equal([true, false], versions.Select(v => v.GetProperty("winner").GetBoolean()));
        Assert.Equal(Datom.Vm.Tests.Support.ScriptedHistory.HeyGreet, versions[1].GetProperty("source").GetString());

        var picked = await api.PostAsync($"/api/code/pick?name=core/greet&entry={hey[..12]}", null);
        Assert.True(picked.IsSuccessStatusCode, await picked.Content.ReadAsStringAsync());
        Assert.StartsWith($"core/greet: picked {hey}", await picked.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal("", await api.GetStringAsync("/api/code/conflicts"));
        Assert.Equal(Datom.Vm.Tests.Support.ScriptedHistory.HeyGreet, await api.GetStringAsync("/api/code/show?name=core/greet"));
        var again = await api.PostAsync($"/api/code/pick?name=core/greet&entry={hey[..12]}", null);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, again.StatusCode);
        Assert.Contains("is not in conflict", await again.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_console_binds_loopback_unless_the_config_allows_more()
    {
        using var dir = new TempDirectory();
        var data = dir.Sub("node");
        var refused = DatomProcess.Run(null, "run", "--data", data, "--no-mdns", "--listen", "off", "--http", "0.0.0.0:0");
        Assert.Equal(ExitCodes.Usage, refused.ExitCode);
        Assert.Contains("allow_remote", refused.Stderr, StringComparison.Ordinal);
        var malformed = DatomProcess.Run(null, "run", "--data", data, "--no-mdns", "--listen", "off", "--http", "localhost:80");
        Assert.Equal(ExitCodes.Usage, malformed.ExitCode);
        Assert.Contains("--http: 'localhost:80' is not HOST:PORT", malformed.Stderr, StringComparison.Ordinal);

        Assert.Null(NodeConfig.Parse("", "node.toml", dir.Path).Http.Listen);
        Assert.Null(NodeConfig.Parse("[http]\nlisten = \"off\"\n", "node.toml", dir.Path).Http.Listen);
        Assert.Equal(new IPEndPoint(IPAddress.IPv6Loopback, 8080), NodeConfig.Parse("[http]\nlisten = \"[::1]:8080\"\n", "node.toml", dir.Path).Http.Listen);
        var error = Assert.Throws<ConfigException>(() => NodeConfig.Parse("[http]\nlisten = \"0.0.0.0:8080\"\n", "node.toml", dir.Path)).Message;
        Assert.Contains("node.toml:2:", error, StringComparison.Ordinal);
        Assert.Contains("allow_remote = true", error, StringComparison.Ordinal);
        var open = NodeConfig.Parse("[http]\nlisten = \"0.0.0.0:8080\"\nallow_remote = true\n", "node.toml", dir.Path).Http;
        Assert.Equal(new IPEndPoint(IPAddress.Any, 8080), open.Listen);
    }

    [Theory]
    [InlineData("127.0.0.1:8080", true)]
    [InlineData("localhost:8080", true)]
    [InlineData("LOCALHOST:8080", true)]
    [InlineData("[::1]:8080", true)]
    [InlineData("10.1.2.3:8080", true)]
    [InlineData("127.0.0.1:8081", false)]
    [InlineData("127.0.0.1", false)]
    [InlineData("evil.example:8080", false)]
    [InlineData("localhost.evil.example:8080", false)]
    [InlineData("127.1:8080", false)]
    [InlineData("[evil]:8080", false)]
    [InlineData("", false)]
    public void The_host_header_must_name_the_server_by_address(string host, bool allowed) =>
        Assert.Equal(allowed, ConsoleServer.HostAllowed(host, 8080));

    private static string Cli(string data, params string[] args)
    {
        var result = DatomProcess.Run(null, [.. args, "--data", data]);
        Assert.True(result.ExitCode == 0, $"datom {string.Join(' ', args)}: {result.Stderr}");
        return result.Stdout;
    }

    /// <summary>Status without what changes between two calls (the wall clock).</summary>
    private static string Strip(string status)
    {
        var json = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(status)!;
        json.Remove("clock");
        return JsonSerializer.Serialize(json);
    }

    private static StringContent Json(object value) => new(JsonSerializer.Serialize(value), Encoding.UTF8, "application/json");

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement.Clone();

    private static async Task<JsonElement> GetJsonAsync(HttpClient client, string path) => Json(await client.GetStringAsync(path));

    private static async Task<JsonElement> GetJsonAsync(HttpResponseMessage response) => Json(await response.Content.ReadAsStringAsync());

    private static async Task<HttpResponseMessage> Send(HttpClient client, HttpMethod method, string path, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(method, path);
        if (method == HttpMethod.Post)
            request.Content = Json(new { query = "[:find ?n :where [_ :person/name ?n]]" });
        foreach (var (name, value) in headers)
        {
            if (name == "Host")
                request.Headers.Host = value;
            else
                request.Headers.TryAddWithoutValidation(name, value);
        }
        return await client.SendAsync(request);
    }
}

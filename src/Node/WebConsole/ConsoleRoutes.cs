using System.Globalization;
using System.Text;
using System.Text.Json;
using Datom.Node.Api;
using Datom.Node.Daemon;
using Datom.Node.Output;
using Microsoft.AspNetCore.Http;

namespace Datom.Node.WebConsole;

/// <summary>
/// What the console's page asks for, each answered by the command a user would type, run inside the
/// daemon exactly as the local API runs it (<see cref="LocalApi"/>), so the console shows what the
/// CLI prints:
/// <list type="table">
/// <item><term>GET /api/status</term><description><c>datom status --format json</c></description></item>
/// <item><term>GET /api/peers</term><description><c>datom peers --format json</c></description></item>
/// <item><term>GET /api/log?from=N&amp;limit=M</term><description>a page of the log in store order: <c>{"total","from","entries":[…]}</c>, entries as <c>datom log --format json</c> prints them, with at most <see cref="MaxDatomsShown"/> datoms each and their <c>datom_count</c></description></item>
/// <item><term>POST /api/query</term><description>the local API's <c>/v1/query</c> (with <c>"explain":true</c>, the plan as text)</description></item>
/// <item><term>POST /api/subscribe</term><description>the local API's <c>/v1/subscribe</c>: <c>datom subscribe</c>'s NDJSON, streamed</description></item>
/// <item><term>GET /api/code</term><description>the loaded definitions, <c>[[ns, name], …]</c> (a query on <c>:ast/namespace</c> and <c>:fn/name</c>)</description></item>
/// <item><term>GET /api/code/show?name=&amp;as_of=</term><description><c>datom code show</c></description></item>
/// <item><term>GET /api/code/history?name=</term><description><c>datom code history --format json</c></description></item>
/// <item><term>GET /api/code/blame?name=</term><description><c>datom code blame --format json</c></description></item>
/// <item><term>GET /api/code/diff?name=&amp;from=&amp;to=</term><description><c>datom code diff</c></description></item>
/// <item><term>GET /api/code/conflicts</term><description><c>datom code conflicts --format json</c></description></item>
/// <item><term>POST /api/code/pick?name=&amp;entry=</term><description><c>datom code pick NAME --entry HASH</c></description></item>
/// <item><term>GET /api/services/logs?n=N&amp;follow=1</term><description><c>datom code logs -n N [-f]</c>, streamed when following</description></item>
/// </list>
/// Errors are the local API's: <c>{"error","exit"}</c> with a fitting status.
/// </summary>
internal sealed class ConsoleRoutes(RunningNode node)
{
    /// <summary>Entries on one log page, at most: a page is read from disk per request, never the whole log.</summary>
    public const int MaxPage = 500;

    /// <summary>Datoms shown per entry in a log page (an entry may hold 100,000).</summary>
    public const int MaxDatomsShown = 20;

    private const string DefinitionsQuery = "[:find ?ns ?name :where [?d :ast/namespace ?ns] [?d :fn/name ?name]]";

    private const string Text = "text/plain; charset=utf-8";

    public async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var path = request.Path.Value ?? "/";
        var get = HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method);
        var post = HttpMethods.IsPost(request.Method);
        switch (path)
        {
            case "/" when get:
                await ConsoleAssets.ServeAsync(context, "index.html");
                return;
            case "/api/status" when get:
                await LocalApi.JsonCommandAsync(context, node, ["status", "--format", "json"], null);
                return;
            case "/api/peers" when get:
                await LocalApi.JsonCommandAsync(context, node, ["peers", "--format", "json"], null);
                return;
            case "/api/log" when get:
                await LogPageAsync(context);
                return;
            case "/api/query" when post:
                await LocalApi.QueryAsync(context, node);
                return;
            case "/api/subscribe" when post:
                await LocalApi.SubscribeAsync(context, node);
                return;
            case "/api/code" when get:
                await LocalApi.JsonCommandAsync(context, node, ["query", DefinitionsQuery, "--format", "json"], null);
                return;
            case "/api/code/show" when get:
                await CodeAsync(context, ["code", "show"], Text, ("--as-of", "as_of"));
                return;
            case "/api/code/history" when get:
                await CodeAsync(context, ["code", "history", "--format", "json"], ApiFrames.NdJson);
                return;
            case "/api/code/blame" when get:
                await CodeAsync(context, ["code", "blame", "--format", "json"], ApiFrames.NdJson);
                return;
            case "/api/code/diff" when get:
                await CodeAsync(context, ["code", "diff"], Text, ("--from", "from"), ("--to", "to"));
                return;
            case "/api/code/conflicts" when get:
                await LocalApi.JsonCommandAsync(context, node, ["code", "conflicts", "--format", "json"], null);
                return;
            case "/api/code/pick" when post:
                await CodeAsync(context, ["code", "pick"], Text, ("--entry", "entry"));
                return;
            case "/api/services/logs" when get:
                await ServiceLogsAsync(context);
                return;
        }
        if (get && path.StartsWith("/assets/", StringComparison.Ordinal))
        {
            await ConsoleAssets.ServeAsync(context, path["/assets/".Length..]);
            return;
        }
        await ErrorAsync(context, StatusCodes.Status404NotFound, $"no {request.Method} {path} here");
    }

    /// <summary>
    /// A code command on <c>?name=</c> with the options the query names. A value that begins with '-'
    /// is refused: it would be read as an option.
    /// </summary>
    private async Task CodeAsync(HttpContext context, string[] command, string contentType, params (string Option, string Parameter)[] options)
    {
        var query = context.Request.Query;
        var name = query["name"].ToString();
        if (string.IsNullOrEmpty(name) || name.StartsWith('-'))
        {
            await ErrorAsync(context, StatusCodes.Status400BadRequest, "expected ?name=NS/FN (or a namespace)");
            return;
        }
        var args = new List<string>(command) { name };
        foreach (var (option, parameter) in options)
        {
            var value = query[parameter].ToString();
            if (value.Length == 0)
                continue;
            if (value.StartsWith('-'))
            {
                await ErrorAsync(context, StatusCodes.Status400BadRequest, $"?{parameter}=: '{value}' is not a time or entry hash");
                return;
            }
            args.AddRange([option, value]);
        }
        await LocalApi.JsonCommandAsync(context, node, [.. args], null, contentType);
    }

    private async Task ServiceLogsAsync(HttpContext context)
    {
        var query = context.Request.Query;
        var lines = 200;
        if (query["n"].ToString() is { Length: > 0 } n && (!int.TryParse(n, NumberStyles.None, CultureInfo.InvariantCulture, out lines) || lines > 10_000))
        {
            await ErrorAsync(context, StatusCodes.Status400BadRequest, $"?n=: '{n}' is not a number of lines from 0 to 10000");
            return;
        }
        var args = new List<string> { "code", "logs", "-n", lines.ToString(CultureInfo.InvariantCulture) };
        if (query["follow"] == "1")
        {
            args.Add("-f");
            await LocalApi.StreamOutputAsync(context, node, [.. args], Text, startNow: true);
            return;
        }
        await LocalApi.JsonCommandAsync(context, node, [.. args], null, Text);
    }

    /// <summary>
    /// One page of the log in store order (parents before children), read by position, so paging
    /// costs the page, not the log: a node with millions of entries answers as fast as a new one.
    /// Without <c>from</c>, the newest page.
    /// </summary>
    private async Task LogPageAsync(HttpContext context)
    {
        var query = context.Request.Query;
        var limit = 100;
        if (query["limit"].ToString() is { Length: > 0 } l && (!int.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > MaxPage))
        {
            await ErrorAsync(context, StatusCodes.Status400BadRequest, $"?limit=: '{l}' is not a number of entries from 1 to {MaxPage}");
            return;
        }
        var log = node.Opened.Log;
        var total = log.DurableCount;
        int from;
        if (query["from"].ToString() is { Length: > 0 } f)
        {
            if (!int.TryParse(f, NumberStyles.None, CultureInfo.InvariantCulture, out from))
            {
                await ErrorAsync(context, StatusCodes.Status400BadRequest, $"?from=: '{f}' is not a position in the log (0 or more)");
                return;
            }
            from = Math.Min(from, Math.Max(0, total - 1));
        }
        else
        {
            from = Math.Max(0, total - limit);
        }
        var entries = log.EntriesFrom(from, limit);
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, JsonOutput.Options))
        {
            w.WriteStartObject();
            w.WriteNumber("total", total);
            w.WriteNumber("from", from);
            w.WriteStartArray("entries");
            foreach (var entry in entries)
                EntryFormatter.WriteJson(w, entry, MaxDatomsShown);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(stream.ToArray(), context.RequestAborted);
    }

    private static async Task ErrorAsync(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(JsonSerializer.Serialize(new Dictionary<string, object> { ["error"] = message, ["exit"] = ExitCodes.Usage }) + "\n", Encoding.UTF8, context.RequestAborted);
    }
}

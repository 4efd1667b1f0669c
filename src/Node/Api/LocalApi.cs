using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Datom.Node.Daemon;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;

namespace Datom.Node.Api;

/// <summary>
/// The daemon's local API: HTTP/2 with JSON on a Unix socket in the data directory (only the
/// directory's owner can reach it). Every CLI command goes through <c>POST /v1/cli</c>, which runs
/// the very command code a CLI without a daemon runs, with the caller's arguments, working
/// directory and standard input, and streams its output back; so both routes answer alike. For
/// scripts there are plain JSON endpoints too, each the JSON form of a CLI command:
/// <list type="bullet">
/// <item><c>GET /v1/status</c>: <c>datom status --format json</c></item>
/// <item><c>GET /v1/peers</c>: <c>datom peers --format json</c></item>
/// <item><c>POST /v1/query</c> with <c>{"query":"[:find …]","args":["…"],"as_of":"…","since":"…","author":"…","history":false,"conflicts":false}</c>: <c>datom query --format json</c></item>
/// <item><c>POST /v1/transact</c> with EDN tx-data as the body: <c>datom transact -</c>, one JSON acknowledgement per line</item>
/// <item><c>POST /v1/subscribe</c> with <c>{"query":"[:find …]","args":["…"],"from":"…"}</c>: <c>datom subscribe</c>'s lines as they come (NDJSON); an error after the first line ends the stream with a last line <c>{"error","exit"}</c></item>
/// </list>
/// </summary>
/// <remarks>
/// HTTP/2 because a command's input and output stream at once (<c>datom transact -</c> prints each
/// acknowledgement while the caller is still sending transactions), which .NET's HTTP/1.1 client
/// cannot do. With curl: <c>curl --http2-prior-knowledge --unix-socket DIR/api.sock http://datom/v1/status</c>.
/// </remarks>
internal static class LocalApi
{
    /// <summary>Commands that never run inside the daemon: they create, run or measure nodes of their own.</summary>
    private static readonly HashSet<string> LocalOnly = ["init", "run", "bench", "repl"];

    public static void Map(IEndpointRouteBuilder routes, RunningNode node)
    {
        routes.MapPost(ApiFrames.CliPath, context => CliAsync(context, node));
        routes.MapGet("/v1/status", context => JsonCommandAsync(context, node, ["status", "--format", "json"], null));
        routes.MapGet("/v1/peers", context => JsonCommandAsync(context, node, ["peers", "--format", "json"], null));
        routes.MapPost("/v1/query", context => QueryAsync(context, node));
        routes.MapPost("/v1/transact", context => JsonCommandAsync(context, node, ["transact", "-"], context.Request.Body, ApiFrames.NdJson));
        routes.MapPost("/v1/subscribe", context => SubscribeAsync(context, node));
    }

    /// <summary>Whether the CLI hands <paramref name="command"/> (the first argument) to a running daemon.</summary>
    public static bool RunsInDaemon(string? command) => command is not null && !LocalOnly.Contains(command) && !command.StartsWith('-');

    private static async Task CliAsync(HttpContext context, RunningNode node)
    {
        // The command reads standard input synchronously (an EDN reader over a TextReader) on its
        // own thread, so this request may block on its body.
        context.Features.Get<IHttpBodyControlFeature>()!.AllowSynchronousIO = true;
        var body = context.Request.BodyReader;
        CliRequest? request;
        try
        {
            request = await ReadRequestLineAsync(body, context.RequestAborted);
        }
        catch (Exception e) when (e is JsonException or InvalidDataException)
        {
            await WriteErrorAsync(context, StatusCodes.Status400BadRequest, $"bad command request: {e.Message}", ExitCodes.Usage);
            return;
        }
        if (request is null || request.Args is null)
        {
            await WriteErrorAsync(context, StatusCodes.Status400BadRequest, "bad command request: expected {\"args\":[…],\"cwd\":\"…\",\"data\":\"…\"} on the first line", ExitCodes.Usage);
            return;
        }
        if (!string.Equals(Path.GetFullPath(request.DataDirectory), node.Path, StringComparison.Ordinal))
        {
            await WriteErrorAsync(context, StatusCodes.Status409Conflict, $"this daemon serves {node.Path}, not {request.DataDirectory}", ExitCodes.Unavailable);
            return;
        }
        context.Response.ContentType = ApiFrames.NdJson;
        await context.Response.StartAsync(context.RequestAborted);
        await StreamCommandAsync(context, node, request.Args, request.WorkingDirectory, body.AsStream());
    }

    internal static async Task QueryAsync(HttpContext context, RunningNode node)
    {
        QueryRequest? request;
        try
        {
            request = await JsonSerializer.DeserializeAsync(context.Request.Body, ApiJson.Default.QueryRequest, context.RequestAborted);
        }
        catch (JsonException e)
        {
            await WriteErrorAsync(context, StatusCodes.Status400BadRequest, $"bad query request: {e.Message}", ExitCodes.Usage);
            return;
        }
        if (request?.Query is null)
        {
            await WriteErrorAsync(context, StatusCodes.Status400BadRequest, "bad query request: expected {\"query\":\"[:find …]\", \"args\":[…]}", ExitCodes.Usage);
            return;
        }
        await JsonCommandAsync(context, node, QueryArgs(request), null, request.Explain ? "text/plain; charset=utf-8" : "application/json");
    }

    /// <summary>The <c>datom query</c> command line that a query request stands for.</summary>
    internal static string[] QueryArgs(QueryRequest request)
    {
        var args = new List<string> { "query", request.Query, "--format", "json" };
        if (request.AsOf is not null)
            args.AddRange(["--as-of", request.AsOf]);
        if (request.Since is not null)
            args.AddRange(["--since", request.Since]);
        if (request.Author is not null)
            args.AddRange(["--author", request.Author]);
        if (request.History)
            args.Add("--history");
        if (request.Conflicts)
            args.Add("--conflicts");
        if (request.Explain)
            args.Add("--explain");
        // Options before the inputs: after "--", everything is an input.
        if (request.Args is { Length: > 0 })
        {
            args.Add("--");
            args.AddRange(request.Args);
        }
        return [.. args];
    }

    internal static async Task SubscribeAsync(HttpContext context, RunningNode node)
    {
        SubscribeRequest? request;
        try
        {
            request = await JsonSerializer.DeserializeAsync(context.Request.Body, ApiJson.Default.SubscribeRequest, context.RequestAborted);
        }
        catch (JsonException e)
        {
            await WriteErrorAsync(context, StatusCodes.Status400BadRequest, $"bad subscribe request: {e.Message}", ExitCodes.Usage);
            return;
        }
        if (request?.Query is null)
        {
            await WriteErrorAsync(context, StatusCodes.Status400BadRequest, "bad subscribe request: expected {\"query\":\"[:find …]\", \"args\":[…], \"from\":\"HASH,…\"}", ExitCodes.Usage);
            return;
        }
        var args = new List<string> { "subscribe", request.Query, "--format", "json" };
        if (request.From is not null)
            args.AddRange(["--from", request.From]);
        if (request.Args is { Length: > 0 })
        {
            args.Add("--");
            args.AddRange(request.Args);
        }
        await StreamOutputAsync(context, node, [.. args], ApiFrames.NdJson);
    }

    /// <summary>
    /// Runs a long-running command (<c>subscribe</c>, <c>code logs -f</c>) and streams its standard
    /// output as the body, each write flushed as it comes, until it ends or the caller goes away. An
    /// error before any output is an error response; after, a last line <c>{"error","exit"}</c>.
    /// </summary>
    /// <param name="startNow">Send the headers at once, before any output (for a follower that may wait long for its first line).</param>
    internal static async Task StreamOutputAsync(HttpContext context, RunningNode node, string[] args, string contentType, bool startNow = false)
    {
        var frames = Channel.CreateBounded<CliFrame>(new BoundedChannelOptions(256) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        var error = new StringBuilder();
        var started = false;
        if (startNow)
        {
            started = true;
            context.Response.ContentType = contentType;
            await context.Response.StartAsync(context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
        }
        var pump = Task.Run(async () =>
        {
            try
            {
                await foreach (var frame in frames.Reader.ReadAllAsync(context.RequestAborted))
                {
                    error.Append(frame.Err);
                    if (frame.Out is null)
                        continue;
                    if (!started)
                    {
                        started = true;
                        context.Response.ContentType = contentType;
                        await context.Response.StartAsync(context.RequestAborted);
                    }
                    await context.Response.WriteAsync(frame.Out, context.RequestAborted);
                    await context.Response.Body.FlushAsync(context.RequestAborted);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or IOException)
            {
                frames.Writer.TryComplete(e);
            }
        });
        var exit = await RunAsync(node, args, null, Stream.Null, frames.Writer, context.RequestAborted);
        frames.Writer.TryComplete();
        await pump;
        if (exit == ExitCodes.Ok || context.RequestAborted.IsCancellationRequested)
            return;
        var message = error.ToString().Trim();
        if (message.StartsWith("datom: ", StringComparison.Ordinal))
            message = message["datom: ".Length..];
        if (!started)
        {
            await WriteErrorAsync(context, exit == ExitCodes.Usage ? StatusCodes.Status400BadRequest : exit == ExitCodes.TryAgain ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status422UnprocessableEntity, message, exit);
            return;
        }
        await context.Response.Body.WriteAsync(ApiJson.Line(new ApiError(message, exit), ApiJson.Default.ApiError), context.RequestAborted);
    }

    /// <summary>Runs a command and answers with its standard output as the body, or its error as {"error","exit"} with a fitting status.</summary>
    internal static async Task JsonCommandAsync(HttpContext context, RunningNode node, string[] args, Stream? input, string contentType = "application/json")
    {
        if (input is not null)
            context.Features.Get<IHttpBodyControlFeature>()!.AllowSynchronousIO = true;
        var output = new StringBuilder();
        var error = new StringBuilder();
        var frames = Channel.CreateBounded<CliFrame>(new BoundedChannelOptions(256) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        var collect = Task.Run(async () =>
        {
            await foreach (var frame in frames.Reader.ReadAllAsync())
            {
                output.Append(frame.Out);
                error.Append(frame.Err);
            }
        });
        var exit = await RunAsync(node, args, null, input ?? Stream.Null, frames.Writer, context.RequestAborted);
        frames.Writer.TryComplete();
        await collect;
        if (exit == ExitCodes.Ok)
        {
            context.Response.ContentType = contentType;
            await context.Response.WriteAsync(output.ToString(), context.RequestAborted);
            return;
        }
        var status = exit switch
        {
            ExitCodes.Usage => StatusCodes.Status400BadRequest,
            ExitCodes.Unavailable => StatusCodes.Status503ServiceUnavailable,
            ExitCodes.Interrupted => StatusCodes.Status499ClientClosedRequest,
            _ => StatusCodes.Status422UnprocessableEntity,
        };
        await WriteErrorAsync(context, status, error.ToString().Trim(), exit);
    }

    private static async Task StreamCommandAsync(HttpContext context, RunningNode node, string[] args, string? workingDirectory, Stream input)
    {
        var frames = Channel.CreateBounded<CliFrame>(new BoundedChannelOptions(256) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        var response = context.Response.BodyWriter;
        var pump = Task.Run(async () =>
        {
            try
            {
                while (await frames.Reader.WaitToReadAsync(context.RequestAborted))
                {
                    while (frames.Reader.TryRead(out var frame))
                        response.Write(ApiJson.Line(frame, ApiJson.Default.CliFrame));
                    await response.FlushAsync(context.RequestAborted);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or IOException)
            {
                // The caller went away: stop the writers too.
                frames.Writer.TryComplete(e);
            }
        });
        var exit = await RunAsync(node, args, workingDirectory, input, frames.Writer, context.RequestAborted);
        frames.Writer.TryComplete();
        await pump;
        if (context.RequestAborted.IsCancellationRequested)
            return;
        response.Write(ApiJson.Line(new CliFrame(Exit: exit), ApiJson.Default.CliFrame));
        await response.FlushAsync(context.RequestAborted);
    }

    /// <summary>Runs one CLI command inside the daemon on its own thread, with the caller's terminal.</summary>
    private static async Task<int> RunAsync(RunningNode node, string[] args, string? workingDirectory, Stream input, ChannelWriter<CliFrame> frames, CancellationToken cancellationToken)
    {
        using var stdout = new FrameWriter(frames, error: false);
        using var stderr = new FrameWriter(frames, error: true);
        if (args.Length == 0 || !RunsInDaemon(args[0]))
        {
            stderr.WriteLine($"datom: '{(args.Length == 0 ? "" : args[0])}' does not run through the daemon; run it without one");
            return ExitCodes.Usage;
        }
        using var stdin = new StreamReader(input, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, bufferSize: 4096, leaveOpen: true);
        var terminal = new Terminal(stdin, stdout, stderr, workingDirectory, node);
        // A thread of its own: commands block on standard input and on a slow reader of their output.
        var exit = await Task.Factory.StartNew(
            () => Cli.InvokeAsync(args, terminal, cancellationToken),
            cancellationToken,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default).Unwrap().ConfigureAwait(false);
        stdout.Flush();
        stderr.Flush();
        return exit;
    }

    private static async Task<CliRequest?> ReadRequestLineAsync(PipeReader body, CancellationToken cancellationToken)
    {
        while (true)
        {
            var read = await body.ReadAsync(cancellationToken);
            var buffer = read.Buffer;
            var newline = buffer.PositionOf((byte)'\n');
            if (newline is { } end)
            {
                var line = buffer.Slice(0, end);
                var request = JsonSerializer.Deserialize(line.IsSingleSegment ? line.FirstSpan : line.ToArray(), ApiJson.Default.CliRequest);
                body.AdvanceTo(buffer.GetPosition(1, end));
                return request;
            }
            if (buffer.Length > ApiFrames.MaxRequestLineBytes)
                throw new InvalidDataException($"the request line is longer than {ApiFrames.MaxRequestLineBytes} bytes");
            if (read.IsCompleted)
                throw new InvalidDataException("the request ended before its first line did");
            body.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    private static async Task WriteErrorAsync(HttpContext context, int status, string message, int exit)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(ApiJson.Line(new ApiError(message, exit), ApiJson.Default.ApiError), context.RequestAborted);
    }
}

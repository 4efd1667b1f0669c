using System.CommandLine;
using System.CommandLine.Help;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Datom.Node.Daemon;

namespace Datom.Node.Api;

/// <summary>
/// The CLI's side of the local API: finds a daemon running on the data directory (through the
/// <see cref="DaemonFile"/> it leaves there) and has it run the command, streaming this process's
/// standard input to it and its output back.
/// </summary>
internal sealed class DaemonClient(string dataDirectory, string socketPath)
{
    /// <summary>How long to try the socket before deciding no daemon listens on it.</summary>
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(2);

    public string SocketPath { get; } = socketPath;

    /// <summary>
    /// The daemon to hand this command to, or null to run it in this process: for commands that
    /// run locally anyway (<c>init</c>, <c>run</c>, <c>bench</c>, help), and when no daemon runs on
    /// the command's data directory.
    /// </summary>
    public static DaemonClient? Route(ParseResult parse)
    {
        if (parse.Action is HelpAction)
            return null;
        var top = parse.CommandResult.Command;
        for (var c = parse.CommandResult; c.Parent is System.CommandLine.Parsing.CommandResult parent; c = parent)
            top = c.Command;
        if (top is RootCommand || !LocalApi.RunsInDaemon(top.Name))
            return null;
        if (!parse.CommandResult.Command.Options.Contains(Cli.Data))
            return null;
        // A command that needs the person's terminal (an editor) runs here and uses the daemon itself.
        if (Commands.Code.CodeEditCommand.RunsInClient(parse))
            return null;
        var data = Path.GetFullPath(DataDirectory.Resolve(parse.GetValue(Cli.Data)));
        return Find(data);
    }

    /// <summary>The daemon on <paramref name="dataDirectory"/>, if its file is there and names a live process.</summary>
    public static DaemonClient? Find(string dataDirectory)
    {
        var file = DaemonFile.Read(dataDirectory);
        if (file is null || !DaemonFile.IsAlive(file.Pid))
            return null;
        return new DaemonClient(dataDirectory, file.Socket);
    }

    public HttpClient CreateHttpClient()
    {
        var socket = SocketPath;
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = ConnectTimeout,
            ConnectCallback = async (_, cancellationToken) =>
            {
                var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await s.ConnectAsync(new UnixDomainSocketEndPoint(socket), cancellationToken).ConfigureAwait(false);
                    return new NetworkStream(s, ownsSocket: true);
                }
                catch
                {
                    s.Dispose();
                    throw;
                }
            },
        };
        return new HttpClient(handler)
        {
            BaseAddress = new Uri("http://datom"),
            Timeout = Timeout.InfiniteTimeSpan,
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
    }

    /// <summary>Runs the command in the daemon with this process's terminal; returns its exit code. Ctrl-C cancels it there.</summary>
    public Task<int> RunAsync(string[] args) => RunAsync(args, Console.OpenStandardInput(), Console.Out, Console.Error);

    /// <summary>Runs the command in the daemon with the given input and output.</summary>
    public Task<int> RunAsync(string[] args, Stream input, TextWriter stdout, TextWriter stderr) =>
        RunAsync(args, input, stdout, stderr, CancellationToken.None);

    /// <summary>Runs the command in the daemon with the given input and output, until Ctrl-C or <paramref name="cancellationToken"/>.</summary>
    public async Task<int> RunAsync(string[] args, Stream input, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        try
        {
            using var http = CreateHttpClient();
            var line = ApiJson.Line(new CliRequest(args, Environment.CurrentDirectory, dataDirectory), ApiJson.Default.CliRequest);
            using var request = new HttpRequestMessage(HttpMethod.Post, ApiFrames.CliPath)
            {
                Content = new CommandContent(line, input),
                Version = HttpVersion.Version20,
                VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            };
            HttpResponseMessage response;
            try
            {
                response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel.Token).ConfigureAwait(false);
            }
            catch (HttpRequestException e)
            {
                throw new CliException(ExitCodes.Unavailable, $"a daemon runs on {dataDirectory} but its API ({SocketPath}) does not answer: {e.Message}");
            }
            using (response)
                return await RelayAsync(response, stdout, stderr, cancel.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            stderr.WriteLine("datom: interrupted");
            return ExitCodes.Interrupted;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    private static async Task<int> RelayAsync(HttpResponseMessage response, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        if (!response.IsSuccessStatusCode)
        {
            var text = await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
            var error = TryParse(text, ApiJson.Default.ApiError);
            stderr.WriteLine($"datom: {error?.Error ?? $"the daemon answered {(int)response.StatusCode}: {text.Trim()}"}");
            return error?.Exit ?? ExitCodes.Unavailable;
        }
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            var frame = TryParse(line, ApiJson.Default.CliFrame)
                ?? throw new CliException(ExitCodes.Unavailable, $"the daemon sent a line that is not a frame: {Shorten(line)}");
            if (frame.Out is not null)
            {
                stdout.Write(frame.Out);
                stdout.Flush();
            }
            if (frame.Err is not null)
            {
                stderr.Write(frame.Err);
                stderr.Flush();
            }
            if (frame.Exit is { } exit)
                return exit;
        }
        throw new CliException(ExitCodes.Unavailable, "the daemon closed the connection before the command finished (did it stop?)");
    }

    private static T? TryParse<T>(string text, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> info)
        where T : class
    {
        try
        {
            return JsonSerializer.Deserialize(text, info);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Shorten(string s) => s.Length <= 200 ? s : s[..200] + "…";

    /// <summary>
    /// The request body: the request line, then standard input as it arrives. A content of our own
    /// (not <see cref="StreamContent"/>) because only such content lets .NET stream the request
    /// body and the response at the same time.
    /// </summary>
    private sealed class CommandContent(byte[] requestLine, Stream input) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
        {
            await stream.WriteAsync(requestLine, cancellationToken).ConfigureAwait(false);
            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
            var buffer = new byte[16 * 1024];
            while (true)
            {
                int n;
                try
                {
                    n = await input.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
                }
                catch (IOException)
                {
                    break; // standard input closed or unreadable: the command sees its end
                }
                if (n == 0)
                    break;
                await stream.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
                await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
            SerializeToStreamAsync(stream, context, CancellationToken.None);

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}

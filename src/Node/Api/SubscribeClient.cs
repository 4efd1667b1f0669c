using System.Text;
using System.Text.RegularExpressions;

namespace Datom.Node.Api;

/// <summary>
/// The CLI's side of <c>datom subscribe</c>: runs the command in the daemon and, when it ends for a
/// reason that passes (the daemon stopped or was killed, or this subscriber fell behind), waits for
/// the daemon and runs it again from the last frontier it printed, without printing that result a
/// second time. So the lines a subscriber prints, applied in order, always add up to the query's
/// current result, across daemon restarts. It waits for the daemon as <c>tail -F</c> waits for a
/// file: until it is back, or until Ctrl-C.
/// </summary>
internal static partial class SubscribeClient
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(200);

    public static async Task<int> RunAsync(DaemonClient daemon, string dataDirectory, string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var tap = new LineTap(stdout);
        var printedAny = false;
        while (true)
        {
            int exit;
            var resumable = false;
            try
            {
                exit = await daemon.RunAsync(tap.Frontier is null ? args : WithFrom(args, tap.Frontier), Stream.Null, tap, stderr, cancellationToken).ConfigureAwait(false);
                resumable = exit == ExitCodes.TryAgain;
            }
            catch (CliException e) when (e.ExitCode == ExitCodes.Unavailable && (printedAny || tap.Frontier is not null))
            {
                // The daemon went away under the subscription (killed, or its API closed).
                exit = e.ExitCode;
                resumable = true;
            }
            tap.Flush();
            printedAny |= tap.Frontier is not null;
            if (!resumable || cancellationToken.IsCancellationRequested || tap.Frontier is null)
                return cancellationToken.IsCancellationRequested ? ExitCodes.Interrupted : exit;
            await stderr.WriteLineAsync($"datom: the subscription was cut; resuming from frontier {string.Join(',', tap.Frontier)} once the daemon answers").ConfigureAwait(false);
            // The next run starts with the result at that frontier, which was printed already.
            tap.SkipNextLine();
            try
            {
                daemon = await WaitForDaemonAsync(dataDirectory, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                await stderr.WriteLineAsync("datom: interrupted").ConfigureAwait(false);
                return ExitCodes.Interrupted;
            }
        }
    }

    private static async Task<DaemonClient> WaitForDaemonAsync(string dataDirectory, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (DaemonClient.Find(dataDirectory) is { } found)
                return found;
            await Task.Delay(Poll, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The arguments with <c>--from</c> set to <paramref name="frontier"/> (any earlier one dropped).</summary>
    internal static string[] WithFrom(string[] args, IReadOnlyList<string> frontier)
    {
        var result = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--from")
            {
                i++;
                continue;
            }
            if (args[i].StartsWith("--from=", StringComparison.Ordinal))
                continue;
            result.Add(args[i]);
        }
        result.Add("--from");
        result.Add(string.Join(',', frontier));
        return [.. result];
    }

    [GeneratedRegex("frontier\"?\\s*:?\\s*\\[([^\\]]*)\\]\\s*\\}\\s*$")]
    private static partial Regex FrontierField();

    [GeneratedRegex("[0-9a-f]{64}")]
    private static partial Regex Hash();

    /// <summary>The frontier a subscribe line ends with (JSON <c>"frontier":[…]</c> or EDN <c>:frontier […]</c>), or null.</summary>
    internal static IReadOnlyList<string>? FrontierOf(string line)
    {
        var m = FrontierField().Match(line);
        if (!m.Success)
            return null;
        return [.. Hash().Matches(m.Groups[1].Value).Select(h => h.Value)];
    }

    /// <summary>Passes the command's output through line by line, remembering the last frontier printed and skipping a line when told.</summary>
    private sealed class LineTap(TextWriter inner) : TextWriter
    {
        private readonly StringBuilder _line = new();
        private bool _skip;

        public IReadOnlyList<string>? Frontier { get; private set; }

        public override Encoding Encoding => inner.Encoding;

        public void SkipNextLine() => _skip = true;

        public override void Write(char value)
        {
            _line.Append(value);
            if (value == '\n')
                EndLine();
        }

        public override void Write(string? value)
        {
            if (value is null)
                return;
            foreach (var c in value)
                Write(c);
        }

        public override void Flush()
        {
            // A partial line is not a whole change: it waits for its end (or is dropped with the
            // connection, and comes again from the frontier before it).
            inner.Flush();
        }

        private void EndLine()
        {
            var text = _line.ToString();
            _line.Clear();
            if (_skip)
            {
                _skip = false;
                return;
            }
            inner.Write(text);
            inner.Flush();
            if (FrontierOf(text.TrimEnd()) is { } frontier)
                Frontier = frontier;
        }
    }
}

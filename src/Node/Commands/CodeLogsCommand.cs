using System.CommandLine;
using System.Threading.Channels;
using Datom.Node.Daemon;

namespace Datom.Node.Commands;

/// <summary>
/// <c>datom code logs [SERVICE] [--lines N] [--follow]</c>: what the daemon's <c>^:service</c>
/// functions printed, each line with its time and service. The output lives in the daemon (and in
/// its log), so this needs one running.
/// </summary>
internal static class CodeLogsCommand
{
    public static Command Create()
    {
        var service = new Argument<string?>("service") { Description = "Only this service (NS/FN); default: all", Arity = ArgumentArity.ZeroOrOne };
        var lines = new Option<int>("--lines", "-n") { Description = "How many recent lines to show", DefaultValueFactory = _ => 50, HelpName = "N" };
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep printing new lines as the services print them, until interrupted" };
        var command = new Command("logs", "Show what the daemon's services printed (needs a running daemon).")
        {
            Cli.Data, service, lines, follow,
        };
        command.SetAction((parse, cancellationToken) =>
            RunAsync(new DataDirectory(parse.GetValue(Cli.Data)), parse.GetValue(service), parse.GetValue(lines), parse.GetValue(follow), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(DataDirectory data, string? service, int lines, bool follow, CancellationToken cancellationToken)
    {
        if (lines < 0)
            throw new CliException(ExitCodes.Usage, "--lines takes a number of lines, 0 or more");
        var node = Terminal.Current.Node
            ?? throw new CliException(ExitCodes.Unavailable, $"no daemon runs on {data.Path}: services run, and print, only in a running node ('datom run')");
        var output = Terminal.Out;
        // Subscribe before reading the backlog, so no line falls between the two; a line in both is skipped.
        var live = Channel.CreateBounded<ServiceLine>(new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropOldest });
        void OnLine(ServiceLine line)
        {
            if (service is null || line.Service == service)
                live.Writer.TryWrite(line);
        }
        if (follow)
            node.Services.LinePrinted += OnLine;
        try
        {
            var last = DateTimeOffset.MinValue;
            foreach (var line in node.Services.Lines(service, lines))
            {
                output.WriteLine(Format(line));
                last = line.At;
            }
            output.Flush();
            if (!follow)
                return ExitCodes.Ok;
            try
            {
                await foreach (var line in live.Reader.ReadAllAsync(cancellationToken))
                {
                    if (line.At <= last)
                        continue;
                    output.WriteLine(Format(line));
                }
            }
            catch (OperationCanceledException)
            {
            }
            return ExitCodes.Ok;
        }
        finally
        {
            if (follow)
                node.Services.LinePrinted -= OnLine;
        }
    }

    private static string Format(ServiceLine line) => $"{line.At:HH:mm:ss.fff} {line.Service}: {line.Text}";
}

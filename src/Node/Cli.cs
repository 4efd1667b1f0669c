using System.CommandLine;
using Datom.Log.Entries;
using Datom.Node.Api;
using Datom.Log.Identity;
using Datom.Log.Segments;
using Datom.Node.Commands;

namespace Datom.Node;

internal static class Cli
{
    /// <summary>--data, shared by every command that touches a data directory.</summary>
    public static readonly Option<string?> Data = new("--data")
    {
        Description = "Data directory (default: $DATOM_DATA, else $XDG_DATA_HOME/datom or ~/.local/share/datom)",
        HelpName = "DIR",
    };

    public static int Run(string[] args)
    {
        var root = CreateRoot();
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
                Terminal.Error.WriteLine($"datom: {error.Message}");
            Terminal.Error.WriteLine("Try 'datom --help'.");
            return ExitCodes.Usage;
        }
        // With a daemon running on the data directory, the daemon runs the command (it holds the
        // directory's lock); without one, this process opens the directory itself.
        if (DaemonClient.Route(parse) is { } daemon)
        {
            try
            {
                if (parse.CommandResult.Command.Name == "subscribe")
                    return RunSubscribe(daemon, parse, args);
                return daemon.RunAsync(args).GetAwaiter().GetResult();
            }
            catch (Exception e)
            {
                return Report(e);
            }
        }
        try
        {
            // Our own handler below turns exceptions into one line and an exit code.
            return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (Exception e)
        {
            return Report(e);
        }
    }

    /// <summary>
    /// Runs a command inside the daemon on behalf of a CLI: the same parser and handlers, with the
    /// caller's terminal, and the caller's cancellation instead of this process's signals.
    /// </summary>
    public static async Task<int> InvokeAsync(string[] args, Terminal terminal, CancellationToken cancellationToken)
    {
        using var scope = Terminal.Use(terminal);
        var parse = CreateRoot().Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
                terminal.ErrorOutput.WriteLine($"datom: {error.Message}");
            terminal.ErrorOutput.WriteLine("Try 'datom --help'.");
            return ExitCodes.Usage;
        }
        try
        {
            return await parse.InvokeAsync(
                new InvocationConfiguration
                {
                    EnableDefaultExceptionHandler = false,
                    ProcessTerminationTimeout = null,
                    Output = terminal.Output,
                    Error = terminal.ErrorOutput,
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            return Report(e);
        }
    }

    /// <summary><c>datom subscribe</c> through the daemon, resuming by itself when the daemon restarts.</summary>
    private static int RunSubscribe(DaemonClient daemon, ParseResult parse, string[] args)
    {
        using var cancel = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        try
        {
            var data = Path.GetFullPath(DataDirectory.Resolve(parse.GetValue(Data)));
            return SubscribeClient.RunAsync(daemon, data, args, Console.Out, Console.Error, cancel.Token).GetAwaiter().GetResult();
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    public static RootCommand CreateRoot()
    {
        var root = new RootCommand("datom: a peer-to-peer datom database node. Every machine runs one daemon; this command talks to it or to its data directory.");
        root.Subcommands.Add(InitCommand.Create());
        root.Subcommands.Add(TransactCommand.Create());
        root.Subcommands.Add(LogCommand.Create());
        root.Subcommands.Add(QueryCommand.CreateQuery());
        root.Subcommands.Add(QueryCommand.CreatePull());
        root.Subcommands.Add(DatomsCommand.Create());
        root.Subcommands.Add(IndexCommand.Create());
        root.Subcommands.Add(StatusCommand.Create());
        root.Subcommands.Add(CodeCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());
        root.Subcommands.Add(RunCommand.Create());
        root.Subcommands.Add(PeersCommand.Create());
        root.Subcommands.Add(SubscribeCommand.Create());
        root.Subcommands.Add(Repl.ReplCommand.Create());
        return root;
    }

    /// <summary>Turns an exception into one line on stderr and an exit code. The process stays well-behaved.</summary>
    public static int Report(Exception e)
    {
        switch (e)
        {
            case CliException c:
                Terminal.Error.WriteLine($"datom: {c.Message}");
                return c.ExitCode;
            case LogCorruptionException c:
                Terminal.Error.WriteLine($"datom: log is damaged: {c.Message}");
                Terminal.Error.WriteLine("datom: nothing was changed; run 'datom log verify' for details");
                return ExitCodes.Unavailable;
            case IdentityException i:
                Terminal.Error.WriteLine($"datom: {i.Message}");
                return ExitCodes.Unavailable;
            case LogFailedException f:
                Terminal.Error.WriteLine($"datom: {f.Message}: {f.InnerException?.Message}");
                return ExitCodes.Unavailable;
            case Datom.Index.Query.QueryException q:
                Terminal.Error.WriteLine($"datom: {q.Message}");
                return ExitCodes.Failed;
            case Datom.Index.Transactions.TxDataException t:
                Terminal.Error.WriteLine($"datom: {t.Message}");
                return ExitCodes.Failed;
            case EntryRejectedException r:
                Terminal.Error.WriteLine($"datom: entry refused: {r.Message}");
                return ExitCodes.Failed;
            case OperationCanceledException:
                Terminal.Error.WriteLine("datom: interrupted");
                return ExitCodes.Interrupted;
            case IOException or UnauthorizedAccessException:
                Terminal.Error.WriteLine($"datom: {e.Message}");
                return ExitCodes.Unavailable;
            case AggregateException { InnerExceptions.Count: 1 } a:
                return Report(a.InnerExceptions[0]);
            default:
                Terminal.Error.WriteLine($"datom: internal error: {e}");
                return ExitCodes.Failed;
        }
    }
}

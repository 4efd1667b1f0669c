using System.CommandLine;
using Datom.Log.Entries;
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
        var root = new RootCommand("datom: a peer-to-peer datom database node. Every machine runs one daemon; this command talks to it or to its data directory.");
        root.Subcommands.Add(InitCommand.Create());
        root.Subcommands.Add(TransactCommand.Create());
        root.Subcommands.Add(LogCommand.Create());
        root.Subcommands.Add(QueryCommand.CreateQuery());
        root.Subcommands.Add(QueryCommand.CreatePull());
        root.Subcommands.Add(IndexCommand.Create());
        root.Subcommands.Add(StatusCommand.Create());
        root.Subcommands.Add(CodeCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());

        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
                Console.Error.WriteLine($"datom: {error.Message}");
            Console.Error.WriteLine("Try 'datom --help'.");
            return ExitCodes.Usage;
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

    /// <summary>Turns an exception into one line on stderr and an exit code. The process stays well-behaved.</summary>
    public static int Report(Exception e)
    {
        switch (e)
        {
            case CliException c:
                Console.Error.WriteLine($"datom: {c.Message}");
                return c.ExitCode;
            case LogCorruptionException c:
                Console.Error.WriteLine($"datom: log is damaged: {c.Message}");
                Console.Error.WriteLine("datom: nothing was changed; run 'datom log verify' for details");
                return ExitCodes.Unavailable;
            case IdentityException i:
                Console.Error.WriteLine($"datom: {i.Message}");
                return ExitCodes.Unavailable;
            case LogFailedException f:
                Console.Error.WriteLine($"datom: {f.Message}: {f.InnerException?.Message}");
                return ExitCodes.Unavailable;
            case Datom.Index.Query.QueryException q:
                Console.Error.WriteLine($"datom: {q.Message}");
                return ExitCodes.Failed;
            case Datom.Index.Transactions.TxDataException t:
                Console.Error.WriteLine($"datom: {t.Message}");
                return ExitCodes.Failed;
            case EntryRejectedException r:
                Console.Error.WriteLine($"datom: entry refused: {r.Message}");
                return ExitCodes.Failed;
            case OperationCanceledException:
                Console.Error.WriteLine("datom: interrupted");
                return ExitCodes.Interrupted;
            case IOException or UnauthorizedAccessException:
                Console.Error.WriteLine($"datom: {e.Message}");
                return ExitCodes.Unavailable;
            case AggregateException { InnerExceptions.Count: 1 } a:
                return Report(a.InnerExceptions[0]);
            default:
                Console.Error.WriteLine($"datom: internal error: {e}");
                return ExitCodes.Failed;
        }
    }
}

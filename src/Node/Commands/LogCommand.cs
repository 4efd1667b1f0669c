using System.CommandLine;
using Datom.Log;
using Datom.Log.Identity;
using Datom.Node.Output;

namespace Datom.Node.Commands;

/// <summary><c>datom log</c> lists entries; <c>datom log verify</c> checks every byte of them.</summary>
internal static class LogCommand
{
    public static Command Create()
    {
        var author = new Option<string?>("--author") { Description = "Only this author's entries (a node id)", HelpName = "ID" };
        var format = new Option<string>("--format") { Description = "Output format", DefaultValueFactory = _ => "edn" };
        format.AcceptOnlyFromAmong("edn", "json");
        var command = new Command("log", "List the entries this node holds, in store order (parents before children).")
        {
            Cli.Data,
            author,
            format,
        };
        command.SetAction(parse => List(new DataDirectory(parse.GetValue(Cli.Data)), parse.GetValue(author), parse.GetValue(format)!));

        var verify = new Command("verify", "Recompute every checksum, hash, signature and link; exit 1 naming the first bad file and offset.")
        {
            Cli.Data,
        };
        verify.SetAction(parse => Verify(new DataDirectory(parse.GetValue(Cli.Data))));
        command.Subcommands.Add(verify);
        return command;
    }

    private static int List(DataDirectory data, string? authorText, string format)
    {
        NodeId? author = null;
        if (authorText is not null)
        {
            if (!NodeId.TryParse(authorText, out var parsed))
                throw new CliException(ExitCodes.Usage, $"--author: '{authorText}' is not a node id (52 base32 characters)");
            author = parsed;
        }
        using var opened = data.OpenLog("datom log");
        var stdout = Terminal.Out;
        foreach (var entry in opened.Log.Entries(author))
            stdout.WriteLine(format == "json" ? EntryFormatter.Json(entry) : EntryFormatter.Edn(entry));
        return ExitCodes.Ok;
    }

    private static int Verify(DataDirectory data)
    {
        if (!data.IsInitialized)
            throw new CliException(ExitCodes.Unavailable, $"{data.Path}: not a datom data directory (no identity)");
        // Verification reads only, but a writer appending meanwhile would make the last record look torn.
        using var dirLock = AcquireLock(data);
        var report = LogVerifier.Verify(data.Path);
        if (report.Ok)
        {
            Terminal.Out.WriteLine($"ok: {report.Entries} entries from {report.Authors} author(s), {report.Forks} fork(s), {report.Segments} segment(s), {report.Bytes} bytes");
            return ExitCodes.Ok;
        }
        Terminal.Out.WriteLine($"BAD: {report.Failure}");
        Terminal.Out.WriteLine($"     ({report.Entries} entries verified before it)");
        return ExitCodes.Failed;
    }

    private static Datom.Log.Storage.DirectoryLock AcquireLock(DataDirectory data)
    {
        try
        {
            return Datom.Log.Storage.DirectoryLock.Acquire(data.Path, "datom log verify");
        }
        catch (Datom.Log.Storage.DirectoryLockedException e)
        {
            throw new CliException(ExitCodes.Unavailable, e.Message);
        }
    }
}

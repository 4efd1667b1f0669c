using System.CommandLine;
using System.Threading.Channels;
using Datom.Log;
using Datom.Log.Entries;
using Datom.Log.Model;
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
        var follow = new Option<bool>("--follow", "-f") { Description = "After the entries held now, print each entry as it is stored (own and replicated), until interrupted; needs a running daemon" };
        var command = new Command("log", "List the entries this node holds, in store order (parents before children).")
        {
            Cli.Data,
            author,
            format,
            follow,
        };
        command.SetAction((parse, cancellationToken) => ListAsync(new DataDirectory(parse.GetValue(Cli.Data)), parse.GetValue(author), parse.GetValue(format)!, parse.GetValue(follow), cancellationToken));

        var verify = new Command("verify", "Recompute every checksum, hash, signature and link, and check the log's tables (entries, parents, keys, authors, checkpoint, hash index image) against the entries; exit 1 naming the first bad file and offset.")
        {
            Cli.Data,
        };
        verify.SetAction(parse => Verify(new DataDirectory(parse.GetValue(Cli.Data))));
        command.Subcommands.Add(verify);
        return command;
    }

    private static async Task<int> ListAsync(DataDirectory data, string? authorText, string format, bool follow, CancellationToken cancellationToken)
    {
        NodeId? author = null;
        if (authorText is not null)
        {
            if (!NodeId.TryParse(authorText, out var parsed))
                throw new CliException(ExitCodes.Usage, $"--author: '{authorText}' is not a node id (52 base32 characters)");
            author = parsed;
        }
        if (follow && Terminal.Current.Node is null)
            throw new CliException(ExitCodes.Unavailable, $"--follow: no daemon runs on {data.Path}, so nothing will be stored while this runs; start one with 'datom run'");
        using var opened = data.OpenLog("datom log");
        var stdout = Terminal.Out;
        string Format(Entry entry) => format == "json" ? EntryFormatter.Json(entry) : EntryFormatter.Edn(entry);
        // Following: subscribe first, then list what is held; an entry stored in between is in both
        // and printed once. Bounded: a reader too slow for the mesh loses its place and is told so.
        var live = Channel.CreateBounded<Entry>(new BoundedChannelOptions(65_536) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
        var dropped = 0L;
        void OnStored(Entry entry)
        {
            if ((author is null || entry.Author == author) && !live.Writer.TryWrite(entry))
                Interlocked.Increment(ref dropped);
        }
        if (follow)
            opened.Log.EntryStored += OnStored;
        try
        {
            var printed = new HashSet<EntryHash>();
            foreach (var entry in opened.Log.Entries(author))
            {
                stdout.WriteLine(Format(entry));
                if (follow)
                    printed.Add(entry.Hash);
            }
            stdout.Flush();
            if (!follow)
                return ExitCodes.Ok;
            try
            {
                await foreach (var entry in live.Reader.ReadAllAsync(cancellationToken))
                {
                    if (printed.Remove(entry.Hash))
                        continue;
                    if (Interlocked.Exchange(ref dropped, 0) is var lost and > 0)
                        throw new CliException(ExitCodes.Failed, $"--follow: this reader fell {lost} entries behind and lost its place; run it again");
                    stdout.WriteLine(Format(entry));
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
                opened.Log.EntryStored -= OnStored;
        }
    }

    private static int Verify(DataDirectory data)
    {
        if (!data.IsInitialized)
            throw new CliException(ExitCodes.Unavailable, $"{data.Path}: not a datom data directory (no identity)");
        // Verification reads only, but a writer appending meanwhile would make the last record look torn.
        if (Terminal.Current.Node is not null)
            throw new CliException(ExitCodes.Unavailable, $"a daemon runs on {data.Path} and appends to its log; stop it to verify the files (it verifies every entry as it stores it)");
        using var dirLock = AcquireLock(data);
        var report = LogVerifier.Verify(data.Path);
        if (report.Ok)
        {
            Terminal.Out.WriteLine($"ok: {report.Entries} entries from {report.Authors} author(s), {report.Forks} fork(s), {report.Segments} segment(s), {report.Bytes} bytes");
            if (report.Tables.Length > 0)
                Terminal.Out.WriteLine($"ok: tables: {report.Tables}");
            foreach (var note in report.Notes)
                Terminal.Out.WriteLine($"note: {note}");
            return ExitCodes.Ok;
        }
        Terminal.Out.WriteLine($"BAD: {report.Failure}");
        Terminal.Out.WriteLine($"     ({report.Entries} entries verified before it)");
        foreach (var note in report.Notes)
            Terminal.Out.WriteLine($"note: {note}");
        if (report.Failure!.File.EndsWith(".tbl", StringComparison.Ordinal) || report.Failure.File.Contains("checkpoint.", StringComparison.Ordinal) || report.Failure.File.EndsWith(".img", StringComparison.Ordinal))
            Terminal.Out.WriteLine("     (the tables are derived from the segments: remove the log's checkpoint.* files and the next open rebuilds them)");
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

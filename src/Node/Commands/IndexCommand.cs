using System.CommandLine;
using Datom.Index;
using Datom.Log.Storage;
using Datom.Node.Output;

namespace Datom.Node.Commands;

/// <summary><c>datom index rebuild</c>: throw the index away and make it again from the log.</summary>
internal static class IndexCommand
{
    public static Command Create()
    {
        var command = new Command("index", "DaoDB's indexes.");
        var rebuild = new Command("rebuild", "Rebuild the indexes from the log. The result equals the incrementally built index.")
        {
            Cli.Data,
        };
        rebuild.SetAction(parse => Rebuild(new DataDirectory(parse.GetValue(Cli.Data))));
        command.Subcommands.Add(rebuild);
        return command;
    }

    private static int Rebuild(DataDirectory data)
    {
        if (Terminal.Current.Node is not null)
            throw new CliException(ExitCodes.Unavailable, $"a daemon runs on {data.Path} and serves queries from this index; stop it, then run 'datom index rebuild' again");
        using var opened = data.OpenLog("datom index rebuild");
        var indexDirectory = Path.Combine(data.Path, DaoDb.DirectoryName);
        // Build beside the old index and swap, so an interrupted rebuild leaves the old one usable.
        var building = indexDirectory + ".rebuild";
        if (Directory.Exists(building))
            Directory.Delete(building, recursive: true);
        var total = opened.Log.DurableCount;
        var started = DateTime.UtcNow;
        using (var bar = new ProgressLine("indexing", total, "entries"))
            DaoDb.Rebuild(new FileStorage(building), opened.Log, new SyncProgress(bar.Report));
        if (Directory.Exists(indexDirectory))
            Directory.Delete(indexDirectory, recursive: true);
        Directory.Move(building, indexDirectory);
        DirectorySync.Sync(data.Path);
        Terminal.Out.WriteLine($"rebuilt the index from {total} entries in {(DateTime.UtcNow - started).TotalSeconds:F1} s");
        return ExitCodes.Ok;
    }
}

/// <summary>An <see cref="IProgress{T}"/> that reports on the caller's thread (<see cref="Progress{T}"/> would post to the thread pool, after the work is done).</summary>
internal sealed class SyncProgress(Action<long> report) : IProgress<long>
{
    public void Report(long value) => report(value);
}

using System.CommandLine;
using System.Globalization;
using Datom.Vm.Loading;
using Datom.Vm.Reading;
using Datom.Vm.Workflow;

namespace Datom.Node.Commands.Code;

/// <summary>
/// <c>datom code pick NS/FN (--entry HASH | --author ID)</c>: resolves a conflict by making one of the
/// competing versions (as <c>code conflicts</c> lists them) the current one, in a new transaction that
/// states its values again and retracts the competing ones.
/// </summary>
internal static class CodePickCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("name") { Description = "The function in conflict: NS/FN" };
        var entry = new Option<string?>("--entry") { Description = "The version's entry hash, or a unique prefix of it", HelpName = "HASH" };
        var author = new Option<string?>("--author") { Description = "The version's author: a node id, or a unique prefix of it", HelpName = "ID" };
        var reason = new Option<string?>("-m", "--message") { Description = "Why (default: 'pick ENTRY for NS/FN')", HelpName = "REASON" };
        var command = new Command("pick", "Resolve a conflict: make one competing version of a function the current one.")
        {
            Cli.Data, name, entry, author, reason,
        };
        command.SetAction((parse, cancellationToken) =>
            RunAsync(new DataDirectory(parse.GetValue(Cli.Data)), CodeWorkflow.Definition(parse.GetValue(name)!), parse.GetValue(entry), parse.GetValue(author), parse.GetValue(reason), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(DataDirectory data, string name, string? entry, string? author, string? reason, CancellationToken cancellationToken)
    {
        if ((entry is null) == (author is null))
            throw new CliException(ExitCodes.Usage, "name the version to pick with --entry HASH or --author ID (one of them)");
        using var opened = data.OpenLog("datom code pick");
        var history = CodeHistory.Load(opened.Database, opened.Log);
        var conflict = CodeConflicts.Find(opened.Database, history, name).FirstOrDefault(c => c.Definition == name)
            ?? throw new CliException(ExitCodes.Failed, $"{name} is not in conflict ('datom code conflicts' lists what is)");
        var matches = conflict.Versions.Where(v => entry is not null
            ? v.Tx.Hash.ToString().StartsWith(entry, StringComparison.OrdinalIgnoreCase)
            : v.Tx.Author.ToString().StartsWith(author!, StringComparison.Ordinal)).ToList();
        var chosen = matches.Count switch
        {
            1 => matches[0],
            0 => throw new CliException(ExitCodes.Failed, $"no competing version of {name} has {(entry is not null ? "entry " + entry : "author " + author)}; they are: "
                + string.Join("; ", conflict.Versions.Select(v => CodeWorkflow.Describe(v.Tx)))),
            _ => throw new CliException(ExitCodes.Usage, $"{entry ?? author} names {matches.Count} competing versions of {name}; give more of it"),
        };
        using var loader = new CodeLoader(opened.Database);
        LoadResult result;
        try
        {
            result = await CodeRestore.RestoreAsync(loader, history.AsOfEntry(chosen.Tx), name,
                string.IsNullOrEmpty(reason) ? $"pick {chosen.Tx.Hash.ToString()[..12]} ({CodeWorkflow.Short(chosen.Tx)}: {chosen.Tx.Message}) for {name}" : reason, cancellationToken);
        }
        catch (Exception e) when (e is KeyNotFoundException or CodeException)
        {
            throw new CliException(ExitCodes.Failed, $"that version of {name} cannot be loaded now: {e.Message}");
        }
        Terminal.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name}: picked {chosen.Tx.Hash} by {CodeWorkflow.Short(chosen.Tx)}{(result.Transacted ? $" (entry {result.Entry!.Seq}, {result.Entry.Hash})" : "; nothing to transact")}"));
        return ExitCodes.Ok;
    }
}

using System.CommandLine;
using Datom.Vm.Workflow;

namespace Datom.Node.Commands.Code;

/// <summary>
/// <c>datom code history NS/FN</c>: every version of a definition, oldest first: the entry that made
/// it (its hash is what <c>show --as-of</c>, <c>diff --from/--to</c> and <c>revert --to</c> take), its
/// time, author and reason, and which versions were made concurrently.
/// </summary>
internal static class CodeHistoryCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("name") { Description = "The definition: NS/FN (or a namespace: NS)" };
        var format = new Option<string>("--format") { Description = "text, or json: one object per version {entry,time,author,seq,reason,concurrent}", DefaultValueFactory = _ => "text" };
        format.AcceptOnlyFromAmong("text", "json");
        var command = new Command("history", "List every version of a function: entry, time, author, reason.")
        {
            Cli.Data, name, format,
        };
        command.SetAction(parse => Run(new DataDirectory(parse.GetValue(Cli.Data)), parse.GetValue(name)!, parse.GetValue(format) == "json"));
        return command;
    }

    private static int Run(DataDirectory data, string name, bool json)
    {
        using var opened = data.OpenLog("datom code history");
        var history = CodeHistory.Load(opened.Database, opened.Log);
        var versions = history.Touching(name);
        if (versions.Count == 0)
            throw new CliException(ExitCodes.Failed, $"{name} has no history: nothing of that name was ever loaded");
        foreach (var tx in versions)
        {
            var concurrent = CodeHistory.ConcurrentWith(opened.Log, tx, versions);
            if (json)
            {
                Terminal.Out.WriteLine(CodeWorkflow.Json(tx, ("concurrent", concurrent.Select(c => c.Hash.ToString()).ToArray())));
                continue;
            }
            var note = concurrent.Count == 0 ? "" : "  (concurrent with " + string.Join(", ", concurrent.Select(c => c.Hash.ToString()[..12])) + ")";
            Terminal.Out.WriteLine(CodeWorkflow.Describe(tx) + note);
        }
        return ExitCodes.Ok;
    }
}

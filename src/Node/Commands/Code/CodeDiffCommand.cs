using System.CommandLine;
using Datom.Vm.Workflow;

namespace Datom.Node.Commands.Code;

/// <summary>
/// <c>datom code diff NS/FN [--from X] [--to Y]</c>: a semantic diff, the AST facts that changed
/// between two views, then the same change on the printed source. X and Y are ISO-8601 times or
/// entry hashes (a frontier; one entry's hash is that entry's branch). Without <c>--to</c>, the
/// current code; without <c>--from</c>, the version before the last change of that definition.
/// </summary>
internal static class CodeDiffCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("name") { Description = "The definition: NS/FN (or a namespace: NS)" };
        var from = new Option<string?>("--from") { Description = "The older side: a time (ISO-8601) or entry hashes (comma-separated); default: before the last change", HelpName = "X" };
        var to = new Option<string?>("--to") { Description = "The newer side, likewise; default: now", HelpName = "Y" };
        var command = new Command("diff", "Show what changed in a function: the AST facts, and the source lines.")
        {
            Cli.Data, name, from, to,
        };
        command.SetAction(parse => Run(new DataDirectory(parse.GetValue(Cli.Data)), parse.GetValue(name)!, parse.GetValue(from), parse.GetValue(to)));
        return command;
    }

    private static int Run(DataDirectory data, string name, string? fromSpec, string? toSpec)
    {
        using var opened = data.OpenLog("datom code diff");
        var db = opened.Database;
        var after = CodeWorkflow.View(db, toSpec, "--to");
        Index.Query.IDatomView before;
        string fromLabel;
        if (fromSpec is not null)
        {
            before = CodeWorkflow.View(db, fromSpec, "--from");
            fromLabel = fromSpec;
        }
        else
        {
            // Before the last change: the merged database just before the latest transaction that touched it.
            var history = CodeHistory.Load(db, opened.Log);
            var versions = history.Touching(name);
            if (versions.Count == 0)
                throw new CliException(ExitCodes.Failed, $"{name} has no history: nothing of that name was ever loaded");
            before = versions.Count >= 2 ? history.After(versions[^2]) : db.AsOf(DateTimeOffset.FromUnixTimeMilliseconds(0));
            fromLabel = versions.Count >= 2 ? versions[^2].Hash.ToString() : "before it existed";
        }
        var diff = SemanticDiff.Compare(before, after, name);
        if (!diff.ExistsBefore && !diff.ExistsAfter)
            throw new CliException(ExitCodes.Failed, $"{name} exists in neither version");
        var output = Terminal.Out;
        output.WriteLine($"--- {name} ({(diff.ExistsBefore ? fromLabel : "absent")})");
        output.WriteLine($"+++ {name} ({(diff.ExistsAfter ? toSpec ?? "current" : "absent")})");
        if (diff.IsEmpty)
        {
            output.WriteLine("no change");
            return ExitCodes.Ok;
        }
        output.WriteLine("facts:");
        foreach (var f in diff.Removed)
            output.WriteLine("- " + f);
        foreach (var f in diff.Added)
            output.WriteLine("+ " + f);
        output.WriteLine("source:");
        foreach (var line in diff.Source)
            output.WriteLine(line);
        return ExitCodes.Ok;
    }
}

using System.CommandLine;
using Datom.Vm.Workflow;

namespace Datom.Node.Commands.Code;

/// <summary>
/// <c>datom code conflicts [NAME]</c>: the definitions that concurrent edits left with competing
/// values, each version with its entry, time, author and reason and its source; the one marked
/// <c>*</c> is the deterministic winner, the one the VM runs. <c>datom code pick</c> chooses another.
/// </summary>
internal static class CodeConflictsCommand
{
    public static Command Create()
    {
        var name = new Argument<string?>("name") { Description = "Only this definition (NS/FN) or namespace (NS)", Arity = ArgumentArity.ZeroOrOne };
        var format = new Option<string>("--format") { Description = "text, or json: one object per definition {definition,versions:[{entry,time,author,seq,reason,winner,source}]}", DefaultValueFactory = _ => "text" };
        format.AcceptOnlyFromAmong("text", "json");
        var command = new Command("conflicts", "List functions that concurrent edits left in conflict, with every competing version.")
        {
            Cli.Data, name, format,
        };
        command.SetAction(parse => Run(new DataDirectory(parse.GetValue(Cli.Data)), parse.GetValue(name), parse.GetValue(format) == "json"));
        return command;
    }

    private static int Run(DataDirectory data, string? name, bool json)
    {
        using var opened = data.OpenLog("datom code conflicts");
        var conflicts = CodeConflicts.Find(opened.Database, CodeHistory.Load(opened.Database, opened.Log), name);
        var output = Terminal.Out;
        if (json)
        {
            foreach (var conflict in conflicts)
            {
                var versions = conflict.Versions.Select(v => CodeWorkflow.Fields(v.Tx, ("winner", v.Winner), ("source", v.Source))).ToArray();
                output.WriteLine(System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, object> { ["definition"] = conflict.Definition, ["versions"] = versions }));
            }
            return ExitCodes.Ok;
        }
        if (conflicts.Count == 0)
        {
            output.WriteLine("no conflicts");
            return ExitCodes.Ok;
        }
        foreach (var conflict in conflicts)
        {
            output.WriteLine($"{conflict.Definition}: {conflict.Versions.Count} concurrent versions (* runs; pick another with: datom code pick {conflict.Definition} --entry HASH)");
            foreach (var version in conflict.Versions)
            {
                output.WriteLine((version.Winner ? "* " : "  ") + CodeWorkflow.Describe(version.Tx));
                foreach (var line in Vm.Workflow.LineDiff.Lines(version.Source ?? "(deleted)\n"))
                    output.WriteLine("    " + line);
            }
        }
        return ExitCodes.Ok;
    }
}

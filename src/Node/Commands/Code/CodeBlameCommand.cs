using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Datom.Vm.Workflow;

namespace Datom.Node.Commands.Code;

/// <summary>
/// <c>datom code blame NS/FN [--format text|json]</c>: each line of the current source with the entry
/// (transaction), author, time and reason that produced it (see <see cref="CodeBlame"/> for the rule,
/// which is git blame's on the export).
/// </summary>
internal static class CodeBlameCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("name") { Description = "The definition: NS/FN (or a namespace: NS)" };
        var format = new Option<string>("--format") { Description = "text, or json: one object per line {line,text,entry,author,time,reason}", DefaultValueFactory = _ => "text" };
        format.AcceptOnlyFromAmong("text", "json");
        var command = new Command("blame", "Show who wrote each line of a function's current source, when, in which transaction, and why.")
        {
            Cli.Data, name, format,
        };
        command.SetAction(parse => Run(new DataDirectory(parse.GetValue(Cli.Data)), parse.GetValue(name)!, parse.GetValue(format)!));
        return command;
    }

    private static int Run(DataDirectory data, string name, string format)
    {
        using var opened = data.OpenLog("datom code blame");
        IReadOnlyList<BlameLine> lines;
        try
        {
            lines = CodeBlame.Blame(CodeHistory.Load(opened.Database, opened.Log), name);
        }
        catch (KeyNotFoundException e)
        {
            throw new CliException(ExitCodes.Failed, e.Message);
        }
        var output = Terminal.Out;
        foreach (var line in lines)
        {
            var tx = line.Origin;
            if (format == "json")
            {
                output.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object?>
                {
                    ["line"] = line.Number,
                    ["text"] = line.Text,
                    ["entry"] = tx.Hash.ToString(),
                    ["author"] = tx.Author.ToString(),
                    ["time"] = CodeWorkflow.Time(tx),
                    ["reason"] = tx.Reason,
                }));
                continue;
            }
            var reason = tx.Message.Length > 20 ? tx.Message[..19] + "…" : tx.Message;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{tx.Hash.ToString()[..12]} {CodeWorkflow.Short(tx)} {CodeWorkflow.Time(tx)} {reason,-20} {line.Number,4}) {line.Text}"));
        }
        return ExitCodes.Ok;
    }
}

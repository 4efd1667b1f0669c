using System.CommandLine;
using System.Globalization;
using Datom.Vm.Loading;
using Datom.Vm.Reading;
using Datom.Vm.Workflow;

namespace Datom.Node.Commands.Code;

/// <summary>
/// <c>datom code revert NS/FN --to X [-m REASON]</c>: makes an old version current again, by
/// transacting the datoms that differ from it (a new transaction: history is never rewritten).
/// </summary>
internal static class CodeRevertCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("name") { Description = "The function (or record): NS/FN" };
        var to = new Option<string>("--to") { Description = "The version: an entry hash (as 'code history' lists it), entry hashes, or an ISO-8601 time", HelpName = "X", Required = true };
        var reason = new Option<string?>("-m", "--message") { Description = "Why (default: 'revert NS/FN to X')", HelpName = "REASON" };
        var command = new Command("revert", "Restore an old version of a function.")
        {
            Cli.Data, name, to, reason,
        };
        command.SetAction((parse, cancellationToken) =>
            RunAsync(new DataDirectory(parse.GetValue(Cli.Data)), CodeWorkflow.Definition(parse.GetValue(name)!), parse.GetValue(to)!, parse.GetValue(reason), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(DataDirectory data, string name, string to, string? reason, CancellationToken cancellationToken)
    {
        using var opened = data.OpenLog("datom code revert");
        var version = CodeWorkflow.View(opened.Database, to, "--to");
        using var loader = new CodeLoader(opened.Database);
        LoadResult result;
        try
        {
            result = await CodeRestore.RestoreAsync(loader, version, name, string.IsNullOrEmpty(reason) ? $"revert {name} to {to}" : reason, cancellationToken);
        }
        catch (KeyNotFoundException e)
        {
            throw new CliException(ExitCodes.Failed, e.Message);
        }
        catch (CodeException e)
        {
            throw new CliException(ExitCodes.Failed, $"{name} as of {to} cannot be loaded now: {e.Message}");
        }
        if (!result.Transacted)
        {
            Terminal.Out.WriteLine($"{name}: already as of {to}; nothing transacted");
            return ExitCodes.Ok;
        }
        Terminal.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name}: reverted to {to}: {result.Asserted} datoms asserted, {result.Retracted} retracted (entry {result.Entry!.Seq}, {result.Entry.Hash})"));
        return ExitCodes.Ok;
    }
}

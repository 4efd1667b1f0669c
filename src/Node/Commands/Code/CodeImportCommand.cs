using System.CommandLine;
using System.Globalization;
using Datom.Vm.Loading;
using Datom.Vm.Reading;
using Datom.Vm.Workflow;

namespace Datom.Node.Commands.Code;

/// <summary>
/// <c>datom code import --git DIR [-m REASON]</c>: brings the newest commit of a git repository in:
/// each namespace file (<c>*.yin</c>) is loaded as <c>code load</c> would, so only what differs is
/// transacted; the reason is the commit's subject unless one is given.
/// </summary>
internal static class CodeImportCommand
{
    public static Command Create()
    {
        var git = new Option<string>("--git") { Description = "The repository directory", HelpName = "DIR", Required = true };
        var reason = new Option<string?>("-m", "--message") { Description = "Why (default: the commit's subject)", HelpName = "REASON" };
        var command = new Command("import", "Load the newest git commit's namespace files; only what differs is transacted.")
        {
            Cli.Data, git, reason,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(new DataDirectory(parse.GetValue(Cli.Data)), parse.GetValue(git)!, parse.GetValue(reason), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(DataDirectory data, string directory, string? reason, CancellationToken cancellationToken)
    {
        var path = Terminal.FullPath(directory);
        using var opened = data.OpenLog("datom code import");
        using var loader = new CodeLoader(opened.Database);
        try
        {
            var (commit, loads) = await GitBridge.ImportAsync(opened.Database, loader, path, reason, cancellationToken);
            foreach (var load in loads)
            {
                Terminal.Out.WriteLine(load.Transacted
                    ? string.Create(CultureInfo.InvariantCulture, $"{load.Namespace}: {load.Asserted} datoms asserted, {load.Retracted} retracted (entry {load.Entry!.Seq}, {load.Entry.Hash}); changed: {string.Join(" ", load.Changed)}")
                    : $"{load.Namespace}: unchanged; nothing transacted");
            }
            Terminal.Out.WriteLine($"imported commit {commit.Id[..12]}: {commit.Subject}");
        }
        catch (GitException e)
        {
            throw new CliException(ExitCodes.Failed, e.Message);
        }
        catch (CodeException e)
        {
            throw new CliException(ExitCodes.Failed, e.Message);
        }
        return ExitCodes.Ok;
    }
}

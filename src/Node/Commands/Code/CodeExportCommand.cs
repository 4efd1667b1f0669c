using System.CommandLine;
using System.Globalization;
using Datom.Vm.Workflow;

namespace Datom.Node.Commands.Code;

/// <summary>
/// <c>datom code export --git DIR</c>: the code history as a git repository (see
/// <see cref="GitBridge"/>): one commit per transaction that changed code, one file per namespace.
/// </summary>
internal static class CodeExportCommand
{
    public static Command Create()
    {
        var git = new Option<string>("--git") { Description = "The repository directory: new, empty, or an earlier export (whose branch 'datom' is rewritten)", HelpName = "DIR", Required = true };
        var command = new Command("export", "Export the code history to git: a commit per transaction, a file per namespace.")
        {
            Cli.Data, git,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(new DataDirectory(parse.GetValue(Cli.Data)), parse.GetValue(git)!, cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(DataDirectory data, string directory, CancellationToken cancellationToken)
    {
        var path = Terminal.FullPath(directory);
        using var opened = data.OpenLog("datom code export");
        GitExportResult result;
        try
        {
            result = await GitBridge.ExportAsync(CodeHistory.Load(opened.Database, opened.Log), path, cancellationToken);
        }
        catch (GitException e)
        {
            throw new CliException(ExitCodes.Failed, e.Message);
        }
        Terminal.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{path}: {result.Commits} commits on branch {result.Branch} (head {result.Head})"));
        return ExitCodes.Ok;
    }
}

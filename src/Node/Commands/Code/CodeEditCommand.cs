using System.CommandLine;
using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Datom.Vm.Loading;
using Datom.Vm.Printing;
using Datom.Vm.Reading;

namespace Datom.Node.Commands.Code;

/// <summary>
/// <c>datom code edit NS/FN [-m REASON]</c>: opens <c>$VISUAL</c> or <c>$EDITOR</c> on the function's
/// current source, printed from its datoms; on save, transacts only what changed. A syntax error
/// (or any code the language refuses) is reported with its line in the edited text, nothing is
/// transacted, and the edited text is kept in a file whose path the error names.
/// </summary>
internal static class CodeEditCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("name") { Description = "The function (or record) to edit: NS/FN" };
        var reason = new Option<string?>("-m", "--message") { Description = "Why: stored on the transaction as :tx/reason (default: 'edit NS/FN')", HelpName = "REASON" };
        var command = new Command("edit", "Edit a function's source in $EDITOR; on save only the changed datoms are transacted.")
        {
            Cli.Data, reason, name,
        };
        command.SetAction((parse, cancellationToken) =>
            RunAsync(new DataDirectory(parse.GetValue(Cli.Data)), CodeWorkflow.Definition(parse.GetValue(name)!), parse.GetValue(reason), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(DataDirectory data, string name, string? reason, CancellationToken cancellationToken)
    {
        if (Terminal.Current.Node is not null)
        {
            // The editor needs the person's terminal, which the daemon does not have.
            throw new CliException(ExitCodes.Unavailable,
                "code edit opens an editor on your terminal and cannot run through the daemon; stop the daemon to edit, or load a whole file with 'datom code load'");
        }
        var editor = Environment.GetEnvironmentVariable("VISUAL") is { Length: > 0 } visual ? visual : Environment.GetEnvironmentVariable("EDITOR");
        if (string.IsNullOrWhiteSpace(editor))
            throw new CliException(ExitCodes.Usage, "set $EDITOR (or $VISUAL) to the editor to use, e.g. EDITOR=vi");
        using var opened = data.OpenLog("datom code edit");
        string original;
        try
        {
            original = AstPrinter.PrintDefinition(opened.Database.Current(), name);
        }
        catch (KeyNotFoundException e)
        {
            throw new CliException(ExitCodes.Failed, e.Message);
        }
        var directory = Path.Combine(Path.GetTempPath(), "datom-edit-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(directory);
        var file = Path.Combine(directory, name[(name.IndexOf('/', StringComparison.Ordinal) + 1)..] + ".yin");
        await File.WriteAllTextAsync(file, original, Encoding.UTF8, cancellationToken);
        var keep = false;
        try
        {
            var exit = await RunEditorAsync(editor, file, cancellationToken);
            if (exit != 0)
                throw new CliException(ExitCodes.Failed, string.Create(CultureInfo.InvariantCulture, $"the editor ({editor}) exited with {exit}; nothing transacted"));
            var edited = await File.ReadAllTextAsync(file, Encoding.UTF8, cancellationToken);
            if (edited == original)
            {
                Terminal.Out.WriteLine($"{name}: unchanged; nothing transacted");
                return ExitCodes.Ok;
            }
            using var loader = new CodeLoader(opened.Database);
            LoadResult result;
            try
            {
                result = await loader.LoadDefinitionAsync(edited, name, string.IsNullOrEmpty(reason) ? "edit " + name : reason, cancellationToken);
            }
            catch (CodeException e)
            {
                keep = true;
                var where = e.Line > 0 ? string.Create(CultureInfo.InvariantCulture, $"line {e.Line}: ") : "";
                throw new CliException(ExitCodes.Failed, $"{name}: {where}{e.Reason}; nothing transacted (your text is kept in {file})");
            }
            if (!result.Transacted)
            {
                Terminal.Out.WriteLine($"{name}: no change to its datoms; nothing transacted");
                return ExitCodes.Ok;
            }
            Terminal.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{name}: {result.Asserted} datoms asserted, {result.Retracted} retracted (entry {result.Entry!.Seq}, {result.Entry.Hash})"));
            return ExitCodes.Ok;
        }
        finally
        {
            if (!keep)
                Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>Runs the editor through the shell (so EDITOR may carry arguments, "code -w"), on this terminal.</summary>
    private static async Task<int> RunEditorAsync(string editor, string file, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(editor + " \"$1\"");
        info.ArgumentList.Add("datom-edit");
        info.ArgumentList.Add(file);
        try
        {
            using var process = Process.Start(info) ?? throw new CliException(ExitCodes.Failed, $"could not start the editor ({editor})");
            await process.WaitForExitAsync(cancellationToken);
            return process.ExitCode;
        }
        catch (Win32Exception e)
        {
            throw new CliException(ExitCodes.Failed, $"could not start the editor ({editor}): {e.Message}");
        }
    }
}

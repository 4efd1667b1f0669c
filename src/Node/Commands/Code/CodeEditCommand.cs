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
/// With <c>--source FILE</c> the new text comes from FILE instead of an editor (for scripts).
/// </summary>
/// <remarks>
/// With a daemon running, the editor still runs here, on the person's terminal: this process
/// asks the daemon for the current source (<c>code show</c>), runs the editor, and hands the
/// edited text back to it (<c>code edit --source</c>).
/// </remarks>
internal static class CodeEditCommand
{
    private static readonly Option<string?> Source = new("--source") { Description = "Take the new text of the definition from FILE instead of opening an editor", HelpName = "FILE" };

    public static Command Create()
    {
        var name = new Argument<string>("name") { Description = "The function (or record) to edit: NS/FN" };
        var reason = new Option<string?>("-m", "--message") { Description = "Why: stored on the transaction as :tx/reason (default: 'edit NS/FN')", HelpName = "REASON" };
        var command = new Command("edit", "Edit a function's source in $EDITOR; on save only the changed datoms are transacted.")
        {
            Cli.Data, reason, Source, name,
        };
        command.SetAction((parse, cancellationToken) =>
            RunAsync(new DataDirectory(parse.GetValue(Cli.Data)), CodeWorkflow.Definition(parse.GetValue(name)!), parse.GetValue(reason), parse.GetValue(Source), cancellationToken));
        return command;
    }

    /// <summary>Whether this parse is an interactive edit, which runs in the CLI's own process even when a daemon runs.</summary>
    public static bool RunsInClient(ParseResult parse) =>
        parse.CommandResult.Command.Name == "edit" && parse.CommandResult.Command.Options.Contains(Source) && parse.GetValue(Source) is null;

    private static async Task<int> RunAsync(DataDirectory data, string name, string? reason, string? source, CancellationToken cancellationToken)
    {
        if (source is not null)
        {
            var path = Terminal.FullPath(source);
            if (!File.Exists(path))
                throw new CliException(ExitCodes.Failed, $"{source}: no such file");
            using var opened = data.OpenLog("datom code edit");
            var text = await File.ReadAllTextAsync(path, Encoding.UTF8, cancellationToken);
            return await LoadAsync(opened, name, text, reason, keptIn: null, cancellationToken);
        }
        var editor = Environment.GetEnvironmentVariable("VISUAL") is { Length: > 0 } visual ? visual : Environment.GetEnvironmentVariable("EDITOR");
        if (string.IsNullOrWhiteSpace(editor))
            throw new CliException(ExitCodes.Usage, "set $EDITOR (or $VISUAL) to the editor to use, e.g. EDITOR=vi");
        var daemon = Api.DaemonClient.Find(data.Path);
        string original;
        OpenedLog? local = null;
        if (daemon is not null)
        {
            using var shown = new StringWriter();
            using var error = new StringWriter();
            if (await daemon.RunAsync(["code", "show", "--data", data.Path, name], Stream.Null, shown, error, cancellationToken) is var exit and not ExitCodes.Ok)
            {
                Terminal.Error.Write(error.ToString());
                return exit;
            }
            original = shown.ToString();
        }
        else
        {
            local = data.OpenLog("datom code edit");
            try
            {
                original = AstPrinter.PrintDefinition(local.Database.Current(), name);
            }
            catch (KeyNotFoundException e)
            {
                local.Dispose();
                throw new CliException(ExitCodes.Failed, e.Message);
            }
        }
        using var owned = local;
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
            if (daemon is not null)
            {
                string[] args = ["code", "edit", "--data", data.Path, "--source", file, name];
                if (reason is not null)
                    args = [.. args, "-m", reason];
                using var error = new StringWriter();
                var loaded = await daemon.RunAsync(args, Stream.Null, Terminal.Out, error, cancellationToken);
                if (loaded != ExitCodes.Ok)
                {
                    keep = true;
                    Terminal.Error.WriteLine($"{error.ToString().TrimEnd()} (your text is kept in {file})");
                }
                return loaded;
            }
            try
            {
                return await LoadAsync(owned!, name, edited, reason, file, cancellationToken);
            }
            catch (CliException)
            {
                keep = true;
                throw;
            }
        }
        finally
        {
            if (!keep)
                Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>Transacts the definition's new text: only the datoms that changed.</summary>
    private static async Task<int> LoadAsync(OpenedLog opened, string name, string edited, string? reason, string? keptIn, CancellationToken cancellationToken)
    {
        using var loader = new CodeLoader(opened.Database);
        LoadResult result;
        try
        {
            result = await loader.LoadDefinitionAsync(edited, name, string.IsNullOrEmpty(reason) ? "edit " + name : reason, cancellationToken);
        }
        catch (CodeException e)
        {
            var where = e.Line > 0 ? string.Create(CultureInfo.InvariantCulture, $"line {e.Line}: ") : "";
            throw new CliException(ExitCodes.Failed, $"{name}: {where}{e.Reason}; nothing transacted{(keptIn is null ? "" : $" (your text is kept in {keptIn})")}");
        }
        catch (KeyNotFoundException e)
        {
            throw new CliException(ExitCodes.Failed, e.Message);
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

using System.CommandLine;
using System.Globalization;
using System.Net.Sockets;
using Datom.Node.Api;
using Datom.Node.Nrepl;
using Datom.Vm.Repl;

namespace Datom.Node.Repl;

/// <summary>
/// <c>datom repl [--data DIR] [NS]</c>: a Clojure REPL on the node. With a daemon running on the
/// data directory it is an nREPL client of the daemon's server (the port in <c>DIR/.nrepl-port</c>),
/// so that it shares the daemon's code cache and its definitions go out to the mesh at once;
/// without one, it opens the directory itself. Either way <see cref="ReplEvaluator"/> evaluates.
/// On a terminal: a prompt naming the namespace, line editing, and a history in
/// <c>DIR/.repl-history</c>; with standard input from a pipe or a file, no prompt: each value is
/// printed on its own line, and the exit code is 1 if a form failed.
/// </summary>
internal static class ReplCommand
{
    public const string HistoryFileName = ".repl-history";

    public static Command Create()
    {
        var ns = new Argument<string?>("ns") { Description = $"The namespace to start in (default {ReplSession.DefaultNamespace})", Arity = ArgumentArity.ZeroOrOne };
        var printPort = new Option<bool>("--print-nrepl-port") { Description = "Print the port of the daemon's nREPL server (from DIR/.nrepl-port) and exit" };
        var command = new Command("repl", "A Clojure REPL on the node: definitions are transacted (only the changed AST datoms, :tx/reason \"repl\") and reach every peer; other forms run on Yin under the node's limits.")
        {
            Cli.Data, printPort, ns,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var data = new DataDirectory(parse.GetValue(Cli.Data));
            if (parse.GetValue(printPort))
                return Task.FromResult(PrintPort(data));
            return RunAsync(data, parse.GetValue(ns) ?? ReplSession.DefaultNamespace, cancellationToken);
        });
        return command;
    }

    /// <summary>The port in <c>DIR/.nrepl-port</c>, or null when there is none.</summary>
    public static int? ReadPort(string dataDirectory)
    {
        var file = Path.Combine(dataDirectory, NreplServer.PortFileName);
        try
        {
            return int.TryParse(File.ReadAllText(file).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and < 65536 ? port : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static int PrintPort(DataDirectory data)
    {
        if (DaemonClient.Find(data.Path) is null || ReadPort(data.Path) is not { } port)
            throw new CliException(ExitCodes.Unavailable, NoServer(data));
        Terminal.Out.WriteLine(port.ToString(CultureInfo.InvariantCulture));
        return ExitCodes.Ok;
    }

    private static string NoServer(DataDirectory data) =>
        $"no nREPL server runs on {data.Path}: start the daemon with 'datom run --nrepl 127.0.0.1:0' (or [nrepl] listen in its config)";

    private static async Task<int> RunAsync(DataDirectory data, string ns, CancellationToken cancellationToken)
    {
        IReplBackend backend;
        if (DaemonClient.Find(data.Path) is not null)
        {
            if (ReadPort(data.Path) is not { } port)
                throw new CliException(ExitCodes.Unavailable, NoServer(data));
            try
            {
                backend = await NreplBackend.ConnectAsync(port, cancellationToken).ConfigureAwait(false);
            }
            catch (SocketException e)
            {
                throw new CliException(ExitCodes.Unavailable, $"cannot reach the daemon's nREPL server on port {port}: {e.Message}");
            }
        }
        else
        {
            if (!data.IsInitialized)
                throw new CliException(ExitCodes.Unavailable, $"{data.Path} is not a datom data directory; run 'datom init' first");
            backend = await LocalBackend.OpenAsync(data, cancellationToken).ConfigureAwait(false);
        }
        await using (backend.ConfigureAwait(false))
        {
            var interactive = !Console.IsInputRedirected && ReferenceEquals(Terminal.Out, Console.Out);
            return interactive
                ? await InteractiveAsync(backend, ns, Path.Combine(data.Path, HistoryFileName), cancellationToken).ConfigureAwait(false)
                : await ScriptedAsync(backend, ns, Console.In, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Forms from a pipe: evaluated as each one is complete; values on stdout, errors on stderr.</summary>
    private static async Task<int> ScriptedAsync(IReplBackend backend, string ns, TextReader input, CancellationToken cancellationToken)
    {
        var failed = false;
        var pending = new System.Text.StringBuilder();
        while (await input.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            pending.Append(line).Append('\n');
            if (!ReplForms.IsComplete(pending.ToString()))
                continue;
            var code = pending.ToString();
            pending.Clear();
            if (string.IsNullOrWhiteSpace(code))
                continue;
            var (after, error) = await backend.EvalAsync(code, ns, Print, cancellationToken).ConfigureAwait(false);
            ns = after;
            failed |= error;
        }
        if (!string.IsNullOrWhiteSpace(pending.ToString()))
        {
            var (_, error) = await backend.EvalAsync(pending.ToString(), ns, Print, cancellationToken).ConfigureAwait(false);
            failed |= error;
        }
        return failed ? ExitCodes.Failed : ExitCodes.Ok;
    }

    private static async Task<int> InteractiveAsync(IReplBackend backend, string ns, string historyFile, CancellationToken cancellationToken)
    {
        var editor = new LineEditor(historyFile);
        Terminal.Out.WriteLine("datom repl: definitions are transacted and reach every peer. Ctrl-C stops an eval, Ctrl-D quits; (doc f), (source f), (in-ns 'ns).");
        var running = false;
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            // Ctrl-C while a form runs stops the form, not the REPL.
            if (!running)
                return;
            e.Cancel = true;
            _ = backend.InterruptAsync();
        };
        Console.CancelKeyPress += onCancel;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var text = new System.Text.StringBuilder();
                var prompt = ns + "=> ";
                string? line;
                Console.TreatControlCAsInput = true;
                try
                {
                    while (true)
                    {
                        line = editor.ReadLine(text.Length == 0 ? prompt : new string(' ', Math.Max(0, prompt.Length - 5)) + "#_=> ");
                        if (line is null)
                            return ExitCodes.Ok;
                        if (line.Length == 0 && text.Length > 0 && !ReplForms.IsComplete(text.ToString()))
                        {
                            text.Append('\n');
                            continue;
                        }
                        text.Append(line).Append('\n');
                        if (ReplForms.IsComplete(text.ToString()))
                            break;
                    }
                }
                finally
                {
                    Console.TreatControlCAsInput = false;
                }
                var code = text.ToString().TrimEnd('\n');
                if (string.IsNullOrWhiteSpace(code))
                    continue;
                editor.Remember(code);
                running = true;
                try
                {
                    (ns, _) = await backend.EvalAsync(code, ns, Print, cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    running = false;
                }
            }
            return ExitCodes.Ok;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    private static void Print(ReplEvent e)
    {
        switch (e.Kind)
        {
            case ReplEventKind.Out:
                Terminal.Out.Write(e.Text);
                Terminal.Out.Flush();
                break;
            case ReplEventKind.Err:
                Terminal.Error.Write(e.Text);
                Terminal.Error.Flush();
                break;
            default:
                Terminal.Out.WriteLine(e.Text);
                Terminal.Out.Flush();
                break;
        }
    }
}

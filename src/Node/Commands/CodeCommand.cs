using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Datom.Index.Query;
using Datom.Index.Transactions;
using Datom.Log.Edn;
using Datom.Log.Model;
using Datom.Vm;
using Datom.Vm.Loading;
using Datom.Vm.Machine;
using Datom.Vm.Printing;
using Datom.Vm.Reading;

namespace Datom.Node.Commands;

/// <summary>
/// <c>datom code load [-m REASON] FILE</c>, <c>datom code show NS[/FN]</c>,
/// <c>datom code run NS/FN [ARGS...] [--time N]</c> and <c>datom code resume ID [VALUE]</c>: the code
/// workflow over Yin.VM, with code stored as AST datoms in this node's DaoDB.
/// </summary>
internal static class CodeCommand
{
    public static Command Create()
    {
        var command = new Command("code", "Code stored as AST datoms: load source, show it, run it.");
        command.Subcommands.Add(Load());
        command.Subcommands.Add(Show());
        command.Subcommands.Add(Run());
        command.Subcommands.Add(Resume());
        command.Subcommands.Add(CodeLogsCommand.Create());
        command.Subcommands.Add(Code.CodeEditCommand.Create());
        command.Subcommands.Add(Code.CodeDiffCommand.Create());
        command.Subcommands.Add(Code.CodeBlameCommand.Create());
        command.Subcommands.Add(Code.CodeHistoryCommand.Create());
        command.Subcommands.Add(Code.CodeRevertCommand.Create());
        command.Subcommands.Add(Code.CodeConflictsCommand.Create());
        command.Subcommands.Add(Code.CodePickCommand.Create());
        command.Subcommands.Add(Code.CodeExportCommand.Create());
        command.Subcommands.Add(Code.CodeImportCommand.Create());
        return command;
    }

    private static Command Load()
    {
        var file = new Argument<string>("file") { Description = "A source file: (ns name) then defn and defrecord forms" };
        var reason = new Option<string?>("-m", "--message") { Description = "Why: stored on the transaction as :tx/reason", HelpName = "REASON" };
        var command = new Command("load", "Load a source file; only the datoms that differ from the stored namespace are transacted.")
        {
            Cli.Data, reason, file,
        };
        command.SetAction((parse, cancellationToken) =>
            LoadAsync(new DataDirectory(parse.GetValue(Cli.Data)), parse.GetValue(file)!, parse.GetValue(reason), cancellationToken));
        return command;
    }

    private static Command Show()
    {
        var name = new Argument<string>("name") { Description = "A namespace (core) or a definition (core/greet)" };
        var asOf = new Option<string?>("--as-of") { Description = "An old version: an entry hash (as 'code history' lists it), entry hashes, or an ISO-8601 time", HelpName = "X" };
        var command = new Command("show", "Print a namespace or definition as source, from its AST datoms.")
        {
            Cli.Data, name, asOf,
        };
        command.SetAction(parse => ShowCode(new DataDirectory(parse.GetValue(Cli.Data)), parse.GetValue(name)!, parse.GetValue(asOf)));
        return command;
    }

    private static Command Run()
    {
        var function = new Argument<string>("function") { Description = "The function to call: ns/name" };
        var args = new Argument<string[]>("args") { Description = "Arguments, each as EDN", Arity = ArgumentArity.ZeroOrMore };
        var time = new Option<int>("--time") { Description = "Run N times in this process and print {\"runs\",\"median_ms\",\"min_ms\",\"result\"} instead of the result (the program's own output goes to stderr)", HelpName = "N" };
        var limits = new LimitOptions();
        var command = new Command("run", "Call a function stored in this node's database, and print its value as EDN.")
        {
            Cli.Data, function, args, time, limits.Fuel, limits.Memory, limits.Depth, limits.Timeout,
        };
        command.SetAction((parse, cancellationToken) =>
            RunAsync(new DataDirectory(parse.GetValue(Cli.Data)), parse.GetValue(function)!, parse.GetValue(args) ?? [], parse.GetValue(time), limits.Read(parse), cancellationToken));
        return command;
    }

    private static Command Resume()
    {
        var id = new Argument<string>("continuation") { Description = "The continuation's entity id (32 hex digits), as 'code run' printed it" };
        var value = new Argument<string?>("value") { Description = "For a suspended program: the value its (suspend) returns, as EDN", Arity = ArgumentArity.ZeroOrOne };
        var limits = new LimitOptions();
        var command = new Command("resume", "Resume a stored continuation, in the code it was captured in.")
        {
            Cli.Data, id, value, limits.Fuel, limits.Memory, limits.Depth, limits.Timeout,
        };
        command.SetAction((parse, cancellationToken) =>
            ResumeAsync(new DataDirectory(parse.GetValue(Cli.Data)), parse.GetValue(id)!, parse.GetValue(value), limits.Read(parse), cancellationToken));
        return command;
    }

    private static async Task<int> LoadAsync(DataDirectory data, string file, string? reason, CancellationToken cancellationToken)
    {
        var path = Terminal.FullPath(file);
        if (!File.Exists(path))
            throw new CliException(ExitCodes.Failed, $"{file}: no such file");
        var text = await File.ReadAllTextAsync(path, Encoding.UTF8, cancellationToken);
        using var opened = data.OpenLog("datom code load");
        using var loader = new CodeLoader(opened.Database);
        LoadResult result;
        try
        {
            result = await loader.LoadAsync(text, Path.GetFileName(file), reason, cancellationToken);
        }
        catch (CodeException e)
        {
            throw new CliException(ExitCodes.Failed, e.Message);
        }
        if (!result.Transacted)
        {
            Terminal.Out.WriteLine($"{result.Namespace}: unchanged; nothing transacted");
            return ExitCodes.Ok;
        }
        Terminal.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{result.Namespace}: {result.Asserted} datoms asserted, {result.Retracted} retracted (entry {result.Entry!.Seq}, {result.Entry.Hash}); changed: {string.Join(" ", result.Changed)}"));
        return ExitCodes.Ok;
    }

    private static int ShowCode(DataDirectory data, string name, string? asOf)
    {
        using var opened = data.OpenLog("datom code show");
        try
        {
            Terminal.Out.Write(AstPrinter.Print(QueryCommand.View(opened.Database, asOf), name));
        }
        catch (KeyNotFoundException e)
        {
            throw new CliException(ExitCodes.Failed, e.Message);
        }
        return ExitCodes.Ok;
    }

    private static async Task<int> RunAsync(DataDirectory data, string function, string[] argTexts, int times, RunLimits limits, CancellationToken cancellationToken)
    {
        var args = argTexts.Select(ParseArg).ToList();
        using var opened = data.OpenLog("datom code run");
        using var vm = await YinVm.OpenAsync(opened.Database, cancellationToken);
        vm.QueryLimits = Terminal.Current.Node?.QueryLimits ?? QueryLimits.Default;
        if (times > 0)
            return Time(vm, function, args, times, limits, cancellationToken);
        var result = vm.Run(function, args, new RunOptions { Limits = limits, Cancellation = cancellationToken, Output = Terminal.Out });
        return await ReportAsync(vm, result, cancellationToken);
    }

    private static async Task<int> ResumeAsync(DataDirectory data, string idText, string? valueText, RunLimits limits, CancellationToken cancellationToken)
    {
        if (!EntityId.TryParse(idText, out var id))
            throw new CliException(ExitCodes.Usage, $"'{idText}' is not an entity id (32 hex digits)");
        var value = valueText is null ? null : ParseArg(valueText);
        using var opened = data.OpenLog("datom code resume");
        using var vm = await YinVm.OpenAsync(opened.Database, cancellationToken);
        vm.QueryLimits = Terminal.Current.Node?.QueryLimits ?? QueryLimits.Default;
        Continuation continuation;
        try
        {
            continuation = vm.LoadContinuation(id);
        }
        catch (InvalidOperationException e)
        {
            throw new CliException(ExitCodes.Failed, e.Message);
        }
        var result = vm.Resume(continuation, value, new RunOptions { Limits = limits, Cancellation = cancellationToken, Output = Terminal.Out });
        return await ReportAsync(vm, result, cancellationToken);
    }

    /// <summary>
    /// Runs the function once to prepare its code (as a daemon would have it prepared), then N times,
    /// timing each run: the work only, not process start, opening the database or preparing.
    /// </summary>
    private static int Time(YinVm vm, string function, List<object?> args, int times, RunLimits limits, CancellationToken cancellationToken)
    {
        var options = new RunOptions { Limits = limits, Cancellation = cancellationToken, Output = Terminal.Error };
        var result = vm.Run(function, args, options);
        var samples = new double[times];
        for (var i = 0; i < times && result.Status == RunStatus.Finished; i++)
        {
            var sw = Stopwatch.StartNew();
            result = vm.Run(function, args, options);
            samples[i] = sw.Elapsed.TotalMilliseconds;
        }
        if (result.Status != RunStatus.Finished)
        {
            Terminal.Error.WriteLine($"datom: {(result.Status == RunStatus.Failed ? result.Error!.Describe() : result.Status.ToString().ToLowerInvariant() + ": --time needs a run that finishes")}");
            return ExitCodes.Failed;
        }
        Array.Sort(samples);
        var median = times % 2 == 1 ? samples[times / 2] : (samples[(times / 2) - 1] + samples[times / 2]) / 2;
        Terminal.Out.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["runs"] = times,
            ["median_ms"] = Math.Round(median, 3),
            ["min_ms"] = Math.Round(samples[0], 3),
            ["result"] = result.Value,
        }));
        return ExitCodes.Ok;
    }

    private static async Task<int> ReportAsync(YinVm vm, RunResult result, CancellationToken cancellationToken)
    {
        switch (result.Status)
        {
            case RunStatus.Finished:
                Terminal.Out.WriteLine(result.Value);
                return ExitCodes.Ok;
            case RunStatus.Suspended or RunStatus.Paused:
            {
                EntityId id;
                try
                {
                    id = await vm.SaveAsync(result.Continuation!, cancellationToken);
                }
                catch (InvalidOperationException e)
                {
                    throw new CliException(ExitCodes.Failed, "the program suspended, but its continuation cannot be stored: " + e.Message);
                }
                Terminal.Out.WriteLine(result.Value);
                Terminal.Error.WriteLine($"datom: the program suspended; resume it with: datom code resume {id} VALUE");
                return ExitCodes.Ok;
            }
            default:
                Terminal.Error.WriteLine("datom: " + result.Error!.Describe());
                return ExitCodes.Failed;
        }
    }

    private static object? ParseArg(string text)
    {
        try
        {
            return EdnReader.ReadOne(text, TxDataParser.ReaderOptions("<argument>"));
        }
        catch (EdnException e)
        {
            throw new CliException(ExitCodes.Usage, $"argument '{text}' is not EDN: {e.Reason}");
        }
    }

    /// <summary>The limits a run takes from the command line; those not given keep their (finite) defaults.</summary>
    private sealed class LimitOptions
    {
        public Option<long?> Fuel { get; } = new("--fuel") { Description = $"Most steps (default {RunLimits.DefaultFuel})", HelpName = "STEPS" };

        public Option<long?> Memory { get; } = new("--memory") { Description = $"Most bytes of live data (default {RunLimits.DefaultMemory})", HelpName = "BYTES" };

        public Option<int?> Depth { get; } = new("--depth") { Description = $"Most nested calls (default {RunLimits.DefaultDepth})", HelpName = "FRAMES" };

        public Option<double?> Timeout { get; } = new("--timeout") { Description = $"Deadline in seconds (default {RunLimits.DefaultDeadline.TotalSeconds})", HelpName = "SECONDS" };

        public RunLimits Read(ParseResult parse)
        {
            // Inside a daemon the config's [vm] limits are the defaults; the command line overrides them.
            var defaults = Terminal.Current.Node?.CodeLimits ?? RunLimits.Default;
            var constraints = new List<Constraint> { defaults.Fuel, defaults.Memory, defaults.Depth, defaults.Deadline };
            try
            {
                if (parse.GetValue(Fuel) is { } fuel)
                    constraints.Add(new FuelLimit(fuel));
                if (parse.GetValue(Memory) is { } memory)
                    constraints.Add(new MemoryLimit(memory));
                if (parse.GetValue(Depth) is { } depth)
                    constraints.Add(new DepthLimit(depth));
                if (parse.GetValue(Timeout) is { } seconds)
                    constraints.Add(new DeadlineLimit(TimeSpan.FromSeconds(seconds)));
            }
            catch (ArgumentOutOfRangeException)
            {
                throw new CliException(ExitCodes.Usage, "--fuel, --memory, --depth and --timeout take positive numbers");
            }
            return new RunLimits(constraints);
        }
    }
}

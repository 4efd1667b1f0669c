using System.CommandLine;
using Datom.Node.Bench;

namespace Datom.Node.Commands;

/// <summary><c>datom bench ...</c>: the measured figures behind BENCHMARKS.md.</summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var command = new Command("bench", "Measure this build on this machine.");

        var dir = new Option<string?>("--dir") { Description = "Scratch directory on the disk to measure (default: a new folder under the system temp directory)", HelpName = "DIR" };
        var seconds = new Option<double>("--seconds") { Description = "Time per measurement", DefaultValueFactory = _ => 1.5 };
        var format = new Option<string>("--format") { Description = "Output format", DefaultValueFactory = _ => "table" };
        format.AcceptOnlyFromAmong("table", "json");
        var log = new Command("log", "Append rates: raw Ed25519 sign rate, append without fsync, the disk's fsync rate, and durable appends at batch sizes 1/10/100/1000 with 1 and 8 writers.")
        {
            dir,
            seconds,
            format,
        };
        log.SetAction((parse, cancellationToken) =>
            LogBench.RunAsync(parse.GetValue(dir), TimeSpan.FromSeconds(parse.GetValue(seconds)), parse.GetValue(format) == "json", cancellationToken));
        command.Subcommands.Add(log);

        var shared = new Option<string?>("--shared") { Description = "The shared folder beside the repository (default: ../shared, or $DATOM_SHARED)", HelpName = "DIR" };
        var runs = new Option<int>("--runs") { Description = "Runs per query (the median is reported)", DefaultValueFactory = _ => 15 };
        var queryFormat = new Option<string>("--format") { Description = "Output format", DefaultValueFactory = _ => "table" };
        queryFormat.AcceptOnlyFromAmong("table", "json");
        var scale = new Option<long>("--scale") { Description = "Instead: grow the workload to about N datoms (e.g. 10000000), load it durably into --dir (default: a temporary folder, deleted after), and run the queries in a new process that reports its resident memory", HelpName = "N" };
        var queryOnly = new Option<bool>("--query-only") { Description = "With --dir: only open the database a --scale run left there, query it and print times and memory as JSON (what --scale runs in its second process)" };
        var query = new Command("query", "DataScript's benchmark workload (q1-q4, qpred1/2 and the load), run by DataScript under node and by this build on the same data, with the ratios.")
        {
            shared,
            runs,
            queryFormat,
            scale,
            dir,
            queryOnly,
        };
        query.SetAction((parse, cancellationToken) => parse.GetValue(scale) > 0 || parse.GetValue(queryOnly)
            ? QueryBench.RunScaleAsync(parse.GetValue(scale), parse.GetValue(dir), parse.GetValue(runs), parse.GetValue(queryOnly), parse.GetValue(queryFormat) == "json", cancellationToken)
            : QueryBench.RunAsync(parse.GetValue(shared), parse.GetValue(runs), parse.GetValue(queryFormat) == "json", cancellationToken));
        command.Subcommands.Add(query);
        var entries = new Option<int>("--entries") { Description = "Entries the nodes share", DefaultValueFactory = _ => 1_000_000 };
        var differ = new Option<int>("--differ") { Description = "Entries by which the two nodes of (a) differ", DefaultValueFactory = _ => 10 };
        var sync = new Command("sync", "Sync on loopback: (a) bytes and time to reconcile two large logs that differ slightly; (b) a new node's pull rate, verified and stored, against the raw verify rate times cores.")
        {
            dir,
            entries,
            differ,
            format,
        };
        sync.SetAction((parse, cancellationToken) =>
            SyncBench.RunAsync(parse.GetValue(dir), parse.GetValue(entries), parse.GetValue(differ), parse.GetValue(format) == "json", cancellationToken));
        command.Subcommands.Add(sync);

        var scaleEntries = new Option<long>("--entries") { Description = "One-datom transactions in the log", DefaultValueFactory = _ => 10_000_000 };
        var scaleAuthors = new Option<int>("--authors") { Description = "Authors taking turns", DefaultValueFactory = _ => 4 };
        var noPull = new Option<bool>("--no-pull") { Description = "Skip the new node's full pull" };
        var openOnly = new Option<bool>("--open-only") { Description = "With --dir (a full run's --dir, or the data directory in it): only open the data directory, measure and print JSON (what the run does in a new process at N/10 and N)" };
        var frontierOption = new Option<string?>("--frontier") { Description = "With --open-only: the frontier for the as-of query (comma-separated hashes)", HelpName = "HASHES" };
        var scaleRuns = new Option<int>("--runs") { Description = "Runs per timed operation (the median is reported)", DefaultValueFactory = _ => 21 };
        var scaleFormat = new Option<string>("--format") { Description = "Output format", DefaultValueFactory = _ => "table" };
        scaleFormat.AcceptOnlyFromAmong("table", "json");
        var scaleCommand = new Command("scale", "Memory and open time as the log grows: N one-datom transactions by several authors; at N/10 and N a new process reports RSS after open, open time, status, a point query and an as-of-frontier query; the growth per entry; a new node's full pull.")
        {
            scaleEntries,
            scaleAuthors,
            dir,
            noPull,
            openOnly,
            frontierOption,
            scaleRuns,
            scaleFormat,
        };
        scaleCommand.SetAction((parse, cancellationToken) => ScaleBench.RunAsync(parse.GetValue(scaleEntries), parse.GetValue(scaleAuthors), parse.GetValue(dir),
            !parse.GetValue(noPull), parse.GetValue(openOnly), parse.GetValue(frontierOption), parse.GetValue(scaleRuns), parse.GetValue(scaleFormat) == "json", cancellationToken));
        command.Subcommands.Add(scaleCommand);

        var fib = new Option<int>("--n") { Description = "Which Fibonacci number to compute recursively", DefaultValueFactory = _ => 27 };
        var vmRuns = new Option<int>("--runs") { Description = "Timed runs each (the median is reported)", DefaultValueFactory = _ => 9 };
        var vmFormat = new Option<string>("--format") { Description = "Output format", DefaultValueFactory = _ => "table" };
        vmFormat.AcceptOnlyFromAmong("table", "json");
        var vm = new Command("vm", "Recursive fib on Yin.VM (AST from DaoDB, and in memory), Jint, CPython, nbb and JVM Clojure, and three corpus programs on Yin, nbb and JVM Clojure, in the same run.") { fib, vmRuns, vmFormat };
        vm.SetAction((parse, cancellationToken) => VmBench.RunAsync(parse.GetValue(fib), parse.GetValue(vmRuns), parse.GetValue(vmFormat) == "json", cancellationToken));
        command.Subcommands.Add(vm);
        return command;
    }
}

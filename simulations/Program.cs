using System.Globalization;
using Datom.Simulations;

// dotnet run -c Release --project simulations -- --seeds N --nodes K [--seed S] [--trace] [--parallel P]
//   Runs seeds S, S+1, ..., S+N-1 (S defaults to 1), each a whole simulated mesh of K nodes.
//   --trace prints every event of the run as it happens (use with --seeds 1 to replay a failure);
//   --digests prints each seed's digest (equal digests: equal runs).
//   Exit code 0 when every seed passes, 1 when one fails, 2 on bad arguments.
var seeds = 100;
var nodes = 5;
var first = 1;
var trace = false;
var digests = false;
var parallel = Environment.ProcessorCount;
var chaosMs = new SimulationOptions().ChaosMs;
try
{
    for (var i = 0; i < args.Length; i++)
    {
        string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
        int Number(int min) => int.TryParse(Value(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min
            ? n
            : throw new ArgumentException($"{args[i - 1]} takes a whole number of at least {min}, not '{args[i]}'");
        switch (args[i])
        {
            case "--seeds": seeds = Number(1); break;
            case "--nodes": nodes = Number(2); break;
            case "--seed": first = Number(0); break;
            case "--parallel": parallel = Number(1); break;
            case "--chaos-ms": chaosMs = Number(1_000); break;
            case "--trace": trace = true; break;
            case "--digests": digests = true; break;
            case "-h" or "--help":
                Console.WriteLine("usage: simulations --seeds N --nodes K [--seed S] [--trace] [--digests] [--parallel P] [--chaos-ms MS]");
                return 0;
            default: throw new ArgumentException($"unknown argument '{args[i]}' (see --help)");
        }
    }
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"simulations: {e.Message}");
    return 2;
}

var options = new SimulationOptions { Nodes = nodes, ChaosMs = chaosMs, Live = trace ? Console.Out : null };
Console.WriteLine($"simulating seeds {first}..{first + seeds - 1}, {nodes} nodes each, {(trace ? 1 : parallel)} at a time");
var watch = System.Diagnostics.Stopwatch.StartNew();
var outcomes = SeedRunner.Run(first, seeds, options, trace ? 1 : parallel, outcome =>
{
    if (!outcome.Passed)
        Console.WriteLine(SeedRunner.Describe(outcome, nodes));
    else if (seeds <= 20 || trace || digests)
        Console.WriteLine($"seed {outcome.Seed}: ok, {outcome.Result!.Entries} entries, {outcome.Result.Forks} forks, {outcome.Result.Crashes} crashes, digest {outcome.Result.Digest}");
});
Console.WriteLine(SeedRunner.Summary(outcomes, nodes, watch.Elapsed));
return outcomes.All(o => o.Passed) ? 0 : 1;

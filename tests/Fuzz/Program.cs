using System.Diagnostics;
using System.Globalization;
using Datom.Fuzz.Engine;
using Datom.Fuzz.Targets;

namespace Datom.Fuzz;

/// <summary>
/// <c>dotnet run -c Release --project tests/Fuzz -- --target edn --inputs 100000 --seed 0x1</c>: runs
/// targets and prints inputs per second and the slowest input (the figures for BENCHMARKS.md).
/// <c>--replay N</c> runs input N of that seed alone and prints it; <c>--input HEX</c> runs those
/// bytes (a regression case); <c>--target all</c> runs each.
/// Exit code 1 if any input broke the contract.
/// </summary>
internal static class Program
{
    public static int Main(string[] args)
    {
        string target = "all";
        long inputs = 100_000;
        var seed = FuzzSettings.SeedFromEnvironment();
        long? replay = null;
        byte[]? literal = null;
        double? seconds = null;
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : "";
            switch (args[i])
            {
                case "--target": target = value; i++; break;
                case "--inputs": inputs = long.Parse(value.Replace("_", "", StringComparison.Ordinal), CultureInfo.InvariantCulture); i++; break;
                case "--seed": seed = FuzzSettings.ParseSeed(value); i++; break;
                case "--replay": replay = long.Parse(value, CultureInfo.InvariantCulture); i++; break;
                case "--input": literal = Convert.FromHexString(value); i++; break;
                case "--seconds": seconds = double.Parse(value, CultureInfo.InvariantCulture); i++; break;
                default:
                    Console.Error.WriteLine("usage: Datom.Fuzz [--target NAME|all] [--inputs N] [--seconds S] [--seed S] [--replay INDEX | --input HEX]");
                    Console.Error.WriteLine("targets: " + string.Join(", ", AllTargets.Names));
                    return 2;
            }
        }

        var names = target == "all" ? AllTargets.Names : [target];
        var failed = false;
        foreach (var name in names)
        {
            using var fuzz = AllTargets.Create(name);
            if (replay is not null || literal is not null)
            {
                var input = literal ?? FuzzRunner.Generate(fuzz, seed, replay!.Value);
                Console.WriteLine(literal is null
                    ? $"input {replay} of seed 0x{seed:x16} ({input.Length} bytes): {Convert.ToHexStringLower(input)}"
                    : $"input ({input.Length} bytes): {Convert.ToHexStringLower(input)}");
                Console.WriteLine("as text: " + Escape.Text(input));
                var (outcome, failure, ticks) = FuzzRunner.RunOne(fuzz, input);
                Console.WriteLine(failure is { } f
                    ? $"FAILURE ({f.Kind}): {f.Message}"
                    : $"{(outcome.Accepted ? "accepted" : "rejected")} {outcome.Detail} in {ticks * 1000.0 / Stopwatch.Frequency:0.###} ms");
                failed |= failure is not null;
                continue;
            }
            _ = fuzz.Corpus; // built before the clock starts
            var report = FuzzRunner.Run(fuzz, new FuzzSettings
            {
                Seed = seed,
                Inputs = inputs,
                Budget = seconds is { } s ? TimeSpan.FromSeconds(s) : null,
                MaxFailures = 20,
            }, Console.Error.WriteLine);
            Console.WriteLine(report);
            foreach (var (error, count) in report.Errors.OrderByDescending(e => e.Value).Take(12))
                Console.WriteLine($"    {count,10:N0}  {error}");
            failed |= report.Failures.Count > 0;
        }
        return failed ? 1 : 0;
    }
}

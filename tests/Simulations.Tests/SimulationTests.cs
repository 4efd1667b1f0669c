using System.Diagnostics;
using Datom.Log.Segments;
using Xunit;
using Xunit.Abstractions;

namespace Datom.Simulations.Tests;

/// <summary>
/// The deterministic simulator, as CI runs it: 200 seeds of 5 nodes each (10,000 with
/// <c>DATOM_SLOW=1</c>), every one passing; runs that replay exactly; and the checks themselves
/// shown to catch what they claim to.
/// </summary>
public sealed class SimulationTests(ITestOutputHelper output)
{
    private const int CiSeeds = 200;
    private const int SlowSeeds = 10_000;

    private static bool IsSlow => Environment.GetEnvironmentVariable("DATOM_SLOW") == "1";

    [Fact]
    public void Every_seed_passes_with_five_nodes()
    {
        var seeds = IsSlow ? SlowSeeds : CiSeeds;
        var watch = Stopwatch.StartNew();
        var outcomes = SeedRunner.Run(1, seeds, new SimulationOptions { Nodes = 5 }, Environment.ProcessorCount);
        output.WriteLine(SeedRunner.Summary(outcomes, 5, watch.Elapsed));
        var failed = outcomes.Where(o => !o.Passed).ToList();
        Assert.True(failed.Count == 0, string.Join("\n\n", failed.Take(3).Select(o => SeedRunner.Describe(o, 5))));
        // The runs did what they are for: faults happened and the checks had something to check.
        var results = outcomes.Select(o => o.Result!).ToList();
        Assert.True(results.Sum(r => r.Crashes) > seeds / 2, "hardly any crashes");
        Assert.True(results.Sum(r => r.Partitions) > seeds / 2, "hardly any partitions");
        Assert.True(results.Sum(r => r.Forks) > seeds / 10, "hardly any forks");
        Assert.True(results.Sum(r => r.Lost) > seeds, "hardly any lost frames");
        Assert.All(results, r => Assert.True(r.Entries > 20, $"seed {r.Seed} wrote only {r.Entries} entries"));
    }

    [Fact]
    public void A_seed_replays_exactly()
    {
        foreach (var seed in new[] { 3, 7, 12 })
        {
            var first = SeedRunner.RunOne(seed, new SimulationOptions());
            var second = SeedRunner.RunOne(seed, new SimulationOptions());
            Assert.True(first.Passed, first.Failure);
            Assert.Equal(first.Result, second.Result);
        }
        Assert.NotEqual(SeedRunner.RunOne(3, new SimulationOptions()).Result!.Digest, SeedRunner.RunOne(4, new SimulationOptions()).Result!.Digest);
    }

    [Fact]
    public void A_seed_replays_exactly_in_another_process()
    {
        // String hashing is randomized per process: a run that depended on it would differ here.
        var here = SeedRunner.RunOne(5, new SimulationOptions()).Result!.Digest;
        var dll = Path.Combine(AppContext.BaseDirectory, "Datom.Simulations.dll");
        using var process = Process.Start(new ProcessStartInfo("dotnet", [dll, "--seeds", "1", "--seed", "5", "--parallel", "1"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        var stdout = process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(2)), "the simulator did not finish");
        Assert.Equal(0, process.ExitCode);
        Assert.Contains($"digest {here}", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void A_log_that_acknowledges_before_syncing_is_caught()
    {
        // The log with fsync off acknowledges entries that a crash then loses: the simulator must say so.
        var options = new SimulationOptions { Fsync = FsyncPolicy.Never };
        var outcomes = SeedRunner.Run(1, 30, options, Environment.ProcessorCount);
        var failed = outcomes.Where(o => !o.Passed).ToList();
        Assert.NotEmpty(failed);
        foreach (var f in failed.Take(3))
            output.WriteLine(SeedRunner.Describe(f, 5));
        Assert.All(failed, f => Assert.Matches("lost|index covers|lacks", f.Failure!));
    }

    [Fact]
    public void A_failure_report_names_the_seed_and_how_to_replay_it()
    {
        var outcome = SeedRunner.Run(1, 30, new SimulationOptions { Fsync = FsyncPolicy.Never }, 2).First(o => !o.Passed);
        var report = SeedRunner.Describe(outcome, 5);
        Assert.Contains($"seed {outcome.Seed} FAILED at ", report, StringComparison.Ordinal);
        Assert.Contains($"--seed {outcome.Seed} --seeds 1 --nodes 5 --trace", report, StringComparison.Ordinal);
        Assert.Contains("faults: loss", report, StringComparison.Ordinal);
        Assert.NotEmpty(outcome.LastEvents);
    }
}

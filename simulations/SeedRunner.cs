namespace Datom.Simulations;

/// <summary>What happened to one seed: its result, or the failure and the trace lines before it.</summary>
internal sealed record SeedOutcome(int Seed, SimulationResult? Result, string? Failure, long FailedAtMs, string Faults, IReadOnlyCollection<string> LastEvents)
{
    public bool Passed => Result is not null;
}

/// <summary>Runs seeds, several at once (each run is single-threaded; seeds are independent).</summary>
internal static class SeedRunner
{
    public static SeedOutcome RunOne(int seed, SimulationOptions options)
    {
        // A run completes the reconciler's awaits itself and relies on their continuations running
        // inline; a synchronization context (a test runner's, say) would send them elsewhere.
        var context = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(null);
        using var sim = new Simulation(seed, options);
        try
        {
            return new SeedOutcome(seed, sim.Run(), null, 0, sim.Faults.ToString(), []);
        }
        catch (SimulationFailure e)
        {
            return new SeedOutcome(seed, null, e.Message, sim.Scheduler.Now, sim.Faults.ToString(), [.. sim.Trace.Last]);
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(context);
        }
    }

    /// <summary>Runs <paramref name="count"/> seeds from <paramref name="first"/>; reports each as it ends.</summary>
    public static IReadOnlyList<SeedOutcome> Run(int first, int count, SimulationOptions options, int parallelism, Action<SeedOutcome>? report = null)
    {
        var outcomes = new SeedOutcome[count];
        var gate = new Lock();
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, parallelism) }, i =>
        {
            var outcome = RunOne(first + i, options);
            outcomes[i] = outcome;
            lock (gate)
                report?.Invoke(outcome);
        });
        return outcomes;
    }

    /// <summary>The report of a failing seed: what failed, when, under which faults, the events before it, and how to replay it.</summary>
    public static string Describe(SeedOutcome outcome, int nodes)
    {
        var lines = new List<string>
        {
            $"seed {outcome.Seed} FAILED at {outcome.FailedAtMs} ms (simulated): {outcome.Failure}",
            $"  faults: {outcome.Faults}",
            "  last events:",
        };
        lines.AddRange(outcome.LastEvents.TakeLast(40).Select(l => "    " + l));
        lines.Add($"  replay: dotnet run -c Release --project simulations -- --seed {outcome.Seed} --seeds 1 --nodes {nodes} --trace");
        return string.Join(Environment.NewLine, lines);
    }

    public static string Summary(IReadOnlyList<SeedOutcome> outcomes, int nodes, TimeSpan elapsed)
    {
        var passed = outcomes.Where(o => o.Passed).Select(o => o.Result!).ToList();
        var failed = outcomes.Count - passed.Count;
        var seconds = Math.Max(elapsed.TotalSeconds, 1e-9);
        var simulatedMs = passed.Sum(r => r.SimulatedMs);
        var events = passed.Sum(r => r.Events);
        return $"{outcomes.Count} seeds x {nodes} nodes: {passed.Count} passed, {failed} failed in {elapsed.TotalSeconds:F1} s; " +
            $"{outcomes.Count / seconds:F1} seeds/s, {simulatedMs / seconds:F0} simulated ms (ticks)/s, {events / seconds:F0} events/s; " +
            $"per passing seed on average {Average(passed, r => r.Entries):F0} entries, {Average(passed, r => r.Crashes):F1} crashes, " +
            $"{Average(passed, r => r.Partitions):F1} partitions, {Average(passed, r => r.Forks):F1} forks, {Average(passed, r => r.Frames):F0} frames ({Average(passed, r => r.Lost):F1} lost), " +
            $"{Average(passed, r => r.SimulatedMs) / 1000:F1} s simulated";
    }

    private static double Average(List<SimulationResult> results, Func<SimulationResult, double> of) => results.Count == 0 ? 0 : results.Average(of);
}

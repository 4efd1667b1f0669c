using System.Diagnostics;
using Datom.Vm.Machine;
using Datom.Vm.Tests.Support;
using Xunit;

namespace Datom.Vm.Tests;

/// <summary>Hostile programs stop with an error that names the limit they hit, and the host stays up.</summary>
public class LimitTests
{
    private static RunOptions With(params Constraint[] constraints) => new() { Limits = new RunLimits(constraints), Output = TextWriter.Null };

    private static YinError Stops(string source, RunOptions options, string limit)
    {
        var result = Yin.RunWith(source, options);
        Assert.True(result.Status == RunStatus.Failed, $"expected :limit/{limit}, got {result.Status}: {result}");
        Assert.Equal(":limit/" + limit, result.Error!.Kind.ToString());
        Assert.Equal(limit, result.Error.Limit);
        Assert.Contains(limit, result.Error.Message, StringComparison.Ordinal);
        // And the host is fine: the next program runs.
        Assert.Equal("3", Yin.Expr("(+ 1 2)"));
        return result.Error;
    }

    [Fact]
    public void No_limit_is_unlimited_by_default()
    {
        var d = RunLimits.Default;
        Assert.True(d.Fuel.Steps < long.MaxValue && d.Memory.Bytes < long.MaxValue && d.Depth.Frames < int.MaxValue && d.Deadline.Timeout < TimeSpan.MaxValue);
        var partial = new RunLimits(new FuelLimit(5));
        Assert.Equal(RunLimits.DefaultMemory, partial.Memory.Bytes);
        Assert.Equal(RunLimits.DefaultDepth, partial.Depth.Frames);
        Assert.Equal(RunLimits.DefaultDeadline, partial.Deadline.Timeout);
    }

    [Fact]
    public void An_endless_loop_runs_out_of_fuel()
    {
        var e = Stops("(defn main [] (loop [i 0] (recur (inc i))))", With(new FuelLimit(1_000_000)), "fuel");
        Assert.Equal("fuel limit: the program ran more than 1000000 steps", e.Message);
        Assert.Equal("t/main", e.Stack[0].Function);
    }

    [Fact]
    public void An_endless_loop_stops_on_the_default_limits()
    {
        var watch = Stopwatch.StartNew();
        var result = Yin.Run("(defn spin [] (loop [] (recur)))\n(defn main [] (spin))");
        Assert.Equal(RunStatus.Failed, result.Status);
        Assert.True(result.Error!.Limit is "fuel" or "deadline", result.ToString());
        Assert.True(watch.Elapsed < RunLimits.DefaultDeadline + TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void Exponential_string_allocation_hits_the_memory_limit_before_it_is_made()
    {
        var e = Stops("(defn main [] (loop [s \"ab\"] (recur (str s s))))", With(new MemoryLimit(16 << 20)), "memory");
        Assert.StartsWith("memory limit: the program needs more than 16777216 bytes", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Exponential_collection_allocation_hits_the_memory_limit()
    {
        Stops("(defn main [] (loop [v [1 2]] (recur (into v v))))", With(new MemoryLimit(16 << 20)), "memory");
        Stops("(defn main [] (range 1000000000))", With(new MemoryLimit(16 << 20)), "memory");
        Stops("(defn grow [m i] (grow (assoc m i [i i i]) (inc i)))\n(defn main [] (loop [m {} i 0] (recur (assoc m i (str \"value \" i)) (inc i))))",
            With(new MemoryLimit(4 << 20), new FuelLimit(100_000_000)), "memory");
    }

    [Fact]
    public void The_memory_limit_is_on_live_data_not_on_all_allocation()
    {
        // 20,000 vectors of 100 items are about 100 MB allocated in all, but one at a time.
        var result = Yin.RunWith("(defn main [] (loop [i 0] (if (< i 20000) (do (vec (range 100)) (recur (inc i))) :done)))", With(new MemoryLimit(4 << 20)));
        Assert.True(result.Status == RunStatus.Finished, result.ToString());
    }

    [Fact]
    public void Deep_recursion_hits_the_depth_limit()
    {
        var e = Stops("(defn down [n] (+ 1 (down n)))\n(defn main [] (down 1))", With(), "depth");
        Assert.Equal($"depth limit: more than {RunLimits.DefaultDepth} nested calls (calling t/down)", e.Message);
        Assert.True(e.Stack.Count >= RunLimits.DefaultDepth - 1);
    }

    [Fact]
    public void Deep_recursion_uses_the_machine_stack_not_the_host_stack()
    {
        // 300,000 nested Yin calls would overflow any .NET thread stack if each were a host call.
        var result = Yin.RunWith("(defn sum [n] (if (= n 0) 0 (+ n (sum (dec n)))))\n(defn main [] (sum 300000))", With(new DepthLimit(400_000)));
        Assert.Equal("45000150000", result.Value);
    }

    [Fact]
    public void Sleeping_past_the_deadline_stops_at_the_deadline()
    {
        var watch = Stopwatch.StartNew();
        Stops("(defn main [] (sleep 60000))", With(new DeadlineLimit(TimeSpan.FromMilliseconds(200))), "deadline");
        Assert.InRange(watch.ElapsedMilliseconds, 150, 60_000); // stopped by the deadline, not by the 60 s sleep or never: a loaded machine may be slow to get there
    }

    [Fact]
    public void Busy_code_stops_at_the_deadline()
    {
        var watch = Stopwatch.StartNew();
        Stops("(defn main [] (loop [i 0] (recur (inc i))))", With(new DeadlineLimit(TimeSpan.FromMilliseconds(200)), new FuelLimit(long.MaxValue)), "deadline");
        Assert.InRange(watch.ElapsedMilliseconds, 150, 60_000); // stopped by the deadline, not by the 60 s sleep or never: a loaded machine may be slow to get there
    }

    [Fact]
    public void A_custom_constraint_is_checked_as_the_program_runs()
    {
        Stops("(defn main [] (loop [i 0] (recur (inc i))))", With(new StepCeiling(50_000)), "ceiling");
    }

    [Fact]
    public void A_native_calling_back_into_short_Yin_functions_meets_the_constraints()
    {
        // sort calls its comparator about n log n times, each a Yin call of a few steps that never
        // finishes a slice of the interpreter loop: the limits are checked between callbacks too.
        Stops("(defn main [] (count (sort (fn [a b] (compare b a)) (range 200000))))", With(new StepCeiling(50_000)), "ceiling");
    }

    [Fact]
    public void An_eager_reduction_over_an_infinite_seq_of_growing_vectors_stops_at_a_named_limit()
    {
        // The shape of Rosetta Code's Stern-Brocot program (corpus rc-stern-brocot-sequence), where
        // a run once escaped its deadline: each step of the reduction is a short callback, and the
        // growing vectors make every measurement of the heap long. Whichever limit it meets first,
        // the run stops with that limit named.
        const string source = """
            (defn step [v] (conj v (+ (peek v) 1) (peek v)))
            (defn main [] (count (transduce (map peek) conj [] (iterate step [1 1]))))
            """;
        var result = Yin.RunWith(source, With(new DeadlineLimit(TimeSpan.FromSeconds(2)), new FuelLimit(long.MaxValue)));
        Assert.Equal(RunStatus.Failed, result.Status);
        Assert.True(result.Error!.Limit is "deadline" or "memory", result.ToString());
        Assert.Contains(result.Error.Limit!, result.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Deep_lazy_nesting_is_realised_without_host_recursion()
    {
        // Clojure runs these; each must finish, not overflow the host's stack or hit :limit/depth.
        Assert.Equal("15000", Yin.Expr("(count (for [x (range 30000) :when (odd? x)] x))"));
        Assert.Equal("1", Yin.Expr("(count (for [a (range 30000) :let [b (- 30000 a)] :when (= a b 15000)] a))"));
        // A thousand maps over maps: Clojure realises these on its stack, and so does Yin, on its run's thread.
        Assert.Equal("3", Yin.Expr("(count (nth (iterate (fn [s] (map inc s)) (range 3)) 1000))"));
        Assert.Equal("[[3 4 5]]", Yin.Expr("(vec (for [a (range 1 20) b (range a 20) c (range b 20) :when (= (+ (* a a) (* b b)) (* c c)) :when (= 12 (+ a b c))] [a b c]))"));
    }

    [Fact]
    public void Lazy_seqs_nested_past_any_stack_stop_at_the_depth_limit()
    {
        Stops("(defn main [] (count (nth (iterate (fn [s] (map inc s)) (range 3)) 100000)))", With(), "depth");
    }

    [Fact]
    public void Squaring_a_big_integer_in_a_loop_stops_at_a_named_limit()
    {
        // Each multiplication is one instruction, but its operands double every turn: its result
        // is charged to memory and its work to fuel before it is done.
        var result = Yin.RunWith("(defn main [] (loop [x 3N] (recur (*' x x))))", With(new MemoryLimit(64 << 20), new DeadlineLimit(TimeSpan.FromMinutes(5))));
        Assert.Equal(RunStatus.Failed, result.Status);
        Assert.True(result.Error!.Limit is "memory" or "fuel", result.ToString());
    }

    [Fact]
    public void Cancellation_stops_a_run()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        var result = Yin.RunWith("(defn main [] (loop [i 0] (recur (inc i))))", new RunOptions { Cancellation = cts.Token, Output = TextWriter.Null });
        Assert.Equal(":error/cancelled", result.Error!.Kind.ToString());
    }

    [Fact]
    public void Many_hostile_runs_in_parallel_leave_the_host_up()
    {
        string[] hostile =
        [
            "(defn main [] (loop [] (recur)))",
            "(defn main [] (loop [s \"x\"] (recur (str s s))))",
            "(defn f [n] (+ 1 (f n)))\n(defn main [] (f 0))",
            "(defn main [] (sleep 100000))",
        ];
        // Each program trips its own limit first, by a margin no machine load can close: the spin
        // burns 100,000 steps (milliseconds) long before the 3 s deadline that only the sleep waits for.
        var options = With(new FuelLimit(100_000), new MemoryLimit(8 << 20), new DeadlineLimit(TimeSpan.FromSeconds(3)));
        var results = hostile.AsParallel().Select(s => Yin.RunWith(s, options)).ToList();
        Assert.All(results, r => Assert.NotNull(r.Error?.Limit));
        Assert.Equal(["fuel", "memory", "depth", "deadline"], results.Select(r => r.Error!.Limit));
    }

    private sealed class StepCeiling(long steps) : Constraint
    {
        public override string Name => "ceiling";

        public override void Check(ExecutionStatus status)
        {
            if (status.Steps > steps)
                throw new LimitExceededException(Name, $"ceiling: more than {steps} steps");
        }
    }
}

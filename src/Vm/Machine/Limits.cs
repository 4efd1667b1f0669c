using System.Globalization;

namespace Datom.Vm.Machine;

/// <summary>Where a run is, as constraints see it at each checkpoint.</summary>
/// <param name="Steps">Instructions executed, plus bulk work charged by natives.</param>
/// <param name="Depth">Frames on the continuation stack.</param>
/// <param name="MemoryBytes">Bytes charged since the last measurement of live data.</param>
public readonly record struct ExecutionStatus(long Steps, int Depth, long MemoryBytes, TimeSpan Elapsed);

/// <summary>
/// A limit on a run, in the manner of Jint's constraints: an object given to the run, consulted as
/// it goes, that stops it with an error naming the limit. The four built-in ones (fuel, memory,
/// depth, deadline) are enforced on the machine's own fast paths; any other constraint is checked
/// at every checkpoint (every few thousand instructions) and stops the run by throwing
/// <see cref="LimitExceededException"/>.
/// </summary>
public abstract class Constraint
{
    /// <summary>The limit's name, as errors report it (<c>:limit/fuel</c>).</summary>
    public abstract string Name { get; }

    /// <summary>Called at every checkpoint; throw <see cref="LimitExceededException"/> to stop the run.</summary>
    public virtual void Check(ExecutionStatus status)
    {
    }
}

/// <summary>At most this many steps (instructions, plus bulk work natives charge).</summary>
public sealed class FuelLimit(long steps) : Constraint
{
    public long Steps { get; } = steps > 0 ? steps : throw new ArgumentOutOfRangeException(nameof(steps));

    public override string Name => "fuel";
}

/// <summary>At most this many bytes of live Yin data (see <see cref="Heap"/> for how they are counted).</summary>
public sealed class MemoryLimit(long bytes) : Constraint
{
    public long Bytes { get; } = bytes > 0 ? bytes : throw new ArgumentOutOfRangeException(nameof(bytes));

    public override string Name => "memory";
}

/// <summary>At most this many nested calls.</summary>
public sealed class DepthLimit(int frames) : Constraint
{
    public int Frames { get; } = frames > 0 ? frames : throw new ArgumentOutOfRangeException(nameof(frames));

    public override string Name => "depth";
}

/// <summary>The run ends within this much wall-clock time, sleeps included.</summary>
public sealed class DeadlineLimit(TimeSpan timeout) : Constraint
{
    public TimeSpan Timeout { get; } = timeout > TimeSpan.Zero ? timeout : throw new ArgumentOutOfRangeException(nameof(timeout));

    public override string Name => "deadline";
}

/// <summary>
/// A rate instead of a total, for programs meant to run for ever (a daemon's <c>^:service</c>
/// functions): at most <see cref="StepsPerSecond"/> steps per second of wall time on average, after
/// an allowance of <see cref="Burst"/> steps. A service that sleeps between bursts of work never
/// meets it; one spinning in a loop does within <c>Burst / StepsPerSecond</c> seconds or so, and
/// stops with a <c>fuel</c> error that names the rate.
/// </summary>
public sealed class FuelRateLimit : Constraint
{
    public FuelRateLimit(long stepsPerSecond, long burst)
    {
        StepsPerSecond = stepsPerSecond > 0 ? stepsPerSecond : throw new ArgumentOutOfRangeException(nameof(stepsPerSecond));
        Burst = burst > 0 ? burst : throw new ArgumentOutOfRangeException(nameof(burst));
    }

    public long StepsPerSecond { get; }

    public long Burst { get; }

    public override string Name => "fuel";

    public override void Check(ExecutionStatus status)
    {
        var allowed = Burst + (StepsPerSecond * status.Elapsed.TotalSeconds);
        if (status.Steps > allowed)
        {
            throw new LimitExceededException(Name, string.Create(CultureInfo.InvariantCulture,
                $"fuel: the program used {status.Steps} steps in {status.Elapsed.TotalSeconds:0.###} s, more than its rate of {StepsPerSecond} steps per second after {Burst}"));
        }
    }
}

/// <summary>Thrown by a constraint to stop a run; the run ends with a <c>:limit/NAME</c> error.</summary>
public sealed class LimitExceededException : Exception
{
    public LimitExceededException(string limit, string message)
        : base(message)
    {
        Limit = limit;
    }

    public LimitExceededException()
        : this("custom", "limit exceeded")
    {
    }

    public LimitExceededException(string message)
        : this("custom", message)
    {
    }

    public LimitExceededException(string message, Exception innerException)
        : base(message, innerException)
    {
        Limit = "custom";
    }

    public string Limit { get; }
}

/// <summary>
/// The constraints of a run. Every run has all four built-in limits: one not given takes its
/// default, and no default is unlimited (DESIGN.md: "with no unlimited default").
/// </summary>
public sealed class RunLimits
{
    /// <summary>200 million steps: a few seconds of tight Yin code on one core.</summary>
    public const long DefaultFuel = 200_000_000;

    /// <summary>256 MiB of live Yin data.</summary>
    public const long DefaultMemory = 256L * 1024 * 1024;

    /// <summary>10,000 frames: the order of a JVM's default stack for Clojure code.</summary>
    public const int DefaultDepth = 10_000;

    /// <summary>10 seconds.</summary>
    public static readonly TimeSpan DefaultDeadline = TimeSpan.FromSeconds(10);

    public RunLimits(params IEnumerable<Constraint> constraints)
    {
        ArgumentNullException.ThrowIfNull(constraints);
        var others = new List<Constraint>();
        foreach (var c in constraints)
        {
            switch (c)
            {
                case FuelLimit f: Fuel = f; break;
                case MemoryLimit m: Memory = m; break;
                case DepthLimit d: Depth = d; break;
                case DeadlineLimit d: Deadline = d; break;
                case null: throw new ArgumentException("a constraint is null", nameof(constraints));
                default: others.Add(c); break;
            }
        }
        Others = others;
    }

    public static RunLimits Default { get; } = new();

    public FuelLimit Fuel { get; } = new(DefaultFuel);

    public MemoryLimit Memory { get; } = new(DefaultMemory);

    public DepthLimit Depth { get; } = new(DefaultDepth);

    public DeadlineLimit Deadline { get; } = new(DefaultDeadline);

    /// <summary>Constraints beyond the four built-in ones.</summary>
    public IReadOnlyList<Constraint> Others { get; }

    /// <summary>These limits with one constraint added, or replacing the one of the same kind.</summary>
    public RunLimits With(Constraint constraint) => new([Fuel, Memory, Depth, Deadline, .. Others, constraint]);

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"fuel {Fuel.Steps} steps, memory {Memory.Bytes} bytes, depth {Depth.Frames} frames, deadline {Deadline.Timeout.TotalSeconds} s");
}

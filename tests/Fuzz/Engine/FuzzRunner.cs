using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Datom.Fuzz.Engine;

/// <summary>How a run goes: its seed, how many inputs, and the limits an input must keep.</summary>
public sealed record FuzzSettings
{
    /// <summary>The environment variable that turns on the slow suite (<c>DATOM_SLOW=1</c>).</summary>
    public const string SlowVariable = "DATOM_SLOW";

    /// <summary>Overrides the seed of the test runs (decimal or 0x-hex), to explore beyond the fixed one.</summary>
    public const string SeedVariable = "DATOM_FUZZ_SEED";

    /// <summary>Inputs per target in the slow suite, as the hardening issue asks.</summary>
    public const long SlowInputs = 1_000_000;

    /// <summary>The fixed seed of the test runs, so that CI feeds the same inputs every time.</summary>
    public const ulong DefaultSeed = 0x5EED_DA70_F022_0001;

    public ulong Seed { get; init; } = DefaultSeed;

    public long Inputs { get; init; } = 10_000;

    /// <summary>Stop early (after a whole input) once this much time has gone; null runs every input.</summary>
    public TimeSpan? Budget { get; init; }

    /// <summary>No input may take longer (the 100 ms).</summary>
    public TimeSpan SlowLimit { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>An input still running after this is a hang: the process reports it and stops.</summary>
    public TimeSpan HangLimit { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Stop after this many failures (each is reported with its replay line).</summary>
    public int MaxFailures { get; init; } = 5;

    public static bool IsSlow => Environment.GetEnvironmentVariable(SlowVariable) is "1" or "true";

    /// <summary>The seed from <see cref="SeedVariable"/>, or <see cref="DefaultSeed"/>.</summary>
    public static ulong SeedFromEnvironment() =>
        Environment.GetEnvironmentVariable(SeedVariable) is { Length: > 0 } text ? ParseSeed(text) : DefaultSeed;

    public static ulong ParseSeed(string text) =>
        text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? ulong.Parse(text.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture)
            : ulong.Parse(text, CultureInfo.InvariantCulture);
}

/// <summary>One input that broke the contract, with everything needed to replay it.</summary>
public sealed record FuzzFailure(string Target, ulong Seed, long Index, string Kind, string Message, byte[] Input)
{
    public override string ToString()
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"FUZZ FAILURE target={Target} seed=0x{Seed:x16} index={Index} kind={Kind}\n");
        sb.Append("  ").Append(Message.ReplaceLineEndings("\n  ")).Append('\n');
        sb.Append(CultureInfo.InvariantCulture, $"  input ({Input.Length} bytes), hex: {Convert.ToHexStringLower(Input)}\n");
        sb.Append("  input as text: ").Append(Escape.Text(Input)).Append('\n');
        sb.Append(CultureInfo.InvariantCulture, $"  replay: dotnet run -c Release --project tests/Fuzz -- --target {Target} --seed 0x{Seed:x16} --replay {Index}\n");
        sb.Append(CultureInfo.InvariantCulture, $"  regression: [InlineData(\"{Target}\", \"{Convert.ToHexStringLower(Input)}\")] in tests/Fuzz.Tests/RegressionTests.cs");
        return sb.ToString();
    }
}

/// <summary>What a run did.</summary>
public sealed record FuzzReport(
    string Target,
    ulong Seed,
    long Inputs,
    long Accepted,
    long Rejected,
    TimeSpan Elapsed,
    TimeSpan Slowest,
    long SlowestIndex,
    IReadOnlyDictionary<string, long> Errors,
    IReadOnlyList<FuzzFailure> Failures)
{
    public double InputsPerSecond => Inputs / Math.Max(Elapsed.TotalSeconds, 1e-9);

    public override string ToString()
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture,
            $"{Target}: {Inputs:N0} inputs in {Elapsed.TotalSeconds:0.0} s ({InputsPerSecond:N0}/s), seed 0x{Seed:x16}; ");
        sb.Append(CultureInfo.InvariantCulture,
            $"{Accepted:N0} accepted, {Rejected:N0} rejected with {Errors.Count} distinct errors; slowest input #{SlowestIndex}: {Slowest.TotalMilliseconds:0.###} ms; ");
        sb.Append(CultureInfo.InvariantCulture, $"{Failures.Count} failures");
        return sb.ToString();
    }
}

/// <summary>
/// Runs a target over generated inputs. Each input is timed; one over the limit is timed twice more
/// and fails only if it is slow every time, since on a shared machine a single preemption or GC
/// can stretch any input. A watchdog thread turns an input that never ends into a report and a
/// stopped process rather than a silent hang.
/// </summary>
public static class FuzzRunner
{
    // A rejection category is cut to this many characters, and at most this many are kept.
    private const int MaxErrorKinds = 256;

    public static byte[] Generate(FuzzTarget target, ulong seed, long index)
    {
        ArgumentNullException.ThrowIfNull(target);
        return new Mutator(target).Generate(FuzzRandom.ForInput(seed, index), index);
    }

    public static FuzzReport Run(FuzzTarget target, FuzzSettings settings, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(settings);
        var mutator = new Mutator(target);
        var failures = new List<FuzzFailure>();
        var errors = new Dictionary<string, long>(StringComparer.Ordinal);
        long accepted = 0, rejected = 0, done = 0, slowestIndex = -1;
        long slowestTicks = 0;
        var limitTicks = (long)(settings.SlowLimit.TotalSeconds * Stopwatch.Frequency);
        var started = Stopwatch.GetTimestamp();
        using var watchdog = new Watchdog(target.Name, settings);

        for (long index = 0; index < settings.Inputs && failures.Count < settings.MaxFailures; index++)
        {
            if (settings.Budget is { } budget && Stopwatch.GetElapsedTime(started) > budget)
                break;
            var input = mutator.Generate(FuzzRandom.ForInput(settings.Seed, index), index);
            watchdog.Begin(index, input);
            var (outcome, failure, ticks) = RunOne(target, input);
            if (failure is null && ticks > limitTicks)
            {
                // Slow once: is it slow every time?
                for (var again = 0; again < 2 && ticks > limitTicks; again++)
                {
                    var (_, _, retry) = RunOne(target, input);
                    ticks = Math.Min(ticks, retry);
                }
                if (ticks > limitTicks)
                    failure = ("slow", $"took {TimeSpan.FromTicks(ticks * TimeSpan.TicksPerSecond / Stopwatch.Frequency).TotalMilliseconds:0.#} ms on each of three runs; the limit is {settings.SlowLimit.TotalMilliseconds} ms");
            }
            watchdog.End();
            done++;
            if (ticks > slowestTicks)
            {
                slowestTicks = ticks;
                slowestIndex = index;
            }
            if (failure is { } f)
            {
                var report = new FuzzFailure(target.Name, settings.Seed, index, f.Kind, f.Message, input);
                failures.Add(report);
                log?.Invoke(report.ToString());
                continue;
            }
            if (index < target.Corpus.Count && target.CorpusIsValid && !outcome.Accepted)
            {
                var report = new FuzzFailure(target.Name, settings.Seed, index, "corpus", $"a seed input was rejected: {outcome.Detail}", input);
                failures.Add(report);
                log?.Invoke(report.ToString());
                continue;
            }
            if (outcome.Accepted)
            {
                accepted++;
            }
            else
            {
                rejected++;
                var kind = outcome.Detail.Length > 80 ? outcome.Detail[..80] : outcome.Detail;
                if (errors.TryGetValue(kind, out var n))
                    errors[kind] = n + 1;
                else if (errors.Count < MaxErrorKinds)
                    errors[kind] = 1;
            }
        }

        var elapsed = Stopwatch.GetElapsedTime(started);
        var slowest = TimeSpan.FromTicks(slowestTicks * TimeSpan.TicksPerSecond / Stopwatch.Frequency);
        return new FuzzReport(target.Name, settings.Seed, done, accepted, rejected, elapsed, slowest, slowestIndex, errors, failures);
    }

    /// <summary>Runs one input; an exception the target let through is a failure with its stack.</summary>
    public static (FuzzOutcome Outcome, (string Kind, string Message)? Failure, long Ticks) RunOne(FuzzTarget target, byte[] input)
    {
        ArgumentNullException.ThrowIfNull(target);
        var start = Stopwatch.GetTimestamp();
        try
        {
            var outcome = target.Run(input);
            return (outcome, null, Stopwatch.GetTimestamp() - start);
        }
        catch (FuzzContractException e)
        {
            return (default, ("oracle", e.ToString()), Stopwatch.GetTimestamp() - start);
        }
        catch (Exception e)
        {
            return (default, ("exception", e.ToString()), Stopwatch.GetTimestamp() - start);
        }
    }

    /// <summary>Watches the input in flight; one that runs past the hang limit is reported and the process ends.</summary>
    private sealed class Watchdog : IDisposable
    {
        private readonly string _target;
        private readonly FuzzSettings _settings;
        private readonly Timer _timer;
        private long _since;
        private long _index;
        private byte[] _input = [];

        public Watchdog(string target, FuzzSettings settings)
        {
            _target = target;
            _settings = settings;
            _timer = new Timer(_ => Check(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        }

        public void Begin(long index, byte[] input)
        {
            _index = index;
            _input = input;
            Volatile.Write(ref _since, Stopwatch.GetTimestamp());
        }

        public void End() => Volatile.Write(ref _since, 0);

        public void Dispose() => _timer.Dispose();

        private void Check()
        {
            var since = Volatile.Read(ref _since);
            if (since == 0 || Stopwatch.GetElapsedTime(since) < _settings.HangLimit)
                return;
            var failure = new FuzzFailure(_target, _settings.Seed, _index, "hang",
                $"still running after {_settings.HangLimit.TotalSeconds} s", _input);
            Console.Error.WriteLine(failure.ToString());
            Environment.FailFast("fuzz input hangs: " + failure);
        }
    }
}

/// <summary>Inputs as text a person can read and paste back.</summary>
public static class Escape
{
    /// <summary>A C# string literal of the input as UTF-8 (invalid bytes as U+FFFD), cut at 4,000 characters.</summary>
    public static string Text(ReadOnlySpan<byte> input)
    {
        var text = Encoding.UTF8.GetString(input);
        var sb = new StringBuilder("\"");
        foreach (var c in text.Length > 4000 ? text[..4000] : text)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case < ' ' or (>= '\u007f' and <= '\u00a0') or '\u2028' or '\u2029' or '\ufeff':
                case var s when char.IsSurrogate(s):
                    sb.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
                    break;
                default: sb.Append(c); break;
            }
        }
        sb.Append('"');
        if (text.Length > 4000)
            sb.Append(CultureInfo.InvariantCulture, $" (+{text.Length - 4000} more)");
        return sb.ToString();
    }
}

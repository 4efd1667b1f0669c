using System.Globalization;
using Datom.Log.Model;
using Datom.Log.Segments;
using Xunit;
using Xunit.Abstractions;

namespace Datom.Log.Tests.Crash;

/// <summary>
/// The acceptance crash test: a child process (tests/Log.CrashChild) appends in a loop and prints each
/// acknowledgement; it is killed with SIGKILL at random moments, some of them inside a segment roll.
/// After every kill the log must verify, open, and hold every entry ever acknowledged in that
/// directory, and verify again after opening.
/// </summary>
/// <remarks>
/// A SIGKILL loses nothing the kernel has accepted (the page cache survives the process), so what
/// this exercises is the store's own ordering: that an append is acknowledged only after its record
/// is wholly written, that a roll leaves a state recovery understands at every step, and that
/// recovery repairs only what a crash can leave and never cuts an acknowledged record. Power loss is
/// the simulator's job (MemoryStorage drops unsynced writes).
///
/// The plan (which kind of kill, how many writers, segment size, delays) comes from a seeded
/// <see cref="Random"/>; set DATOM_CRASH_SEED to replay a plan. Process timing still varies between
/// runs, so a seed narrows a failure down rather than reproducing it exactly.
/// </remarks>
public sealed class CrashTests(ITestOutputHelper output)
{
    /// <summary>The stages <see cref="SegmentStoreOptions.OnRollStage"/> reports, in the order a roll passes them.</summary>
    private static readonly string[] RollStages = ["roll-begin", "roll-created", "roll-header-written", "roll-directory-synced", "roll-done"];

    // Bounds for a busy 2-core machine running other test classes at the same time; a healthy child
    // starts in about 0.1 s and acknowledges thousands of entries a second.
    private static readonly TimeSpan LineTimeout = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Acknowledged_entries_survive_SIGKILL_at_random_moments()
    {
        const int Directories = 4;
        const int Kills = 48;
        var seed = Seed();
        var random = new Random(seed);
        var stats = new Stats();
        var directories = Enumerable.Range(0, Directories).Select(i => new DataDirectory($"dir{i}")).ToArray();
        try
        {
            for (var kill = 0; kill < Kills; kill++)
            {
                var directory = directories[kill % Directories];
                var plan = RandomPlan(random, directory);
                await KillAndCheckAsync(seed, kill, directory, plan, stats);
            }
        }
        finally
        {
            foreach (var d in directories)
                d.Dispose();
        }
        output.WriteLine($"seed {seed}: {stats}");
        stats.Notes.ForEach(output.WriteLine);
        Assert.True(stats.Kills >= Kills, $"seed {seed}: {stats}");
    }

    [Fact]
    public async Task Acknowledged_entries_survive_SIGKILL_inside_a_segment_roll()
    {
        const int Directories = 2;
        const int RollKills = 20;
        // A kill can miss its stage if this process reads the stage line only after the child's pause
        // ended (a very busy machine); such a kill still counts as a random one, and another is made.
        const int MaxAttempts = 30;
        var seed = Seed();
        var random = new Random(seed);
        var stats = new Stats();
        var directories = Enumerable.Range(0, Directories).Select(i => new DataDirectory($"roll{i}")).ToArray();
        // Every stage equally often, in a random order.
        var stages = Enumerable.Repeat(RollStages, (MaxAttempts / RollStages.Length) + 1).SelectMany(s => s).ToArray();
        random.Shuffle(stages);
        try
        {
            for (var attempt = 0; attempt < MaxAttempts && stats.RollKills < RollKills; attempt++)
            {
                var directory = directories[attempt % Directories];
                var plan = new Plan(PlanKind.InRoll, random.Next(1, 9), SegmentBytes(random), 0, stages[attempt]);
                await KillAndCheckAsync(seed, attempt, directory, plan, stats);
            }
        }
        finally
        {
            foreach (var d in directories)
                d.Dispose();
        }
        output.WriteLine($"seed {seed}: {stats}");
        stats.Notes.ForEach(output.WriteLine);
        Assert.True(stats.RollKills >= 15, $"seed {seed}: only {stats.RollKills} kills landed inside a roll; {stats}");
    }

    private static int Seed() =>
        Environment.GetEnvironmentVariable("DATOM_CRASH_SEED") is { Length: > 0 } text
            ? int.Parse(text, CultureInfo.InvariantCulture)
            : Random.Shared.Next();

    /// <summary>4 to 16 KiB: a roll every few to a few dozen entries.</summary>
    private static int SegmentBytes(Random random) => random.Next(4 << 10, (16 << 10) + 1);

    private static Plan RandomPlan(Random random, DataDirectory directory)
    {
        var writers = random.Next(1, 9);
        var segmentBytes = SegmentBytes(random);
        // The child creates its identity on its first run, and a key file half written is not what
        // this test is about: the first run of a directory is always killed after it is open.
        var kind = (PlanKind)random.Next(directory.Runs == 0 ? 1 : 0, 3);
        // Amounts chosen so that a run adds a few hundred entries at most: every check reads the
        // whole directory, so the logs must stay small for the suite to stay fast.
        return kind switch
        {
            PlanKind.Early => new Plan(kind, writers, segmentBytes, random.Next(0, 250), null),
            PlanKind.AfterDelay => new Plan(kind, writers, segmentBytes, random.Next(0, 60), null),
            _ => new Plan(kind, writers, segmentBytes, random.Next(1, 150), null),
        };
    }

    private static async Task KillAndCheckAsync(int seed, int kill, DataDirectory directory, Plan plan, Stats stats)
    {
        var where = $"seed {seed}, kill {kill} ({directory.Name} run {directory.Runs}, {plan})";
        var run = new RunOutput(where);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        await using (var child = CrashChild.Start(directory.Path, plan.SegmentBytes, plan.Writers, plan.Stage))
        {
            try
            {
                switch (plan.Kind)
                {
                    case PlanKind.Early:
                        // From launch: some of these land in start-up or in recovery.
                        await Task.Delay(plan.Amount);
                        break;
                    case PlanKind.AfterDelay:
                        await ReadUntilAsync(child, run, () => run.Ready, "it was ready");
                        await Task.Delay(plan.Amount);
                        break;
                    case PlanKind.AfterAcks:
                        await ReadUntilAsync(child, run, () => run.Acked.Count >= plan.Amount, $"{plan.Amount} acknowledgements");
                        break;
                    case PlanKind.InRoll:
                        // Stages seen while opening (a new directory's first segment) do not count.
                        await ReadUntilAsync(child, run, () => run.Ready, "it was ready");
                        run.PauseStage = plan.Stage;
                        await ReadUntilAsync(child, run, () => run.PausedAt, $"roll stage {plan.Stage}");
                        break;
                    default:
                        throw new ArgumentOutOfRangeException(nameof(plan));
                }
            }
            finally
            {
                child.Kill();
            }
            await child.WaitForExitAsync(ExitTimeout);
            // Acknowledgements printed before the kill count even if this process had not read them yet.
            while (await child.ReadLineAsync(ExitTimeout) is { } line)
                run.Take(line);
            Assert.True(child.StandardError.Length == 0, $"{where}: the child wrote to stderr: {child.StandardError}");
        }
        directory.Runs++;
        stats.Kills++;
        if (!run.Ready)
            stats.KillsBeforeReady++;
        if (run.PausedAt && !run.RolledAfterPause)
            stats.RollKills++;
        foreach (var hash in run.Acked)
        {
            Assert.True(directory.Acked.Add(hash), $"{where}: entry {hash} was acknowledged twice");
        }
        stats.Acks += run.Acked.Count;
        var killed = System.Diagnostics.Stopwatch.GetTimestamp();
        stats.ChildTime += System.Diagnostics.Stopwatch.GetElapsedTime(started, killed);

        CheckLog(where, directory, stats);
        stats.CheckTime += System.Diagnostics.Stopwatch.GetElapsedTime(killed);
    }

    /// <summary>Verify, open (which recovers), find every acknowledged entry, verify again.</summary>
    private static void CheckLog(string where, DataDirectory directory, Stats stats)
    {
        var before = LogVerifier.Verify(directory.Path);
        // The read-only verifier reports what opening would repair (an unfinished last segment, a torn
        // final record) as damage, by design (LogVerifier, SegmentStore.ScanReadOnly). After a crash
        // that is allowed only in the last segment, and only if opening then repairs exactly that file.
        string? mustRepair = null;
        if (before.Failure is { } failure)
        {
            var last = directory.LastSegment();
            Assert.True(last is not null && failure.File == last,
                $"{where}: verify before opening failed outside the last segment: {failure}; segments: {directory.DescribeSegments()}");
            mustRepair = last;
        }

        long entries;
        try
        {
            using var log = DatomLog.Open(directory.Path, null);
            if (mustRepair is not null)
            {
                Assert.True(log.Store.RecoveryNotes.Any(n => n.StartsWith(mustRepair + ":", StringComparison.Ordinal)),
                    $"{where}: verify before opening failed ({before.Failure}), but opening repaired nothing there (notes: {string.Join("; ", log.Store.RecoveryNotes)})");
                stats.Repairs++;
                stats.Notes.Add($"{where}: verify before opening: {before.Failure}; recovery: {string.Join("; ", log.Store.RecoveryNotes)}");
            }
            foreach (var hash in directory.Acked)
            {
                Assert.True(log.Contains(hash),
                    $"{where}: acknowledged entry {hash} is missing after recovery ({log.Count} entries held, {directory.Acked.Count} acknowledged; recovery: {string.Join("; ", log.Store.RecoveryNotes)}; segments: {directory.DescribeSegments()})");
            }
            entries = log.Count;
        }
        catch (LogCorruptionException e)
        {
            Assert.Fail($"{where}: recovery refused to open the log: {e.File}: offset {e.Offset}: {e.Reason}; segments: {directory.DescribeSegments()}");
            throw;
        }

        var after = LogVerifier.Verify(directory.Path);
        Assert.True(after.Ok, $"{where}: verify after opening failed: {after.Failure}; segments: {directory.DescribeSegments()}");
        Assert.True(after.Entries == entries, $"{where}: the verifier counts {after.Entries} entries, the log holds {entries}");
        stats.MaxEntries = Math.Max(stats.MaxEntries, entries);
    }

    private static async Task ReadUntilAsync(CrashChild child, RunOutput run, Func<bool> done, string what)
    {
        while (!done())
        {
            var line = await child.ReadLineAsync(LineTimeout);
            if (line is null)
            {
                Assert.Fail($"{run.Where}: the child exited before {what}; stderr: {child.StandardError}");
                return;
            }
            run.Take(line);
        }
    }

    private enum PlanKind
    {
        /// <summary>After a delay counted from launch.</summary>
        Early,

        /// <summary>After a delay counted from <c>ready</c>.</summary>
        AfterDelay,

        /// <summary>After a number of acknowledgements.</summary>
        AfterAcks,

        /// <summary>As soon as the child reports the roll stage it was told to pause in.</summary>
        InRoll,
    }

    /// <summary>One kill: when, with how many writers, and with what segment size.</summary>
    private sealed record Plan(PlanKind Kind, int Writers, int SegmentBytes, int Amount, string? Stage)
    {
        public override string ToString() => Kind switch
        {
            PlanKind.Early => $"kill {Amount} ms after launch",
            PlanKind.AfterDelay => $"kill {Amount} ms after ready",
            PlanKind.AfterAcks => $"kill after {Amount} acks",
            _ => $"kill in {Stage}",
        } + $", {Writers} writers, {SegmentBytes} B segments";
    }

    /// <summary>What one child printed.</summary>
    private sealed class RunOutput(string where)
    {
        public string Where { get; } = where;

        public bool Ready { get; private set; }

        public List<EntryHash> Acked { get; } = [];

        /// <summary>The stage to kill in, once the child is ready (earlier stage lines are ignored).</summary>
        public string? PauseStage { get; set; }

        /// <summary>The child reported <see cref="PauseStage"/>; it is paused there now.</summary>
        public bool PausedAt { get; private set; }

        /// <summary>The child reported another stage after the pause: the kill came too late to land inside it.</summary>
        public bool RolledAfterPause { get; private set; }

        public void Take(string line)
        {
            if (line == "ready")
            {
                Ready = true;
            }
            else if (line.StartsWith("ack ", StringComparison.Ordinal))
            {
                Assert.True(EntryHash.TryParse(line.AsSpan(4), out var hash), $"{Where}: bad acknowledgement line '{line}'");
                Acked.Add(hash);
            }
            else if (line.StartsWith("roll ", StringComparison.Ordinal))
            {
                if (PausedAt)
                    RolledAfterPause = true;
                else if (PauseStage is not null && line.AsSpan(5).SequenceEqual(PauseStage))
                    PausedAt = true;
            }
            else
            {
                Assert.Fail($"{Where}: unexpected line from the child: '{line}'");
            }
        }
    }

    /// <summary>A data directory reused across kills, and every entry acknowledged in it so far.</summary>
    private sealed class DataDirectory(string name) : IDisposable
    {
        private readonly TempDirectory _temp = new();

        public string Name { get; } = name;

        public string Path => _temp.Path;

        public int Runs { get; set; }

        public HashSet<EntryHash> Acked { get; } = [];

        private string LogPath => System.IO.Path.GetFullPath(System.IO.Path.Combine(Path, "log"));

        public string? LastSegment() =>
            Directory.Exists(LogPath)
                ? Directory.EnumerateFiles(LogPath).Where(f => SegmentHeader.TryParseFileName(System.IO.Path.GetFileName(f), out _)).Order(StringComparer.Ordinal).LastOrDefault()
                : null;

        public string DescribeSegments()
        {
            if (!Directory.Exists(LogPath))
                return "no log directory";
            var files = Directory.EnumerateFiles(LogPath).Order(StringComparer.Ordinal).ToList();
            var last = files.TakeLast(3).Select(f => $"{System.IO.Path.GetFileName(f)} {new FileInfo(f).Length} B");
            return $"{files.Count} files in {LogPath}, the last: {string.Join(", ", last)}";
        }

        public void Dispose() => _temp.Dispose();
    }

    private sealed class Stats
    {
        public int Kills { get; set; }

        public int RollKills { get; set; }

        public int KillsBeforeReady { get; set; }

        public int Repairs { get; set; }

        public long Acks { get; set; }

        public long MaxEntries { get; set; }

        public TimeSpan ChildTime { get; set; }

        /// <summary>Each repair recovery made, for the test output.</summary>
        public List<string> Notes { get; } = [];

        public TimeSpan CheckTime { get; set; }

        public override string ToString() =>
            $"{Kills} kills ({RollKills} paused inside a roll, {KillsBeforeReady} before the log was open), {Acks} acknowledgements, "
            + $"{Repairs} recoveries that repaired a crash state, largest log {MaxEntries} entries; "
            + $"{ChildTime.TotalSeconds:F1} s running children, {CheckTime.TotalSeconds:F1} s checking";
    }
}

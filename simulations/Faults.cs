namespace Datom.Simulations;

/// <summary>
/// How hostile one run's world is, drawn from its seed: some seeds get a calm network and no
/// crashes, others lose a tenth of their frames and crash every few seconds.
/// </summary>
internal sealed record Faults
{
    /// <summary>Chance that a frame is lost (the connection notices the gap and breaks, as Noise's nonce would make it).</summary>
    public double Loss { get; init; }

    /// <summary>Chance that a frame arrives twice.</summary>
    public double Duplication { get; init; }

    /// <summary>Chance that a frame is held back long enough to arrive after later ones.</summary>
    public double Reordering { get; init; }

    /// <summary>One-way delay of a frame: a base plus up to this much jitter, in milliseconds.</summary>
    public int BaseDelayMs { get; init; }

    public int JitterMs { get; init; }

    /// <summary>Mean simulated time between partitions (0: none).</summary>
    public int PartitionEveryMs { get; init; }

    /// <summary>
    /// How long one partition lasts that outlives the mDNS records and the old rediscovery grace
    /// (0: none): the nodes on each side lose each other's records and must dial each other again
    /// once it heals, with nobody re-announcing (see <see cref="Discovery"/>).
    /// </summary>
    public int LongPartitionMs { get; init; }

    /// <summary>Mean simulated time between node crashes (0: none).</summary>
    public int CrashEveryMs { get; init; }

    /// <summary>Chance that a crash cuts the power in the middle of a commit rather than between operations.</summary>
    public double CrashMidWrite { get; init; }

    /// <summary>Whether some node's data directory is copied to a new machine, which then writes as the same author (a fork).</summary>
    public bool CopyNode { get; init; }

    /// <summary>
    /// Largest clock skew of a node, either way, in milliseconds: each node's clock is off by up to
    /// this much (DESIGN: a clock off by any amount, a second or a year, either way, never gets an
    /// entry refused or a peer banned).
    /// </summary>
    public long ClockSkewMs { get; init; }

    /// <summary>A year, in milliseconds: the largest skew drawn.</summary>
    public const long Year = 365L * 24 * 3600 * 1000;

    public static Faults Draw(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        // A quarter of the seeds run on a calm network: the faults must not hide plain bugs.
        var calm = random.Next(4) == 0;
        return new Faults
        {
            Loss = calm ? 0 : random.NextDouble() * 0.03,
            Duplication = calm ? 0 : random.NextDouble() * 0.03,
            Reordering = calm ? 0 : random.NextDouble() * 0.03,
            BaseDelayMs = 1 + random.Next(20),
            JitterMs = random.Next(50),
            PartitionEveryMs = calm || random.Next(3) == 0 ? 0 : 3_000 + random.Next(15_000),
            CrashEveryMs = calm || random.Next(3) == 0 ? 0 : 4_000 + random.Next(20_000),
            CrashMidWrite = random.NextDouble(),
            CopyNode = random.Next(3) == 0,
            // Longer than the records' TTL plus the 10-minute grace that the daemon once gave lost
            // peers (6 + 30 s at the simulator's scale of 1/20), up to about twice that.
            LongPartitionMs = random.Next(4) == 0 ? 40_000 + random.Next(40_000) : 0,
            // A third of the seeds keep clocks within 3 s (NTP at work); the rest draw the worst skew
            // log-uniformly from a second to a year, so that minutes, hours and days all come up.
            ClockSkewMs = random.Next(3) == 0 ? random.Next(3_000) : (long)Math.Exp(Math.Log(1_000) + (random.NextDouble() * (Math.Log(Year) - Math.Log(1_000)))),
        };
    }

    public override string ToString() =>
        $"loss {Loss:P1}, duplication {Duplication:P1}, reordering {Reordering:P1}, delay {BaseDelayMs}+{JitterMs} ms, " +
        $"partition every {(PartitionEveryMs == 0 ? "never" : PartitionEveryMs + " ms")}, long partition {(LongPartitionMs == 0 ? "none" : LongPartitionMs + " ms")}, crash every {(CrashEveryMs == 0 ? "never" : CrashEveryMs + " ms")} " +
        $"({CrashMidWrite:P0} mid-write), copied node {(CopyNode ? "yes" : "no")}, skew up to {TimeSpan.FromMilliseconds(ClockSkewMs)}";
}

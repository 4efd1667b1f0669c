using Datom.Log.Entries;
using Datom.Log.Identity;
using Datom.Log.Model;
using Datom.Log.Storage;
using Xunit;

namespace Datom.Log.Tests.Log;

/// <summary>
/// Issue 13 item 2: a clock off by any amount, either way, never gets an entry refused. Two logs
/// exchange entries while one of them reads a wall clock that is off; every entry of either must be
/// stored by the other, and every entry's time must follow its parents'.
/// </summary>
public class ClockSkewTests
{
    /// <summary>A wall clock the test sets and moves by hand.</summary>
    private sealed class FakeClock(long unixMs) : IClock
    {
        public long UnixMilliseconds { get; set; } = unixMs;
    }

    private const long Start = 1_796_000_000_000; // 2026-11-30, any fixed instant will do
    private const long Day = 86_400_000;
    private const long Year = 365 * Day;

    private static LogDatom[] Tx(int i) => [new LogDatom(new EntityId(9, (ulong)i), "test/n", Value.Long(i), true)];

    public static TheoryData<long> Skews => new() { 1_500, -1_500, 30_000, -30_000, Day, -Day, Year, -Year };

    [Theory]
    [MemberData(nameof(Skews))]
    public async Task Entries_of_a_node_whose_clock_is_off_and_of_its_peer_are_all_stored_both_ways(long skewMs)
    {
        using var aliceKey = NodeIdentity.Generate();
        using var bobKey = NodeIdentity.Generate();
        var aliceClock = new FakeClock(Start);
        var bobClock = new FakeClock(Start + skewMs);
        using var alice = DatomLog.Open(new MemoryStorage(), aliceKey, new LogOptions { Clock = aliceClock });
        using var bob = DatomLog.Open(new MemoryStorage(), bobKey, new LogOptions { Clock = bobClock });

        var sent = 0;
        for (var round = 0; round < 6; round++)
        {
            // Each writes, then each takes the other's new entries and writes again on top of them:
            // the second entry links the peer's head, so it must be stamped after it.
            var a = await alice.AppendAsync(Tx(sent++));
            var b = await bob.AppendAsync(Tx(sent++));
            Assert.Equal(IngestStatus.Stored, (await bob.IngestAsync(a.Encoded)).Status);
            Assert.Equal(IngestStatus.Stored, (await alice.IngestAsync(b.Encoded)).Status);
            var a2 = await alice.AppendAsync(Tx(sent++));
            var b2 = await bob.AppendAsync(Tx(sent++));
            Assert.Contains(b.Hash, a2.Parents);
            Assert.Contains(a.Hash, b2.Parents);
            Assert.True(a2.Time > b.Time, $"alice's {a2.Time} must follow bob's {b.Time}");
            Assert.True(b2.Time > a.Time, $"bob's {b2.Time} must follow alice's {a.Time}");
            Assert.Equal(IngestStatus.Stored, (await bob.IngestAsync(a2.Encoded)).Status);
            Assert.Equal(IngestStatus.Stored, (await alice.IngestAsync(b2.Encoded)).Status);
            // Wall clocks move on, unevenly.
            aliceClock.UnixMilliseconds += 700;
            bobClock.UnixMilliseconds += 1_300;
        }
        Assert.Equal(alice.Count, bob.Count);
        Assert.Equal(4 * 6, alice.Count);
        Assert.Equal(0, alice.HeldCount);
        Assert.Equal(0, bob.HeldCount);
    }

    [Theory]
    [MemberData(nameof(Skews))]
    public async Task A_third_node_stores_entries_that_link_a_skewed_authors_head_whichever_order_they_arrive_in(long skewMs)
    {
        using var aliceKey = NodeIdentity.Generate();
        using var bobKey = NodeIdentity.Generate();
        using var carolKey = NodeIdentity.Generate();
        var clock = new FakeClock(Start);
        using var alice = DatomLog.Open(new MemoryStorage(), aliceKey, new LogOptions { Clock = clock });
        using var bob = DatomLog.Open(new MemoryStorage(), bobKey, new LogOptions { Clock = new FakeClock(Start + skewMs) });
        using var carol = DatomLog.Open(new MemoryStorage(), carolKey, new LogOptions { Clock = clock });

        var b = await bob.AppendAsync(Tx(0));
        await alice.IngestAsync(b.Encoded);
        var a = await alice.AppendAsync(Tx(1)); // links bob's entry
        // Carol gets alice's entry first (held until bob's arrives), then bob's.
        Assert.Equal(IngestStatus.Held, (await carol.IngestAsync(a.Encoded)).Status);
        var released = await carol.IngestAsync(b.Encoded);
        Assert.Equal(IngestStatus.Stored, released.Status);
        Assert.Empty(released.ReleasedRejected);
        Assert.Equal([a.Hash], released.Released.Select(e => e.Hash));
        // And carol's own next entry follows both.
        var c = await carol.AppendAsync(Tx(2));
        Assert.True(c.Time > a.Time && a.Time > b.Time);
    }

    [Fact]
    public void The_clock_reading_follows_a_floor_far_ahead_of_the_wall_clock_and_then_ticks()
    {
        var wall = new FakeClock(Start);
        var hlc = new HybridLogicalClock(wall);
        var floor = HlcTimestamp.From(Start + Year, 5);
        var first = hlc.NowAfter(floor);
        Assert.Equal(HlcTimestamp.From(Start + Year, 6), first);
        // The wall clock moves, but not past the floor: the counter ticks on.
        wall.UnixMilliseconds += Day;
        Assert.Equal(HlcTimestamp.From(Start + Year, 7), hlc.Now());
        // Once the wall clock passes everything seen, the reading is the wall clock again.
        wall.UnixMilliseconds = Start + 2 * Year;
        Assert.Equal(HlcTimestamp.From(Start + 2 * Year, 0), hlc.Now());
    }

    [Fact]
    public void A_remote_time_a_year_ahead_moves_the_clock_and_one_behind_does_not()
    {
        var wall = new FakeClock(Start);
        var hlc = new HybridLogicalClock(wall);
        hlc.Observe(HlcTimestamp.From(Start - Year, 0));
        Assert.Equal(HlcTimestamp.From(Start, 0), hlc.Now());
        hlc.Observe(HlcTimestamp.From(Start + Year, 0));
        Assert.Equal(HlcTimestamp.From(Start + Year, 1), hlc.Now());
        Assert.Equal(HlcTimestamp.From(Start + Year, 1), hlc.Last);
    }

    [Fact]
    public async Task The_log_reports_its_clock_reading_against_its_wall_clock()
    {
        using var aliceKey = NodeIdentity.Generate();
        using var bobKey = NodeIdentity.Generate();
        var clock = new FakeClock(Start);
        using var alice = DatomLog.Open(new MemoryStorage(), aliceKey, new LogOptions { Clock = clock });
        using var bob = DatomLog.Open(new MemoryStorage(), bobKey, new LogOptions { Clock = new FakeClock(Start + Day) });
        await alice.IngestAsync((await bob.AppendAsync(Tx(0))).Encoded);
        var (latest, wallMs) = alice.ClockReading;
        Assert.Equal(Start, wallMs);
        Assert.Equal(Start + Day, latest.UnixMilliseconds);
    }
}

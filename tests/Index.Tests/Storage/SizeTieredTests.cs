using Datom.Index.Storage;
using Xunit;

namespace Datom.Index.Tests.Storage;

/// <summary>
/// The merge policy of index runs: a long stream of one-entry runs copies each key O(log n) times.
/// The policy before copied the large run on nearly every merge (quadratic), which is what made one
/// long `transact -` stream slow down as it went.
/// </summary>
public class SizeTieredTests
{
    private sealed class FakeRun(long size) : ISortedRun
    {
        public long Count => SizeBytes;

        public long SizeBytes { get; } = size;

        public IRunCursor OpenCursor() => throw new NotSupportedException();

        public long EstimateRange(ReadOnlySpan<byte> prefix) => 0;
    }

    [Theory]
    [InlineData(8, 20_000)]
    [InlineData(8, 200_000)]
    [InlineData(3, 50_000)]
    public void A_stream_of_small_runs_copies_each_key_a_logarithmic_number_of_times(int maxRuns, int runs)
    {
        var live = new List<ISortedRun>();
        long copied = 0;
        for (var i = 0; i < runs; i++)
        {
            live.Add(new FakeRun(1));
            if (live.Count > maxRuns)
            {
                var pick = SizeTiered.Pick(live, maxRuns);
                Assert.True(pick.Count >= 2);
                var merged = pick.Sum(r => r.SizeBytes);
                copied += merged;
                live = [.. live.Where(r => !pick.Contains(r)), new FakeRun(merged)];
            }
            Assert.True(live.Count <= maxRuns, $"{live.Count} runs after {i + 1}");
        }
        Assert.Equal(runs, live.Sum(r => r.SizeBytes));
        // Under a limit of 8, each key is copied about log2(n) times; under a limit as tight as 3 no
        // policy gets log n, but it stays far from quadratic (n^(1/3) per key here).
        var bound = maxRuns >= 8 ? runs * (Math.Log2(runs) + 2) : runs * 2 * Math.Cbrt(runs);
        Assert.True(copied <= bound, $"{copied} keys copied for {runs} runs");
    }

    [Fact]
    public void Picks_the_two_most_alike_and_whatever_is_no_larger_than_them_together()
    {
        ISortedRun[] runs = [new FakeRun(100), new FakeRun(1), new FakeRun(2), new FakeRun(3), new FakeRun(50)];
        Assert.Equal(new long[] { 2, 3 }, SizeTiered.Pick(runs, 4).Select(r => r.SizeBytes));
        ISortedRun[] more = [new FakeRun(40), new FakeRun(9), new FakeRun(10), new FakeRun(19), new FakeRun(100)];
        Assert.Equal(new long[] { 9, 10, 19 }, SizeTiered.Pick(more, 4).Select(r => r.SizeBytes));
    }
}

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
        // Each key is copied at most about log2(n) times over.
        Assert.True(copied <= runs * (Math.Log2(runs) + 2), $"{copied} keys copied for {runs} runs");
    }

    [Fact]
    public void Picks_the_smallest_and_whatever_is_no_larger_than_them_together()
    {
        ISortedRun[] runs = [new FakeRun(100), new FakeRun(1), new FakeRun(2), new FakeRun(3), new FakeRun(50)];
        var pick = SizeTiered.Pick(runs, 4);
        Assert.Equal(new long[] { 1, 2, 3 }, pick.Select(r => r.SizeBytes));
    }
}

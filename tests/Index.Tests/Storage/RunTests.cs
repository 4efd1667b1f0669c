using Datom.Index.Storage;
using Datom.Log.Segments;
using Datom.Log.Storage;
using FsCheck.Xunit;
using Xunit;

namespace Datom.Index.Tests.Storage;

public class RunTests
{
    private static List<byte[]> Keys(DatomOp[] ops) => [.. ops.Select(o => KeyCodec.Encode(IndexOrder.Eavt, o))];

    private static List<byte[]> ReadAll(IRunCursor cursor, ReadOnlySpan<byte> from)
    {
        var result = new List<byte[]>();
        if (!cursor.Seek(from))
            return result;
        do
            result.Add(cursor.Current.ToArray());
        while (cursor.Next());
        return result;
    }

    [Property(Arbitrary = [typeof(StorageGenerators)], MaxTest = 100)]
    public void File_runs_memory_runs_and_merges_agree_with_a_sorted_set(DatomOp[] ops)
    {
        var keys = Keys(ops);
        var expected = new SortedSet<byte[]>(keys, KeyComparer.Instance).ToList();
        var storage = new MemoryStorage();
        var half = keys.Count / 2;
        var memoryA = new MemoryRun([.. keys.Take(half)]);
        var memoryB = new MemoryRun([.. keys.Skip(half), .. keys.Take(half / 2)]);
        FileRun.Write(storage, "a.run", IndexOrder.Eavt, memoryA.Keys);
        var cache = new BlockCache(64 * 1024);
        using var fileA = FileRun.Open(storage, "a.run", IndexOrder.Eavt, cache, 1);
        Assert.Equal(memoryA.Count, fileA.Count);

        using var merged = new MergeCursor([fileA, memoryB]);
        Assert.Equal(expected, ReadAll(merged, []), new ByteArrayEquality());
        var packed = MemoryRun.Merge([fileA, memoryB]);
        Assert.Equal(expected, packed.Keys, new ByteArrayEquality());
        Assert.Equal(expected.Count, packed.Count);

        // Seeking to every key lands on it.
        using var cursor = fileA.OpenCursor();
        foreach (var k in memoryA.Keys)
        {
            Assert.True(cursor.Seek(k));
            Assert.True(cursor.Current.SequenceEqual(k));
        }
    }

    [Fact]
    public void Many_blocks_are_read_through_a_small_cache()
    {
        var keys = Enumerable.Range(0, 20_000).Select(i => KeyCodec.Encode(IndexOrder.Eavt,
            new DatomOp(new Log.Model.EntityId(1, (ulong)i), 1, Log.Model.Value.String("value number " + i), default, default, true))).ToList();
        var storage = new MemoryStorage();
        FileRun.Write(storage, "big.run", IndexOrder.Eavt, keys);
        var cache = new BlockCache(64 * 1024);
        using var run = FileRun.Open(storage, "big.run", IndexOrder.Eavt, cache, 1);
        Assert.Equal(keys, ReadAll(run.OpenCursor(), []), new ByteArrayEquality());
        Assert.InRange(cache.Bytes, 1, 64 * 1024 + FileRun.TargetBlockBytes * 2);
        using var c = run.OpenCursor();
        Assert.True(c.Seek(keys[12_345]));
        Assert.True(c.Current.SequenceEqual(keys[12_345]));
        Assert.False(c.Seek([0xFF, 0xFF]));
    }

    /// <summary>
    /// A cursor seeks from where it is when the target lies ahead (in its block, or a later one): any
    /// sequence of seeks and steps, in key order or not, lands where a fresh binary search would.
    /// </summary>
    [Property(Arbitrary = [typeof(Seeds)], MaxTest = 30)]
    public void Seeks_from_any_position_land_on_the_first_key_at_or_after_the_target(int seed)
    {
        var random = new Random(seed);
        var keys = Enumerable.Range(0, 6_000).Select(i => KeyCodec.Encode(IndexOrder.Eavt,
            new DatomOp(new Log.Model.EntityId(1, (ulong)i * 2), 1, Log.Model.Value.String(new string('v', i % 40)), default, default, true))).ToList();
        var storage = new MemoryStorage();
        FileRun.Write(storage, "seek.run", IndexOrder.Eavt, keys);
        using var file = FileRun.Open(storage, "seek.run", IndexOrder.Eavt, new BlockCache(1 << 20), 1);
        var memory = new MemoryRun([.. keys], sorted: true);
        var targets = new List<byte[]>();
        for (var i = 0; i < 400; i++)
        {
            var k = random.Next(-2, keys.Count + 2);
            targets.Add(k < 0 ? [] : k >= keys.Count ? [0xFF] : random.Next(2) == 0 ? keys[k] : keys[k][..random.Next(1, keys[k].Length)]);
        }
        if (random.Next(2) == 0)
            targets.Sort(KeyComparer.Instance);
        foreach (var run in new ISortedRun[] { file, memory })
        {
            using var cursor = run.OpenCursor();
            foreach (var target in targets)
            {
                var at = keys.BinarySearch(target, KeyComparer.Instance);
                if (at < 0)
                    at = ~at;
                Assert.Equal(at < keys.Count, cursor.Seek(target));
                for (var step = random.Next(3); at < keys.Count; step--)
                {
                    Assert.True(cursor.Current.SequenceEqual(keys[at]));
                    if (step == 0)
                        break;
                    at++;
                    Assert.Equal(at < keys.Count, cursor.Next());
                }
            }
        }
    }

    /// <summary>A range estimate is exact for a memory run and within a few blocks of the truth for a file run.</summary>
    [Property(Arbitrary = [typeof(Seeds)], MaxTest = 30)]
    public void Range_estimates_are_exact_in_memory_and_within_blocks_on_disk(int seed)
    {
        var random = new Random(seed);
        var keys = Enumerable.Range(0, 6_000).Select(i => KeyCodec.Encode(IndexOrder.Eavt,
            new DatomOp(new Log.Model.EntityId(1, (ulong)(i / 7)), (uint)(i % 7), Log.Model.Value.Long(i), default, default, true))).ToList();
        var storage = new MemoryStorage();
        FileRun.Write(storage, "range.run", IndexOrder.Eavt, keys);
        using var file = FileRun.Open(storage, "range.run", IndexOrder.Eavt, new BlockCache(1 << 20), 1);
        var memory = new MemoryRun([.. keys], sorted: true);
        var perBlock = (double)keys.Count / Math.Max(1, (file.SizeBytes / FileRun.TargetBlockBytes));
        for (var i = 0; i < 100; i++)
        {
            var key = keys[random.Next(keys.Count)];
            var prefix = key[..random.Next(0, 21)];
            var actual = keys.Count(k => k.AsSpan().StartsWith(prefix));
            Assert.Equal(actual, memory.EstimateRange(prefix));
            Assert.InRange(file.EstimateRange(prefix), actual - (3 * perBlock), actual + (3 * perBlock));
        }
        Assert.Equal(0, memory.EstimateRange([0xFF]));
    }

    [Fact]
    public void A_damaged_run_file_is_reported_with_its_name()
    {
        var storage = new MemoryStorage();
        FileRun.Write(storage, "r.run", IndexOrder.Eavt, Enumerable.Range(0, 3000).Select(i => BitConverter.GetBytes(i).Reverse().ToArray()));
        using (var f = storage.Open("r.run"))
        {
            var b = new byte[1];
            f.Read(100, b);
            b[0] ^= 1;
            f.Write(100, b);
        }
        using var run = FileRun.Open(storage, "r.run", IndexOrder.Eavt, new BlockCache(1 << 20), 1);
        var e = Assert.Throws<LogCorruptionException>(() => ReadAll(run.OpenCursor(), []));
        Assert.Contains("checksum", e.Reason, StringComparison.Ordinal);

        using (var f = storage.Open("r.run"))
            f.Truncate(f.Length - 3);
        Assert.Throws<LogCorruptionException>(() => FileRun.Open(storage, "r.run", IndexOrder.Eavt, new BlockCache(1 << 20), 2));
    }

    private sealed class ByteArrayEquality : IEqualityComparer<byte[]>
    {
        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] obj) => obj.Length;
    }
}

using Datom.Log.Model;
using Datom.Log.Tables;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace Datom.Log.Tests.Tables;

/// <summary>The log's hash index answers as a dictionary from hash to entry number would, through growth and reservation.</summary>
public class HashIndexTests
{
    [Property(MaxTest = 30)]
    public Property Finds_every_entry_and_nothing_else() => Prop.ForAll(
        Gen.ArrayOf(Generators.Hash()).Select(a => a.Distinct().ToArray()).ToArbitrary(), Gen.Choose(0, 3000).ToArbitrary(),
        (hashes, reserve) =>
        {
            var index = new HashIndex();
            index.Reserve(reserve);
            for (var i = 0; i < hashes.Length; i++)
            {
                Assert.Equal(-1, index.Find(hashes[i].Prefix, (hashes, hashes[i]), static (s, n) => s.hashes[n] == s.Item2));
                index.Insert(hashes[i].Prefix, i);
            }
            Assert.Equal(hashes.Length, index.Count);
            for (var i = 0; i < hashes.Length; i++)
                Assert.Equal(i, index.Find(hashes[i].Prefix, (hashes, hashes[i]), static (s, n) => s.hashes[n] == s.Item2));
            var absent = EntryHash.Compute([9, 9, 9]);
            Assert.Equal(-1, index.Find(absent.Prefix, (hashes, absent), static (s, n) => s.hashes[n] == s.Item2));
        });

    [Fact]
    public void Hashes_that_share_a_fingerprint_are_told_apart_by_the_confirmation()
    {
        // Two hashes with the same first 8 bytes: same bucket, same fingerprint.
        var a = new byte[32];
        var b = new byte[32];
        b[31] = 1;
        var hashes = new[] { new EntryHash(a), new EntryHash(b) };
        var index = new HashIndex();
        index.Insert(hashes[0].Prefix, 0);
        index.Insert(hashes[1].Prefix, 1);
        Assert.Equal(0, index.Find(hashes[0].Prefix, hashes, (h, n) => h[n] == hashes[0]));
        Assert.Equal(1, index.Find(hashes[1].Prefix, hashes, (h, n) => h[n] == hashes[1]));
    }
}

using Datom.Log.Entries;
using Datom.Log.Identity;
using Datom.Log.Model;
using Datom.Log.Storage;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace Datom.Log.Tests.Log;

public class DatomLogTests
{
    private static LogDatom[] Tx(int i) => [new LogDatom(new EntityId(9, (ulong)i), "test/n", Value.Long(i), true)];

    /// <summary>A second author's entries, made in a log of their own.</summary>
    private static async Task<List<Entry>> ChainOf(NodeIdentity author, int count)
    {
        using var log = DatomLog.Open(new MemoryStorage(), author);
        var entries = new List<Entry>();
        for (var i = 0; i < count; i++)
            entries.Add(await log.AppendAsync(Tx(i)));
        return entries;
    }

    [Fact]
    public async Task Own_entries_form_a_chain_and_survive_reopening()
    {
        var storage = new MemoryStorage();
        using var me = NodeIdentity.Generate();
        EntryHash last;
        using (var log = DatomLog.Open(storage, me))
        {
            var first = await log.AppendAsync(Tx(0));
            Assert.Equal(1UL, first.Seq);
            Assert.Empty(first.Parents);
            var second = await log.AppendAsync(Tx(1));
            Assert.Equal(2UL, second.Seq);
            Assert.Equal([first.Hash], second.Parents);
            Assert.True(second.Time > first.Time);
            last = second.Hash;
        }
        using (var log = DatomLog.Open(storage, me))
        {
            Assert.Equal(2, log.Count);
            Assert.Equal([last], log.Frontier());
            var third = await log.AppendAsync(Tx(2));
            Assert.Equal(3UL, third.Seq);
            Assert.Equal([last], third.Parents);
        }
        Assert.True(LogVerifier.Verify(storage).Ok);
    }

    [Fact]
    public async Task Entries_from_another_author_are_verified_stored_and_linked_causally()
    {
        using var me = NodeIdentity.Generate();
        using var bob = NodeIdentity.Generate();
        var bobs = await ChainOf(bob, 3);
        using var log = DatomLog.Open(new MemoryStorage(), me);
        foreach (var e in bobs)
            Assert.Equal(IngestStatus.Stored, (await log.IngestAsync(e.Encoded)).Status);
        Assert.Equal(IngestStatus.Duplicate, (await log.IngestAsync(bobs[1].Encoded)).Status);

        var mine = await log.AppendAsync(Tx(10));
        Assert.Contains(bobs[2].Hash, mine.Parents); // causal link to bob's head
        var next = await log.AppendAsync(Tx(11));
        Assert.Equal([mine.Hash], next.Parents);     // linked once, not again
    }

    [Fact]
    public async Task An_entry_with_missing_parents_is_held_until_they_arrive()
    {
        using var me = NodeIdentity.Generate();
        using var bob = NodeIdentity.Generate();
        var bobs = await ChainOf(bob, 4);
        using var log = DatomLog.Open(new MemoryStorage(), me);

        var r3 = await log.IngestAsync(bobs[3].Encoded);
        Assert.Equal(IngestStatus.Held, r3.Status);
        Assert.Equal([bobs[2].Hash], r3.MissingParents);
        Assert.Equal(IngestStatus.Held, (await log.IngestAsync(bobs[1].Encoded)).Status);
        Assert.Equal(IngestStatus.Held, (await log.IngestAsync(bobs[2].Encoded)).Status);
        Assert.Equal(0, log.Count);

        var r0 = await log.IngestAsync(bobs[0].Encoded);
        Assert.Equal(IngestStatus.Stored, r0.Status);
        Assert.Equal(3, r0.Released.Count);
        Assert.Equal(4, log.Count);
        Assert.Equal(0, log.HeldCount);
        // Stored in an order where parents come first.
        Assert.Equal(bobs.Select(e => e.Hash), log.Entries().Select(e => e.Hash));
    }

    [Fact]
    public async Task The_held_buffer_is_bounded()
    {
        using var me = NodeIdentity.Generate();
        using var bob = NodeIdentity.Generate();
        var bobs = await ChainOf(bob, 5);
        using var log = DatomLog.Open(new MemoryStorage(), me, new LogOptions { MaxHeldEntries = 2 });
        await log.IngestAsync(bobs[4].Encoded);
        await log.IngestAsync(bobs[3].Encoded);
        var e = await Assert.ThrowsAsync<EntryRejectedException>(() => log.IngestAsync(bobs[2].Encoded));
        Assert.Equal(RejectReason.PendingBufferFull, e.Reason);
        Assert.Equal(2, log.HeldCount);
    }

    [Fact]
    public async Task Bad_signature_wrong_author_and_bad_sequence_are_rejected_and_nothing_is_stored()
    {
        using var me = NodeIdentity.Generate();
        using var bob = NodeIdentity.Generate();
        using var eve = NodeIdentity.Generate();
        var bobs = await ChainOf(bob, 1);

        // Flip one byte of the signature.
        var tampered = bobs[0].Encoded.ToArray();
        tampered[^1] ^= 1;
        var storage = new MemoryStorage();
        using var log = DatomLog.Open(storage, me, new LogOptions { AllowedAuthors = new HashSet<NodeId> { bob.Id, me.Id } });
        var sig = await Assert.ThrowsAsync<EntryRejectedException>(() => log.IngestAsync(tampered));
        Assert.Equal(RejectReason.BadSignature, sig.Reason);

        var eves = await ChainOf(eve, 1);
        var author = await Assert.ThrowsAsync<EntryRejectedException>(() => log.IngestAsync(eves[0].Encoded));
        Assert.Equal(RejectReason.AuthorNotAllowed, author.Reason);

        // A well-signed entry that skips a sequence number.
        var skipping = Entry.Create(bob, 5, new EntityId(3, 3), HlcTimestamp.From(1_800_000_000_000, 0), [], Tx(1));
        var seq = await Assert.ThrowsAsync<EntryRejectedException>(() => log.IngestAsync(skipping.Encoded));
        Assert.Equal(RejectReason.BadSequence, seq.Reason);

        // A child stamped before its parent.
        Assert.Equal(IngestStatus.Stored, (await log.IngestAsync(bobs[0].Encoded)).Status);
        var early = Entry.Create(bob, 2, new EntityId(3, 4), new HlcTimestamp(bobs[0].Time.Value - 1), [bobs[0].Hash], Tx(2));
        var time = await Assert.ThrowsAsync<EntryRejectedException>(() => log.IngestAsync(early.Encoded));
        Assert.Equal(RejectReason.BadTime, time.Reason);

        Assert.Equal(1, log.Count);
        var report = LogVerifier.Verify(storage);
        Assert.True(report.Ok);
        Assert.Equal(1, report.Entries);
    }

    [Fact]
    public async Task Held_entries_that_descend_from_a_rejected_entry_are_dropped()
    {
        using var me = NodeIdentity.Generate();
        using var bob = NodeIdentity.Generate();
        var bobs = await ChainOf(bob, 1);
        var badSeq = Entry.Create(bob, 3, new EntityId(3, 3), new HlcTimestamp(bobs[0].Time.Value + 10), [bobs[0].Hash], Tx(1));
        var child = Entry.Create(bob, 4, new EntityId(3, 4), new HlcTimestamp(bobs[0].Time.Value + 20), [badSeq.Hash], Tx(2));
        using var log = DatomLog.Open(new MemoryStorage(), me);
        await log.IngestAsync(child.Encoded);
        await log.IngestAsync(badSeq.Encoded);
        Assert.Equal(2, log.HeldCount);
        var result = await log.IngestAsync(bobs[0].Encoded);
        Assert.Equal(2, result.ReleasedRejected.Count);
        Assert.Equal(0, log.HeldCount);
        Assert.Equal(1, log.Count);
    }

    public static Arbitrary<int[]> Orders() =>
        Gen.Shuffle(Enumerable.Range(0, 6)).Select(o => o.ToArray()).ToArbitrary();

    /// <summary>Two machines with one key: a common root, then two branches; plus a merge on one side.</summary>
    private static async Task<List<Entry>> ForkedHistory(NodeIdentity author)
    {
        var a = new MemoryStorage();
        var all = new List<Entry>();
        using (var log = DatomLog.Open(a, author))
            all.Add(await log.AppendAsync(Tx(0)));
        var b = new MemoryStorage();
        using (var logB = DatomLog.Open(b, author))
        {
            await logB.IngestAsync(all[0]);
            all.Add(await logB.AppendAsync(Tx(100)));
            all.Add(await logB.AppendAsync(Tx(101)));
        }
        using (var logA = DatomLog.Open(a, author))
        {
            all.Add(await logA.AppendAsync(Tx(1)));
            all.Add(await logA.AppendAsync(Tx(2)));
            await logA.IngestAsync(all[1]);
            await logA.IngestAsync(all[2]);
            all.Add(await logA.AppendAsync(Tx(3))); // the merge: names both heads
        }
        return all;
    }

    [Property(Arbitrary = [typeof(DatomLogTests)], MaxTest = 30)]
    public void A_fork_is_found_whatever_order_its_branches_arrive_in(int[] order)
    {
        using var author = NodeIdentity.Generate();
        using var observer = NodeIdentity.Generate();
        var history = ForkedHistory(author).GetAwaiter().GetResult();
        var merge = history[5];
        Assert.Equal(2, merge.Parents.Count);
        Assert.Equal(4UL, merge.Seq);

        using var log = DatomLog.Open(new MemoryStorage(), observer);
        var detected = new List<ForkProof>();
        log.ForkDetected += detected.Add;
        foreach (var i in order)
            log.IngestAsync(history[i]).GetAwaiter().GetResult();

        Assert.Equal(6, log.Count);
        var forks = log.Forks();
        // Seq 2 and seq 3 each exist on both branches.
        Assert.Equal([2UL, 3UL], forks.Select(f => f.Seq).Order());
        Assert.All(forks, f => Assert.True(f.Verify()));
        Assert.Equal(2, detected.Count);
        Assert.Single(log.Authors().Single(a => a.Author == author.Id).Heads);
    }

    [Fact]
    public async Task A_node_whose_key_forked_merges_both_branches_in_its_next_entry()
    {
        using var me = NodeIdentity.Generate();
        var storage = new MemoryStorage();
        List<Entry> elsewhere;
        using (var log = DatomLog.Open(storage, me))
            await log.AppendAsync(Tx(0));
        // The same key, restored on another machine from a copy of that first entry.
        var copy = new MemoryStorage();
        using (var other = DatomLog.Open(copy, me))
        {
            using var original = DatomLog.Open(storage, null);
            await other.IngestAsync(original.Entries().First());
        }
        using (var other = DatomLog.Open(copy, me))
            elsewhere = [await other.AppendAsync(Tx(50))];
        using (var log = DatomLog.Open(storage, me))
        {
            var mine = await log.AppendAsync(Tx(1));
            await log.IngestAsync(elsewhere[0]);
            Assert.Single(log.Forks());
            var merge = await log.AppendAsync(Tx(2));
            Assert.Equal(new[] { mine.Hash, elsewhere[0].Hash }.Order(), merge.Parents);
            Assert.Equal(3UL, merge.Seq);
        }
    }
}

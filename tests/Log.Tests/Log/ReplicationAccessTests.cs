using Datom.Log.Entries;
using Datom.Log.Identity;
using Datom.Log.Model;
using Datom.Log.Storage;
using Xunit;

namespace Datom.Log.Tests.Log;

/// <summary>The internal read and ingest paths replication uses (DatomLog.Replication.cs, IngestVerifiedAsync).</summary>
public class ReplicationAccessTests
{
    private static LogDatom[] Tx(int i) => [new LogDatom(new EntityId(9, (ulong)i), "test/n", Value.Long(i), true)];

    private static Entry Make(NodeIdentity author, ulong seq, long ms, params Entry[] parents) =>
        Entry.Create(author, seq, new EntityId(3, seq * 1000 + (ulong)ms), new HlcTimestamp((ulong)ms << 16), parents.Select(p => p.Hash), Tx((int)seq));

    [Fact]
    public async Task Links_name_own_parents_seq_and_position()
    {
        using var me = NodeIdentity.Generate();
        using var bob = NodeIdentity.Generate();
        using var log = DatomLog.Open(new MemoryStorage(), me);
        var b1 = Make(bob, 1, 1000);
        await log.IngestAsync(b1);
        var m1 = await log.AppendAsync(Tx(1));
        var m2 = await log.AppendAsync(Tx(2));

        Assert.True(log.TryGetLinks(m1.Hash, out var l1));
        Assert.Equal(me.Id, l1.Author);
        Assert.Equal(1UL, l1.Seq);
        Assert.Empty(l1.OwnParents); // bob's entry is a parent, but not an own parent
        Assert.Contains(b1.Hash, m1.Parents);
        Assert.True(l1.Durable);
        Assert.Equal(log.PositionOf(m1.Hash), l1.Position);

        Assert.True(log.TryGetLinks(m2.Hash, out var l2));
        Assert.Equal([m1.Hash], l2.OwnParents);
        Assert.False(log.TryGetLinks(Make(bob, 2, 2000, b1).Hash, out _));
    }

    [Fact]
    public async Task Entries_at_a_seq_and_forks_are_seen()
    {
        using var me = NodeIdentity.Generate();
        using var bob = NodeIdentity.Generate();
        using var log = DatomLog.Open(new MemoryStorage(), me);
        var b1 = Make(bob, 1, 1000);
        var b2 = Make(bob, 2, 2000, b1);
        var b2x = Make(bob, 2, 2001, b1);
        await log.IngestAsync(b1);
        await log.IngestAsync(b2);
        Assert.False(log.IsForked(bob.Id));
        await log.IngestAsync(b2x);
        Assert.True(log.IsForked(bob.Id));
        Assert.False(log.IsForked(me.Id));

        var at2 = new List<EntryHash>();
        log.EntriesAtSeq(bob.Id, 2, at2);
        Assert.Equal(new[] { b2.Hash, b2x.Hash }.Order(), at2.Order());
        var at9 = new List<EntryHash>();
        log.EntriesAtSeq(bob.Id, 9, at9);
        Assert.Empty(at9);
    }

    [Fact]
    public async Task Encoded_bytes_come_back_from_cache_or_store_and_store_order_is_copied_in_chunks()
    {
        var storage = new MemoryStorage();
        using var me = NodeIdentity.Generate();
        var appended = new List<Entry>();
        using (var log = DatomLog.Open(storage, me))
        {
            for (var i = 0; i < 10; i++)
                appended.Add(await log.AppendAsync(Tx(i)));
        }
        using var reopened = DatomLog.Open(storage, me); // nothing in the recent cache: read from the store
        foreach (var e in appended)
            Assert.Equal(e.Encoded.ToArray(), reopened.ReadEncoded(e.Hash)!.Value.ToArray());
        Assert.Null(reopened.ReadEncoded(default));

        var order = new List<(EntryHash Hash, NodeId Author, ulong Seq)>();
        Assert.Equal(4, reopened.CopyStoreOrder(0, 4, order));
        Assert.Equal(4, reopened.CopyStoreOrder(4, 4, order));
        Assert.Equal(2, reopened.CopyStoreOrder(8, 4, order));
        Assert.Equal(0, reopened.CopyStoreOrder(10, 4, order));
        Assert.Equal(appended.Select(e => (e.Hash, me.Id, e.Seq)), order);
    }

    [Fact]
    public async Task Ingesting_a_verified_entry_skips_only_the_signature_check()
    {
        using var me = NodeIdentity.Generate();
        using var bob = NodeIdentity.Generate();
        using var mallory = NodeIdentity.Generate();
        var b1 = Make(bob, 1, 1000);
        var b2 = Make(bob, 2, 2000, b1);
        var wrongSeq = Make(bob, 5, 3000, b2);

        using var log = DatomLog.Open(new MemoryStorage(), me, new LogOptions { AllowedAuthors = new HashSet<NodeId> { bob.Id, me.Id } });
        Assert.Equal(IngestStatus.Stored, (await log.IngestVerifiedAsync(b1)).Status);
        Assert.Equal(IngestStatus.Duplicate, (await log.IngestVerifiedAsync(b1)).Status);
        Assert.Equal(IngestStatus.Stored, (await log.IngestVerifiedAsync(b2)).Status);
        // Every check but the signature still applies.
        Assert.Equal(RejectReason.BadSequence, (await Assert.ThrowsAsync<EntryRejectedException>(() => log.IngestVerifiedAsync(wrongSeq))).Reason);
        Assert.Equal(RejectReason.AuthorNotAllowed, (await Assert.ThrowsAsync<EntryRejectedException>(() => log.IngestVerifiedAsync(Make(mallory, 1, 1000)))).Reason);
        Assert.Equal(2, log.Count);
    }

    [Fact]
    public async Task Ingests_started_in_order_without_waiting_are_stored_in_that_order()
    {
        using var me = NodeIdentity.Generate();
        using var bob = NodeIdentity.Generate();
        var chain = new List<Entry> { Make(bob, 1, 1000) };
        for (var i = 2; i <= 200; i++)
            chain.Add(Make(bob, (ulong)i, 1000 + i, chain[^1]));
        using var log = DatomLog.Open(new MemoryStorage(), me);
        var pending = chain.Select(e => log.IngestVerifiedAsync(e)).ToList();
        var results = await Task.WhenAll(pending);
        Assert.All(results, r => Assert.Equal(IngestStatus.Stored, r.Status));
        Assert.Equal(chain.Select(e => e.Hash), log.Entries().Select(e => e.Hash));
    }
}

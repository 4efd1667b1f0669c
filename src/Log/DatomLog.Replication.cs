using Datom.Log.Identity;
using Datom.Log.Model;
using Datom.Log.Segments;

namespace Datom.Log;

/// <summary>
/// One entry's place in the DAG as the in-memory state knows it: enough to walk an author's chain
/// without reading or decoding the entry. <see cref="OwnParents"/> are the parents by the same author.
/// </summary>
internal readonly record struct EntryLinks(NodeId Author, ulong Seq, EntryHash[] OwnParents, bool Durable, RecordPosition Position);

/// <summary>
/// Read access for replication (Datom.Sync, through InternalsVisibleTo): reconciliation walks the
/// DAG from the in-memory state, so that its cost follows the difference between two logs and never
/// requires reading the entries both sides hold.
/// </summary>
public sealed partial class DatomLog
{
    /// <summary>The links of an accepted entry (durable or in flight); false if this log does not hold it.</summary>
    internal bool TryGetLinks(EntryHash hash, out EntryLinks links)
    {
        lock (_gate)
        {
            if (!_entries.TryGetValue(hash, out var meta))
            {
                links = default;
                return false;
            }
            var own = 0;
            var parents = _entries.ParentsOf(meta);
            Span<bool> mine = parents.Length <= 256 ? stackalloc bool[parents.Length] : new bool[parents.Length];
            for (var i = 0; i < parents.Length; i++)
            {
                mine[i] = _entries[parents[i]].AuthorOrdinal == meta.AuthorOrdinal;
                if (mine[i])
                    own++;
            }
            var ownParents = own == 0 ? [] : new EntryHash[own];
            own = 0;
            for (var i = 0; i < parents.Length; i++)
            {
                if (mine[i])
                    ownParents[own++] = parents[i];
            }
            links = new EntryLinks(meta.Author, meta.Seq, ownParents, meta.Durable, meta.Position);
            return true;
        }
    }

    /// <summary>Adds to <paramref name="into"/> every entry of <paramref name="author"/> at <paramref name="seq"/> (more than one is a fork).</summary>
    internal void EntriesAtSeq(NodeId author, ulong seq, List<EntryHash> into)
    {
        lock (_gate)
        {
            if (_authors.TryGetValue(author, out var chain) && chain.BySeq[seq] is var first and >= 0)
            {
                into.Add(_entries.HashOf(first));
                if (chain.MoreAtSeq.TryGetValue(seq, out var more))
                    into.AddRange(more);
            }
        }
    }

    /// <summary>
    /// True if two entries of <paramref name="author"/> share a sequence number here. While it is
    /// false, the author's entries form one chain, and an entry at sequence n is an ancestor of every
    /// entry of the author above n.
    /// </summary>
    internal bool IsForked(NodeId author)
    {
        lock (_gate)
            return _authors.TryGetValue(author, out var chain) && chain.Forked;
    }

    /// <summary>
    /// The canonical bytes of an accepted entry: from the store when durable, from
    /// memory while in flight. Null if not held, or for the instant between registering and signing.
    /// </summary>
    internal ReadOnlyMemory<byte>? ReadEncoded(EntryHash hash)
    {
        RecordPosition position;
        lock (_gate)
        {
            if (!_entries.TryGetValue(hash, out var meta))
                return null;
            if (!meta.Durable)
                return meta.InFlight?.Entry?.Encoded;
            position = meta.Position;
        }
        return _store.Read(position);
    }

    /// <summary>
    /// Copies up to <paramref name="max"/> durable entries, from the <paramref name="start"/>-th in
    /// store order, as (hash, author, seq); returns how many were copied. One lock for the batch.
    /// </summary>
    internal int CopyStoreOrder(int start, int max, List<(EntryHash Hash, NodeId Author, ulong Seq)> into)
    {
        ArgumentNullException.ThrowIfNull(into);
        lock (_gate)
        {
            var end = (int)Math.Min(_entries.DurableCount, (long)start + max);
            if (start >= end)
                return 0;
            var number = _entries.NumberAt(start);
            for (var i = start; i < end; i++, number++)
            {
                while (_entries.IsHole(number))
                    number++;
                var meta = _entries.ByNumber(number);
                into.Add((meta.Hash, meta.Author, meta.Seq));
            }
            return end - start;
        }
    }
}

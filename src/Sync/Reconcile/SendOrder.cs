using Datom.Log;
using Datom.Log.Identity;
using Datom.Log.Model;
using Datom.Log.Segments;

namespace Datom.Sync.Reconcile;

/// <summary>
/// The entries of a <see cref="SendPlan"/> in store order, which is a topological order of the DAG
/// (the log stores an entry only after its parents), so the receiver can store each on arrival.
/// </summary>
internal static class SendOrder
{
    /// <summary>Below this many single entries (and with no whole authors) they are sorted; above, the store order is scanned.</summary>
    private const int SortLimit = 1 << 16;

    /// <summary>
    /// Durable entries only: an entry still in flight is pushed live once durable (the connection
    /// subscribed to the log before it planned).
    /// </summary>
    public static IEnumerable<(EntryHash Hash, NodeId Author, ulong Seq)> Of(DatomLog log, SendPlan plan)
    {
        if (plan.WholeAuthors.Count == 0 && plan.Entries.Count <= SortLimit)
        {
            var items = new List<(EntryHash Hash, NodeId Author, ulong Seq, RecordPosition Position)>(plan.Entries.Count);
            foreach (var h in plan.Entries)
            {
                if (log.TryGetLinks(h, out var links) && links.Durable)
                    items.Add((h, links.Author, links.Seq, links.Position));
            }
            items.Sort((a, b) => a.Position.Segment != b.Position.Segment
                ? a.Position.Segment.CompareTo(b.Position.Segment)
                : a.Position.Offset.CompareTo(b.Position.Offset));
            foreach (var item in items)
                yield return (item.Hash, item.Author, item.Seq);
            yield break;
        }

        // Scanning costs O(log size) in memory lookups (no entry is read unless sent), and is used only
        // when what is sent is itself large or a whole author.
        var chunk = new List<(EntryHash Hash, NodeId Author, ulong Seq)>(4096);
        var end = log.DurableCount;
        for (var start = 0; start < end; start += chunk.Count)
        {
            chunk.Clear();
            if (log.CopyStoreOrder(start, 4096, chunk) == 0)
                yield break;
            foreach (var (hash, author, seq) in chunk)
            {
                if (plan.WholeAuthors.Contains(author) || plan.Entries.Contains(hash))
                    yield return (hash, author, seq);
            }
        }
    }
}

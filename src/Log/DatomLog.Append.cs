using Datom.Log.Entries;
using Datom.Log.Model;
using Datom.Log.Segments;

namespace Datom.Log;

public sealed partial class DatomLog
{
    /// <summary>
    /// Appends a transaction of this node's own: assigns the next sequence number, names the node's
    /// own heads (two or more heads make this entry a merge of a fork) and the new heads of other
    /// authors as parents, stamps the HLC time, signs, and completes once the entry is durable.
    /// </summary>
    public async Task<Entry> AppendAsync(IReadOnlyList<LogDatom> datoms, EntityId? tx = null, CancellationToken cancellationToken = default)
    {
        var (entry, durable) = BeginAppend(datoms, tx ?? NewEntityId());
        await durable.WaitAsync(cancellationToken).ConfigureAwait(false);
        return entry;
    }

    /// <summary>
    /// Signs and queues one entry; returns it with a task that completes when it is durable. Entries
    /// queued one after another become durable in that order, so a caller may pipeline.
    /// </summary>
    public (Entry Entry, Task Durable) BeginAppend(IReadOnlyList<LogDatom> datoms, EntityId tx)
    {
        ArgumentNullException.ThrowIfNull(datoms);
        var identity = _identity ?? throw new InvalidOperationException("this log was opened without an identity and cannot append");
        Entry entry;
        Task<RecordPosition> write;
        lock (_gate)
        {
            var self = identity.Id;
            _authors.TryGetValue(self, out var own);
            var parents = new List<EntryHash>();
            if (own is not null)
                parents.AddRange(own.Heads);
            var room = _options.Limits.MaxParents - parents.Count;
            var links = new List<EntryHash>();
            foreach (var (author, chain) in _authors)
            {
                if (author == self)
                    continue;
                foreach (var head in chain.Heads)
                {
                    if (!_linked.Contains(head))
                        links.Add(head);
                }
            }
            // If more heads are new than fit in one entry, the rest are linked by the next one.
            foreach (var link in links.Take(Math.Max(0, room)))
                parents.Add(link);

            var seq = (own?.MaxSeq ?? 0) + 1;
            entry = Entry.Create(identity, seq, tx, _clock.Now(), parents, datoms, _options.Limits);
            write = _store.Enqueue(entry.Encoded);
            foreach (var link in links.Take(Math.Max(0, room)))
                _linked.Add(link);
            Register(entry, null);
        }
        return (entry, CompleteAsync(entry, write));
    }

    private async Task CompleteAsync(Entry entry, Task<RecordPosition> write)
    {
        RecordPosition position;
        try
        {
            position = await write.ConfigureAwait(false);
        }
        catch (Exception)
        {
            lock (_gate)
                Unregister(entry);
            throw;
        }
        ForkRecord? fork;
        lock (_gate)
        {
            var meta = _entries[entry.Hash];
            meta.Position = position;
            meta.InFlight = null;
            _order.Add(entry.Hash);
            fork = meta.Fork;
        }
        EntryStored?.Invoke(entry);
        if (fork is not null)
            ForkDetected?.Invoke(new ForkProof(fork.Author, fork.Seq, Get(fork.First)!, entry));
    }

    /// <summary>
    /// Undoes <see cref="Register"/> for an entry whose write failed. The store has stopped by then
    /// (fail-stop), so this only keeps readers from seeing an entry that is not on disk.
    /// </summary>
    private void Unregister(Entry entry)
    {
        if (!_entries.Remove(entry.Hash))
            return;
        if (_authors.TryGetValue(entry.Author, out var chain))
        {
            chain.Heads.Remove(entry.Hash);
            chain.Count--;
            if (chain.BySeq.TryGetValue(entry.Seq, out var h) && h == entry.Hash)
                chain.BySeq.Remove(entry.Seq);
        }
    }
}

using System.Diagnostics;
using Datom.Log.Entries;
using Datom.Log.Model;
using Datom.Log.Segments;

namespace Datom.Log;

public sealed partial class DatomLog
{
    // The sequencer: entries take a ticket under the gate (so ticket order is a topological order of
    // the DAG) and enter the store queue in ticket order, even when signed in parallel outside it.
    private readonly Lock _sequencer = new();
    private readonly SortedDictionary<long, Sequenced?> _parked = []; // null: a ticket given up
    private long _nextTicket;
    private long _nextToEnqueue;

    /// <summary>
    /// This node's hybrid logical clock: its latest reading (the time of the newest entry it stamped or
    /// stored, at least) against its wall clock. A reading well ahead of the wall clock means some
    /// author's clock runs fast, or ours slow (README, "Clocks").
    /// </summary>
    public (HlcTimestamp Latest, long WallUnixMilliseconds) ClockReading => (_clock.Last, _options.Clock.UnixMilliseconds);

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
    /// begun one after another become durable in that order, so a caller may pipeline.
    /// </summary>
    public (Entry Entry, Task Durable) BeginAppend(IReadOnlyList<LogDatom> datoms, EntityId tx)
    {
        ArgumentNullException.ThrowIfNull(datoms);
        var identity = _identity ?? throw new InvalidOperationException("this log was opened without an identity and cannot append");
        EntryCodec.PreparedEntry prepared;
        Sequenced sequenced;
        long ticket;
        lock (_gate)
        {
            var self = identity.Id;
            _authors.TryGetValue(self, out var own);
            var ownHeads = own?.Heads.Count ?? 0;
            List<EntryHash>? links = null; // allocated only when there is another author's head to link
            var room = _options.Limits.MaxParents - ownHeads;
            foreach (var (author, chain) in _authors)
            {
                if (author == self)
                    continue;
                foreach (var head in chain.Heads)
                {
                    // If more heads are new than fit in one entry, the rest are linked by the next one.
                    if ((links?.Count ?? 0) < room && !_linked.Contains(head))
                        (links ??= []).Add(head);
                }
            }
            // Own heads and other authors' heads are disjoint sets, so there are no duplicates to remove.
            var sortedParents = new EntryHash[ownHeads + (links?.Count ?? 0)];
            own?.Heads.CopyTo(sortedParents);
            links?.CopyTo(sortedParents, ownHeads);
            Array.Sort(sortedParents);
            var seq = (own?.MaxSeq ?? 0) + 1;
            // An entry's time follows every parent's whatever the wall clock says (a peer's clock may
            // be a year ahead of ours, or ours a day behind): the rule every receiver checks.
            var latestParent = default(HlcTimestamp);
            foreach (var p in sortedParents)
            {
                var t = _entries[p].Time;
                if (t > latestParent)
                    latestParent = t;
            }
            // Encoding and hashing are cheap and fix everything but the signature; a refusal (too
            // large) happens here, before anything is registered.
            prepared = EntryCodec.Prepare(self, seq, tx, _clock.NowAfter(latestParent), sortedParents, [.. datoms], _options.Limits);
            if (links is not null)
            {
                foreach (var link in links)
                    _linked.Add(link);
            }
            // The record for the store is the encoded entry, whose signature is filled in below.
            sequenced = new Sequenced(prepared.Encoded, prepared.Hash);
            Register(prepared.Hash, self, seq, tx, prepared.Time, sortedParents, null, sequenced);
            ticket = _nextTicket++;
        }
        // The slow part, outside the gate: concurrent writers sign on all cores.
        Entry entry;
        try
        {
            entry = EntryCodec.Complete(prepared, identity);
        }
        catch
        {
            // Later tickets must not wait forever for this one.
            SkipTicket(ticket);
            throw;
        }
        sequenced.Entry = entry;
        return (entry, Sequence(ticket, sequenced));
    }

    /// <summary>Hands a signed entry to the store in ticket order. Never call with the gate held.</summary>
    private Task<RecordPosition> Sequence(long ticket, Sequenced sequenced)
    {
        Debug.Assert(!_gate.IsHeldByCurrentThread, "the commit thread takes the gate; the sequencer may wait on the commit thread");
        Debug.Assert(sequenced.Entry is not null, "only a signed entry goes to the store");
        lock (_sequencer)
        {
            if (ticket == _nextToEnqueue && _parked.Count == 0)
            {
                // The usual case: nothing is waiting ahead of this entry.
                _nextToEnqueue++;
                Enqueue(sequenced);
            }
            else
            {
                _parked.Add(ticket, sequenced);
                Drain();
            }
        }
        return sequenced.Task;
    }

    private void SkipTicket(long ticket)
    {
        lock (_sequencer)
        {
            _parked.Add(ticket, null);
            Drain();
        }
    }

    private void Drain()
    {
        while (_parked.Remove(_nextToEnqueue, out var next))
        {
            _nextToEnqueue++;
            if (next is not null)
                Enqueue(next);
        }
    }

    private void Enqueue(Sequenced next)
    {
        try
        {
            _store.Enqueue(next);
        }
        catch (Exception e)
        {
            next.TrySetException(e);
        }
    }

    // The commit thread's list of entries just made durable, reused from group to group.
    private readonly List<Entry> _stored = [];

    /// <summary>On the commit thread: a group of records is durable. Update state, then tell subscribers.</summary>
    private void OnGroupDurable(IReadOnlyList<PendingAppend> group)
    {
        var stored = _stored;
        stored.Clear();
        List<ForkProof>? forks = null;
        lock (_gate)
        {
            for (var i = 0; i < group.Count; i++)
            {
                if (group[i] is not Sequenced s)
                    continue; // a record written through Store directly is not an entry of this log
                ref var meta = ref _entries.ByNumber(s.Number);
                meta.Position = s.Position;
                meta.Durable = true;
                meta.InFlight = null;
                var entry = s.Entry!;
                _order.Add(entry.Hash);
                stored.Add(entry);
                if (meta.Forks is { } made)
                {
                    foreach (var fork in made)
                    {
                        var first = fork.First == entry.Hash ? null : _entries[fork.First].InFlight?.Entry;
                        (forks ??= []).Add(new ForkProof(fork.Author, fork.Seq, first ?? entry, entry) { FirstHash = fork.First });
                    }
                }
            }
        }
        if (EntryStored is { } entryStored)
        {
            foreach (var entry in stored)
                Notify(entryStored, entry);
        }
        stored.Clear(); // the entries are the subscribers' now; this list must not keep them alive
        if (forks is not null)
        {
            foreach (var fork in forks)
                Notify(ForkDetected, fork.FirstHash == fork.First.Hash ? fork : fork with { First = Get(fork.FirstHash)! });
        }
    }

    /// <summary>A subscriber's exception must not stop the commit thread (which would stop the log).</summary>
    private static void Notify<T>(Action<T>? handler, T value)
    {
        if (handler is null)
            return;
        if (handler.HasSingleTarget)
        {
            // The usual case (one subscriber, DaoDB): no invocation list to allocate per entry.
            Invoke(handler, value);
            return;
        }
        foreach (var h in handler.GetInvocationList().Cast<Action<T>>())
            Invoke(h, value);
    }

    private static void Invoke<T>(Action<T> h, T value)
    {
        try
        {
            h(value);
        }
        catch (Exception e)
        {
            Trace.TraceError($"datom log: a subscriber failed: {e}");
        }
    }

    /// <summary>
    /// An entry on its way to the store: its record (the encoded entry), its durable completion, and,
    /// once signed, the entry itself, in one object that lives only while the entry is in flight.
    /// </summary>
    private sealed class Sequenced(ReadOnlyMemory<byte> encoded, EntryHash hash) : PendingAppend(encoded)
    {
        private Entry? _entry;

        public EntryHash Hash { get; } = hash;

        /// <summary>The entry's number in the entry table, set when it is registered (under the gate, before it is queued).</summary>
        public int Number { get; set; }

        /// <summary>
        /// Null between registering and signing. Published without the gate (a reference write is
        /// atomic), so readers under the gate see the entry or null.
        /// </summary>
        public Entry? Entry
        {
            get => Volatile.Read(ref _entry);
            set => Volatile.Write(ref _entry, value);
        }
    }
}

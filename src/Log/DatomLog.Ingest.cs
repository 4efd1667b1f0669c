using Datom.Log.Entries;
using Datom.Log.Model;
using Datom.Log.Segments;

namespace Datom.Log;

public enum IngestStatus
{
    /// <summary>Verified and durable.</summary>
    Stored,

    /// <summary>Already held; nothing to do.</summary>
    Duplicate,

    /// <summary>Verified, but some parents are missing: held in memory until they arrive.</summary>
    Held,
}

public sealed record IngestResult(IngestStatus Status, Entry Entry, IReadOnlyList<EntryHash> MissingParents,
    IReadOnlyList<Entry> Released, IReadOnlyList<EntryRejectedException> ReleasedRejected);

public sealed partial class DatomLog
{
    private readonly Dictionary<EntryHash, HeldEntry> _held = [];
    private readonly Dictionary<EntryHash, List<HeldEntry>> _waitingOn = [];
    private long _heldBytes;

    public int HeldCount
    {
        get
        {
            lock (_gate)
                return _held.Count;
        }
    }

    /// <summary>
    /// Takes an entry from elsewhere. Checks, in order and before anything is kept: size and form
    /// (<see cref="EntryCodec.Decode"/>), the author allow-list, the signature; then, once every parent
    /// is present, the sequence number (one more than the author's highest parent, or 1) and the time
    /// (later than every parent's). An entry whose parents are missing is held, within
    /// <see cref="LogOptions.MaxHeldEntries"/> and <see cref="LogOptions.MaxHeldBytes"/>, and stored
    /// when they arrive. Completes once everything it stored is durable.
    /// </summary>
    /// <exception cref="EntryRejectedException">The entry failed a check; nothing of it was kept.</exception>
    public async Task<IngestResult> IngestAsync(ReadOnlyMemory<byte> encoded, CancellationToken cancellationToken = default)
    {
        var entry = EntryCodec.Decode(encoded, _options.Limits);
        return await IngestAsync(entry, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc cref="IngestAsync(ReadOnlyMemory{byte}, CancellationToken)"/>
    public Task<IngestResult> IngestAsync(Entry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return IngestCoreAsync(entry, signatureVerified: false, cancellationToken);
    }

    /// <summary>
    /// As <see cref="IngestAsync(Entry, CancellationToken)"/>, but the caller has already checked
    /// <see cref="Entry.VerifySignature"/> and it returned true: replication verifies a batch on all
    /// cores and then ingests it in order, and the signature is the dominant cost. Every other check
    /// (allow-list, sequence, time, parents) still runs here. The synchronous part (checks,
    /// registration, queueing for the store) runs before this returns, so a caller may start many in
    /// order and await them later.
    /// </summary>
    internal Task<IngestResult> IngestVerifiedAsync(Entry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return IngestCoreAsync(entry, signatureVerified: true, cancellationToken);
    }

    private async Task<IngestResult> IngestCoreAsync(Entry entry, bool signatureVerified, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_entries.ContainsKey(entry.Hash) || _held.ContainsKey(entry.Hash))
                return new IngestResult(IngestStatus.Duplicate, entry, [], [], []);
        }
        if (_options.AllowedAuthors is { } allowed && !allowed.Contains(entry.Author))
            Reject.Throw(RejectReason.AuthorNotAllowed, $"author {entry.Author} is not in this node's trusted authors");
        if (!signatureVerified && !entry.VerifySignature())
            Reject.Throw(RejectReason.BadSignature, $"signature of {entry.Hash} does not verify for author {entry.Author}");

        var accepted = new List<(long Ticket, Sequenced Record)>();
        var released = new List<Entry>();
        var rejected = new List<EntryRejectedException>();
        IngestStatus status;
        List<EntryHash> missing;
        lock (_gate)
        {
            if (_entries.ContainsKey(entry.Hash) || _held.ContainsKey(entry.Hash))
                return new IngestResult(IngestStatus.Duplicate, entry, [], [], []);
            missing = [.. entry.Parents.Where(p => !_entries.ContainsKey(p))];
            if (missing.Count > 0)
            {
                Hold(entry, missing);
                status = IngestStatus.Held;
            }
            else
            {
                CheckLinks(entry);
                accepted.Add(Accept(entry));
                status = IngestStatus.Stored;
                ReleaseWaiting(entry.Hash, accepted, released, rejected);
            }
        }
        var writes = accepted.Select(a => Sequence(a.Ticket, a.Record)).ToList();
        await Task.WhenAll(writes).WaitAsync(cancellationToken).ConfigureAwait(false);
        return new IngestResult(status, entry, missing, released, rejected);
    }

    /// <summary>Checks what needs the parents: sequence number and time. Caller holds the gate.</summary>
    private void CheckLinks(Entry entry)
    {
        ulong maxOwnParentSeq = 0;
        var maxParentTime = default(HlcTimestamp);
        foreach (var p in entry.Parents)
        {
            var parent = _entries[p];
            if (parent.Author == entry.Author)
                maxOwnParentSeq = Math.Max(maxOwnParentSeq, parent.Seq);
            if (parent.Time > maxParentTime)
                maxParentTime = parent.Time;
        }
        if (entry.Seq != maxOwnParentSeq + 1)
            Reject.Throw(RejectReason.BadSequence, maxOwnParentSeq == 0
                ? $"entry {entry.Hash} has sequence {entry.Seq} but names no earlier entry of its author (a first entry is 1)"
                : $"entry {entry.Hash} has sequence {entry.Seq}; its author's latest parent is {maxOwnParentSeq}, so it must be {maxOwnParentSeq + 1}");
        if (entry.Parents.Count > 0 && entry.Time <= maxParentTime)
            Reject.Throw(RejectReason.BadTime, $"entry {entry.Hash} is stamped {entry.Time}, not after its parent's {maxParentTime}");
    }

    /// <summary>Registers a checked entry and takes its ticket; the caller sequences it after leaving the gate.</summary>
    private (long Ticket, Sequenced Record) Accept(Entry entry)
    {
        var record = new Sequenced(entry.Encoded, entry.Hash) { Entry = entry };
        Register(entry.Hash, entry.Author, entry.Seq, entry.Tx, entry.Time, entry.ParentArray, null, record);
        // HLC receive rule, unbounded: our next entry links this one and must be stamped after it,
        // however far ahead its author's clock runs (see HybridLogicalClock).
        _clock.Observe(entry.Time);
        return (_nextTicket++, record);
    }

    private void Hold(Entry entry, List<EntryHash> missing)
    {
        var size = entry.Encoded.Length;
        if (_held.Count >= _options.MaxHeldEntries || _heldBytes + size > _options.MaxHeldBytes)
            Reject.Throw(RejectReason.PendingBufferFull,
                $"entry {entry.Hash} is missing {missing.Count} parent(s) and the buffer for such entries is full ({_held.Count} entries, {_heldBytes} bytes)");
        var held = new HeldEntry(entry, missing.Count);
        _held.Add(entry.Hash, held);
        _heldBytes += size;
        foreach (var p in missing)
        {
            if (!_waitingOn.TryGetValue(p, out var list))
                _waitingOn[p] = list = [];
            list.Add(held);
        }
    }

    /// <summary>Stores every held entry whose last missing parent was <paramref name="arrived"/>, transitively.</summary>
    private void ReleaseWaiting(EntryHash arrived, List<(long Ticket, Sequenced Record)> accepted, List<Entry> released, List<EntryRejectedException> rejected)
    {
        var ready = new Queue<EntryHash>();
        ready.Enqueue(arrived);
        while (ready.TryDequeue(out var hash))
        {
            if (!_waitingOn.Remove(hash, out var waiters))
                continue;
            foreach (var held in waiters)
            {
                if (--held.Missing > 0)
                    continue;
                _held.Remove(held.Entry.Hash);
                _heldBytes -= held.Entry.Encoded.Length;
                try
                {
                    CheckLinks(held.Entry);
                }
                catch (EntryRejectedException e)
                {
                    rejected.Add(e);
                    DropDescendants(held.Entry.Hash, rejected);
                    continue;
                }
                accepted.Add(Accept(held.Entry));
                released.Add(held.Entry);
                ready.Enqueue(held.Entry.Hash);
            }
        }
    }

    /// <summary>Held entries that wait on a rejected one can never be stored: let them go too.</summary>
    private void DropDescendants(EntryHash rejectedHash, List<EntryRejectedException> rejected)
    {
        var doomed = new Queue<EntryHash>();
        doomed.Enqueue(rejectedHash);
        while (doomed.TryDequeue(out var hash))
        {
            if (!_waitingOn.Remove(hash, out var waiters))
                continue;
            foreach (var held in waiters)
            {
                if (!_held.Remove(held.Entry.Hash))
                    continue;
                _heldBytes -= held.Entry.Encoded.Length;
                rejected.Add(new EntryRejectedException(RejectReason.MissingParents, $"entry {held.Entry.Hash} descends from rejected entry {hash}"));
                doomed.Enqueue(held.Entry.Hash);
            }
        }
    }

    private sealed class HeldEntry(Entry entry, int missing)
    {
        public Entry Entry { get; } = entry;

        public int Missing { get; set; } = missing;
    }
}

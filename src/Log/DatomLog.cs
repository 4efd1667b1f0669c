using Datom.Log.Entries;
using Datom.Log.Identity;
using Datom.Log.Model;
using Datom.Log.Segments;
using Datom.Log.Storage;

namespace Datom.Log;

/// <summary>
/// Everything a node holds: its own entries and every other author's, in one append-only store, with
/// the in-memory map from entry hash to position, each author's chain and heads, held entries whose
/// parents have not arrived, and the forks seen.
/// </summary>
/// <remarks>
/// Invariant: an entry is stored only after all its parents are stored (or queued before it), so
/// store order is a topological order of the DAG, and every prefix of the store is closed under
/// parents. Recovery after a crash therefore never leaves an entry without its parents.
/// </remarks>
public sealed partial class DatomLog : IDisposable
{
    private readonly Lock _gate = new();
    private readonly SegmentStore _store;
    private readonly LogOptions _options;
    private readonly NodeIdentity? _identity;
    private readonly HybridLogicalClock _clock;
    private readonly EntityIdMinter _minter;
    private readonly EntryTable _entries = new();
    private readonly Dictionary<NodeId, AuthorChain> _authors = [];
    private readonly List<ForkRecord> _forks = [];
    private readonly List<EntryHash> _order = [];

    // Other authors' heads that our next entry has already linked to (causal links are sent once).
    private readonly HashSet<EntryHash> _linked = [];

    private DatomLog(SegmentStore store, LogOptions options, NodeIdentity? identity)
    {
        _store = store;
        _options = options;
        _identity = identity;
        _clock = new HybridLogicalClock(options.Clock);
        _minter = options.EntityIdPrefix is { } prefix ? new EntityIdMinter(prefix) : new EntityIdMinter();
    }

    /// <summary>Raised after an entry (own or from elsewhere) is durable, in store order.</summary>
    public event Action<Entry>? EntryStored;

    /// <summary>Raised when a new fork is detected.</summary>
    public event Action<ForkProof>? ForkDetected;

    public NodeId? Self => _identity?.Id;

    public SegmentStore Store => _store;

    public int Count
    {
        get
        {
            lock (_gate)
                return _entries.Count;
        }
    }

    /// <summary>Opens the log at <c>DIR/log</c> on disk.</summary>
    public static DatomLog Open(string dataDirectory, NodeIdentity? identity, LogOptions? options = null) =>
        Open(new FileStorage(Path.Combine(dataDirectory, "log")), identity, options);

    /// <summary>
    /// Opens the log, recovering the store (see <see cref="SegmentStore"/>) and rebuilding the in-memory
    /// state from every record. Without an identity the log is read-only for local appends.
    /// </summary>
    public static DatomLog Open(IStorage storage, NodeIdentity? identity, LogOptions? options = null)
    {
        options ??= new LogOptions();
        // Every record is decoded (and so checked) as it is read, but only what the in-memory state
        // needs is kept until the store is open: holding the decoded entries themselves (their
        // datoms and encoded bytes) would hold the whole log in memory at once.
        var pending = new List<(RecordPosition Position, EntryHeader Entry)>();
        var store = SegmentStore.Open(storage, options.Segments, (position, payload) =>
        {
            Entry entry;
            try
            {
                entry = EntryCodec.Decode(payload, options.Limits);
            }
            catch (EntryRejectedException e)
            {
                throw new LogCorruptionException(storage.Describe(SegmentHeader.FileName(position.Segment)), position.Offset, "stored entry does not decode: " + e.Message);
            }
            pending.Add((position, new EntryHeader(entry.Hash, entry.Author, entry.Seq, entry.Tx, entry.Time, entry.ParentArray)));
        });
        var log = new DatomLog(store, options, identity);
        store.GroupDurable = log.OnGroupDurable;
        try
        {
            foreach (var (position, entry) in pending)
            {
                if (log._entries.ContainsKey(entry.Hash))
                    continue; // a duplicate record (the same entry queued twice) is harmless
                foreach (var p in entry.Parents)
                {
                    if (!log._entries.ContainsKey(p))
                        throw new LogCorruptionException(store.Describe(position.Segment), position.Offset, $"entry {entry.Hash} names parent {p}, which is not stored before it");
                }
                log.Register(entry.Hash, entry.Author, entry.Seq, entry.Tx, entry.Time, entry.Parents, position, inFlight: null);
                log._clock.Observe(entry.Time);
            }
            // Causal links already made by our own entries need not be made again.
            if (identity is not null && log._authors.TryGetValue(identity.Id, out var own))
            {
                foreach (var head in own.Heads)
                {
                    foreach (var p in log._entries.ParentsOf(log._entries[head]))
                        log._linked.Add(p);
                }
            }
        }
        catch
        {
            store.Dispose();
            throw;
        }
        return log;
    }

    public EntityId NewEntityId() => _minter.Next();

    public bool Contains(EntryHash hash)
    {
        lock (_gate)
            return _entries.ContainsKey(hash);
    }

    /// <summary>Reads a stored entry, or null if this log does not hold it (yet).</summary>
    public Entry? Get(EntryHash hash)
    {
        RecordPosition position;
        lock (_gate)
        {
            if (!_entries.TryGetValue(hash, out var meta))
                return null;
            if (!meta.Durable)
                return meta.InFlight?.Entry; // null for the moment between registering and signing
            position = meta.Position;
        }
        return EntryCodec.Decode(_store.Read(position), _options.Limits);
    }

    /// <summary>The position of a durable entry (null while it is still being written).</summary>
    public RecordPosition? PositionOf(EntryHash hash)
    {
        lock (_gate)
            return _entries.TryGetValue(hash, out var meta) && meta.Durable ? meta.Position : null;
    }

    /// <summary>Every author this log holds entries from, with their highest sequence number and heads.</summary>
    public IReadOnlyList<AuthorSummary> Authors()
    {
        lock (_gate)
            return [.. _authors.Select(kv => new AuthorSummary(kv.Key, kv.Value.MaxSeq, kv.Value.Count, [.. kv.Value.Heads]))];
    }

    /// <summary>The heads of every author: the frontier of what this log holds.</summary>
    public IReadOnlyList<EntryHash> Frontier()
    {
        lock (_gate)
            return [.. _authors.Values.SelectMany(a => a.Heads).Order()];
    }

    public IReadOnlyList<ForkProof> Forks()
    {
        List<ForkRecord> records;
        lock (_gate)
            records = [.. _forks];
        return [.. records.Select(f => new ForkProof(f.Author, f.Seq, Get(f.First)!, Get(f.Second)!))];
    }

    /// <summary>
    /// The frontier of the first <paramref name="count"/> durable entries in store order: the entries
    /// among them that none of the others names as a parent. Store order is topological, so these
    /// heads reach exactly those entries (what an index that has applied <paramref name="count"/>
    /// entries holds).
    /// </summary>
    public IReadOnlyList<EntryHash> FrontierOf(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var heads = new HashSet<EntryHash>();
        lock (_gate)
        {
            if (count > _order.Count)
                throw new ArgumentOutOfRangeException(nameof(count), $"the log holds {_order.Count} durable entries, not {count}");
            for (var i = 0; i < count; i++)
            {
                var meta = _entries[_order[i]];
                foreach (var p in _entries.ParentsOf(meta))
                    heads.Remove(p);
                heads.Add(_order[i]);
            }
        }
        return [.. heads.Order()];
    }

    /// <summary>
    /// Every entry reachable from <paramref name="heads"/> through parent links, the heads included:
    /// the history a frontier stands for. Each node that holds these heads computes the same set.
    /// </summary>
    /// <exception cref="KeyNotFoundException">A head is not held by this log.</exception>
    public IReadOnlyDictionary<EntryHash, EntityId> Ancestry(IEnumerable<EntryHash> heads)
    {
        ArgumentNullException.ThrowIfNull(heads);
        var result = new Dictionary<EntryHash, EntityId>();
        var stack = new Stack<EntryHash>();
        lock (_gate)
        {
            foreach (var h in heads)
            {
                if (!_entries.ContainsKey(h))
                    throw new KeyNotFoundException($"entry {h} is not held by this node");
                stack.Push(h);
            }
            while (stack.TryPop(out var h))
            {
                var meta = _entries[h];
                if (!result.TryAdd(h, meta.Tx))
                    continue;
                foreach (var p in _entries.ParentsOf(meta))
                    stack.Push(p);
            }
        }
        return result;
    }

    /// <summary>Durable entries, counted in store order: <see cref="EntriesFrom"/> takes positions in this count.</summary>
    public int DurableCount
    {
        get
        {
            lock (_gate)
                return _order.Count;
        }
    }

    /// <summary>Durable entries from the <paramref name="start"/>-th in store order (0-based), at most <paramref name="max"/>.</summary>
    public IReadOnlyList<Entry> EntriesFrom(int start, int max) => [.. HashesFrom(start, max).Select(h => Get(h)!)];

    /// <summary>The hashes of durable entries from the <paramref name="start"/>-th in store order, at most <paramref name="max"/>.</summary>
    public IReadOnlyList<EntryHash> HashesFrom(int start, int max)
    {
        lock (_gate)
        {
            if (start >= _order.Count)
                return [];
            return [.. _order.GetRange(start, Math.Min(max, _order.Count - start))];
        }
    }

    /// <summary>Stored entries in store order (a topological order), optionally one author's only.</summary>
    public IEnumerable<Entry> Entries(NodeId? author = null)
    {
        EntryHash[] order;
        lock (_gate)
            order = [.. _order];
        foreach (var hash in order)
        {
            var entry = Get(hash)!;
            if (author is null || entry.Author == author.Value)
                yield return entry;
        }
    }

    public void Dispose() => _store.Dispose();

    /// <summary>
    /// Adds an accepted entry to the in-memory state. Caller holds the gate (or is still opening).
    /// <paramref name="position"/> is given for entries already durable (while opening); otherwise
    /// the entry is in flight, on its way to the store as <paramref name="inFlight"/>, until its
    /// group is durable.
    /// </summary>
    private void Register(EntryHash hash, NodeId author, ulong seq, EntityId tx, HlcTimestamp time, ReadOnlySpan<EntryHash> parents, RecordPosition? position, Sequenced? inFlight)
    {
        // One NodeId instance per author, not one per entry.
        if (!_authors.TryGetValue(author, out var chain))
            _authors[author] = chain = new AuthorChain(author);
        var meta = new EntryMeta
        {
            Time = time,
            Tx = tx,
            Author = chain.Author,
            Seq = seq,
            Position = position ?? default,
            Durable = position is not null,
            InFlight = inFlight,
        };
        // First, as before any other change: a duplicate throws here and leaves the state as it was.
        var number = _entries.Add(hash, meta, parents);
        inFlight?.Number = number;
        if (position is not null)
            _order.Add(hash);

        chain.Count++;
        chain.MaxSeq = Math.Max(chain.MaxSeq, seq);
        foreach (var p in parents)
        {
            if (_entries[p].Author == author)
                chain.Heads.Remove(p);
        }
        chain.Heads.Add(hash);

        // A fork with every entry already at this number: the set of pairs is then the same on every
        // node, whatever order a three-way (or wider) fork arrives in.
        if (chain.BySeq.TryGetValue(seq, out var first))
            _entries.ByNumber(number).Forks = RecordFork(chain, seq, hash, first);
        else
            chain.BySeq[seq] = hash;
    }

    /// <summary>
    /// A second (or later) entry at an author's sequence number: one fork with each earlier entry.
    /// Kept out of <see cref="Register"/>, whose every call would otherwise allocate this lambda's closure.
    /// </summary>
    private ForkRecord[] RecordFork(AuthorChain chain, ulong seq, EntryHash hash, EntryHash first)
    {
        chain.Forked = true;
        if (!chain.MoreAtSeq.TryGetValue(seq, out var more))
            chain.MoreAtSeq[seq] = more = [];
        ForkRecord[] forks = [.. more.Prepend(first).Select(earlier => new ForkRecord(chain.Author, seq, earlier, hash))];
        _forks.AddRange(forks);
        more.Add(hash);
        return forks;
    }

    private sealed class AuthorChain(NodeId author)
    {
        public NodeId Author { get; } = author;

        public int Count { get; set; }

        public ulong MaxSeq { get; set; }

        /// <summary>Entries by this author that no entry by this author names as a parent.</summary>
        public HashSet<EntryHash> Heads { get; } = [];

        /// <summary>The first entry seen at each sequence number.</summary>
        public Dictionary<ulong, EntryHash> BySeq { get; } = [];

        /// <summary>Entries after the first at a sequence number: forks only (no list per entry otherwise).</summary>
        public Dictionary<ulong, List<EntryHash>> MoreAtSeq { get; } = [];

        /// <summary>Some sequence number has more than one entry (see <see cref="BySeq"/>).</summary>
        public bool Forked { get; set; }
    }

    private sealed record ForkRecord(NodeId Author, ulong Seq, EntryHash First, EntryHash Second);
}

public sealed record AuthorSummary(NodeId Author, ulong MaxSeq, int Entries, IReadOnlyList<EntryHash> Heads);

/// <summary>What opening the log keeps of each stored entry until its in-memory state is rebuilt.</summary>
internal sealed record EntryHeader(EntryHash Hash, NodeId Author, ulong Seq, EntityId Tx, HlcTimestamp Time, EntryHash[] Parents);

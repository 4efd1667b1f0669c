using Datom.Log.Entries;
using Datom.Log.Identity;
using Datom.Log.Model;
using Datom.Log.Segments;
using Datom.Log.Storage;
using Datom.Log.Tables;

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
    private readonly IStorage _storage;
    private readonly LogOptions _options;
    private readonly NodeIdentity? _identity;
    private readonly HybridLogicalClock _clock;
    private readonly EntityIdMinter _minter;
    private readonly EntryTable _entries;
    private readonly Dictionary<NodeId, AuthorChain> _authors = [];
    private readonly List<ForkRecord> _forks = [];
    // The forks an entry in flight made, reported once it is durable.
    private readonly Dictionary<int, ForkRecord[]> _madeForks = [];
    private SegmentStore _store = null!;

    // Other authors' heads that our next entry has already linked to (causal links are sent once).
    // Only current heads are kept: a head its author has moved past is never linked again.
    private readonly HashSet<EntryHash> _linked = [];

    // The highest entry time held, for the checkpoint (opening observes it instead of every entry's).
    private HlcTimestamp _maxTime;
    private long _checkpointedEntries;
    private ulong _checkpointGeneration;
    // Set while opening from a checkpoint: the first record replayed must be its last covered entry.
    private EntryHash? _expectFirst;
    private readonly List<string> _openNotes = [];
    private int _disposed;

    private DatomLog(IStorage storage, LogOptions options, NodeIdentity? identity)
    {
        _storage = storage;
        _options = options;
        _identity = identity;
        _clock = new HybridLogicalClock(options.Clock);
        _minter = options.EntityIdPrefix is { } prefix ? new EntityIdMinter(prefix) : new EntityIdMinter();
        _entries = new EntryTable(storage, options);
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

    /// <summary>How opening went: whether a checkpoint was used, and why not if it was not.</summary>
    public IReadOnlyList<string> OpenNotes => _openNotes;

    /// <summary>Bytes the log's per-entry state holds in memory now (hash index, table tails and caches).</summary>
    public long TableMemoryBytes
    {
        get
        {
            lock (_gate)
                return _entries.MemoryBytes;
        }
    }

    /// <summary>Opens the log at <c>DIR/log</c> on disk.</summary>
    public static DatomLog Open(string dataDirectory, NodeIdentity? identity, LogOptions? options = null) =>
        Open(new FileStorage(Path.Combine(dataDirectory, "log")), identity, options);

    /// <summary>
    /// Opens the log, recovering the store (see <see cref="SegmentStore"/>). With a valid checkpoint
    /// (<see cref="Checkpoint"/>) only the entries after it are read; a checkpoint that is missing,
    /// damaged or does not match the segments is reported in <see cref="OpenNotes"/> and the tables
    /// are rebuilt from every record. Without an identity the log is read-only for local appends.
    /// </summary>
    public static DatomLog Open(IStorage storage, NodeIdentity? identity, LogOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(storage);
        options ??= new LogOptions();
        var notes = new List<string>();
        var checkpoint = Checkpoint.ReadNewest(storage, notes);
        if (checkpoint is not null)
        {
            var log = new DatomLog(storage, options, identity);
            try
            {
                log.OpenFromCheckpoint(checkpoint);
                log._openNotes.AddRange(notes);
                log._openNotes.Add($"opened from checkpoint {checkpoint.Generation} ({checkpoint.Entries} entries; {log._entries.Count - checkpoint.Entries} read from the segments; {log._entries.ImageNote})");
                log.FinishOpen();
                return log;
            }
            catch (Exception e) when (e is StaleCheckpointException or LogCorruptionException or IOException or ArgumentException)
            {
                // A checkpoint is a cache: one that does not match is rebuilt from the segments, never trusted.
                notes.Add($"checkpoint {checkpoint.Generation} not used ({e.Message}); rebuilding the tables from the segments");
                log.DisposeQuietly();
            }
        }
        else if (storage.Exists("entries.tbl"))
        {
            notes.Add("no valid checkpoint; rebuilding the tables from the segments");
        }
        Checkpoint.DeleteAll(storage);
        var full = new DatomLog(storage, options, identity);
        try
        {
            full._entries.Reset();
            full._store = SegmentStore.Open(storage, options.Segments, full.Replay);
            full._openNotes.AddRange(notes);
            full.FinishOpen();
            if (full._entries.Settled >= options.CheckpointEntries)
            {
                lock (full._gate)
                    full.WriteCheckpoint();
            }
        }
        catch
        {
            full.DisposeQuietly();
            throw;
        }
        return full;
    }

    // The chains by author ordinal while the keys are loaded (OnLoadedKey), dropped after.
    private AuthorChain?[] _loadingChains = [];

    private void OpenFromCheckpoint(Checkpoint checkpoint)
    {
        _entries.Load(checkpoint, OnLoadedKey);
        _loadingChains = [];
        foreach (var head in checkpoint.Heads)
        {
            var meta = _entries.ByNumber(head);
            if (!_authors.TryGetValue(meta.Author, out var chain))
                throw new LogCorruptionException(_storage.Describe(Checkpoint.SlotNames[checkpoint.Generation % 2]), 0, $"head {meta.Hash} has an author with no entries");
            chain.Heads.Add(meta.Hash);
        }
        var last = _entries.Record((int)checkpoint.Entries - 1);
        if (last.Hash != checkpoint.Last || !last.Durable || last.Position != checkpoint.Resume)
            throw new StaleCheckpointException($"the entry table's entry {checkpoint.Entries - 1} is not the checkpoint's last ({checkpoint.Last} at {checkpoint.Resume})");
        _maxTime = checkpoint.MaxTime;
        _clock.Observe(checkpoint.MaxTime);
        _checkpointedEntries = checkpoint.Entries;
        _checkpointGeneration = checkpoint.Generation;
        _expectFirst = checkpoint.Last;
        _store = SegmentStore.OpenFrom(_storage, _options.Segments, new SegmentResume(checkpoint.FirstSegment, checkpoint.SealedLengths, checkpoint.Resume), Replay);
        if (_expectFirst is not null)
            throw new StaleCheckpointException($"the segments hold no record at {checkpoint.Resume}, the checkpoint's last entry");
    }

    /// <summary>One entry's key from the table, while opening from a checkpoint: rebuilds its author's state.</summary>
    private void OnLoadedKey(int number, int author, uint seq)
    {
        // By ordinal, not by key: hashing a 32-byte key for each of millions of entries was a third of opening.
        if ((uint)author >= (uint)_loadingChains.Length)
            Array.Resize(ref _loadingChains, Math.Max(author + 1, _loadingChains.Length * 2));
        var chain = _loadingChains[author];
        if (chain is null)
        {
            var id = _entries.AuthorAt(author);
            _authors[id] = chain = _loadingChains[author] = new AuthorChain(id, author);
        }
        chain.Count++;
        chain.MaxSeq = Math.Max(chain.MaxSeq, seq);
        var first = chain.BySeq[seq];
        if (first >= 0)
            RecordFork(chain, seq, _entries.HashOf(number), _entries.HashOf(first));
        else
            chain.BySeq.Set(seq, number);
    }

    /// <summary>A record read while opening: checked, then registered as durable.</summary>
    private void Replay(RecordPosition position, ReadOnlyMemory<byte> payload)
    {
        Entry entry;
        try
        {
            entry = EntryCodec.Decode(payload, _options.Limits);
        }
        catch (EntryRejectedException e)
        {
            throw new LogCorruptionException(_storage.Describe(SegmentHeader.FileName(position.Segment)), position.Offset, "stored entry does not decode: " + e.Message);
        }
        if (_expectFirst is { } expected)
        {
            if (entry.Hash != expected)
                throw new StaleCheckpointException($"{SegmentHeader.FileName(position.Segment)}@{position.Offset} holds {entry.Hash}, the checkpoint says {expected}");
            _expectFirst = null;
            return;
        }
        if (_entries.ContainsKey(entry.Hash))
            return; // a duplicate record (the same entry queued twice) is harmless
        foreach (var p in entry.Parents)
        {
            if (!_entries.ContainsKey(p))
                throw new LogCorruptionException(_storage.Describe(SegmentHeader.FileName(position.Segment)), position.Offset, $"entry {entry.Hash} names parent {p}, which is not stored before it");
        }
        Register(entry.Hash, entry.Author, entry.Seq, entry.Tx, entry.Time, entry.Parents is EntryHash[] array ? array : [.. entry.Parents], position, inFlight: null);
        _clock.Observe(entry.Time);
        _entries.FlushIfFull();
    }

    /// <summary>After the store is open: group commit reports here, and causal links already made are known.</summary>
    private void FinishOpen()
    {
        _store.GroupDurable = OnGroupDurable;
        // Causal links already made by our own entries need not be made again.
        if (_identity is not null && _authors.TryGetValue(_identity.Id, out var own))
        {
            foreach (var head in own.Heads)
            {
                foreach (var p in _entries.ParentsOf(_entries[head]))
                {
                    if (_entries[p].Author != _identity.Id && _authors.TryGetValue(_entries[p].Author, out var other) && other.Heads.Contains(p))
                        _linked.Add(p);
                }
            }
        }
    }

    /// <summary>
    /// Writes a checkpoint of everything settled, if that is a clean cut: nothing in flight and no
    /// holes (the heads are then those of the covered entries). Caller holds the gate.
    /// </summary>
    private void WriteCheckpoint()
    {
        if (_entries.Settled == 0 || _entries.InFlightCount > 0 || _entries.HasHoles || _entries.Settled != _entries.Count || _store.HasFailed)
            return;
        var heads = _authors.Values.SelectMany(a => a.Heads).Select(h => _entries.Find(h)).Order();
        var checkpoint = _entries.Seal(_checkpointGeneration + 1, _store.Layout(), _maxTime, heads);
        checkpoint.Write(_storage);
        _checkpointGeneration = checkpoint.Generation;
        _checkpointedEntries = checkpoint.Entries;
    }

    private void DisposeQuietly()
    {
        try
        {
            _store?.Dispose();
        }
        finally
        {
            _entries.Dispose();
        }
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
        var heads = new HashSet<int>();
        Span<int> parents = stackalloc int[256];
        lock (_gate)
        {
            if (count > _entries.DurableCount)
                throw new ArgumentOutOfRangeException(nameof(count), $"the log holds {_entries.DurableCount} durable entries, not {count}");
            var number = count == 0 ? 0 : _entries.NumberAt(0);
            for (var i = 0; i < count; i++, number++)
            {
                while (_entries.IsHole(number))
                    number++;
                var record = _entries.Record(number);
                var numbers = record.ParentCount <= parents.Length ? parents[..record.ParentCount] : new int[record.ParentCount];
                _entries.ParentNumbers(record.ParentStart, numbers);
                foreach (var p in numbers)
                    heads.Remove(p);
                heads.Add(number);
            }
            return [.. heads.Select(n => _entries.HashOf(n)).Order()];
        }
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
        var seen = new HashSet<int>();
        var stack = new Stack<int>();
        Span<int> parents = stackalloc int[256];
        lock (_gate)
        {
            foreach (var h in heads)
            {
                var number = _entries.Find(h);
                if (number < 0)
                    throw new KeyNotFoundException($"entry {h} is not held by this node");
                stack.Push(number);
            }
            while (stack.TryPop(out var n))
            {
                if (!seen.Add(n))
                    continue;
                var record = _entries.Record(n);
                result.Add(record.Hash, record.Tx);
                // Entry limits allow 256 parents by default; a log configured for more still walks them all.
                var numbers = record.ParentCount <= parents.Length ? parents[..record.ParentCount] : new int[record.ParentCount];
                _entries.ParentNumbers(record.ParentStart, numbers);
                foreach (var p in numbers)
                {
                    if (!seen.Contains(p))
                        stack.Push(p);
                }
            }
        }
        return result;
    }

    /// <summary>
    /// The transactions of every entry this log holds that is <em>not</em> reachable from
    /// <paramref name="heads"/>: the complement of <see cref="Ancestry"/>, which is what a view as of
    /// a frontier filters out. Its cost follows the entries stored after the frontier (or concurrent
    /// with it), not the length of the history.
    /// </summary>
    /// <remarks>
    /// Entries are visited in reverse store order (a topological order: a child before its parents).
    /// For an author whose entries form one chain (not forked), the ancestors among its entries are
    /// exactly those up to the highest sequence number known to be an ancestor, and every ancestor
    /// is known before the walk reaches it (its child is above it). Once the walk is below each such
    /// author's first entry past that number, everything left is an ancestor (with parents below it,
    /// so no number can rise), and it stops. A forked author is followed by its parent links instead,
    /// and keeps the walk going to the start (still exact).
    /// </remarks>
    /// <exception cref="KeyNotFoundException">A head is not held by this log.</exception>
    public IReadOnlySet<EntityId> OutsideAncestry(IEnumerable<EntryHash> heads)
    {
        ArgumentNullException.ThrowIfNull(heads);
        EntryHash[] key = [.. heads.Distinct().Order()];
        lock (_gate)
        {
            // The same frontier over the same entries has the same answer: a query repeated as of one
            // frontier (a dashboard, a subscription's client) walks once while nothing new arrives.
            foreach (var (cachedKey, count, cached) in _outsideCache)
            {
                if (count == _entries.Count && cachedKey.AsSpan().SequenceEqual(key))
                    return cached;
            }
            var result = WalkOutsideAncestry(key);
            if (_outsideCache.Count == OutsideCacheSize)
                _outsideCache.RemoveAt(0);
            _outsideCache.Add((key, _entries.Count, result));
            return result;
        }
    }

    // The last few answers of OutsideAncestry, by frontier, with the entry count they were worked out at.
    private const int OutsideCacheSize = 8;
    private readonly List<(EntryHash[] Heads, int Count, HashSet<EntityId> Outside)> _outsideCache = [];

    private HashSet<EntityId> WalkOutsideAncestry(EntryHash[] heads)
    {
        var outside = new HashSet<EntityId>();
        var needed = new HashSet<int>(); // ancestors of forked authors, by number
        Span<int> parents = stackalloc int[256];
        {
            var authors = _entries.AuthorCount;
            var chains = new AuthorChain?[authors];
            foreach (var chain in _authors.Values)
                chains[chain.Ordinal] = chain;
            var maxSeq = new ulong[authors];
            // Per author, the number of its first entry that is not (yet known to be) an ancestor; once
            // the walk is below every author's, it stops. int.MaxValue: none; 0: a forked author.
            var threshold = new int[authors];
            for (var a = 0; a < authors; a++)
                threshold[a] = Threshold(a);
            var stop = threshold.Length == 0 ? int.MaxValue : threshold.Min();

            foreach (var h in heads)
            {
                var number = _entries.Find(h);
                if (number < 0)
                    throw new KeyNotFoundException($"entry {h} is not held by this node");
                Known(number);
            }
            for (var n = _entries.Count - 1; n >= 0 && n >= stop; n--)
            {
                var record = _entries.Record(n);
                var forked = chains[record.Author]!.Forked;
                var ancestor = forked ? needed.Remove(n) : record.Seq <= maxSeq[record.Author];
                if (!ancestor)
                {
                    outside.Add(record.Tx);
                    continue;
                }
                var numbers = record.ParentCount <= parents.Length ? parents[..record.ParentCount] : new int[record.ParentCount];
                _entries.ParentNumbers(record.ParentStart, numbers);
                foreach (var p in numbers)
                    Known(p);
            }

            void Known(int number)
            {
                var r = _entries.Record(number);
                if (chains[r.Author]!.Forked)
                {
                    needed.Add(number);
                    return;
                }
                if (r.Seq <= maxSeq[r.Author])
                    return;
                maxSeq[r.Author] = r.Seq;
                var before = threshold[r.Author];
                threshold[r.Author] = Threshold(r.Author);
                if (before == stop)
                    stop = threshold.Min();
            }

            int Threshold(int author)
            {
                var chain = chains[author];
                if (chain is null)
                    return int.MaxValue; // no entries: nothing to wait for
                if (chain.Forked)
                    return 0; // never settled: walk to the start
                var next = chain.BySeq[maxSeq[author] + 1];
                return next < 0 ? int.MaxValue : next;
            }
        }
        return outside; // never changed after: callers share it through the cache
    }

    /// <summary>Durable entries, counted in store order: <see cref="EntriesFrom"/> takes positions in this count.</summary>
    public int DurableCount
    {
        get
        {
            lock (_gate)
                return _entries.DurableCount;
        }
    }

    /// <summary>Durable entries from the <paramref name="start"/>-th in store order (0-based), at most <paramref name="max"/>.</summary>
    public IReadOnlyList<Entry> EntriesFrom(int start, int max) => [.. HashesFrom(start, max).Select(h => Get(h)!)];

    /// <summary>The hashes of durable entries from the <paramref name="start"/>-th in store order, at most <paramref name="max"/>.</summary>
    public IReadOnlyList<EntryHash> HashesFrom(int start, int max)
    {
        lock (_gate)
        {
            var end = (int)Math.Min(_entries.DurableCount, (long)start + max);
            if (start >= end)
                return [];
            var result = new EntryHash[end - start];
            var number = _entries.NumberAt(start);
            for (var i = 0; i < result.Length; i++, number++)
            {
                while (_entries.IsHole(number))
                    number++;
                result[i] = _entries.HashOf(number);
            }
            return result;
        }
    }

    /// <summary>Stored entries in store order (a topological order), optionally one author's only.</summary>
    public IEnumerable<Entry> Entries(NodeId? author = null)
    {
        // The count is fixed at the first call, as a copy of the order was before; read in chunks so that
        // a long log is never held in memory.
        int end;
        lock (_gate)
            end = _entries.DurableCount;
        for (var start = 0; start < end; start += 4096)
        {
            foreach (var hash in HashesFrom(start, Math.Min(4096, end - start)))
            {
                if (author is { } only)
                {
                    lock (_gate)
                    {
                        if (_entries[hash].Author != only)
                            continue;
                    }
                }
                yield return Get(hash)!;
            }
        }
    }

    public void Dispose()
    {
        if (_store is null || Interlocked.Exchange(ref _disposed, 1) == 1)
            return;
        _store.Quiesce();
        try
        {
            lock (_gate)
            {
                if (_entries.Settled >= _options.CheckpointEntries && _entries.Settled > _checkpointedEntries)
                    WriteCheckpoint();
                // Only over a checkpoint of every entry: the image is then of exactly the tables it names.
                if (_checkpointedEntries == _entries.Settled)
                    _entries.WriteImageIfDue(_options.CheckpointEntries);
            }
        }
        catch (IOException)
        {
            // A checkpoint (and the image) is a cache: without this one the next open replays more, nothing is lost.
        }
        finally
        {
            _store.Dispose();
            _entries.Dispose();
        }
    }

    /// <summary>
    /// Adds an accepted entry to the log's state. Caller holds the gate (or is still opening).
    /// <paramref name="position"/> is given for entries already durable (while opening); otherwise
    /// the entry is in flight, on its way to the store as <paramref name="inFlight"/>, until its
    /// group is durable.
    /// </summary>
    private void Register(EntryHash hash, NodeId author, ulong seq, EntityId tx, HlcTimestamp time, ReadOnlySpan<EntryHash> parents, RecordPosition? position, Sequenced? inFlight)
    {
        // One NodeId instance per author, not one per entry.
        if (!_authors.TryGetValue(author, out var chain))
            _authors[author] = chain = new AuthorChain(author, _entries.OrdinalOf(author));
        // First, as before any other change: a duplicate throws here and leaves the state as it was.
        var number = _entries.Add(hash, chain.Ordinal, seq, tx, time, parents, position, inFlight);
        inFlight?.Number = number;
        if (time > _maxTime)
            _maxTime = time;

        chain.Count++;
        chain.MaxSeq = Math.Max(chain.MaxSeq, seq);
        foreach (var p in parents)
        {
            if (_entries[p].AuthorOrdinal == chain.Ordinal)
            {
                chain.Heads.Remove(p);
                // No longer a head: no entry of ours will consider linking it again.
                _linked.Remove(p);
            }
        }
        chain.Heads.Add(hash);

        // A fork with every entry already at this number: the set of pairs is then the same on every
        // node, whatever order a three-way (or wider) fork arrives in.
        var first = chain.BySeq[seq];
        if (first >= 0)
            _madeForks[number] = RecordFork(chain, seq, hash, _entries.HashOf(first));
        else
            chain.BySeq.Set(seq, number);
        if (position is not null)
            _madeForks.Remove(number); // durable already (opening): nothing left to report
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

    private sealed class AuthorChain(NodeId author, int ordinal)
    {
        public NodeId Author { get; } = author;

        /// <summary>The author's number in the entry table (<c>authors.tbl</c>).</summary>
        public int Ordinal { get; } = ordinal;

        public int Count { get; set; }

        public ulong MaxSeq { get; set; }

        /// <summary>Entries by this author that no entry by this author names as a parent.</summary>
        public HashSet<EntryHash> Heads { get; } = [];

        /// <summary>The number of the first entry seen at each sequence number.</summary>
        public SeqIndex BySeq { get; } = new();

        /// <summary>Entries after the first at a sequence number: forks only (no list per entry otherwise).</summary>
        public Dictionary<ulong, List<EntryHash>> MoreAtSeq { get; } = [];

        /// <summary>Some sequence number has more than one entry (see <see cref="BySeq"/>).</summary>
        public bool Forked { get; set; }
    }

    private sealed record ForkRecord(NodeId Author, ulong Seq, EntryHash First, EntryHash Second);
}

public sealed record AuthorSummary(NodeId Author, ulong MaxSeq, int Entries, IReadOnlyList<EntryHash> Heads);


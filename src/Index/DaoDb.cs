using Datom.Index.Query;
using Datom.Index.Storage;
using Datom.Index.Transactions;
using Datom.Index.Views;
using Datom.Log.Entries;
using Datom.Log;
using Datom.Log.Storage;

namespace Datom.Index;

/// <summary>
/// DaoDB on one node: the indexes of every entry the node's log holds, kept up to date as entries
/// arrive (own or from peers), readable as consistent snapshots while writes go on.
/// </summary>
/// <remarks>
/// The log is the source of truth and the index is derived: on open the index catches up with the
/// entries it has not applied, and an applier thread follows the log from then on. The applier pulls
/// (reads the log from the index's applied count) rather than trusting the events it is woken by, so
/// a catch-up can never race an event into applying an entry twice or skipping one.
/// </remarks>
public sealed class DaoDb : IDisposable
{
    public const string DirectoryName = "index";
    private const int BatchEntries = 1024;

    private readonly DatomLog _log;
    private readonly IndexStore _store;
    private readonly SemaphoreSlim _wake = new(0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _applier;
    private readonly Lock _progressGate = new();
    private readonly SemaphoreSlim _txGate = new(1, 1);
    private Exception? _failure;

    // The heads of the entries applied so far (changed under _progressGate): the frontier that a
    // subscription's result stands for. Worked out from the log at the first subscription (opening
    // a data directory reads no entry for it), then kept up to date as entries are applied.
    private FrontierTracker? _applied;

    // Entries indexed and published to subscribers: what WaitForAsync waits for, so that a caller who
    // waits and then stops listening cannot miss a change.
    private long _published;

    private DaoDb(DatomLog log, IndexStore store)
    {
        _log = log;
        _store = store;
        _applier = new Thread(ApplyLoop) { IsBackground = true, Name = "daodb-applier" };
    }

    /// <summary>Queries whose subscribers are told what each incoming entry changed.</summary>
    public SubscriptionHub Subscriptions { get; } = new();

    /// <summary>Raised on the applier thread after new entries are indexed, with the applied count.</summary>
    public event Action<long>? Applied;

    public IndexStore Store => _store;

    public long AppliedEntries => _store.AppliedEntries;

    /// <summary>Entries durable in the log and not yet indexed.</summary>
    public long Lag => Math.Max(0, _log.DurableCount - _store.AppliedEntries);

    public static DaoDb Open(string dataDirectory, DatomLog log, IndexStoreOptions? options = null) =>
        Open(new FileStorage(Path.Combine(dataDirectory, DirectoryName)), log, options);

    public static DaoDb Open(IStorage storage, DatomLog log, IndexStoreOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(log);
        var store = IndexStore.Open(storage, options);
        if (store.AppliedEntries > log.DurableCount)
        {
            store.Dispose();
            throw new InvalidOperationException($"the index covers {store.AppliedEntries} entries but the log holds {log.DurableCount}; run 'datom index rebuild'");
        }
        var db = new DaoDb(log, store);
        db.CatchUp();
        log.EntryStored += db.OnEntryStored;
        db._applier.Start();
        return db;
    }

    /// <summary>Rebuilds the index from the log into an empty store (the caller clears the directory).</summary>
    public static void Rebuild(IStorage emptyStorage, DatomLog log, IProgress<long>? progress = null, IndexStoreOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(log);
        using var store = IndexStore.Open(emptyStorage, options);
        if (store.AppliedEntries != 0)
            throw new InvalidOperationException("rebuild needs an empty index directory");
        long applied = 0;
        while (true)
        {
            var batch = log.EntriesFrom((int)applied, BatchEntries);
            if (batch.Count == 0)
                break;
            applied += batch.Count;
            store.Apply(batch, applied, ForksCompletedBy(log, batch));
            progress?.Report(applied);
        }
        store.Flush();
    }

    /// <summary>The database as it is now.</summary>
    public CurrentView Current() => new(_store.Snapshot());

    /// <summary>
    /// The database as of a frontier: exactly the entries reachable from these entry hashes. Every
    /// node that holds them gets the same view, whatever else it holds.
    /// </summary>
    /// <exception cref="KeyNotFoundException">This node does not hold one of the entries.</exception>
    public CurrentView AsOf(IEnumerable<Log.Model.EntryHash> frontier)
    {
        // The snapshot first: every entry it indexes is then among those the log walks.
        var snapshot = _store.Snapshot();
        var outside = _log.OutsideAncestry(frontier);
        return new CurrentView(snapshot, outside.Count == 0 ? null : op => !outside.Contains(op.Tx));
    }

    /// <summary>One branch: what is reachable from one head (an author's fork, say).</summary>
    public CurrentView Branch(Log.Model.EntryHash head) => AsOf([head]);

    /// <summary>The database as of a time: every operation stamped at or before it.</summary>
    public CurrentView AsOf(DateTimeOffset time)
    {
        var limit = time.ToUnixTimeMilliseconds();
        return new CurrentView(_store.Snapshot(), op => op.Time.UnixMilliseconds <= limit);
    }

    /// <summary>Only what was stated after a time (Datomic's since): operations stamped later.</summary>
    public CurrentView Since(DateTimeOffset time)
    {
        var limit = time.ToUnixTimeMilliseconds();
        return new CurrentView(_store.Snapshot(), op => op.Time.UnixMilliseconds > limit);
    }

    /// <summary>The competing values of cardinality-one attributes that concurrent branches left (a query source).</summary>
    public ConflictsView Conflicts() => new(_store.Snapshot());

    /// <summary>Every assertion and retraction with its transaction.</summary>
    public HistoryView History() => new(_store.Snapshot());

    /// <summary>
    /// The views of one snapshot limited to some operations, for combining time views with the
    /// history and conflicts views (<c>query --history --as-of H</c>): <paramref name="include"/>
    /// from <see cref="Reachable"/> or <see cref="StampedBy"/>.
    /// </summary>
    public (CurrentView Current, HistoryView History, ConflictsView Conflicts) Views(Func<Storage.DatomOp, bool>? include)
    {
        var snapshot = _store.Snapshot();
        var current = new CurrentView(snapshot, include);
        return (current, new HistoryView(snapshot, include), new ConflictsView(current));
    }

    /// <summary>Operations of the entries reachable from a frontier (as of it).</summary>
    /// <exception cref="KeyNotFoundException">This node does not hold one of the entries.</exception>
    public Func<Storage.DatomOp, bool> Reachable(IEnumerable<Log.Model.EntryHash> frontier)
    {
        var txs = _log.Ancestry(frontier).Values.ToHashSet();
        return op => txs.Contains(op.Tx);
    }

    /// <summary>Operations stamped at or before a time (as of it).</summary>
    public static Func<Storage.DatomOp, bool> StampedBy(DateTimeOffset time)
    {
        var limit = time.ToUnixTimeMilliseconds();
        return op => op.Time.UnixMilliseconds <= limit;
    }


    /// <summary>
    /// Transacts EDN transaction data: one log entry. Transactions are serial, and each is prepared
    /// against a view that includes every earlier one (read your writes); the result is returned once
    /// the entry is durable and indexed.
    /// </summary>
    /// <exception cref="TxDataException">The data is invalid against the database; nothing was written.</exception>
    public async Task<TxResult> TransactAsync(object? txData, CancellationToken cancellationToken = default)
    {
        // A transaction function runs inside a transaction; transacting from it would wait for the
        // gate its own transaction holds.
        if (InTxFunction.Value)
            throw new TxDataException("a transaction function cannot transact: it returns tx-data, which joins its own transaction");
        var ops = TxDataParser.Parse(txData);
        var calls = ops.Any(op => op is TxOp.Call);
        if (calls)
        {
            var first = ops.OfType<TxOp.Call>().First();
            var functions = TxFunctions ?? throw new TxDataException($"transaction function {first.Fn}: this database runs no transaction functions", first.Position);
            await functions.PrepareAsync(cancellationToken).ConfigureAwait(false);
        }
        await _txGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await WaitForAsync(_log.DurableCount, cancellationToken).ConfigureAwait(false);
            var before = Current();
            if (calls)
                ops = ExpandCalls(ops, before, 0, cancellationToken);
            var prepared = Transactor.Prepare(before, ops, _log.NewEntityId);
            var (entry, durable) = _log.BeginAppend(prepared.Datoms, prepared.Tx);
            await durable.ConfigureAwait(false);
            await WaitForAsync(_log.DurableCount, cancellationToken).ConfigureAwait(false);
            return new TxResult(entry, prepared, before, Current());
        }
        finally
        {
            _txGate.Release();
        }
    }

    /// <summary>Runs transaction functions (<c>[:my.ns/fn args…]</c>); null: tx-data that calls one is refused.</summary>
    public ITxFunctions? TxFunctions { get; set; }

    /// <summary>Transaction functions may return calls to others, up to this depth (a bound on runaway recursion).</summary>
    public const int MaxTxFunctionDepth = 8;

    private static readonly AsyncLocal<bool> InTxFunction = new();

    /// <summary>Replaces each call with the tx-data its function returns (which may call others), in place.</summary>
    private List<TxOp> ExpandCalls(IReadOnlyList<TxOp> ops, CurrentView db, int depth, CancellationToken cancellationToken)
    {
        var expanded = new List<TxOp>(ops.Count);
        foreach (var op in ops)
        {
            if (op is not TxOp.Call call)
            {
                expanded.Add(op);
                continue;
            }
            if (depth >= MaxTxFunctionDepth)
                throw new TxDataException($"transaction function {call.Fn}: transaction functions returned calls to transaction functions more than {MaxTxFunctionDepth} deep", call.Position);
            object? result;
            InTxFunction.Value = true;
            try
            {
                result = TxFunctions!.Invoke(call.Fn, call.Args, db, cancellationToken);
            }
            catch (TxDataException e) when (e.Position is null && call.Position is not null)
            {
                throw new TxDataException(e.Message, call.Position);
            }
            finally
            {
                InTxFunction.Value = false;
            }
            IReadOnlyList<TxOp> made;
            try
            {
                made = result is null ? [] : TxDataParser.Parse(result);
            }
            catch (TxDataException e)
            {
                throw new TxDataException($"transaction function {call.Fn} returned bad tx-data: {e.Message}", call.Position);
            }
            // What the function made is reported where it was called (its own text has no place in the input).
            expanded.AddRange(ExpandCalls([.. made.Select(m => CalledAt(m, call.Position))], db, depth + 1, cancellationToken));
        }
        return expanded;
    }

    private static TxOp CalledAt(TxOp op, Log.Edn.SourcePosition? at) => op switch
    {
        TxOp.Assert a => a with { At = at, Position = at },
        TxOp.RetractEntity r => r with { At = at, Position = at },
        TxOp.Cas c => c with { At = at, Position = at },
        TxOp.Call c => c with { At = at, Position = at },
        _ => op,
    };

    /// <summary>Waits until the index holds at least <paramref name="entries"/> log entries.</summary>
    public async Task WaitForAsync(long entries, CancellationToken cancellationToken = default)
    {
        while (Interlocked.Read(ref _published) < entries)
        {
            if (_failure is not null)
                throw new InvalidOperationException("the index stopped: " + _failure.Message, _failure);
            var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            void OnApplied(long n) => tcs.TrySetResult();
            Applied += OnApplied;
            try
            {
                if (Interlocked.Read(ref _published) >= entries)
                    break;
                await tcs.Task.WaitAsync(TimeSpan.FromMilliseconds(200), cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
            }
            finally
            {
                Applied -= OnApplied;
            }
        }
    }

    // Entries the log handed over as they became durable, kept until indexed so that the applier
    // need not read and decode them again. Bounded: beyond it, the applier reads from the log.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Log.Model.EntryHash, Entry> _handedOver = new();
    private const int MaxHandedOver = 16_384;

    private void OnEntryStored(Entry entry)
    {
        if (_handedOver.Count < MaxHandedOver)
            _handedOver.TryAdd(entry.Hash, entry);
        _wake.Release();
    }

    /// <summary>The next entries to index, in store order: handed over ones from memory, the rest from the log.</summary>
    private List<Entry> NextBatch(long applied)
    {
        var hashes = _log.HashesFrom((int)applied, BatchEntries);
        var batch = new List<Entry>(hashes.Count);
        foreach (var h in hashes)
            batch.Add(_handedOver.TryRemove(h, out var e) ? e : _log.Get(h)!);
        return batch;
    }

    /// <summary>Indexes what the log holds and the index does not, synchronously.</summary>
    public void CatchUp()
    {
        lock (_progressGate)
        {
            while (true)
            {
                var applied = _store.AppliedEntries;
                var batch = NextBatch(applied);
                if (batch.Count == 0)
                {
                    Interlocked.Exchange(ref _published, applied);
                    return;
                }
                _store.Apply(batch, applied + batch.Count, ForksCompletedBy(_log, batch));
                if (Subscriptions.Count > 0)
                    Subscriptions.OnApplied(batch, _store.Snapshot(), (_applied ??= new FrontierTracker(_log.FrontierOf((int)applied))).Copy(), BranchNamer());
                if (_applied is not null)
                {
                    foreach (var entry in batch)
                        _applied.Advance(entry);
                }
                Interlocked.Exchange(ref _published, applied + batch.Count);
                Applied?.Invoke(applied + batch.Count);
            }
        }
    }

    /// <summary>
    /// Subscribes to a query's result: <paramref name="onStart"/> is told the result and the frontier it
    /// stands for, then <paramref name="onChange"/> each change as entries are indexed. With
    /// <paramref name="from"/> (a frontier a subscriber printed before), the start is the result at
    /// that frontier and every change since is reported first, in store order; so a subscriber that
    /// resumes from the last frontier it saw misses nothing and sees nothing twice. Nothing is indexed
    /// while this runs, so no entry falls between the start and the live changes.
    /// </summary>
    /// <exception cref="KeyNotFoundException">This node does not hold an entry of <paramref name="from"/>.</exception>
    public IDisposable Subscribe(Func<IDatomView, IEnumerable<IReadOnlyList<object?>>> evaluate, IReadOnlySet<string>? attributes,
        IReadOnlyCollection<Log.Model.EntryHash>? from, Action<SubscriptionStart> onStart, Action<SubscriptionChange> onChange,
        Action<Exception>? onEnded = null)
    {
        ArgumentNullException.ThrowIfNull(evaluate);
        ArgumentNullException.ThrowIfNull(onStart);
        ArgumentNullException.ThrowIfNull(onChange);
        HashSet<IReadOnlyList<object?>> Evaluate(IDatomView view) => new(evaluate(view), RowComparer.Instance);
        lock (_progressGate)
        {
            if (_failure is not null)
                throw new InvalidOperationException("the index stopped: " + _failure.Message, _failure);
            if (from is null)
            {
                _applied ??= new FrontierTracker(_log.FrontierOf((int)_store.AppliedEntries));
                onStart(new SubscriptionStart([.. Evaluate(Current())], _applied.Heads()));
            }
            else
            {
                var ancestry = _log.Ancestry(from);
                var txs = ancestry.Values.ToHashSet();
                var snapshot = _store.Snapshot();
                var before = Evaluate(new CurrentView(snapshot, op => txs.Contains(op.Tx)));
                onStart(new SubscriptionStart([.. before], [.. from.Distinct().Order()]));
                // What the index holds beyond the frontier, entry by entry in store order.
                var filter = new SubscriptionFilter(attributes);
                var frontier = new FrontierTracker(from);
                var branchOf = BranchNamer();
                var applied = (int)_store.AppliedEntries;
                for (var start = 0; start < applied; start += BatchEntries)
                {
                    foreach (var hash in _log.HashesFrom(start, Math.Min(BatchEntries, applied - start)))
                    {
                        if (ancestry.ContainsKey(hash))
                            continue;
                        var entry = _log.Get(hash)!;
                        txs.Add(entry.Tx);
                        frontier.Advance(entry);
                        // A unique value that collided can merge entities, which changes any result.
                        if (!filter.Touches(entry) && snapshot.UniqueCandidates.IsEmpty)
                            continue;
                        var after = Evaluate(new CurrentView(snapshot, op => txs.Contains(op.Tx)));
                        if (SubscriptionHub.Change(entry, before, after, frontier.Heads(), branchOf) is { } change)
                            onChange(change);
                        before = after;
                    }
                }
            }
            return Subscriptions.Subscribe(evaluate, attributes, onChange, onEnded);
        }
    }

    /// <summary>
    /// Names the branch an entry is on: its author, or, for an author that has forked, the author and
    /// the first entry of the branch (the entry at a fork's sequence number that this entry descends
    /// from through its author's own parents). A merge (an entry with two parents of its own author)
    /// joins the branches again under the author's name.
    /// </summary>
    private Func<Entry, string> BranchNamer()
    {
        var roots = new Dictionary<Log.Identity.NodeId, HashSet<Log.Model.EntryHash>>();
        foreach (var fork in _log.Forks())
        {
            if (!roots.TryGetValue(fork.Author, out var set))
                roots[fork.Author] = set = [];
            set.Add(fork.First.Hash);
            set.Add(fork.Second.Hash);
        }
        return entry =>
        {
            var author = entry.Author.ToString();
            if (!roots.TryGetValue(entry.Author, out var forkRoots))
                return author;
            for (var e = entry; e is not null;)
            {
                if (forkRoots.Contains(e.Hash))
                    return $"{author}@{e.Hash.ToString()[..16]}";
                Entry? own = null;
                var ownParents = 0;
                foreach (var p in e.Parents)
                {
                    if (_log.Get(p) is { } parent && parent.Author == entry.Author)
                    {
                        own = parent;
                        ownParents++;
                    }
                }
                if (ownParents != 1)
                    return author; // the author's first entry, or a merge
                e = own;
            }
            return author;
        };
    }

    /// <summary>The forks whose second entry (in store order) is in this batch: recorded once, when complete.</summary>
    private static IEnumerable<Log.ForkProof> ForksCompletedBy(DatomLog log, IReadOnlyList<Log.Entries.Entry> batch)
    {
        var hashes = batch.Select(e => e.Hash).ToHashSet();
        return [.. log.Forks().Where(f => hashes.Contains(f.Second.Hash))];
    }

    private void ApplyLoop()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                _wake.Wait(_stop.Token);
                // Coalesce a burst of wake-ups into one catch-up.
                while (_wake.CurrentCount > 0)
                    _wake.Wait(0);
                CatchUp();
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e)
        {
            _failure = e;
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _applier.Join();
        try
        {
            CatchUp();
            _store.Flush();
        }
        finally
        {
            _store.Dispose();
            _stop.Dispose();
            _wake.Dispose();
            _txGate.Dispose();
        }
    }
}

/// <summary>What a transaction did: its entry, its datoms and tempids, and the database before and after.</summary>
public sealed record TxResult(Entry Entry, PreparedTx Tx, CurrentView Before, CurrentView After);

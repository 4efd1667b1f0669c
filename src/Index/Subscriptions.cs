using Datom.Index.Query;
using Datom.Index.Storage;
using Datom.Index.Views;
using Datom.Log.Edn;
using Datom.Log.Entries;
using Datom.Log.Model;

namespace Datom.Index;

/// <summary>What one entry changed in a subscription's result.</summary>
/// <param name="Branch">
/// The author's log, or, when that author has forked, the branch the entry is on: the author and
/// the first entry of that branch (<c>AUTHOR@HASH16</c>). Every entry of one branch carries the same
/// name, so a subscriber can group by it.
/// </param>
/// <param name="Frontier">The frontier just after this entry: a subscriber that resumes from it misses nothing and sees nothing twice.</param>
public sealed record SubscriptionChange(Entry Entry, string Author, EntryHash Hash, string Branch, IReadOnlyList<EntryHash> Frontier,
    IReadOnlyList<IReadOnlyList<object?>> Added, IReadOnlyList<IReadOnlyList<object?>> Removed);

/// <summary>A subscription's starting point: the result at <paramref name="Frontier"/>, before any change is reported.</summary>
public sealed record SubscriptionStart(IReadOnlyList<IReadOnlyList<object?>> Result, IReadOnlyList<EntryHash> Frontier);

/// <summary>
/// Subscriptions: a query over the database, re-evaluated as entries are indexed; the subscriber is
/// told, entry by entry in store order, which result tuples each entry added and removed.
/// </summary>
/// <remarks>
/// Exactness over cleverness: for each entry that can matter (<see cref="SubscriptionFilter"/>), the
/// result just before and just after that entry are computed on views that differ by exactly that
/// entry, and their difference is reported. So no change is missed and none is reported twice,
/// whatever the batch sizes. Subscribers run on the index's applier thread and must be quick. A
/// subscriber that throws is not skipped past: its subscription ends, and its end callback gets the
/// exception, so that it can resume from the last frontier it handled (<see cref="DaoDb.Subscribe"/>
/// with <c>from</c>) and miss nothing.
/// </remarks>
public sealed class SubscriptionHub
{
    private readonly Lock _gate = new();
    private readonly List<Subscription> _subscriptions = [];
    private long _failures;

    public int Count
    {
        get
        {
            lock (_gate)
                return _subscriptions.Count;
        }
    }

    /// <summary>Callbacks that threw, each of which ended its subscription.</summary>
    public long Failures => Interlocked.Read(ref _failures);

    /// <param name="evaluate">The query: a view in, the result tuples out.</param>
    /// <param name="attributes">The attributes (keyword text without the colon) the query reads, or null for any.</param>
    /// <param name="onEnded">Told why the subscription ended, when it ends other than by being disposed.</param>
    public IDisposable Subscribe(Func<IDatomView, IEnumerable<IReadOnlyList<object?>>> evaluate, IReadOnlySet<string>? attributes,
        Action<SubscriptionChange> onChange, Action<Exception>? onEnded = null)
    {
        ArgumentNullException.ThrowIfNull(evaluate);
        ArgumentNullException.ThrowIfNull(onChange);
        var s = new Subscription(this, evaluate, new SubscriptionFilter(attributes), onChange, onEnded);
        lock (_gate)
            _subscriptions.Add(s);
        return s;
    }

    /// <summary>
    /// Called after a batch of entries is applied: <paramref name="snapshot"/> includes them all, and
    /// <paramref name="frontier"/> is the frontier just before the batch (advanced here, entry by entry).
    /// </summary>
    internal void OnApplied(IReadOnlyList<Entry> batch, IndexSnapshot snapshot, FrontierTracker frontier, Func<Entry, string> branchOf)
    {
        Subscription[] subscriptions;
        lock (_gate)
            subscriptions = [.. _subscriptions];
        if (subscriptions.Length == 0 || batch.Count == 0)
            return;

        // The frontier after each entry of the batch, computed once for every subscriber.
        var after = new IReadOnlyList<EntryHash>[batch.Count];
        for (var i = 0; i < batch.Count; i++)
        {
            frontier.Advance(batch[i]);
            after[i] = frontier.Heads();
        }
        // An entry that states a unique value can merge entities (UniqueMerge) and so change any
        // query's answer, whatever attributes it reads. Only where a unique value has collided.
        var merging = new HashSet<int>();
        if (!snapshot.UniqueCandidates.IsEmpty)
        {
            var schema = new CurrentView(snapshot);
            var unique = new Dictionary<string, bool>(StringComparer.Ordinal);
            for (var i = 0; i < batch.Count; i++)
            {
                foreach (var d in batch[i].Datoms)
                {
                    if (!unique.TryGetValue(d.A, out var u))
                        unique[d.A] = u = schema.Attribute(Keyword.Parse(d.A)) is { Unique: not Schema.Uniqueness.None };
                    if (u)
                    {
                        merging.Add(i);
                        break;
                    }
                }
            }
        }
        foreach (var s in subscriptions)
        {
            var relevant = Enumerable.Range(0, batch.Count).Where(i => merging.Contains(i) || s.Filter.Touches(batch[i])).ToList();
            if (relevant.Count == 0)
                continue;
            // The view just before entry k hides the transactions of entries k.. of this batch.
            CurrentView Before(int k)
            {
                var hidden = batch.Skip(k).Select(e => e.Tx).ToHashSet();
                return new CurrentView(snapshot, op => !hidden.Contains(op.Tx));
            }
            try
            {
                var before = s.Evaluate(Before(relevant[0]));
                foreach (var k in relevant)
                {
                    var now = s.Evaluate(k + 1 < batch.Count ? Before(k + 1) : new CurrentView(snapshot));
                    if (!s.Deliver(batch[k], before, now, after[k], branchOf))
                        break;
                    before = now;
                }
            }
            catch (Exception e)
            {
                // The query itself failed on the new data (a limit, an attribute retracted from the
                // schema): that subscription ends with the reason; indexing and the others go on.
                Failed(s, e);
            }
        }
    }

    private void Failed(Subscription s, Exception e)
    {
        Interlocked.Increment(ref _failures);
        Remove(s);
        try
        {
            s.OnEnded?.Invoke(e);
        }
        catch (Exception)
        {
            // The end callback is the subscriber's last word; it cannot take the applier down.
        }
    }

    private void Remove(Subscription s)
    {
        lock (_gate)
            _subscriptions.Remove(s);
    }

    /// <summary>The difference between two results as one change, or null when they are equal.</summary>
    internal static SubscriptionChange? Change(Entry entry, HashSet<IReadOnlyList<object?>> before, HashSet<IReadOnlyList<object?>> after,
        IReadOnlyList<EntryHash> frontier, Func<Entry, string> branchOf)
    {
        var added = after.Where(t => !before.Contains(t)).ToList();
        var removed = before.Where(t => !after.Contains(t)).ToList();
        if (added.Count == 0 && removed.Count == 0)
            return null;
        return new SubscriptionChange(entry, entry.Author.ToString(), entry.Hash, branchOf(entry), frontier, added, removed);
    }

    private sealed class Subscription(SubscriptionHub hub, Func<IDatomView, IEnumerable<IReadOnlyList<object?>>> evaluate, SubscriptionFilter filter,
        Action<SubscriptionChange> onChange, Action<Exception>? onEnded) : IDisposable
    {
        public SubscriptionFilter Filter { get; } = filter;

        public Action<Exception>? OnEnded { get; } = onEnded;

        public HashSet<IReadOnlyList<object?>> Evaluate(IDatomView view) => new(evaluate(view), RowComparer.Instance);

        /// <summary>Tells the subscriber what <paramref name="entry"/> changed; false once the subscription has ended.</summary>
        public bool Deliver(Entry entry, HashSet<IReadOnlyList<object?>> before, HashSet<IReadOnlyList<object?>> after,
            IReadOnlyList<EntryHash> frontier, Func<Entry, string> branchOf)
        {
            if (Change(entry, before, after, frontier, branchOf) is not { } change)
                return true;
            try
            {
                onChange(change);
                return true;
            }
            catch (Exception e)
            {
                hub.Failed(this, e);
                return false;
            }
        }

        public void Dispose() => hub.Remove(this);
    }
}

/// <summary>
/// Which entries can change a query's result: those that state a datom of an attribute the query
/// reads. Two kinds of change reach a result without such a datom, so they always count: facts the
/// index derives for every entry (<c>:tx/*</c>) or for a fork (<c>:fork/*</c>), when the query reads
/// them; and schema changes (<c>:db/*</c> datoms), which change how every value is read.
/// </summary>
internal sealed class SubscriptionFilter(IReadOnlySet<string>? attributes)
{
    private readonly bool _readsDerived = attributes is not null && attributes.Any(a => a.StartsWith("tx/", StringComparison.Ordinal) || a.StartsWith("fork/", StringComparison.Ordinal));

    public bool Touches(Entry entry)
    {
        if (attributes is null || _readsDerived)
            return true;
        foreach (var d in entry.Datoms)
        {
            if (attributes.Contains(d.A) || d.A.StartsWith("db/", StringComparison.Ordinal) || d.A.StartsWith("db.", StringComparison.Ordinal))
                return true;
        }
        return false;
    }
}

/// <summary>
/// The heads of a growing set of entries added in a topological order (parents first): adding an
/// entry retires its parents and makes it a head. The heads reach exactly the entries added.
/// </summary>
internal sealed class FrontierTracker(IEnumerable<EntryHash> heads)
{
    private readonly HashSet<EntryHash> _heads = [.. heads];

    public void Advance(Entry entry)
    {
        foreach (var p in entry.Parents)
            _heads.Remove(p);
        _heads.Add(entry.Hash);
    }

    public IReadOnlyList<EntryHash> Heads() => [.. _heads.Order()];

    public FrontierTracker Copy() => new(_heads);
}

/// <summary>Structural equality of result tuples.</summary>
public sealed class RowComparer : IEqualityComparer<IReadOnlyList<object?>>
{
    public static readonly RowComparer Instance = new();

    public bool Equals(IReadOnlyList<object?>? x, IReadOnlyList<object?>? y)
    {
        if (ReferenceEquals(x, y))
            return true;
        if (x is null || y is null || x.Count != y.Count)
            return false;
        for (var i = 0; i < x.Count; i++)
        {
            if (!Datom.Log.Edn.EdnEquality.Instance.Equals(x[i], y[i]) && !Equals(x[i], y[i]))
                return false;
        }
        return true;
    }

    public int GetHashCode(IReadOnlyList<object?> obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        var h = new HashCode();
        foreach (var v in obj)
            h.Add(v is null ? 0 : v.GetHashCode());
        return h.ToHashCode();
    }
}

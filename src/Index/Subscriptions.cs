using Datom.Index.Query;
using Datom.Index.Storage;
using Datom.Index.Views;
using Datom.Log.Edn;
using Datom.Log.Entries;
using Datom.Log.Model;

namespace Datom.Index;

/// <summary>What one entry changed in a subscription's result.</summary>
/// <param name="Branch">The author's log, or, when that author has forked, the branch the entry is on (the author and the entry's hash).</param>
public sealed record SubscriptionChange(Entry Entry, string Author, EntryHash Hash, string Branch,
    IReadOnlyList<IReadOnlyList<object?>> Added, IReadOnlyList<IReadOnlyList<object?>> Removed);

/// <summary>
/// Subscriptions: a query over the database, re-evaluated as entries are indexed; the subscriber is
/// told, entry by entry in store order, which result tuples each entry added and removed.
/// </summary>
/// <remarks>
/// Exactness over cleverness: for each entry that can matter (it states a datom whose attribute the
/// query names, or the query names none), the result just before and just after that entry are
/// computed on views that differ by exactly that entry, and their difference is reported. So no
/// change is missed and none is reported twice, whatever the batch sizes. Subscribers run on the
/// index's applier thread and must be quick; an exception from one is caught and counted.
/// </remarks>
public sealed class SubscriptionHub
{
    private readonly Lock _gate = new();
    private readonly List<Subscription> _subscriptions = [];

    public int Count
    {
        get
        {
            lock (_gate)
                return _subscriptions.Count;
        }
    }

    /// <summary>Callbacks that threw (they are isolated from each other and from indexing).</summary>
    public long Failures => Interlocked.Read(ref _failures);

    private long _failures;

    /// <param name="evaluate">The query: a view in, the result tuples out.</param>
    /// <param name="attributes">The attributes (keyword text without the colon) the query reads, or null for any.</param>
    public IDisposable Subscribe(Func<IDatomView, IEnumerable<IReadOnlyList<object?>>> evaluate, IReadOnlySet<string>? attributes, Action<SubscriptionChange> onChange)
    {
        ArgumentNullException.ThrowIfNull(evaluate);
        ArgumentNullException.ThrowIfNull(onChange);
        var s = new Subscription(this, evaluate, attributes, onChange);
        lock (_gate)
            _subscriptions.Add(s);
        return s;
    }

    /// <summary>Called after a batch of entries is applied: <paramref name="snapshot"/> includes them all.</summary>
    internal void OnApplied(IReadOnlyList<Entry> batch, IndexSnapshot snapshot, Func<Entry, bool> forked)
    {
        Subscription[] subscriptions;
        lock (_gate)
            subscriptions = [.. _subscriptions];
        if (subscriptions.Length == 0 || batch.Count == 0)
            return;

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
            var relevant = Enumerable.Range(0, batch.Count).Where(i => merging.Contains(i) || s.Touches(batch[i])).ToList();
            if (relevant.Count == 0)
                continue;
            // The view just before entry k hides the transactions of entries k.. of this batch.
            CurrentView Before(int k)
            {
                var hidden = batch.Skip(k).Select(e => e.Tx).ToHashSet();
                return new CurrentView(snapshot, op => !hidden.Contains(op.Tx));
            }
            var before = s.Evaluate(Before(relevant[0]));
            foreach (var k in relevant)
            {
                var after = s.Evaluate(k + 1 < batch.Count ? Before(k + 1) : new CurrentView(snapshot));
                var added = after.Where(t => !before.Contains(t)).ToList();
                var removed = before.Where(t => !after.Contains(t)).ToList();
                if (added.Count > 0 || removed.Count > 0)
                {
                    var entry = batch[k];
                    var author = entry.Author.ToString();
                    var branch = forked(entry) ? $"{author}@{entry.Hash.ToString()[..16]}" : author;
                    try
                    {
                        s.OnChange(new SubscriptionChange(entry, author, entry.Hash, branch, added, removed));
                    }
                    catch (Exception)
                    {
                        Interlocked.Increment(ref _failures);
                    }
                }
                before = after;
            }
        }
    }

    private void Remove(Subscription s)
    {
        lock (_gate)
            _subscriptions.Remove(s);
    }

    private sealed class Subscription(SubscriptionHub hub, Func<IDatomView, IEnumerable<IReadOnlyList<object?>>> evaluate, IReadOnlySet<string>? attributes, Action<SubscriptionChange> onChange) : IDisposable
    {
        public Action<SubscriptionChange> OnChange { get; } = onChange;

        public bool Touches(Entry entry) => attributes is null || entry.Datoms.Any(d => attributes.Contains(d.A));

        public HashSet<IReadOnlyList<object?>> Evaluate(IDatomView view) => new(evaluate(view), RowComparer.Instance);

        public void Dispose() => hub.Remove(this);
    }
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

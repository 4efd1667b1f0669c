using System.Collections;
using System.Collections.Immutable;

namespace Datom.Vm.Machine;

/// <summary>
/// The entries of a Yin map, persistent, in the order Clojure iterates (and so prints, seqs,
/// reduces) the same map:
/// <list type="bullet">
/// <item>an <b>array map</b> (Clojure's <c>PersistentArrayMap</c>) while it has at most
/// <see cref="ArrayMapMax"/> entries and was built from <c>{}</c> (a literal, <c>assoc</c>,
/// <c>into</c>, <c>zipmap</c>, <c>frequencies</c>...): insertion order, a replaced value keeps its
/// place, a removal closes the gap;</item>
/// <item>a <b>hash map</b> (<c>PersistentHashMap</c>) once it grows past that, or when made by
/// <c>hash-map</c>: the order of Clojure's hash array mapped trie over <see cref="ClojureHash"/>'s
/// hashes (<see cref="ClojureHash.TrieOrder"/>; keys of one hash, a collision node, in insertion
/// order, nil first). It stays a hash map when it shrinks, as Clojure's does;</item>
/// <item>a <b>sorted map</b> (<c>sorted-map</c>, <c>sorted-map-by</c>): its comparator's order.</item>
/// </list>
/// The hash form keeps one bucket per trie position in a balanced tree, so every operation is
/// O(log n), as the trie's are.
/// </summary>
internal sealed class MapEntries : IEnumerable<KeyValuePair<Val, Val>>
{
    /// <summary>PersistentArrayMap.HASHTABLE_THRESHOLD is 16 array slots: 8 entries.</summary>
    public const int ArrayMapMax = 8;

    private static readonly ImmutableSortedDictionary<uint, KeyValuePair<Val, Val>[]> NoBuckets = ImmutableSortedDictionary<uint, KeyValuePair<Val, Val>[]>.Empty;

    public static readonly MapEntries Empty = new(Array.Empty<KeyValuePair<Val, Val>>());

    /// <summary>An empty hash map (what <c>hash-map</c> builds on).</summary>
    public static readonly MapEntries EmptyHash = new(NoBuckets, 0);

    private readonly KeyValuePair<Val, Val>[]? _array;
    private readonly ImmutableSortedDictionary<uint, KeyValuePair<Val, Val>[]>? _hash;
    private readonly ImmutableSortedDictionary<Val, Val>? _sorted;
    private readonly int _count;

    private MapEntries(KeyValuePair<Val, Val>[] array)
    {
        _array = array;
        _count = array.Length;
    }

    private MapEntries(ImmutableSortedDictionary<uint, KeyValuePair<Val, Val>[]> hash, int count)
    {
        _hash = hash;
        _count = count;
    }

    private MapEntries(ImmutableSortedDictionary<Val, Val> sorted)
    {
        _sorted = sorted;
        _count = sorted.Count;
    }

    /// <summary>An empty sorted map in <paramref name="order"/>.</summary>
    public static MapEntries Sorted(IComparer<Val> order) => new(ImmutableSortedDictionary.Create<Val, Val>(order));

    public int Count => _count;

    public bool IsSorted => _sorted is not null;

    public bool IsHash => _hash is not null;

    /// <summary>A sorted map's comparator (null for the others).</summary>
    public IComparer<Val>? Comparer => _sorted?.KeyComparer;

    public IEnumerable<Val> Keys => this.Select(kv => kv.Key);

    public IEnumerable<Val> Values => this.Select(kv => kv.Value);

    /// <summary>The same entries, emptied: what <c>empty</c> gives (a hash map stays one, as in Clojure).</summary>
    public MapEntries Clear() => _sorted is not null ? new MapEntries(_sorted.Clear()) : _hash is not null ? EmptyHash : Empty;

    public bool ContainsKey(Val key) => TryGetValue(key, out _);

    public bool TryGetValue(Val key, out Val value)
    {
        if (_sorted is not null)
            return _sorted.TryGetValue(key, out value);
        if (_array is not null)
        {
            var i = IndexOf(_array, key);
            value = i >= 0 ? _array[i].Value : Val.Nil;
            return i >= 0;
        }
        if (_hash!.TryGetValue(ClojureHash.TrieOrder(ClojureHash.Hasheq(key)), out var bucket))
        {
            var i = IndexOf(bucket, key);
            value = i >= 0 ? bucket[i].Value : Val.Nil;
            return i >= 0;
        }
        value = Val.Nil;
        return false;
    }

    public MapEntries SetItem(Val key, Val value)
    {
        if (_sorted is not null)
            return new MapEntries(_sorted.SetItem(key, value));
        if (_array is not null)
        {
            var i = IndexOf(_array, key);
            if (i >= 0)
            {
                var copy = (KeyValuePair<Val, Val>[])_array.Clone();
                copy[i] = new(_array[i].Key, value);
                return new MapEntries(copy);
            }
            if (_array.Length < ArrayMapMax)
                return new MapEntries([.. _array, new(key, value)]);
            var grown = EmptyHash;
            foreach (var kv in _array)
                grown = grown.SetItem(kv.Key, kv.Value);
            return grown.SetItem(key, value);
        }
        var slot = ClojureHash.TrieOrder(ClojureHash.Hasheq(key));
        if (!_hash!.TryGetValue(slot, out var bucket))
            return new MapEntries(_hash.Add(slot, [new(key, value)]), _count + 1);
        var at = IndexOf(bucket, key);
        if (at >= 0)
        {
            var copy = (KeyValuePair<Val, Val>[])bucket.Clone();
            copy[at] = new(bucket[at].Key, value);
            return new MapEntries(_hash.SetItem(slot, copy), _count);
        }
        // A collision node: keys of one hash in insertion order, except that the trie keeps nil apart and yields it first.
        KeyValuePair<Val, Val>[] added = key.IsNil ? [new(key, value), .. bucket] : [.. bucket, new(key, value)];
        return new MapEntries(_hash.SetItem(slot, added), _count + 1);
    }

    public MapEntries SetItems(IEnumerable<KeyValuePair<Val, Val>> entries)
    {
        var map = this;
        foreach (var kv in entries)
            map = map.SetItem(kv.Key, kv.Value);
        return map;
    }

    public MapEntries Remove(Val key)
    {
        if (_sorted is not null)
            return new MapEntries(_sorted.Remove(key));
        if (_array is not null)
        {
            var i = IndexOf(_array, key);
            return i < 0 ? this : new MapEntries([.. _array.AsSpan(0, i), .. _array.AsSpan(i + 1)]);
        }
        var slot = ClojureHash.TrieOrder(ClojureHash.Hasheq(key));
        if (!_hash!.TryGetValue(slot, out var bucket))
            return this;
        var at = IndexOf(bucket, key);
        if (at < 0)
            return this;
        return bucket.Length == 1
            ? new MapEntries(_hash.Remove(slot), _count - 1)
            : new MapEntries(_hash.SetItem(slot, [.. bucket.AsSpan(0, at), .. bucket.AsSpan(at + 1)]), _count - 1);
    }

    public IEnumerator<KeyValuePair<Val, Val>> GetEnumerator()
    {
        if (_sorted is not null)
        {
            foreach (var kv in _sorted)
                yield return kv;
        }
        else if (_array is not null)
        {
            foreach (var kv in _array)
                yield return kv;
        }
        else
        {
            foreach (var bucket in _hash!.Values)
            {
                foreach (var kv in bucket)
                    yield return kv;
            }
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private static int IndexOf(KeyValuePair<Val, Val>[] entries, Val key)
    {
        for (var i = 0; i < entries.Length; i++)
        {
            if (ValComparer.Equal(entries[i].Key, key))
                return i;
        }
        return -1;
    }
}

/// <summary>
/// The items of a Yin set, persistent: Clojure's <c>PersistentHashSet</c> order (a set literal,
/// <c>set</c>, <c>hash-set</c>, <c>conj</c>, <c>into #{}</c>: there is no array set), which is the
/// trie order of <see cref="MapEntries"/>'s hash form; or a sorted set's comparator order.
/// </summary>
internal sealed class SetEntries : IEnumerable<Val>
{
    public static readonly SetEntries Empty = new(ImmutableSortedDictionary<uint, Val[]>.Empty, 0);

    private readonly ImmutableSortedDictionary<uint, Val[]>? _hash;
    private readonly ImmutableSortedSet<Val>? _sorted;
    private readonly int _count;

    private SetEntries(ImmutableSortedDictionary<uint, Val[]> hash, int count)
    {
        _hash = hash;
        _count = count;
    }

    private SetEntries(ImmutableSortedSet<Val> sorted)
    {
        _sorted = sorted;
        _count = sorted.Count;
    }

    public static SetEntries Sorted(IComparer<Val> order) => new(ImmutableSortedSet.Create(order));

    public static SetEntries Of(IEnumerable<Val> items) => Empty.Union(items);

    public int Count => _count;

    public bool IsSorted => _sorted is not null;

    public IComparer<Val>? Comparer => _sorted?.KeyComparer;

    public SetEntries Clear() => _sorted is not null ? new SetEntries(_sorted.Clear()) : Empty;

    public bool Contains(Val item)
    {
        if (_sorted is not null)
            return _sorted.Contains(item);
        return _hash!.TryGetValue(ClojureHash.TrieOrder(ClojureHash.Hasheq(item)), out var bucket) && IndexOf(bucket, item) >= 0;
    }

    /// <summary>Adds an item; one already there (by <c>=</c>) stays as it was.</summary>
    public SetEntries Add(Val item)
    {
        if (_sorted is not null)
            return new SetEntries(_sorted.Add(item));
        var slot = ClojureHash.TrieOrder(ClojureHash.Hasheq(item));
        if (!_hash!.TryGetValue(slot, out var bucket))
            return new SetEntries(_hash.Add(slot, [item]), _count + 1);
        if (IndexOf(bucket, item) >= 0)
            return this;
        Val[] added = item.IsNil ? [item, .. bucket] : [.. bucket, item];
        return new SetEntries(_hash.SetItem(slot, added), _count + 1);
    }

    public SetEntries Union(IEnumerable<Val> items)
    {
        var set = this;
        foreach (var x in items)
            set = set.Add(x);
        return set;
    }

    public SetEntries Remove(Val item)
    {
        if (_sorted is not null)
            return new SetEntries(_sorted.Remove(item));
        var slot = ClojureHash.TrieOrder(ClojureHash.Hasheq(item));
        if (!_hash!.TryGetValue(slot, out var bucket))
            return this;
        var at = IndexOf(bucket, item);
        if (at < 0)
            return this;
        return bucket.Length == 1
            ? new SetEntries(_hash.Remove(slot), _count - 1)
            : new SetEntries(_hash.SetItem(slot, [.. bucket.AsSpan(0, at), .. bucket.AsSpan(at + 1)]), _count - 1);
    }

    public IEnumerator<Val> GetEnumerator()
    {
        if (_sorted is not null)
        {
            foreach (var x in _sorted)
                yield return x;
        }
        else
        {
            foreach (var bucket in _hash!.Values)
            {
                foreach (var x in bucket)
                    yield return x;
            }
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private static int IndexOf(Val[] items, Val item)
    {
        for (var i = 0; i < items.Length; i++)
        {
            if (ValComparer.Equal(items[i], item))
                return i;
        }
        return -1;
    }
}

using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace Datom.Index.Query;

/// <summary>
/// The result of pulling one entity: an ordered map from keys (attribute keywords, <c>:db/id</c>,
/// or the names given with <c>:as</c>) to values. Values are plain .NET values (as in
/// <see cref="QueryResult"/>), a <see cref="PullMap"/> for a referenced entity, or an
/// <see cref="IReadOnlyList{T}"/> for a cardinality-many attribute or a reverse reference.
/// Entries are in pattern order (for <c>*</c>, <c>:db/id</c> then the entity's attributes in index order).
/// </summary>
[SuppressMessage("Naming", "CA1710:Identifiers should have correct suffix", Justification = "Datomic calls these pull maps.")]
public sealed class PullMap : IReadOnlyDictionary<object, object?>
{
    private readonly List<KeyValuePair<object, object?>> _entries = [];
    private readonly Dictionary<object, int> _index = [];

    public int Count => _entries.Count;

    public IEnumerable<object> Keys => _entries.Select(e => e.Key);

    public IEnumerable<object?> Values => _entries.Select(e => e.Value);

    public object? this[object key] => _index.TryGetValue(key, out var i) ? _entries[i].Value : throw new KeyNotFoundException($"{ResultPrinter.Print(key)} is not in the pulled map");

    public bool ContainsKey(object key) => _index.ContainsKey(key);

    public bool TryGetValue(object key, [MaybeNullWhen(false)] out object? value)
    {
        if (_index.TryGetValue(key, out var i))
        {
            value = _entries[i].Value;
            return true;
        }
        value = null;
        return false;
    }

    /// <summary>Sets a key, keeping its first position when it is set again (a spec after * overrides).</summary>
    internal void Set(object key, object? value)
    {
        if (_index.TryGetValue(key, out var i))
        {
            _entries[i] = new(key, value);
            return;
        }
        _index[key] = _entries.Count;
        _entries.Add(new(key, value));
    }

    /// <summary>Removes a key (an attribute that * pulled and a spec renamed with :as).</summary>
    internal void Remove(object key)
    {
        if (!_index.Remove(key, out var i))
            return;
        _entries.RemoveAt(i);
        for (var j = i; j < _entries.Count; j++)
            _index[_entries[j].Key] = j;
    }

    public IEnumerator<KeyValuePair<object, object?>> GetEnumerator() => _entries.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>EDN text, with entities as <c>#id "…"</c>.</summary>
    public override string ToString() => ResultPrinter.Print(this);
}

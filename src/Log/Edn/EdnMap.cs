using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace Datom.Log.Edn;

/// <summary>
/// An immutable EDN map <c>{k v ...}</c>. Keys are unique under <see cref="EdnEquality"/> and may
/// be nil; enumeration is in insertion (source) order, though EDN gives that order no meaning and
/// equality ignores it. <see cref="Position"/> and <see cref="Meta"/> are not part of equality.
/// </summary>
[SuppressMessage("Naming", "CA1710:Identifiers should have correct suffix", Justification = "EDN's own names for its collections; the public API is fixed by the value model.")]
public sealed class EdnMap : IReadOnlyDictionary<object?, object?>, IEquatable<EdnMap>
{
    /// <summary>
    /// Up to this many entries a lookup scans the keys: transaction maps have a handful of
    /// keyword keys, and comparing interned keywords is cheaper than hashing.
    /// </summary>
    internal const int LinearScanLimit = 8;

    // Stands in for a nil key in the hash index, which (like Dictionary) cannot hold null.
    private static readonly object NilKey = new();

    private readonly object?[] _keys;
    private readonly object?[] _values;
    private Dictionary<object, int>? _index;
    private int _hash;

    /// <summary>A map of these entries, in order; a repeated key is an <see cref="ArgumentException"/>.</summary>
    public EdnMap(IEnumerable<KeyValuePair<object?, object?>> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var keys = new List<object?>();
        var values = new List<object?>();
        var seen = new HashSet<object?>(EdnEquality.Instance);
        foreach (var (key, value) in entries)
        {
            if (!seen.Add(key))
            {
                throw new ArgumentException($"duplicate map key {EdnWriter.ToDebugString(key)}", nameof(entries));
            }

            keys.Add(key);
            values.Add(value);
        }

        _keys = [.. keys];
        _values = [.. values];
    }

    // Takes ownership of keys and values, which the caller has checked for duplicates.
    internal EdnMap(object?[] keys, object?[] values, SourcePosition? position, EdnMap? meta)
    {
        _keys = keys;
        _values = values;
        Position = position;
        Meta = meta;
    }

    private EdnMap(EdnMap source, SourcePosition? position, EdnMap? meta)
    {
        _keys = source._keys;
        _values = source._values;
        _index = source._index;
        _hash = source._hash;
        Position = position;
        Meta = meta;
    }

    public static EdnMap Empty { get; } = new([], [], null, null);

    /// <summary>Where the opening brace was read, if it was read.</summary>
    public SourcePosition? Position { get; }

    /// <summary>Reader metadata, if any.</summary>
    public EdnMap? Meta { get; }

    public int Count => _keys.Length;

    public IEnumerable<object?> Keys => Array.AsReadOnly(_keys);

    public IEnumerable<object?> Values => Array.AsReadOnly(_values);

    /// <summary>The value for <paramref name="key"/>; a missing key is a <see cref="KeyNotFoundException"/>.</summary>
    public object? this[object? key] =>
        TryGetValue(key, out var value) ? value : throw new KeyNotFoundException($"key {EdnWriter.ToDebugString(key)} is not in the map");

    /// <summary>Builds a map from alternating keys and values: <c>EdnMap.Of(kw, 1L, "b", 2L)</c>.</summary>
    public static EdnMap Of(params ReadOnlySpan<object?> keysAndValues)
    {
        if (keysAndValues.Length % 2 != 0)
        {
            throw new ArgumentException("expected alternating keys and values", nameof(keysAndValues));
        }

        var entries = new KeyValuePair<object?, object?>[keysAndValues.Length / 2];
        for (var i = 0; i < entries.Length; i++)
        {
            entries[i] = new(keysAndValues[2 * i], keysAndValues[(2 * i) + 1]);
        }

        return new EdnMap(entries);
    }

    public bool ContainsKey(object? key) => IndexOf(key) >= 0;

    public bool TryGetValue(object? key, [MaybeNullWhen(false)] out object? value)
    {
        var i = IndexOf(key);
        if (i < 0)
        {
            value = null;
            return false;
        }

        value = _values[i];
        return true;
    }

    public EdnMap WithPosition(SourcePosition? position) => new(this, position, Meta);

    public EdnMap WithMeta(EdnMap? meta) => new(this, Position, meta);

    public IEnumerator<KeyValuePair<object?, object?>> GetEnumerator()
    {
        for (var i = 0; i < _keys.Length; i++)
        {
            yield return new(_keys[i], _values[i]);
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public bool Equals(EdnMap? other)
    {
        if (other is null || other.Count != Count)
        {
            return false;
        }

        if (ReferenceEquals(_keys, other._keys) && ReferenceEquals(_values, other._values))
        {
            return true;
        }

        for (var i = 0; i < _keys.Length; i++)
        {
            var j = other.IndexOf(_keys[i]);
            if (j < 0 || !EdnEquality.AreEqual(_values[i], other._values[j]))
            {
                return false;
            }
        }

        return true;
    }

    public override bool Equals(object? obj) => Equals(obj as EdnMap);

    /// <summary>Order-independent, as equality is.</summary>
    public override int GetHashCode()
    {
        var hash = _hash;
        if (hash == 0)
        {
            for (var i = 0; i < _keys.Length; i++)
            {
                hash = unchecked(hash + (EdnEquality.Hash(_keys[i]) ^ (EdnEquality.Hash(_values[i]) * 31)));
            }

            _hash = hash = EdnEquality.NonZero(hash);
        }

        return hash;
    }

    public override string ToString() => EdnWriter.ToDebugString(this);

    /// <summary>
    /// This map's entries, then <paramref name="other"/>'s, a key in both taking the value from
    /// <paramref name="other"/> (Clojure's <c>merge</c>, used to stack reader metadata).
    /// </summary>
    internal EdnMap Merge(EdnMap other)
    {
        var keys = new List<object?>(_keys);
        var values = new List<object?>(_values);
        for (var i = 0; i < other._keys.Length; i++)
        {
            var j = IndexOf(other._keys[i]);
            if (j >= 0)
            {
                values[j] = other._values[i];
            }
            else
            {
                keys.Add(other._keys[i]);
                values.Add(other._values[i]);
            }
        }

        return new EdnMap([.. keys], [.. values], Position, Meta);
    }

    internal int IndexOf(object? key)
    {
        if (_keys.Length <= LinearScanLimit)
        {
            for (var i = 0; i < _keys.Length; i++)
            {
                if (EdnEquality.AreEqual(_keys[i], key))
                {
                    return i;
                }
            }

            return -1;
        }

        // Built once per map on first use; a race builds it twice, harmlessly.
        var index = _index ??= BuildIndex();
        return index.TryGetValue(key ?? NilKey, out var found) ? found : -1;
    }

    private Dictionary<object, int> BuildIndex()
    {
        var index = new Dictionary<object, int>(_keys.Length, EdnEquality.Instance);
        for (var i = 0; i < _keys.Length; i++)
        {
            index.Add(_keys[i] ?? NilKey, i);
        }

        return index;
    }
}

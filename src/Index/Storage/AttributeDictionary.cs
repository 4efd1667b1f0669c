namespace Datom.Index.Storage;

/// <summary>
/// Local 32-bit ids for attribute keywords, so index keys stay short. Local to this node's index: the
/// log names attributes by keyword, so ids never travel. Append-only; persisted in the manifest.
/// </summary>
public sealed class AttributeDictionary
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, uint> _ids = new(StringComparer.Ordinal);
    private readonly List<string> _names = [];
    private Datom.Log.Edn.Keyword?[] _keywords = [];

    public AttributeDictionary(IEnumerable<string>? names = null)
    {
        foreach (var n in names ?? [])
            Intern(n);
    }

    public int Count
    {
        get
        {
            lock (_gate)
                return _names.Count;
        }
    }

    /// <summary>Ids start at 1; 0 is never an attribute.</summary>
    public uint Intern(string name)
    {
        lock (_gate)
        {
            if (_ids.TryGetValue(name, out var id))
                return id;
            _names.Add(name);
            id = (uint)_names.Count;
            _ids[name] = id;
            return id;
        }
    }

    public uint? Find(string name)
    {
        lock (_gate)
            return _ids.TryGetValue(name, out var id) ? id : null;
    }

    public string Name(uint id)
    {
        lock (_gate)
            return id >= 1 && id <= _names.Count ? _names[(int)id - 1] : throw new KeyNotFoundException($"no attribute with local id {id}");
    }

    /// <summary>The attribute's keyword, parsed once per id (reads are hot: every datom a query sees).</summary>
    public Datom.Log.Edn.Keyword Keyword(uint id)
    {
        var cache = Volatile.Read(ref _keywords);
        if (id < cache.Length && cache[id] is { } k)
            return k;
        var keyword = Datom.Log.Edn.Keyword.Parse(Name(id));
        lock (_gate)
        {
            if (_keywords.Length <= id)
                Array.Resize(ref _keywords, Math.Max((int)id + 1, _keywords.Length * 2));
            _keywords[id] = keyword;
        }
        return keyword;
    }

    public IReadOnlyList<string> Names()
    {
        lock (_gate)
            return [.. _names];
    }
}

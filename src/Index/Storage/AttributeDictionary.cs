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

    public IReadOnlyList<string> Names()
    {
        lock (_gate)
            return [.. _names];
    }
}

using Datom.Log.Entries;
using Datom.Log.Identity;
using Datom.Log.Model;

namespace Datom.Log.Tests.Tables;

/// <summary>
/// Signed entries of several authors from a history shape (<see cref="Generators.HistoryShape"/>), with
/// forks and causal links, and the reference answers a log must give for them, computed from the
/// entries alone: the plain in-memory model the on-disk tables replace.
/// </summary>
internal sealed class HistoryBuilder : IDisposable
{
    private readonly NodeIdentity[] _authors = [.. Enumerable.Range(0, 4).Select(_ => NodeIdentity.Generate())];

    public List<Entry> Entries { get; } = [];

    public IReadOnlyList<NodeIdentity> Authors => _authors;

    public static HistoryBuilder From((int Author, int OwnChoice, int Links)[] shape)
    {
        var b = new HistoryBuilder();
        var own = b._authors.Select(_ => new List<Entry>()).ToArray();
        var heads = b._authors.Select(_ => new List<Entry>()).ToArray();
        for (var step = 0; step < shape.Length; step++)
        {
            var (a, choice, links) = shape[step];
            var parents = new List<Entry>();
            if (own[a].Count > 0)
            {
                if (choice < 0)
                    parents.AddRange(heads[a]); // a merge of every head (the usual single head)
                else
                    parents.Add(own[a][choice % own[a].Count]); // may be an older entry: a fork
            }
            var ownParents = parents.ToList();
            for (var other = 0; other < b._authors.Length && links > 0; other++)
            {
                if (other != a && heads[other].Count > 0)
                {
                    parents.Add(heads[other][0]);
                    links--;
                }
            }
            var seq = ownParents.Count == 0 ? 1 : ownParents.Max(p => p.Seq) + 1;
            var entry = Entry.Create(b._authors[a], seq, new EntityId(5, (ulong)step + 1), new HlcTimestamp((ulong)(1000 + step) << 16),
                parents.Select(p => p.Hash), [new LogDatom(new EntityId(6, (ulong)step), "t/n", Value.Long(step), true)]);
            b.Entries.Add(entry);
            own[a].Add(entry);
            heads[a].RemoveAll(h => ownParents.Contains(h));
            heads[a].Add(entry);
        }
        return b;
    }

    public Dictionary<EntryHash, Entry> ByHash() => Entries.ToDictionary(e => e.Hash);

    /// <summary>Every entry reachable from <paramref name="heads"/>, by breadth-first search over the entries.</summary>
    public HashSet<EntryHash> Ancestry(IEnumerable<EntryHash> heads)
    {
        var byHash = ByHash();
        var seen = new HashSet<EntryHash>();
        var queue = new Queue<EntryHash>(heads);
        while (queue.TryDequeue(out var h))
        {
            if (seen.Add(h))
            {
                foreach (var p in byHash[h].Parents)
                    queue.Enqueue(p);
            }
        }
        return seen;
    }

    /// <summary>An author's heads: their entries that none of their own entries names.</summary>
    public HashSet<EntryHash> HeadsOf(NodeId author)
    {
        var mine = Entries.Where(e => e.Author == author).ToList();
        var named = mine.SelectMany(e => e.Parents).ToHashSet();
        return [.. mine.Where(e => !named.Contains(e.Hash)).Select(e => e.Hash)];
    }

    /// <summary>Every fork pair (earlier, later) in arrival order, as the log records them.</summary>
    public List<(NodeId Author, ulong Seq, EntryHash First, EntryHash Second)> Forks()
    {
        var result = new List<(NodeId, ulong, EntryHash, EntryHash)>();
        var seen = new Dictionary<(NodeId, ulong), List<EntryHash>>();
        foreach (var e in Entries)
        {
            if (!seen.TryGetValue((e.Author, e.Seq), out var list))
                seen[(e.Author, e.Seq)] = list = [];
            foreach (var earlier in list)
                result.Add((e.Author, e.Seq, earlier, e.Hash));
            list.Add(e.Hash);
        }
        return result;
    }

    public void Dispose()
    {
        foreach (var a in _authors)
            a.Dispose();
    }
}

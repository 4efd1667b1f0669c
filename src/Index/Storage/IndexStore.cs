using System.Collections.Immutable;
using System.Text.Json;
using Datom.Log;
using Datom.Log.Entries;
using Datom.Log.Model;
using Datom.Log.Segments;
using Datom.Log.Storage;

namespace Datom.Index.Storage;

public sealed record IndexStoreOptions
{
    /// <summary>Bytes of keys held in memory runs before they are written to a file run.</summary>
    public long FlushBytes { get; init; } = 64L << 20;

    /// <summary>File runs per order beyond which the smallest are merged into one.</summary>
    public int MaxFileRuns { get; init; } = 8;

    /// <summary>Memory runs per order beyond which they are merged into one memory run.</summary>
    public int MaxMemoryRuns { get; init; } = 8;

    public long BlockCacheBytes { get; init; } = 256L << 20;
}

/// <summary>
/// The persistent, covering indexes of DaoDB: for each of EAVT, AEVT, AVET and VAET, a set of
/// immutable sorted runs of operation keys (<see cref="KeyCodec"/>). New entries become memory runs;
/// memory runs are written out as file runs; runs are merged as they multiply. Nothing is ever
/// deleted from an index (history is kept), so merging is a plain union.
/// </summary>
/// <remarks>
/// Durability comes from the log. The <c>MANIFEST</c> names the file runs and how many log entries
/// (in store order) they cover; it is replaced atomically (write, fsync, rename, fsync directory).
/// After a crash the index reopens at its last manifest and re-applies the log entries after it.
/// </remarks>
public sealed class IndexStore : IDisposable
{
    public const string ManifestName = "MANIFEST";

    private readonly IStorage _storage;
    private readonly IndexStoreOptions _options;
    private readonly Lock _writeGate = new();
    private readonly BlockCache _cache;
    private IndexState _state;
    private long _nextRunId;

    private IndexStore(IStorage storage, IndexStoreOptions options, IndexState state, long nextRunId)
    {
        _storage = storage;
        _options = options;
        _cache = new BlockCache(options.BlockCacheBytes);
        _state = state;
        _nextRunId = nextRunId;
    }

    public AttributeDictionary Attributes => _state.Attributes;

    /// <summary>Bytes of run blocks held in the block cache now.</summary>
    public long BlockCacheBytes => _cache.Bytes;

    /// <summary>Log entries (in the log's store order) the index holds.</summary>
    public long AppliedEntries => Volatile.Read(ref _state).Applied;

    public static IndexStore Open(IStorage storage, IndexStoreOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(storage);
        options ??= new IndexStoreOptions();
        var store = new IndexStore(storage, options, IndexState.Empty(new AttributeDictionary()), 1);
        if (storage.Exists(ManifestName))
            store.LoadManifest();
        return store;
    }

    /// <summary>A consistent view of the indexes as they are now; later writes do not change it.</summary>
    public IndexSnapshot Snapshot() => new(Volatile.Read(ref _state));

    /// <summary>
    /// Adds the operations of entries to the indexes, as one new memory run per order. The entries are
    /// the next ones in the log's store order; <paramref name="appliedAfter"/> is the count once applied.
    /// </summary>
    public void Apply(IReadOnlyList<Entry> entries, long appliedAfter, IEnumerable<ForkProof>? forks = null)
    {
        ArgumentNullException.ThrowIfNull(entries);
        lock (_writeGate)
        {
            var state = _state;
            var expected = entries.Sum(e => e.Datoms.Count + 4);
            var keys = new MemoryRunBuilder[4];
            for (var i = 0; i < 4; i++)
                keys[i] = new MemoryRunBuilder((IndexOrder)i, i == (int)IndexOrder.Vaet ? 16 : expected);
            var ops = entries.SelectMany(e => Operations(e, state.Attributes))
                .Concat((forks ?? []).SelectMany(f => ForkOperations(f, state.Attributes)));
            var attrs = new HashSet<uint>();
            foreach (var op in ops)
            {
                attrs.Add(op.A);
                keys[(int)IndexOrder.Eavt].Add(op);
                keys[(int)IndexOrder.Aevt].Add(op);
                keys[(int)IndexOrder.Avet].Add(op);
                if (op.V.Type == Log.Model.ValueType.Ref)
                    keys[(int)IndexOrder.Vaet].Add(op);
            }
            var memory = new ImmutableArray<ISortedRun>[4];
            for (var i = 0; i < 4; i++)
            {
                memory[i] = keys[i].Count == 0 ? state.Memory[i] : state.Memory[i].Add(keys[i].Build());
                if (memory[i].Length > _options.MaxMemoryRuns)
                {
                    var smallest = SizeTiered.Pick(memory[i], _options.MaxMemoryRuns);
                    memory[i] = [.. memory[i].Where(r => !smallest.Contains(r)), MergeMemory(smallest)];
                }
            }
            var next = state with { Memory = [.. memory], Applied = appliedAfter };
            next = next with { Unique = UniqueCandidates.Update(next, entries, attrs) };
            Volatile.Write(ref _state, next);
            if (_state.MemoryBytes >= _options.FlushBytes)
                FlushLocked();
        }
    }

    /// <summary>
    /// The operations an entry contributes: its datoms, and the transaction's own provenance
    /// (<c>:tx/author</c>, <c>:tx/time</c>, <c>:tx/hash</c>, <c>:tx/seq</c>) so that queries can ask who
    /// and when.
    /// </summary>
    public static IEnumerable<DatomOp> Operations(Entry entry, AttributeDictionary attributes)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(attributes);
        foreach (var d in entry.Datoms)
            yield return new DatomOp(d.E, attributes.Intern(d.A), d.V, entry.Time, entry.Tx, d.Added);
        yield return new DatomOp(entry.Tx, attributes.Intern("tx/author"), Value.String(entry.Author.ToString()), entry.Time, entry.Tx, true);
        yield return new DatomOp(entry.Tx, attributes.Intern("tx/time"), Value.Instant(entry.Time.UnixMilliseconds), entry.Time, entry.Tx, true);
        yield return new DatomOp(entry.Tx, attributes.Intern("tx/hash"), Value.String(entry.Hash.ToString()), entry.Time, entry.Tx, true);
        yield return new DatomOp(entry.Tx, attributes.Intern("tx/seq"), Value.Long((long)entry.Seq), entry.Time, entry.Tx, true);
    }

    /// <summary>
    /// A fork as facts: an entity whose id is derived from the two entries' hashes (sorted, so every
    /// node derives the same one), with <c>:fork/author</c>, <c>:fork/seq</c> and <c>:fork/entry</c>
    /// (both hashes, the proof: the signed entries are in the log under those hashes).
    /// </summary>
    public static IEnumerable<DatomOp> ForkOperations(ForkProof fork, AttributeDictionary attributes)
    {
        ArgumentNullException.ThrowIfNull(fork);
        ArgumentNullException.ThrowIfNull(attributes);
        var (a, b) = fork.First.Hash < fork.Second.Hash ? (fork.First, fork.Second) : (fork.Second, fork.First);
        Span<byte> both = stackalloc byte[2 * EntryHash.Size];
        a.Hash.Format(both);
        b.Hash.Format(both[EntryHash.Size..]);
        var digest = EntryHash.Compute(both).ToBytes();
        var id = new EntityId(ForkIdPrefix, BitConverter.ToUInt64(digest, 0) | 1);
        var time = a.Time > b.Time ? a.Time : b.Time;
        var tx = a.Time > b.Time ? a.Tx : b.Tx;
        yield return new DatomOp(id, attributes.Intern("fork/author"), Value.String(fork.Author.ToString()), time, tx, true);
        yield return new DatomOp(id, attributes.Intern("fork/seq"), Value.Long((long)fork.Seq), time, tx, true);
        yield return new DatomOp(id, attributes.Intern("fork/entry"), Value.String(a.Hash.ToString()), time, tx, true);
        yield return new DatomOp(id, attributes.Intern("fork/entry"), Value.String(b.Hash.ToString()), time, tx, true);
    }

    /// <summary>Fork entities live under their own reserved prefix ("fork" in ASCII), never minted by a writer.</summary>
    public const ulong ForkIdPrefix = 0x666F726B;

    /// <summary>Writes the memory runs out as file runs and records them in the manifest.</summary>
    public void Flush()
    {
        lock (_writeGate)
            FlushLocked();
    }

    private void FlushLocked()
    {
        var state = _state;
        if (state.Memory.All(m => m.IsEmpty))
        {
            WriteManifest(state);
            return;
        }
        var files = new ImmutableArray<FileRun>[4];
        for (var i = 0; i < 4; i++)
        {
            files[i] = state.Files[i];
            if (state.Memory[i].IsEmpty)
                continue;
            var id = _nextRunId++;
            var name = RunName(id, (IndexOrder)i);
            FileRun.Write(_storage, name, (IndexOrder)i, MergedKeys(state.Memory[i]));
            files[i] = files[i].Add(FileRun.Open(_storage, name, (IndexOrder)i, _cache, id));
        }
        _storage.SyncDirectory();
        var flushed = state with { Files = [.. files], Memory = IndexState.NoMemory };
        var compacted = CompactLocked(flushed);
        WriteManifest(compacted);
        Volatile.Write(ref _state, compacted);
        // Runs replaced by compaction are no longer named by the manifest; readers holding an older
        // snapshot may still read them, so their files are removed when the store closes or reopens.
    }

    private IndexState CompactLocked(IndexState state)
    {
        var files = state.Files.ToArray();
        for (var i = 0; i < 4; i++)
        {
            if (files[i].Length <= _options.MaxFileRuns)
                continue;
            var take = SizeTiered.Pick(files[i], _options.MaxFileRuns);
            var id = _nextRunId++;
            var name = RunName(id, (IndexOrder)i);
            FileRun.Write(_storage, name, (IndexOrder)i, MergedKeys(take));
            var merged = FileRun.Open(_storage, name, (IndexOrder)i, _cache, id);
            files[i] = [.. files[i].Where(r => !take.Contains(r)), merged];
        }
        _storage.SyncDirectory();
        return state with { Files = [.. files] };
    }

    private static MemoryRun MergeMemory(List<ISortedRun> runs) => MemoryRun.Merge(runs);

    private static IEnumerable<byte[]> MergedKeys(IEnumerable<ISortedRun> runs)
    {
        using var cursor = new MergeCursor(runs);
        if (!cursor.Seek([]))
            yield break;
        do
            yield return cursor.Current.ToArray();
        while (cursor.Next());
    }

    private static string RunName(long id, IndexOrder order) => $"{id:D8}.{order.ToString().ToLowerInvariant()}";

    private void WriteManifest(IndexState state)
    {
        var manifest = new Manifest
        {
            Version = 1,
            Applied = state.Applied,
            NextRunId = _nextRunId,
            Attributes = [.. state.Attributes.Names()],
            Runs = [.. Enumerable.Range(0, 4).Select(i => state.Files[i].Select(r => r.Name).ToArray())],
            Unique = UniqueCandidates.Format(state.UniqueCandidates),
        };
        var bytes = JsonSerializer.SerializeToUtf8Bytes(manifest, ManifestJson.Default.Manifest);
        var temporary = ManifestName + ".tmp";
        if (_storage.Exists(temporary))
            _storage.Delete(temporary);
        using (var f = _storage.Create(temporary))
        {
            f.Write(0, bytes);
            f.Sync();
        }
        if (_storage is FileStorage fs)
            File.Move(Path.Combine(fs.DirectoryPath, temporary), Path.Combine(fs.DirectoryPath, ManifestName), overwrite: true);
        else
            ReplaceSimulated(temporary, bytes);
        _storage.SyncDirectory();
        DeleteUnreferencedRuns(manifest);
    }

    private void ReplaceSimulated(string temporary, byte[] bytes)
    {
        // IStorage has no rename; the simulated disk replaces the file whole, as a rename would.
        if (_storage.Exists(ManifestName))
            _storage.Delete(ManifestName);
        using (var f = _storage.Create(ManifestName))
        {
            f.Write(0, bytes);
            f.Sync();
        }
        _storage.Delete(temporary);
    }

    private void DeleteUnreferencedRuns(Manifest manifest)
    {
        var live = manifest.Runs.SelectMany(r => r).ToHashSet(StringComparer.Ordinal);
        foreach (var name in _storage.List())
        {
            if (IsRunName(name) && !live.Contains(name) && !Volatile.Read(ref _state).Files.Any(f => f.Any(r => r.Name == name)))
                _storage.Delete(name);
        }
    }

    private static bool IsRunName(string name) =>
        name.Length > 9 && name[8] == '.' && long.TryParse(name.AsSpan(0, 8), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _);

    private void LoadManifest()
    {
        Manifest? manifest;
        try
        {
            var bytes = ReadAll(ManifestName);
            manifest = JsonSerializer.Deserialize(bytes, ManifestJson.Default.Manifest);
        }
        catch (JsonException e)
        {
            throw new LogCorruptionException(_storage.Describe(ManifestName), 0, "index manifest is not valid: " + e.Message);
        }
        if (manifest is null || manifest.Version != 1 || manifest.Runs.Length != 4)
            throw new LogCorruptionException(_storage.Describe(ManifestName), 0, "index manifest has an unknown version or shape");
        var attributes = new AttributeDictionary(manifest.Attributes);
        var files = new ImmutableArray<FileRun>[4];
        for (var i = 0; i < 4; i++)
        {
            var runs = ImmutableArray.CreateBuilder<FileRun>();
            foreach (var name in manifest.Runs[i])
            {
                var id = long.Parse(name.AsSpan(0, 8), System.Globalization.CultureInfo.InvariantCulture);
                runs.Add(FileRun.Open(_storage, name, (IndexOrder)i, _cache, id));
            }
            files[i] = runs.ToImmutable();
        }
        _nextRunId = manifest.NextRunId;
        _state = new IndexState(attributes, [.. files], IndexState.NoMemory, manifest.Applied);
        // The candidates as of the runs the manifest names (written with them); a manifest from before
        // they were kept there has them worked out once, from a scan of every unique attribute.
        ImmutableHashSet<(uint Attr, Value V)>? unique;
        try
        {
            unique = manifest.Unique is { } kept ? UniqueCandidates.Parse(kept) : null;
        }
        catch (FormatException e)
        {
            throw new LogCorruptionException(_storage.Describe(ManifestName), 0, "index manifest's unique candidates are not valid: " + e.Message);
        }
        _state = _state with { Unique = unique ?? UniqueCandidates.All(_state) };
        DeleteUnreferencedRuns(manifest);
    }

    private byte[] ReadAll(string name)
    {
        using var f = _storage.Open(name);
        var bytes = new byte[f.Length];
        f.Read(0, bytes);
        return bytes;
    }

    public void Dispose()
    {
        lock (_writeGate)
        {
            foreach (var runs in _state.Files)
            {
                foreach (var r in runs)
                    r.Dispose();
            }
        }
    }
}

/// <summary>Everything a snapshot needs: immutable, swapped whole by writers.</summary>
/// <param name="Unique">
/// Every (attribute, value) of a unique attribute that more than one entity was ever given: where a
/// unique value can have collided (<see cref="Views.UniqueMerge"/>). Derived from the operations, so not
/// persisted: recomputed on open.
/// </param>
internal sealed record IndexState(AttributeDictionary Attributes, ImmutableArray<ImmutableArray<FileRun>> Files, ImmutableArray<ImmutableArray<ISortedRun>> Memory, long Applied,
    ImmutableHashSet<(uint Attr, Value V)>? Unique = null)
{
    public ImmutableHashSet<(uint Attr, Value V)> UniqueCandidates => Unique ?? [];

    public static readonly ImmutableArray<ImmutableArray<ISortedRun>> NoMemory = [[], [], [], []];

    public static IndexState Empty(AttributeDictionary attributes) => new(attributes, [[], [], [], []], NoMemory, 0);

    public long MemoryBytes => Memory.Sum(m => m.Sum(r => r.SizeBytes));

    public IEnumerable<ISortedRun> Runs(IndexOrder order) => Files[(int)order].Cast<ISortedRun>().Concat(Memory[(int)order]);
}

internal sealed class Manifest
{
    public int Version { get; set; }

    public long Applied { get; set; }

    public long NextRunId { get; set; }

    public string[] Attributes { get; set; } = [];

    public string[][] Runs { get; set; } = [];

    /// <summary>
    /// The unique candidates (<see cref="UniqueCandidates"/>) of the state the manifest names, so that
    /// opening need not scan every unique attribute (<c>:tx/hash</c> has one value per entry); absent
    /// in manifests written before they were kept, which then scan once.
    /// </summary>
    public string[]? Unique { get; set; }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(Manifest))]
internal sealed partial class ManifestJson : System.Text.Json.Serialization.JsonSerializerContext;

/// <summary>
/// Which runs to merge when an index order has more than its limit: the two runs most alike in size
/// (adjacent in size order, smallest ratio), and then each next larger one while it is no larger
/// than those taken together. Merging like sizes is what keeps the copying low: a stream of
/// one-entry runs under a limit of 8 copies each key about log2(n) times (19 for 200,000 runs).
/// The picks before ("the smaller half", "the fewest needed") copied the large run again on nearly
/// every merge, which made a long stream of small transactions slow down as it went (quadratic in
/// the entries between flushes).
/// </summary>
internal static class SizeTiered
{
    public static List<T> Pick<T>(IReadOnlyList<T> runs, int maxRuns)
        where T : ISortedRun
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(runs.Count, 2, nameof(runs));
        _ = maxRuns; // one merge of two or more brings a count one over the limit back under it
        var ordered = runs.OrderBy(r => r.SizeBytes).ToList();
        var best = 0;
        var bestRatio = double.MaxValue;
        for (var i = 0; i + 1 < ordered.Count; i++)
        {
            var ratio = (double)ordered[i + 1].SizeBytes / Math.Max(1, ordered[i].SizeBytes);
            if (ratio < bestRatio)
            {
                bestRatio = ratio;
                best = i;
            }
        }
        var end = best + 2;
        var total = ordered[best].SizeBytes + ordered[best + 1].SizeBytes;
        while (end < ordered.Count && ordered[end].SizeBytes <= total)
            total += ordered[end++].SizeBytes;
        return ordered.GetRange(best, end - best);
    }
}

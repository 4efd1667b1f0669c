using Datom.Log.Identity;
using Datom.Log.Model;
using Datom.Log.Segments;

namespace Datom.Log;

public sealed partial class DatomLog
{
    /// <summary>
    /// What the log keeps in memory for an entry: a value in <see cref="EntryTable"/>. No object per
    /// entry is kept for the life of the log (the collector would promote and copy each one twice):
    /// the references here are shared (the author's key), short-lived (the in-flight record) or rare
    /// (forks).
    /// </summary>
    private struct EntryMeta
    {
        public HlcTimestamp Time { get; init; }

        public EntityId Tx { get; init; }

        public NodeId Author { get; init; }

        public ulong Seq { get; init; }

        /// <summary>Where the entry's parents start in the table's parent array (<see cref="EntryTable.ParentsOf"/>).</summary>
        public int ParentStart { get; init; }

        public int ParentCount { get; init; }

        public RecordPosition Position { get; set; }

        public bool Durable { get; set; }

        /// <summary>The record on its way to the store, with the entry once it is signed; null once durable.</summary>
        public Sequenced? InFlight { get; set; }

        /// <summary>The forks this entry made: one with each earlier entry at its sequence number. Null if none.</summary>
        public ForkRecord[]? Forks { get; set; }
    }

    /// <summary>
    /// Every entry the log holds, by hash. The hash maps to the entry's number in registration order;
    /// the metadata lives in fixed-size chunks that are allocated once and never copied, and the
    /// parents of all entries end to end in one array of values. So growth copies only the small
    /// hash index (48 bytes an entry) and never the metadata, and nothing here is a small object per
    /// entry. Not thread-safe: the log's gate guards it.
    /// </summary>
    private sealed class EntryTable
    {
        // 4,096 entries a chunk: about 360 KiB, a few hundred microseconds of appends.
        private const int ChunkBits = 12;
        private const int ChunkSize = 1 << ChunkBits;

        private readonly Dictionary<EntryHash, int> _index = [];
        private readonly List<EntryMeta[]> _chunks = [];
        private EntryHash[] _parents = new EntryHash[1024];
        private int _parentsUsed;

        public int Count => _index.Count;

        public bool ContainsKey(EntryHash hash) => _index.ContainsKey(hash);

        public bool TryGetValue(EntryHash hash, out EntryMeta meta)
        {
            if (_index.TryGetValue(hash, out var number))
            {
                meta = At(number);
                return true;
            }
            meta = default;
            return false;
        }

        /// <exception cref="KeyNotFoundException">The table does not hold the entry.</exception>
        public ref readonly EntryMeta this[EntryHash hash] => ref At(_index[hash]);

        /// <summary>
        /// Adds an entry; its <see cref="EntryMeta.ParentStart"/> and <see cref="EntryMeta.ParentCount"/>
        /// are set here. Returns its number, for <see cref="ByNumber"/>.
        /// </summary>
        /// <exception cref="ArgumentException">The table holds the entry already; nothing changed.</exception>
        public int Add(EntryHash hash, EntryMeta meta, ReadOnlySpan<EntryHash> parents)
        {
            var number = _index.Count;
            if (number >> ChunkBits == _chunks.Count)
                _chunks.Add(new EntryMeta[ChunkSize]);
            var start = _parentsUsed;
            if (parents.Length > _parents.Length - start)
            {
                // Doubling, as List<T> does; past Array.MaxLength (2^31 parents, 64 GiB) this throws.
                var grown = new EntryHash[Math.Max(_parents.Length * 2L, (long)start + parents.Length)];
                _parents.AsSpan(0, start).CopyTo(grown);
                _parents = grown;
            }
            parents.CopyTo(_parents.AsSpan(start));
            At(number) = meta with { ParentStart = start, ParentCount = parents.Length };
            // Last, so that a duplicate leaves the table as it was (the slot and parents are reused).
            _index.Add(hash, number);
            _parentsUsed = start + parents.Length;
            return number;
        }

        /// <summary>An entry by the number <see cref="Add"/> gave it: no hash lookup.</summary>
        public ref EntryMeta ByNumber(int number)
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)number, (uint)_index.Count, nameof(number));
            return ref At(number);
        }

        /// <summary>An entry's parents; the span is valid until the next <see cref="Add"/>.</summary>
        public ReadOnlySpan<EntryHash> ParentsOf(in EntryMeta meta) => _parents.AsSpan(meta.ParentStart, meta.ParentCount);

        private ref EntryMeta At(int number) => ref _chunks[number >> ChunkBits][number & (ChunkSize - 1)];
    }
}

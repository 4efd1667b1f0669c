using Datom.Log.Identity;
using Datom.Log.Model;
using Datom.Log.Segments;
using Datom.Log.Storage;
using Datom.Log.Tables;

namespace Datom.Log;

public sealed partial class DatomLog
{
    /// <summary>
    /// What the log knows of an entry without reading it: read from its <see cref="EntryRecord"/>, plus
    /// the in-flight record while it is on its way to the store. A value made on demand, never kept.
    /// </summary>
    private readonly record struct EntryMeta(
        int Number, EntryHash Hash, HlcTimestamp Time, EntityId Tx, NodeId Author, int AuthorOrdinal, ulong Seq,
        RecordPosition Position, bool Durable, Sequenced? InFlight, long ParentStart, int ParentCount);

    /// <summary>
    /// Every entry the log holds, numbered in registration order (which is store order: entries are
    /// registered and queued under one gate, and the store writes them in queue order). The per-entry
    /// data lives on disk in four tables (<see cref="TableKind"/>) behind bounded caches; in memory
    /// there is only the hash index (8 bytes a slot, see <see cref="HashIndex"/>), the authors, and the
    /// entries in flight. Not thread-safe: the log's gate guards it.
    /// </summary>
    private sealed class EntryTable : IDisposable
    {
        private readonly IStorage _storage;
        private readonly int _flushRecords;
        private readonly RecordFile _records;
        private readonly RecordFile _parents;
        private readonly RecordFile _keys;
        private readonly RecordFile _authorKeys;
        private readonly HashIndex _index = new();
        private readonly List<NodeId> _authors = [];
        private readonly Dictionary<NodeId, int> _ordinals = [];
        private readonly Dictionary<int, Sequenced> _inFlight = [];
        private readonly SortedSet<int> _holes = [];
        private readonly byte[] _scratch = new byte[EntryRecord.Size];

        // Running checksums of the tables opening reads whole, up to what the last checkpoint covered.
        private (long Count, uint Crc) _keysCrc = (0, ~0u), _parentsCrc = (0, ~0u), _authorsCrc = (0, ~0u);

        public EntryTable(IStorage storage, LogOptions options)
        {
            _storage = storage;
            _flushRecords = Math.Max(1, options.TableFlushRecords);
            // Most lookups read entry records; parents are a quarter of the traffic and a tenth of the bytes.
            _records = new RecordFile(storage, "entries.tbl", TableKind.Entries, EntryRecord.Size, options.TableCacheBytes * 3 / 4);
            _parents = new RecordFile(storage, "parents.tbl", TableKind.Parents, sizeof(uint), options.TableCacheBytes / 4);
            _keys = new RecordFile(storage, "keys.tbl", TableKind.Keys, EntryKey.Size, 0);
            _authorKeys = new RecordFile(storage, "authors.tbl", TableKind.Authors, NodeId.KeySize, 0);
        }

        public int Count => (int)_records.Count;

        /// <summary>Entries below this number are durable or will never be (<see cref="MarkHole"/>).</summary>
        public int Settled { get; private set; }

        /// <summary>Durable entries: store order is entry numbers without the holes.</summary>
        public int DurableCount { get; private set; }

        public bool HasHoles => _holes.Count > 0;

        public int InFlightCount => _inFlight.Count;

        /// <summary>Bytes this table holds in memory now: the hash index, the tails and the caches' fill.</summary>
        public long MemoryBytes => _index.Bytes + _records.TailBytes + _parents.TailBytes + _keys.TailBytes + _authorKeys.TailBytes
            + ((long)_records.CachedBlocks * 4096) + ((long)_parents.CachedBlocks * 4096);

        public NodeId AuthorAt(int ordinal) => _authors[ordinal];

        public int AuthorCount => _authors.Count;

        public int OrdinalOf(NodeId author)
        {
            if (_ordinals.TryGetValue(author, out var ordinal))
                return ordinal;
            ordinal = _authors.Count;
            _authors.Add(author);
            _ordinals.Add(author, ordinal);
            _authorKeys.Append(author.PublicKey);
            return ordinal;
        }

        public int Find(EntryHash hash) =>
            _index.Find(hash.Prefix, (Table: this, Hash: hash), static (s, n) => s.Table.HashOf(n) == s.Hash);

        public bool ContainsKey(EntryHash hash) => Find(hash) >= 0;

        public bool TryGetValue(EntryHash hash, out EntryMeta meta)
        {
            var number = Find(hash);
            if (number < 0)
            {
                meta = default;
                return false;
            }
            meta = ByNumber(number);
            return true;
        }

        /// <exception cref="KeyNotFoundException">The table does not hold the entry.</exception>
        public EntryMeta this[EntryHash hash]
        {
            get
            {
                var number = Find(hash);
                return number >= 0 ? ByNumber(number) : throw new KeyNotFoundException($"entry {hash} is not held");
            }
        }

        public EntryMeta ByNumber(int number)
        {
            var r = Record(number);
            return new EntryMeta(number, r.Hash, r.Time, r.Tx, _authors[r.Author], r.Author, r.Seq, r.Position, r.Durable,
                r.Durable ? null : _inFlight.GetValueOrDefault(number), r.ParentStart, r.ParentCount);
        }

        public EntryHash HashOf(int number) => Record(number).Hash;

        public EntryRecord Record(int number)
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)number, (uint)Count, nameof(number));
            _records.Read(number, _scratch);
            if (!EntryRecord.TryParse(_scratch, out var record, out var error) || record.Author >= _authors.Count)
                throw Damaged(_records, number, error.Length > 0 ? error : $"author ordinal {record.Author} unknown");
            return record;
        }

        /// <summary>
        /// Adds an entry whose parents are all held. Returns its number. <paramref name="position"/> is
        /// given for an entry already durable (opening); otherwise it is in flight as <paramref name="inFlight"/>.
        /// </summary>
        /// <exception cref="ArgumentException">The entry is held already, or a parent is not; nothing changed.</exception>
        public int Add(EntryHash hash, int author, ulong seq, EntityId tx, HlcTimestamp time, ReadOnlySpan<EntryHash> parents, RecordPosition? position, Sequenced? inFlight)
        {
            if (Find(hash) >= 0)
                throw new ArgumentException($"entry {hash} is held already", nameof(hash));
            if (seq > uint.MaxValue)
                throw new ArgumentOutOfRangeException(nameof(seq), $"sequence number {seq} beyond 2^32");
            Span<int> numbers = parents.Length <= 64 ? stackalloc int[parents.Length] : new int[parents.Length];
            for (var i = 0; i < parents.Length; i++)
            {
                numbers[i] = Find(parents[i]);
                if (numbers[i] < 0)
                    throw new ArgumentException($"entry {hash} names parent {parents[i]}, which is not held", nameof(parents));
            }
            var number = Count;
            var start = _parents.Count;
            Span<byte> four = stackalloc byte[sizeof(uint)];
            foreach (var p in numbers)
            {
                System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(four, (uint)p);
                _parents.Append(four);
            }
            new EntryRecord(hash, tx, seq, time, author, position ?? default, position is not null, start, parents.Length).Format(_scratch);
            _records.Append(_scratch);
            Span<byte> key = stackalloc byte[EntryKey.Size];
            new EntryKey(hash.Prefix, author, (uint)seq).Format(key);
            _keys.Append(key);
            _index.Insert(hash.Prefix, number);
            if (position is not null)
            {
                Settled = number + 1;
                DurableCount++;
            }
            else if (inFlight is not null)
            {
                _inFlight.Add(number, inFlight);
            }
            return number;
        }

        /// <summary>An in-flight entry is durable at <paramref name="position"/>.</summary>
        public void MarkDurable(int number, RecordPosition position)
        {
            // Entries become durable in number order, so an in-flight record is still in the tail: only
            // settled records are ever flushed.
            var span = _records.TailRecord(number);
            if (!EntryRecord.TryParse(span, out var record, out var error))
                throw Damaged(_records, number, error);
            (record with { Position = position, Durable = true }).Format(span);
            _inFlight.Remove(number);
            Settled = number + 1;
            DurableCount++;
        }

        /// <summary>An entry that was registered but will never be stored (its signing failed): store order skips it.</summary>
        public void MarkHole(int number) => _holes.Add(number);

        /// <summary>The number of the <paramref name="index"/>-th durable entry in store order.</summary>
        public int NumberAt(int index)
        {
            var number = index;
            foreach (var hole in _holes)
            {
                if (hole > number)
                    break;
                number++;
            }
            return number;
        }

        public bool IsHole(int number) => _holes.Count > 0 && _holes.Contains(number);

        public EntryHash[] ParentsOf(in EntryMeta meta)
        {
            var result = new EntryHash[meta.ParentCount];
            Span<int> numbers = meta.ParentCount <= 64 ? stackalloc int[meta.ParentCount] : new int[meta.ParentCount];
            ParentNumbers(meta.ParentStart, numbers);
            for (var i = 0; i < numbers.Length; i++)
                result[i] = HashOf(numbers[i]);
            return result;
        }

        /// <summary>The entry numbers of the parents, <c>destination.Length</c> of them from <paramref name="start"/>.</summary>
        public void ParentNumbers(long start, Span<int> destination)
        {
            if (destination.Length == 0)
                return;
            var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(destination);
            _parents.Read(start, bytes);
            for (var i = 0; i < destination.Length; i++)
            {
                var n = System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(bytes.Slice(i * 4, 4));
                if ((uint)n >= (uint)Count)
                    throw Damaged(_parents, start + i, $"parent number {n} beyond the {Count} entries held");
                destination[i] = n;
            }
        }

        /// <summary>Writes what has piled up in the tails to the table files (records only once settled).</summary>
        public void FlushIfFull()
        {
            if (_records.Count - _records.Flushed >= _flushRecords)
                _records.Flush(Settled);
            if (_parents.Count - _parents.Flushed >= _flushRecords * 2)
                _parents.Flush(_parents.Count);
            if (_keys.Count - _keys.Flushed >= _flushRecords)
                _keys.Flush(_keys.Count);
            if (_authorKeys.Count - _authorKeys.Flushed >= 64)
                _authorKeys.Flush(_authorKeys.Count);
        }

        /// <summary>
        /// Makes the first <see cref="Settled"/> entries' tables durable and returns the checkpoint that
        /// names them. Call only when nothing is in flight and there are no holes.
        /// </summary>
        public Checkpoint Seal(ulong generation, IReadOnlyList<(uint Number, long Length)> layout, HlcTimestamp maxTime, IEnumerable<int> heads)
        {
            var entries = Settled;
            var last = Record(entries - 1);
            var parents = last.ParentStart + last.ParentCount;
            _records.Flush(entries);
            _parents.Flush(_parents.Count);
            _keys.Flush(_keys.Count);
            _authorKeys.Flush(_authorKeys.Count);
            var created = _records.Created || _parents.Created || _keys.Created || _authorKeys.Created;
            _records.Sync();
            _parents.Sync();
            _keys.Sync();
            _authorKeys.Sync();
            if (created)
                _storage.SyncDirectory();
            _keysCrc = Advance(_keys, _keysCrc, entries);
            _parentsCrc = Advance(_parents, _parentsCrc, parents);
            _authorsCrc = Advance(_authorKeys, _authorsCrc, _authors.Count);
            var resume = last.Position;
            var sealedLengths = layout.Where(s => s.Number < resume.Segment).Select(s => s.Length).ToArray();
            return new Checkpoint(generation, entries, parents, _authors.Count, layout[0].Number, sealedLengths, resume, maxTime,
                ~_keysCrc.Crc, ~_parentsCrc.Crc, ~_authorsCrc.Crc, last.Hash, [.. heads]);
        }

        private static (long Count, uint Crc) Advance(RecordFile file, (long Count, uint Crc) state, long to) =>
            to < state.Count ? (to, file.UpdateCrc(~0u, 0, to)) : (to, file.UpdateCrc(state.Crc, state.Count, to));

        /// <summary>
        /// Takes the tables as a checkpoint names them: attaches the files (cutting what was written after
        /// it), checks the checksums of the tables read whole, loads the authors and the hash index, and
        /// hands each entry's key to <paramref name="onKey"/> in number order.
        /// </summary>
        /// <exception cref="LogCorruptionException">A table does not match the checkpoint.</exception>
        public void Load(Checkpoint checkpoint, Action<int, int, uint> onKey)
        {
            _records.Attach(checkpoint.Entries);
            _parents.Attach(checkpoint.Parents);
            _keys.Attach(checkpoint.Entries);
            _authorKeys.Attach(checkpoint.Authors);

            var authorBytes = new byte[checkpoint.Authors * NodeId.KeySize];
            _authorKeys.ReadDirect(0, authorBytes);
            if (~Crc32C.Update(~0u, authorBytes) != checkpoint.AuthorsCrc)
                throw Damaged(_authorKeys, 0, "checksum does not match the checkpoint");
            for (var i = 0; i < checkpoint.Authors; i++)
            {
                var id = new NodeId(authorBytes.AsSpan(i * NodeId.KeySize, NodeId.KeySize));
                _authors.Add(id);
                if (!_ordinals.TryAdd(id, i))
                    throw Damaged(_authorKeys, i, $"author {id} listed twice");
            }
            _authorsCrc = (checkpoint.Authors, Crc32C.Update(~0u, authorBytes));

            var parentsCrc = _parents.UpdateCrc(~0u, 0, checkpoint.Parents);
            if (~parentsCrc != checkpoint.ParentsCrc)
                throw Damaged(_parents, 0, "checksum does not match the checkpoint");
            _parentsCrc = (checkpoint.Parents, parentsCrc);

            // The hash index from its image when it matches these tables (its last entry is the one
            // entries.tbl holds at that number): then only the keys after it are inserted.
            var watch = System.Diagnostics.Stopwatch.StartNew();
            long imaged = 0;
            if (HashIndexImage.TryRead(_storage, out var why) is { } image)
            {
                if (image.Header.Entries > checkpoint.Entries)
                    why = $"hash index image covers {image.Header.Entries} entries, the checkpoint {checkpoint.Entries}";
                else if (HashOf((int)image.Header.Entries - 1) != image.Header.Last)
                    why = $"hash index image's entry {image.Header.Entries - 1} is not the table's";
                else
                {
                    _index.Load(image.Slots, (int)image.Header.Entries);
                    imaged = image.Header.Entries;
                }
            }
            ImagedEntries = imaged;
            var imageMs = watch.ElapsedMilliseconds;

            // One pass over the keys: the hash index (after the image), each author's sequence numbers
            // (onKey), and the checksum, which is compared at the end; if it fails the caller drops all of this.
            Settled = (int)checkpoint.Entries;
            DurableCount = Settled;
            _index.Reserve((int)checkpoint.Entries);
            var chunk = new byte[EntryKey.Size * 4096];
            var keysCrc = ~0u;
            for (long n = 0; n < checkpoint.Entries; n += 4096)
            {
                var count = (int)Math.Min(4096, checkpoint.Entries - n);
                var span = chunk.AsSpan(0, count * EntryKey.Size);
                _keys.ReadDirect(n, span);
                keysCrc = Crc32C.Update(keysCrc, span);
                for (var i = 0; i < count; i++)
                {
                    var key = new EntryKey(span.Slice(i * EntryKey.Size, EntryKey.Size));
                    if ((uint)key.Author >= (uint)_authors.Count || key.Seq == 0)
                        throw Damaged(_keys, n + i, $"author ordinal {key.Author} or sequence number {key.Seq} out of range");
                    if (n + i >= imaged)
                        _index.Insert(key.HashPrefix, (int)(n + i));
                    onKey((int)(n + i), key.Author, key.Seq);
                }
            }
            if (~keysCrc != checkpoint.KeysCrc)
                throw Damaged(_keys, 0, "checksum does not match the checkpoint");
            _keysCrc = (checkpoint.Entries, keysCrc);
            ImageNote = (imaged > 0 ? $"hash index image of {imaged} entries" : why)
                + $"; image {imageMs} ms, keys {watch.ElapsedMilliseconds - imageMs} ms";
        }

        /// <summary>Entries the hash index image loaded on open covered (0: none was used), and how that went.</summary>
        public long ImagedEntries { get; private set; }

        public string ImageNote { get; private set; } = "";

        /// <summary>
        /// Writes the hash index image (<see cref="HashIndexImage"/>) when the index holds exactly the
        /// settled entries and enough were added since the last image: at least
        /// <paramref name="minimumNew"/>, and a sixteenth of those it covered, so that a growing log
        /// writes its image a bounded number of times per doubling (about seventeen times its final
        /// size in all, 2.3 GB by ten million entries) and opening inserts at most a sixteenth of the
        /// entries one by one (at ten million, a tenth of a second).
        /// </summary>
        public void WriteImageIfDue(long minimumNew)
        {
            var entries = Settled;
            if (entries == 0 || entries != Count || _index.Count != entries || entries - ImagedEntries < Math.Max(minimumNew, ImagedEntries / 16))
                return;
            HashIndexImage.Write(_storage, _index, entries, HashOf(entries - 1));
            ImagedEntries = entries;
        }

        /// <summary>Forgets everything and removes the table files: the log is rebuilt from the segments.</summary>
        public void Reset()
        {
            HashIndexImage.Delete(_storage);
            ImagedEntries = 0;
            _records.Reset();
            _parents.Reset();
            _keys.Reset();
            _authorKeys.Reset();
            _index.Clear();
            _authors.Clear();
            _ordinals.Clear();
            _inFlight.Clear();
            _holes.Clear();
            Settled = 0;
            DurableCount = 0;
            _keysCrc = _parentsCrc = _authorsCrc = (0, ~0u);
        }

        public void Dispose()
        {
            _records.Dispose();
            _parents.Dispose();
            _keys.Dispose();
            _authorKeys.Dispose();
        }

        private LogCorruptionException Damaged(RecordFile file, long index, string reason) =>
            new(_storage.Describe(file.Name), TableHeader.Size + (index * file.RecordSize),
                reason + "; remove the log's checkpoint.* files to rebuild the tables from the segments");
    }

    /// <summary>Entry numbers by sequence number, for one author: 4 bytes an entry in chunks that are never copied.</summary>
    private sealed class SeqIndex
    {
        private const int ChunkBits = 12;
        private const int ChunkSize = 1 << ChunkBits;
        private readonly List<int[]> _chunks = [];

        /// <summary>Sequence numbers 1..Count have a slot (-1 where none is held).</summary>
        public long Count { get; private set; }

        public int this[ulong seq]
        {
            get => seq == 0 || seq > (ulong)Count ? -1 : _chunks[(int)((seq - 1) >> ChunkBits)][(int)((seq - 1) & (ChunkSize - 1))];
        }

        public void Set(ulong seq, int number)
        {
            ArgumentOutOfRangeException.ThrowIfZero(seq);
            while ((ulong)Count < seq)
            {
                if (Count >> ChunkBits == _chunks.Count)
                    _chunks.Add(new int[ChunkSize]);
                _chunks[(int)(Count >> ChunkBits)][(int)(Count & (ChunkSize - 1))] = -1;
                Count++;
            }
            _chunks[(int)((seq - 1) >> ChunkBits)][(int)((seq - 1) & (ChunkSize - 1))] = number;
        }
    }
}

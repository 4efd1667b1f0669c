using System.Buffers.Binary;
using Datom.Log.Entries;
using Datom.Log.Identity;
using Datom.Log.Model;
using Datom.Log.Segments;
using Datom.Log.Storage;

namespace Datom.Log.Tables;

/// <summary>
/// Checks the log's tables against its entries, for <see cref="LogVerifier"/>: the entries the newest
/// checkpoint covers must be, in store order, exactly records 0.. of <c>entries.tbl</c> (hash, tx,
/// author, sequence number, time, position in the segments) and <c>keys.tbl</c>, with their parents
/// in <c>parents.tbl</c> and their authors in <c>authors.tbl</c>; the checkpoint's checksums, heads,
/// last entry, highest time and segment lengths must match; and the hash index image, when there is
/// one that opening would trust, must find every entry it covers. Reads only; the first mismatch is
/// thrown as a <see cref="LogCorruptionException"/> naming the table file and offset.
/// </summary>
/// <remarks>
/// Entries after the checkpoint are not checked against the tables: opening cuts the tables back to
/// the checkpoint and registers those entries again from the segments.
/// </remarks>
internal sealed class TableVerifier : IDisposable
{
    private readonly IStorage _storage;
    private readonly Checkpoint _checkpoint;
    private readonly string _checkpointFile;
    private readonly Table _entries;
    private readonly Table _parents;
    private readonly Table _keys;
    private readonly NodeId[] _authors;
    private readonly HashSet<int> _heads = [];
    private readonly byte[] _record = new byte[EntryRecord.Size];
    private readonly byte[] _parentRecord = new byte[EntryRecord.Size];
    private readonly byte[] _key = new byte[EntryKey.Size];
    private readonly byte[] _four = new byte[4];
    private uint _keysCrc = ~0u;
    private uint _parentsCrc = ~0u;
    private long _parentNext;
    private HlcTimestamp _maxTime;
    private RecordPosition _lastPosition;

    private TableVerifier(IStorage storage, Checkpoint checkpoint, Table entries, Table parents, Table keys, NodeId[] authors)
    {
        _storage = storage;
        _checkpoint = checkpoint;
        _checkpointFile = storage.Describe(Checkpoint.SlotNames[checkpoint.Generation % 2]);
        _entries = entries;
        _parents = parents;
        _keys = keys;
        _authors = authors;
    }

    /// <summary>How far the tables were checked, for the report.</summary>
    public string Summary { get; private set; } = "";

    /// <summary>
    /// Opens the tables the newest valid checkpoint names, or returns null with a note when there is
    /// no checkpoint (opening then rebuilds the tables from the segments, so there is nothing to check).
    /// </summary>
    /// <exception cref="LogCorruptionException">A table is missing, has a bad header, or is shorter than the checkpoint says.</exception>
    public static TableVerifier? Open(IStorage storage, List<string> notes)
    {
        var checkpoint = Checkpoint.ReadNewest(storage, notes);
        if (checkpoint is null)
        {
            notes.Add("no checkpoint: opening rebuilds the tables from the segments, so they were not checked");
            return null;
        }
        var opened = new List<Table>();
        try
        {
            var entries = Table.Open(storage, "entries.tbl", TableKind.Entries, EntryRecord.Size, checkpoint.Entries, opened);
            var parents = Table.Open(storage, "parents.tbl", TableKind.Parents, sizeof(uint), checkpoint.Parents, opened);
            var keys = Table.Open(storage, "keys.tbl", TableKind.Keys, EntryKey.Size, checkpoint.Entries, opened);
            var authorTable = Table.Open(storage, "authors.tbl", TableKind.Authors, NodeId.KeySize, checkpoint.Authors, opened);
            var authorBytes = new byte[checkpoint.Authors * NodeId.KeySize];
            authorTable.Read(0, authorBytes);
            if (~Crc32C.Update(~0u, authorBytes) != checkpoint.AuthorsCrc)
                throw authorTable.Damaged(0, "checksum does not match the checkpoint's");
            var authors = new NodeId[checkpoint.Authors];
            var distinct = new HashSet<NodeId>();
            for (var i = 0; i < authors.Length; i++)
            {
                authors[i] = new NodeId(authorBytes.AsSpan(i * NodeId.KeySize, NodeId.KeySize));
                if (!distinct.Add(authors[i]))
                    throw authorTable.Damaged(i, $"author {authors[i]} is listed twice");
            }
            authorTable.Dispose();
            opened.Remove(authorTable);
            return new TableVerifier(storage, checkpoint, entries, parents, keys, authors);
        }
        catch
        {
            foreach (var t in opened)
                t.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The <paramref name="index"/>-th entry in store order, stored at <paramref name="position"/>;
    /// already checked itself (signature, hash, parents stored before it).
    /// </summary>
    public void OnEntry(long index, RecordPosition position, Entry entry)
    {
        if (index >= _checkpoint.Entries)
            return;
        _entries.Read(index, _record);
        if (!EntryRecord.TryParse(_record, out var record, out var error))
            throw _entries.Damaged(index, error);
        var what = $"record {index} (entry {entry.Hash}, {entry.Author}#{entry.Seq})";
        if (record.Hash != entry.Hash)
            throw _entries.Damaged(index, $"record {index} names entry {record.Hash}; entry {index} in store order (the segments) is {entry.Hash}");
        if (record.Tx != entry.Tx || record.Seq != entry.Seq || record.Time != entry.Time)
            throw _entries.Damaged(index, $"{what}: tx, sequence number or time differs from the entry's");
        if ((uint)record.Author >= (uint)_authors.Length || _authors[record.Author] != entry.Author)
            throw _entries.Damaged(index, $"{what}: author ordinal {record.Author} is not the entry's author in authors.tbl");
        if (!record.Durable || record.Position != position)
            throw _entries.Damaged(index, $"{what}: position {record.Position.Segment}@{record.Position.Offset} (durable: {record.Durable}), the entry is at {position.Segment}@{position.Offset}");
        if (record.ParentStart != _parentNext || record.ParentCount != entry.Parents.Count)
            throw _entries.Damaged(index, $"{what}: parents at {record.ParentStart} ({record.ParentCount}); expected {_parentNext} ({entry.Parents.Count})");

        var parents = entry.Parents;
        for (var i = 0; i < parents.Count; i++)
        {
            var at = _parentNext + i;
            if (at >= _checkpoint.Parents)
                throw _parents.Damaged(at, $"{what}: its parents run past the checkpoint's {_checkpoint.Parents} parent numbers");
            _parents.Read(at, _four);
            _parentsCrc = Crc32C.Update(_parentsCrc, _four);
            var number = BinaryPrimitives.ReadInt32LittleEndian(_four);
            if (number < 0 || number >= index)
                throw _parents.Damaged(at, $"{what}: parent number {number} is not an entry stored before it");
            _entries.Read(number, _parentRecord);
            if (!EntryRecord.TryParse(_parentRecord, out var parent, out _) || parent.Hash != parents[i])
                throw _parents.Damaged(at, $"{what}: parent number {number} is not its parent {parents[i]}");
            if (parent.Author == record.Author)
                _heads.Remove(number);
        }
        _heads.Add((int)index);
        _parentNext += parents.Count;

        _keys.Read(index, _key);
        _keysCrc = Crc32C.Update(_keysCrc, _key);
        var key = new EntryKey(_key);
        if (key.HashPrefix != entry.Hash.Prefix || key.Author != record.Author || key.Seq != entry.Seq)
            throw _keys.Damaged(index, $"key {index} (prefix {key.HashPrefix:x16}, author {key.Author}, seq {key.Seq}) is not that of {what}");
        if (entry.Time > _maxTime)
            _maxTime = entry.Time;
        _lastPosition = position;
        if (index == _checkpoint.Entries - 1 && entry.Hash != _checkpoint.Last)
            throw new LogCorruptionException(_checkpointFile, 88, $"the last entry it covers is {_checkpoint.Last}; entry {index} is {entry.Hash}");
    }

    /// <summary>After every entry: what the checkpoint says of them as a whole, and the hash index image.</summary>
    public void Finish(long entries, List<string> notes)
    {
        if (entries < _checkpoint.Entries)
            throw new LogCorruptionException(_checkpointFile, 24, $"it covers {_checkpoint.Entries} entries; the segments hold {entries}");
        if (_parentNext != _checkpoint.Parents)
            throw new LogCorruptionException(_checkpointFile, 32, $"it covers {_checkpoint.Parents} parent numbers; its entries have {_parentNext}");
        if (~_keysCrc != _checkpoint.KeysCrc)
            throw _keys.Damaged(0, "checksum does not match the checkpoint's");
        if (~_parentsCrc != _checkpoint.ParentsCrc)
            throw _parents.Damaged(0, "checksum does not match the checkpoint's");
        if (_lastPosition != _checkpoint.Resume)
            throw new LogCorruptionException(_checkpointFile, 48, $"it resumes at {_checkpoint.Resume.Segment}@{_checkpoint.Resume.Offset}; its last entry is at {_lastPosition.Segment}@{_lastPosition.Offset}");
        if (_maxTime != _checkpoint.MaxTime)
            throw new LogCorruptionException(_checkpointFile, 64, $"highest time {_checkpoint.MaxTime}; its entries' is {_maxTime}");
        int[] heads = [.. _heads.Order()];
        if (!heads.AsSpan().SequenceEqual([.. _checkpoint.Heads.Order()]))
            throw new LogCorruptionException(_checkpointFile, Checkpoint.Size, $"heads {string.Join(',', _checkpoint.Heads.Order())}; its entries' are {string.Join(',', heads)}");
        for (var i = 0; i < _checkpoint.SealedLengths.Count; i++)
        {
            var name = SegmentHeader.FileName((uint)(_checkpoint.FirstSegment + i));
            using var file = _storage.Exists(name) ? _storage.Open(name) : null;
            if (file is null || file.Length != _checkpoint.SealedLengths[i])
                throw new LogCorruptionException(_checkpointFile, Checkpoint.Size + (i * 8L), $"{name} is {(file is null ? "missing" : $"{file.Length} bytes")}; it recorded {_checkpoint.SealedLengths[i]}");
        }
        Summary = $"checkpoint {_checkpoint.Generation} covers {_checkpoint.Entries} entries: entries.tbl, parents.tbl, keys.tbl and authors.tbl match them";
        VerifyImage(notes);
    }

    private void VerifyImage(List<string> notes)
    {
        if (HashIndexImage.TryRead(_storage, out var why) is not { } image)
        {
            // A cache written without an fsync: after a crash it may be torn, and opening then rebuilds it.
            if (_storage.Exists(HashIndexImageHeader.FileName))
                notes.Add($"{_storage.Describe(HashIndexImageHeader.FileName)}: not used on open ({why}); the hash index is rebuilt from keys.tbl");
            return;
        }
        var file = _storage.Describe(HashIndexImageHeader.FileName);
        if (image.Header.Entries > _checkpoint.Entries)
        {
            notes.Add($"{file}: covers {image.Header.Entries} entries, more than the checkpoint; not used on open");
            return;
        }
        _entries.Read(image.Header.Entries - 1, _record);
        if (!EntryRecord.TryParse(_record, out var last, out _) || last.Hash != image.Header.Last)
        {
            notes.Add($"{file}: its last entry is not entries.tbl's; not used on open");
            return;
        }
        // Opening trusts this image: every entry it covers must be found where a lookup probes for it,
        // each once, under its own fingerprint.
        var slots = image.Slots;
        var mask = slots.Length - 1;
        var seen = new System.Collections.BitArray((int)image.Header.Entries);
        for (var i = 0; i < slots.Length; i++)
        {
            var slot = slots[i];
            if (slot == 0)
                continue;
            var number = (int)(uint)slot - 1;
            var at = HashIndexImageHeader.Size + (i * 8L);
            if (seen[number])
                throw new LogCorruptionException(file, at, $"entry {number} has two slots");
            seen[number] = true;
            _keys.Read(number, _key);
            var prefix = new EntryKey(_key).HashPrefix;
            if ((uint)(slot >> 32) != (uint)(prefix >> 32))
                throw new LogCorruptionException(file, at, $"slot {i} holds entry {number} under fingerprint {(uint)(slot >> 32):x8}; its hash gives {(uint)(prefix >> 32):x8}");
            // Linear probing: every slot from the entry's bucket to this one is taken, or a lookup stops short.
            for (var j = (int)(prefix >> 32) & mask; j != i; j = (j + 1) & mask)
            {
                if (slots[j] == 0)
                    throw new LogCorruptionException(file, at, $"slot {i} holds entry {number}, but slot {j} between its bucket and it is empty: a lookup would not find it");
            }
        }
        Summary += $"; {HashIndexImageHeader.FileName} finds the first {image.Header.Entries}";
    }

    public void Dispose()
    {
        _entries.Dispose();
        _parents.Dispose();
        _keys.Dispose();
    }

    /// <summary>One table file, read a record at a time.</summary>
    private sealed class Table(IStorage storage, string name, IStorageFile file, int recordSize) : IDisposable
    {
        public static Table Open(IStorage storage, string name, TableKind kind, int recordSize, long records, List<Table> opened)
        {
            if (!storage.Exists(name))
                throw new LogCorruptionException(storage.Describe(name), 0, $"missing; the checkpoint names {records} records of it");
            var table = new Table(storage, name, storage.Open(name), recordSize);
            opened.Add(table);
            Span<byte> header = stackalloc byte[TableHeader.Size];
            if (table._file.Read(0, header) != header.Length)
                throw table.DamagedAt(0, "table header cut short");
            if (!TableHeader.TryParse(header, out var parsed, out var error))
                throw table.DamagedAt(0, error);
            if (parsed.Kind != kind || parsed.RecordSize != recordSize)
                throw table.DamagedAt(9, $"a {parsed.Kind} table of {parsed.RecordSize}-byte records; expected {kind} of {recordSize}");
            var length = TableHeader.Size + (records * recordSize);
            if (table._file.Length < length)
                throw table.DamagedAt(table._file.Length, $"{table._file.Length} bytes; the checkpoint names {records} records ({length} bytes)");
            return table;
        }

        private readonly IStorageFile _file = file;

        public void Read(long index, Span<byte> destination)
        {
            if (_file.Read(TableHeader.Size + (index * recordSize), destination) != destination.Length)
                throw Damaged(index, "cut short");
        }

        public LogCorruptionException Damaged(long index, string reason) => DamagedAt(TableHeader.Size + (index * recordSize), reason);

        private LogCorruptionException DamagedAt(long offset, string reason) => new(storage.Describe(name), offset, reason);

        public void Dispose() => _file.Dispose();
    }
}

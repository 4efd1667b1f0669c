using Datom.Log.Segments;
using Datom.Log.Storage;

namespace Datom.Log.Tables;

/// <summary>
/// A table of fixed-size records on disk (<see cref="TableHeader"/>, then the records), appended at
/// the end, with the newest records in a tail buffer until flushed and older ones read through a
/// bounded LRU cache of blocks. What the log keeps per entry lives here, so memory stays bounded by
/// <see cref="CacheBytes"/> plus the tail, whatever the log's length.
/// </summary>
/// <remarks>
/// The file is created on the first flush, so a log that never flushes (a short one) writes no
/// table at all. Nothing here is durable until <see cref="Sync"/>; the checkpoint that names a
/// table's length is written only after it (see <see cref="Checkpoint"/>). Not thread-safe: the
/// log's gate guards it.
/// </remarks>
internal sealed class RecordFile : IDisposable
{
    private readonly IStorage _storage;
    private readonly TableKind _kind;
    private readonly int _blockRecords;
    private readonly int _maxBlocks;
    private readonly Dictionary<long, LinkedListNode<Block>> _blocks = [];
    private readonly LinkedList<Block> _lru = new();
    private IStorageFile? _file;
    private byte[] _tail;
    private int _tailCount;
    private bool _created;

    public RecordFile(IStorage storage, string name, TableKind kind, int recordSize, long cacheBytes)
    {
        _storage = storage;
        Name = name;
        _kind = kind;
        RecordSize = recordSize;
        // Blocks of about 4 KiB, the page size: one read brings in the neighbours an ancestry walk or a
        // store-order scan asks for next.
        _blockRecords = Math.Max(1, 4096 / recordSize);
        _maxBlocks = (int)Math.Clamp(cacheBytes / ((long)_blockRecords * recordSize), 1, int.MaxValue);
        _tail = new byte[recordSize * 64];
    }

    public string Name { get; }

    public int RecordSize { get; }

    /// <summary>Records in the file (the rest are in the tail).</summary>
    public long Flushed { get; private set; }

    public long Count => Flushed + _tailCount;

    public long CacheBytes => (long)_maxBlocks * _blockRecords * RecordSize;

    /// <summary>Blocks in the cache now: at most <see cref="CacheBytes"/> worth.</summary>
    public int CachedBlocks => _blocks.Count;

    /// <summary>Bytes held in the tail buffer (records not yet flushed).</summary>
    public long TailBytes => _tail.Length;

    /// <summary>The file was created since the last <see cref="Sync"/>: its directory entry needs syncing.</summary>
    public bool Created => _created;

    /// <summary>
    /// Attaches to an existing table file, checking its header, and keeps its first <paramref name="count"/>
    /// records (the rest, written after the checkpoint, are cut).
    /// </summary>
    /// <exception cref="LogCorruptionException">The header is bad or the file holds fewer records.</exception>
    public void Attach(long count)
    {
        var file = _storage.Open(Name);
        try
        {
            Span<byte> header = stackalloc byte[TableHeader.Size];
            if (file.Read(0, header) != TableHeader.Size || !TableHeader.TryParse(header, out var parsed, out var error))
                throw new LogCorruptionException(_storage.Describe(Name), 0, "table header unreadable");
            if (parsed.Kind != _kind || parsed.RecordSize != RecordSize)
                throw new LogCorruptionException(_storage.Describe(Name), 9, $"table is {parsed.Kind} of {parsed.RecordSize}-byte records, expected {_kind} of {RecordSize}");
            var need = TableHeader.Size + (count * RecordSize);
            if (file.Length < need)
                throw new LogCorruptionException(_storage.Describe(Name), file.Length, $"table holds {(file.Length - TableHeader.Size) / RecordSize} records, the checkpoint names {count}");
            if (file.Length > need)
                file.Truncate(need);
            _ = error;
        }
        catch
        {
            file.Dispose();
            throw;
        }
        _file = file;
        Flushed = count;
        _tailCount = 0;
        DropCache();
    }

    /// <summary>Appends a record to the tail; returns its index.</summary>
    public long Append(ReadOnlySpan<byte> record)
    {
        if ((_tailCount + 1) * RecordSize > _tail.Length)
            Array.Resize(ref _tail, _tail.Length * 2);
        record[..RecordSize].CopyTo(_tail.AsSpan(_tailCount * RecordSize));
        _tailCount++;
        return Count - 1;
    }

    /// <summary>A record still in the tail, to change in place (the log sets an entry's position when it is durable).</summary>
    public Span<byte> TailRecord(long index)
    {
        if (index < Flushed || index >= Count)
            throw new ArgumentOutOfRangeException(nameof(index), $"record {index} of {Name} is not in the tail ({Flushed}..{Count})");
        return _tail.AsSpan((int)(index - Flushed) * RecordSize, RecordSize);
    }

    /// <summary>Reads <c>destination.Length / RecordSize</c> records from <paramref name="index"/>.</summary>
    public void Read(long index, Span<byte> destination)
    {
        var count = destination.Length / RecordSize;
        if (index < 0 || index + count > Count)
            throw new ArgumentOutOfRangeException(nameof(index), $"records {index}..{index + count} of {Name}, which holds {Count}");
        while (count > 0)
        {
            int n;
            if (index >= Flushed)
            {
                n = count;
                _tail.AsSpan((int)(index - Flushed) * RecordSize, n * RecordSize).CopyTo(destination);
            }
            else
            {
                var block = index / _blockRecords;
                var within = (int)(index - (block * _blockRecords));
                var data = BlockAt(block);
                n = (int)Math.Min(count, Math.Min(_blockRecords - within, Flushed - index));
                data.AsSpan(within * RecordSize, n * RecordSize).CopyTo(destination);
            }
            destination = destination[(n * RecordSize)..];
            index += n;
            count -= n;
        }
    }

    /// <summary>Writes the tail's records below <paramref name="upTo"/> to the file (creating it if needed).</summary>
    public void Flush(long upTo)
    {
        upTo = Math.Min(upTo, Count);
        if (upTo <= Flushed)
            return;
        if (_file is null)
        {
            if (_storage.Exists(Name))
                _storage.Delete(Name); // a table from before a rebuild: this one starts empty
            _file = _storage.Create(Name);
            _created = true;
            Span<byte> header = stackalloc byte[TableHeader.Size];
            new TableHeader(_kind, RecordSize).Format(header);
            _file.Write(0, header);
        }
        var n = (int)(upTo - Flushed);
        _file.Write(TableHeader.Size + (Flushed * RecordSize), _tail.AsSpan(0, n * RecordSize));
        // The block that held the old end may be cached short: drop it so it is read again whole.
        if (_blocks.Remove(Flushed / _blockRecords, out var stale))
            _lru.Remove(stale);
        _tail.AsSpan(n * RecordSize, (_tailCount - n) * RecordSize).CopyTo(_tail);
        _tailCount -= n;
        Flushed = upTo;
        // Give back a tail that grew while much was in flight.
        if (_tail.Length > RecordSize * 4096 && _tailCount * RecordSize * 4 < _tail.Length)
            Array.Resize(ref _tail, Math.Max(RecordSize * 64, _tailCount * RecordSize * 2));
    }

    public void Sync()
    {
        _file?.Sync();
        _created = false;
    }

    /// <summary>CRC-32C (continuing <paramref name="crc"/>, unfinalised) of records [from, to), read through the cache.</summary>
    public uint UpdateCrc(uint crc, long from, long to)
    {
        var buffer = new byte[RecordSize * Math.Max(1, 65536 / RecordSize)];
        var per = buffer.Length / RecordSize;
        for (var i = from; i < to; i += per)
        {
            var n = (int)Math.Min(per, to - i);
            var span = buffer.AsSpan(0, n * RecordSize);
            ReadDirect(i, span);
            crc = Crc32C.Update(crc, span);
        }
        return crc;
    }

    /// <summary>
    /// Reads records for a one-pass scan (opening), from the file itself, past the cache: a scan of the
    /// whole table must not evict what the cache holds, nor fill it.
    /// </summary>
    public void ReadDirect(long index, Span<byte> destination)
    {
        var count = destination.Length / RecordSize;
        var fromFile = (int)Math.Clamp(Flushed - index, 0, count);
        if (fromFile > 0)
        {
            var bytes = destination[..(fromFile * RecordSize)];
            if (_file is null || _file.Read(TableHeader.Size + (index * RecordSize), bytes) != bytes.Length)
                throw new LogCorruptionException(_storage.Describe(Name), TableHeader.Size + (index * RecordSize), "table cut short");
        }
        if (fromFile < count)
            Read(index + fromFile, destination[(fromFile * RecordSize)..]);
    }

    /// <summary>Removes the file and forgets every record (a rebuild starts from nothing).</summary>
    public void Reset()
    {
        _file?.Dispose();
        _file = null;
        if (_storage.Exists(Name))
            _storage.Delete(Name);
        Flushed = 0;
        _tailCount = 0;
        _created = false;
        DropCache();
    }

    public void Dispose()
    {
        _file?.Dispose();
        _file = null;
        DropCache();
    }

    private void DropCache()
    {
        _blocks.Clear();
        _lru.Clear();
    }

    private byte[] BlockAt(long block)
    {
        if (_blocks.TryGetValue(block, out var node))
        {
            _lru.Remove(node);
            _lru.AddFirst(node);
            return node.Value.Data;
        }
        var first = block * _blockRecords;
        var records = (int)Math.Min(_blockRecords, Flushed - first);
        byte[] data;
        if (_blocks.Count >= _maxBlocks)
        {
            // Reuse the least recently used block's array: a full cache allocates nothing.
            var victim = _lru.Last!;
            _lru.RemoveLast();
            _blocks.Remove(victim.Value.Number);
            data = victim.Value.Data;
        }
        else
        {
            data = new byte[_blockRecords * RecordSize];
        }
        var bytes = data.AsSpan(0, records * RecordSize);
        if (_file is null || _file.Read(TableHeader.Size + (first * RecordSize), bytes) != bytes.Length)
            throw new LogCorruptionException(_storage.Describe(Name), TableHeader.Size + (first * RecordSize), "table cut short");
        var added = _lru.AddFirst(new Block(block, data));
        _blocks[block] = added;
        return data;
    }

    private sealed record Block(long Number, byte[] Data);
}

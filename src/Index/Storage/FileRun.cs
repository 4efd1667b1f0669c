using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using Datom.Log.Segments;
using Datom.Log.Storage;

namespace Datom.Index.Storage;

/// <summary>
/// A run on disk. Layout (integers little-endian):
/// <code>
/// header  32 bytes: "DATOMRUN", version 1, order, 2 reserved, key count (u64), 8 reserved, CRC-32C of bytes 0..28
/// blocks  [u32 payload length][u32 CRC-32C][payload], payload = [u32 n][u32 offset × (n+1)][keys]
/// index   [u32 blocks] then per block [u64 file offset][u32 length][u32 first-key length][first key]
/// footer  16 bytes: index offset (u64), CRC-32C of the index (u32), "RUNE"
/// </code>
/// Blocks are read through a shared, bounded <see cref="BlockCache"/>, so memory stays bounded however
/// large the index grows; the block index (first keys) is held in memory, packed into one array (at
/// ten million entries a run set has some 600,000 blocks: an array per first key cost 32 bytes more
/// each, in object headers and references, and as many objects for every collection to trace).
/// </summary>
public sealed class FileRun : ISortedRun, IDisposable
{
    public const int HeaderSize = 32;
    public const int FooterSize = 16;
    public const int TargetBlockBytes = 16 * 1024;

    private static ReadOnlySpan<byte> Magic => "DATOMRUN"u8;
    private static ReadOnlySpan<byte> FooterMagic => "RUNE"u8;

    private readonly IStorageFile _file;
    private readonly BlockCache _cache;
    private readonly long _id;
    private readonly long[] _blockOffsets;
    private readonly int[] _blockLengths;
    private readonly PackedKeys _firstKeys;

    private FileRun(string name, IStorageFile file, BlockCache cache, long id, long count, long size, long[] offsets, int[] lengths, PackedKeys firstKeys)
    {
        Name = name;
        _file = file;
        _cache = cache;
        _id = id;
        Count = count;
        SizeBytes = size;
        _blockOffsets = offsets;
        _blockLengths = lengths;
        _firstKeys = firstKeys;
    }

    public string Name { get; }

    public long Count { get; }

    public long SizeBytes { get; }

    public IRunCursor OpenCursor() => new Cursor(this);

    /// <summary>
    /// The keys of the blocks the range touches: from the last block starting at or before the
    /// prefix to the last block starting within it, at the run's average keys per block.
    /// </summary>
    public long EstimateRange(ReadOnlySpan<byte> prefix)
    {
        if (_firstKeys.Count == 0)
            return 0;
        var first = Math.Max(0, KeyRange.Start(_firstKeys, prefix) - 1);
        var last = KeyRange.End(_firstKeys, prefix) - 1;
        if (last < first)
            return 0;
        return (long)Math.Ceiling((last - first + 1) * ((double)Count / _firstKeys.Count));
    }

    public void Dispose() => _file.Dispose();

    /// <summary>Writes sorted, distinct keys as a run file and syncs it. The caller makes it visible (manifest).</summary>
    public static void Write(IStorage storage, string name, IndexOrder order, IEnumerable<byte[]> sortedKeys)
    {
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentNullException.ThrowIfNull(sortedKeys);
        using var file = storage.Create(name);
        long offset = HeaderSize;
        long count = 0;
        var index = new List<(long Offset, int Length, byte[] First)>();
        var block = new List<byte[]>();
        var blockBytes = 0;
        byte[]? previous = null;

        void FlushBlock()
        {
            if (block.Count == 0)
                return;
            var payloadLength = 4 + (4 * (block.Count + 1)) + blockBytes;
            var buffer = new byte[8 + payloadLength];
            var payload = buffer.AsSpan(8);
            BinaryPrimitives.WriteUInt32LittleEndian(payload, (uint)block.Count);
            var keyStart = 4 + (4 * (block.Count + 1));
            var o = 0;
            for (var i = 0; i < block.Count; i++)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(payload[(4 + (4 * i))..], (uint)o);
                block[i].CopyTo(payload[(keyStart + o)..]);
                o += block[i].Length;
            }
            BinaryPrimitives.WriteUInt32LittleEndian(payload[(4 + (4 * block.Count))..], (uint)o);
            BinaryPrimitives.WriteUInt32LittleEndian(buffer, (uint)payloadLength);
            BinaryPrimitives.WriteUInt32LittleEndian(buffer.AsSpan(4), Crc32C.Compute(payload));
            file.Write(offset, buffer);
            index.Add((offset, buffer.Length, block[0]));
            offset += buffer.Length;
            block.Clear();
            blockBytes = 0;
        }

        foreach (var key in sortedKeys)
        {
            if (previous is not null && previous.AsSpan().SequenceCompareTo(key) >= 0)
                throw new ArgumentException("keys must be sorted and distinct", nameof(sortedKeys));
            previous = key;
            block.Add(key);
            blockBytes += key.Length;
            count++;
            if (blockBytes >= TargetBlockBytes)
                FlushBlock();
        }
        FlushBlock();

        var indexBytes = new List<byte>();
        Span<byte> scratch = stackalloc byte[16];
        BinaryPrimitives.WriteUInt32LittleEndian(scratch, (uint)index.Count);
        indexBytes.AddRange(scratch[..4]);
        foreach (var (blockOffset, length, first) in index)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(scratch, (ulong)blockOffset);
            BinaryPrimitives.WriteUInt32LittleEndian(scratch[8..], (uint)length);
            BinaryPrimitives.WriteUInt32LittleEndian(scratch[12..], (uint)first.Length);
            indexBytes.AddRange(scratch);
            indexBytes.AddRange(first);
        }
        var indexArray = indexBytes.ToArray();
        file.Write(offset, indexArray);
        var footer = new byte[FooterSize];
        BinaryPrimitives.WriteUInt64LittleEndian(footer, (ulong)offset);
        BinaryPrimitives.WriteUInt32LittleEndian(footer.AsSpan(8), Crc32C.Compute(indexArray));
        FooterMagic.CopyTo(footer.AsSpan(12));
        file.Write(offset + indexArray.Length, footer);

        var header = new byte[HeaderSize];
        Magic.CopyTo(header);
        header[8] = 1;
        header[9] = (byte)order;
        BinaryPrimitives.WriteUInt64LittleEndian(header.AsSpan(12), (ulong)count);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(28), Crc32C.Compute(header.AsSpan(0, 28)));
        file.Write(0, header);
        file.Sync();
    }

    /// <summary>Opens a run file, checking its header, footer and block index.</summary>
    public static FileRun Open(IStorage storage, string name, IndexOrder order, BlockCache cache, long id)
    {
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentNullException.ThrowIfNull(cache);
        var file = storage.Open(name);
        try
        {
            var length = file.Length;
            if (length < HeaderSize + FooterSize)
                throw Corrupt(storage, name, 0, "run file is shorter than its header and footer");
            var header = new byte[HeaderSize];
            file.Read(0, header);
            if (!header.AsSpan(0, 8).SequenceEqual(Magic) || Crc32C.Compute(header.AsSpan(0, 28)) != BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(28)))
                throw Corrupt(storage, name, 0, "bad run header");
            if (header[8] != 1 || header[9] != (byte)order)
                throw Corrupt(storage, name, 8, $"run version {header[8]} order {header[9]}; expected version 1 order {(byte)order}");
            var count = (long)BinaryPrimitives.ReadUInt64LittleEndian(header.AsSpan(12));

            var footer = new byte[FooterSize];
            file.Read(length - FooterSize, footer);
            if (!footer.AsSpan(12).SequenceEqual(FooterMagic))
                throw Corrupt(storage, name, length - FooterSize, "bad run footer");
            var indexOffset = (long)BinaryPrimitives.ReadUInt64LittleEndian(footer);
            if (indexOffset < HeaderSize || indexOffset > length - FooterSize)
                throw Corrupt(storage, name, length - FooterSize, "run index offset out of range");
            var indexBytes = new byte[length - FooterSize - indexOffset];
            file.Read(indexOffset, indexBytes);
            if (Crc32C.Compute(indexBytes) != BinaryPrimitives.ReadUInt32LittleEndian(footer.AsSpan(8)))
                throw Corrupt(storage, name, indexOffset, "run index checksum mismatch");

            if (indexBytes.Length < 4)
                throw Corrupt(storage, name, indexOffset, "run index shorter than its block count");
            var blocks = (int)BinaryPrimitives.ReadUInt32LittleEndian(indexBytes);
            if (blocks < 0 || blocks > (indexBytes.Length - 4) / 16)
                throw Corrupt(storage, name, indexOffset, "run index block count out of range");
            var offsets = new long[blocks];
            var lengths = new int[blocks];
            var starts = new int[blocks + 1];
            var keyBytes = new byte[indexBytes.Length - 4 - (16L * blocks)];
            var o = 4;
            for (var i = 0; i < blocks; i++)
            {
                offsets[i] = (long)BinaryPrimitives.ReadUInt64LittleEndian(indexBytes.AsSpan(o));
                lengths[i] = (int)BinaryPrimitives.ReadUInt32LittleEndian(indexBytes.AsSpan(o + 8));
                var firstLength = (int)BinaryPrimitives.ReadUInt32LittleEndian(indexBytes.AsSpan(o + 12));
                o += 16;
                if (firstLength < 0 || o + firstLength > indexBytes.Length || starts[i] + firstLength > keyBytes.Length || offsets[i] + lengths[i] > indexOffset)
                    throw Corrupt(storage, name, indexOffset + o, "run index entry out of range");
                indexBytes.AsSpan(o, firstLength).CopyTo(keyBytes.AsSpan(starts[i]));
                starts[i + 1] = starts[i] + firstLength;
                o += firstLength;
            }
            if (starts[blocks] != keyBytes.Length)
                throw Corrupt(storage, name, indexOffset + o, "run index has bytes after its last entry");
            return new FileRun(name, file, cache, id, count, length, offsets, lengths, new PackedKeys(keyBytes, starts));
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    private static LogCorruptionException Corrupt(IStorage storage, string name, long offset, string reason) =>
        new(storage.Describe(name), offset, reason);

    /// <summary>A block's payload: from the cache, else read and checked.</summary>
    private byte[] Block(int index)
    {
        return _cache.GetOrAdd(_id, index, () =>
        {
            var buffer = new byte[_blockLengths[index]];
            if (_file.Read(_blockOffsets[index], buffer) != buffer.Length)
                throw new LogCorruptionException(Name, _blockOffsets[index], "run block cut short");
            var payloadLength = (int)BinaryPrimitives.ReadUInt32LittleEndian(buffer);
            if (payloadLength != buffer.Length - 8 || Crc32C.Compute(buffer.AsSpan(8)) != BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(4)))
                throw new LogCorruptionException(Name, _blockOffsets[index], "run block checksum mismatch");
            return buffer;
        });
    }

    private sealed class Cursor(FileRun run) : IRunCursor
    {
        private int _block = -1;
        private byte[] _data = [];
        private int _n;
        private int _i;
        private int _keyStart;

        // Where the current key lies in _data, set whenever the cursor moves.
        private int _currentStart;
        private int _currentLength;

        public ReadOnlySpan<byte> Current => new(_data, _currentStart, _currentLength);

        /// <summary>Key <paramref name="i"/> of the loaded block: payload = [u32 n][u32 offset × (n+1)][keys].</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private ReadOnlySpan<byte> KeyAt(int i)
        {
            var start = (int)BinaryPrimitives.ReadUInt32LittleEndian(_data.AsSpan(12 + (4 * i)));
            var end = (int)BinaryPrimitives.ReadUInt32LittleEndian(_data.AsSpan(16 + (4 * i)));
            return _data.AsSpan(_keyStart + start, end - start);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private bool MoveTo(int i)
        {
            _i = i;
            if (i >= _n)
                return false;
            var start = (int)BinaryPrimitives.ReadUInt32LittleEndian(_data.AsSpan(12 + (4 * i)));
            _currentStart = _keyStart + start;
            _currentLength = (int)BinaryPrimitives.ReadUInt32LittleEndian(_data.AsSpan(16 + (4 * i))) - start;
            return true;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public bool Seek(ReadOnlySpan<byte> key)
        {
            var first = run._firstKeys;
            if (first.Count == 0)
                return false;
            var lo = 0;
            var inBlock = false;
            if (_block >= 0 && (_block + 1 == first.Count || key.SequenceCompareTo(first.Key(_block + 1)) < 0))
            {
                // The key is in the block already loaded (it is before the next block and after the
                // current key, or after the block's first): no block lookup, and when it is ahead
                // of the current position (a probe sequence in key order) the search starts there.
                if (_i < _n && Current.SequenceCompareTo(key) < 0)
                {
                    lo = _i + 1;
                    inBlock = true;
                }
                else
                {
                    inBlock = _block == 0 || first.Key(_block).SequenceCompareTo(key) <= 0;
                }
            }
            if (!inBlock)
            {
                // The last block whose first key is ≤ key (or the first block).
                int bl = 0, bh = first.Count;
                while (bl < bh)
                {
                    var mid = (bl + bh) >>> 1;
                    if (first.Key(mid).SequenceCompareTo(key) <= 0)
                        bl = mid + 1;
                    else
                        bh = mid;
                }
                Load(Math.Max(0, bl - 1));
            }
            return MoveTo(LowerBound(key, lo)) || NextBlock();
        }

        /// <summary>
        /// The first position ≥ <paramref name="lo"/> whose key is ≥ <paramref name="key"/>: a gallop
        /// from <paramref name="lo"/> (nearby targets cost a few compares), then a binary search.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private int LowerBound(ReadOnlySpan<byte> key, int lo)
        {
            var hi = _n;
            var step = 1;
            while (lo + step < hi)
            {
                var probe = lo + step - 1;
                if (KeyAt(probe).SequenceCompareTo(key) >= 0)
                {
                    hi = probe;
                    break;
                }
                lo = probe + 1;
                step <<= 1;
            }
            while (lo < hi)
            {
                var mid = (lo + hi) >>> 1;
                if (KeyAt(mid).SequenceCompareTo(key) < 0)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            return lo;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public bool Next()
        {
            if (_block < 0)
                return false;
            return MoveTo(_i + 1) || NextBlock();
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private bool NextBlock()
        {
            if (_block + 1 >= run._firstKeys.Count)
            {
                _i = _n;
                return false;
            }
            Load(_block + 1);
            return MoveTo(0);
        }

        private void Load(int block)
        {
            _block = block;
            _data = run.Block(block);
            _n = (int)BinaryPrimitives.ReadUInt32LittleEndian(_data.AsSpan(8));
            _keyStart = 8 + 4 + (4 * (_n + 1));
        }

        public void Dispose()
        {
        }
    }
}

/// <summary>
/// Blocks of run files kept in memory, least recently used out first: the "hot in RAM, cold on disk"
/// of DESIGN.md, with a hard bound on bytes.
/// </summary>
public sealed class BlockCache(long capacityBytes)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<(long Run, int Block), LinkedListNode<(long Run, int Block, byte[] Data)>> _map = [];
    private readonly LinkedList<(long Run, int Block, byte[] Data)> _lru = new();
    private long _bytes;

    public long CapacityBytes { get; } = capacityBytes;

    public long Bytes
    {
        get
        {
            lock (_gate)
                return _bytes;
        }
    }

    public byte[] GetOrAdd(long run, int block, Func<byte[]> load)
    {
        ArgumentNullException.ThrowIfNull(load);
        lock (_gate)
        {
            if (_map.TryGetValue((run, block), out var node))
            {
                _lru.Remove(node);
                _lru.AddLast(node);
                return node.Value.Data;
            }
        }
        var data = load();
        lock (_gate)
        {
            if (_map.TryGetValue((run, block), out var existing))
                return existing.Value.Data;
            _map[(run, block)] = _lru.AddLast((run, block, data));
            _bytes += data.Length;
            while (_bytes > CapacityBytes && _lru.First is { } oldest && _lru.Count > 1)
            {
                _lru.RemoveFirst();
                _map.Remove((oldest.Value.Run, oldest.Value.Block));
                _bytes -= oldest.Value.Data.Length;
            }
        }
        return data;
    }

    /// <summary>Forgets the blocks of a run that was compacted away.</summary>
    public void Evict(long run)
    {
        lock (_gate)
        {
            var node = _lru.First;
            while (node is not null)
            {
                var next = node.Next;
                if (node.Value.Run == run)
                {
                    _lru.Remove(node);
                    _map.Remove((node.Value.Run, node.Value.Block));
                    _bytes -= node.Value.Data.Length;
                }
                node = next;
            }
        }
    }
}

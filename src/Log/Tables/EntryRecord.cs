using System.Buffers.Binary;
using Datom.Log.Model;
using Datom.Log.Segments;

namespace Datom.Log.Tables;

/// <summary>
/// What the log knows of one entry without reading it, record n of <c>entries.tbl</c>:
/// <code>
/// 0  hash (32)            32 tx (16)             48 seq (u64)          56 HLC time (u64)
/// 64 segment (u32)        68 author ordinal (u32) 72 record offset (u64) 80 first parent (u64, in parents.tbl)
/// 88 parent count (u16)   90 flags (bit 0: durable; others zero)      91 reserved, zero
/// 92 CRC-32C of bytes 0..92 (u32)
/// </code>
/// All integers little-endian; the hash and tx in their own canonical byte forms. Segment and
/// offset are zero until the entry is durable.
/// </summary>
public readonly record struct EntryRecord(
    EntryHash Hash, EntityId Tx, ulong Seq, HlcTimestamp Time, int Author, RecordPosition Position, bool Durable, long ParentStart, int ParentCount)
{
    public const int Size = 96;

    private const byte DurableFlag = 1;

    public void Format(Span<byte> destination)
    {
        destination = destination[..Size];
        Hash.Format(destination);
        Tx.Format(destination[32..]);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[48..], Seq);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[56..], Time.Value);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[64..], Position.Segment);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[68..], (uint)Author);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[72..], (ulong)Position.Offset);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[80..], (ulong)ParentStart);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[88..], checked((ushort)ParentCount));
        destination[90] = Durable ? DurableFlag : (byte)0;
        destination[91] = 0;
        BinaryPrimitives.WriteUInt32LittleEndian(destination[92..], Crc32C.Compute(destination[..92]));
    }

    /// <summary>Parses a record; on failure says why, and makes no record.</summary>
    public static bool TryParse(ReadOnlySpan<byte> source, out EntryRecord record, out string error)
    {
        record = default;
        if (source.Length < Size)
        {
            error = $"entry record is {source.Length} bytes, needs {Size}";
            return false;
        }
        if (BinaryPrimitives.ReadUInt32LittleEndian(source[92..]) != Crc32C.Compute(source[..92]))
        {
            error = "entry record checksum mismatch";
            return false;
        }
        if ((source[90] & ~DurableFlag) != 0 || source[91] != 0)
        {
            error = "entry record reserved bits are not zero";
            return false;
        }
        var start = BinaryPrimitives.ReadUInt64LittleEndian(source[80..]);
        var offset = BinaryPrimitives.ReadUInt64LittleEndian(source[72..]);
        var author = BinaryPrimitives.ReadUInt32LittleEndian(source[68..]);
        if (start > long.MaxValue || offset > long.MaxValue || author > int.MaxValue)
        {
            error = "entry record field out of range";
            return false;
        }
        record = new EntryRecord(
            new EntryHash(source[..32]),
            new EntityId(source[32..48]),
            BinaryPrimitives.ReadUInt64LittleEndian(source[48..]),
            new HlcTimestamp(BinaryPrimitives.ReadUInt64LittleEndian(source[56..])),
            (int)author,
            new RecordPosition(BinaryPrimitives.ReadUInt32LittleEndian(source[64..]), (long)offset),
            source[90] == DurableFlag,
            (long)start,
            BinaryPrimitives.ReadUInt16LittleEndian(source[88..]));
        error = "";
        return true;
    }
}

/// <summary>
/// Record n of <c>keys.tbl</c>, what opening reads of every entry to rebuild the in-memory lookups
/// (the hash index and each author's sequence numbers) without touching the entries themselves:
/// <code>
/// 0 hash prefix (u64, the hash's first 8 bytes read big-endian)   8 author ordinal (u32)   12 seq (u32)
/// </code>
/// All little-endian. A sequence number is at most the number of entries an author has, so 32 bits
/// hold it for any log under 2^32 entries.
/// </summary>
public readonly record struct EntryKey(ulong HashPrefix, int Author, uint Seq)
{
    public const int Size = 16;

    public void Format(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(destination, HashPrefix);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[8..], (uint)Author);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[12..], Seq);
    }

    public EntryKey(ReadOnlySpan<byte> source)
        : this(BinaryPrimitives.ReadUInt64LittleEndian(source), (int)BinaryPrimitives.ReadUInt32LittleEndian(source[8..]), BinaryPrimitives.ReadUInt32LittleEndian(source[12..]))
    {
    }
}

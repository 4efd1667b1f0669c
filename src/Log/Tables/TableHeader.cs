using System.Buffers.Binary;
using Datom.Log.Segments;

namespace Datom.Log.Tables;

/// <summary>Which of the log's per-entry tables a file is.</summary>
public enum TableKind : byte
{
    /// <summary><c>entries.tbl</c>: one <see cref="EntryRecord"/> per entry number.</summary>
    Entries = 1,

    /// <summary><c>parents.tbl</c>: the parents of every entry end to end, as entry numbers (u32).</summary>
    Parents = 2,

    /// <summary><c>keys.tbl</c>: one <see cref="EntryKey"/> per entry number, what opening needs.</summary>
    Keys = 3,

    /// <summary><c>authors.tbl</c>: the 32-byte public key of each author, by ordinal.</summary>
    Authors = 4,
}

/// <summary>
/// The first <see cref="Size"/> bytes of every table file:
/// <code>
/// 0  magic "DATOMTBL"   8  version (1)   9  kind (<see cref="TableKind"/>)   10 reserved, zero (2)
/// 12 record size (u32)  16 reserved, zero (12)                            28 CRC-32C of bytes 0..28 (u32)
/// </code>
/// All integers little-endian. Records of <see cref="RecordSize"/> bytes follow, record n at
/// <c>Size + n * RecordSize</c>.
/// </summary>
public readonly record struct TableHeader(TableKind Kind, int RecordSize)
{
    public const int Size = 32;
    public const byte CurrentVersion = 1;

    private static ReadOnlySpan<byte> Magic => "DATOMTBL"u8;

    public void Format(Span<byte> destination)
    {
        destination[..Size].Clear();
        Magic.CopyTo(destination);
        destination[8] = CurrentVersion;
        destination[9] = (byte)Kind;
        BinaryPrimitives.WriteUInt32LittleEndian(destination[12..], (uint)RecordSize);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[28..], Crc32C.Compute(destination[..28]));
    }

    /// <summary>Parses a header; on failure says why, and makes no header.</summary>
    public static bool TryParse(ReadOnlySpan<byte> source, out TableHeader header, out string error)
    {
        header = default;
        if (source.Length < Size)
        {
            error = $"table header is {source.Length} bytes, needs {Size}";
            return false;
        }
        if (!source[..8].SequenceEqual(Magic))
        {
            error = "not a table file (bad magic)";
            return false;
        }
        if (BinaryPrimitives.ReadUInt32LittleEndian(source[28..]) != Crc32C.Compute(source[..28]))
        {
            error = "table header checksum mismatch";
            return false;
        }
        if (source[8] != CurrentVersion)
        {
            error = $"table version {source[8]}; this build reads version {CurrentVersion}";
            return false;
        }
        if (source[10..12].ContainsAnyExcept((byte)0) || source[16..28].ContainsAnyExcept((byte)0))
        {
            error = "table header reserved bytes are not zero";
            return false;
        }
        var kind = (TableKind)source[9];
        if (!Enum.IsDefined(kind))
        {
            error = $"unknown table kind {source[9]}";
            return false;
        }
        var size = BinaryPrimitives.ReadUInt32LittleEndian(source[12..]);
        if (size is 0 or > 4096)
        {
            error = $"table record size {size} outside 1..4096";
            return false;
        }
        header = new TableHeader(kind, (int)size);
        error = "";
        return true;
    }
}

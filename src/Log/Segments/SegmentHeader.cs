using System.Buffers.Binary;

namespace Datom.Log.Segments;

/// <summary>
/// The first <see cref="Size"/> bytes of every segment file:
/// <code>
/// 0  magic "DATOMSEG"     8  version (1)    9  reserved, zero (3)
/// 12 segment number (u32) 16 reserved, zero (12)        28 CRC-32C of bytes 0..28 (u32)
/// </code>
/// All integers little-endian.
/// </summary>
public readonly record struct SegmentHeader(uint Number)
{
    public const int Size = 32;
    public const byte CurrentVersion = 1;

    private static ReadOnlySpan<byte> Magic => "DATOMSEG"u8;

    public void Format(Span<byte> destination)
    {
        destination[..Size].Clear();
        Magic.CopyTo(destination);
        destination[8] = CurrentVersion;
        BinaryPrimitives.WriteUInt32LittleEndian(destination[12..], Number);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[28..], Crc32C.Compute(destination[..28]));
    }

    /// <summary>Parses a header; on failure says why, and makes no header.</summary>
    public static bool TryParse(ReadOnlySpan<byte> source, out SegmentHeader header, out string error)
    {
        header = default;
        if (source.Length < Size)
        {
            error = $"segment header is {source.Length} bytes, needs {Size}";
            return false;
        }
        if (!source[..8].SequenceEqual(Magic))
        {
            error = "not a segment file (bad magic)";
            return false;
        }
        if (BinaryPrimitives.ReadUInt32LittleEndian(source[28..]) != Crc32C.Compute(source[..28]))
        {
            error = "segment header checksum mismatch";
            return false;
        }
        if (source[8] != CurrentVersion)
        {
            error = $"segment version {source[8]}; this build reads version {CurrentVersion}";
            return false;
        }
        if (source[9..12].ContainsAnyExcept((byte)0) || source[16..28].ContainsAnyExcept((byte)0))
        {
            error = "segment header reserved bytes are not zero";
            return false;
        }
        header = new SegmentHeader(BinaryPrimitives.ReadUInt32LittleEndian(source[12..]));
        error = "";
        return true;
    }

    public static string FileName(uint number) => $"{number:D8}.seg";

    public static bool TryParseFileName(string name, out uint number)
    {
        number = 0;
        return name.Length == 12 && name.EndsWith(".seg", StringComparison.Ordinal)
            && uint.TryParse(name.AsSpan(0, 8), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out number);
    }
}

/// <summary>
/// The <see cref="Size"/> bytes before every record's payload:
/// <code>
/// 0 payload length (u32)   4 CRC-32C of the payload (u32)   8 CRC-32C of bytes 0..8 (u32)
/// </code>
/// The header's own checksum lets recovery tell a torn tail (nothing valid follows) from damage in
/// the middle (a valid record follows the bad one).
/// </summary>
public readonly record struct RecordHeader(uint Length, uint PayloadCrc)
{
    public const int Size = 12;

    public void Format(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination, Length);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], PayloadCrc);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[8..], Crc32C.Compute(destination[..8]));
    }

    public static bool TryParse(ReadOnlySpan<byte> source, int maxLength, out RecordHeader header, out string error)
    {
        header = default;
        if (source.Length < Size)
        {
            error = $"record header cut short ({source.Length} of {Size} bytes)";
            return false;
        }
        if (BinaryPrimitives.ReadUInt32LittleEndian(source[8..]) != Crc32C.Compute(source[..8]))
        {
            error = "record header checksum mismatch";
            return false;
        }
        var length = BinaryPrimitives.ReadUInt32LittleEndian(source);
        if (length == 0 || length > (uint)maxLength)
        {
            error = $"record length {length} outside 1..{maxLength}";
            return false;
        }
        header = new RecordHeader(length, BinaryPrimitives.ReadUInt32LittleEndian(source[4..]));
        error = "";
        return true;
    }
}

/// <summary>Where a record lives: segment number and the offset of its header.</summary>
public readonly record struct RecordPosition(uint Segment, long Offset)
{
    public override string ToString() => $"{SegmentHeader.FileName(Segment)}@{Offset}";
}

/// <summary>Stored bytes are damaged somewhere other than a torn tail. Never repaired silently.</summary>
public sealed class LogCorruptionException(string file, long offset, string reason)
    : Exception($"{file}: offset {offset}: {reason}")
{
    public string File { get; } = file;

    public long Offset { get; } = offset;

    public string Reason { get; } = reason;
}

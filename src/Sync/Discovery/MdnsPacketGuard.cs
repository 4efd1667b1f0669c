using System.Buffers.Binary;

namespace Datom.Sync.Discovery;

/// <summary>Why a packet was refused before any parsing.</summary>
public enum MdnsPacketError
{
    None,
    TooShort,
    TooLong,
    TooManyEntries,
    Truncated,
    BadLabelType,
    NameTooLong,
    PointerOutOfRange,
    PointerNotBackward,
    TooManyPointers,
    RecordDataOverrun,
}

/// <summary>
/// A structural walk over a DNS message from the network, done before ARSoft parses it: every
/// count against a cap, every name's labels and compression pointers, every record's data length
/// against the packet. A packet that passes is well-formed enough that parsing it allocates
/// in proportion to its size and ends; what it means is checked later.
/// </summary>
/// <remarks>
/// Compression pointers (RFC 1035 §4.1.4) must point strictly before the start of the label run
/// that contains them. Each jump therefore lands lower than the one before, so no chain of
/// pointers can loop, and a name is walked in at most <see cref="MaxPointers"/> jumps and 255
/// bytes of labels.
/// </remarks>
public static class MdnsPacketGuard
{
    public const int HeaderSize = 12;

    /// <summary>
    /// Questions plus records in one packet. The smallest record is 11 bytes (root name, type,
    /// class, TTL, length 0), so a 9000-byte packet could claim ~800; real mDNS traffic carries
    /// tens. 256 leaves room for large known-answer lists and bounds the work per packet.
    /// </summary>
    public const int MaxEntries = 256;

    /// <summary>Pointer jumps in one name; a legal name of 127 labels needs at most one per label.</summary>
    public const int MaxPointers = 127;

    private const ushort TypeNs = 2, TypeCname = 5, TypePtr = 12, TypeSrv = 33, TypeNsec = 47;

    public static MdnsPacketError Check(ReadOnlySpan<byte> packet)
    {
        if (packet.Length < HeaderSize)
            return MdnsPacketError.TooShort;
        if (packet.Length > MdnsProtocol.MaxPacketSize)
            return MdnsPacketError.TooLong;

        int questions = BinaryPrimitives.ReadUInt16BigEndian(packet[4..]);
        int records = BinaryPrimitives.ReadUInt16BigEndian(packet[6..])
            + BinaryPrimitives.ReadUInt16BigEndian(packet[8..])
            + BinaryPrimitives.ReadUInt16BigEndian(packet[10..]);
        if (questions + records > MaxEntries)
            return MdnsPacketError.TooManyEntries;
        // Each question takes at least 5 bytes and each record at least 11: refuse a count the packet cannot hold.
        if (HeaderSize + (questions * 5) + (records * 11) > packet.Length)
            return MdnsPacketError.Truncated;

        var position = HeaderSize;
        for (var i = 0; i < questions; i++)
        {
            var error = SkipName(packet, ref position, packet.Length);
            if (error != MdnsPacketError.None)
                return error;
            if (position + 4 > packet.Length)
                return MdnsPacketError.Truncated;
            position += 4;
        }

        for (var i = 0; i < records; i++)
        {
            var error = SkipName(packet, ref position, packet.Length);
            if (error != MdnsPacketError.None)
                return error;
            if (position + 10 > packet.Length)
                return MdnsPacketError.Truncated;
            var type = BinaryPrimitives.ReadUInt16BigEndian(packet[position..]);
            int dataLength = BinaryPrimitives.ReadUInt16BigEndian(packet[(position + 8)..]);
            position += 10;
            var dataEnd = position + dataLength;
            if (dataEnd > packet.Length)
                return MdnsPacketError.RecordDataOverrun;

            // Names inside record data: their uncompressed part must stay inside the data.
            var nameAt = type switch
            {
                TypePtr or TypeCname or TypeNs or TypeNsec => position,
                TypeSrv => position + 6,
                _ => -1,
            };
            if (nameAt >= 0)
            {
                if (nameAt >= dataEnd)
                    return MdnsPacketError.RecordDataOverrun;
                var p = nameAt;
                error = SkipName(packet, ref p, dataEnd);
                if (error != MdnsPacketError.None)
                    return error;
            }
            position = dataEnd;
        }
        // Bytes after the last record are ignored, as DNS receivers do.
        return MdnsPacketError.None;
    }

    /// <summary>
    /// Walks the name at <paramref name="position"/> and moves past its in-place part, which must end
    /// before <paramref name="limit"/>.
    /// </summary>
    private static MdnsPacketError SkipName(ReadOnlySpan<byte> packet, ref int position, int limit)
    {
        var cursor = position;
        var runStart = position;   // start of the label run being read; pointers must go below it
        var end = -1;              // where the name ends in place (after the first pointer or the root)
        var nameLength = 1;        // the root byte
        var pointers = 0;
        var currentLimit = limit;  // the in-place part is bounded by the record; pointed-to parts by the packet
        while (true)
        {
            if (cursor >= currentLimit)
                return MdnsPacketError.Truncated;
            var b = packet[cursor];
            switch (b & 0xC0)
            {
                case 0x00 when b == 0:
                    position = end >= 0 ? end : cursor + 1;
                    return MdnsPacketError.None;
                case 0x00:
                    if (cursor + 1 + b > currentLimit)
                        return MdnsPacketError.Truncated;
                    nameLength += b + 1;
                    if (nameLength > MdnsNames.MaxNameLength)
                        return MdnsPacketError.NameTooLong;
                    cursor += 1 + b;
                    break;
                case 0xC0:
                    if (cursor + 2 > currentLimit)
                        return MdnsPacketError.Truncated;
                    var target = ((b & 0x3F) << 8) | packet[cursor + 1];
                    if (target >= packet.Length)
                        return MdnsPacketError.PointerOutOfRange;
                    if (target >= runStart)
                        return MdnsPacketError.PointerNotBackward;
                    if (++pointers > MaxPointers)
                        return MdnsPacketError.TooManyPointers;
                    if (end < 0)
                        end = cursor + 2;
                    cursor = target;
                    runStart = target;
                    currentLimit = packet.Length;
                    break;
                default:
                    // 0x40 (extended, RFC 6891) and 0x80 (reserved) label types are not used in mDNS.
                    return MdnsPacketError.BadLabelType;
            }
        }
    }
}

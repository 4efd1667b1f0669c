using System.Buffers.Binary;
using Datom.Log.Model;
using Datom.Log.Segments;
using Datom.Log.Storage;

namespace Datom.Log.Tables;

/// <summary>
/// What opening the log needs so that it does not read every entry: how much of each table is
/// valid, checksums over the tables it reads whole, where in the segments the covered entries end,
/// the heads, and the highest time seen. Stored in two slot files, <c>checkpoint.0</c> and
/// <c>checkpoint.1</c>, written alternately, so that a torn write leaves the other one.
/// <code>
/// header (<see cref="Size"/> bytes):
/// 0   magic "DATOMCKP"   8  version (1)   9  reserved, zero (3)   12 body length (u32)
/// 16  generation (u64)   24 entries (u64) 32 parents (u64)        40 authors (u32)
/// 44  sealed segments (u32)               48 resume segment (u32)  52 first segment (u32)
/// 56  resume offset (u64)                 64 highest time (u64)
/// 72  keys CRC (u32)     76 parents CRC (u32)    80 authors CRC (u32)    84 reserved, zero (4)
/// 88  hash of the last covered entry (32)        120 body CRC (u32)      124 CRC-32C of bytes 0..124 (u32)
/// body: sealed segment lengths (u64 each), then the heads' entry numbers (u32 each) to the end.
/// </code>
/// All integers little-endian. The entries covered are exactly records 0..entries of
/// <c>entries.tbl</c> and <c>keys.tbl</c>, all durable, in store order.
/// </summary>
public sealed record Checkpoint(
    ulong Generation,
    long Entries,
    long Parents,
    int Authors,
    uint FirstSegment,
    IReadOnlyList<long> SealedLengths,
    RecordPosition Resume,
    HlcTimestamp MaxTime,
    uint KeysCrc,
    uint ParentsCrc,
    uint AuthorsCrc,
    EntryHash Last,
    IReadOnlyList<int> Heads)
{
    public const int Size = 128;
    public const byte CurrentVersion = 1;

    public static readonly string[] SlotNames = ["checkpoint.0", "checkpoint.1"];

    private static ReadOnlySpan<byte> Magic => "DATOMCKP"u8;

    /// <summary>The largest body read: a cap checked before allocating (2^20 segments and heads).</summary>
    private const int MaxBody = 8 << 20;

    public byte[] Format()
    {
        var body = (SealedLengths.Count * 8) + (Heads.Count * 4);
        var bytes = new byte[Size + body];
        var span = bytes.AsSpan();
        Magic.CopyTo(span);
        span[8] = CurrentVersion;
        BinaryPrimitives.WriteUInt32LittleEndian(span[12..], (uint)body);
        BinaryPrimitives.WriteUInt64LittleEndian(span[16..], Generation);
        BinaryPrimitives.WriteUInt64LittleEndian(span[24..], (ulong)Entries);
        BinaryPrimitives.WriteUInt64LittleEndian(span[32..], (ulong)Parents);
        BinaryPrimitives.WriteUInt32LittleEndian(span[40..], (uint)Authors);
        BinaryPrimitives.WriteUInt32LittleEndian(span[44..], (uint)SealedLengths.Count);
        BinaryPrimitives.WriteUInt32LittleEndian(span[48..], Resume.Segment);
        BinaryPrimitives.WriteUInt32LittleEndian(span[52..], FirstSegment);
        BinaryPrimitives.WriteUInt64LittleEndian(span[56..], (ulong)Resume.Offset);
        BinaryPrimitives.WriteUInt64LittleEndian(span[64..], MaxTime.Value);
        BinaryPrimitives.WriteUInt32LittleEndian(span[72..], KeysCrc);
        BinaryPrimitives.WriteUInt32LittleEndian(span[76..], ParentsCrc);
        BinaryPrimitives.WriteUInt32LittleEndian(span[80..], AuthorsCrc);
        Last.Format(span[88..]);
        var at = Size;
        foreach (var length in SealedLengths)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(span[at..], (ulong)length);
            at += 8;
        }
        foreach (var head in Heads)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(span[at..], (uint)head);
            at += 4;
        }
        BinaryPrimitives.WriteUInt32LittleEndian(span[120..], Crc32C.Compute(span[Size..]));
        BinaryPrimitives.WriteUInt32LittleEndian(span[124..], Crc32C.Compute(span[..124]));
        return bytes;
    }

    /// <summary>Parses a checkpoint; on failure says why and makes none.</summary>
    public static bool TryParse(ReadOnlySpan<byte> source, out Checkpoint? checkpoint, out string error)
    {
        checkpoint = null;
        if (source.Length < Size)
        {
            error = $"checkpoint is {source.Length} bytes, needs at least {Size}";
            return false;
        }
        if (!source[..8].SequenceEqual(Magic))
        {
            error = "not a checkpoint (bad magic)";
            return false;
        }
        if (BinaryPrimitives.ReadUInt32LittleEndian(source[124..]) != Crc32C.Compute(source[..124]))
        {
            error = "checkpoint header checksum mismatch";
            return false;
        }
        if (source[8] != CurrentVersion)
        {
            error = $"checkpoint version {source[8]}; this build reads version {CurrentVersion}";
            return false;
        }
        if (source[9..12].ContainsAnyExcept((byte)0) || source[84..88].ContainsAnyExcept((byte)0))
        {
            error = "checkpoint reserved bytes are not zero";
            return false;
        }
        var body = BinaryPrimitives.ReadUInt32LittleEndian(source[12..]);
        var sealedCount = BinaryPrimitives.ReadUInt32LittleEndian(source[44..]);
        if (body > MaxBody || source.Length != Size + body || sealedCount * 8L > body || (body - (sealedCount * 8L)) % 4 != 0)
        {
            error = $"checkpoint body of {body} bytes does not match the file ({source.Length - Size}) or its counts";
            return false;
        }
        if (BinaryPrimitives.ReadUInt32LittleEndian(source[120..]) != Crc32C.Compute(source[Size..]))
        {
            error = "checkpoint body checksum mismatch";
            return false;
        }
        var entries = BinaryPrimitives.ReadUInt64LittleEndian(source[24..]);
        var parents = BinaryPrimitives.ReadUInt64LittleEndian(source[32..]);
        var authors = BinaryPrimitives.ReadUInt32LittleEndian(source[40..]);
        var offset = BinaryPrimitives.ReadUInt64LittleEndian(source[56..]);
        if (entries is 0 or > int.MaxValue || parents > long.MaxValue || authors > int.MaxValue || offset > long.MaxValue)
        {
            error = "checkpoint count out of range";
            return false;
        }
        var sealedLengths = new long[sealedCount];
        var at = Size;
        for (var i = 0; i < sealedLengths.Length; i++, at += 8)
        {
            var length = BinaryPrimitives.ReadUInt64LittleEndian(source[at..]);
            if (length > long.MaxValue)
            {
                error = "checkpoint segment length out of range";
                return false;
            }
            sealedLengths[i] = (long)length;
        }
        var heads = new int[(source.Length - at) / 4];
        for (var i = 0; i < heads.Length; i++, at += 4)
        {
            var head = BinaryPrimitives.ReadUInt32LittleEndian(source[at..]);
            if (head >= entries)
            {
                error = $"checkpoint head {head} is not among its {entries} entries";
                return false;
            }
            heads[i] = (int)head;
        }
        checkpoint = new Checkpoint(
            BinaryPrimitives.ReadUInt64LittleEndian(source[16..]),
            (long)entries,
            (long)parents,
            (int)authors,
            BinaryPrimitives.ReadUInt32LittleEndian(source[52..]),
            sealedLengths,
            new RecordPosition(BinaryPrimitives.ReadUInt32LittleEndian(source[48..]), (long)offset),
            new HlcTimestamp(BinaryPrimitives.ReadUInt64LittleEndian(source[64..])),
            BinaryPrimitives.ReadUInt32LittleEndian(source[72..]),
            BinaryPrimitives.ReadUInt32LittleEndian(source[76..]),
            BinaryPrimitives.ReadUInt32LittleEndian(source[80..]),
            new EntryHash(source.Slice(88, EntryHash.Size)),
            heads);
        error = "";
        return true;
    }

    /// <summary>
    /// The newest valid checkpoint among the slots, or null; <paramref name="notes"/> gets a line for
    /// each slot that exists and does not parse (a torn or damaged write, which the other slot covers).
    /// </summary>
    public static Checkpoint? ReadNewest(IStorage storage, List<string> notes)
    {
        Checkpoint? newest = null;
        foreach (var name in SlotNames)
        {
            if (!storage.Exists(name))
                continue;
            using var file = storage.Open(name);
            if (file.Length > Size + MaxBody)
            {
                notes.Add($"{storage.Describe(name)}: {file.Length} bytes, larger than any checkpoint; ignored");
                continue;
            }
            var bytes = new byte[file.Length];
            if (file.Read(0, bytes) != bytes.Length || !TryParse(bytes, out var parsed, out var error))
            {
                notes.Add($"{storage.Describe(name)}: ignored ({(bytes.Length == 0 ? "empty" : "unreadable or damaged")})");
                continue;
            }
            _ = error;
            if (newest is null || parsed!.Generation > newest.Generation)
                newest = parsed;
        }
        return newest;
    }

    /// <summary>Writes this checkpoint into the slot its generation picks, and syncs it.</summary>
    public void Write(IStorage storage)
    {
        var name = SlotNames[Generation % 2];
        var bytes = Format();
        var created = !storage.Exists(name);
        using var file = created ? storage.Create(name) : storage.Open(name);
        file.Truncate(0);
        file.Write(0, bytes);
        file.Sync();
        if (created)
            storage.SyncDirectory();
    }

    /// <summary>Removes both slots (before the tables are rebuilt, so that no slot names a table that is gone).</summary>
    public static void DeleteAll(IStorage storage)
    {
        var any = false;
        foreach (var name in SlotNames)
        {
            if (storage.Exists(name))
            {
                storage.Delete(name);
                any = true;
            }
        }
        if (any)
            storage.SyncDirectory();
    }
}

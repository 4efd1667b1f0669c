using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Datom.Log.Model;
using Datom.Log.Segments;
using Datom.Log.Storage;

namespace Datom.Log.Tables;

/// <summary>
/// The header of <c>hashes.img</c>, a copy of the in-memory <see cref="HashIndex"/> as it was for the
/// first <see cref="Entries"/> entries, so that opening loads the index in one read instead of
/// inserting every entry's key again (at ten million entries, a second of cache misses):
/// <code>
/// 0  magic "DATOMHIX"   8  version (1)   9  reserved, zero (7)
/// 16 entries (u64)      24 slots (u64, a power of two)    32 hash of entry entries-1 (32)
/// 64 CRC-32C of the slots (u32)   68 reserved, zero (8)   76 CRC-32C of bytes 0..76 (u32)
/// </code>
/// Then the slots, little-endian u64 each. All integers little-endian. A cache like the checkpoint:
/// written without an fsync (a torn write fails its checksums), trusted only when it matches the
/// tables it is opened with (<see cref="Last"/> is the hash of that entry in <c>entries.tbl</c>), and
/// rebuilt from <c>keys.tbl</c> whenever it does not.
/// </summary>
public readonly record struct HashIndexImageHeader(long Entries, long Slots, EntryHash Last, uint SlotsCrc)
{
    public const int Size = 80;
    public const byte CurrentVersion = 1;
    public const string FileName = "hashes.img";

    private static ReadOnlySpan<byte> Magic => "DATOMHIX"u8;

    public void Format(Span<byte> destination)
    {
        destination = destination[..Size];
        destination.Clear();
        Magic.CopyTo(destination);
        destination[8] = CurrentVersion;
        BinaryPrimitives.WriteUInt64LittleEndian(destination[16..], (ulong)Entries);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[24..], (ulong)Slots);
        Last.Format(destination[32..]);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[64..], SlotsCrc);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[76..], Crc32C.Compute(destination[..76]));
    }

    /// <summary>Parses a header; on failure says why and makes none.</summary>
    public static bool TryParse(ReadOnlySpan<byte> source, out HashIndexImageHeader header, out string error)
    {
        header = default;
        if (source.Length < Size)
        {
            error = $"hash index image header is {source.Length} bytes, needs {Size}";
            return false;
        }
        if (!source[..8].SequenceEqual(Magic))
        {
            error = "not a hash index image (bad magic)";
            return false;
        }
        if (BinaryPrimitives.ReadUInt32LittleEndian(source[76..]) != Crc32C.Compute(source[..76]))
        {
            error = "hash index image header checksum mismatch";
            return false;
        }
        if (source[8] != CurrentVersion)
        {
            error = $"hash index image version {source[8]}; this build reads version {CurrentVersion}";
            return false;
        }
        if (source[9..16].ContainsAnyExcept((byte)0) || source[68..76].ContainsAnyExcept((byte)0))
        {
            error = "hash index image reserved bytes are not zero";
            return false;
        }
        var entries = BinaryPrimitives.ReadUInt64LittleEndian(source[16..]);
        var slots = BinaryPrimitives.ReadUInt64LittleEndian(source[24..]);
        // A table at a load of at most 3/4 (HashIndex.Insert), its slots a power of two of at most 2^30.
        if (entries is 0 or > int.MaxValue || slots > (1UL << 30) || !ulong.IsPow2(slots) || entries * 4 > slots * 3)
        {
            error = $"hash index image of {entries} entries in {slots} slots is out of range";
            return false;
        }
        header = new HashIndexImageHeader((long)entries, (long)slots, new EntryHash(source.Slice(32, EntryHash.Size)), BinaryPrimitives.ReadUInt32LittleEndian(source[64..]));
        error = "";
        return true;
    }
}

internal static class HashIndexImage
{
    private const int ChunkSlots = 1 << 20; // 8 MiB a read or write

    /// <summary>Writes the index of the first <paramref name="entries"/> entries (all it holds) over the image file.</summary>
    public static void Write(IStorage storage, HashIndex index, long entries, EntryHash last)
    {
        var slots = index.Slots;
        var crc = ~Crc32C.Update(~0u, MemoryMarshal.AsBytes(slots.AsSpan()));
        Span<byte> header = stackalloc byte[HashIndexImageHeader.Size];
        new HashIndexImageHeader(entries, slots.Length, last, crc).Format(header);
        using var file = storage.Exists(HashIndexImageHeader.FileName) ? storage.Open(HashIndexImageHeader.FileName) : storage.Create(HashIndexImageHeader.FileName);
        file.Truncate(0);
        for (var i = 0; i < slots.Length; i += ChunkSlots)
        {
            var n = Math.Min(ChunkSlots, slots.Length - i);
            file.Write(HashIndexImageHeader.Size + (i * 8L), MemoryMarshal.AsBytes(slots.AsSpan(i, n)));
        }
        // The header last: an image cut short anywhere before it has none (or an old one whose checksums fail).
        file.Write(0, header);
    }

    /// <summary>
    /// The image's header and slots when it exists and is whole (both checksums, the slot count, and
    /// every slot's entry number below its entries); otherwise null and why.
    /// </summary>
    public static (HashIndexImageHeader Header, ulong[] Slots)? TryRead(IStorage storage, out string why)
    {
        why = "";
        if (!storage.Exists(HashIndexImageHeader.FileName))
        {
            why = "no hash index image";
            return null;
        }
        using var file = storage.Open(HashIndexImageHeader.FileName);
        Span<byte> bytes = stackalloc byte[HashIndexImageHeader.Size];
        if (file.Read(0, bytes) != bytes.Length || !HashIndexImageHeader.TryParse(bytes, out var header, out why))
        {
            why = why.Length > 0 ? why : "hash index image cut short";
            return null;
        }
        if (file.Length != HashIndexImageHeader.Size + (header.Slots * 8))
        {
            why = $"hash index image is {file.Length} bytes, its header says {HashIndexImageHeader.Size + (header.Slots * 8)}";
            return null;
        }
        var slots = new ulong[header.Slots];
        var crc = ~0u;
        long used = 0;
        string? beyond = null; // reported after the checksum: damage is a checksum mismatch first
        for (var i = 0; i < slots.Length; i += ChunkSlots)
        {
            var n = Math.Min(ChunkSlots, slots.Length - i);
            var chunk = MemoryMarshal.AsBytes(slots.AsSpan(i, n));
            if (file.Read(HashIndexImageHeader.Size + (i * 8L), chunk) != chunk.Length)
            {
                why = "hash index image cut short";
                return null;
            }
            crc = Crc32C.Update(crc, chunk);
            foreach (var slot in slots.AsSpan(i, n))
            {
                if (slot == 0)
                    continue;
                used++;
                if ((uint)slot > (ulong)header.Entries)
                    beyond ??= $"hash index image names entry {(uint)slot - 1}, beyond its {header.Entries}";
            }
        }
        if (~crc != header.SlotsCrc)
        {
            why = "hash index image checksum mismatch";
            return null;
        }
        if (beyond is not null)
        {
            why = beyond;
            return null;
        }
        if (used != header.Entries)
        {
            why = $"hash index image holds {used} entries, its header says {header.Entries}";
            return null;
        }
        return (header, slots);
    }

    public static void Delete(IStorage storage)
    {
        if (storage.Exists(HashIndexImageHeader.FileName))
            storage.Delete(HashIndexImageHeader.FileName);
    }
}

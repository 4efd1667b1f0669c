using System.Buffers.Binary;
using System.Numerics;

namespace Datom.Log.Segments;

/// <summary>
/// CRC-32C (Castagnoli, RFC 3720 §B.4), the checksum of iSCSI, ext4 metadata and LevelDB, computed with
/// the SSE 4.2 / ARMv8 instruction where the CPU has it (<see cref="BitOperations.Crc32C(uint, ulong)"/>).
/// Check value: CRC-32C("123456789") = 0xE3069283.
/// </summary>
public static class Crc32C
{
    public static uint Compute(ReadOnlySpan<byte> data) => ~Update(~0u, data);

    public static uint Update(uint crc, ReadOnlySpan<byte> data)
    {
        while (data.Length >= 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }
        foreach (var b in data)
            crc = BitOperations.Crc32C(crc, b);
        return crc;
    }
}

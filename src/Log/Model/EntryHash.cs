using System.Buffers.Binary;
using NSec.Cryptography;

namespace Datom.Log.Model;

/// <summary>
/// The identity of an entry: BLAKE2b-256 of its signed bytes (never of the signature, which is
/// malleable in Ed25519).
/// </summary>
public readonly struct EntryHash : IEquatable<EntryHash>, IComparable<EntryHash>
{
    public const int Size = 32;

    private static readonly HashAlgorithm Blake2b256 = HashAlgorithm.Blake2b_256;

    // Four big-endian words: equality, hashing and ordering without an array.
    private readonly ulong _a, _b, _c, _d;

    public EntryHash(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Size)
            throw new ArgumentException($"an entry hash is {Size} bytes, not {bytes.Length}", nameof(bytes));
        _a = BinaryPrimitives.ReadUInt64BigEndian(bytes);
        _b = BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]);
        _c = BinaryPrimitives.ReadUInt64BigEndian(bytes[16..]);
        _d = BinaryPrimitives.ReadUInt64BigEndian(bytes[24..]);
    }

    public static EntryHash Compute(ReadOnlySpan<byte> signedBytes)
    {
        Span<byte> digest = stackalloc byte[Size];
        Blake2b256.Hash(signedBytes, digest);
        return new EntryHash(digest);
    }

    public void Format(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, _a);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], _b);
        BinaryPrimitives.WriteUInt64BigEndian(destination[16..], _c);
        BinaryPrimitives.WriteUInt64BigEndian(destination[24..], _d);
    }

    public byte[] ToBytes()
    {
        var bytes = new byte[Size];
        Format(bytes);
        return bytes;
    }

    public bool Equals(EntryHash other) => _a == other._a && _b == other._b && _c == other._c && _d == other._d;

    public override bool Equals(object? obj) => obj is EntryHash other && Equals(other);

    // The hash is uniformly distributed already; one word is as good as all four.
    public override int GetHashCode() => (int)(_a ^ (_a >> 32));

    /// <summary>The first 8 bytes, big-endian: what the log's hash index buckets and fingerprints by.</summary>
    internal ulong Prefix => _a;

    public int CompareTo(EntryHash other)
    {
        var c = _a.CompareTo(other._a);
        if (c != 0) return c;
        c = _b.CompareTo(other._b);
        if (c != 0) return c;
        c = _c.CompareTo(other._c);
        return c != 0 ? c : _d.CompareTo(other._d);
    }

    /// <summary>64 lowercase hex digits.</summary>
    public override string ToString()
    {
        Span<byte> bytes = stackalloc byte[Size];
        Format(bytes);
        return Convert.ToHexStringLower(bytes);
    }

    public static bool TryParse(ReadOnlySpan<char> text, out EntryHash hash)
    {
        hash = default;
        if (text.Length != Size * 2)
            return false;
        Span<byte> bytes = stackalloc byte[Size];
        if (Convert.FromHexString(text, bytes, out _, out var written) != System.Buffers.OperationStatus.Done || written != Size)
            return false;
        hash = new EntryHash(bytes);
        return true;
    }

    public static EntryHash Parse(string text) =>
        TryParse(text, out var hash) ? hash : throw new FormatException($"'{text}' is not an entry hash (64 hex digits)");

    public static bool operator ==(EntryHash left, EntryHash right) => left.Equals(right);
    public static bool operator !=(EntryHash left, EntryHash right) => !left.Equals(right);
    public static bool operator <(EntryHash left, EntryHash right) => left.CompareTo(right) < 0;
    public static bool operator >(EntryHash left, EntryHash right) => left.CompareTo(right) > 0;
    public static bool operator <=(EntryHash left, EntryHash right) => left.CompareTo(right) <= 0;
    public static bool operator >=(EntryHash left, EntryHash right) => left.CompareTo(right) >= 0;
}

using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;

namespace Datom.Log.Model;

/// <summary>
/// A 128-bit entity id, the same on every node because it is written into the entry that mints it.
/// </summary>
/// <remarks>
/// Layout: the high 64 bits are a minter prefix, drawn from a CSPRNG each time a writer opens a log
/// (<see cref="EntityIdMinter"/>); the low 64 bits count up within that writer session. Two writer
/// sessions anywhere in the mesh mint the same id only if they draw the same prefix, so for S sessions
/// over the life of a mesh the chance of any collision is at most S²/2⁶⁵ (birthday bound): under 3·10⁻⁸
/// for a million sessions. A node restored from a backup, or one key on two machines, opens a new
/// session and draws a new prefix, so forks do not collide either. Prefix 0 is reserved for the
/// built-in schema entities, whose ids are fixed by this code.
/// </remarks>
public readonly record struct EntityId(ulong Prefix, ulong Counter) : IComparable<EntityId>
{
    public const int Size = 16;

    public static EntityId System(ulong n) => new(0, n);

    public bool IsSystem => Prefix == 0;

    public EntityId(ReadOnlySpan<byte> bytes)
        : this(BinaryPrimitives.ReadUInt64BigEndian(bytes), BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]))
    {
    }

    /// <summary>Big-endian, so that byte order is numeric order (index keys sort by it).</summary>
    public void Format(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, Prefix);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], Counter);
    }

    public byte[] ToBytes()
    {
        var bytes = new byte[Size];
        Format(bytes);
        return bytes;
    }

    public int CompareTo(EntityId other)
    {
        var c = Prefix.CompareTo(other.Prefix);
        return c != 0 ? c : Counter.CompareTo(other.Counter);
    }

    /// <summary>32 lowercase hex digits.</summary>
    public override string ToString() => Prefix.ToString("x16", CultureInfo.InvariantCulture) + Counter.ToString("x16", CultureInfo.InvariantCulture);

    public static bool TryParse(ReadOnlySpan<char> text, out EntityId id)
    {
        id = default;
        if (text.Length != 32)
            return false;
        if (!ulong.TryParse(text[..16], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var prefix)
            || !ulong.TryParse(text[16..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var counter))
            return false;
        id = new EntityId(prefix, counter);
        return true;
    }

    public static EntityId Parse(string text) =>
        TryParse(text, out var id) ? id : throw new FormatException($"'{text}' is not an entity id (32 hex digits)");

    public static bool operator <(EntityId left, EntityId right) => left.CompareTo(right) < 0;
    public static bool operator >(EntityId left, EntityId right) => left.CompareTo(right) > 0;
    public static bool operator <=(EntityId left, EntityId right) => left.CompareTo(right) <= 0;
    public static bool operator >=(EntityId left, EntityId right) => left.CompareTo(right) >= 0;
}

/// <summary>Mints entity ids for one writer session; see <see cref="EntityId"/> for the collision bound.</summary>
public sealed class EntityIdMinter
{
    private readonly ulong _prefix;
    private long _counter;

    public EntityIdMinter()
        : this(DrawPrefix())
    {
    }

    public EntityIdMinter(ulong prefix)
    {
        if (prefix == 0)
            throw new ArgumentOutOfRangeException(nameof(prefix), "prefix 0 is reserved for system entities");
        _prefix = prefix;
    }

    public EntityId Next() => new(_prefix, (ulong)Interlocked.Increment(ref _counter));

    private static ulong DrawPrefix()
    {
        Span<byte> bytes = stackalloc byte[8];
        ulong prefix;
        do
        {
            RandomNumberGenerator.Fill(bytes);
            prefix = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        }
        while (prefix == 0);
        return prefix;
    }
}

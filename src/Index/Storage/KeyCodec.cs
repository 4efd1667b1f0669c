using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text;
using Datom.Log.Model;
using ValueType = Datom.Log.Model.ValueType;

namespace Datom.Index.Storage;

/// <summary>One operation on one datom, as the index stores it.</summary>
/// <param name="A">The attribute's local id (see <see cref="AttributeDictionary"/>).</param>
/// <param name="Time">The HLC time of the entry that made the operation.</param>
public readonly record struct DatomOp(EntityId E, uint A, Value V, HlcTimestamp Time, EntityId Tx, bool Added);

/// <summary>
/// Index keys: byte strings whose order is the index's order, so a sorted run of keys is an index.
/// <code>
/// EAVT: e a v t    AEVT: a e v t    AVET: a v e t    VAET: v a e t     t = hlc(8) tx(16) added(1)
/// </code>
/// e and tx are 16 bytes and a is 4, big-endian. v is a type tag and then: 8 bytes for long,
/// instant and double (sign-adjusted so unsigned byte order is numeric order), 1 for boolean, 16 for
/// ref and uuid, and for strings, keywords, symbols and bytes the UTF-8 or raw bytes with 0x00
/// escaped as 00 FF and a 00 01 terminator (the FoundationDB tuple-layer trick: order-preserving and
/// self-delimiting). Every operation on a datom lands in one contiguous group of keys ordered by
/// time, so the latest operation (which decides whether the datom is live) is the group's last key.
/// </summary>
public static class KeyCodec
{
    public const int TimeSize = 8 + EntityId.Size + 1;

    /// <summary>
    /// Values longer than this are refused as index keys. The log refuses them first
    /// (<see cref="Log.Entries.EntryLimits.MaxValueBytes"/>), so no entry it holds stops the index.
    /// </summary>
    public const int MaxVariableValueBytes = Log.Entries.EntryLimits.DefaultMaxValueBytes;

    public static byte[] Encode(IndexOrder order, in DatomOp op)
    {
        var buffer = new byte[MaxSize(op)];
        var n = Write(order, op, buffer);
        return n == buffer.Length ? buffer : buffer.AsSpan(0, n).ToArray();
    }

    public static int MaxSize(in DatomOp op) => EntityId.Size + 4 + ValueMaxSize(op.V) + TimeSize;

    public static int Write(IndexOrder order, in DatomOp op, Span<byte> key)
    {
        var o = 0;
        switch (order)
        {
            case IndexOrder.Eavt:
                o += WriteEntity(op.E, key[o..]);
                o += WriteAttribute(op.A, key[o..]);
                o += WriteValue(op.V, key[o..]);
                break;
            case IndexOrder.Aevt:
                o += WriteAttribute(op.A, key[o..]);
                o += WriteEntity(op.E, key[o..]);
                o += WriteValue(op.V, key[o..]);
                break;
            case IndexOrder.Avet:
                o += WriteAttribute(op.A, key[o..]);
                o += WriteValue(op.V, key[o..]);
                o += WriteEntity(op.E, key[o..]);
                break;
            case IndexOrder.Vaet:
                if (op.V.Type != ValueType.Ref)
                    throw new ArgumentException("VAET holds ref datoms only", nameof(op));
                o += WriteValue(op.V, key[o..]);
                o += WriteAttribute(op.A, key[o..]);
                o += WriteEntity(op.E, key[o..]);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(order));
        }
        BinaryPrimitives.WriteUInt64BigEndian(key[o..], op.Time.Value);
        o += 8;
        o += WriteEntity(op.Tx, key[o..]);
        key[o++] = op.Added ? (byte)1 : (byte)0;
        return o;
    }

    public static DatomOp Decode(IndexOrder order, ReadOnlySpan<byte> key)
    {
        EntityId e;
        uint a;
        Value v;
        var o = 0;
        switch (order)
        {
            case IndexOrder.Eavt:
                e = ReadEntity(key, ref o);
                a = ReadAttribute(key, ref o);
                v = ReadValue(key, ref o);
                break;
            case IndexOrder.Aevt:
                a = ReadAttribute(key, ref o);
                e = ReadEntity(key, ref o);
                v = ReadValue(key, ref o);
                break;
            case IndexOrder.Avet:
                a = ReadAttribute(key, ref o);
                v = ReadValue(key, ref o);
                e = ReadEntity(key, ref o);
                break;
            case IndexOrder.Vaet:
                v = ReadValue(key, ref o);
                a = ReadAttribute(key, ref o);
                e = ReadEntity(key, ref o);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(order));
        }
        var time = new HlcTimestamp(BinaryPrimitives.ReadUInt64BigEndian(key[o..]));
        o += 8;
        var tx = ReadEntity(key, ref o);
        var added = key[o++] != 0;
        if (o != key.Length)
            throw new FormatException($"index key has {key.Length - o} trailing bytes");
        return new DatomOp(e, a, v, time, tx, added);
    }

    /// <summary>The length of the key's datom part (everything before the time): keys with equal datom parts are one datom's operations.</summary>
    public static int DatomLength(ReadOnlySpan<byte> key) => key.Length - TimeSize;

    // ---- prefixes for scans ---------------------------------------------------------------------

    /// <summary>A prefix of components in the order's sequence, as many as are given (stops at the first null).</summary>
    public static byte[] Prefix(IndexOrder order, EntityId? e, uint? a, Value? v)
    {
        var buffer = new byte[PrefixMaxSize(v)];
        return buffer.AsSpan(0, WritePrefix(order, e, a, v, buffer)).ToArray();
    }

    /// <summary>Room enough for any prefix with this value.</summary>
    public static int PrefixMaxSize(Value? v) => EntityId.Size + 4 + (v is { } value ? ValueMaxSize(value) : 0);

    /// <summary>Writes the prefix of <see cref="Prefix"/> into <paramref name="to"/> (at least <see cref="PrefixMaxSize"/> long) and returns its length.</summary>
    public static int WritePrefix(IndexOrder order, EntityId? e, uint? a, Value? v, Span<byte> to)
    {
        var o = 0;
        switch (order)
        {
            case IndexOrder.Eavt:
                if (e is null) break;
                o += WriteEntity(e.Value, to[o..]);
                if (a is null) break;
                o += WriteAttribute(a.Value, to[o..]);
                if (v is null) break;
                o += WriteValue(v.Value, to[o..]);
                break;
            case IndexOrder.Aevt:
                if (a is null) break;
                o += WriteAttribute(a.Value, to[o..]);
                if (e is null) break;
                o += WriteEntity(e.Value, to[o..]);
                if (v is null) break;
                o += WriteValue(v.Value, to[o..]);
                break;
            case IndexOrder.Avet:
                if (a is null) break;
                o += WriteAttribute(a.Value, to[o..]);
                if (v is null) break;
                o += WriteValue(v.Value, to[o..]);
                if (e is null) break;
                o += WriteEntity(e.Value, to[o..]);
                break;
            case IndexOrder.Vaet:
                if (v is null) break;
                o += WriteValue(v.Value, to[o..]);
                if (a is null) break;
                o += WriteAttribute(a.Value, to[o..]);
                if (e is null) break;
                o += WriteEntity(e.Value, to[o..]);
                break;
        }
        return o;
    }

    /// <summary>
    /// Whether a value has an index encoding that decodes back to it. Not so for a string with a
    /// lone UTF-16 surrogate: UTF-8 replaces it, so no stored datom can equal such a value, and a
    /// comparison of encoded bytes would wrongly find one.
    /// </summary>
    public static bool RoundTrips(in Value v)
    {
        if (v.Type is not (ValueType.String or ValueType.Keyword or ValueType.Symbol))
            return true;
        var text = v.AsString.AsSpan();
        if (text.IndexOfAnyInRange('\uD800', '\uDFFF') < 0)
            return true;
        return System.Text.Unicode.Utf8.FromUtf16(text, new byte[Encoding.UTF8.GetMaxByteCount(text.Length)], out _, out _, replaceInvalidSequences: false)
            == System.Buffers.OperationStatus.Done;
    }

    /// <summary>The length of the encoded value at the start of <paramref name="key"/>, without decoding it.</summary>
    public static int ValueLength(ReadOnlySpan<byte> key)
    {
        switch ((ValueType)key[0])
        {
            case ValueType.Long:
            case ValueType.Instant:
            case ValueType.Double:
                return 9;
            case ValueType.Boolean:
                return 2;
            case ValueType.Ref:
            case ValueType.Uuid:
                return 17;
            default:
                // Escaped bytes up to the 00 01 terminator; 00 FF is an escaped zero.
                var o = 1;
                while (true)
                {
                    var zero = key[o..].IndexOf((byte)0);
                    if (zero < 0 || o + zero + 1 >= key.Length)
                        throw new FormatException("unterminated value in index key");
                    o += zero + 2;
                    if (key[o - 1] == 1)
                        return o;
                }
        }
    }

    /// <summary>The entity at <paramref name="offset"/> of a key.</summary>
    public static EntityId EntityAt(ReadOnlySpan<byte> key, int offset) => new(key.Slice(offset, EntityId.Size));

    /// <summary>The attribute id at <paramref name="offset"/> of a key.</summary>
    public static uint AttributeAt(ReadOnlySpan<byte> key, int offset) => BinaryPrimitives.ReadUInt32BigEndian(key[offset..]);

    /// <summary>The transaction of a key (in its time part).</summary>
    public static EntityId TxOf(ReadOnlySpan<byte> key) => new(key.Slice(key.Length - 1 - EntityId.Size, EntityId.Size));

    /// <summary>Whether the key is an assertion (its last byte).</summary>
    public static bool IsAssertion(ReadOnlySpan<byte> key) => key[^1] != 0;

    // ---- components -----------------------------------------------------------------------------

    private static int WriteEntity(EntityId e, Span<byte> to)
    {
        e.Format(to);
        return EntityId.Size;
    }

    private static EntityId ReadEntity(ReadOnlySpan<byte> key, ref int o)
    {
        var e = new EntityId(key.Slice(o, EntityId.Size));
        o += EntityId.Size;
        return e;
    }

    private static int WriteAttribute(uint a, Span<byte> to)
    {
        BinaryPrimitives.WriteUInt32BigEndian(to, a);
        return 4;
    }

    private static uint ReadAttribute(ReadOnlySpan<byte> key, ref int o)
    {
        var a = BinaryPrimitives.ReadUInt32BigEndian(key[o..]);
        o += 4;
        return a;
    }

    private static int ValueMaxSize(in Value v) => 1 + v.Type switch
    {
        ValueType.String or ValueType.Keyword or ValueType.Symbol => (Encoding.UTF8.GetMaxByteCount(v.AsString.Length) * 2) + 2,
        ValueType.Bytes => (v.AsBytes.Length * 2) + 2,
        ValueType.Ref or ValueType.Uuid => 16,
        ValueType.Boolean => 1,
        _ => 8,
    };

    public static int WriteValue(in Value v, Span<byte> to)
    {
        to[0] = (byte)v.Type;
        switch (v.Type)
        {
            case ValueType.Long:
                BinaryPrimitives.WriteUInt64BigEndian(to[1..], (ulong)v.AsLong ^ 0x8000_0000_0000_0000UL);
                return 9;
            case ValueType.Instant:
                BinaryPrimitives.WriteUInt64BigEndian(to[1..], (ulong)v.AsInstantMs ^ 0x8000_0000_0000_0000UL);
                return 9;
            case ValueType.Double:
                var bits = (ulong)BitConverter.DoubleToInt64Bits(v.AsDouble);
                // IEEE 754 total order as unsigned bytes: flip all bits of negatives, the sign bit of the rest.
                bits = (bits & 0x8000_0000_0000_0000UL) != 0 ? ~bits : bits ^ 0x8000_0000_0000_0000UL;
                BinaryPrimitives.WriteUInt64BigEndian(to[1..], bits);
                return 9;
            case ValueType.Boolean:
                to[1] = v.AsBoolean ? (byte)1 : (byte)0;
                return 2;
            case ValueType.Ref:
                v.AsRef.Format(to[1..]);
                return 17;
            case ValueType.Uuid:
                v.AsUuid.TryWriteBytes(to[1..], bigEndian: true, out _);
                return 17;
            case ValueType.String:
            case ValueType.Keyword:
            case ValueType.Symbol:
                return 1 + WriteEscaped(Encoding.UTF8.GetBytes(v.AsString), to[1..]);
            case ValueType.Bytes:
                return 1 + WriteEscaped(v.AsBytes, to[1..]);
            default:
                throw new ArgumentException($"value of unknown type {v.Type}", nameof(v));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static Value ReadValue(ReadOnlySpan<byte> key, ref int o)
    {
        var type = (ValueType)key[o++];
        switch (type)
        {
            case ValueType.Long:
                var l = Value.Long((long)(BinaryPrimitives.ReadUInt64BigEndian(key[o..]) ^ 0x8000_0000_0000_0000UL));
                o += 8;
                return l;
            case ValueType.Instant:
                var t = Value.Instant((long)(BinaryPrimitives.ReadUInt64BigEndian(key[o..]) ^ 0x8000_0000_0000_0000UL));
                o += 8;
                return t;
            case ValueType.Double:
                var bits = BinaryPrimitives.ReadUInt64BigEndian(key[o..]);
                bits = (bits & 0x8000_0000_0000_0000UL) != 0 ? bits ^ 0x8000_0000_0000_0000UL : ~bits;
                o += 8;
                return Value.Double(BitConverter.Int64BitsToDouble((long)bits));
            case ValueType.Boolean:
                return Value.Boolean(key[o++] != 0);
            case ValueType.Ref:
                var r = Value.Ref(new EntityId(key.Slice(o, 16)));
                o += 16;
                return r;
            case ValueType.Uuid:
                var u = Value.Uuid(new Guid(key.Slice(o, 16), bigEndian: true));
                o += 16;
                return u;
            case ValueType.String:
                return Value.String(ReadEscapedString(key, ref o));
            case ValueType.Keyword:
                return Value.Keyword(ReadEscapedString(key, ref o));
            case ValueType.Symbol:
                return Value.Symbol(ReadEscapedString(key, ref o));
            case ValueType.Bytes:
                return Value.Bytes(ReadEscaped(key, ref o));
            default:
                throw new FormatException($"index key holds unknown value type {(byte)type}");
        }
    }

    private static int WriteEscaped(ReadOnlySpan<byte> bytes, Span<byte> to)
    {
        if (bytes.Length > MaxVariableValueBytes)
            throw new ArgumentException($"value of {bytes.Length} bytes is longer than an index key may hold ({MaxVariableValueBytes})");
        var o = 0;
        foreach (var b in bytes)
        {
            to[o++] = b;
            if (b == 0)
                to[o++] = 0xFF;
        }
        to[o++] = 0;
        to[o++] = 1;
        return o;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static string ReadEscapedString(ReadOnlySpan<byte> key, ref int o)
    {
        // Nearly every string has no zero byte: then the first 00 is the terminator's, and the
        // UTF-8 is decoded where it lies.
        var rest = key[o..];
        var zero = rest.IndexOf((byte)0);
        if (zero >= 0 && zero + 1 < rest.Length && rest[zero + 1] == 1)
        {
            o += zero + 2;
            return Encoding.UTF8.GetString(rest[..zero]);
        }
        return Encoding.UTF8.GetString(ReadEscaped(key, ref o));
    }

    private static byte[] ReadEscaped(ReadOnlySpan<byte> key, ref int o)
    {
        var result = new List<byte>();
        while (true)
        {
            var b = key[o++];
            if (b != 0)
            {
                result.Add(b);
                continue;
            }
            var next = key[o++];
            if (next == 0xFF)
                result.Add(0);
            else if (next == 1)
                return [.. result];
            else
                throw new FormatException("bad escape in index key");
        }
    }
}

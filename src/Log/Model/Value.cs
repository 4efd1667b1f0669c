using System.Globalization;

namespace Datom.Log.Model;

/// <summary>The value types of DESIGN.md's schema (<c>:db/valueType</c>), with their wire tags.</summary>
/// <remarks>The numeric tags are part of the entry encoding and of index order; never renumber.</remarks>
public enum ValueType : byte
{
    String = 1,
    Long = 2,
    Double = 3,
    Boolean = 4,
    Keyword = 5,
    Symbol = 6,
    Ref = 7,
    Instant = 8,
    Uuid = 9,
    Bytes = 10,
}

/// <summary>
/// A datom's value: a small tagged union with no boxing for the fixed-size types. Keywords and
/// symbols are held as their text without the leading colon (<c>user/email</c>).
/// </summary>
public readonly struct Value : IEquatable<Value>, IComparable<Value>
{
    private readonly ulong _hi;   // long, double bits, bool, instant ms, or the high half of a ref/uuid
    private readonly ulong _lo;   // low half of a ref/uuid
    private readonly object? _obj; // string or byte[]

    private Value(ValueType type, ulong hi, ulong lo, object? obj)
    {
        Type = type;
        _hi = hi;
        _lo = lo;
        _obj = obj;
    }

    public ValueType Type { get; }

    public static Value String(string s) => new(ValueType.String, 0, 0, s ?? throw new ArgumentNullException(nameof(s)));
    public static Value Long(long n) => new(ValueType.Long, (ulong)n, 0, null);
    public static Value Double(double d) => new(ValueType.Double, (ulong)BitConverter.DoubleToInt64Bits(CanonicalNaN(d)), 0, null);
    public static Value Boolean(bool b) => new(ValueType.Boolean, b ? 1UL : 0UL, 0, null);
    public static Value Keyword(string name) => new(ValueType.Keyword, 0, 0, CheckName(name));
    public static Value Symbol(string name) => new(ValueType.Symbol, 0, 0, CheckName(name));
    public static Value Ref(EntityId id) => new(ValueType.Ref, id.Prefix, id.Counter, null);
    public static Value Instant(long unixMs) => new(ValueType.Instant, (ulong)unixMs, 0, null);
    public static Value Instant(DateTimeOffset t) => Instant(t.ToUnixTimeMilliseconds());
    public static Value Uuid(Guid g)
    {
        Span<byte> b = stackalloc byte[16];
        g.TryWriteBytes(b, bigEndian: true, out _);
        return new(ValueType.Uuid, System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(b), System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(b[8..]), null);
    }

    public static Value Bytes(byte[] bytes) => new(ValueType.Bytes, 0, 0, bytes ?? throw new ArgumentNullException(nameof(bytes)));

    public string AsString => Type is ValueType.String or ValueType.Keyword or ValueType.Symbol ? (string)_obj! : throw WrongType(ValueType.String);
    public long AsLong => Type == ValueType.Long ? (long)_hi : throw WrongType(ValueType.Long);
    public double AsDouble => Type == ValueType.Double ? BitConverter.Int64BitsToDouble((long)_hi) : throw WrongType(ValueType.Double);
    public bool AsBoolean => Type == ValueType.Boolean ? _hi != 0 : throw WrongType(ValueType.Boolean);
    public EntityId AsRef => Type == ValueType.Ref ? new EntityId(_hi, _lo) : throw WrongType(ValueType.Ref);
    public long AsInstantMs => Type == ValueType.Instant ? (long)_hi : throw WrongType(ValueType.Instant);
    public byte[] AsBytes => Type == ValueType.Bytes ? (byte[])_obj! : throw WrongType(ValueType.Bytes);

    public Guid AsUuid
    {
        get
        {
            if (Type != ValueType.Uuid)
                throw WrongType(ValueType.Uuid);
            Span<byte> b = stackalloc byte[16];
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(b, _hi);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(b[8..], _lo);
            return new Guid(b, bigEndian: true);
        }
    }

    public bool Equals(Value other)
    {
        if (Type != other.Type)
            return false;
        return Type switch
        {
            ValueType.String or ValueType.Keyword or ValueType.Symbol => string.Equals((string)_obj!, (string)other._obj!, StringComparison.Ordinal),
            ValueType.Bytes => ((byte[])_obj!).AsSpan().SequenceEqual((byte[])other._obj!),
            _ => _hi == other._hi && _lo == other._lo,
        };
    }

    public override bool Equals(object? obj) => obj is Value other && Equals(other);

    public override int GetHashCode() => Type switch
    {
        ValueType.String or ValueType.Keyword or ValueType.Symbol => HashCode.Combine(Type, string.GetHashCode((string)_obj!, StringComparison.Ordinal)),
        ValueType.Bytes => HashBytes((byte[])_obj!),
        _ => HashCode.Combine(Type, _hi, _lo),
    };

    /// <summary>
    /// Total order, consistent with <see cref="Equals(Value)"/>: by type tag, then by value (strings
    /// ordinal; doubles by IEEE 754 totalOrder, so -0.0 sorts before 0.0 and they are not equal).
    /// </summary>
    public int CompareTo(Value other)
    {
        if (Type != other.Type)
            return Type.CompareTo(other.Type);
        return Type switch
        {
            ValueType.String or ValueType.Keyword or ValueType.Symbol => string.CompareOrdinal((string)_obj!, (string)other._obj!),
            ValueType.Long or ValueType.Instant => ((long)_hi).CompareTo((long)other._hi),
            ValueType.Double => TotalOrderKey(_hi).CompareTo(TotalOrderKey(other._hi)),
            ValueType.Bytes => ((byte[])_obj!).AsSpan().SequenceCompareTo((byte[])other._obj!),
            _ => _hi != other._hi ? _hi.CompareTo(other._hi) : _lo.CompareTo(other._lo),
        };
    }

    /// <summary>EDN text of the value, as the CLI prints it.</summary>
    public override string ToString() => Type switch
    {
        ValueType.String => Quote((string)_obj!),
        ValueType.Long => ((long)_hi).ToString(CultureInfo.InvariantCulture),
        ValueType.Double => FormatDouble(AsDouble),
        ValueType.Boolean => _hi != 0 ? "true" : "false",
        ValueType.Keyword => ":" + (string)_obj!,
        ValueType.Symbol => (string)_obj!,
        ValueType.Ref => "#id \"" + AsRef + "\"",
        ValueType.Instant => "#inst \"" + DateTimeOffset.FromUnixTimeMilliseconds((long)_hi).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture) + "\"",
        ValueType.Uuid => "#uuid \"" + AsUuid.ToString("D") + "\"",
        ValueType.Bytes => "#bytes \"" + Convert.ToBase64String((byte[])_obj!) + "\"",
        _ => "#invalid",
    };

    public static bool operator ==(Value left, Value right) => left.Equals(right);
    public static bool operator !=(Value left, Value right) => !left.Equals(right);
    public static bool operator <(Value left, Value right) => left.CompareTo(right) < 0;
    public static bool operator >(Value left, Value right) => left.CompareTo(right) > 0;
    public static bool operator <=(Value left, Value right) => left.CompareTo(right) <= 0;
    public static bool operator >=(Value left, Value right) => left.CompareTo(right) >= 0;

    internal static string FormatDouble(double d) => d switch
    {
        double.PositiveInfinity => "##Inf",
        double.NegativeInfinity => "##-Inf",
        _ when double.IsNaN(d) => "##NaN",
        _ => EnsureFloatSyntax(d.ToString("R", CultureInfo.InvariantCulture)),
    };

    private static string EnsureFloatSyntax(string s) =>
        s.Contains('.', StringComparison.Ordinal) || s.Contains('E', StringComparison.Ordinal) ? s : s + ".0";

    internal static string Quote(string s)
    {
        var sb = new System.Text.StringBuilder(s.Length + 2).Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (char.IsControl(c))
                        sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else
                        sb.Append(c);
                    break;
            }
        }
        return sb.Append('"').ToString();
    }

    /// <summary>IEEE 754 totalOrder as an unsigned integer: negatives have all bits flipped, the rest the sign bit.</summary>
    private static ulong TotalOrderKey(ulong bits) => (bits & 0x8000_0000_0000_0000UL) != 0 ? ~bits : bits ^ 0x8000_0000_0000_0000UL;

    // One NaN bit pattern, so that equal values always encode to equal bytes.
    private static double CanonicalNaN(double d) => double.IsNaN(d) ? double.NaN : d;

    private static string CheckName(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name[0] == ':')
            throw new ArgumentException($"keyword and symbol names are stored without the colon: '{name}'", nameof(name));
        return name;
    }

    private static int HashBytes(byte[] bytes)
    {
        var h = new HashCode();
        h.AddBytes(bytes);
        return h.ToHashCode();
    }

    private InvalidOperationException WrongType(ValueType wanted) => new($"value is a {Type}, not a {wanted}");
}

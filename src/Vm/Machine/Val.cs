using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using Datom.Log.Edn;
using Datom.Log.Model;

namespace Datom.Vm.Machine;

/// <summary>The kinds of Yin values.</summary>
internal enum ValKind
{
    Nil,
    Boolean,
    Long,
    Double,
    String,
    Keyword,
    Symbol,
    Instant,
    Uuid,
    Entity,
    Vector,
    Map,
    Set,
    Seq,
    Record,
    Fn,
    Error,
    Char,
    Regex,
}

/// <summary>
/// A Yin value: 16 bytes, no allocation for nil, booleans, longs, doubles and instants. Scalars
/// keep their bits in <see cref="Bits"/> with a sentinel tag object; everything else is the object
/// itself (a string, <see cref="Keyword"/>, <see cref="YVector"/>, ...). All Yin data is immutable.
/// </summary>
internal readonly struct Val : IEquatable<Val>
{
    internal static readonly object LongTag = new ScalarTag("long");
    internal static readonly object DoubleTag = new ScalarTag("double");
    internal static readonly object BoolTag = new ScalarTag("boolean");
    internal static readonly object InstantTag = new ScalarTag("instant");
    internal static readonly object CharTag = new ScalarTag("char");

    internal readonly object? Obj;
    internal readonly long Bits;

    private Val(object? obj, long bits)
    {
        Obj = obj;
        Bits = bits;
    }

    public static Val Nil => default;

    public static Val True { get; } = new(BoolTag, 1);

    public static Val False { get; } = new(BoolTag, 0);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Val Long(long n) => new(LongTag, n);

    public static Val Double(double d) => new(DoubleTag, BitConverter.DoubleToInt64Bits(d));

    public static Val Bool(bool b) => b ? True : False;

    public static Val Instant(long unixMs) => new(InstantTag, unixMs);

    /// <summary>A character: one UTF-16 unit, as a Java <c>char</c>.</summary>
    public static Val Char(char c) => new(CharTag, c);

    public static Val String(string s) => new(s ?? throw new ArgumentNullException(nameof(s)), 0);

    public static Val Keyword(Keyword k) => new(k ?? throw new ArgumentNullException(nameof(k)), 0);

    public static Val Symbol(Symbol s) => new(s ?? throw new ArgumentNullException(nameof(s)), 0);

    public static Val Uuid(Guid g) => new(g, 0);

    public static Val Entity(EntityId e) => new(e, 0);

    internal static Val Object(object o) => new(o, 0);

    public bool IsNil => Obj is null;

    public bool IsLong
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => ReferenceEquals(Obj, LongTag);
    }

    public bool IsDouble => ReferenceEquals(Obj, DoubleTag);

    public bool IsNumber => IsLong || IsDouble;

    public bool IsChar => ReferenceEquals(Obj, CharTag);

    public char AsChar => (char)Bits;

    /// <summary>Clojure truthiness: everything but nil and false.</summary>
    public bool IsTruthy
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Obj is not null && !(ReferenceEquals(Obj, BoolTag) && Bits == 0);
    }

    public long AsLong => Bits;

    public double AsDouble => BitConverter.Int64BitsToDouble(Bits);

    /// <summary>A number as a double (longs converted).</summary>
    public double ToDouble() => IsLong ? Bits : AsDouble;

    public bool AsBool => Bits != 0;

    public long AsInstantMs => Bits;

    public string AsString => (string)Obj!;

    public ValKind Kind => Obj switch
    {
        null => ValKind.Nil,
        ScalarTag when ReferenceEquals(Obj, LongTag) => ValKind.Long,
        ScalarTag when ReferenceEquals(Obj, DoubleTag) => ValKind.Double,
        ScalarTag when ReferenceEquals(Obj, BoolTag) => ValKind.Boolean,
        ScalarTag when ReferenceEquals(Obj, CharTag) => ValKind.Char,
        ScalarTag => ValKind.Instant,
        string => ValKind.String,
        Log.Edn.Keyword => ValKind.Keyword,
        Log.Edn.Symbol => ValKind.Symbol,
        Guid => ValKind.Uuid,
        EntityId => ValKind.Entity,
        YVector => ValKind.Vector,
        YMap => ValKind.Map,
        YSet => ValKind.Set,
        YSeq => ValKind.Seq,
        YRecord => ValKind.Record,
        YFunction => ValKind.Fn,
        YinError => ValKind.Error,
        YRegex => ValKind.Regex,
        _ => throw new InvalidOperationException($"not a Yin value: {Obj.GetType()}"),
    };

    public bool Equals(Val other) => ValComparer.Equal(this, other);

    public override bool Equals(object? obj) => obj is Val v && Equals(v);

    public override int GetHashCode() => ValComparer.Hash(this);

    public static bool operator ==(Val left, Val right) => left.Equals(right);

    public static bool operator !=(Val left, Val right) => !left.Equals(right);

    /// <summary>Readable EDN text, as <c>pr-str</c> prints it.</summary>
    public override string ToString() => ValPrinter.Edn(this);

    private sealed class ScalarTag(string name)
    {
        public override string ToString() => name;
    }
}

/// <summary>A Yin vector: persistent (structure-sharing), indexable.</summary>
internal sealed class YVector(ImmutableList<Val> items)
{
    public static readonly YVector Empty = new(ImmutableList<Val>.Empty);

    public ImmutableList<Val> Items { get; } = items;

    public int Count => Items.Count;
}

/// <summary>A Yin map, kept sorted by <see cref="ValComparer"/> so that it prints and serializes the same everywhere.</summary>
internal sealed class YMap(ImmutableSortedDictionary<Val, Val> items)
{
    public static readonly YMap Empty = new(ImmutableSortedDictionary.Create<Val, Val>(ValComparer.Instance));

    public ImmutableSortedDictionary<Val, Val> Items { get; } = items;

    public int Count => Items.Count;
}

/// <summary>A Yin set, sorted like <see cref="YMap"/>.</summary>
internal sealed class YSet(ImmutableSortedSet<Val> items)
{
    public static readonly YSet Empty = new(ImmutableSortedSet.Create<Val>(ValComparer.Instance));

    public ImmutableSortedSet<Val> Items { get; } = items;

    public int Count => Items.Count;
}

/// <summary>A position in a sequence: what <c>seq</c>, <c>rest</c> and <c>next</c> return. Never empty.</summary>
internal sealed class YSeq(ImmutableList<Val> items, int offset)
{
    public ImmutableList<Val> Items { get; } = items;

    public int Offset { get; } = offset;

    public int Count => Items.Count - Offset;

    public Val First => Items[Offset];

    public YSeq? Next => Offset + 1 < Items.Count ? new YSeq(Items, Offset + 1) : null;

    public IEnumerable<Val> Values
    {
        get
        {
            for (var i = Offset; i < Items.Count; i++)
                yield return Items[i];
        }
    }
}

/// <summary>A record type as a program defined it (<c>defrecord</c>): its key, fields and their types.</summary>
internal sealed class RecordType(string key, string name, IReadOnlyList<Keyword> fields, IReadOnlyList<TypeCheck?> fieldTypes)
{
    public string Key { get; } = key;

    public string Name { get; } = name;

    public IReadOnlyList<Keyword> Fields { get; } = fields;

    public IReadOnlyList<TypeCheck?> FieldTypes { get; } = fieldTypes;

    public int IndexOf(Keyword field)
    {
        for (var i = 0; i < Fields.Count; i++)
        {
            if (ReferenceEquals(Fields[i], field) || Fields[i].Equals(field))
                return i;
        }
        return -1;
    }
}

/// <summary>An instance of a record: a map with a type and a fixed set of keys.</summary>
internal sealed class YRecord(RecordType type, Val[] values)
{
    public RecordType Type { get; } = type;

    internal Val[] Values { get; } = values;

    public Val Get(Keyword field) => Type.IndexOf(field) is var i and >= 0 ? Values[i] : Val.Nil;
}

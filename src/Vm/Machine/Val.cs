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

    /// <summary>A mutable reference: an atom, a volatile or a delay (<see cref="YAtom"/>).</summary>
    Atom,
    Char,
    Regex,

    /// <summary>An arbitrary-precision integer (<c>1N</c>), a boxed <see cref="System.Numerics.BigInteger"/>.</summary>
    BigInt,

    /// <summary>A ratio (<c>1/2</c>), a <see cref="YRatio"/>.</summary>
    Ratio,
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

    public static Val BigInt(System.Numerics.BigInteger n) => new(n, 0);

    public static Val String(string s) => new(s ?? throw new ArgumentNullException(nameof(s)), 0);

    public static Val Keyword(Keyword k) => new(k ?? throw new ArgumentNullException(nameof(k)), 0);

    public static Val Symbol(Symbol s) => new(s ?? throw new ArgumentNullException(nameof(s)), 0);

    public static Val Uuid(Guid g) => new(g, 0);

    public static Val Entity(EntityId e) => new(e, 0);

    internal static Val Object(object o) => new(o, 0);

    /// <summary>
    /// Stores <paramref name="v"/> in <paramref name="slot"/> (of the machine's value stack). Storing
    /// a reference into the heap costs a GC write barrier, a call into the runtime; when the slot
    /// already holds the same reference (a long over a long: both carry <see cref="LongTag"/>) only
    /// the bits need writing. The one place a Val is changed in place.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Set(ref Val slot, in Val v)
    {
        if (ReferenceEquals(slot.Obj, v.Obj))
            Unsafe.AsRef(in slot.Bits) = v.Bits;
        else
            slot = v;
    }

    /// <summary>Stores a long in <paramref name="slot"/>, as <see cref="Set"/> does.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void SetLong(ref Val slot, long n)
    {
        if (ReferenceEquals(slot.Obj, LongTag))
            Unsafe.AsRef(in slot.Bits) = n;
        else
            slot = Long(n);
    }

    public bool IsNil => Obj is null;

    public bool IsLong
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => ReferenceEquals(Obj, LongTag);
    }

    public bool IsDouble => ReferenceEquals(Obj, DoubleTag);

    public bool IsNumber => IsLong || IsDouble || Obj is System.Numerics.BigInteger or YRatio;

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
    public double ToDouble() => IsLong ? Bits : Obj switch
    {
        System.Numerics.BigInteger b => (double)b,
        YRatio r => r.ToDouble(),
        _ => AsDouble,
    };

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
        YSeq or YList or YLazySeq or YEmptyList => ValKind.Seq,
        YAtom => ValKind.Atom,
        YRecord => ValKind.Record,
        YFunction => ValKind.Fn,
        YinError => ValKind.Error,
        YRegex => ValKind.Regex,
        System.Numerics.BigInteger => ValKind.BigInt,
        YRatio => ValKind.Ratio,
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

/// <summary>A Yin map: its entries in Clojure's order (<see cref="MapEntries"/>: array, hash or sorted map).</summary>
internal sealed class YMap(MapEntries items)
{
    public static readonly YMap Empty = new(MapEntries.Empty);

    public MapEntries Items { get; } = items;

    public int Count => Items.Count;
}

/// <summary>A Yin set: its items in Clojure's order (<see cref="SetEntries"/>: hash or sorted set).</summary>
internal sealed class YSet(SetEntries items)
{
    public static readonly YSet Empty = new(SetEntries.Empty);

    public SetEntries Items { get; } = items;

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

    /// <summary>Made by <c>deftype</c>: its instances are not maps (keyword lookup gives nil, <c>map?</c> is false).</summary>
    public bool IsDeftype { get; init; }

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

/// <summary>
/// A persistent list cell (Clojure's <c>PersistentList</c> and <c>Cons</c>): a first value and the
/// rest, which is nil, another list, or any seqable (a lazy seq, for a cons onto one). Lists made
/// by <c>list</c>, <c>conj</c> and <c>into</c> know their count; a cons onto something else counts
/// by walking (<see cref="Count"/> is -1).
/// </summary>
internal sealed class YList(Val first, Val more, int count)
{
    public Val First { get; } = first;

    /// <summary>Nil, a <see cref="YList"/>, or a seqable whose seq is the rest.</summary>
    public Val More { get; } = more;

    /// <summary>The number of items, or -1 when the rest is not a counted list.</summary>
    public int Count { get; } = count;

    /// <summary>The empty list, <c>()</c>: a seq value of its own (it is not nil, and prints as <c>()</c>).</summary>
    public static readonly YEmptyList Empty = new();
}

/// <summary>The empty list <c>()</c>.</summary>
internal sealed class YEmptyList;

/// <summary>
/// A lazy sequence (Clojure's <c>LazySeq</c>): a thunk that, run once, gives a seqable; its seq is
/// cached, so the thunk never runs twice. The thunk is a Yin function (from <c>lazy-seq</c>) or a
/// step of one of the machine's own generators (<c>range</c>, <c>iterate</c>, <c>repeat</c>,
/// <c>cycle</c>). Realising one runs inside the machine of the current run
/// (<see cref="YinMachine.Current"/>), charging its fuel and memory, so an infinite sequence walked
/// to its end stops at a named limit like any other runaway.
/// </summary>
internal sealed class YLazySeq
{
    private object? _thunk;
    private Val _seq;

    public YLazySeq(YFunction thunk) => _thunk = thunk;

    public YLazySeq(Func<YinMachine, Val> step, string? native = null, Val[]? args = null)
    {
        _thunk = step;
        Native = native;
        Args = args;
    }

    public bool IsRealized => _thunk is null;

    /// <summary>The thunk, while unrealised and a Yin function: what a stored continuation keeps.</summary>
    public YFunction? Thunk => _thunk as YFunction;

    /// <summary>For a generator: the native call that makes an equal lazy seq (<c>(range 5 10 1)</c>), so a continuation holding one can be stored.</summary>
    public string? Native { get; }

    public Val[]? Args { get; }

    /// <summary>The realised seq: nil or a non-empty seq value (never another lazy seq).</summary>
    public Val Seq(YinMachine? machine = null)
    {
        if (_thunk is null)
            return _seq;
        var m = machine ?? YinMachine.Current
            ?? throw YinException.Of(Kinds.Internal, "a lazy sequence can only be realised while its program runs");
        // As Clojure's LazySeq.seq: a body that is itself a lazy seq (a lazy-seq around map, a for's
        // :when skipping to the next item) has its thunk run here, in a loop, never by recursion:
        // 30,000 skipped items are 30,000 turns of this loop, not 30,000 host frames.
        var produced = Step(m);
        List<YLazySeq>? unwrapped = null;
        while (produced.Obj is YLazySeq inner)
        {
            if (inner._thunk is null)
            {
                produced = inner._seq;
                break;
            }
            (unwrapped ??= []).Add(inner);
            produced = inner.Step(m);
        }
        var seq = Seqs.Seq(m, produced);
        if (unwrapped is not null)
        {
            foreach (var inner in unwrapped)
                inner.Realized(seq);
        }
        Realized(seq);
        return _seq;
    }

    private Val Step(YinMachine m) => _thunk switch
    {
        YFunction f => m.Invoke(Val.Object(f), []),
        Func<YinMachine, Val> step => step(m),
        _ => Val.Object(this),
    };

    // A thunk that realised this seq itself (re-entrantly) has already set it: the first result stands.
    private void Realized(Val seq)
    {
        if (_thunk is null)
            return;
        _seq = seq;
        _thunk = null;
    }
}

/// <summary>
/// A mutable reference: <c>atom</c>, <c>volatile!</c> and <c>delay</c>. Its scope is the run that
/// made it: an atom in a <c>^:service</c> lives in that node's run of the service and is never
/// shared with another node or another run (state that the mesh should share goes through
/// <c>transact!</c>).
/// </summary>
internal sealed class YAtom(string kind, Val value)
{
    private static long _serials;

    /// <summary>Creation order: atoms are equal only to themselves, and sort by this.</summary>
    public long Serial { get; } = Interlocked.Increment(ref _serials);

    /// <summary><c>atom</c>, <c>volatile</c> or <c>delay</c>.</summary>
    public string Kind { get; } = kind;

    public Val Value { get; set; } = value;

    /// <summary>A delay's body, until forced.</summary>
    public YFunction? Pending { get; set; }

    /// <summary>An atom's validator, or null.</summary>
    public Val Validator { get; set; }

    /// <summary>An atom's watches, key to function.</summary>
    public List<(Val Key, Val Fn)>? Watches { get; set; }
}

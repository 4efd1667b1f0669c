using System.Collections;
using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Datom.Index.Transactions;
using Datom.Log.Edn;
using Datom.Log.Model;
using ValueType = Datom.Log.Model.ValueType;

namespace Datom.Index.Query;

/// <summary>
/// One cell of a binding row: a datom <see cref="Value"/> (entities are <see cref="ValueType.Ref"/>,
/// keywords their text without the colon) or, for what functions and inputs produce that no datom
/// holds, an object (<see cref="QVector"/>, a <see cref="Regex"/>, a <see cref="FunctionValue"/>,
/// a source view, or an input collection). <c>default</c> is nil. Rows are arrays of these, so a
/// join moves structs and never boxes a datom value.
/// </summary>
internal readonly struct QValue : IEquatable<QValue>
{
    public readonly Value V;
    public readonly object? Obj;

    public QValue(Value v)
    {
        V = v;
        Obj = null;
    }

    private QValue(object obj)
    {
        V = default;
        Obj = obj;
    }

    public static QValue Nil => default;

    public bool IsNil => Obj is null && V.Type == 0;

    /// <summary>A datom value (not nil, not an object).</summary>
    public bool IsValue => Obj is null && V.Type != 0;

    public ValueType Type => Obj is null ? V.Type : 0;

    public static QValue Of(Value v) => new(v);

    public static QValue Object(object obj) => new(obj);

    public static QValue Long(long n) => new(Value.Long(n));

    public static QValue Double(double d) => new(Value.Double(d));

    public static QValue Bool(bool b) => b ? True : False;

    public static QValue String(string s) => new(Value.String(s));

    public static QValue Ref(EntityId e) => new(Value.Ref(e));

    public static QValue True { get; } = new(Value.Boolean(true));

    public static QValue False { get; } = new(Value.Boolean(false));

    /// <summary>Clojure truthiness: everything but nil and false.</summary>
    public bool IsTruthy => Obj is not null || (V.Type != 0 && !(V.Type == ValueType.Boolean && !V.AsBoolean));

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool Equals(QValue other) =>
        Obj is null ? other.Obj is null && V.Equals(other.V) : Obj.Equals(other.Obj);

    public override bool Equals(object? obj) => obj is QValue other && Equals(other);

    /// <summary>Equal values hash equally; entities and longs (the usual join keys) without a detour through Value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override int GetHashCode()
    {
        if (Obj is not null)
            return Obj.GetHashCode();
        switch (V.Type)
        {
            case ValueType.Ref:
            {
                var e = V.AsRef;
                return Mix((e.Prefix * 0x9E3779B97F4A7C15UL) ^ e.Counter);
            }
            case ValueType.Long:
                return Mix((ulong)V.AsLong ^ 0x2545F4914F6CDD1DUL);
            default:
                return V.GetHashCode();
        }
    }

    private static int Mix(ulong h)
    {
        h ^= h >> 31;
        h *= 0xBF58476D1CE4E5B9UL;
        return (int)(h >> 32);
    }

    public static bool operator ==(QValue left, QValue right) => left.Equals(right);

    public static bool operator !=(QValue left, QValue right) => !left.Equals(right);

    public override string ToString() => Conversions.Show(this);
}

/// <summary>A vector made by a function (<c>tuple</c>, <c>re-find</c> with groups, …) or read from an input.</summary>
internal sealed class QVector(QValue[] items) : IEquatable<QVector>
{
    public QValue[] Items { get; } = items;

    public int Count => Items.Length;

    public bool Equals(QVector? other)
    {
        if (other is null || other.Items.Length != Items.Length)
            return false;
        for (var i = 0; i < Items.Length; i++)
        {
            if (!Items[i].Equals(other.Items[i]))
                return false;
        }
        return true;
    }

    public override bool Equals(object? obj) => Equals(obj as QVector);

    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (var item in Items)
            h.Add(item);
        return h.ToHashCode();
    }
}

/// <summary>A function as a value: a built-in named in a query, possibly under <c>complement</c>.</summary>
internal sealed record FunctionValue(string Name, Builtin Fn, bool Complemented);

/// <summary>Between query values and the outside: inputs and constants in, plain .NET values out.</summary>
internal static class Conversions
{
    /// <summary>Keyword text as a datom value stores it: <c>user/email</c> for <c>:user/email</c>.</summary>
    public static string KeywordText(Keyword k) => RawTransactor.AttributeName(k);

    public static QValue FromKeyword(Keyword k) => QValue.Of(Value.Keyword(KeywordText(k)));

    public static Keyword ToKeyword(string text) => Keyword.Parse(text);

    /// <summary>
    /// A value from outside (a query constant or an input) as a query value, or null when it is not
    /// one (a map, a set, an unknown object still travels as an object).
    /// </summary>
    public static QValue FromObject(object? o) => o switch
    {
        null => QValue.Nil,
        QValue q => q,
        Value v => QValue.Of(v),
        string s => QValue.String(s),
        long n => QValue.Long(n),
        int n => QValue.Long(n),
        short n => QValue.Long(n),
        byte n => QValue.Long(n),
        BigInteger b when b >= long.MinValue && b <= long.MaxValue => QValue.Long((long)b),
        double d => QValue.Double(d),
        float f => QValue.Double(f),
        decimal m => QValue.Double((double)m),
        bool b => QValue.Bool(b),
        Keyword k => FromKeyword(k),
        Symbol s => QValue.Of(Value.Symbol(s.QualifiedName)),
        DateTimeOffset t => QValue.Of(Value.Instant(t)),
        DateTime t => QValue.Of(Value.Instant(new DateTimeOffset(t.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(t, DateTimeKind.Utc) : t))),
        Guid g => QValue.Of(Value.Uuid(g)),
        EntityId e => QValue.Ref(e),
        byte[] bytes => QValue.Of(Value.Bytes(bytes)),
        char c => QValue.String(c.ToString()),
        EdnVector v => FromSequence(v),
        EdnList l => FromSequence(l),
        EdnMap or EdnSet => QValue.Object(o),
        IEnumerable e => FromSequence(e),
        _ => QValue.Object(o),
    };

    private static QValue FromSequence(IEnumerable items)
    {
        var list = new List<QValue>();
        foreach (var item in items)
            list.Add(FromObject(item));
        return QValue.Object(new QVector([.. list]));
    }

    /// <summary>An aggregate's .NET result as a cell: numbers and the like as values, collections as objects.</summary>
    public static QValue FromResult(object? o) => o switch
    {
        null => QValue.Nil,
        long n => QValue.Long(n),
        double d => QValue.Double(d),
        string or bool or Keyword or EntityId or DateTimeOffset or Guid or byte[] => FromObject(o),
        _ => QValue.Object(o),
    };

    /// <summary>The elements of a collection value, or null when it is not a collection.</summary>
    public static IReadOnlyList<QValue>? Elements(QValue q) => q.Obj switch
    {
        QVector v => v.Items,
        EdnSet s => [.. s.Select(FromObject)],
        // A map is the collection of its entries, each [k v], as a Clojure seq of a map is.
        EdnMap m => [.. m.Select(kv => QValue.Object(new QVector([FromObject(kv.Key), FromObject(kv.Value)])))],
        _ => null,
    };

    /// <summary>A datom value as the plain .NET value a result holds.</summary>
    public static object? ToClr(Value v) => v.Type switch
    {
        ValueType.String => v.AsString,
        ValueType.Long => v.AsLong,
        ValueType.Double => v.AsDouble,
        ValueType.Boolean => v.AsBoolean,
        ValueType.Keyword => ToKeyword(v.AsString),
        ValueType.Symbol => Symbol.Parse(v.AsString),
        ValueType.Ref => v.AsRef,
        ValueType.Instant => DateTimeOffset.FromUnixTimeMilliseconds(v.AsInstantMs),
        ValueType.Uuid => v.AsUuid,
        ValueType.Bytes => v.AsBytes,
        _ => null,
    };

    public static object? ToClr(QValue q) => q.Obj switch
    {
        null => ToClr(q.V),
        QVector v => v.Items.Select(ToClr).ToList(),
        FunctionValue f => Symbol.Parse(f.Name),
        IDatomView => "$",
        _ => q.Obj,
    };

    /// <summary>A value as EDN-ish text for explanations and error messages.</summary>
    public static string Show(QValue q) => q.Obj switch
    {
        null when q.V.Type == 0 => "nil",
        null => q.V.ToString(),
        QVector v => "[" + string.Join(" ", v.Items.Select(Show)) + "]",
        Regex r => "#\"" + r + "\"",
        FunctionValue f => (f.Complemented ? "(complement " + f.Name + ")" : f.Name),
        IDatomView => "$",
        _ => EdnWriter.ToDebugString(q.Obj),
    };

    /// <summary>"a string", "a long", … for type errors.</summary>
    public static string Describe(QValue q) => q.Obj switch
    {
        null when q.V.Type == 0 => "nil",
        null => q.V.Type switch
        {
            ValueType.String => "a string",
            ValueType.Long => "a long",
            ValueType.Double => "a double",
            ValueType.Boolean => "a boolean",
            ValueType.Keyword => "a keyword",
            ValueType.Symbol => "a symbol",
            ValueType.Ref => "an entity",
            ValueType.Instant => "an instant",
            ValueType.Uuid => "a uuid",
            ValueType.Bytes => "bytes",
            _ => "a value",
        },
        QVector => "a vector",
        Regex => "a regex",
        FunctionValue => "a function",
        IDatomView => "a database",
        EdnMap => "a map",
        EdnSet => "a set",
        _ => "an object",
    };

    /// <summary>Text of a form as written, for messages and the planner's tie-break.</summary>
    public static string Text(object? form) => ResultPrinter.Print(form);

    /// <summary>Clojure's <c>str</c> of one value.</summary>
    public static string Str(QValue q)
    {
        if (q.Obj is not null)
            return q.Obj switch
            {
                QVector or FunctionValue => Show(q),
                Regex r => r.ToString(),
                _ => Show(q),
            };
        var v = q.V;
        return v.Type switch
        {
            0 => "",
            ValueType.String => v.AsString,
            ValueType.Long => v.AsLong.ToString(CultureInfo.InvariantCulture),
            ValueType.Double => FormatDouble(v.AsDouble),
            ValueType.Boolean => v.AsBoolean ? "true" : "false",
            ValueType.Keyword => ":" + v.AsString,
            ValueType.Symbol => v.AsString,
            ValueType.Ref => v.AsRef.ToString(),
            ValueType.Instant => DateTimeOffset.FromUnixTimeMilliseconds(v.AsInstantMs).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
            ValueType.Uuid => v.AsUuid.ToString("D"),
            ValueType.Bytes => Convert.ToBase64String(v.AsBytes),
            _ => v.ToString(),
        };
    }

    public static string FormatDouble(double d) => d switch
    {
        double.PositiveInfinity => "Infinity",
        double.NegativeInfinity => "-Infinity",
        _ when double.IsNaN(d) => "NaN",
        _ => EnsureFloat(d.ToString("R", CultureInfo.InvariantCulture)),
    };

    private static string EnsureFloat(string s) =>
        s.Contains('.', StringComparison.Ordinal) || s.Contains('E', StringComparison.Ordinal) ? s : s + ".0";
}

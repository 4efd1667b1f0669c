using System.Collections.Immutable;
using System.Numerics;
using Datom.Log.Edn;
using Datom.Log.Model;
using Value = Datom.Log.Model.Value;
using ValueType = Datom.Log.Model.ValueType;

namespace Datom.Vm.Machine;

/// <summary>Between Yin values and the host's data: EDN forms (arguments, quoted data, tx-data, query results) and datom values.</summary>
internal static class ValConvert
{
    /// <summary>EDN data as a Yin value. A list becomes a seq, which goes back to EDN as a list (a quoted query keeps its predicate forms).</summary>
    /// <exception cref="YinException">The form has no Yin value (a 65-bit integer, say).</exception>
    public static Val FromEdn(object? edn)
    {
        ValComparer.Guard();
        return FromEdnAt(edn);
    }

    private static Val FromEdnAt(object? edn) => edn switch
    {
        null => Val.Nil,
        bool b => Val.Bool(b),
        long n => Val.Long(n),
        int n => Val.Long(n),
        double d => Val.Double(d),
        float f => Val.Double(f),
        string s => Val.String(s),
        char c => Val.Char(c),
        RegexLiteral r => YRegex.Compile(r.Pattern),
        Keyword k => Val.Keyword(k),
        Symbol s => Val.Symbol(s),
        DateTimeOffset t => Val.Instant(t.ToUnixTimeMilliseconds()),
        Guid g => Val.Uuid(g),
        EntityId e => Val.Entity(e),
        Value v => FromValue(v),
        EdnVector v => Vector(v.Select(FromEdn)),
        EdnList l => Seqs.List(null, [.. l.Select(FromEdn)]),
        EdnSet s => Val.Object(new YSet(SetEntries.Of(s.Select(FromEdn)))),
        EdnMap m => Val.Object(new YMap(m.Aggregate(YMap.Empty.Items, (acc, kv) => acc.SetItem(FromEdn(kv.Key), FromEdn(kv.Value))))),
        EdnTagged { Tag.Namespace: null, Tag.Name: "id", Value: string hex } when EntityId.TryParse(hex, out var id) => Val.Entity(id),
        BigInteger b => Val.BigInt(b),
        RatioLiteral r => YRatio.Make(r.Numerator, r.Denominator, integerAsBig: false),
        decimal d => Val.Double((double)d),
        byte[] bytes => Val.String(Convert.ToBase64String(bytes)),
        IEnumerable<object?> items => Vector(items.Select(FromEdn)),
        _ => throw YinException.Of(Kinds.Argument, $"{edn.GetType().Name} has no Yin value"),
    };

    public static Val Vector(IEnumerable<Val> items) => Val.Object(new YVector(ImmutableList.CreateRange(items)));

    public static Val FromValue(Value v) => v.Type switch
    {
        ValueType.String => Val.String(v.AsString),
        ValueType.Long => Val.Long(v.AsLong),
        ValueType.Double => Val.Double(v.AsDouble),
        ValueType.Boolean => Val.Bool(v.AsBoolean),
        ValueType.Keyword => Val.Keyword(Keyword.Parse(v.AsString)),
        ValueType.Symbol => Val.Symbol(Symbol.Parse(v.AsString)),
        ValueType.Ref => Val.Entity(v.AsRef),
        ValueType.Instant => Val.Instant(v.AsInstantMs),
        ValueType.Uuid => Val.Uuid(v.AsUuid),
        _ => Val.String(v.ToString()),
    };

    /// <summary>A Yin value as EDN data (for tx-data and query inputs). Functions and errors have none.</summary>
    /// <exception cref="YinException">The value is a function or an error.</exception>
    public static object? ToEdn(Val v)
    {
        ValComparer.Guard();
        return ToEdnAt(v);
    }

    private static object? ToEdnAt(Val v) => v.Kind switch
    {
        ValKind.Nil => null,
        ValKind.Boolean => v.AsBool,
        ValKind.Long => v.AsLong,
        ValKind.Double => v.AsDouble,
        ValKind.String => v.AsString,
        ValKind.Char => v.AsChar,
        ValKind.BigInt => (BigInteger)v.Obj!,
        ValKind.Keyword or ValKind.Symbol => v.Obj,
        ValKind.Instant => DateTimeOffset.FromUnixTimeMilliseconds(v.AsInstantMs),
        ValKind.Uuid => (Guid)v.Obj!,
        ValKind.Entity => (EntityId)v.Obj!,
        ValKind.Vector => new EdnVector(((YVector)v.Obj!).Items.Select(ToEdn)),
        ValKind.Seq => new EdnList(Seqs.Values(v).Select(ToEdn)),
        ValKind.Set => new EdnSet(((YSet)v.Obj!).Items.Select(ToEdn)),
        ValKind.Map => new EdnMap(((YMap)v.Obj!).Items.Select(kv => new KeyValuePair<object?, object?>(ToEdn(kv.Key), ToEdn(kv.Value)))),
        ValKind.Record => new EdnMap(((YRecord)v.Obj!).Type.Fields.Select((f, i) => new KeyValuePair<object?, object?>(f, ToEdn(((YRecord)v.Obj!).Values[i])))),
        _ => throw YinException.Of(Kinds.Type, $"a {TypeNames.Of(v)} cannot be stored or queried as data"),
    };
}

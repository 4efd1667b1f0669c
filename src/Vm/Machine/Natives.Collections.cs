using System.Collections.Immutable;
using Datom.Log.Edn;

namespace Datom.Vm.Machine;

internal static partial class Natives
{
    private static void RegisterCollections()
    {
        Def("vector", 0, -1, (m, a) => NewVector(m, a.ToArray()));
        Def("list", 0, -1, (m, a) => Seqs.List(m, a.ToArray()));
        Def("vec", 1, 1, (m, a) => NewVector(m, Items("vec", a[0])));
        Def("hash-map", 0, -1, (m, a) =>
        {
            if (a.Length % 2 != 0)
                throw YinException.Of(Kinds.Argument, "hash-map takes key value pairs");
            m.Charge(Heap.EntryBytes * (a.Length / 2));
            var map = MapEntries.EmptyHash;
            for (var i = 0; i < a.Length; i += 2)
                map = map.SetItem(a[i], a[i + 1]);
            return Val.Object(new YMap(map));
        });
        Def("hash-set", 0, -1, (m, a) => NewSet(m, a.ToArray()));
        Def("set", 1, 1, (m, a) => NewSet(m, Items("set", a[0])));

        Def("count", 1, 1, (_, a) => Val.Long(Count("count", a[0])));
        Def("empty?", 1, 1, (m, a) => Val.Bool(a[0].Obj is string str ? str.Length == 0 : Seqs.Seq(m, a[0]).IsNil));
        Def("not-empty", 1, 1, (m, a) => (a[0].Obj is string str ? str.Length == 0 : Seqs.Seq(m, a[0]).IsNil) ? Val.Nil : a[0]);
        Def("hash", 1, 1, (_, a) => Val.Long(ClojureHash.Hasheq(a[0])));
        Def("empty", 1, 1, (_, a) => a[0].Obj switch
        {
            // A sorted map stays sorted by its comparator, a hash map stays a hash map (Clojure's empty).
            YMap map => Val.Object(new YMap(map.Items.Clear())),
            YSet set => Val.Object(new YSet(set.Items.Clear())),
            YRecord => Val.Object(YMap.Empty),
            YSeq or YList or YLazySeq or YEmptyList => Seqs.Empty,
            YVector => Val.Object(YVector.Empty),
            string => Val.String(""),
            _ => Val.Nil,
        });
        Def("get", 2, 3, (_, a) => Get(a[0], a[1], a.Length > 2 ? a[2] : Val.Nil));
        Def("get-in", 2, 3, (_, a) =>
        {
            var v = a[0];
            foreach (var k in Items("get-in", a[1]))
            {
                v = Get(v, k, Missing);
                if (ReferenceEquals(v.Obj, Missing.Obj))
                    return a.Length > 2 ? a[2] : Val.Nil;
            }
            return v;
        });
        Def("contains?", 2, 2, (_, a) => Val.Bool(a[0].Obj switch
        {
            YMap map => map.Items.ContainsKey(a[1]),
            YSet set => set.Items.Contains(a[1]),
            YRecord r => a[1].Obj is Keyword k && r.Type.IndexOf(k) >= 0,
            YVector v => a[1].IsLong && a[1].AsLong >= 0 && a[1].AsLong < v.Count,
            null => false,
            _ => throw TypeError("contains?", "a map, set or vector", a[0]),
        }));
        Def("assoc", 3, -1, (m, a) =>
        {
            if ((a.Length - 1) % 2 != 0)
                throw YinException.Of(Kinds.Argument, "assoc takes a collection and key value pairs");
            var coll = a[0];
            for (var i = 1; i < a.Length; i += 2)
                coll = Assoc(m, coll, a[i], a[i + 1]);
            return coll;
        });
        Def("dissoc", 1, -1, (_, a) =>
        {
            var map = AsMap("dissoc", a[0]);
            if (map is null)
                return Val.Nil;
            foreach (var k in a[1..])
                map = map.Remove(k);
            return Val.Object(new YMap(map));
        });
        Def("merge", 0, -1, (m, a) =>
        {
            // A record first stays a record, as conj onto it does in Clojure: the maps' entries are assoc'ed.
            var first = 0;
            while (first < a.Length && a[first].IsNil)
                first++;
            if (first < a.Length && a[first].Obj is YRecord)
            {
                var record = a[first];
                foreach (var v in a[(first + 1)..])
                {
                    foreach (var kv in AsMap("merge", v) ?? YMap.Empty.Items)
                        record = Assoc(m, record, kv.Key, kv.Value);
                }
                return record;
            }
            MapEntries? acc = null;
            foreach (var v in a)
            {
                var map = AsMap("merge", v);
                if (map is null)
                    continue;
                m.Charge(Heap.EntryBytes * map.Count);
                acc = acc is null ? map : acc.SetItems(map);
            }
            return acc is null ? Val.Nil : Val.Object(new YMap(acc));
        });
        Def("select-keys", 2, 2, (_, a) =>
        {
            var map = AsMap("select-keys", a[0]) ?? YMap.Empty.Items;
            var result = YMap.Empty.Items;
            foreach (var k in Items("select-keys", a[1]))
            {
                if (map.TryGetValue(k, out var v))
                    result = result.SetItem(k, v);
            }
            return Val.Object(new YMap(result));
        });
        Def("zipmap", 2, 2, (m, a) =>
        {
            // Walks both in step, as Clojure's does: (zipmap ks (repeat 0)) ends with ks.
            var result = YMap.Empty.Items;
            using var vals = Seqs.Values(a[1], m).GetEnumerator();
            foreach (var k in Seqs.Values(a[0], m))
            {
                if (!vals.MoveNext())
                    break;
                m.Charge(Heap.EntryBytes);
                result = result.SetItem(k, vals.Current);
            }
            return Val.Object(new YMap(result));
        });
        Def("keys", 1, 1, (m, a) => AsMap("keys", a[0]) is { Count: > 0 } map ? Seqs.List(m, [.. map.Keys]) : Val.Nil);
        Def("vals", 1, 1, (m, a) => AsMap("vals", a[0]) is { Count: > 0 } map ? Seqs.List(m, [.. map.Values]) : Val.Nil);
        Def("conj", 0, -1, (m, a) =>
        {
            if (a.Length == 0)
                return Val.Object(YVector.Empty);
            var coll = a[0];
            foreach (var x in a[1..])
                coll = Conj(m, coll, x);
            return coll;
        });
        Def("into", 0, 3, (m, a) =>
        {
            if (a.Length < 2)
                return a.Length == 0 ? Val.Object(YVector.Empty) : a[0];
            if (a.Length == 3)
                return m.Invoke(Builtins.AsValue("into-by")!.Value, [a[0], a[1], a[2]]);
            var items = Items("into", a[1]);
            var coll = a[0];
            if (coll.Obj is YVector v)
            {
                m.Charge(Heap.ElementBytes * items.Length);
                return Val.Object(new YVector(v.Items.AddRange(items)));
            }
            foreach (var x in items)
                coll = Conj(m, coll, x);
            return coll;
        });

        Def("seq", 1, 1, (m, a) => Seq(m, a[0]));
        Def("first", 1, 1, (_, a) => First(a[0]));
        Def("second", 1, 1, (m, a) => Seqs.First(m, Seqs.Next(m, a[0])));
        Def("last", 1, 1, (m, a) =>
        {
            if (a[0].Obj is YVector v)
                return v.Count == 0 ? Val.Nil : v.Items[^1];
            var last = Val.Nil;
            foreach (var x in Seqs.Values(a[0], m))
                last = x;
            return last;
        });
        Def("rest", 1, 1, (m, a) => Seqs.Rest(m, a[0]));
        Def("next", 1, 1, (m, a) => Next(m, a[0]));
        Def("nth", 2, 3, (_, a) => Nth("nth", a[0], LongArg("nth", a[1]), a.Length > 2 ? a[2] : Missing));
        // A list's top is its first item; a vector's its last.
        Def("peek", 1, 1, (_, a) => a[0].Obj switch
        {
            YVector { Count: > 0 } v => v.Items[^1],
            YList l => l.First,
            null or YVector or YEmptyList => Val.Nil,
            _ => throw TypeError("peek", "a vector or a list", a[0]),
        });
        Def("pop", 1, 1, (_, a) => a[0].Obj switch
        {
            YVector { Count: > 0 } v => Val.Object(new YVector(v.Items.RemoveAt(v.Count - 1))),
            YList { Count: > 0 } l => l.More.IsNil ? Seqs.Empty : l.More,
            null => Val.Nil,
            YVector => throw JavaException("IllegalStateException", "Can't pop empty vector"),
            YEmptyList => throw JavaException("IllegalStateException", "Can't pop empty list"),
            _ => throw TypeError("pop", "a vector or a list", a[0]),
        });
        Def("subvec", 2, 3, (m, a) =>
        {
            var v = a[0].Obj as YVector ?? throw TypeError("subvec", "a vector", a[0]);
            var start = LongArg("subvec", a[1]);
            var end = a.Length > 2 ? LongArg("subvec", a[2]) : v.Count;
            if (start < 0 || end > v.Count || start > end)
                throw YinException.Of(Kinds.Index, $"subvec: [{start} {end}) is outside a vector of {v.Count}");
            return NewVector(m, [.. v.Items.GetRange((int)start, (int)(end - start))]);
        });
        Def("cons", 2, 2, (m, a) => Seqs.Cons(m, a[0], Seqs.IsSeqable(a[1]) ? a[1] : throw TypeError("cons", "a collection", a[1])));
        Def("reverse", 1, 1, (m, a) => Seqs.List(m, [.. Items("reverse", a[0]).Reverse()]));
        Def("frequencies", 1, 1, (m, a) =>
        {
            var result = YMap.Empty.Items;
            foreach (var x in Items("frequencies", a[0]))
                result = result.SetItem(x, Val.Long(result.TryGetValue(x, out var n) ? n.AsLong + 1 : 1));
            m.Charge(Heap.EntryBytes * result.Count);
            return Val.Object(new YMap(result));
        });
    }

    /// <summary>A sentinel for "no value given", distinct from nil.</summary>
    private static readonly Val Missing = Val.Object(new YinError(Kinds.Internal, "missing", Val.Nil));

    internal static Val NewVector(YinMachine m, Val[] items)
    {
        m.Charge(Heap.VectorBytes + (Heap.ElementBytes * items.LongLength));
        return Val.Object(new YVector(ImmutableList.Create(items)));
    }

    private static Val NewSet(YinMachine m, Val[] items)
    {
        m.Charge(Heap.VectorBytes + (Heap.ElementBytes * items.LongLength));
        return Val.Object(new YSet(SetEntries.Of(items)));
    }

    /// <summary>The items of a collection (a map's as [k v] vectors; a string's as characters, as Clojure's seq).</summary>
    internal static Val[] Items(string fn, Val coll) => coll.Obj switch
    {
        null => [],
        YVector v => [.. v.Items],
        YSeq or YList or YLazySeq or YEmptyList => [.. Seqs.Values(coll)],
        YSet s => [.. s.Items],
        YMap map => [.. map.Items.Select(kv => Pair(kv.Key, kv.Value))],
        YRecord r => [.. r.Type.Fields.Select((f, i) => Pair(Val.Keyword(f), r.Values[i]))],
        string s => StringItems(s),
        YAtom a when IsArray(coll) => Items(fn, a.Value),
        _ => throw TypeError(fn, "a collection", coll),
    };

    /// <summary>A string's items, as <c>seq</c> gives them.</summary>
    internal static Val[] StringItems(string s) => [.. s.Select(Val.Char)];

    private static Val Pair(Val k, Val v) => Val.Object(new YVector(ImmutableList.Create(k, v)));

    private static long Count(string fn, Val v) => v.Obj switch
    {
        null => 0,
        string s => s.Length,
        YVector x => x.Count,
        YMap x => x.Count,
        YSet x => x.Count,
        YSeq or YList or YLazySeq or YEmptyList => Seqs.Count(null, v),
        YRecord x => x.Type.Fields.Count,
        YAtom when IsArray(v) || v.Obj is YAtom { Kind: TransientKind } => Count(fn, Unbox(v)),
        _ => throw TypeError(fn, "a collection or string", v),
    };

    internal static Val Get(Val coll, Val key, Val otherwise) => coll.Obj switch
    {
        YMap map => map.Items.TryGetValue(key, out var v) ? v : otherwise,
        YRecord r => key.Obj is Keyword k && !r.Type.IsDeftype && r.Type.IndexOf(k) is var i and >= 0 ? r.Values[i] : otherwise,
        YVector v => key.IsLong && key.AsLong >= 0 && key.AsLong < v.Count ? v.Items[(int)key.AsLong] : otherwise,
        YSet s => s.Items.Contains(key) ? key : otherwise,
        string s => key.IsLong && key.AsLong >= 0 && key.AsLong < s.Length ? Val.Char(s[(int)key.AsLong]) : otherwise,
        YAtom when IsArray(coll) || coll.Obj is YAtom { Kind: TransientKind } => Get(Unbox(coll), key, otherwise),
        _ => otherwise,
    };

    private static MapEntries? AsMap(string fn, Val v) => v.Obj switch
    {
        null => null,
        YMap map => map.Items,
        YRecord r => YMap.Empty.Items.SetItems(r.Type.Fields.Select((f, i) => new KeyValuePair<Val, Val>(Val.Keyword(f), r.Values[i]))),
        _ => throw TypeError(fn, "a map", v),
    };

    private static Val Assoc(YinMachine m, Val coll, Val key, Val value)
    {
        switch (coll.Obj)
        {
            case null:
                m.Charge(Heap.EntryBytes);
                return Val.Object(new YMap(YMap.Empty.Items.SetItem(key, value)));
            case YMap map:
                m.Charge(Heap.EntryBytes);
                return Val.Object(new YMap(map.Items.SetItem(key, value)));
            case YVector v:
                if (!key.IsLong || key.AsLong < 0 || key.AsLong > v.Count)
                    throw YinException.Of(Kinds.Index, $"assoc: index {Describe(key)} is outside a vector of {v.Count}");
                m.Charge(Heap.ElementBytes);
                return Val.Object(new YVector(key.AsLong == v.Count ? v.Items.Add(value) : v.Items.SetItem((int)key.AsLong, value)));
            case YRecord r:
            {
                var i = key.Obj is Keyword k ? r.Type.IndexOf(k) : -1;
                if (i < 0)
                    return Val.Object(new YMap(AsMap("assoc", coll)!.SetItem(key, value)));
                if (r.Type.FieldTypes[i] is { } check && !check.Matches(value))
                    throw YinException.Of(Kinds.Type, $"assoc: field {r.Type.Fields[i]} of {r.Type.Name} is a {check.Name}, not {Describe(value)}");
                var values = (Val[])r.Values.Clone();
                values[i] = value;
                m.Charge(Heap.RecordBytes + (Heap.SlotBytes * values.Length));
                return Val.Object(new YRecord(r.Type, values));
            }
            default:
                throw TypeError("assoc", "a map, vector or record", coll);
        }
    }

    private static Val Conj(YinMachine m, Val coll, Val x)
    {
        switch (coll.Obj)
        {
            case null:
                return Seqs.Cons(m, x, Val.Nil);
            case YVector v:
                m.Charge(Heap.ElementBytes);
                return Val.Object(new YVector(v.Items.Add(x)));
            case YSet s:
                m.Charge(Heap.ElementBytes);
                return Val.Object(new YSet(s.Items.Add(x)));
            case YSeq or YList or YLazySeq or YEmptyList:
                return Seqs.Cons(m, x, coll);
            case YMap or YRecord:
                if (x.Obj is YVector { Count: 2 } pair)
                    return Assoc(m, coll, pair.Items[0], pair.Items[1]);
                if (x.Obj is YMap other)
                {
                    foreach (var kv in other.Items)
                        coll = Assoc(m, coll, kv.Key, kv.Value);
                    return coll;
                }
                throw TypeError("conj", "a [key value] vector or a map to add to a map", x);
            default:
                throw TypeError("conj", "a collection", coll);
        }
    }

    private static Val Seq(YinMachine m, Val coll) => Seqs.Seq(m, coll);

    private static Val First(Val coll) => coll.Obj is YVector v ? (v.Count == 0 ? Val.Nil : v.Items[0]) : Seqs.First(null, coll);

    private static Val Next(YinMachine m, Val coll) => Seqs.Next(m, coll);

    private static Val Nth(string fn, Val coll, long index, Val otherwise)
    {
        if (coll.Obj is string text)
        {
            // A string's character, read in place (not a list of every character first).
            if (index >= 0 && index < text.Length)
                return Val.Char(text[(int)index]);
            if (!ReferenceEquals(otherwise.Obj, Missing.Obj))
                return otherwise;
            throw YinException.Of(Kinds.Index, $"{fn}: index {index} is outside a collection of {text.Length}");
        }
        var (items, offset) = coll.Obj switch
        {
            YVector v => (v.Items, 0),
            YSeq s => (s.Items, s.Offset),
            null => (ImmutableList<Val>.Empty, 0),
            YList or YLazySeq or YEmptyList => (ImmutableList.CreateRange(Seqs.Values(coll).Take((int)Math.Min(int.MaxValue, Math.Max(0, index) + 1))), 0),
            YAtom when IsArray(coll) || coll.Obj is YAtom { Kind: TransientKind } => ((Unbox(coll).Obj as YVector ?? throw TypeError(fn, "a vector or sequence", coll)).Items, 0),
            _ => throw TypeError(fn, "a vector or sequence", coll),
        };
        var i = index + offset;
        if (index >= 0 && i < items.Count)
            return items[(int)i];
        if (!ReferenceEquals(otherwise.Obj, Missing.Obj))
            return otherwise;
        throw YinException.Of(Kinds.Index, $"{fn}: index {index} is outside a collection of {items.Count - offset}");
    }
}

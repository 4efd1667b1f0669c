using System.Collections.Immutable;

namespace Datom.Vm.Machine;

internal static partial class Natives
{
    /// <summary>The <see cref="YAtom.Kind"/> of an array: this prefix and its JVM class name (<c>array:[J</c>).</summary>
    internal const string ArrayKind = "array:";

    private const string TransientKind = "transient";

    /// <summary>What a transient holds after <c>persistent!</c>: using it again is an error, as in Clojure.</summary>
    private static readonly Val Persisted = Val.Object(new YAtom("persisted", Val.Nil));

    /// <summary>Whether a value is a Java array made by <c>int-array</c>, <c>into-array</c>, ...</summary>
    internal static bool IsArray(Val v) => v.Obj is YAtom a && a.Kind.StartsWith(ArrayKind, StringComparison.Ordinal);

    /// <summary>The JVM class name of an array's type (<c>[J</c>, <c>[Ljava.lang.Object;</c>).</summary>
    internal static string ArrayClass(YAtom array) => array.Kind[ArrayKind.Length..];

    /// <summary>
    /// Java arrays and transients. Both are mutable boxes (<see cref="YAtom"/>) over a persistent
    /// value, so that they print, compare by identity, count toward memory and go into a stored
    /// continuation like any other reference: an array holds a vector of its items (<c>aset</c>
    /// replaces it, charging the run's memory), a transient the collection it is building.
    /// Arrays are seqable, counted and indexable as in Clojure; a primitive array's items keep its
    /// element type (<c>(aset (int-array 2) 0 1.5)</c> stores 1, as Java's cast would; storing a
    /// string is an <c>IllegalArgumentException</c>).
    /// </summary>
    private static void RegisterArrays()
    {
        PrimitiveArray("boolean-array", "[Z", Val.False);
        PrimitiveArray("int-array", "[I", Val.Long(0));
        PrimitiveArray("long-array", "[J", Val.Long(0));
        PrimitiveArray("short-array", "[S", Val.Long(0));
        PrimitiveArray("byte-array", "[B", Val.Long(0));
        PrimitiveArray("double-array", "[D", Val.Double(0));
        PrimitiveArray("float-array", "[F", Val.Double(0));
        PrimitiveArray("char-array", "[C", Val.Char('\0'));
        PrimitiveArray("object-array", "[Ljava.lang.Object;", Val.Nil);

        Def("into-array", 1, 2, (m, a) =>
        {
            var items = Items("into-array", a[^1]);
            var cls = a.Length == 2 ? ElementClass("into-array", a[0]) : items.Length == 0 || items[0].IsNil ? "[Ljava.lang.Object;" : "[L" + Classes.Of(items[0]) + ";";
            for (var i = 0; i < items.Length; i++)
                items[i] = Store("into-array", cls, items[i]);
            return NewArray(m, cls, items);
        });
        Def("make-array", 2, -1, (m, a) =>
        {
            var element = ElementClass("make-array", a[0]);
            return MakeArray(m, element, a[1..].ToArray().Select(d => LongArg("make-array", d)).ToArray(), 0);
        });
        Def("alength", 1, 1, (_, a) => Val.Long(ArrayItems("alength", a[0]).Count));
        Def("aclone", 1, 1, (m, a) =>
        {
            var array = AsArray("aclone", a[0]);
            return NewArray(m, ArrayClass(array), [.. ((YVector)array.Value.Obj!).Items]);
        });
        Def("aget", 2, -1, (_, a) =>
        {
            var v = a[0];
            foreach (var index in a[1..])
            {
                var items = ArrayItems("aget", v);
                v = items[CheckIndex(index, items.Count)];
            }
            return v;
        });
        Def("aset", 3, -1, (m, a) =>
        {
            var target = a[0];
            foreach (var index in a[1..^2])
            {
                var items = ArrayItems("aset", target);
                target = items[CheckIndex(index, items.Count)];
            }
            var array = AsArray("aset", target);
            var vector = (YVector)array.Value.Obj!;
            var i = CheckIndex(a[^2], vector.Count);
            var value = Store("aset", ArrayClass(array), a[^1], strict: true);
            m.Charge(Heap.ElementBytes * 4);
            array.Value = Val.Object(new YVector(vector.Items.SetItem(i, value)));
            return value;
        });

        Def("transient", 1, 1, (_, a) => a[0].Obj is YVector or YMap or YSet
            ? Val.Object(new YAtom(TransientKind, a[0]))
            : throw TypeError("transient", "a vector, map or set", a[0]));
        Def("persistent!", 1, 1, (_, a) =>
        {
            var t = AsTransient("persistent!", a[0]);
            var value = t.Value;
            t.Value = Persisted;
            return value;
        });
        TransientOp("conj!", "conj", 0);
        TransientOp("assoc!", "assoc", 3);
        TransientOp("dissoc!", "dissoc", 2);
        TransientOp("disj!", "disj", 2);
        TransientOp("pop!", "pop", 1);
    }

    private static void PrimitiveArray(string name, string cls, Val zero)
    {
        // (int-array n), (int-array coll), (int-array n init-or-coll), as clojure.core's.
        Def(name, 1, 2, (m, a) =>
        {
            Val[] items;
            if (a.Length == 1 && !a[0].IsNumber)
                items = Items(name, a[0]);
            else
            {
                var size = LongArg(name, a[0]);
                if (size < 0)
                    throw YinException.Of(Kinds.Argument, $"{name}: negative array size {size} (NegativeArraySizeException)");
                m.Charge(Heap.VectorBytes + (Heap.ElementBytes * size));
                items = new Val[size];
                Array.Fill(items, zero);
                if (a.Length == 2)
                {
                    if (Seqs.IsSeqable(a[1]))
                    {
                        var i = 0;
                        foreach (var x in Seqs.Values(a[1], m))
                        {
                            if (i >= size)
                                break;
                            items[i++] = x;
                        }
                    }
                    else
                        Array.Fill(items, a[1]);
                }
            }
            for (var i = 0; i < items.Length; i++)
                items[i] = Store(name, cls, items[i]);
            return NewArray(m, cls, items);
        });
    }

    private static Val NewArray(YinMachine m, string cls, Val[] items)
    {
        m.Charge(Heap.VectorBytes + (Heap.ElementBytes * items.LongLength));
        return Val.Object(new YAtom(ArrayKind + cls, Val.Object(new YVector(ImmutableList.Create(items)))));
    }

    private static Val MakeArray(YinMachine m, string element, long[] dims, int at)
    {
        var size = dims[at];
        if (size < 0)
            throw YinException.Of(Kinds.Argument, $"make-array: negative array size {size} (NegativeArraySizeException)");
        m.Charge(Heap.VectorBytes + (Heap.ElementBytes * size));
        var prefix = new string('[', dims.Length - at - 1);
        var cls = "[" + prefix + element;
        var items = new Val[size];
        for (var i = 0; i < size; i++)
            items[i] = at + 1 < dims.Length ? MakeArray(m, element, dims, at + 1) : prefix.Length == 0 ? Zero(cls) : Val.Nil;
        return NewArray(m, cls, items);
    }

    private static Val Zero(string cls) => cls switch
    {
        "[Z" => Val.False,
        "[I" or "[J" or "[S" or "[B" => Val.Long(0),
        "[D" or "[F" => Val.Double(0),
        "[C" => Val.Char('\0'),
        _ => Val.Nil,
    };

    /// <summary>The element part of an array class for a class named as a value (<c>Long/TYPE</c> is not allowed; <c>Long</c> is a boxed array).</summary>
    private static string ElementClass(string fn, Val type) => type.Obj switch
    {
        Datom.Log.Edn.Symbol s => Classes.Primitive(s.Name) ?? "L" + s.Name + ";",
        _ => throw TypeError(fn, "a class (String, Long, ...)", type),
    };

    /// <summary>
    /// A value as an array of class <paramref name="cls"/> holds it. The constructors convert
    /// numbers as Java's casts do (<c>(int-array [1.5])</c> holds 1); <c>aset</c>
    /// (<paramref name="strict"/>) takes only the element type, as Clojure's reflective call does.
    /// </summary>
    private static Val Store(string fn, string cls, Val v, bool strict = false)
    {
        var ok = cls switch
        {
            "[Z" => v.Kind == ValKind.Boolean,
            "[I" or "[J" or "[S" or "[B" => v.IsLong || (!strict && v.IsNumber),
            "[D" or "[F" => v.IsDouble || (!strict && v.IsNumber),
            "[C" => v.IsChar,
            _ => true,
        };
        if (!ok)
        {
            throw strict
                ? JavaException("IllegalArgumentException", $"No matching method {fn} found taking 3 args (an array {cls} cannot hold {Describe(v)})")
                : JavaException("IllegalArgumentException", $"{fn}: an array {cls} cannot hold {Describe(v)}");
        }
        switch (cls)
        {
            case "[I" or "[J" or "[S" or "[B":
                return v.IsLong ? v : Val.Long((long)v.ToDouble());
            case "[D" or "[F":
                return Val.Double(v.ToDouble());
            default:
                if (v.IsNil || !cls.StartsWith("[L", StringComparison.Ordinal) || cls == "[Ljava.lang.Object;")
                    return v;
                return Classes.IsInstance(cls[2..^1], v) ? v : throw JavaException("ArrayStoreException", Classes.Of(v));
        }
    }

    private static YAtom AsArray(string fn, Val v) => v.Obj is YAtom a && a.Kind.StartsWith(ArrayKind, StringComparison.Ordinal) ? a : throw TypeError(fn, "an array", v);

    private static ImmutableList<Val> ArrayItems(string fn, Val v) => ((YVector)AsArray(fn, v).Value.Obj!).Items;

    private static int CheckIndex(Val index, int length)
    {
        var i = index.IsLong ? index.AsLong : index.IsNumber ? (long)index.ToDouble() : throw TypeError("aget", "an integer index", index);
        return i >= 0 && i < length
            ? (int)i
            : throw JavaException("ArrayIndexOutOfBoundsException", $"Index {i} out of bounds for length {length}");
    }

    private static YAtom AsTransient(string fn, Val v)
    {
        if (v.Obj is not YAtom { Kind: TransientKind } t)
            throw TypeError(fn, "a transient", v);
        return ReferenceEquals(t.Value.Obj, Persisted.Obj)
            ? throw JavaException("IllegalAccessError", "Transient used after persistent! call")
            : t;
    }

    /// <summary><c>conj!</c> and its siblings: the persistent operation on what the transient holds, which it then holds instead.</summary>
    private static void TransientOp(string name, string persistent, int min)
    {
        var op = Find(persistent)!;
        Def(name, min, -1, (m, a) =>
        {
            if (name == "conj!" && a.Length == 0)
                return Val.Object(new YAtom(TransientKind, Val.Object(YVector.Empty)));
            var t = AsTransient(name, a[0]);
            if (a.Length == 1 && name == "conj!")
                return a[0];
            var args = a.ToArray();
            args[0] = t.Value;
            t.Value = op.Fn(m, args);
            return a[0];
        });
    }

    /// <summary>What a transient holds, for <c>count</c>, <c>get</c> and <c>nth</c> on it; an array's items as a vector.</summary>
    internal static Val Unbox(Val v) => v.Obj switch
    {
        YAtom { Kind: TransientKind } t => AsTransient("transient", v).Value,
        YAtom a when a.Kind.StartsWith(ArrayKind, StringComparison.Ordinal) => a.Value,
        _ => v,
    };
}

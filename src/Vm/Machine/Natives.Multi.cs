using Datom.Log.Edn;

namespace Datom.Vm.Machine;

/// <summary>
/// A multimethod (<c>defmulti</c>): a dispatch function and a table of methods by dispatch value,
/// as clojure.lang.MultiFn without hierarchies. A call runs the dispatch function on the arguments
/// and then the method whose dispatch value equals the result (a class, as <c>class</c> returns it,
/// also matches a method written with the class's name), else the method of the default dispatch
/// value (<c>:default</c> unless <c>defmulti</c> names another), else it is an
/// IllegalArgumentException as in Clojure. The table belongs to the run (as a def's value does):
/// <c>defmethod</c> is a top-level expression that adds to it when a run of its namespace starts.
/// </summary>
internal sealed class YMulti(string name, Val dispatch, Val defaultValue) : YFunction
{
    private readonly List<(Val Key, Val Method)> _methods = [];
    private readonly List<(Val Preferred, Val Other)> _prefers = [];

    public override string Name { get; } = name;

    public Val Dispatch { get; } = dispatch;

    public Val DefaultValue { get; } = defaultValue;

    public IReadOnlyList<(Val Key, Val Method)> Methods => _methods;

    public IReadOnlyList<(Val Preferred, Val Other)> Prefers => _prefers;

    public void Add(Val key, Val method)
    {
        Remove(key);
        _methods.Add((key, method));
    }

    public void Remove(Val key) => _methods.RemoveAll(m => ValComparer.Equal(m.Key, key));

    public void RemoveAll() => _methods.Clear();

    public void Prefer(Val preferred, Val other) => _prefers.Add((preferred, other));

    /// <summary>The method for a dispatch value, or nil.</summary>
    public Val Find(Val value)
    {
        foreach (var (key, method) in _methods)
        {
            if (ValComparer.Equal(key, value))
                return method;
        }
        // A class written by its name (String, clojure.lang.PersistentList) against the class value.
        if (ClassNames.NameOf(value) is { } className)
        {
            foreach (var (key, method) in _methods)
            {
                if (key.Obj is Symbol s && ClassNames.Qualify(s.ToString()) == className)
                    return method;
            }
        }
        foreach (var (key, method) in _methods)
        {
            if (ValComparer.Equal(key, DefaultValue))
                return method;
        }
        return Val.Nil;
    }

    /// <summary>
    /// A protocol method (<c>defprotocol</c>) rather than a multimethod: it dispatches on the type of
    /// its first argument (a record's key, or the class <c>class</c> names, then its supertypes up to
    /// <c>Object</c>), and a <c>reify</c> object carries its own methods.
    /// </summary>
    public string? Protocol { get; init; }

    /// <summary>The method a call with <paramref name="args"/> runs: the dispatch function is called back in Yin.</summary>
    public Val Select(YinMachine machine, ReadOnlySpan<Val> args)
    {
        if (Protocol is not null)
            return SelectByType(args);
        var value = machine.Invoke(Dispatch, args);
        var method = Find(value);
        if (method.IsNil)
            throw YinException.Of(Kinds.Argument, $"No method in multimethod '{ShortName}' for dispatch value: {ValPrinter.Edn(value)}");
        return method;
    }

    private Val SelectByType(ReadOnlySpan<Val> args)
    {
        var target = args.Length > 0 ? args[0] : Val.Nil;
        if (target.Obj is YReify reified && reified.Methods.TryGetValue(Name, out var own))
            return own;
        foreach (var type in ClassNames.Supertypes(target))
        {
            foreach (var (key, method) in _methods)
            {
                if (ValComparer.Equal(key, type))
                    return method;
            }
        }
        throw YinException.Of(Kinds.Argument,
            $"No implementation of method: :{ShortName} of protocol: #'{Protocol} found for class: {(target.IsNil ? "nil" : ClassNames.Of(target))}");
    }

    private string ShortName => Name[(Name.IndexOf('/', StringComparison.Ordinal) + 1)..];
}

/// <summary>An object made by <c>reify</c>: its protocol methods by the key of the protocol function.</summary>
internal sealed class YReify(IReadOnlyDictionary<string, Val> methods) : YFunction
{
    public IReadOnlyDictionary<string, Val> Methods { get; } = methods;

    public override string Name => "reify";
}

/// <summary>JVM class names as Yin spells them: <c>class</c> returns the qualified name as a symbol.</summary>
internal static class ClassNames
{
    private static readonly Dictionary<string, string> Simple = new(StringComparer.Ordinal)
    {
        ["String"] = "java.lang.String",
        ["Long"] = "java.lang.Long",
        ["Integer"] = "java.lang.Integer",
        ["Double"] = "java.lang.Double",
        ["Float"] = "java.lang.Float",
        ["Boolean"] = "java.lang.Boolean",
        ["Character"] = "java.lang.Character",
        ["Number"] = "java.lang.Number",
        ["Object"] = "java.lang.Object",
        ["BigInt"] = "clojure.lang.BigInt",
        ["Ratio"] = "clojure.lang.Ratio",
        ["Keyword"] = "clojure.lang.Keyword",
        ["Symbol"] = "clojure.lang.Symbol",
        ["PersistentVector"] = "clojure.lang.PersistentVector",
        ["PersistentList"] = "clojure.lang.PersistentList",
        ["PersistentArrayMap"] = "clojure.lang.PersistentArrayMap",
        ["PersistentHashMap"] = "clojure.lang.PersistentHashMap",
        ["PersistentHashSet"] = "clojure.lang.PersistentHashSet",
        ["LazySeq"] = "clojure.lang.LazySeq",
        ["Pattern"] = "java.util.regex.Pattern",
        ["CharSequence"] = "java.lang.CharSequence",
    };

    private static readonly HashSet<string> Qualified = new(Simple.Values, StringComparer.Ordinal)
    {
        "clojure.lang.PersistentList$EmptyList", "clojure.lang.Cons", "clojure.lang.ISeq", "clojure.lang.IPersistentVector",
        "clojure.lang.IPersistentMap", "clojure.lang.IPersistentSet", "clojure.lang.IPersistentList", "clojure.lang.Atom",
        "clojure.lang.ExceptionInfo", "clojure.lang.IFn", "clojure.lang.PersistentTreeMap", "clojure.lang.PersistentTreeSet",
        "java.lang.Exception", "java.lang.Throwable", "java.util.UUID", "java.util.Date", "clojure.lang.MultiFn",
        "java.lang.CharSequence", "clojure.lang.IPersistentCollection", "clojure.lang.IRecord", "clojure.lang.Seqable",
    };

    /// <summary>The qualified name of a class written as <paramref name="name"/>, or null when it names no class Yin knows.</summary>
    public static string? Qualify(string name) =>
        Simple.TryGetValue(name, out var full) ? full : Qualified.Contains(name) ? name : null;

    /// <summary>The name of the class a value stands for, when it is one (a symbol naming a known class).</summary>
    public static string? NameOf(Val v) => v.Obj is Symbol s ? Qualify(s.ToString()) : null;

    private static readonly Dictionary<string, string[]> Parents = new(StringComparer.Ordinal)
    {
        ["java.lang.Long"] = ["java.lang.Number"],
        ["java.lang.Double"] = ["java.lang.Number"],
        ["clojure.lang.BigInt"] = ["java.lang.Number"],
        ["clojure.lang.Ratio"] = ["java.lang.Number"],
        ["java.lang.String"] = ["java.lang.CharSequence"],
        ["clojure.lang.PersistentVector"] = ["clojure.lang.IPersistentVector", "clojure.lang.IPersistentCollection"],
        ["clojure.lang.PersistentList"] = ["clojure.lang.IPersistentList", "clojure.lang.ISeq", "clojure.lang.IPersistentCollection"],
        ["clojure.lang.PersistentList$EmptyList"] = ["clojure.lang.IPersistentList", "clojure.lang.ISeq", "clojure.lang.IPersistentCollection"],
        ["clojure.lang.Cons"] = ["clojure.lang.ISeq", "clojure.lang.IPersistentCollection"],
        ["clojure.lang.LazySeq"] = ["clojure.lang.ISeq", "clojure.lang.IPersistentCollection"],
        ["clojure.lang.PersistentArrayMap"] = ["clojure.lang.IPersistentMap", "clojure.lang.IPersistentCollection"],
        ["clojure.lang.PersistentHashMap"] = ["clojure.lang.IPersistentMap", "clojure.lang.IPersistentCollection"],
        ["clojure.lang.PersistentHashSet"] = ["clojure.lang.IPersistentSet", "clojure.lang.IPersistentCollection"],
        ["clojure.lang.AFunction"] = ["clojure.lang.IFn"],
    };

    /// <summary>
    /// The types a protocol method looks for, most specific first: a record's key (then
    /// <c>IRecord</c> and <c>IPersistentMap</c>), or the class and its supertypes; <c>Object</c>
    /// last, except for nil, whose only type is nil.
    /// </summary>
    public static IEnumerable<Val> Supertypes(Val v)
    {
        if (v.IsNil)
        {
            yield return Val.Nil;
            yield break;
        }
        if (v.Obj is YRecord r)
        {
            yield return Val.String(r.Type.Key);
            yield return Val.Symbol(Symbol.Intern(null, "clojure.lang.IRecord"));
            yield return Val.Symbol(Symbol.Intern(null, "clojure.lang.IPersistentMap"));
        }
        else
        {
            var name = Of(v);
            yield return Val.Symbol(Symbol.Intern(null, name));
            foreach (var parent in Parents.GetValueOrDefault(name, []))
                yield return Val.Symbol(Symbol.Intern(null, parent));
        }
        yield return Val.Symbol(Symbol.Intern(null, "java.lang.Object"));
    }

    /// <summary>The class of a value, as JVM Clojure names it.</summary>
    public static string Of(Val v) => v.Obj switch
    {
        null => "nil",
        YVector => "clojure.lang.PersistentVector",
        YList => "clojure.lang.PersistentList",
        YEmptyList => "clojure.lang.PersistentList$EmptyList",
        YLazySeq => "clojure.lang.LazySeq",
        YSeq => "clojure.lang.Cons",
        YMap m => m.Items.Count <= 8 ? "clojure.lang.PersistentArrayMap" : "clojure.lang.PersistentHashMap",
        YSet => "clojure.lang.PersistentHashSet",
        string => "java.lang.String",
        Keyword => "clojure.lang.Keyword",
        Symbol => "clojure.lang.Symbol",
        System.Numerics.BigInteger => "clojure.lang.BigInt",
        YRatio => "clojure.lang.Ratio",
        YRegex => "java.util.regex.Pattern",
        YMulti => "clojure.lang.MultiFn",
        YAtom => "clojure.lang.Atom",
        YRecord r => r.Type.Key.Replace('/', '.').Replace('-', '_'),
        YFunction => "clojure.lang.AFunction",
        _ when v.IsLong => "java.lang.Long",
        _ when v.IsDouble => "java.lang.Double",
        _ when v.IsChar => "java.lang.Character",
        _ when v.Kind == ValKind.Boolean => "java.lang.Boolean",
        _ => TypeNames.Of(v),
    };
}

internal static partial class Natives
{
    private static void RegisterMulti()
    {
        Def("multi*", 3, 3, (_, a) => Val.Object(new YMulti(StringArg("defmulti", a[0]), a[1], a[2])));
        Def("add-method*", 3, 3, (_, a) =>
        {
            Multi("defmethod", a[0]).Add(a[1], a[2]);
            return a[0];
        });
        Def("remove-method", 2, 2, (_, a) =>
        {
            Multi("remove-method", a[0]).Remove(a[1]);
            return a[0];
        });
        Def("remove-all-methods", 1, 1, (_, a) =>
        {
            Multi("remove-all-methods", a[0]).RemoveAll();
            return a[0];
        });
        Def("methods", 1, 1, (m, a) =>
        {
            var multi = Multi("methods", a[0]);
            m.Charge(Heap.SlotBytes * 4L * multi.Methods.Count);
            return Val.Object(new YMap(multi.Methods.Aggregate(YMap.Empty.Items, (acc, kv) => acc.SetItem(kv.Key, kv.Method))));
        });
        Def("get-method", 2, 2, (_, a) => Multi("get-method", a[0]).Find(a[1]));
        Def("prefer-method", 3, 3, (_, a) =>
        {
            Multi("prefer-method", a[0]).Prefer(a[1], a[2]);
            return a[0];
        });
        Def("prefers", 1, 1, (_, a) =>
        {
            var map = YMap.Empty.Items;
            foreach (var (preferred, other) in Multi("prefers", a[0]).Prefers)
            {
                var set = map.TryGetValue(preferred, out var s) && s.Obj is YSet ys ? ys.Items : YSet.Empty.Items;
                map = map.SetItem(preferred, Val.Object(new YSet(set.Add(other))));
            }
            return Val.Object(new YMap(map));
        });
        if (Find("ifn?") is null)
            Def("ifn?", 1, 1, (_, a) => Val.Bool(a[0].Obj is YFunction or Keyword or Symbol or YMap or YSet or YVector or YRecord));
        Def("protocol-fn*", 2, 2, (_, a) => Val.Object(new YMulti(StringArg("defprotocol", a[0]), Val.Nil, Val.Nil) { Protocol = StringArg("defprotocol", a[1]) }));
        Def("reify*", 1, 1, (m, a) =>
        {
            var methods = new Dictionary<string, Val>(StringComparer.Ordinal);
            foreach (var (k, f) in (a[0].Obj as YMap ?? throw TypeError("reify", "a map of methods", a[0])).Items)
                methods[StringArg("reify", k)] = f;
            m.Charge(Heap.SlotBytes * 4L * methods.Count);
            return Val.Object(new YReify(methods));
        });
        Def("satisfies?", 2, 2, (_, a) =>
        {
            var table = a[0].Obj is YMap p && p.Items.TryGetValue(Val.Keyword(Keyword.Intern(null, "methods")), out var t) ? t.Obj as YMap : null;
            var methods = table?.Items.Values.Select(v => v.Obj).OfType<YMulti>().ToList() ?? throw TypeError("satisfies?", "a protocol", a[0]);
            var target = a[1];
            return Val.Bool(methods.Count > 0 && methods.All(multi => target.Obj is YReify r ? r.Methods.ContainsKey(multi.Name)
                : ClassNames.Supertypes(target).Any(type => multi.Methods.Any(x => ValComparer.Equal(x.Key, type)))));
        });
        // A minimal class: the JVM class name as a symbol, so that dispatching on it works.
        if (Find("class") is null)
            Def("class", 1, 1, (_, a) => a[0].IsNil ? Val.Nil : Val.Symbol(Symbol.Intern(null, ClassNames.Of(a[0]))));
    }

    private static YMulti Multi(string fn, Val v) => v.Obj as YMulti ?? throw TypeError(fn, "a multimethod", v);
}

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
        if (Classes.NameOf(value) is { } className)
        {
            foreach (var (key, method) in _methods)
            {
                if (key.Obj is Symbol s && Classes.Qualify(s.ToString()) == className)
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
        foreach (var type in Classes.Supertypes(target))
        {
            foreach (var (key, method) in _methods)
            {
                if (ValComparer.Equal(key, type))
                    return method;
            }
        }
        throw YinException.Of(Kinds.Argument,
            $"No implementation of method: :{ShortName} of protocol: #'{Protocol} found for class: {(target.IsNil ? "nil" : Classes.Of(target))}");
    }

    private string ShortName => Name[(Name.IndexOf('/', StringComparison.Ordinal) + 1)..];
}

/// <summary>An object made by <c>reify</c>: its protocol methods by the key of the protocol function.</summary>
internal sealed class YReify(IReadOnlyDictionary<string, Val> methods) : YFunction
{
    public IReadOnlyDictionary<string, Val> Methods { get; } = methods;

    public override string Name => "reify";
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
                : Classes.Supertypes(target).Any(type => multi.Methods.Any(x => ValComparer.Equal(x.Key, type)))));
        });
    }

    private static YMulti Multi(string fn, Val v) => v.Obj as YMulti ?? throw TypeError(fn, "a multimethod", v);
}

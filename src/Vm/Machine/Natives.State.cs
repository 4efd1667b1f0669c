namespace Datom.Vm.Machine;

/// <summary>
/// Mutable references and exceptions: <c>atom</c>, <c>volatile!</c>, <c>delay</c>, <c>reduced</c>,
/// <c>ex-info</c>. A reference lives in the run that made it (see <see cref="YAtom"/>): one thread
/// runs a run, so <c>swap!</c> applies its function once and never retries.
/// </summary>
internal static partial class Natives
{
    private static void RegisterState()
    {
        Def("atom", 1, -1, (m, a) =>
        {
            m.Charge(Heap.ElementBytes * 4);
            var atom = new YAtom("atom", a[0]);
            for (var i = 1; i + 1 < a.Length; i += 2)
            {
                if (a[i].Obj is Log.Edn.Keyword { Name: "validator" })
                    atom.Validator = a[i + 1];
            }
            Validate(m, atom, a[0]);
            return Val.Object(atom);
        });
        Def("volatile!", 1, 1, (m, a) =>
        {
            m.Charge(Heap.ElementBytes * 4);
            return Val.Object(new YAtom("volatile", a[0]));
        });
        Def("delay*", 1, 1, (m, a) =>
        {
            m.Charge(Heap.ElementBytes * 4);
            return Val.Object(new YAtom("delay", Val.Nil) { Pending = a[0].Obj as YFunction ?? throw TypeError("delay", "a function", a[0]) });
        });
        Def("deref", 1, 3, (m, a) => Deref(m, a[0]));
        Def("def-ref*", 1, 1, (_, _) => throw YinException.Of(Kinds.Internal, "def-ref* is compiled, never called"));
        Def("binding*", 2, 2, (m, a) =>
        {
            var pairs = (a[0].Obj as YVector ?? throw TypeError("binding", "a vector of defs and values", a[0])).Items;
            var bound = new (FunctionCell, Val)[pairs.Count / 2];
            for (var i = 0; i < bound.Length; i++)
                bound[i] = ((pairs[2 * i].Obj as FnRef ?? throw TypeError("binding", "a def", pairs[2 * i])).Cell, pairs[(2 * i) + 1]);
            return m.WithBindings(bound, a[1]);
        });
        Def("force", 1, 1, (m, a) => a[0].Obj is YAtom { Kind: "delay" } ? Deref(m, a[0]) : a[0]);
        Def("delay?", 1, 1, (_, a) => Val.Bool(a[0].Obj is YAtom { Kind: "delay" }));
        Def("volatile?", 1, 1, (_, a) => Val.Bool(a[0].Obj is YAtom { Kind: "volatile" }));
        Def("reset!", 2, 2, (m, a) => Set(m, Ref("reset!", a[0], "atom"), a[1]));
        Def("vreset!", 2, 2, (m, a) => Set(m, Ref("vreset!", a[0], "volatile"), a[1]));
        Def("swap!", 2, -1, (m, a) => Set(m, Ref("swap!", a[0], "atom"), m.Invoke(a[1], [Ref("swap!", a[0], "atom").Value, .. a[2..]])));
        Def("vswap!", 2, -1, (m, a) => Set(m, Ref("vswap!", a[0], "volatile"), m.Invoke(a[1], [Ref("vswap!", a[0], "volatile").Value, .. a[2..]])));
        Def("swap-vals!", 2, -1, (m, a) =>
        {
            var atom = Ref("swap-vals!", a[0], "atom");
            var old = atom.Value;
            var now = Set(m, atom, m.Invoke(a[1], [old, .. a[2..]]));
            return NewVector(m, [old, now]);
        });
        Def("reset-vals!", 2, 2, (m, a) =>
        {
            var atom = Ref("reset-vals!", a[0], "atom");
            var old = atom.Value;
            return NewVector(m, [old, Set(m, atom, a[1])]);
        });
        Def("compare-and-set!", 3, 3, (m, a) =>
        {
            var atom = Ref("compare-and-set!", a[0], "atom");
            // Clojure compares by identity; values equal and identical agree for what a program can hold twice.
            if (!ReferenceEquals(atom.Value.Obj, a[1].Obj) || atom.Value.Bits != a[1].Bits)
                return Val.False;
            Set(m, atom, a[2]);
            return Val.True;
        });
        Def("add-watch", 3, 3, (_, a) =>
        {
            var atom = Ref("add-watch", a[0], "atom");
            atom.Watches ??= [];
            var key = a[1];
            atom.Watches.RemoveAll(w => ValComparer.Equal(w.Key, key));
            atom.Watches.Add((key, a[2]));
            return a[0];
        });
        Def("remove-watch", 2, 2, (_, a) =>
        {
            var key = a[1];
            Ref("remove-watch", a[0], "atom").Watches?.RemoveAll(w => ValComparer.Equal(w.Key, key));
            return a[0];
        });
        Def("set-validator!", 2, 2, (m, a) =>
        {
            var atom = Ref("set-validator!", a[0], "atom");
            if (!a[1].IsNil)
                Validate(m, new YAtom("atom", atom.Value) { Validator = a[1] }, atom.Value);
            atom.Validator = a[1];
            return Val.Nil;
        });
        // apply as a value ((map apply fs argss), (partial apply +)); a direct call compiles to the machine's own Apply.
        Def("apply", 2, -1, (m, a) => m.Invoke(a[0], [.. a[1..^1], .. Items("apply", a[^1])]));
        // Refs: one run is one thread, so a transaction is its body and a ref is an atom.
        Def("ref", 1, -1, (m, a) =>
        {
            m.Charge(Heap.ElementBytes * 4);
            return Val.Object(new YAtom("atom", a[0]));
        });
        Def("ref-set", 2, 2, (m, a) => Set(m, Ref("ref-set", a[0], "atom"), a[1]));
        Def("alter", 2, -1, (m, a) => Set(m, Ref("alter", a[0], "atom"), m.Invoke(a[1], [Ref("alter", a[0], "atom").Value, .. a[2..]])));
        Def("commute", 2, -1, (m, a) => Set(m, Ref("commute", a[0], "atom"), m.Invoke(a[1], [Ref("commute", a[0], "atom").Value, .. a[2..]])));
        Def("reduced", 1, 1, (_, a) => Val.Object(new YAtom("reduced", a[0])));
        Def("reduced?", 1, 1, (_, a) => Val.Bool(a[0].Obj is YAtom { Kind: "reduced" }));
        Def("unreduced", 1, 1, (_, a) => a[0].Obj is YAtom { Kind: "reduced" } r ? r.Value : a[0]);
        Def("ex-cause", 1, 1, (_, a) => a[0].Obj is YinError e ? e.Cause : Val.Nil);
        Def("exception*", 1, 3, (_, a) =>
        {
            var cls = StringArg("exception*", a[0]);
            var message = a.Length > 1 && !a[1].IsNil ? ValPrinter.Display(a[1]) : null;
            var simple = ExceptionHierarchy.Simple(cls);
            return Val.Object(new YinError(ExceptionKind(simple), message ?? "", Val.Nil, simple, a.Length > 2 ? a[2] : Val.Nil) { NoMessage = message is null });
        });
    }

    private static YAtom Ref(string fn, Val v, string kind) =>
        v.Obj is YAtom a && a.Kind == kind ? a : throw TypeError(fn, kind == "atom" ? "an atom" : "a volatile", v);

    private static Val Deref(YinMachine m, Val v)
    {
        switch (v.Obj)
        {
            case YAtom { Kind: "delay", Pending: { } body } d:
            {
                // Forced once: the body's value (or its error, again on every deref, as Clojure's delay).
                var value = m.Invoke(Val.Object(body), []);
                if (d.Pending is not null)
                {
                    d.Value = value;
                    d.Pending = null;
                }
                return d.Value;
            }
            case YAtom a:
                return a.Value;
            default:
                throw TypeError("deref", "an atom, volatile, delay or reduced", v);
        }
    }

    private static Val Set(YinMachine m, YAtom atom, Val value)
    {
        Validate(m, atom, value);
        var old = atom.Value;
        atom.Value = value;
        if (atom.Watches is { Count: > 0 } watches)
        {
            foreach (var (key, fn) in watches.ToArray())
                m.Invoke(fn, [key, Val.Object(atom), old, value]);
        }
        return value;
    }

    private static void Validate(YinMachine m, YAtom atom, Val value)
    {
        if (!atom.Validator.IsNil && !m.Invoke(atom.Validator, [value]).IsTruthy)
            throw new YinException(new YinError(Kinds.Argument, "Invalid reference state", Val.Nil, "IllegalStateException"));
    }
}

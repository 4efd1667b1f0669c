using Datom.Log.Edn;
using Datom.Vm.Reading;

namespace Datom.Vm.Loading;

/// <summary>
/// Clojure's standard macros, expanded at load into the forms the AST has nodes for. What is stored
/// as datoms is the expansion (the code the machine runs, and what the essay's queries see: a
/// <c>(-> u (greet))</c> stores a call of <c>greet</c>); the form as written is kept too, as the
/// <c>:ast/source</c> of the node the expansion made, which is what <c>code show</c>, <c>diff</c>
/// and <c>blame</c> print. Each expansion follows clojure.core's definition of the macro.
/// </summary>
internal sealed partial class Analyzer
{
    /// <summary>
    /// Most macro expansions one load may do: a runaway expansion (a macro that expands into
    /// itself) stops here with the limit named. 100,000 is four times the AST nodes a file may make
    /// (<see cref="MaxNodes"/>), and every expansion that terminates makes at least one node per
    /// four expansions in practice.
    /// </summary>
    public const int MaxExpansions = 100_000;

    private int _expansions;

    /// <summary>The expansion of a macro call, or null when <paramref name="s"/> is not one.</summary>
    private Syntax? Expand(Syntax s)
    {
        var name = HeadName(s);
        if (name is null)
            return null;
        var expanded = ExpandBuiltin(name, s);
        if (expanded is not null && ++_expansions > MaxExpansions)
            throw Error(s, $"macro expansion limit: more than {MaxExpansions} expansions in {_source} (a macro that expands into itself?)");
        return expanded;
    }

    private Syntax? ExpandBuiltin(string name, Syntax s)
    {
        var items = s.Items;
        var args = items.Skip(1).ToList();
        switch (name)
        {
            case "->" or "->>":
            {
                Need(s, args.Count >= 1, $"({name} x forms...) needs a value");
                var acc = args[0];
                foreach (var f in args.Skip(1))
                    acc = Thread(f, acc, name == "->>");
                return acc;
            }
            case "some->" or "some->>":
            {
                Need(s, args.Count >= 1, $"({name} x forms...) needs a value");
                var g = Gensym(s, "some");
                var acc = args[0];
                var bindings = new List<Syntax> { g, acc };
                foreach (var f in args.Skip(1))
                {
                    bindings.Add(g);
                    bindings.Add(L(f, Sym(f, "if"), Core(f, "nil?", g), Lit(f, null), Thread(f, g, name == "some->>")));
                }
                return L(s, Sym(s, "let"), V(s, bindings), g);
            }
            case "cond->" or "cond->>":
            {
                Need(s, args.Count % 2 == 1, $"({name} x test form ...) takes a value and pairs of test and form");
                var g = Gensym(s, "cond");
                var bindings = new List<Syntax> { g, args[0] };
                for (var i = 1; i < args.Count; i += 2)
                {
                    bindings.Add(g);
                    bindings.Add(L(args[i], Sym(s, "if"), args[i], Thread(args[i + 1], g, name == "cond->>"), g));
                }
                return L(s, Sym(s, "let"), V(s, bindings), g);
            }
            case "as->":
            {
                Need(s, args.Count >= 2 && args[1].Symbol is not null, "(as-> x name forms...) binds a name");
                var bindings = new List<Syntax> { args[1], args[0] };
                foreach (var f in args.Skip(2))
                {
                    bindings.Add(args[1]);
                    bindings.Add(f);
                }
                return L(s, Sym(s, "let"), V(s, bindings), args[1]);
            }
            case "if-let" or "if-some" or "when-let" or "when-some" or "when-first":
            {
                Need(s, args.Count >= 1 && args[0].Kind == SyntaxKind.Vector && args[0].Items.Count == 2,
                    $"({name} [binding value] ...) takes one binding");
                var isIf = name.StartsWith("if-", StringComparison.Ordinal);
                Need(s, !isIf || args.Count is 2 or 3, $"({name} [binding value] then else?) takes a then and an optional else");
                var binding = args[0].Items[0];
                var value = args[0].Items[1];
                var temp = Gensym(s, "temp");
                if (name == "when-first")
                {
                    return L(s, Sym(s, "let"), V(s, temp, Core(s, "seq", value)),
                        L(s, [Sym(s, "when"), temp, L(s, [Sym(s, "let"), V(s, binding, Core(s, "first", temp)), .. args.Skip(1)])]));
                }
                var test = name.EndsWith("-some", StringComparison.Ordinal) ? Core(s, "some?", temp) : temp;
                var then = isIf ? args[1] : Do(s, args.Skip(1));
                var inner = L(s, Sym(s, "let"), V(s, binding, temp), then);
                var result = isIf && args.Count == 3
                    ? L(s, Sym(s, "if"), test, inner, args[2])
                    : L(s, Sym(s, "if"), test, inner);
                return L(s, Sym(s, "let"), V(s, temp, value), result);
            }
            case "when-not":
                Need(s, args.Count >= 1, "(when-not test body...) needs a test");
                return L(s, Sym(s, "if"), args[0], Lit(s, null), Do(s, args.Skip(1)));
            case "if-not":
                Need(s, args.Count is 2 or 3, "(if-not test then else?) takes 2 or 3 forms");
                return L(s, [Sym(s, "if"), Core(s, "not", args[0]), .. args.Skip(1)]);
            case "case":
                return Case(s, args);
            case "condp":
                return Condp(s, args);
            case "dotimes":
            {
                Need(s, args.Count >= 1 && args[0].Kind == SyntaxKind.Vector && args[0].Items.Count == 2 && args[0].Items[0].Symbol is not null,
                    "(dotimes [i n] body...) binds one name");
                var i = args[0].Items[0];
                var n = Gensym(s, "n");
                return L(s, Sym(s, "let"), V(s, n, args[0].Items[1]),
                    L(s, Sym(s, "loop"), V(s, i, Lit(s, 0L)),
                        L(s, [Sym(s, "when"), Core(s, "<", i, n), .. args.Skip(1), L(s, Sym(s, "recur"), Core(s, "inc", i))])));
            }
            case "while":
                Need(s, args.Count >= 1, "(while test body...) needs a test");
                return L(s, Sym(s, "loop"), V(s),
                    L(s, [Sym(s, "when"), args[0], .. args.Skip(1), L(s, Sym(s, "recur"))]));
            case "doseq":
                Need(s, args.Count >= 1 && args[0].Kind == SyntaxKind.Vector, "(doseq [x coll] body...) needs a binding vector");
                return Doseq(s, Groups(s, args[0]), 0, Do(s, args.Skip(1)));
            case "for":
                Need(s, args.Count == 2 && args[0].Kind == SyntaxKind.Vector, "(for [x coll] body) takes a binding vector and one body");
                return For(s, Groups(s, args[0]), 0, args[1]);
            case "doto":
            {
                Need(s, args.Count >= 1, "(doto x forms...) needs a value");
                var g = Gensym(s, "doto");
                var body = args.Skip(1).Select(f => f.Kind == SyntaxKind.List && f.Items.Count > 0
                    ? L(f, [f.Items[0], g, .. f.Items.Skip(1)])
                    : L(f, f, g));
                return L(s, [Sym(s, "let"), V(s, g, args[0]), .. body, g]);
            }
            case "..":
            {
                Need(s, args.Count >= 2, "(.. x (method args) ...) needs a target and a method");
                var acc = args[0];
                foreach (var f in args.Skip(1))
                {
                    acc = f.Kind == SyntaxKind.List && f.Items.Count > 0 && f.Items[0].Symbol is { Namespace: null } m
                        ? L(f, [Sym(f, "." + m.Name), acc, .. f.Items.Skip(1)])
                        : f.Symbol is { Namespace: null } m2 ? L(f, Sym(f, "." + m2.Name), acc) : throw Error(f, "(.. x method): a method is a symbol or (method args)");
                }
                return acc;
            }
            case "comment":
                return Lit(s, null);
            case "dosync" or "locking" or "io!":
                return Do(s, name == "locking" ? args.Skip(1) : args);
            case "defonce":
                throw Error(s, "defonce is only allowed at the top level of a file");
            case "lazy-seq":
                return Core(s, "lazy-seq*", L(s, [Sym(s, "fn*"), V(s), .. args]));
            case "delay":
                return Core(s, "delay*", L(s, [Sym(s, "fn*"), V(s), .. args]));
            case "lazy-cat":
                return Core(s, "concat", args.Select(a => L(a, Sym(a, "lazy-seq"), a)));
            case "assert":
                Need(s, args.Count is 1 or 2, "(assert test message?) takes a test and an optional message");
                return L(s, Sym(s, "when-not"), args[0],
                    // Clojure's message: "Assert failed: " then the message and a newline, then the test as written.
                    Core(s, "throw", Core(s, "exception*", Lit(s, "AssertionError"),
                        args.Count == 2
                            ? Core(s, "str", Lit(s, "Assert failed: "), args[1], Lit(s, "\n"), Core(s, "pr-str", Quote(s, args[0])))
                            : Core(s, "str", Lit(s, "Assert failed: "), Core(s, "pr-str", Quote(s, args[0]))))));
            case "time":
                // The elapsed time is the JVM's own; Yin prints Clojure's line with this machine's figure.
                Need(s, args.Count == 1, "(time expr) takes one expression");
                {
                    var start = Gensym(s, "start");
                    var ret = Gensym(s, "ret");
                    return L(s, Sym(s, "let"), V(s, start, Core(s, "now"), ret, args[0]),
                        Core(s, "println", Core(s, "str", Lit(s, "\"Elapsed time: "), Core(s, "double", Core(s, "-", Core(s, "now"), start)), Lit(s, " msecs\""))),
                        ret);
                }
            case "letfn":
                return Letfn(s, args);
            case "with-out-str":
            {
                // A capture of the run's output (YinMachine.Output.cs), released however the body ends.
                var g = Gensym(s, "out");
                return L(s, Sym(s, "let"), V(s, g, Core(s, "out-capture*")),
                    L(s, [Sym(s, "try"), .. args, Core(s, "out-captured*", g), L(s, Sym(s, "finally"), Core(s, "out-release*", g))]));
            }
            case "defmethod":
                return Defmethod(s, args);
            case "extend-type" or "extend-protocol":
                return Extend(s, args, byType: name == "extend-type");
            case "reify":
                return Reify(s, args);
            case "defn" or "defn-" or "defmacro" or "def" or "declare" or "defrecord" or "ns" or "defmulti" or "defprotocol" or "deftype":
                throw Error(s, $"{name} is only allowed at the top level of a file");
            default:
                return null;
        }
    }

    private void Need(Syntax at, bool ok, string message)
    {
        if (!ok)
            throw Error(at, message);
    }

    /// <summary>One step of <c>-></c> (the value goes second) or <c>->></c> (last).</summary>
    private static Syntax Thread(Syntax form, Syntax value, bool last)
    {
        if (form.Kind != SyntaxKind.List || form.Items.Count == 0)
            return L(form, form, value);
        return last
            ? L(form, [.. form.Items, value])
            : L(form, [form.Items[0], value, .. form.Items.Skip(1)]);
    }

    private Syntax Case(Syntax s, List<Syntax> args)
    {
        Need(s, args.Count >= 1, "(case expr clauses...) needs an expression");
        var g = Gensym(s, "case");
        var clauses = new List<Syntax>();
        var n = args.Count - 1;
        for (var i = 1; i + 1 < args.Count; i += 2)
        {
            var test = args[i];
            var constants = test.Kind == SyntaxKind.List ? test.Items : [test];
            var tests = constants.Select(c => Core(c, "=", g, Quote(c, c))).ToList();
            clauses.Add(tests.Count == 1 ? tests[0] : L(test, [Sym(test, "or"), .. tests]));
            clauses.Add(args[i + 1]);
        }
        clauses.Add(Kw(s, "else"));
        clauses.Add(n % 2 == 1
            ? args[^1]
            : Core(s, "throw", Core(s, "exception*", Lit(s, "IllegalArgumentException"), Core(s, "str", Lit(s, "No matching clause: "), g))));
        return L(s, Sym(s, "let"), V(s, g, args[0]), L(s, [Sym(s, "cond"), .. clauses]));
    }

    private Syntax Condp(Syntax s, List<Syntax> args)
    {
        Need(s, args.Count >= 2, "(condp pred expr clauses...) needs a predicate and an expression");
        var pred = Gensym(s, "pred");
        var expr = Gensym(s, "expr");
        var rest = args.Skip(2).ToList();
        Syntax Build(int i)
        {
            var left = rest.Count - i;
            if (left == 0)
                return Core(s, "throw", Core(s, "exception*", Lit(s, "IllegalArgumentException"), Core(s, "str", Lit(s, "No matching clause: "), expr)));
            if (left == 1)
                return rest[i];
            var test = rest[i];
            if (left >= 3 && rest[i + 1].Edn is Keyword { Namespace: null, Name: ">>" })
            {
                var r = Gensym(test, "p");
                return L(test, Sym(test, "if-let"), V(test, r, L(test, pred, test, expr)), L(test, rest[i + 2], r), Build(i + 3));
            }
            return L(test, Sym(test, "if"), L(test, pred, test, expr), rest[i + 1], Build(i + 2));
        }
        return L(s, Sym(s, "let"), V(s, pred, args[0], expr, args[1]), Build(0));
    }

    /// <summary>A <c>for</c> or <c>doseq</c> binding: a name (or pattern) and a collection, and the modifiers after it.</summary>
    private sealed record Group(Syntax Binding, Syntax Coll, List<(string Kind, Syntax Value)> Modifiers);

    private List<Group> Groups(Syntax at, Syntax vector)
    {
        var items = vector.Items;
        Need(vector, items.Count % 2 == 0 && items.Count > 0, "bindings come in pairs: name collection (and :let, :when, :while)");
        var groups = new List<Group>();
        for (var i = 0; i < items.Count; i += 2)
        {
            if (items[i].Edn is Keyword { Namespace: null } k)
            {
                Need(items[i], groups.Count > 0 && k.Name is "let" or "when" or "while", $"unknown modifier :{k.Name} (:let, :when and :while are)");
                groups[^1].Modifiers.Add((k.Name, items[i + 1]));
            }
            else
            {
                groups.Add(new Group(items[i], items[i + 1], []));
            }
        }
        _ = at;
        return groups;
    }

    /// <summary>
    /// <c>for</c>, lazily as Clojure's: each binding walks its collection with a local step function
    /// that returns a lazy seq, so <c>(take 3 (for [x (range)] ...))</c> ends.
    /// </summary>
    private Syntax For(Syntax s, List<Group> groups, int index, Syntax body)
    {
        var group = groups[index];
        var step = Gensym(s, "step");
        var seq = Gensym(s, "s");
        var more = L(s, step, Core(s, "rest", seq));
        Syntax inner = index + 1 < groups.Count
            ? Core(s, "concat", For(s, groups, index + 1, body), more)
            : Core(s, "cons", body, more);
        inner = Modifiers(s, group, inner, more, stopped: Lit(s, null));
        var stepFn = L(s, Sym(s, "fn*"), step, V(s, seq),
            L(s, Sym(s, "lazy-seq"),
                L(s, Sym(s, "let"), V(s, seq, Core(s, "seq", seq)),
                    L(s, Sym(s, "when"), seq,
                        L(s, Sym(s, "let"), V(s, group.Binding, Core(s, "first", seq)), inner)))));
        return L(s, stepFn, group.Coll);
    }

    /// <summary>Wraps <paramref name="inner"/> in a group's modifiers: <c>:let</c> binds, <c>:when</c> skips to <paramref name="skip"/>, <c>:while</c> stops.</summary>
    private static Syntax Modifiers(Syntax s, Group group, Syntax inner, Syntax skip, Syntax stopped)
    {
        for (var i = group.Modifiers.Count - 1; i >= 0; i--)
        {
            var (kind, value) = group.Modifiers[i];
            inner = kind switch
            {
                "let" => L(value, Sym(value, "let"), value, inner),
                "when" => L(value, Sym(value, "if"), value, inner, skip),
                _ => L(value, Sym(value, "if"), value, inner, stopped),
            };
        }
        _ = s;
        return inner;
    }

    /// <summary><c>doseq</c>: nested loops, eager, for side effects; returns nil.</summary>
    private Syntax Doseq(Syntax s, List<Group> groups, int index, Syntax body)
    {
        var group = groups[index];
        var seq = Gensym(s, "s");
        var next = L(s, Sym(s, "recur"), Core(s, "next", seq));
        var work = index + 1 < groups.Count ? Doseq(s, groups, index + 1, body) : body;
        var inner = Modifiers(s, group, L(s, Sym(s, "do"), work, next), next, stopped: Lit(s, null));
        return L(s, Sym(s, "loop"), V(s, seq, Core(s, "seq", group.Coll)),
            L(s, Sym(s, "when"), seq,
                L(s, Sym(s, "let"), V(s, group.Binding, Core(s, "first", seq)), inner)));
    }

    /// <summary>
    /// <c>letfn</c>: the functions are named <c>fn*</c>s that see each other through one local
    /// dispatcher, which a named fn may call recursively: <c>(letfn [(f [x] (g x)) (g [y] y)] ...)</c>
    /// binds <c>f</c> and <c>g</c> to closures that get their siblings from it.
    /// </summary>
    private Syntax Letfn(Syntax s, List<Syntax> args)
    {
        Need(s, args.Count >= 1 && args[0].Kind == SyntaxKind.Vector, "(letfn [(f [params] body) ...] body...) needs a vector of functions");
        var fns = args[0].Items;
        foreach (var f in fns)
            Need(f, f.Kind == SyntaxKind.List && f.Items.Count >= 2 && f.Items[0].Symbol is { Namespace: null }, "letfn: each function is (name [params] body...)");
        var names = fns.Select(f => f.Items[0]).ToList();
        var which = Gensym(s, "which");
        var group = Gensym(s, "letfn");
        // (fn* group [which] (case which 0 (fn* f [..] (let [g (group 1)] ..)) ...)): inside, each
        // function's siblings are bound to (group j), so calls between them go through the group.
        var bodies = new List<Syntax>();
        for (var i = 0; i < fns.Count; i++)
        {
            var siblings = new List<Syntax>();
            for (var j = 0; j < fns.Count; j++)
            {
                if (j == i)
                    continue;
                siblings.Add(names[j]);
                siblings.Add(L(s, group, Lit(s, (long)j)));
            }
            var fn = fns[i];
            var arities = fn.Items.Skip(1).ToList();
            var wrapped = arities[0].Kind == SyntaxKind.Vector
                ? L(fn, Sym(fn, "fn*"), names[i], arities[0], L(fn, [Sym(fn, "let"), V(fn, siblings), .. arities.Skip(1)]))
                : L(fn, [Sym(fn, "fn*"), names[i], .. arities.Select(a => L(a, a.Items[0], L(a, [Sym(a, "let"), V(a, siblings), .. a.Items.Skip(1)])))]);
            bodies.Add(Lit(s, (long)i));
            bodies.Add(wrapped);
        }
        var dispatcher = L(s, Sym(s, "fn*"), group, V(s, which), L(s, [Sym(s, "case"), which, .. bodies]));
        var outer = new List<Syntax> { group, dispatcher };
        for (var i = 0; i < fns.Count; i++)
        {
            outer.Add(names[i]);
            outer.Add(L(s, group, Lit(s, (long)i)));
        }
        return L(s, [Sym(s, "let"), V(s, outer), .. args.Skip(1)]);
    }
}

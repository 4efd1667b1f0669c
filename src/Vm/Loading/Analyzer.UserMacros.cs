using System.Diagnostics;
using System.Globalization;
using Datom.Log.Edn;
using Datom.Log.Model;
using Datom.Vm.Ast;
using Datom.Vm.Effects;
using Datom.Vm.Machine;
using Datom.Vm.Reading;

namespace Datom.Vm.Loading;

/// <summary>
/// User macros (<c>defmacro</c>). A macro is stored as the function it is: a <c>:ast.type/function</c>
/// node marked <c>:fn/macro</c>, whose arities take Clojure's two hidden parameters <c>&amp;form</c> and
/// <c>&amp;env</c> before the ones written, with the defmacro as written in <c>:ast/source</c>. A call
/// site is expanded at load: the analyzer runs the macro on Yin.VM, on the call's forms as data, and
/// analyzes what it returns. As for the built-in macros, the datoms of a call site are the expansion
/// (what runs, and what queries see), the text as written is the definition's <c>:ast/source</c>
/// (what <c>code show</c>, <c>diff</c> and <c>blame</c> print), and the expansion's root node
/// carries <c>:ast/macro</c>, a ref to the macro, so a query finds every use of a macro. An edit of a
/// macro reaches its callers when their namespace is loaded again (their expansion is then made
/// with the new macro, and only the datoms that changed are transacted); code already stored keeps
/// the expansion it was loaded with, as compiled Clojure code does.
/// </summary>
/// <remarks>
/// A macro body is peer code like any other: every expansion runs on the machine under limits
/// (<see cref="MacroFuel"/> steps and <see cref="MacroDeadline"/> for all the expansions of one
/// load, <see cref="MacroMemory"/> bytes each, the default depth), with no effects and no output.
/// An expansion that expands again is nested at most <see cref="MaxExpansionDepth"/> deep, and an
/// expansion larger than <see cref="MaxNodes"/> forms stops at that size: each stops with the limit
/// named.
/// </remarks>
internal sealed partial class Analyzer
{
    /// <summary>Steps all the macro expansions of one load may take together: a twentieth of a run's default fuel.</summary>
    public const long MacroFuel = RunLimits.DefaultFuel / 20;

    /// <summary>Bytes of live data one expansion may hold: a quarter of a run's default memory.</summary>
    public const long MacroMemory = RunLimits.DefaultMemory / 4;

    /// <summary>Wall time all the macro expansions of one load may take together: a run's default deadline.</summary>
    public static readonly TimeSpan MacroDeadline = RunLimits.DefaultDeadline;

    /// <summary>
    /// Deepest nesting of expansions (a macro whose expansion is another macro call, and so on): far
    /// more than real code nests (source itself is at most <see cref="SourceReader.MaxDepth"/> deep),
    /// and shallow enough that the analyzer's own recursion stays well inside the host's stack.
    /// </summary>
    public const int MaxExpansionDepth = 1000;

    private static readonly Symbol FormParam = Symbol.Intern(null, "&form");
    private static readonly Symbol EnvParam = Symbol.Intern(null, "&env");

    private readonly HashSet<string> _macroNames = new(StringComparer.Ordinal);
    private readonly HashSet<string> _defined = new(StringComparer.Ordinal);
    private readonly HashSet<string> _macros = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<NodeSpec>> _byDefinition = new(StringComparer.Ordinal);
    private int _indexed;
    private int _finished;
    private long _macroSteps;
    private long _runtimeGensyms;
    private int _expansionDepth;
    private Stopwatch? _macroClock;

    /// <summary>
    /// <c>(defmacro name doc? attr-map? [params] body...)</c>, or with several arities: the function
    /// <c>(defn name [&amp;form &amp;env params...] body...)</c>, marked as a macro.
    /// </summary>
    private NodeSpec Macro(Syntax form, int index)
    {
        var items = form.Items;
        var name = items[1];
        var rest = new List<Syntax>();
        var i = 2;
        if (i < items.Count && items[i].Edn is string)
            rest.Add(items[i++]);
        if (i < items.Count && items[i].Kind == SyntaxKind.Map)
            i++;
        var tail = items.Skip(i).ToList();
        Syntax Hidden(Syntax vector) => V(vector, [Sym(vector, "&form"), Sym(vector, "&env"), .. vector.Items]);
        if (tail.Count > 0 && tail[0].Kind == SyntaxKind.Vector)
        {
            rest.Add(Hidden(tail[0]));
            rest.AddRange(tail.Skip(1));
        }
        else
        {
            foreach (var arity in tail)
            {
                Need(arity, arity.Kind == SyntaxKind.List && arity.Items.Count > 0 && arity.Items[0].Kind == SyntaxKind.Vector,
                    $"(defmacro {name} [params] body...) or (defmacro {name} ([params] body...) ...): the parameter vector is missing");
                rest.Add(L(arity, [Hidden(arity.Items[0]), .. arity.Items.Skip(1)]));
            }
        }
        var node = Function(L(form, [Sym(form, "defn"), name, .. rest]), index);
        node.Add(AstSchema.FnMacro, Value.Boolean(true));
        _macros.Add(name.Symbol!.Name);
        _expanded = true;
        return node;
    }

    /// <summary>The key of the user macro <paramref name="sym"/> names, or null when it names none.</summary>
    private string? UserMacro(Symbol sym, Syntax at)
    {
        if (ResolveFunction(sym) is not { } fn)
            return null;
        var slash = fn.Key.IndexOf('/', StringComparison.Ordinal);
        if (fn.Key[..slash] == _ns)
        {
            var name = fn.Key[(slash + 1)..];
            if (_macros.Contains(name))
                return fn.Key;
            if (_macroNames.Contains(name))
                throw Error(at, $"macro {name} is used before its defmacro: a macro is usable from the forms after it");
            // One definition edited alone (code edit): its namespace's macros are in the database.
            return !_defined.Contains(name) && _catalog.MacroExists(fn.Key) ? fn.Key : null;
        }
        return _catalog.MacroExists(fn.Key) ? fn.Key : null;
    }

    /// <summary>Analyzes a call of a user macro: its expansion, in the call's place, marked with the macro it came from.</summary>
    private NodeRef ExpandUserCall(string macroKey, Syntax s, string key, int? index, Context context)
    {
        _expanded = true;
        var expansion = ExpandUser(macroKey, s, context);
        if (++_expansionDepth > MaxExpansionDepth)
            throw Error(s, $"macro expansion depth limit: expansions nest more than {MaxExpansionDepth} deep (a macro that expands into itself?) [:limit/depth]");
        try
        {
            var made = Expr(expansion, key, index, context);
            for (var i = _nodes.Count - 1; i >= 0; i--)
            {
                if (_nodes[i].Key == made.Key)
                {
                    _nodes[i].Add(AstSchema.Macro, new NodeRef(macroKey));
                    break;
                }
            }
            return made;
        }
        finally
        {
            _expansionDepth--;
        }
    }

    /// <summary><c>(macroexpand-1 'form)</c> and <c>(macroexpand 'form)</c>: expanded at load, as a quoted form.</summary>
    private Syntax? Macroexpand(Syntax s, Context context)
    {
        var name = HeadName(s);
        if (name is not ("macroexpand" or "macroexpand-1"))
            return null;
        Need(s, s.Items.Count == 2 && HeadName(s.Items[1]) == "quote" && s.Items[1].Items.Count == 2,
            $"({name} 'form): Yin expands macros at load, so the form is a quoted literal");
        var form = s.Items[1].Items[1];
        while (true)
        {
            Syntax? next = null;
            if (form.Kind == SyntaxKind.List && form.Items.Count > 0 && form.Items[0].Symbol is { } head)
            {
                next = UserMacro(head, form) is { } macroKey ? ExpandUser(macroKey, form, context) : Expand(form);
            }
            if (next is null)
                break;
            form = next;
            if (name == "macroexpand-1")
                break;
        }
        return Quote(s, form);
    }

    /// <summary>Runs a macro on a call's forms and returns the form it built.</summary>
    private Syntax ExpandUser(string macroKey, Syntax s, Context context)
    {
        if (++_expansions > MaxExpansions)
            throw Error(s, $"macro expansion limit: more than {MaxExpansions} expansions in {_source} (a macro that expands into itself?)");
        _macroClock ??= Stopwatch.StartNew();
        var fuel = MacroFuel - _macroSteps;
        var time = MacroDeadline - _macroClock.Elapsed;
        if (fuel <= 0)
            throw Error(s, $"fuel limit: the macro expansions of {_source} took more than {MacroFuel} steps [:limit/fuel]");
        if (time <= TimeSpan.Zero)
            throw Error(s, $"deadline: the macro expansions of {_source} took more than {MacroDeadline.TotalSeconds} s [:limit/deadline]");

        var view = new MemoryDatomView(MacroCode(macroKey, s));
        using var code = new ViewCodeBase(view);
        var origins = new Dictionary<object, Syntax>(ReferenceEqualityComparer.Instance);
        var machine = new YinMachine(
            new RunLimits(new FuelLimit(fuel), new MemoryLimit(MacroMemory), new DepthLimit(RunLimits.DefaultDepth), new DeadlineLimit(time)),
            TextWriter.Null, NoDatabaseEffects.Instance, TimeProvider.System, CancellationToken.None)
        { GensymCounter = _runtimeGensyms };
        try
        {
            var cell = code.Find(macroKey) ?? throw Error(s, $"macro {macroKey} is not defined");
            var entry = code.Prepare(cell);
            var env = YMap.Empty.Items;
            foreach (var local in context.Scope.Names())
                env = env.SetItem(Val.Symbol(Symbol.Intern(null, local)), Val.Nil);
            List<Val> args = [ToVal(s, origins), Val.Object(new YMap(env)), .. s.Items.Skip(1).Select(a => ToVal(a, origins))];
            machine.Start(entry, args);
            var outcome = machine.Run();
            _macroSteps += machine.Steps;
            _runtimeGensyms = machine.GensymCounter;
            if (outcome != Outcome.Finished)
            {
                var error = machine.Error;
                var kind = error is null ? "" : $" [{error.Kind}]";
                throw Error(s, $"macro {macroKey} failed while expanding: {error?.Message ?? outcome.ToString()}{kind}");
            }
            var count = 0;
            return FromVal(machine.Result, s, origins, ref count, 0);
        }
        catch (YinException e)
        {
            throw Error(s, $"macro {macroKey} cannot run: {e.Message}");
        }
    }

    /// <summary>
    /// The nodes a macro runs with: its own definition and every definition it reaches through
    /// calls, records and defs, from this file (definitions finished before this form) or the database.
    /// </summary>
    private List<NodeSpec> MacroCode(string macroKey, Syntax at)
    {
        for (; _indexed < _finished; _indexed++)
        {
            var node = _nodes[_indexed];
            var def = AstKeys.DefinitionOf(node.Key);
            if (!_byDefinition.TryGetValue(def, out var list))
                _byDefinition[def] = list = [];
            list.Add(node);
        }
        var specs = new List<NodeSpec>();
        var seen = new HashSet<string>(StringComparer.Ordinal) { macroKey };
        var pending = new Queue<string>([macroKey]);
        while (pending.TryDequeue(out var def))
        {
            IReadOnlyList<NodeSpec> nodes;
            if (_byDefinition.TryGetValue(def, out var local))
                nodes = local;
            else if (_sharedTypes.TryGetValue(def, out var shared))
                nodes = [shared];
            else if (def.StartsWith(_ns + "/", StringComparison.Ordinal) && _defined.Contains(def[(_ns.Length + 1)..]))
                throw Error(at, $"macro {macroKey} uses {def}, which is defined after this form: a macro runs with the definitions above its use");
            else
                nodes = _catalog.DefinitionNodes(def) ?? throw Error(at, $"macro {macroKey} uses {def}, which is not defined");
            foreach (var node in nodes)
            {
                specs.Add(node);
                foreach (var (_, value) in node.Attributes)
                {
                    if (value is NodeRef r && seen.Add(AstKeys.DefinitionOf(r.Key)))
                        pending.Enqueue(AstKeys.DefinitionOf(r.Key));
                }
            }
        }
        return specs;
    }

    /// <summary>A form as the data a macro receives: lists, vectors, maps, sets, symbols and scalars.</summary>
    private static Val ToVal(Syntax s, Dictionary<object, Syntax> origins)
    {
        Val v;
        switch (s.Kind)
        {
            case SyntaxKind.List:
                v = Seqs.List(null, [.. s.Items.Select(i => ToVal(i, origins))]);
                break;
            case SyntaxKind.Vector:
                v = ValConvert.Vector(s.Items.Select(i => ToVal(i, origins)));
                break;
            case SyntaxKind.Set:
                v = Val.Object(new YSet(YSet.Empty.Items.Union(s.Items.Select(i => ToVal(i, origins)))));
                break;
            case SyntaxKind.Map:
            {
                var map = YMap.Empty.Items;
                for (var i = 0; i + 1 < s.Items.Count; i += 2)
                    map = map.SetItem(ToVal(s.Items[i], origins), ToVal(s.Items[i + 1], origins));
                v = Val.Object(new YMap(map));
                break;
            }
            case SyntaxKind.Symbol:
                return Val.Symbol(s.Symbol!);
            default:
                return ValConvert.FromEdn(s.Edn);
        }
        if (v.Obj is not null)
            origins.TryAdd(v.Obj, s);
        return v;
    }

    /// <summary>
    /// The form a macro returned, as syntax: a part that is one of the forms it was given keeps its
    /// place in the source, and what the macro made gets the call's line.
    /// </summary>
    private Syntax FromVal(Val v, Syntax at, Dictionary<object, Syntax> origins, ref int count, int depth)
    {
        if (++count > MaxNodes)
            throw Error(at, string.Create(CultureInfo.InvariantCulture, $"macro expansion size limit: the expansion has more than {MaxNodes} forms [:limit/size]"));
        if (depth > SourceReader.MaxDepth)
            throw Error(at, string.Create(CultureInfo.InvariantCulture, $"macro expansion size limit: the expansion nests more than {SourceReader.MaxDepth} deep [:limit/size]"));
        if (v.Obj is not null && origins.TryGetValue(v.Obj, out var original))
            return original;
        var items = new List<Syntax>();
        switch (v.Obj)
        {
            case YVector vec:
                foreach (var x in vec.Items)
                    items.Add(FromVal(x, at, origins, ref count, depth + 1));
                return V(at, items);
            case YMap map:
                foreach (var (k, x) in map.Items)
                {
                    items.Add(FromVal(k, at, origins, ref count, depth + 1));
                    items.Add(FromVal(x, at, origins, ref count, depth + 1));
                }
                return new Syntax(SyntaxKind.Map, new EdnMap(Pairs(items)), items, null, Pos(at));
            case YSet set:
                foreach (var x in set.Items)
                    items.Add(FromVal(x, at, origins, ref count, depth + 1));
                return new Syntax(SyntaxKind.Set, new EdnSet(items.Select(i => i.Edn)), items, null, Pos(at));
            case YSeq or YList or YLazySeq or YEmptyList:
                foreach (var x in Seqs.Values(v))
                {
                    items.Add(FromVal(x, at, origins, ref count, depth + 1));
                    if (count > MaxNodes)
                        break;
                }
                return L(at, items);
            case Symbol sym:
                return new Syntax(SyntaxKind.Symbol, sym, [], null, Pos(at));
            case YRegex regex:
                return Lit(at, new RegexLiteral(regex.Pattern));
            case YFunction or YAtom or YinError or YRecord:
                throw Error(at, $"a macro's expansion holds a {TypeNames.Of(v)}, which code cannot contain");
            default:
                return Lit(at, ValConvert.ToEdn(v));
        }

        static IEnumerable<KeyValuePair<object?, object?>> Pairs(List<Syntax> items)
        {
            for (var i = 0; i + 1 < items.Count; i += 2)
                yield return new(items[i].Edn, items[i + 1].Edn);
        }
    }
}

using Datom.Log.Edn;
using Datom.Log.Model;
using Datom.Vm.Ast;
using Datom.Vm.Reading;
using T = Datom.Vm.Ast.AstSchema.Types;

namespace Datom.Vm.Loading;

/// <summary>
/// Top-level forms that are not definitions, and the multimethod forms. A file may hold any form
/// at its top level, as Clojure's may: <c>(println ...)</c>, <c>(swap! ...)</c>, <c>(defmethod ...)</c>.
/// Each is stored as a definition of its own, a <c>:ast.type/def</c> node marked <c>:def/init</c>
/// and named <c>(top-level N)</c> (the Nth such form of the file; not a symbol, so no definition
/// can take the name), with the form as written in <c>:ast/source</c>. Loading stores them and
/// runs nothing; a run of any function of the namespace starts by running them, in source order,
/// once per run (<see cref="YinVm.Run"/>), which is what loading the file does in Clojure.
/// </summary>
internal sealed partial class Analyzer
{
    private readonly SortedSet<string> _requires = new(StringComparer.Ordinal);

    /// <summary>
    /// A top-level form that is not a definition as written. A call of a user macro is expanded
    /// first: a macro that makes a definition (<c>(defthing x ...)</c> into <c>(defn x ...)</c>) makes
    /// that definition, with the call as its source; anything else is a top-level expression.
    /// </summary>
    private NodeSpec TopLevelForm(Syntax form, string name, int index, HashSet<string> defined, List<string> definitions)
    {
        var expanded = form;
        string? macroKey = null;
        var top = new Context(new Scope(null, []), null);
        for (var depth = 0; expanded.Kind == SyntaxKind.List && expanded.Items.Count > 0 && expanded.Items[0].Symbol is { } head
            && UserMacro(head, expanded) is { } key; depth++)
        {
            if (depth >= MaxExpansionDepth)
                throw Error(form, $"macro expansion depth limit: expansions nest more than {MaxExpansionDepth} deep (a macro that expands into itself?) [:limit/depth]");
            macroKey = key;
            expanded = ExpandUser(key, expanded, top);
        }
        if (macroKey is null || HeadName(expanded) is not ("defn" or "defn-" or "def" or "defmacro" or "defmulti" or "defonce" or "defrecord"))
            return Init(form, name, index);

        var headName = HeadName(expanded)!;
        if (expanded.Items.Count < 2 || expanded.Items[1].Symbol is not { } qualified || !(qualified.Namespace is null || qualified.Namespace == _ns))
            throw Error(form, $"the definition that macro {macroKey} made has no name of {_ns}");
        var defName = qualified.Name;
        if (!defined.Add(defName))
            throw Error(form, $"{defName} is defined twice in {_ns}");
        var defKey = AstKeys.Definition(_ns, defName);
        definitions[definitions.IndexOf(AstKeys.Definition(_ns, name))] = defKey;
        var nameSyntax = new Syntax(SyntaxKind.Symbol, Symbol.Intern(null, defName), [], expanded.Items[1].Meta, Pos(expanded.Items[1]));
        var definition = L(expanded, [Sym(expanded.Items[0], headName), nameSyntax, .. expanded.Items.Skip(2)]);
        if (headName != "defrecord")
            _functions.Add(defName);
        NodeSpec node;
        switch (headName)
        {
            case "defrecord":
                _records.Add(defName);
                node = Record(definition, index);
                break;
            case "def" or "defmulti" or "defonce":
                _defs.Add(defName);
                node = Def(definition, index);
                break;
            case "defmacro":
                _macroNames.Add(defName);
                node = Macro(definition, index);
                break;
            default:
                node = Function(definition, index);
                break;
        }
        node.Add(AstSchema.Macro, new NodeRef(macroKey));
        _expanded = true;
        return node;
    }

    private NodeSpec Init(Syntax form, string name, int index)
    {
        var key = AstKeys.Definition(_ns, name);
        _expanded = true;
        var node = NewNode(key, T.Def, form, index)
            .Add(AstSchema.Namespace, _ns)
            .Add(AstSchema.FnName, name)
            .Add(AstSchema.DefInit, Value.Boolean(true));
        Body(node, key, [form], new Context(new Scope(null, []), null));
        return node;
    }

    /// <summary>
    /// <c>(defmulti name doc? attr-map? dispatch-fn :default value?)</c> is
    /// <c>(def name (multi* "ns/name" dispatch-fn default))</c>: a multimethod with an empty table,
    /// made once per run as every def's value is.
    /// </summary>
    private Syntax Defmulti(Syntax form)
    {
        var items = form.Items;
        var name = items[1];
        var i = 2;
        var doc = new List<Syntax>();
        if (i < items.Count && items[i].Edn is string && i + 1 < items.Count)
            doc.Add(items[i++]);
        if (i < items.Count && items[i].Kind == SyntaxKind.Map)
            i++;
        Need(form, i < items.Count, $"(defmulti {name} dispatch-fn): the dispatch function is missing");
        var dispatch = items[i++];
        Syntax defaultValue = Kw(form, "default");
        for (; i < items.Count; i += 2)
        {
            Need(items[i], i + 1 < items.Count && items[i].Edn is Keyword { Namespace: null, Name: "default" or "hierarchy" },
                "defmulti options are :default value (and :hierarchy, which Yin does not use)");
            if (items[i].Edn is Keyword { Name: "default" })
                defaultValue = items[i + 1];
        }
        var qualified = Lit(name, AstKeys.Definition(_ns, name.Symbol!.Name));
        return L(form, [Sym(form, "def"), name, .. doc, Core(form, "multi*", qualified, dispatch, defaultValue)]);
    }

    /// <summary>
    /// <c>(defmethod multi dispatch-value fn-tail...)</c> is <c>(add-method* multi dispatch-value (fn fn-tail...))</c>;
    /// a dispatch value that names a class (<c>String</c>, <c>clojure.lang.PersistentList</c>) is that class's name.
    /// </summary>
    private Syntax Defmethod(Syntax s, List<Syntax> args)
    {
        Need(s, args.Count >= 3, "(defmethod multifn dispatch-value [params] body...) needs a dispatch value and a function");
        return Core(s, "add-method*", args[0], DispatchValue(args[1]), L(s, [Sym(s, "fn"), .. args.Skip(2)]));
    }

    /// <summary>A class name as a dispatch value is the class (a symbol naming it, as <c>class</c> returns); vectors of them too.</summary>
    private static Syntax DispatchValue(Syntax v)
    {
        if (v.Symbol is { } sym && Machine.Classes.Qualify(sym.ToString()) is { } full)
            return Quote(v, Sym(v, full));
        if (v.Kind == SyntaxKind.Vector && v.Items.Any(x => x.Symbol is { } s && Machine.Classes.Qualify(s.ToString()) is not null))
            return V(v, v.Items.Select(DispatchValue));
        return v;
    }
}

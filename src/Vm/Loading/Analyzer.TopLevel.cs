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
            Need(items[i], i + 1 < items.Count && items[i].Edn is Log.Edn.Keyword { Namespace: null, Name: "default" or "hierarchy" },
                "defmulti options are :default value (and :hierarchy, which Yin does not use)");
            if (items[i].Edn is Log.Edn.Keyword { Name: "default" })
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
        if (v.Symbol is { } sym && Machine.ClassNames.Qualify(sym.ToString()) is { } full)
            return Quote(v, Sym(v, full));
        if (v.Kind == SyntaxKind.Vector && v.Items.Any(x => x.Symbol is { } s && Machine.ClassNames.Qualify(s.ToString()) is not null))
            return V(v, v.Items.Select(DispatchValue));
        return v;
    }
}

using Datom.Log.Edn;
using Datom.Log.Model;
using Datom.Vm.Ast;
using Datom.Vm.Reading;

namespace Datom.Vm.Loading;

/// <summary>
/// Protocols and types, at the level ordinary programs use them. <c>(defprotocol P (m [this]) ...)</c>
/// defines <c>P</c> (a def: a map of its methods) and one def per method, whose value is a protocol
/// function: it dispatches on the type of its first argument (see <see cref="Machine.YMulti"/>).
/// <c>extend-type</c>, <c>extend-protocol</c> and the protocol bodies of <c>defrecord</c>/<c>deftype</c>
/// add methods, as top-level expressions do (when a run of the namespace starts); <c>reify</c> makes
/// an object that carries its own methods. The defprotocol's text is the source of <c>P</c>; the
/// other definitions a defprotocol or a defrecord with protocol bodies makes have an empty
/// <c>:ast/source</c>, which <c>code show</c> skips, so the text is printed once, as written.
/// <c>deftype</c> is a record type (its instances are also maps, where Clojure's are not).
/// </summary>
internal sealed partial class Analyzer
{
    private readonly HashSet<string> _fieldNames = new(StringComparer.Ordinal);

    /// <summary>What a defprotocol, defrecord or deftype form defines beyond its first name.</summary>
    private IEnumerable<(string Kind, string Name)> TypeDefinitionNames(string head, Syntax form, string name)
    {
        if (head == "defprotocol")
        {
            yield return ("def", name);
            foreach (var m in ProtocolMethods(form))
                yield return ("protocol-method", m.Items[0].Symbol!.Name);
            yield break;
        }
        yield return ("defrecord", name);
        if (form.Items.Count > 2 && form.Items[2].Kind == SyntaxKind.Vector)
        {
            _recordArity[name] = form.Items[2].Items.Count(f => f.Symbol is not null);
            foreach (var f in form.Items[2].Items)
            {
                if (f.Symbol is { Namespace: null } field)
                    _fieldNames.Add(field.Name);
            }
        }
        if (form.Items.Count > 3)
            yield return ("impls", "");
    }

    private List<Syntax> ProtocolMethods(Syntax form)
    {
        var methods = new List<Syntax>();
        foreach (var item in form.Items.Skip(2))
        {
            if (item.Edn is string || item.Edn is Keyword)
                continue;
            Need(item, item.Kind == SyntaxKind.List && item.Items.Count >= 2 && item.Items[0].Symbol is { Namespace: null },
                "(defprotocol Name (method [this args...] ...) ...): a method is a list of its name and parameter vectors");
            methods.Add(item);
        }
        return methods;
    }

    /// <summary><c>P</c> of a defprotocol: <c>(def P {:name "ns/P", :methods {:m m ...}})</c>.</summary>
    private Syntax ProtocolDef(Syntax form)
    {
        var name = form.Items[1];
        var methods = ProtocolMethods(form).Select(m => m.Items[0]).ToList();
        var table = Core(form, "hash-map", methods.SelectMany(m => new[] { Kw(m, m.Symbol!.Name), m }));
        return L(form, Sym(form, "def"), name, Core(form, "hash-map", Kw(form, "name"), Lit(form, AstKeys.Definition(_ns, name.Symbol!.Name)), Kw(form, "methods"), table));
    }

    /// <summary>A definition that shares its top-level form with another, which prints it: an empty source.</summary>
    private NodeSpec Unprinted(NodeSpec node)
    {
        node.Set(AstSchema.Source, Value.String(""));
        _expanded = false;
        return node;
    }

    private NodeSpec ProtocolMethod(Syntax form, string name, int index)
    {
        var protocol = AstKeys.Definition(_ns, form.Items[1].Symbol!.Name);
        var def = L(form, Sym(form, "def"), Sym(form, name), Core(form, "protocol-fn*", Lit(form, AstKeys.Definition(_ns, name)), Lit(form, protocol)));
        return Unprinted(Def(def, index));
    }

    /// <summary>The protocol bodies of a defrecord or deftype, as a top-level <c>extend-type</c>.</summary>
    private NodeSpec Impls(Syntax form, string name, int index)
    {
        var type = form.Items[1];
        var fields = form.Items[2].Items.Where(f => f.Symbol is not null).ToList();
        var extend = L(form, [Sym(form, "extend-type"), type, .. form.Items.Skip(3).Select(i => i.Kind == SyntaxKind.List ? WithFields(i, fields) : i)]);
        return Unprinted(Init(extend, name, index));
    }

    /// <summary>A method of a record body, <c>(m [this args] body)</c>, whose body sees the record's fields as locals.</summary>
    private Syntax WithFields(Syntax method, List<Syntax> fields)
    {
        Need(method, method.Items.Count >= 2 && method.Items[1].Kind == SyntaxKind.Vector && method.Items[1].Items.Count >= 1,
            "a protocol method in a defrecord is (method [this args...] body...)");
        var parameters = method.Items[1].Items.ToList();
        var self = parameters[0];
        if (self.Symbol is not { Namespace: null } || self.IsSymbol("_"))
        {
            var g = Gensym(self, "this");
            parameters[0] = g;
            self = g;
        }
        var bindings = fields.SelectMany(f => new[] { f, Core(f, "field*", self, Kw(f, f.Symbol!.Name)) });
        return L(method, method.Items[0], V(method.Items[1], parameters), L(method, [Sym(method, "let"), V(method, bindings), .. method.Items.Skip(2)]));
    }

    /// <summary>
    /// <c>(extend-type T P (m [this] ...) ...)</c> and <c>(extend-protocol P T (m ...) ...)</c>:
    /// <c>(add-method* m type-key (fn ...))</c> for each method.
    /// </summary>
    private Syntax Extend(Syntax s, List<Syntax> args, bool byType)
    {
        Need(s, args.Count >= 1, byType ? "(extend-type Type Protocol (method [this] ...) ...)" : "(extend-protocol Protocol Type (method [this] ...) ...)");
        var adds = new List<Syntax>();
        Syntax? type = byType ? args[0] : null;
        Syntax? protocol = byType ? null : args[0];
        foreach (var item in args.Skip(1))
        {
            if (item.Kind != SyntaxKind.List)
            {
                if (byType)
                    protocol = item;
                else
                    type = item;
                continue;
            }
            Need(item, protocol is not null && type is not null && item.Items.Count >= 2 && item.Items[0].Symbol is { Namespace: null },
                "a method is (name [this args...] body...) after its protocol and type");
            adds.Add(Core(item, "add-method*", MethodSymbol(protocol!, item.Items[0]), TypeKey(type!), L(item, [Sym(item, "fn"), .. item.Items.Skip(1)])));
        }
        return L(s, [Sym(s, "do"), .. adds, Lit(s, null)]);
    }

    /// <summary><c>(reify P (m [this] ...) ...)</c>: <c>(reify* {"ns/m" (fn ...)})</c>.</summary>
    private Syntax Reify(Syntax s, List<Syntax> args)
    {
        var entries = new List<Syntax>();
        Syntax? protocol = null;
        foreach (var item in args)
        {
            if (item.Kind != SyntaxKind.List)
            {
                protocol = item;
                continue;
            }
            Need(item, protocol is not null && item.Items.Count >= 2 && item.Items[0].Symbol is { Namespace: null }, "(reify Protocol (method [this args...] body...) ...)");
            var key = ResolveFunction(MethodSymbol(protocol!, item.Items[0]).Symbol!)?.Key ?? throw Error(item, $"{item.Items[0]} is not a method of {protocol}");
            entries.Add(Lit(item, key));
            entries.Add(L(item, [Sym(item, "fn"), .. item.Items.Skip(1)]));
        }
        return Core(s, "reify*", Core(s, "hash-map", entries));
    }

    /// <summary>A protocol's method by name, in the protocol's namespace.</summary>
    private Syntax MethodSymbol(Syntax protocol, Syntax method)
    {
        if (protocol.Symbol is not { } p || ResolveFunction(p) is not { } key)
            throw Error(protocol, $"unknown protocol {protocol}");
        var ns = key.Key[..key.Key.IndexOf('/', StringComparison.Ordinal)];
        return Sym(method, ns, method.Symbol!.Name);
    }

    /// <summary>What a protocol function dispatches on for a type written in an extend: a record's key, or a class's name.</summary>
    private Syntax TypeKey(Syntax type)
    {
        if (type.Edn is null)
            return Lit(type, null);
        if (type.Symbol is not { } sym)
            throw Error(type, $"a type is a name, not {Describe(type)}");
        if (sym.Namespace is null && Machine.Classes.Qualify(sym.Name) is { } cls && !_records.Contains(sym.Name))
            return Quote(type, Sym(type, cls));
        if (sym.Namespace is null && Machine.Classes.Qualify(sym.Name) is null && sym.Name.Contains('.', StringComparison.Ordinal))
            return Quote(type, Sym(type, sym.Name));
        return Lit(type, ResolveType(sym.ToString(), type).Key);
    }
}

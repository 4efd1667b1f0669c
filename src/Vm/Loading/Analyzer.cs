using System.Globalization;
using System.Numerics;
using System.Text;
using Datom.Log.Edn;
using Datom.Log.Entries;
using Datom.Log.Model;
using Datom.Vm.Ast;
using Datom.Vm.Machine;
using Datom.Vm.Reading;
using T = Datom.Vm.Ast.AstSchema.Types;

namespace Datom.Vm.Loading;

/// <summary>What the analyzer may ask about code already in the database.</summary>
internal interface ICodeCatalog
{
    /// <summary>Whether a function with this key (<c>ns/name</c>) is defined.</summary>
    bool FunctionExists(string key);

    /// <summary>The key of the record type with this key, if defined.</summary>
    bool RecordExists(string key);

    /// <summary>The keys of every record type with this name, in any namespace.</summary>
    IReadOnlyList<string> RecordsNamed(string name);

    /// <summary>Whether the function with this key is a macro (<c>defmacro</c>).</summary>
    bool MacroExists(string key);

    /// <summary>The nodes of the definition with this key (its whole tree, refs by key), or null: what a macro runs with.</summary>
    IReadOnlyList<NodeSpec>? DefinitionNodes(string key);
}

/// <summary>A catalog with nothing in it: for code that must stand alone (the prelude).</summary>
internal sealed class EmptyCatalog : ICodeCatalog
{
    public static readonly EmptyCatalog Instance = new();

    public bool FunctionExists(string key) => false;

    public bool RecordExists(string key) => false;

    public IReadOnlyList<string> RecordsNamed(string name) => [];

    public bool MacroExists(string key) => false;

    public IReadOnlyList<NodeSpec>? DefinitionNodes(string key) => null;
}

/// <summary>
/// Turns the forms of one source file into AST node specs in the vocabulary of
/// <see cref="AstSchema"/>. The surface is Clojure's spelling: <c>(ns core)</c>,
/// <c>(defrecord User [^String name])</c>, <c>(defn ^Result f [^User u] ...)</c>, <c>fn</c>,
/// <c>let</c>, <c>if</c>, <c>when</c>, <c>cond</c>, <c>do</c>, <c>and</c>, <c>or</c>,
/// <c>loop</c>/<c>recur</c>, <c>quote</c>, vectors, maps, sets and literals. Symbols are resolved
/// here, as Clojure's compiler does: an unknown one is an error at load, with its line.
/// </summary>
internal sealed partial class Analyzer
{
    /// <summary>
    /// Most AST nodes one file may make: <see cref="EntryLimits.MaxDatoms"/> (100,000) / 4 = 25,000.
    /// Every node has at least four datoms (<c>:ast/key</c>, <c>:ast/type</c>, <c>:ast/location</c>,
    /// <c>:ast/line</c>) and a file loads as one log entry, so a file with more nodes could never be
    /// stored. Counted as nodes are made, so that a giant literal (a vector of a million numbers)
    /// stops here instead of after gigabytes of node specs.
    /// </summary>
    public static readonly int MaxNodes = EntryLimits.Default.MaxDatoms / 4;

    /// <summary>
    /// Largest text one node may hold (a string literal, a quoted form, a docstring), in UTF-8
    /// bytes: the largest value a datom may hold (<see cref="EntryLimits.MaxValueBytes"/>, 64 KiB,
    /// what an index key holds), so that such a literal is an error at its line and not a refused
    /// log entry.
    /// </summary>
    public static readonly int MaxTextBytes = EntryLimits.Default.MaxValueBytes;

    private static readonly Keyword TagKey = Keyword.Intern(null, "tag");
    private static readonly Keyword ServiceKey = Keyword.Intern(null, "service");
    private static readonly Keyword TxFnKey = Keyword.Intern(null, "tx-fn");

    private readonly string _source;
    private readonly ICodeCatalog _catalog;
    private readonly List<NodeSpec> _nodes = [];
    private readonly Dictionary<string, NodeSpec> _sharedTypes = new(StringComparer.Ordinal);
    private readonly HashSet<string> _functions = new(StringComparer.Ordinal);
    private readonly HashSet<string> _records = new(StringComparer.Ordinal);

    // The field count of each record or type defined in this file, for ->R and map->R as values.
    private readonly Dictionary<string, int> _recordArity = new(StringComparer.Ordinal);
    private readonly HashSet<string> _defs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _aliases = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _refers = new(StringComparer.Ordinal);
    private string? _text;
    private bool _expanded;
    private string _ns = "";

    private Analyzer(string source, ICodeCatalog catalog)
    {
        _source = source;
        _catalog = catalog;
    }

    /// <exception cref="CodeException">The code is not valid Yin; the message has the line.</exception>
    /// <param name="siblings">
    /// Definitions of the same namespace that are not in <paramref name="forms"/> but may be referred
    /// to (when one definition of a namespace is loaded alone): function and record names.
    /// </param>
    public static LoadUnit Analyze(IReadOnlyList<Syntax> forms, string source, ICodeCatalog catalog, bool allowReserved = false,
        (IEnumerable<string> Functions, IEnumerable<string> Records)? siblings = null, string? text = null)
    {
        ArgumentNullException.ThrowIfNull(forms);
        var analyzer = new Analyzer(source, catalog) { _text = text };
        if (siblings is { } known)
        {
            analyzer._functions.UnionWith(known.Functions);
            analyzer._records.UnionWith(known.Records);
        }
        return analyzer.Run(forms, allowReserved);
    }

    private LoadUnit Run(IReadOnlyList<Syntax> forms, bool allowReserved)
    {
        if (forms.Count == 0)
            throw new CodeException(_source, 1, 0, "empty source: a file starts with (ns name)");
        var nsForm = forms[0];
        if (nsForm.Kind != SyntaxKind.List || nsForm.Items.Count == 0 || !nsForm.Items[0].IsSymbol("ns"))
            throw Error(nsForm, "a file starts with (ns name)");
        if (nsForm.Items.Count < 2 || nsForm.Items[1].Symbol is not { Namespace: null } nsName)
            throw Error(nsForm, "(ns name): the name is a symbol such as core or my.app");
        _ns = nsName.Name;
        if (!allowReserved && _ns is AstKeys.VmNamespace or AstKeys.PreludeNamespace)
            throw Error(nsForm, $"the namespace {_ns} is the VM's own");

        var nsNode = NewNode(AstKeys.Namespace(_ns), T.Namespace, nsForm, null).Add(AstSchema.Namespace, _ns);
        var clauses = nsForm.Items.Skip(2).ToList();
        if (clauses.Count > 0 && clauses[0].Edn is string nsDoc)
        {
            nsNode.Add(AstSchema.FnDoc, Text(clauses[0], "docstring", nsDoc));
            clauses.RemoveAt(0);
        }
        if (clauses.Count > 0 && clauses[0].Kind == SyntaxKind.Map)
            clauses.RemoveAt(0);
        foreach (var clause in clauses)
            NsClause(clause);
        foreach (var lib in _requires)
            nsNode.Add(AstSchema.NsRequire, lib);
        if (clauses.Count > 0)
            KeepSource(nsNode, nsForm);

        // First pass: the names this file defines, so that definitions may refer to later ones.
        var definitions = new List<string>();
        var defined = _defined;
        var top = new List<(Syntax Form, string Kind, string Name)>();
        var inits = 0;
        foreach (var form in forms.Skip(1))
        {
            foreach (var (kind, declared) in DefinitionNames(form))
            {
                var name = kind is "init" or "impls" ? InitName(inits++) : declared;
                if (kind == "declare")
                {
                    _functions.Add(name);
                    continue;
                }
                if (!defined.Add(name))
                    throw Error(form, $"{name} is defined twice in {_ns}");
                if (kind == "defrecord")
                    _records.Add(name);
                else if (kind == "def")
                    _defs.Add(name);
                if (kind is not ("defrecord" or "init" or "impls"))
                    _functions.Add(name);
                if (kind == "defmacro")
                    _macroNames.Add(name);
                definitions.Add(AstKeys.Definition(_ns, name));
                top.Add((form, kind, name));
            }
        }

        // Second pass, in source order: a macro is usable from the form after its defmacro, as in Clojure.
        var index = 0;
        foreach (var (form, kind, name) in top)
        {
            _expanded = false;
            var node = kind switch
            {
                "defrecord" => Record(form, index++),
                "def" => Def(form, index++),
                "init" => TopLevelForm(form, name, index++, defined, definitions),
                "defmacro" => Macro(form, index++),
                "protocol-method" => ProtocolMethod(form, name, index++),
                "impls" => Impls(form, name, index++),
                _ => Function(form, index++),
            };
            if (_expanded)
                KeepSource(node, form);
            _finished = _nodes.Count;
        }
        _nodes.AddRange(_sharedTypes.Values);
        return new LoadUnit(_ns, _source, _nodes, definitions);
    }

    /// <summary>
    /// The name of a file's <paramref name="n"/>th top-level expression: not a symbol (it has a
    /// space and parentheses), so no definition can take it.
    /// </summary>
    internal static string InitName(int n) => "(top-level " + I(n) + ")";

    private IEnumerable<(string Kind, string Name)> DefinitionNames(Syntax form)
    {
        var head = form.Kind == SyntaxKind.List && form.Items.Count > 0 ? form.Items[0].Symbol : null;
        var headName = head is { Namespace: null or "clojure.core" } ? head.Name : null;
        if (headName is "comment")
            yield break;
        if (headName is not ("defn" or "defn-" or "defrecord" or "def" or "declare" or "defmacro" or "defmulti" or "defonce" or "defprotocol" or "deftype"))
        {
            // Any other form is a top-level expression, run when a run of this namespace starts.
            yield return ("init", "");
            yield break;
        }
        if (headName == "declare")
        {
            foreach (var n in form.Items.Skip(1))
                yield return ("declare", n.Symbol is { Namespace: null } d ? d.Name : throw Error(n, "(declare name ...) takes names"));
            yield break;
        }
        if (form.Items.Count < 2 || form.Items[1].Symbol is not { Namespace: null } name)
            throw Error(form, $"({headName} name ...): the name is an unqualified symbol");
        if (name.Name.Contains('#', StringComparison.Ordinal))
            throw Error(form.Items[1], $"a name cannot contain '#': {name.Name}");
        if (headName is "defrecord" or "deftype" or "defprotocol")
        {
            foreach (var made in TypeDefinitionNames(headName, form, name.Name))
                yield return made;
            yield break;
        }
        yield return (headName switch { "defn-" => "defn", "defmulti" or "defonce" => "def", _ => headName }, name.Name);
    }

    /// <summary>
    /// Keeps the definition as written on its node, when the AST is an expansion the printer could
    /// not turn back into it: <c>code show</c>, <c>diff</c> and <c>blame</c> print this text.
    /// </summary>
    private void KeepSource(NodeSpec node, Syntax form)
    {
        if (_text is null || SourceText.Slice(_text, form.Line, form.Column) is not { } text)
            return;
        node.Set(AstSchema.Source, Value.String(Text(form, "definition", text)));
    }

    /// <summary>One clause of <c>ns</c>: <c>(:require ...)</c>; <c>:import</c>, <c>:refer-clojure</c> and <c>:gen-class</c> change nothing here.</summary>
    private void NsClause(Syntax clause)
    {
        if (clause.Kind != SyntaxKind.List || clause.Items.Count == 0 || clause.Items[0].Edn is not Keyword { Namespace: null } k)
            throw Error(clause, $"an ns clause is (:require ...), not {Describe(clause)}");
        if (k.Name is "import" or "refer-clojure" or "gen-class" or "use")
            return;
        if (k.Name != "require")
            throw Error(clause, $"unknown ns clause :{k.Name} (:require is what this VM reads)");
        foreach (var spec in clause.Items.Skip(1))
        {
            if (spec.Symbol is { Namespace: null } bare)
            {
                if (!Builtins.IsLibrary(bare.Name))
                    _requires.Add(bare.Name);
                continue;
            }
            if (spec.Kind != SyntaxKind.Vector || spec.Items.Count == 0 || spec.Items[0].Symbol is not { Namespace: null } lib)
                throw Error(spec, "(:require lib [lib :as alias :refer [names]] ...)");
            if (!Builtins.IsLibrary(lib.Name))
                _requires.Add(lib.Name);
            for (var i = 1; i + 1 < spec.Items.Count; i += 2)
            {
                var option = spec.Items[i].Edn as Keyword;
                var value = spec.Items[i + 1];
                switch (option?.Name)
                {
                    case "as" or "as-alias" when value.Symbol is { Namespace: null } alias:
                        _aliases[alias.Name] = lib.Name;
                        break;
                    case "refer" when value.Kind == SyntaxKind.Vector:
                        foreach (var n in value.Items)
                            _refers[n.Symbol is { Namespace: null } r ? r.Name : throw Error(n, ":refer takes a vector of names")] = lib.Name;
                        break;
                    case "refer" when value.Edn is Keyword { Name: "all" }:
                        // Clojure's own libraries are built in and reachable unqualified already.
                        if (!Builtins.IsLibrary(lib.Name))
                            throw Error(value, $":refer :all of {lib.Name}: name the functions (:refer [f g])");
                        break;
                    default:
                        throw Error(spec.Items[i], $"unknown :require option {spec.Items[i]} (:as and :refer are)");
                }
            }
        }
    }

    // ---- definitions ----

    private NodeSpec Record(Syntax form, int index)
    {
        var name = form.Items[1].Symbol!.Name;
        var key = AstKeys.Definition(_ns, name);
        if (form.Items.Count < 3 || form.Items[2].Kind != SyntaxKind.Vector)
            throw Error(form, $"(defrecord {name} [fields] Protocol (method [this] ...) ...): the vector of fields is missing");
        if (form.Items.Count > 3 || !form.Items[0].IsSymbol("defrecord"))
            _expanded = true; // protocol bodies, or a deftype: keep the text as written
        var record = NewNode(key, T.Record, form, index)
            .Add(AstSchema.Namespace, _ns)
            .Add(AstSchema.TypeName, name);
        if (form.Items[0].Symbol?.Name == "deftype")
            record.Add(AstSchema.TypeDeftype, Value.Boolean(true));
        var signature = new List<string>();
        var fields = form.Items[2].Items;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < fields.Count; i++)
        {
            var f = fields[i];
            if (f.Symbol is not { Namespace: null } fieldName)
                throw Error(f, $"a record field is a symbol, not {Describe(f)}");
            if (!seen.Add(fieldName.Name))
                throw Error(f, $"field {fieldName.Name} appears twice in {name}");
            var field = NewNode(AstKeys.Child(key, "f" + I(i)), T.Field, f, i).Add(AstSchema.FieldName, fieldName.Name);
            var type = TypeHint(f);
            if (type is not null)
                field.Add(AstSchema.FieldType, type);
            record.Add(AstSchema.TypeField, new NodeRef(field.Key));
            signature.Add(fieldName.Name + ":" + type?.Key);
        }
        record.RecordSignature = string.Join(",", signature);
        return record;
    }

    private NodeSpec Function(Syntax form, int index)
    {
        var nameSyntax = form.Items[1];
        var name = nameSyntax.Symbol!.Name;
        var key = AstKeys.Definition(_ns, name);
        var fn = NewNode(key, T.Function, form, index)
            .Add(AstSchema.Namespace, _ns)
            .Add(AstSchema.FnName, name);
        if (form.Items[0].IsSymbol("defn-") || Flag(nameSyntax, "private"))
        {
            fn.Add(AstSchema.FnPrivate, Value.Boolean(true));
            _expanded = true;
        }
        if (nameSyntax.Meta is { } meta)
        {
            if (meta.TryGetValue(ServiceKey, out var service) && service is true)
                fn.Add(AstSchema.FnService, Value.Boolean(true));
            if (meta.TryGetValue(TxFnKey, out var txFn) && txFn is true)
                fn.Add(AstSchema.FnTxFn, Value.Boolean(true));
            var returnType = TypeHint(nameSyntax);
            if (returnType is not null)
                fn.Add(AstSchema.FnReturnType, returnType);
        }
        var rest = 2;
        if (form.Items.Count > rest && form.Items[rest].Edn is string doc)
        {
            fn.Add(AstSchema.FnDoc, Text(form.Items[rest], "docstring", doc));
            rest++;
        }
        if (form.Items.Count > rest && form.Items[rest].Kind == SyntaxKind.Map)
        {
            rest++;
            _expanded = true;
        }
        Arities(fn, key, form, form.Items.Skip(rest).ToList(), null, null, name);
        return fn;
    }

    private static bool Flag(Syntax s, string name) =>
        s.Meta is { } meta && meta.TryGetValue(Keyword.Intern(null, name), out var v) && v is true;

    /// <summary>
    /// The arities of a <c>defn</c> or <c>fn</c>: <c>[params] body...</c>, or <c>([params] body...)+</c>
    /// (each becomes an <c>:ast.type/arity</c> node under <c>:fn/arity</c>).
    /// </summary>
    private void Arities(NodeSpec fn, string key, Syntax form, List<Syntax> rest, Scope? outer, string? self, string what)
    {
        if (rest.Count > 0 && rest[0].Kind == SyntaxKind.Vector)
        {
            Arity(fn, key, rest[0], rest.Skip(1).ToList(), outer, self, what);
            return;
        }
        if (rest.Count == 0 || rest.Any(r => r.Kind != SyntaxKind.List || r.Items.Count == 0 || r.Items[0].Kind != SyntaxKind.Vector))
            throw Error(form, $"({what} [params] body...) or ({what} ([params] body...) ...): the parameter vector is missing");
        _expanded = true;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < rest.Count; i++)
        {
            var a = rest[i];
            var arityKey = AstKeys.Child(key, "r" + I(i));
            var node = NewNode(arityKey, T.Arity, a, i);
            var shape = Arity(node, arityKey, a.Items[0], a.Items.Skip(1).ToList(), outer, self, what);
            if (!seen.Add(shape))
                throw Error(a, $"{what}: two arities take {shape} arguments");
            fn.Add(AstSchema.FnArity, new NodeRef(arityKey));
        }
        if (seen.Count(x => x.EndsWith('+')) > 1)
            throw Error(form, $"{what}: only one arity can be variadic");
    }

    /// <summary>One arity: its parameters (destructured ones through a fresh name and a let) and body. Returns its shape ("2" or "1+").</summary>
    private string Arity(NodeSpec fn, string key, Syntax vector, List<Syntax> body, Scope? outer, string? self, string what)
    {
        var names = new List<string>();
        var patterns = new List<Syntax>();
        var variadic = false;
        var items = vector.Items;
        var position = 0;
        for (var i = 0; i < items.Count; i++)
        {
            var p = items[i];
            if (p.IsSymbol("&"))
            {
                if (i + 2 != items.Count)
                    throw Error(p, $"{what}: & is followed by exactly one parameter");
                variadic = true;
                continue;
            }
            var param = p;
            if (p.Symbol is not { Namespace: null })
            {
                param = Gensym(p, "p");
                patterns.Add(p);
                patterns.Add(param);
                _expanded = true;
            }
            var pname = param.Symbol!.Name;
            if (names.Contains(pname))
                throw Error(p, $"{what}: parameter {pname} appears twice");
            names.Add(pname);
            var node = NewNode(AstKeys.Child(key, "p" + I(position)), T.Param, p, position).Add(AstSchema.ParamName, pname);
            var type = param == p ? TypeHint(p) : null;
            if (type is not null)
                node.Add(AstSchema.ParamType, type);
            fn.Add(AstSchema.FnParam, new NodeRef(node.Key));
            position++;
        }
        if (variadic)
        {
            fn.Add(AstSchema.FnVariadic, Value.Boolean(true));
            _expanded = true;
        }
        var scope = new Scope(outer, self is null ? names : [self, .. names]);
        if (patterns.Count > 0)
            body = [L(vector, [Sym(vector, "let"), V(vector, patterns), .. body])];
        var context = new Context(scope, new RecurTarget(names.Count, self is null ? "fn " + what : "fn " + self));
        Body(fn, key, body, context);
        return names.Count.ToString(CultureInfo.InvariantCulture) + (variadic ? "+" : "");
    }

    /// <summary><c>(def name value)</c>: a named value, computed once per run when first used.</summary>
    private NodeSpec Def(Syntax form, int index)
    {
        if (form.Items[0].Symbol!.Name == "defmulti")
            form = Defmulti(form);
        else if (form.Items[0].Symbol!.Name == "defprotocol")
            form = ProtocolDef(form);
        var nameSyntax = form.Items[1];
        var name = nameSyntax.Symbol!.Name;
        var key = AstKeys.Definition(_ns, name);
        _expanded = true;
        var node = NewNode(key, T.Def, form, index)
            .Add(AstSchema.Namespace, _ns)
            .Add(AstSchema.FnName, name);
        if (Flag(nameSyntax, "private"))
            node.Add(AstSchema.FnPrivate, Value.Boolean(true));
        var rest = form.Items.Skip(2).ToList();
        if (rest.Count == 2 && rest[0].Edn is string doc)
        {
            node.Add(AstSchema.FnDoc, Text(rest[0], "docstring", doc));
            rest.RemoveAt(0);
        }
        if (rest.Count > 1)
            throw Error(form, $"(def {name} value) takes one value, not {rest.Count}");
        Body(node, key, rest, new Context(new Scope(null, []), null));
        return node;
    }

    private NodeRef? TypeHint(Syntax s)
    {
        if (s.Meta is null || !s.Meta.TryGetValue(TagKey, out var tag))
            return null;
        var text = tag switch
        {
            Symbol sym => sym.ToString(),
            string str => str,
            _ => throw Error(s, "a type hint is a type name such as ^String or ^User"),
        };
        return ResolveType(text, s);
    }

    private NodeRef ResolveType(string text, Syntax at)
    {
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash > 0)
        {
            if (_catalog.RecordExists(text) || (text[..slash] == _ns && _records.Contains(text[(slash + 1)..])))
                return new NodeRef(text);
            throw Error(at, $"unknown type {text}");
        }
        if (_records.Contains(text))
            return new NodeRef(AstKeys.Definition(_ns, text));
        if (TypeNames.IsBuiltin(text))
            return SharedType(text);
        var found = _catalog.RecordsNamed(text);
        return found.Count switch
        {
            1 => new NodeRef(found[0]),
            0 => throw Error(at, $"unknown type {text}: not a record of {_ns} or a built-in type ({string.Join(", ", TypeNames.Builtin)})"),
            _ => throw Error(at, $"type {text} is ambiguous ({string.Join(", ", found)}): qualify it"),
        };
    }

    private NodeRef SharedType(string name)
    {
        var key = AstKeys.BuiltinType(name);
        if (!_sharedTypes.ContainsKey(key))
        {
            var node = new NodeSpec(key) { Shared = true };
            node.Add(AstSchema.Key, key).Add(AstSchema.Type, T.BuiltinType).Add(AstSchema.TypeName, name);
            _sharedTypes[key] = node;
        }
        return new NodeRef(key);
    }

    // ---- expressions ----

    private sealed class Scope(Scope? parent, IReadOnlyList<string> names)
    {
        public bool Contains(string name) => names.Contains(name) || (parent?.Contains(name) ?? false);

        public Scope With(string name) => new(this, [name]);

        /// <summary>Every name in scope, innermost first.</summary>
        public IEnumerable<string> Names() => names.Concat(parent?.Names() ?? []).Distinct(StringComparer.Ordinal);
    }

    private sealed record RecurTarget(int Arity, string What);

    /// <summary>Where an expression is: its scope, and the loop or fn a recur in tail position would go back to.</summary>
    private readonly record struct Context(Scope Scope, RecurTarget? Recur, bool Tail = true)
    {
        public Context NotTail => this with { Tail = false };
    }

    private void Body(NodeSpec owner, string ownerKey, List<Syntax> forms, Context context)
    {
        for (var i = 0; i < forms.Count; i++)
        {
            var child = Expr(forms[i], AstKeys.Child(ownerKey, "b" + I(i)), i, i == forms.Count - 1 ? context : context.NotTail);
            owner.Add(AstSchema.Body, child);
        }
    }

    private void Args(NodeSpec owner, string ownerKey, IReadOnlyList<Syntax> forms, int skip, Context context, bool lastIsTail = false)
    {
        for (var i = skip; i < forms.Count; i++)
        {
            var k = i - skip;
            var tail = lastIsTail && i == forms.Count - 1;
            owner.Add(AstSchema.Arg, Expr(forms[i], AstKeys.Child(ownerKey, "a" + I(k)), k, tail ? context : context.NotTail));
        }
    }

    private NodeRef Expr(Syntax s, string key, int? index, Context context)
    {
        if (!System.Runtime.CompilerServices.RuntimeHelpers.TryEnsureSufficientExecutionStack())
            throw Error(s, "code nests too deeply for the analyzer (after macro expansion) [:limit/depth]");
        if (s.Kind is SyntaxKind.Vector or SyntaxKind.Map or SyntaxKind.Set && s.Meta is { Count: > 0 } meta)
        {
            // ^{:k v} [..] is the collection with that metadata (the map is taken as written, unevaluated).
            var bare = new Syntax(s.Kind, s.Edn, s.Items, null, Pos(s));
            return Expr(Core(s, "with-meta", bare, Quote(s, Lit(s, meta))), key, index, context);
        }
        switch (s.Kind)
        {
            case SyntaxKind.Scalar:
                return Literal(s, key, index);
            case SyntaxKind.Symbol:
                return Variable(s, key, index, context);
            case SyntaxKind.Vector:
            {
                var node = NewNode(key, T.Vector, s, index);
                Args(node, key, s.Items, 0, context.NotTail);
                return new NodeRef(key);
            }
            case SyntaxKind.Map:
            {
                var node = NewNode(key, T.Map, s, index);
                Args(node, key, s.Items, 0, context.NotTail);
                return new NodeRef(key);
            }
            case SyntaxKind.Set:
            {
                var node = NewNode(key, T.Set, s, index);
                Args(node, key, s.Items, 0, context.NotTail);
                return new NodeRef(key);
            }
            default:
                return List(s, key, index, context);
        }
    }

    private NodeRef Literal(Syntax s, string key, int? index)
    {
        var node = NewNode(key, T.Literal, s, index);
        switch (s.Edn)
        {
            case null:
                break;
            case string str:
                node.Add(AstSchema.LiteralString, Text(s, "string literal", str));
                break;
            case char or RegexLiteral or BigInteger or RatioLiteral:
                // Characters and regexes have no literal attribute: they are stored as quoted EDN
                // (\a, #"re"), which the compiler reads back as the value. A bad regex fails here, at its line.
                if (s.Edn is RegexLiteral regex && Interop.RegexError(regex.Pattern) is { } why)
                    throw Error(s, $"invalid regex #\"{regex.Pattern}\": {why}");
                Unmake(node);
                NewNode(key, T.Quote, s, index).Add(AstSchema.QuoteEdn, Text(s, "literal", EdnWriter.Write(s.Edn)));
                break;
            case long n:
                node.Add(AstSchema.LiteralLong, n);
                break;
            case double d:
                node.Add(AstSchema.LiteralDouble, Value.Double(d));
                break;
            case bool b:
                node.Add(AstSchema.LiteralBoolean, Value.Boolean(b));
                break;
            case Keyword k:
                node.Add(AstSchema.LiteralKeyword, k);
                break;
            case decimal:
                throw Error(s, $"decimal literal {s} is not supported; use a double");
            default:
                // #inst, #uuid and tagged literals are data: keep them as quoted EDN.
                Unmake(node);
                var quoted = NewNode(key, T.Quote, s, index);
                quoted.Add(AstSchema.QuoteEdn, Text(s, "tagged literal", EdnWriter.Write(s.Edn)));
                break;
        }
        return new NodeRef(key);
    }

    private NodeRef Variable(Syntax s, string key, int? index, Context context)
    {
        var sym = s.Symbol!;
        var node = NewNode(key, T.Variable, s, index).Add(AstSchema.Name, sym.ToString());
        if (sym.Namespace is null && context.Scope.Contains(sym.Name))
            return new NodeRef(key);
        if (ResolveFunction(sym) is { } fn)
        {
            if (UserMacro(sym, s) is not null)
                throw Error(s, $"can't take the value of a macro: {sym}");
            node.Add(AstSchema.Function, fn);
            return new NodeRef(key);
        }
        if (Builtins.Canonical(Qualify(sym)) is { } builtin)
        {
            if (Interop.IsField(builtin))
            {
                // Integer/MAX_VALUE, Math/PI: a constant, read by calling its native.
                Unmake(node);
                NewNode(key, T.Call, s, index).Add(AstSchema.Name, sym.ToString()).Add(AstSchema.Builtin, builtin);
                return new NodeRef(key);
            }
            if (Builtins.IsSpecial(builtin))
                throw Error(s, $"{builtin} can only be called directly, not used as a value");
            node.Add(AstSchema.Builtin, builtin);
            return new NodeRef(key);
        }
        if (Classes.Resolve(sym) is { } className)
        {
            // A class name as a value (String, clojure.lang.PersistentVector): its full name as a symbol, what (class x) returns.
            Unmake(node);
            NewNode(key, T.Quote, s, index).Add(AstSchema.QuoteEdn, className);
            return new NodeRef(key);
        }
        if (sym.Namespace is null && RecordConstructorArity(sym.Name) is { } arity)
        {
            // ->R and map->R as values ((map ->Point xs ys)): a function that makes the record.
            Unmake(node);
            List<Syntax> ps = sym.Name.StartsWith("map->", StringComparison.Ordinal) ? [Gensym(s, "m")] : [.. Enumerable.Range(0, arity).Select(_ => Gensym(s, "f"))];
            return Expr(L(s, Sym(s, "fn"), V(s, ps), L(s, [s, .. ps])), key, index, context);
        }
        throw Error(s, Interop.Refusal(sym) ?? $"unknown symbol {sym}: not a local, a function of {_ns}, or a built-in");
    }

    /// <summary>For <c>->R</c> or <c>map->R</c> of a record defined in this file: the number of its fields.</summary>
    private int? RecordConstructorArity(string name)
    {
        var record = name.StartsWith("map->", StringComparison.Ordinal) ? name[5..] : name.StartsWith("->", StringComparison.Ordinal) ? name[2..] : null;
        return record is not null && _recordArity.TryGetValue(record, out var n) ? n : null;
    }

    /// <summary>A symbol with its namespace alias expanded, or its :refer'd namespace added.</summary>
    private Symbol Qualify(Symbol sym)
    {
        if (sym.Namespace is { } ns && _aliases.TryGetValue(ns, out var full))
            return Symbol.Intern(full, sym.Name);
        if (sym.Namespace is null && !_functions.Contains(sym.Name) && _refers.TryGetValue(sym.Name, out var from))
            return Symbol.Intern(from, sym.Name);
        return sym;
    }

    private NodeRef? ResolveFunction(Symbol sym)
    {
        sym = Qualify(sym);
        if (sym.Namespace is null)
            return _functions.Contains(sym.Name) ? new NodeRef(AstKeys.Definition(_ns, sym.Name)) : null;
        var key = AstKeys.Definition(sym.Namespace, sym.Name);
        if (sym.Namespace == _ns)
            return _functions.Contains(sym.Name) ? new NodeRef(key) : null;
        return _catalog.FunctionExists(key) ? new NodeRef(key) : null;
    }

    private NodeRef List(Syntax s, string key, int? index, Context context)
    {
        if (s.Items.Count == 0)
        {
            // () evaluates to the empty list, as in Clojure.
            NewNode(key, T.Quote, s, index).Add(AstSchema.QuoteEdn, "()");
            return new NodeRef(key);
        }
        var head = s.Items[0];
        if (head.Symbol is { } user && !(user.Namespace is null && context.Scope.Contains(user.Name)))
        {
            if (UserMacro(user, head) is { } macroKey)
                return ExpandUserCall(macroKey, s, key, index, context);
            if (Macroexpand(s, context) is { } quoted)
                return Expr(quoted, key, index, context);
        }
        if (head.Symbol is { } macro && !(macro.Namespace is null && (context.Scope.Contains(macro.Name) || _functions.Contains(macro.Name))) && Expand(s) is { } expanded)
        {
            _expanded = true;
            return Expr(expanded, key, index, context);
        }
        if (head.Symbol is { } special && special.Namespace is null or "clojure.core" && !(special.Namespace is null && context.Scope.Contains(special.Name)))
        {
            switch (special.Name)
            {
                case "if": return If(s, key, index, context);
                case "when": return When(s, key, index, context);
                case "cond": return Cond(s, key, index, context);
                case "do":
                {
                    var node = NewNode(key, T.Do, s, index);
                    Body(node, key, s.Items.Skip(1).ToList(), context);
                    return new NodeRef(key);
                }
                case "and" or "or":
                {
                    var node = NewNode(key, special.Name == "and" ? T.And : T.Or, s, index);
                    Args(node, key, s.Items, 1, context, lastIsTail: true);
                    return new NodeRef(key);
                }
                case "let": return Let(s, key, index, context, loop: false);
                case "loop": return Let(s, key, index, context, loop: true);
                case "recur": return Recur(s, key, index, context);
                case "fn" or "fn*": return Lambda(s, key, index, context);
                case "try": return Try(s, key, index, context);
                case "var":
                    if (s.Items.Count != 2 || s.Items[1].Symbol is null)
                        throw Error(s, "(var name) takes one name");
                    return Variable(s.Items[1], key, index, context);
                case "quote":
                {
                    if (s.Items.Count != 2)
                        throw Error(s, "(quote form) takes one form");
                    NewNode(key, T.Quote, s, index).Add(AstSchema.QuoteEdn, Text(s, "quoted form", EdnWriter.Write(s.Items[1].Edn)));
                    return new NodeRef(key);
                }
                case "defrecord" or "ns" or "def":
                    throw Error(s, $"{special.Name} is only allowed at the top level of a file");
                case "catch" or "finally":
                    throw Error(s, $"{special.Name} is only allowed at the end of a try");
                case "set!" when s.Items.Count == 3 && s.Items[1].Symbol is { Name: "*warn-on-reflection*" } flag && flag.Namespace is null or "clojure.core":
                    // Yin has no reflection to warn about: the flag is accepted and the form is its value, as set! returns.
                    return Expr(s.Items[2], key, index, context);
                case "binding":
                {
                    // (binding [*x* v ...] body): the defs take these values for the body's extent,
                    // seen by every function it calls (Clojure's dynamic vars); see binding*.
                    Need(s, s.Items.Count >= 2 && s.Items[1].Kind == SyntaxKind.Vector && s.Items[1].Items.Count % 2 == 0,
                        "(binding [var value ...] body...) takes a vector of names and values");
                    var pairs = new List<Syntax>();
                    for (var i = 0; i < s.Items[1].Items.Count; i += 2)
                    {
                        var bound = s.Items[1].Items[i];
                        Need(bound, bound.Symbol is not null && ResolveFunction(bound.Symbol) is not null && !(bound.Symbol.Namespace is null && context.Scope.Contains(bound.Symbol.Name)),
                            $"binding: {bound} is not a def of this program (only a def's value can be bound)");
                        pairs.Add(Core(bound, "def-ref*", bound));
                        pairs.Add(s.Items[1].Items[i + 1]);
                    }
                    return List(Core(s, "binding*", V(s.Items[1], pairs), L(s, [Sym(s, "fn"), V(s), .. s.Items.Skip(2)])), key, index, context);
                }
                case "set!" or "monitor-enter" or "monitor-exit":
                    throw Error(s, $"{special.Name} is not supported by this VM");
            }
        }

        if (head.Symbol is { Namespace: null } ctor && ctor.Name.Length > 1 && ctor.Name.EndsWith('.') && !context.Scope.Contains(ctor.Name)
            && (_records.Contains(ctor.Name[..^1]) || _catalog.RecordsNamed(ctor.Name[..^1]).Count > 0))
        {
            // (Rec. args) is (->Rec args).
            return List(L(s, [Sym(head, "->" + ctor.Name[..^1]), .. s.Items.Skip(1)]), key, index, context);
        }
        if (head.Symbol is { Namespace: null } field && field.Name.Length > 1 && field.Name[0] == '.' && s.Items.Count == 2
            && _fieldNames.Contains(field.Name[1..]) && Builtins.Canonical(field) is null)
        {
            // (.field record) reads a field of a record or type defined here.
            return List(Core(s, "field*", s.Items[1], Kw(head, field.Name[1..])), key, index, context);
        }
        var call = NewNode(key, T.Call, s, index);
        if (head.Symbol is { } name && !(name.Namespace is null && context.Scope.Contains(name.Name)))
        {
            // ->Name constructs the record Name, and map->Name makes one from a map (the compiler
            // knows its fields); ->, ->> and as-> are ordinary symbols.
            var prefix = name.Name.StartsWith("map->", StringComparison.Ordinal) ? "map->" : "->";
            if (name.Namespace is null && name.Name.StartsWith(prefix, StringComparison.Ordinal) && name.Name.Length > prefix.Length && ResolveFunction(name) is null
                && (_records.Contains(name.Name[prefix.Length..]) || _catalog.RecordsNamed(name.Name[prefix.Length..]).Count > 0))
            {
                Need(s, prefix == "->" || s.Items.Count == 2, $"({name.Name} m) takes one map");
                Unmake(call);
                var typeKey = ResolveType(name.Name[prefix.Length..], head);
                var node = NewNode(key, T.New, s, index).Add(AstSchema.Name, name.Name).Add(AstSchema.NewType, typeKey);
                if (typeKey.Key.StartsWith(AstKeys.VmNamespace + "/", StringComparison.Ordinal))
                    throw Error(head, $"{name.Name}: {name.Name[prefix.Length..]} is a built-in type, not a record");
                Args(node, key, s.Items, 1, context.NotTail);
                return new NodeRef(key);
            }
            call.Add(AstSchema.Name, name.ToString());
            if (ResolveFunction(name) is { } fn)
            {
                call.Add(AstSchema.Function, fn);
            }
            else if (Builtins.Canonical(Qualify(name)) is { } builtin)
            {
                call.Add(AstSchema.Builtin, builtin);
            }
            else
            {
                throw Error(head, Interop.Refusal(name) ?? $"unknown function {name}: not a local, a function of {_ns}, or a built-in");
            }
        }
        else
        {
            call.Add(AstSchema.Operator, Expr(head, AstKeys.Child(key, "o"), null, context.NotTail));
        }
        Args(call, key, s.Items, 1, context.NotTail);
        return new NodeRef(key);
    }

    private NodeRef If(Syntax s, string key, int? index, Context context)
    {
        if (s.Items.Count is not (3 or 4))
            throw Error(s, $"(if test then else?) takes 2 or 3 forms, not {s.Items.Count - 1}");
        var node = NewNode(key, T.If, s, index);
        node.Add(AstSchema.IfTest, Expr(s.Items[1], AstKeys.Child(key, "t"), null, context.NotTail));
        node.Add(AstSchema.IfThen, Expr(s.Items[2], AstKeys.Child(key, "h"), null, context));
        if (s.Items.Count == 4)
            node.Add(AstSchema.IfElse, Expr(s.Items[3], AstKeys.Child(key, "e"), null, context));
        return new NodeRef(key);
    }

    private NodeRef When(Syntax s, string key, int? index, Context context)
    {
        if (s.Items.Count < 2)
            throw Error(s, "(when test body...) needs a test");
        var node = NewNode(key, T.When, s, index);
        node.Add(AstSchema.IfTest, Expr(s.Items[1], AstKeys.Child(key, "t"), null, context.NotTail));
        Body(node, key, s.Items.Skip(2).ToList(), context);
        return new NodeRef(key);
    }

    private NodeRef Cond(Syntax s, string key, int? index, Context context)
    {
        if ((s.Items.Count - 1) % 2 != 0)
            throw Error(s, "(cond test expr ...) takes pairs of forms");
        var node = NewNode(key, T.Cond, s, index);
        for (var i = 1; i < s.Items.Count; i++)
        {
            var k = i - 1;
            var isExpr = k % 2 == 1;
            node.Add(AstSchema.Arg, Expr(s.Items[i], AstKeys.Child(key, "a" + I(k)), k, isExpr ? context : context.NotTail));
        }
        return new NodeRef(key);
    }

    private NodeRef Let(Syntax s, string key, int? index, Context context, bool loop)
    {
        var what = loop ? "loop" : "let";
        if (s.Items.Count < 2 || s.Items[1].Kind != SyntaxKind.Vector)
            throw Error(s, $"({what} [name value ...] body...) needs a binding vector");
        var bindings = s.Items[1].Items;
        if (bindings.Count % 2 != 0)
            throw Error(s.Items[1], $"{what} bindings come in pairs: name value");
        if (Enumerable.Range(0, bindings.Count / 2).Any(i => !IsPlain(bindings[i * 2])))
        {
            _expanded = true;
            if (!loop)
            {
                var flat = new List<Syntax>();
                for (var i = 0; i < bindings.Count; i += 2)
                    flat.AddRange(Destructure(bindings[i], bindings[i + 1]));
                return Let(L(s, [s.Items[0], V(s.Items[1], flat), .. s.Items.Skip(2)]), key, index, context, loop);
            }
            // (loop [[a b] x] ...) is (loop [g x] (let [[a b] g] ...)), as Clojure's loop expands.
            var plain = new List<Syntax>();
            var patterns = new List<Syntax>();
            for (var i = 0; i < bindings.Count; i += 2)
            {
                var name = IsPlain(bindings[i]) ? bindings[i] : Gensym(bindings[i], "loop");
                plain.Add(name);
                plain.Add(bindings[i + 1]);
                patterns.Add(bindings[i]);
                patterns.Add(name);
            }
            return Let(L(s, s.Items[0], V(s.Items[1], plain), L(s, [Sym(s, "let"), V(s, patterns), .. s.Items.Skip(2)])), key, index, context, loop);
        }
        var node = NewNode(key, loop ? T.Loop : T.Let, s, index);
        var scope = context.Scope;
        for (var i = 0; i < bindings.Count; i += 2)
        {
            var nameSyntax = bindings[i];
            if (nameSyntax.Symbol is not { Namespace: null } name)
                throw Error(nameSyntax, $"{what}: a binding name is a symbol (destructuring is not supported), not {Describe(nameSyntax)}");
            var bkey = AstKeys.Child(key, "n" + I(i / 2));
            var binding = NewNode(bkey, T.Binding, nameSyntax, i / 2).Add(AstSchema.BindingName, name.Name);
            binding.Add(AstSchema.BindingValue, Expr(bindings[i + 1], AstKeys.Child(bkey, "v"), null, new Context(scope, context.Recur, false)));
            node.Add(AstSchema.Binding, new NodeRef(bkey));
            scope = scope.With(name.Name);
        }
        var bodyContext = loop ? new Context(scope, new RecurTarget(bindings.Count / 2, $"loop at line {s.Line}")) : context with { Scope = scope };
        Body(node, key, s.Items.Skip(2).ToList(), bodyContext);
        return new NodeRef(key);
    }

    private NodeRef Recur(Syntax s, string key, int? index, Context context)
    {
        if (context.Recur is null)
            throw Error(s, "recur outside of a loop or fn");
        if (!context.Tail)
            throw Error(s, "recur can only be in tail position");
        var argc = s.Items.Count - 1;
        if (argc != context.Recur.Arity)
            throw Error(s, $"recur takes {context.Recur.Arity} argument(s) here ({context.Recur.What}), not {argc}");
        var node = NewNode(key, T.Recur, s, index);
        Args(node, key, s.Items, 1, context.NotTail);
        return new NodeRef(key);
    }

    private NodeRef Lambda(Syntax s, string key, int? index, Context context)
    {
        var rest = s.Items.Skip(1).ToList();
        string? self = null;
        if (rest.Count > 0 && rest[0].Symbol is { Namespace: null } name)
        {
            self = name.Name;
            rest.RemoveAt(0);
        }
        var node = NewNode(key, T.Lambda, s, index);
        if (self is not null)
            node.Add(AstSchema.FnName, self);
        Arities(node, key, s, rest, context.Scope, self, "fn");
        return new NodeRef(key);
    }

    /// <summary><c>(try body... (catch Class name body...)... (finally body...))</c>.</summary>
    private NodeRef Try(Syntax s, string key, int? index, Context context)
    {
        var node = NewNode(key, T.Try, s, index);
        var body = new List<Syntax>();
        var catches = new List<Syntax>();
        Syntax? fin = null;
        foreach (var form in s.Items.Skip(1))
        {
            var head = HeadName(form);
            if (head == "catch")
            {
                if (fin is not null)
                    throw Error(form, "catch comes before finally");
                if (form.Items.Count < 3 || form.Items[1].Symbol is null || form.Items[2].Symbol is not { Namespace: null })
                    throw Error(form, "(catch ExceptionClass name body...)");
                catches.Add(form);
            }
            else if (head == "finally")
            {
                if (fin is not null)
                    throw Error(form, "a try has one finally");
                fin = form;
            }
            else
            {
                if (catches.Count > 0 || fin is not null)
                    throw Error(form, "the body of a try comes before its catch and finally clauses");
                body.Add(form);
            }
        }
        // recur cannot cross a try (as in Clojure: the handler would be left behind).
        var inner = new Context(context.Scope, null, false);
        Body(node, key, body, inner);
        for (var i = 0; i < catches.Count; i++)
        {
            var c = catches[i];
            var ckey = AstKeys.Child(key, "c" + I(i));
            var local = c.Items[2].Symbol!.Name;
            var clause = NewNode(ckey, T.Catch, c, i)
                .Add(AstSchema.CatchClass, c.Items[1].Symbol!.ToString())
                .Add(AstSchema.BindingName, local);
            Body(clause, ckey, c.Items.Skip(3).ToList(), new Context(context.Scope.With(local), null, false));
            node.Add(AstSchema.TryCatch, new NodeRef(ckey));
        }
        if (fin is not null)
        {
            var fkey = AstKeys.Child(key, "f");
            var f = NewNode(fkey, T.Do, fin, null);
            Body(f, fkey, fin.Items.Skip(1).ToList(), new Context(context.Scope, null, false));
            node.Add(AstSchema.TryFinally, new NodeRef(fkey));
        }
        return new NodeRef(key);
    }

    // ---- helpers ----

    private NodeSpec NewNode(string key, Keyword type, Syntax at, int? index)
    {
        if (_nodes.Count >= MaxNodes)
        {
            throw Error(at, string.Create(CultureInfo.InvariantCulture,
                $"code too large: {_source} makes more than {MaxNodes} AST nodes (here, in {AstKeys.DefinitionOf(key)}), more than one log entry of {EntryLimits.Default.MaxDatoms} datoms holds; split it into several namespaces"));
        }
        var node = new NodeSpec(key);
        node.Add(AstSchema.Key, key)
            .Add(AstSchema.Type, type)
            .Add(AstSchema.Location, _source)
            .Add(AstSchema.Line, at.Line);
        if (index is not null)
            node.Add(AstSchema.Index, index.Value);
        _nodes.Add(node);
        return node;
    }

    /// <summary>
    /// Takes back the node just made, to make another in its place: the last in the list, so this
    /// is O(1) (a search from the front made 25,000 tagged literals quadratic).
    /// </summary>
    private void Unmake(NodeSpec node)
    {
        if (_nodes.Count == 0 || !ReferenceEquals(_nodes[^1], node))
            throw new InvalidOperationException("only the node made last can be taken back");
        _nodes.RemoveAt(_nodes.Count - 1);
    }

    /// <summary><paramref name="text"/>, if one datom can hold it.</summary>
    private string Text(Syntax at, string what, string text)
    {
        // A UTF-16 unit is at most three UTF-8 bytes, so only a string longer than a third of the limit needs counting.
        if (text.Length > MaxTextBytes / 3 && Encoding.UTF8.GetByteCount(text) is var bytes && bytes > MaxTextBytes)
        {
            throw Error(at, string.Create(CultureInfo.InvariantCulture,
                $"literal too large: a {what} of {bytes} bytes (UTF-8), more than the {MaxTextBytes} one datom may hold"));
        }
        return text;
    }

    private CodeException Error(Syntax at, string reason) => new(_source, at.Line, at.Column, reason);

    private static string I(int i) => i.ToString(CultureInfo.InvariantCulture);

    private static string Describe(Syntax s) => s.Kind switch
    {
        SyntaxKind.List => "a list",
        SyntaxKind.Vector => "a vector",
        SyntaxKind.Map => "a map",
        SyntaxKind.Set => "a set",
        _ => s.ToString(),
    };
}

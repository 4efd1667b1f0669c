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
}

/// <summary>A catalog with nothing in it: for code that must stand alone (the prelude).</summary>
internal sealed class EmptyCatalog : ICodeCatalog
{
    public static readonly EmptyCatalog Instance = new();

    public bool FunctionExists(string key) => false;

    public bool RecordExists(string key) => false;

    public IReadOnlyList<string> RecordsNamed(string name) => [];
}

/// <summary>
/// Turns the forms of one source file into AST node specs in the vocabulary of
/// <see cref="AstSchema"/>. The surface is Clojure's spelling: <c>(ns core)</c>,
/// <c>(defrecord User [^String name])</c>, <c>(defn ^Result f [^User u] ...)</c>, <c>fn</c>,
/// <c>let</c>, <c>if</c>, <c>when</c>, <c>cond</c>, <c>do</c>, <c>and</c>, <c>or</c>,
/// <c>loop</c>/<c>recur</c>, <c>quote</c>, vectors, maps, sets and literals. Symbols are resolved
/// here, as Clojure's compiler does: an unknown one is an error at load, with its line.
/// </summary>
internal sealed class Analyzer
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

    private readonly string _source;
    private readonly ICodeCatalog _catalog;
    private readonly List<NodeSpec> _nodes = [];
    private readonly Dictionary<string, NodeSpec> _sharedTypes = new(StringComparer.Ordinal);
    private readonly HashSet<string> _functions = new(StringComparer.Ordinal);
    private readonly HashSet<string> _records = new(StringComparer.Ordinal);
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
        (IEnumerable<string> Functions, IEnumerable<string> Records)? siblings = null)
    {
        ArgumentNullException.ThrowIfNull(forms);
        var analyzer = new Analyzer(source, catalog);
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
        if (nsForm.Items.Count > 3 || (nsForm.Items.Count == 3 && nsForm.Items[2].Edn is not string))
            throw Error(nsForm, "(ns name \"docstring\") is all this VM reads of ns; :require and :import are not supported");
        _ns = nsName.Name;
        if (!allowReserved && _ns is AstKeys.VmNamespace or AstKeys.PreludeNamespace)
            throw Error(nsForm, $"the namespace {_ns} is the VM's own");

        var nsNode = NewNode(AstKeys.Namespace(_ns), T.Namespace, nsForm, null).Add(AstSchema.Namespace, _ns);
        if (nsForm.Items.Count == 3)
            nsNode.Add(AstSchema.FnDoc, Text(nsForm.Items[2], "docstring", (string)nsForm.Items[2].Edn!));

        // First pass: the names this file defines, so that definitions may refer to later ones.
        var definitions = new List<string>();
        var defined = new HashSet<string>(StringComparer.Ordinal);
        foreach (var form in forms.Skip(1))
        {
            var (kind, name) = DefinitionName(form);
            if (!defined.Add(name))
                throw Error(form, $"{name} is defined twice in {_ns}");
            (kind == "defn" ? _functions : _records).Add(name);
            definitions.Add(AstKeys.Definition(_ns, name));
        }

        var index = 0;
        foreach (var form in forms.Skip(1))
        {
            if (form.Items[0].IsSymbol("defn"))
                Function(form, index++);
            else
                Record(form, index++);
        }
        _nodes.AddRange(_sharedTypes.Values);
        return new LoadUnit(_ns, _source, _nodes, definitions);
    }

    private (string Kind, string Name) DefinitionName(Syntax form)
    {
        if (form.Kind != SyntaxKind.List || form.Items.Count == 0 || form.Items[0].Symbol is not { Namespace: null } head || head.Name is not ("defn" or "defrecord"))
            throw Error(form, $"a top-level form is (defn ...) or (defrecord ...), not {Describe(form)}");
        if (form.Items.Count < 2 || form.Items[1].Symbol is not { Namespace: null } name)
            throw Error(form, $"({head.Name} name ...): the name is an unqualified symbol");
        if (name.Name.Contains('#', StringComparison.Ordinal))
            throw Error(form.Items[1], $"a name cannot contain '#': {name.Name}");
        return (head.Name, name.Name);
    }

    // ---- definitions ----

    private void Record(Syntax form, int index)
    {
        var name = form.Items[1].Symbol!.Name;
        var key = AstKeys.Definition(_ns, name);
        if (form.Items.Count != 3 || form.Items[2].Kind != SyntaxKind.Vector)
            throw Error(form, $"(defrecord {name} [fields]): one vector of fields, and no protocols");
        var record = NewNode(key, T.Record, form, index)
            .Add(AstSchema.Namespace, _ns)
            .Add(AstSchema.TypeName, name);
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
    }

    private void Function(Syntax form, int index)
    {
        var nameSyntax = form.Items[1];
        var name = nameSyntax.Symbol!.Name;
        var key = AstKeys.Definition(_ns, name);
        var fn = NewNode(key, T.Function, form, index)
            .Add(AstSchema.Namespace, _ns)
            .Add(AstSchema.FnName, name);
        if (nameSyntax.Meta is { } meta)
        {
            if (meta.TryGetValue(ServiceKey, out var service) && service is true)
                fn.Add(AstSchema.FnService, Value.Boolean(true));
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
        if (form.Items.Count > rest && form.Items[rest].Kind == SyntaxKind.List)
            throw Error(form.Items[rest], $"{name}: multi-arity defn is not supported; define one function per arity");
        if (form.Items.Count <= rest || form.Items[rest].Kind != SyntaxKind.Vector)
            throw Error(form, $"(defn {name} [params] body...): the parameter vector is missing");
        var scope = Params(form.Items[rest], key, fn, null, name);
        var body = form.Items.Skip(rest + 1).ToList();
        var context = new Context(scope, new RecurTarget(form.Items[rest].Items.Count, "fn " + name));
        Body(fn, key, body, context);
    }

    private Scope Params(Syntax vector, string owner, NodeSpec fn, Scope? outer, string what)
    {
        var names = new List<string>();
        for (var i = 0; i < vector.Items.Count; i++)
        {
            var p = vector.Items[i];
            if (p.IsSymbol("&"))
                throw Error(p, $"{what}: variadic parameters (&) are not supported");
            if (p.Symbol is not { Namespace: null } pname)
                throw Error(p, $"{what}: a parameter is a symbol (destructuring is not supported), not {Describe(p)}");
            if (names.Contains(pname.Name))
                throw Error(p, $"{what}: parameter {pname.Name} appears twice");
            names.Add(pname.Name);
            var param = NewNode(AstKeys.Child(owner, "p" + I(i)), T.Param, p, i).Add(AstSchema.ParamName, pname.Name);
            var type = TypeHint(p);
            if (type is not null)
                param.Add(AstSchema.ParamType, type);
            fn.Add(AstSchema.FnParam, new NodeRef(param.Key));
        }
        return new Scope(outer, names);
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
            case char or RegexLiteral:
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
            case BigInteger:
                throw Error(s, $"integer literal {s} does not fit in 64 bits");
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
            node.Add(AstSchema.Function, fn);
            return new NodeRef(key);
        }
        if (Builtins.Canonical(sym) is { } builtin)
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
        throw Error(s, Interop.Refusal(sym) ?? $"unknown symbol {sym}: not a local, a function of {_ns}, or a built-in");
    }

    private NodeRef? ResolveFunction(Symbol sym)
    {
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
            throw Error(s, "() is not an expression; an empty vector is []");
        var head = s.Items[0];
        if (head.Symbol is { Namespace: null } special && !context.Scope.Contains(special.Name))
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
                case "fn": return Lambda(s, key, index, context);
                case "quote":
                {
                    if (s.Items.Count != 2)
                        throw Error(s, "(quote form) takes one form");
                    NewNode(key, T.Quote, s, index).Add(AstSchema.QuoteEdn, Text(s, "quoted form", EdnWriter.Write(s.Items[1].Edn)));
                    return new NodeRef(key);
                }
                case "defn" or "defrecord" or "ns" or "def":
                    throw Error(s, $"{special.Name} is only allowed at the top level of a file");
                case "try" or "catch" or "letfn" or "binding" or "set!" or "var" or "new" or ".":
                    throw Error(s, $"{special.Name} is not supported by this VM");
            }
        }

        var call = NewNode(key, T.Call, s, index);
        if (head.Symbol is { } name && !(name.Namespace is null && context.Scope.Contains(name.Name)))
        {
            // ->Name constructs the record Name; ->, ->> and as-> are ordinary symbols.
            if (name.Namespace is null && name.Name.StartsWith("->", StringComparison.Ordinal) && name.Name.Length > 2 && ResolveFunction(name) is null
                && (_records.Contains(name.Name[2..]) || _catalog.RecordsNamed(name.Name[2..]).Count > 0))
            {
                Unmake(call);
                var typeKey = ResolveType(name.Name[2..], head);
                var node = NewNode(key, T.New, s, index).Add(AstSchema.Name, name.Name).Add(AstSchema.NewType, typeKey);
                if (typeKey.Key.StartsWith(AstKeys.VmNamespace + "/", StringComparison.Ordinal))
                    throw Error(head, $"{name.Name}: {name.Name[2..]} is a built-in type, not a record");
                Args(node, key, s.Items, 1, context.NotTail);
                return new NodeRef(key);
            }
            call.Add(AstSchema.Name, name.ToString());
            if (ResolveFunction(name) is { } fn)
            {
                call.Add(AstSchema.Function, fn);
            }
            else if (Builtins.Canonical(name) is { } builtin)
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
        if (s.Items.Count < 2 || s.Items[1].Kind != SyntaxKind.Vector)
            throw Error(s, s.Items.Count >= 2 && s.Items[1].Kind == SyntaxKind.Symbol
                ? "(fn name [params] ...): named fn expressions are not supported; use (fn [params] ...)"
                : "(fn [params] body...) needs a parameter vector");
        var node = NewNode(key, T.Lambda, s, index);
        var scope = Params(s.Items[1], key, node, context.Scope, "fn");
        Body(node, key, s.Items.Skip(2).ToList(), new Context(scope, new RecurTarget(s.Items[1].Items.Count, $"fn at line {s.Line}")));
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

using Datom.Index;
using Datom.Index.Query;
using Datom.Index.Schema;
using Datom.Log.Edn;
using ValueType = Datom.Log.Model.ValueType;

namespace Datom.Vm.Ast;

/// <summary>
/// The vocabulary of code as datoms: DESIGN.md's table ("Code as datoms") and what the language
/// needs beyond it, in the same style. Every attribute is an ordinary DaoDB attribute, so programs
/// are queryable with the same Datalog as any other data.
/// </summary>
/// <remarks>
/// Identity: every node carries <c>:ast/key</c> (<c>:db.unique/identity</c>), derived from the
/// namespace, the top-level definition and the node's path inside it (<see cref="AstKeys"/>). A
/// reload therefore upserts onto the same entities, and the loader can diff the new tree against
/// the stored one key by key. Child roles (<c>:ast/body</c>, <c>:ast/arg</c>, ...) are components:
/// a node's subtree belongs to it; references to other definitions (<c>:ast/function</c>,
/// <c>:param/type</c>, ...) are not.
/// </remarks>
internal static class AstSchema
{
    public static readonly Keyword Key = K("ast/key");
    public static readonly Keyword Type = K("ast/type");
    public static readonly Keyword Namespace = K("ast/namespace");
    public static readonly Keyword Location = K("ast/location");
    public static readonly Keyword Line = K("ast/line");
    public static readonly Keyword Index = K("ast/index");
    public static readonly Keyword Name = K("ast/name");
    public static readonly Keyword Body = K("ast/body");
    public static readonly Keyword Arg = K("ast/arg");
    public static readonly Keyword Binding = K("ast/binding");
    public static readonly Keyword Operator = K("ast/operator");
    public static readonly Keyword Function = K("ast/function");
    public static readonly Keyword Builtin = K("ast/builtin");

    public static readonly Keyword FnName = K("fn/name");
    public static readonly Keyword FnParam = K("fn/param");
    public static readonly Keyword FnReturnType = K("fn/return-type");
    public static readonly Keyword FnDoc = K("fn/doc");
    public static readonly Keyword FnService = K("fn/service");
    public static readonly Keyword FnTxFn = K("fn/tx-fn");
    public static readonly Keyword ParamName = K("param/name");
    public static readonly Keyword ParamType = K("param/type");

    public static readonly Keyword TypeName = K("type/name");
    public static readonly Keyword TypeDefinedAt = K("type/defined-at");
    public static readonly Keyword TypeField = K("type/field");
    public static readonly Keyword FieldName = K("field/name");
    public static readonly Keyword FieldType = K("field/type");

    public static readonly Keyword BindingName = K("binding/name");
    public static readonly Keyword BindingValue = K("binding/value");
    public static readonly Keyword IfTest = K("if/test");
    public static readonly Keyword IfThen = K("if/then");
    public static readonly Keyword IfElse = K("if/else");
    public static readonly Keyword LiteralString = K("literal/string");
    public static readonly Keyword LiteralLong = K("literal/long");
    public static readonly Keyword LiteralDouble = K("literal/double");
    public static readonly Keyword LiteralBoolean = K("literal/boolean");
    public static readonly Keyword LiteralKeyword = K("literal/keyword");
    public static readonly Keyword QuoteEdn = K("quote/edn");
    public static readonly Keyword NewType = K("new/type");
    public static readonly Keyword Source = K("ast/source");
    public static readonly Keyword FnArity = K("fn/arity");
    public static readonly Keyword FnVariadic = K("fn/variadic");
    public static readonly Keyword FnPrivate = K("fn/private");
    public static readonly Keyword DefInit = K("def/init");
    public static readonly Keyword FnMacro = K("fn/macro");
    public static readonly Keyword Macro = K("ast/macro");
    public static readonly Keyword TypeDeftype = K("type/deftype");
    public static readonly Keyword NsRequire = K("ns/require");
    public static readonly Keyword TryCatch = K("try/catch");
    public static readonly Keyword TryFinally = K("try/finally");
    public static readonly Keyword CatchClass = K("catch/class");

    public static readonly Keyword ContinuationCapturedAt = K("continuation/captured-at");
    public static readonly Keyword ContinuationValue = K("continuation/value");
    public static readonly Keyword ContinuationStack = K("continuation/stack");
    public static readonly Keyword ContinuationFrame = K("continuation/frame");
    public static readonly Keyword ContinuationEntry = K("continuation/entry");
    public static readonly Keyword FrameIndex = K("frame/index");
    public static readonly Keyword FrameFunction = K("frame/function");
    public static readonly Keyword FrameBuiltin = K("frame/builtin");
    public static readonly Keyword FrameLambda = K("frame/lambda");
    public static readonly Keyword FramePc = K("frame/pc");
    public static readonly Keyword FrameBase = K("frame/base");
    public static readonly Keyword FrameResult = K("frame/result");
    public static readonly Keyword FrameCaptures = K("frame/captures");
    public static readonly Keyword FrameDigest = K("frame/digest");

    /// <summary>Every attribute the VM defines, with its schema.</summary>
    public static readonly IReadOnlyList<AttributeSchema> Attributes =
    [
        A(Key, ValueType.String, unique: Uniqueness.Identity, doc: "Stable identity of a code node: namespace, definition and path inside it."),
        A(Type, ValueType.Keyword, doc: "The kind of node: :ast.type/function, :ast.type/call, ..."),
        A(Namespace, ValueType.String, doc: "The namespace of a top-level definition."),
        A(Location, ValueType.String, doc: "The source a node was read from."),
        A(Line, ValueType.Long, doc: "The line a node was read from (1-based)."),
        A(Index, ValueType.Long, doc: "A node's position among its siblings in the same role."),
        A(Name, ValueType.String, doc: "The symbol as written: a variable, or the head of a call."),
        A(Body, ValueType.Ref, many: true, component: true, doc: "Body expressions, ordered by :ast/index."),
        A(Arg, ValueType.Ref, many: true, component: true, doc: "Operands, ordered by :ast/index: call arguments, collection elements, cond clauses."),
        A(Binding, ValueType.Ref, many: true, component: true, doc: "let and loop bindings, ordered by :ast/index."),
        A(Operator, ValueType.Ref, component: true, doc: "The expression called, when a call's head is not a name."),
        A(Function, ValueType.Ref, doc: "The named function a call (or variable) refers to."),
        A(Builtin, ValueType.String, doc: "The VM built-in a call (or variable) refers to."),
        A(FnName, ValueType.String, doc: "A function's name."),
        A(FnParam, ValueType.Ref, many: true, component: true, doc: "A function's parameters, ordered by :ast/index."),
        A(FnReturnType, ValueType.Ref, doc: "A function's declared return type."),
        A(FnDoc, ValueType.String, doc: "A function's docstring."),
        A(FnService, ValueType.Boolean, doc: "Marked ^:service: every daemon runs it and keeps it running."),
        A(FnTxFn, ValueType.Boolean, doc: "Marked ^:tx-fn: a transaction function, called as [:ns/name args…] in tx-data on the transacting node."),
        A(ParamName, ValueType.String, doc: "A parameter's name."),
        A(ParamType, ValueType.Ref, doc: "A parameter's declared type."),
        A(TypeName, ValueType.String, doc: "A type's name."),
        A(TypeDefinedAt, ValueType.Instant, doc: "When the type was (re)defined."),
        A(TypeField, ValueType.Ref, many: true, component: true, doc: "A record's fields, ordered by :ast/index."),
        A(FieldName, ValueType.String, doc: "A record field's name."),
        A(FieldType, ValueType.Ref, doc: "A record field's declared type."),
        A(BindingName, ValueType.String, doc: "The name a binding introduces."),
        A(BindingValue, ValueType.Ref, component: true, doc: "The expression a binding's name is bound to."),
        A(IfTest, ValueType.Ref, component: true, doc: "The condition of if and when."),
        A(IfThen, ValueType.Ref, component: true, doc: "The branch taken when the condition is truthy."),
        A(IfElse, ValueType.Ref, component: true, doc: "The branch taken otherwise."),
        A(LiteralString, ValueType.String, doc: "A string literal's value."),
        A(LiteralLong, ValueType.Long, doc: "An integer literal's value."),
        A(LiteralDouble, ValueType.Double, doc: "A floating-point literal's value."),
        A(LiteralBoolean, ValueType.Boolean, doc: "true or false."),
        A(LiteralKeyword, ValueType.Keyword, doc: "A keyword literal's value. A literal with no value is nil."),
        A(QuoteEdn, ValueType.String, doc: "The quoted form, as EDN text."),
        A(NewType, ValueType.Ref, doc: "The record type a ->Type call constructs."),
        A(Source, ValueType.String, doc: "A top-level definition as written, when the AST is a macro expansion of it: what code show prints."),
        A(FnArity, ValueType.Ref, many: true, component: true, doc: "A multi-arity function's arities (:ast.type/arity nodes, each with params and body), ordered by :ast/index."),
        A(FnVariadic, ValueType.Boolean, doc: "The last parameter takes the rest of the arguments (& rest)."),
        A(FnPrivate, ValueType.Boolean, doc: "Defined with defn- or ^:private."),
        A(DefInit, ValueType.Boolean, doc: "A top-level expression (not a definition), run in source order when a run of its namespace starts."),
        A(NsRequire, ValueType.String, many: true, doc: "On a namespace: a namespace it requires (not one of Clojure's built-in libraries), whose top-level expressions run before its own."),
        A(TypeDeftype, ValueType.Boolean, doc: "A type made by deftype: its instances are not maps."),
        A(Macro, ValueType.Ref, doc: "On the root node of a macro call's expansion: the user macro (defmacro) it came from."),
        A(FnMacro, ValueType.Boolean, doc: "A function defined with defmacro: called by the analyzer at load on the forms of its call sites."),
        A(TryCatch, ValueType.Ref, many: true, component: true, doc: "A try's catch clauses, ordered by :ast/index."),
        A(TryFinally, ValueType.Ref, component: true, doc: "A try's finally body (a :ast.type/do)."),
        A(CatchClass, ValueType.String, doc: "The exception class a catch clause catches (Exception, ExceptionInfo, ...)."),
        A(ContinuationCapturedAt, ValueType.Instant, doc: "When the continuation was captured."),
        A(ContinuationValue, ValueType.String, doc: "The value the program suspended with, as EDN."),
        A(ContinuationStack, ValueType.String, doc: "The machine's value stack, as an EDN vector."),
        A(ContinuationFrame, ValueType.Ref, many: true, component: true, doc: "The frames, outermost first by :frame/index."),
        A(ContinuationEntry, ValueType.String, doc: "The function the run started in (namespace/name)."),
        A(FrameIndex, ValueType.Long, doc: "A frame's depth: 0 is the outermost."),
        A(FrameFunction, ValueType.Ref, doc: "The function whose code the frame runs."),
        A(FrameBuiltin, ValueType.String, doc: "The prelude function whose code the frame runs."),
        A(FrameLambda, ValueType.String, doc: "The path of the fn expression inside the function, when the frame runs a closure."),
        A(FramePc, ValueType.Long, doc: "Where in the prepared code the frame resumes."),
        A(FrameBase, ValueType.Long, doc: "Where the frame's locals begin on the value stack."),
        A(FrameResult, ValueType.Long, doc: "Where the frame's caller expects its result."),
        A(FrameCaptures, ValueType.String, doc: "A closure frame's captured values, as an EDN vector."),
        A(FrameDigest, ValueType.String, doc: "Digest of the code the frame was running, to resume in the same code."),
    ];

    /// <summary>The attributes whose datoms are code (the continuation attributes are not).</summary>
    public static readonly IReadOnlySet<string> CodeAttributeNames = Attributes
        .Where(a => a.Ident.Namespace is not ("continuation" or "frame"))
        .Select(a => a.Ident.Namespace + "/" + a.Ident.Name)
        .ToHashSet(StringComparer.Ordinal);

    private static readonly Dictionary<Keyword, AttributeSchema> ByIdent = Attributes.ToDictionary(a => a.Ident);

    public static AttributeSchema? Attribute(Keyword ident) => ByIdent.GetValueOrDefault(ident);

    /// <summary>The node types (values of <c>:ast/type</c>).</summary>
    public static class Types
    {
        public static readonly Keyword Namespace = T("namespace");
        public static readonly Keyword Function = T("function");
        public static readonly Keyword Record = T("record");
        public static readonly Keyword BuiltinType = T("type");
        public static readonly Keyword Param = T("param");
        public static readonly Keyword Field = T("field");
        public static readonly Keyword Call = T("call");
        public static readonly Keyword Lambda = T("lambda");
        public static readonly Keyword Literal = T("literal");
        public static readonly Keyword Variable = T("variable");
        public static readonly Keyword If = T("if");
        public static readonly Keyword When = T("when");
        public static readonly Keyword Cond = T("cond");
        public static readonly Keyword And = T("and");
        public static readonly Keyword Or = T("or");
        public static readonly Keyword Let = T("let");
        public static readonly Keyword Loop = T("loop");
        public static readonly Keyword Recur = T("recur");
        public static readonly Keyword Binding = T("binding");
        public static readonly Keyword Do = T("do");
        public static readonly Keyword Vector = T("vector");
        public static readonly Keyword Map = T("map");
        public static readonly Keyword Set = T("set");
        public static readonly Keyword Quote = T("quote");
        public static readonly Keyword New = T("new");
        public static readonly Keyword Def = T("def");
        public static readonly Keyword Arity = T("arity");
        public static readonly Keyword Try = T("try");
        public static readonly Keyword Catch = T("catch");

        private static Keyword T(string name) => Keyword.Intern("ast.type", name);
    }

    /// <summary>
    /// Transacts the attributes this database lacks, in one transaction, and nothing when it has
    /// them all (so opening the VM twice writes nothing). Attributes must exist before a
    /// transaction can use them, hence a transaction of their own.
    /// </summary>
    public static async Task EnsureAsync(DaoDb db, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        var missing = Missing(db.Current());
        if (missing.Count == 0)
            return;
        var forms = new List<object?>();
        foreach (var a in missing)
        {
            var map = new List<object?>
            {
                K("db/ident"), a.Ident,
                K("db/valueType"), Keyword.Intern("db.type", a.Type.ToString().ToLowerInvariant()),
                K("db/cardinality"), Keyword.Intern("db.cardinality", a.Many ? "many" : "one"),
            };
            if (a.Unique == Uniqueness.Identity)
                map.AddRange([K("db/unique"), Keyword.Intern("db.unique", "identity")]);
            if (a.IsComponent)
                map.AddRange([K("db/isComponent"), true]);
            if (a.Doc is not null)
                map.AddRange([K("db/doc"), a.Doc]);
            forms.Add(EdnMap.Of([.. map]));
        }
        forms.Add(EdnVector.Of(K("db/add"), "datomic.tx", K("tx/reason"), "Yin.VM schema"));
        await db.TransactAsync(new EdnVector(forms), cancellationToken).ConfigureAwait(false);
    }

    public static List<AttributeSchema> Missing(IDatomView view) => [.. Attributes.Where(a => view.Attribute(a.Ident) is null)];

    private static AttributeSchema A(Keyword ident, ValueType type, bool many = false, Uniqueness unique = Uniqueness.None, bool component = false, string? doc = null) =>
        new(ident, type, many, unique, component, doc);

    private static Keyword K(string text) => Keyword.Parse(text);
}

using Datom.Index;
using Datom.Index.Query;
using Datom.Log.Edn;
using Datom.Log.Model;
using Datom.Vm.Ast;
using Datom.Vm.Loading;
using Datom.Vm.Machine;
using Datom.Vm.Printing;
using Datom.Vm.Reading;

namespace Datom.Vm.Repl;

/// <summary>
/// Evaluates REPL forms against a node's DaoDB, the one rule for <c>datom repl</c> and the nREPL
/// server:
/// <list type="bullet">
/// <item>a definition (<c>def</c>, <c>defn</c>, <c>defn-</c>, <c>defmacro</c>, <c>defrecord</c>) is
/// loaded through <see cref="CodeLoader.LoadDefinitionAsync"/>, as <c>datom code edit</c> loads one:
/// only its changed AST datoms are transacted, with <c>:tx/reason "repl"</c>, so it reaches every
/// peer; a load of a whole buffer goes through <see cref="CodeLoader.LoadAsync"/> as
/// <c>datom code load</c> does;</item>
/// <item><c>(ns x ...)</c> and <c>(in-ns 'x)</c> change the session's namespace (an <c>ns</c> form
/// that is new or changed is stored, with the rest of the namespace as it is);</item>
/// <item><c>(doc f)</c> and <c>(source f)</c> print from the datoms;</item>
/// <item>any other form is analysed in memory as the body of a function of the session's
/// namespace, with <c>*1 *2 *3 *e</c> as its parameters, and run on Yin under the caller's limits.
/// Nothing of it is transacted.</item>
/// </list>
/// </summary>
public sealed class ReplEvaluator(YinVm vm, DaoDb db) : IDisposable
{
    /// <summary>The <c>:tx/reason</c> of what the REPL transacts.</summary>
    public const string Reason = "repl";

    /// <summary>The name of the function a REPL expression is analysed into (never stored).</summary>
    internal const string EvalName = "__datom_repl_eval__";

    private static readonly EdnReaderOptions Clojure = new() { ClojureSyntax = true, SourceName = "<repl>", MaxDepth = SourceReader.MaxDepth };

    private readonly CodeLoader _loader = new(db);

    public YinVm Vm => vm;

    public DaoDb Database => db;

    /// <summary>Evaluates one form (as <see cref="ReplForms.Split"/> gives it); null for a form that reads as nothing (<c>#_x</c>).</summary>
    /// <param name="source">The file the form comes from (an editor's buffer), or <c>&lt;repl&gt;</c>.</param>
    public async Task<ReplOutcome?> EvalAsync(ReplSession session, SourceForm form, string source, RunOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(source);
        object? edn;
        try
        {
            var read = EdnReader.ReadAll(form.Text, Clojure);
            if (read.Count == 0)
                return null;
            edn = read[0];
        }
        catch (EdnException e)
        {
            return Fail(session, new CodeException(source, form.Line + e.Line - 1, e.Line == 1 ? form.Column + e.Column - 1 : e.Column, "syntax error: " + e.Reason));
        }
        try
        {
            var head = edn is EdnList { Count: > 0 } list && list[0] is Symbol { Namespace: null or "clojure.core" } s ? s.Name : null;
            var items = edn as EdnList;
            switch (head)
            {
                case "ns":
                    return await NsAsync(session, items!, form, source, cancellationToken).ConfigureAwait(false);
                case "in-ns":
                    return InNs(session, items!, source, form);
                case "doc" or "source":
                    return Describe(session, head, items!, source, form, options.Output ?? Console.Out);
                case "def" or "defn" or "defn-" or "defmacro" or "defrecord" or "defmulti" or "defprotocol" or "deftype":
                    return await DefineAsync(session, items!, form, source, cancellationToken).ConfigureAwait(false);
                case "defmethod" or "extend-type" or "extend-protocol":
                    return await AppendAsync(session, form, source, cancellationToken).ConfigureAwait(false);
                case "comment":
                    return Printed(session, Val.Nil);
                default:
                    return Expression(session, form, source, options);
            }
        }
        catch (CodeException e)
        {
            return Fail(session, e);
        }
    }

    /// <summary>
    /// Loads a whole buffer as <c>datom code load</c> does: only what differs from the stored
    /// namespace is transacted, with <c>:tx/reason "repl"</c>. The session moves to its namespace.
    /// </summary>
    /// <exception cref="CodeException">The buffer is not valid Yin; nothing is transacted.</exception>
    public async Task<LoadResult> LoadFileAsync(ReplSession session, string text, string source, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        var result = await _loader.LoadAsync(text, source, Reason, cancellationToken).ConfigureAwait(false);
        session.Namespace = result.Namespace;
        return result;
    }

    /// <summary>The outcome of a failed load (for <c>load-file</c>), recorded as <c>*e</c>.</summary>
    public static ReplOutcome Failure(ReplSession session, CodeException e) => Fail(session, e);

    private async Task<ReplOutcome> NsAsync(ReplSession session, EdnList form, SourceForm text, string source, CancellationToken cancellationToken)
    {
        if (form.Count < 2 || form[1] is not Symbol { Namespace: null } name)
            throw new CodeException(source, text.Line, text.Column, "(ns name): the name is a symbol such as core or my.app");
        var view = db.Current();
        var nsNode = new AstReader(view).Lookup(AstKeys.Namespace(name.Name));
        if (nsNode is null || !nsNode.Is(AstSchema.Types.Namespace))
        {
            await _loader.LoadAsync(text.Text, source, Reason, cancellationToken).ConfigureAwait(false);
        }
        else if (NsText(nsNode, name.Name) != text.Text)
        {
            // The namespace as stored, with this ns form in place of its own: loading it changes the
            // namespace node and nothing else (load, print, load is a round trip).
            var printed = AstPrinter.PrintNamespace(view, name.Name);
            var split = ReplForms.Split(printed);
            var rest = split.Forms.Count > 1 ? printed[(IndexOf(printed, split.Forms[1]))..] : "";
            await _loader.LoadAsync(text.Text + "\n\n" + rest, nsNode.Location, Reason, cancellationToken).ConfigureAwait(false);
        }
        session.Namespace = name.Name;
        return Printed(session, Val.Nil);
    }

    private static int IndexOf(string text, SourceForm form)
    {
        var offset = 0;
        for (var line = 1; line < form.Line; line++)
            offset = text.IndexOf('\n', offset) + 1;
        return offset + form.Column - 1;
    }

    private static ReplOutcome InNs(ReplSession session, EdnList form, string source, SourceForm text)
    {
        var name = form.Count == 2 && form[1] is EdnList { Count: 2 } q && q[0] is Symbol { Name: "quote" } && q[1] is Symbol { Namespace: null } n ? n.Name : null;
        session.Namespace = name ?? throw new CodeException(source, text.Line, text.Column, "(in-ns 'name): the name is a quoted symbol");
        return new ReplOutcome("#namespace[" + name + "]", null, session.Namespace);
    }

    private ReplOutcome Describe(ReplSession session, string what, EdnList form, string source, SourceForm text, TextWriter output)
    {
        if (form.Count != 2 || form[1] is not Symbol sym)
            throw new CodeException(source, text.Line, text.Column, $"({what} name): the name is a symbol");
        var view = db.Current();
        var info = ReplInfo.Lookup(view, session.Namespace, sym.ToString());
        if (info is not null)
            output.Write(what == "doc" ? info.DocText() : info.Source);
        else if (what == "source")
            output.WriteLine("Source not found");
        output.Flush();
        return Printed(session, Val.Nil);
    }

    private async Task<ReplOutcome> DefineAsync(ReplSession session, EdnList form, SourceForm text, string source, CancellationToken cancellationToken)
    {
        if (form.Count < 2 || form[1] is not Symbol { Namespace: null } name)
            throw new CodeException(source, text.Line, text.Column, $"({((Symbol)form[0]!).Name} name ...): the name is an unqualified symbol");
        var ns = session.Namespace;
        var nsNode = new AstReader(db.Current()).Lookup(AstKeys.Namespace(ns));
        if (nsNode is null || !nsNode.Is(AstSchema.Types.Namespace))
            await _loader.LoadAsync("(ns " + ns + ")", source, Reason, cancellationToken).ConfigureAwait(false);
        var key = AstKeys.Definition(ns, name.Name);
        await _loader.LoadDefinitionAsync(text.Text, key, Reason, cancellationToken).ConfigureAwait(false);
        var value = Val.Symbol(Symbol.Intern(ns, name.Name));
        session.Push(value);
        return new ReplOutcome("#'" + key, null, ns);
    }

    /// <summary>
    /// A form that names no definition of its own (<c>defmethod</c>, <c>extend-type</c>,
    /// <c>extend-protocol</c>): stored as a top-level form of the namespace, as in a file, by
    /// loading the namespace as stored with the form after it (only the new form is transacted).
    /// </summary>
    private async Task<ReplOutcome> AppendAsync(ReplSession session, SourceForm text, string source, CancellationToken cancellationToken)
    {
        var ns = session.Namespace;
        var view = db.Current();
        var nsNode = new AstReader(view).Lookup(AstKeys.Namespace(ns));
        if (nsNode is null || !nsNode.Is(AstSchema.Types.Namespace))
        {
            await _loader.LoadAsync("(ns " + ns + ")\n\n" + text.Text, source, Reason, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            var printed = AstPrinter.PrintNamespace(view, ns);
            await _loader.LoadAsync(printed.TrimEnd() + "\n\n" + text.Text + "\n", nsNode.Location ?? source, Reason, cancellationToken).ConfigureAwait(false);
        }
        return Printed(session, Val.Nil);
    }

    private ReplOutcome Expression(ReplSession session, SourceForm form, string source, RunOptions options)
    {
        var ns = session.Namespace;
        var view = db.Current();
        var reader = new AstReader(view);
        var nsNode = reader.Lookup(AstKeys.Namespace(ns));
        var nsText = nsNode is not null && nsNode.Is(AstSchema.Types.Namespace) ? CodeLoader.NsLine(nsNode, ns) : "(ns " + ns + ")";

        // The form keeps its own line: the ns form (on one line) comes first, then blank lines down
        // to the form's line, or, for a form on line 1, the same line.
        var header = $"(defn {EvalName} [*1 *2 *3 *e] ";
        var before = form.Line == 1 ? nsText + " " + header : header;
        var text = nsText + (form.Line == 1 ? " " : new string('\n', form.Line - 1)) + header + form.Text + "\n)";
        IReadOnlyList<Syntax> forms;
        LoadUnit unit;
        try
        {
            forms = SourceReader.Read(text, source);
            var siblings = view.Match(null, AstSchema.Namespace, Value.String(ns)).Select(d => reader.Node(d.E))
                .Where(n => n is not null && !n.Is(AstSchema.Types.Namespace)).Select(n => n!).ToList();
            var known = (siblings.Where(n => n.Is(AstSchema.Types.Function) || n.Is(AstSchema.Types.Def)).Select(n => n.Str(AstSchema.FnName)!),
                siblings.Where(n => n.Is(AstSchema.Types.Record)).Select(n => n.Str(AstSchema.TypeName)!));
            unit = Analyzer.Analyze(forms, source, new CodeLoader.ViewCatalog(view), siblings: known, text: text);
        }
        catch (CodeException e) when (e.Line == form.Line && e.Column > before.Length)
        {
            throw new CodeException(e.SourceName, e.Line, e.Column - before.Length + form.Column - 1, e.Reason);
        }
        var key = AstKeys.Definition(ns, EvalName);
        var nodes = unit.Nodes.Where(n => n.Key != AstKeys.Namespace(ns) && !(n.Shared && reader.Lookup(n.Key) is not null));
        var memory = new MemoryDatomView(nodes, k => reader.Lookup(k)?.Id);
        var overlay = new OverlayView(memory, view);
        var entity = memory.Lookup(key) ?? throw new InvalidOperationException("the REPL form's function is missing from its own view");
        var overlayReader = new AstReader(overlay);
        RunResult result;
        try
        {
            var prepared = Compiler.CompileFunction(overlayReader, overlayReader.Node(entity)!, new FunctionCell(vm.Code, key, entity, null), vm.Code);
            result = vm.RunPrepared(prepared, [session.Value1, session.Value2, session.Value3, session.LastError], options, key);
        }
        catch (YinException e)
        {
            result = new RunResult(RunStatus.Failed, Val.Nil, e.Error, null, 0, TimeSpan.Zero);
        }
        return result.Status switch
        {
            RunStatus.Finished => Printed(session, result.RawValue),
            RunStatus.Failed => Fail(session, result.Error!),
            _ => Fail(session, new YinError(Kinds.Type, "(suspend) at the REPL: a REPL form cannot be suspended; call it from a stored function with 'datom code run'", Val.Nil)),
        };
    }

    private static string NsText(AstNode nsNode, string ns) => nsNode.Str(AstSchema.Source) ?? "(ns " + ns + ")";

    private static ReplOutcome Printed(ReplSession session, Val value)
    {
        string printed;
        try
        {
            printed = ValPrinter.Edn(value);
        }
        catch (YinException e)
        {
            return Fail(session, e.Error);
        }
        session.Push(value);
        return new ReplOutcome(printed, null, session.Namespace);
    }

    private static ReplOutcome Fail(ReplSession session, YinError error)
    {
        session.LastError = Val.Object(error);
        var cls = error.ClassName == "ExceptionInfo" ? "clojure.lang.ExceptionInfo" : "java.lang." + error.ClassName;
        // The form's own function is the REPL's, not the user's: it shows as ns/eval, as Clojure names its REPL forms.
        return new ReplOutcome(null, new ReplError(cls, error.Message, error.Describe().Replace(EvalName, "eval", StringComparison.Ordinal)), session.Namespace);
    }

    private static ReplOutcome Fail(ReplSession session, CodeException e)
    {
        var error = new YinError(Keyword.Intern("error", "code"), e.Message, Val.Nil, "CompilerException");
        session.LastError = Val.Object(error);
        return new ReplOutcome(null, new ReplError("clojure.lang.Compiler$CompilerException", e.Message, e.Message), session.Namespace);
    }

    public void Dispose() => _loader.Dispose();
}

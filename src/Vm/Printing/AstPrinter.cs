using System.Text;
using Datom.Index.Query;
using Datom.Log.Edn;
using Datom.Log.Model;
using Datom.Vm.Ast;
using T = Datom.Vm.Ast.AstSchema.Types;

namespace Datom.Vm.Printing;

/// <summary>
/// Turns AST datoms back into source. Each node is printed on the line its <c>:ast/line</c> names
/// (the printer starts a new line, indented under its parent, whenever a node's line is below the
/// current one), so reading the printout back gives every node its line again: a load, print,
/// load round trip gives the same datoms. Comments are not datoms and do not come back.
/// </summary>
public static class AstPrinter
{
    /// <summary>Prints <c>ns</c> (the whole namespace) or <c>ns/name</c> (one definition).</summary>
    /// <exception cref="KeyNotFoundException">Nothing of that name is in the view.</exception>
    public static string Print(IDatomView view, string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.Contains('/', StringComparison.Ordinal) ? PrintDefinition(view, name) : PrintNamespace(view, name);
    }

    public static string PrintNamespace(IDatomView view, string ns) => PrintNamespaceWithRanges(view, ns).Text;

    /// <summary>
    /// Prints a namespace, and says which lines (1-based, inclusive) each definition took. A
    /// definition whose stored first line is already taken (the one before it grew in an edit of
    /// that definition alone) is moved down, whole, to leave one blank line after it.
    /// </summary>
    public static (string Text, IReadOnlyDictionary<string, (int First, int Last)> Ranges) PrintNamespaceWithRanges(IDatomView view, string ns)
    {
        var reader = new AstReader(view);
        var nsNode = reader.Lookup(AstKeys.Namespace(ns));
        if (nsNode is null || !nsNode.Is(T.Namespace))
            throw new KeyNotFoundException($"no namespace {ns} is loaded");
        var definitions = view.Match(null, AstSchema.Namespace, Value.String(ns))
            .Select(d => reader.Node(d.E))
            .Where(n => n is not null && !n.Is(T.Namespace) && n.Str(AstSchema.Source) is not "")
            .Select(n => n!)
            .OrderBy(n => n.Index).ThenBy(n => n.Line)
            .ToList();
        var printer = new Printer(reader, ns, 1);
        printer.Namespace(nsNode);
        var ranges = new Dictionary<string, (int, int)>(StringComparer.Ordinal);
        foreach (var d in definitions)
        {
            printer.Shift = d.Line <= printer.Line ? printer.Line + 2 - d.Line : 0;
            printer.TopLevel(d);
            ranges[d.Key ?? d.Id.ToString()] = (d.Line + printer.Shift, printer.Line);
        }
        return (printer.Text(), ranges);
    }

    public static string PrintDefinition(IDatomView view, string key)
    {
        var reader = new AstReader(view);
        var node = reader.Lookup(key);
        if (node is null || !(node.Is(T.Function) || node.Is(T.Record) || node.Is(T.Def)))
            throw new KeyNotFoundException($"no function, def or record {key} is loaded");
        var printer = new Printer(reader, node.Str(AstSchema.Namespace) ?? "", node.Line);
        printer.TopLevel(node);
        return printer.Text();
    }

    private sealed class Printer(AstReader reader, string ns, int firstLine)
    {
        private readonly StringBuilder _sb = new();
        private int _line = firstLine;
        private int _column;
        private int _nesting;

        /// <summary>Lines added to every stored line (see <see cref="PrintNamespaceWithRanges"/>).</summary>
        public int Shift { get; set; }

        /// <summary>The line being written.</summary>
        public int Line => _line;

        public string Text() => _sb.Append('\n').ToString();

        public void Namespace(AstNode node)
        {
            Place(node.Line, 0);
            if (node.Str(AstSchema.Source) is { } nsSource)
            {
                Verbatim(nsSource);
                return;
            }
            Write("(ns " + ns);
            if (node.Str(AstSchema.FnDoc) is { } doc)
                Write(" " + EdnWriter.Write(doc));
            Write(")");
        }

        public void TopLevel(AstNode node)
        {
            Place(node.Line, 0);
            // A definition the analyzer expanded (macros, destructuring, def, multi-arity) keeps
            // the text it was written as, which is what reads back to the same datoms.
            if (node.Str(AstSchema.Source) is { } source)
            {
                Verbatim(source);
                return;
            }
            if (node.Is(T.Function))
            {
                Function(node);
            }
            else if (node.Is(T.Def) && node.Flag(AstSchema.DefInit))
            {
                // A top-level expression loaded without its text: the expression itself.
                foreach (var child in reader.Children(node, AstSchema.Body))
                    Expr(child);
            }
            else if (node.Is(T.Def))
            {
                var open = _column;
                Write("(def " + (node.Str(AstSchema.FnName) ?? "?"));
                Body(node, open + 2);
                Write(")");
            }
            else
            {
                Record(node);
            }
        }

        private void Function(AstNode fn)
        {
            var open = _column;
            Write("(defn ");
            if (fn.Flag(AstSchema.FnService))
                Write("^:service ");
            if (fn.Flag(AstSchema.FnTxFn))
                Write("^:tx-fn ");
            if (fn.Ref(AstSchema.FnReturnType) is { } rt)
                Write("^" + TypeName(rt) + " ");
            Write(fn.Str(AstSchema.FnName) ?? "?");
            if (fn.Str(AstSchema.FnDoc) is { } doc)
                Write(" " + EdnWriter.Write(doc));
            Params(fn, open + 2);
            Body(fn, open + 2);
            Write(")");
        }

        private void Record(AstNode record)
        {
            var open = _column;
            Write("(defrecord " + (record.Str(AstSchema.TypeName) ?? "?") + " [");
            var first = true;
            foreach (var f in reader.Children(record, AstSchema.TypeField))
            {
                Place(f.Line, open + 2, first);
                first = false;
                if (f.Ref(AstSchema.FieldType) is { } t)
                    Write("^" + TypeName(t) + " ");
                Write(f.Str(AstSchema.FieldName) ?? "?");
            }
            Write("])");
        }

        private void Params(AstNode fn, int indent)
        {
            Write(" [");
            var first = true;
            foreach (var p in reader.Children(fn, AstSchema.FnParam))
            {
                Place(p.Line, indent, first);
                first = false;
                if (p.Ref(AstSchema.ParamType) is { } t)
                    Write("^" + TypeName(t) + " ");
                Write(p.Str(AstSchema.ParamName) ?? "?");
            }
            Write("]");
        }

        private void Body(AstNode node, int indent)
        {
            foreach (var child in reader.Children(node, AstSchema.Body))
                Child(child, indent);
        }

        private void Args(AstNode node, int indent, bool first = false)
        {
            foreach (var child in reader.Children(node, AstSchema.Arg))
            {
                Child(child, indent, first);
                first = false;
            }
        }

        private void Child(AstNode node, int indent, bool first = false)
        {
            Place(node.Line, indent, first);
            Expr(node);
        }

        private void Expr(AstNode node)
        {
            if (++_nesting > Machine.Compiler.MaxNesting)
                throw new InvalidOperationException($"{node.Key}: expressions nest more than {Machine.Compiler.MaxNesting} deep (or the AST has a cycle)");
            try
            {
                ExprAt(node);
            }
            finally
            {
                _nesting--;
            }
        }

        private void ExprAt(AstNode node)
        {
            var open = _column;
            var indent = open + 2;
            var type = node.Type;
            if (type == T.Literal)
            {
                Write(Literal(node));
            }
            else if (type == T.Variable)
            {
                Write(node.Str(AstSchema.Name) ?? "?");
            }
            else if (type == T.Quote)
            {
                // A character, regex or BigInt literal is stored quoted; it is printed as it was written.
                var quoted = node.Str(AstSchema.QuoteEdn) ?? "nil";
                var bare = quoted.StartsWith('\\') || quoted.StartsWith("#\"", StringComparison.Ordinal) || char.IsAsciiDigit(quoted[0]) || (quoted.Length > 1 && quoted[0] == '-' && char.IsAsciiDigit(quoted[1]));
                Write(bare ? quoted : "(quote " + quoted + ")");
            }
            else if (type == T.Call || type == T.New)
            {
                Write("(");
                if (node.Str(AstSchema.Name) is { } name)
                    Write(name);
                else if (reader.Child(node, AstSchema.Operator) is { } op)
                    Expr(op);
                Args(node, indent);
                Write(")");
            }
            else if (type == T.If || type == T.When)
            {
                Write(type == T.If ? "(if" : "(when");
                Optional(reader.Child(node, AstSchema.IfTest), indent);
                if (type == T.If)
                {
                    Optional(reader.Child(node, AstSchema.IfThen), indent);
                    Optional(reader.Child(node, AstSchema.IfElse), indent);
                }
                else
                {
                    Body(node, indent);
                }
                Write(")");
            }
            else if (type == T.Cond || type == T.And || type == T.Or || type == T.Recur)
            {
                Write("(" + type!.Name);
                Args(node, indent);
                Write(")");
            }
            else if (type == T.Do)
            {
                Write("(do");
                Body(node, indent);
                Write(")");
            }
            else if (type == T.Let || type == T.Loop)
            {
                Write("(" + type!.Name + " [");
                var first = true;
                foreach (var b in reader.Children(node, AstSchema.Binding))
                {
                    Place(b.Line, open + 6, first);
                    first = false;
                    Write(b.Str(AstSchema.BindingName) ?? "?");
                    Optional(reader.Child(b, AstSchema.BindingValue), open + 8);
                }
                Write("]");
                Body(node, indent);
                Write(")");
            }
            else if (type == T.Lambda)
            {
                Write("(fn");
                Params(node, indent);
                Body(node, indent);
                Write(")");
            }
            else if (type == T.Vector || type == T.Map || type == T.Set)
            {
                var (o, c) = type == T.Vector ? ("[", "]") : type == T.Map ? ("{", "}") : ("#{", "}");
                Write(o);
                Args(node, open + o.Length, first: true);
                Write(c);
            }
            else
            {
                Write("#_unknown-node");
            }
        }

        private void Optional(AstNode? node, int indent)
        {
            if (node is not null)
                Child(node, indent);
        }

        private static string Literal(AstNode node)
        {
            if (node.One(AstSchema.LiteralString) is { } s)
                return EdnWriter.Write(s.AsString);
            if (node.One(AstSchema.LiteralLong) is { } l)
                return EdnWriter.Write(l.AsLong);
            if (node.One(AstSchema.LiteralDouble) is { } d)
                return EdnWriter.Write(d.AsDouble);
            if (node.One(AstSchema.LiteralBoolean) is { } b)
                return b.AsBoolean ? "true" : "false";
            if (node.One(AstSchema.LiteralKeyword) is { } k)
                return ":" + k.AsString;
            return "nil";
        }

        private string TypeName(EntityId type)
        {
            var key = reader.Node(type)?.Key ?? "?";
            var slash = key.IndexOf('/', StringComparison.Ordinal);
            if (slash < 0)
                return key;
            var owner = key[..slash];
            return owner == AstKeys.VmNamespace || owner == ns ? key[(slash + 1)..] : key;
        }

        /// <summary>Moves to <paramref name="line"/> (indenting) if it is below the current line; otherwise separates with a space.</summary>
        private void Place(int line, int indent, bool first = false)
        {
            line += Shift;
            if (line > _line)
            {
                while (_line < line)
                {
                    _sb.Append('\n');
                    _line++;
                }
                _sb.Append(' ', indent);
                _column = indent;
                return;
            }
            if (_sb.Length > 0 && !first && _column > 0)
                Write(" ");
        }

        /// <summary>Text as written, lines and all: the lines it spans are the lines its nodes are on.</summary>
        private void Verbatim(string text)
        {
            var lines = text.Split('\n');
            for (var i = 0; i < lines.Length; i++)
            {
                if (i > 0)
                {
                    _sb.Append('\n');
                    _line++;
                    _column = 0;
                }
                Write(lines[i].TrimEnd('\r'));
            }
        }

        private void Write(string text)
        {
            _sb.Append(text);
            _column += text.Length;
        }
    }
}

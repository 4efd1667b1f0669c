using System.Text;
using Datom.Index.Query;
using Datom.Log.Edn;
using Datom.Log.Model;
using Datom.Vm.Ast;
using Datom.Vm.Machine;
using Datom.Vm.Printing;

namespace Datom.Vm.Repl;

/// <summary>
/// What the REPL and an editor learn about a name, read from the AST datoms: <c>doc</c>,
/// <c>source</c>, nREPL's <c>lookup</c>/<c>info</c>/<c>eldoc</c>, and <c>completions</c>.
/// </summary>
public sealed record ReplInfo(string Namespace, string Name, string? Doc, IReadOnlyList<string> Arglists, string? File, int Line, string Source, string Type)
{
    private static readonly EdnReaderOptions Clojure = new() { ClojureSyntax = true, SourceName = "<datoms>" };

    /// <summary>What <c>(doc f)</c> prints, as <c>clojure.repl/doc</c> lays it out.</summary>
    public string DocText()
    {
        var sb = new StringBuilder("-------------------------\n").Append(Namespace).Append('/').Append(Name).Append('\n');
        if (Arglists.Count > 0)
            sb.Append('(').AppendJoin(' ', Arglists).Append(")\n");
        if (Type == "macro")
            sb.Append("Macro\n");
        if (Doc is not null)
            sb.Append("  ").Append(Doc).Append('\n');
        return sb.ToString();
    }

    /// <summary>
    /// The definition a symbol names, seen from <paramref name="ns"/>: <c>f</c> (a definition of
    /// <paramref name="ns"/>, else a built-in), or <c>other.ns/f</c> (an alias of the namespace's
    /// <c>:require</c> is expanded). Null when nothing of that name exists.
    /// </summary>
    public static ReplInfo? Lookup(IDatomView view, string ns, string symbol)
    {
        ArgumentNullException.ThrowIfNull(view);
        ArgumentNullException.ThrowIfNull(symbol);
        var reader = new AstReader(view);
        var slash = symbol.IndexOf('/', StringComparison.Ordinal);
        string key;
        if (slash > 0 && slash < symbol.Length - 1)
        {
            var prefix = symbol[..slash];
            key = AstKeys.Definition(Aliases(reader, ns).GetValueOrDefault(prefix, prefix), symbol[(slash + 1)..]);
        }
        else
        {
            key = AstKeys.Definition(ns, symbol);
        }
        var node = reader.Lookup(key);
        if (node is not null && (node.Is(AstSchema.Types.Function) || node.Is(AstSchema.Types.Def) || node.Is(AstSchema.Types.Record)))
            return FromNode(view, node, key);
        var bare = slash > 0 ? (symbol[..slash] == "clojure.core" ? symbol[(slash + 1)..] : null) : symbol;
        if (bare is not null && (Natives.Find(bare) is not null || Prelude.Names.Contains(bare)))
            return new ReplInfo("clojure.core", bare, null, [], null, 0, "", "function");
        return null;
    }

    /// <summary>Names that begin with <paramref name="prefix"/>, seen from <paramref name="ns"/>: its own definitions, <c>ns/name</c> of every stored namespace, and the built-ins.</summary>
    public static IReadOnlyList<(string Candidate, string Namespace, string Type)> Complete(IDatomView view, string ns, string prefix)
    {
        ArgumentNullException.ThrowIfNull(view);
        ArgumentNullException.ThrowIfNull(prefix);
        var reader = new AstReader(view);
        var result = new SortedDictionary<string, (string, string)>(StringComparer.Ordinal);
        var slash = prefix.IndexOf('/', StringComparison.Ordinal);
        if (slash > 0)
        {
            var alias = prefix[..slash];
            var target = Aliases(reader, ns).GetValueOrDefault(alias, alias);
            foreach (var (name, type) in Definitions(reader, target))
            {
                if ((alias + "/" + name).StartsWith(prefix, StringComparison.Ordinal))
                    result[alias + "/" + name] = (target, type);
            }
            return [.. result.Select(kv => (kv.Key, kv.Value.Item1, kv.Value.Item2))];
        }
        foreach (var (name, type) in Definitions(reader, ns))
        {
            if (name.StartsWith(prefix, StringComparison.Ordinal))
                result[name] = (ns, type);
        }
        foreach (var name in Natives.All.Select(n => n.Name).Concat(Prelude.Names))
        {
            if (name.StartsWith(prefix, StringComparison.Ordinal) && !name.Contains('/', StringComparison.Ordinal))
                result.TryAdd(name, ("clojure.core", "function"));
        }
        foreach (var other in view.Match(null, AstSchema.Namespace, null).Select(d => d.V.AsString).Distinct(StringComparer.Ordinal))
        {
            if (other.StartsWith(prefix, StringComparison.Ordinal))
                result.TryAdd(other, (other, "namespace"));
        }
        return [.. result.Select(kv => (kv.Key, kv.Value.Item1, kv.Value.Item2))];
    }

    private static IEnumerable<(string Name, string Type)> Definitions(AstReader reader, string ns)
    {
        foreach (var d in reader.View.Match(null, AstSchema.Namespace, Value.String(ns)))
        {
            var node = reader.Node(d.E);
            if (node is null)
                continue;
            if (node.Is(AstSchema.Types.Function))
                yield return (node.Str(AstSchema.FnName)!, "function");
            else if (node.Is(AstSchema.Types.Def))
                yield return (node.Str(AstSchema.FnName)!, "var");
            else if (node.Is(AstSchema.Types.Record))
                yield return (node.Str(AstSchema.TypeName)!, "class");
        }
    }

    /// <summary>The <c>:require ... :as</c> aliases of a stored namespace, read from its ns form.</summary>
    private static Dictionary<string, string> Aliases(AstReader reader, string ns)
    {
        var aliases = new Dictionary<string, string>(StringComparer.Ordinal);
        if (reader.Lookup(AstKeys.Namespace(ns))?.Str(AstSchema.Source) is not { } text)
            return aliases;
        try
        {
            if (EdnReader.ReadOne(text, Clojure) is not EdnList form)
                return aliases;
            foreach (var clause in form.OfType<EdnList>().Where(c => c.Count > 0 && c[0] is Keyword { Name: "require" }))
            {
                foreach (var spec in clause.OfType<EdnVector>())
                {
                    for (var i = 1; i + 1 < spec.Count; i++)
                    {
                        if (spec[0] is Symbol lib && spec[i] is Keyword { Name: "as" } && spec[i + 1] is Symbol alias)
                            aliases[alias.Name] = lib.Name;
                    }
                }
            }
        }
        catch (EdnException)
        {
            // A stored ns form always reads (it was read to be stored); if not, no aliases.
        }
        return aliases;
    }

    private static ReplInfo FromNode(IDatomView view, AstNode node, string key)
    {
        var source = AstPrinter.PrintDefinition(view, key);
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        var arglists = new List<string>();
        string type;
        if (node.Is(AstSchema.Types.Record))
        {
            type = "class";
        }
        else if (node.Is(AstSchema.Types.Def))
        {
            type = "var";
        }
        else
        {
            type = "function";
            try
            {
                if (EdnReader.ReadOne(source, Clojure) is EdnList form)
                {
                    if (form.Count > 0 && form[0] is Symbol { Name: "defmacro" })
                        type = "macro";
                    foreach (var item in form.Skip(2))
                    {
                        if (item is EdnVector v)
                        {
                            arglists.Add(EdnWriter.Write(v));
                            break;
                        }
                        if (item is EdnList { Count: > 0 } arity && arity[0] is EdnVector p)
                            arglists.Add(EdnWriter.Write(p));
                    }
                }
            }
            catch (EdnException)
            {
                // The printer's text always reads back; if it did not, the arglists are just unknown.
            }
        }
        return new ReplInfo(key[..slash], key[(slash + 1)..], node.Str(AstSchema.FnDoc), arglists, node.Str(AstSchema.Location), node.Line, source, type);
    }
}

using System.Globalization;
using Datom.Index.Query;
using Datom.Log.Model;
using Datom.Vm.Ast;
using ValueType = Datom.Log.Model.ValueType;

namespace Datom.Vm.Workflow;

/// <summary>What changed in one definition (or namespace) between two views.</summary>
/// <param name="Removed">AST facts true in the first view and not in the second, as <c>key :attribute value</c>.</param>
/// <param name="Added">AST facts true in the second view and not in the first.</param>
/// <param name="Source">The same change shown on the printed source, as hunks (see <see cref="LineDiff.Hunks"/>).</param>
public sealed record CodeDiff(string Name, bool ExistsBefore, bool ExistsAfter, IReadOnlyList<string> Removed, IReadOnlyList<string> Added, IReadOnlyList<string> Source)
{
    public bool IsEmpty => Removed.Count == 0 && Added.Count == 0 && Source.Count == 0;
}

/// <summary>
/// A semantic diff: the AST facts that differ between two views of the database (any two: frontiers,
/// times, branches, the current one), named by <c>:ast/key</c> rather than entity id so that the same
/// code compares equal in every view, and then shown as the change to the printed source.
/// </summary>
public static class SemanticDiff
{
    public static CodeDiff Compare(IDatomView before, IDatomView after, string name)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        ArgumentNullException.ThrowIfNull(name);
        var a = Facts(before, name);
        var b = Facts(after, name);
        var removed = a.Except(b).Order(StringComparer.Ordinal).ToList();
        var added = b.Except(a).Order(StringComparer.Ordinal).ToList();
        var textA = CodeHistory.Print(before, name);
        var textB = CodeHistory.Print(after, name);
        var hunks = LineDiff.Hunks(LineDiff.Lines(textA), LineDiff.Lines(textB));
        return new CodeDiff(name, textA is not null, textB is not null, removed, added, hunks);
    }

    /// <summary>Every AST fact of a definition's tree (or of every definition of a namespace), as text.</summary>
    public static HashSet<string> Facts(IDatomView view, string name)
    {
        ArgumentNullException.ThrowIfNull(view);
        ArgumentNullException.ThrowIfNull(name);
        var reader = new AstReader(view);
        var facts = new HashSet<string>(StringComparer.Ordinal);
        var roots = new List<AstNode>();
        if (name.Contains('/', StringComparison.Ordinal))
        {
            if (reader.Lookup(name) is { } root)
                roots.Add(root);
        }
        else
        {
            roots.AddRange(view.Match(null, AstSchema.Namespace, Value.String(name)).Select(d => reader.Node(d.E)).Where(n => n is not null).Select(n => n!));
        }
        foreach (var root in roots)
        {
            foreach (var node in reader.Subtree(root))
            {
                var key = node.Key ?? node.Id.ToString();
                foreach (var (attribute, values) in node.Attributes)
                {
                    foreach (var v in values)
                        facts.Add(key + " " + attribute + " " + Show(reader, v));
                }
            }
        }
        // A definition that was deleted keeps only its key (a tombstone): that alone is not code.
        if (facts.Count == 1 && roots.Count == 1 && roots[0].Attributes.Count == 1)
            facts.Clear();
        return facts;
    }

    private static string Show(AstReader reader, Value v) => v.Type switch
    {
        ValueType.Ref => reader.Node(v.AsRef)?.Key is { } key ? "-> " + key : "#id " + v.AsRef,
        ValueType.String => Log.Edn.EdnWriter.Write(v.AsString),
        ValueType.Keyword => ":" + v.AsString,
        ValueType.Long => v.AsLong.ToString(CultureInfo.InvariantCulture),
        _ => v.ToString(),
    };
}

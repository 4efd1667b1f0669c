using Datom.Index;
using Datom.Vm.Ast;

namespace Datom.Vm.Workflow;

/// <summary>One of the competing versions of a definition that concurrent edits left.</summary>
/// <param name="Source">The definition as that edit's author made it (its entry's causal view).</param>
/// <param name="Winner">Whether its values are the ones the current view shows, which the VM runs.</param>
public sealed record ConflictVersion(CodeTx Tx, string? Source, bool Winner);

/// <summary>A definition whose AST holds values that concurrent edits gave it, and those edits.</summary>
public sealed record CodeConflict(string Definition, IReadOnlyList<ConflictVersion> Versions);

/// <summary>
/// Concurrent edits of the same code, from DaoDB's conflicts view: a definition is in conflict when
/// one of its nodes has a cardinality-one attribute with several live values (two authors changed
/// the same fact without seeing each other's change). The union merge's deterministic winner (the
/// latest by HLC time, then transaction id) is what the current view shows and the VM runs; the
/// other versions stay visible here until someone states the fact again (an edit, a pick).
/// </summary>
public static class CodeConflicts
{
    public static IReadOnlyList<CodeConflict> Find(DaoDb db, CodeHistory history, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(history);
        var current = db.Current();
        var conflicts = db.Conflicts();
        var reader = new AstReader(current);
        var byTx = history.Transactions.ToDictionary(t => t.Tx);
        var found = new SortedDictionary<string, (HashSet<CodeTx> All, HashSet<CodeTx> Winners)>(StringComparer.Ordinal);
        foreach (var attribute in AstSchema.Attributes.Where(a => !a.Many && AstSchema.CodeAttributeNames.Contains(a.Ident.QualifiedName)))
        {
            foreach (var d in conflicts.Match(null, attribute.Ident, null))
            {
                if (reader.Node(d.E)?.Key is not { } key || !byTx.TryGetValue(d.Tx, out var tx))
                    continue;
                var definition = AstKeys.DefinitionOf(key);
                if (name is not null && definition != name && CodeHistory.NamespaceOf(definition) != name)
                    continue;
                if (!found.TryGetValue(definition, out var entry))
                    found[definition] = entry = ([], []);
                entry.All.Add(tx);
                if (current.Match(d.E, attribute.Ident, null).Any(w => w.Tx == d.Tx && w.V.Equals(d.V)))
                    entry.Winners.Add(tx);
            }
        }
        return [.. found.Select(kv => new CodeConflict(kv.Key, [.. kv.Value.All
            .OrderByDescending(t => kv.Value.Winners.Contains(t)).ThenByDescending(t => t.Time).ThenByDescending(t => t.Tx)
            .Select(t => new ConflictVersion(t, CodeHistory.Print(history.AsOfEntry(t), kv.Key), kv.Value.Winners.Contains(t)))]))];
    }
}

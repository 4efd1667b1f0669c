using Datom.Index.Query;
using Datom.Vm.Loading;

namespace Datom.Vm.Workflow;

/// <summary>Makes an old or competing version of a definition the current one (revert, pick).</summary>
public static class CodeRestore
{
    /// <summary>
    /// Transacts the definition as <paramref name="version"/> has it, over whatever is current: only
    /// the datoms that differ, and the values concurrent edits contest are stated again, which
    /// resolves those conflicts in this version's favour.
    /// </summary>
    /// <exception cref="KeyNotFoundException">The definition does not exist in <paramref name="version"/>.</exception>
    public static Task<LoadResult> RestoreAsync(CodeLoader loader, IDatomView version, string definition, string reason, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(loader);
        var text = CodeHistory.Print(version, definition)
            ?? throw new KeyNotFoundException($"{definition} does not exist in that version");
        return loader.LoadDefinitionAsync(text, definition, reason, cancellationToken);
    }
}

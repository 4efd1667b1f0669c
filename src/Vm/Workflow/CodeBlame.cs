namespace Datom.Vm.Workflow;

/// <summary>One line of source and the transaction that produced it.</summary>
/// <param name="Number">1-based, in the source printed for the name asked about.</param>
public sealed record BlameLine(int Number, string Text, CodeTx Origin);

/// <summary>
/// Blame over the code history: each line of the current source, with the transaction that produced it.
/// </summary>
/// <remarks>
/// A line belongs to the transaction after which it first appeared, with its present text, in the
/// sequence of printed versions of its namespace (the merged database after each transaction that
/// changed the namespace, see <see cref="CodeHistory.After"/>), following lines from version to
/// version with <see cref="LineDiff"/>. A line's text changes exactly when a datom printed on it
/// changes, so this is "the transaction that last changed the datoms printed on that line" — except
/// that a line that only moved (its nodes' <c>:ast/line</c> changed because a line was added above)
/// or whose nodes were only renumbered (an <c>:ast/index</c> shift) keeps its author, as a person
/// expects. It is also the rule git blame applies to the export (one commit per transaction, one file
/// per namespace, each the printed namespace), so the two agree line by line.
/// </remarks>
public static class CodeBlame
{
    /// <exception cref="KeyNotFoundException">No such namespace or definition now.</exception>
    public static IReadOnlyList<BlameLine> Blame(CodeHistory history, string name)
    {
        ArgumentNullException.ThrowIfNull(history);
        ArgumentNullException.ThrowIfNull(name);
        var ns = CodeHistory.NamespaceOf(name);
        string[] previous = [];
        CodeTx?[] origins = [];
        IReadOnlyDictionary<string, (int First, int Last)> ranges = new Dictionary<string, (int, int)>();
        foreach (var tx in history.Touching(ns))
        {
            string[] lines;
            try
            {
                var printed = Printing.AstPrinter.PrintNamespaceWithRanges(history.After(tx), ns);
                lines = LineDiff.Lines(printed.Text);
                ranges = printed.Ranges;
            }
            catch (KeyNotFoundException)
            {
                lines = [];
                ranges = new Dictionary<string, (int, int)>();
            }
            var match = LineDiff.Match(previous, lines);
            var next = new CodeTx?[lines.Length];
            for (var i = 0; i < lines.Length; i++)
                next[i] = match[i] >= 0 ? origins[match[i]] : tx;
            previous = lines;
            origins = next;
        }
        if (previous.Length == 0)
            throw new KeyNotFoundException($"no namespace {ns} is loaded");
        var (first, last) = (1, previous.Length);
        if (name.Contains('/', StringComparison.Ordinal))
        {
            if (!ranges.TryGetValue(name, out var range))
                throw new KeyNotFoundException($"no function or record {name} is loaded");
            (first, last) = range;
        }
        var result = new List<BlameLine>();
        for (var n = first; n <= last && n <= previous.Length; n++)
            result.Add(new BlameLine(n - first + 1, previous[n - 1], origins[n - 1]!));
        return result;
    }
}

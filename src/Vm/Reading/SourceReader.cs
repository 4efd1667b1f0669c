using System.Globalization;
using Datom.Log.Edn;
using Datom.Log.Entries;

namespace Datom.Vm.Reading;

/// <summary>
/// Reads Yin source: Clojure, through the shared <see cref="EdnReader"/> in its Clojure mode, into
/// <see cref="Syntax"/> forms that all carry a line, with <c>#()</c> and syntax-quote expanded
/// (<see cref="ReaderMacros"/>).
/// </summary>
internal static class SourceReader
{
    /// <summary>Deepest nesting accepted: deeper source is a syntax error, never a stack overflow.</summary>
    public const int MaxDepth = 256;

    /// <summary>
    /// Longest source accepted, in UTF-16 units: four times the largest log entry
    /// (<see cref="EntryLimits.MaxEntryBytes"/>, 1 MiB). A file loads as one entry, and its AST
    /// datoms take more bytes than the text they come from (every node carries its key, location
    /// and line), so a longer file could only be stored if three quarters of it were comments.
    /// Checked before reading, so that a giant source costs nothing but this comparison.
    /// </summary>
    public static readonly int MaxSourceLength = 4 * EntryLimits.Default.MaxEntryBytes;

    /// <exception cref="CodeException">A syntax error, with the source, line and column.</exception>
    public static IReadOnlyList<Syntax> Read(string text, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length > MaxSourceLength)
        {
            throw new CodeException(sourceName, 1, 0, string.Create(CultureInfo.InvariantCulture,
                $"source too large: {text.Length} characters, more than {MaxSourceLength} (four times the largest log entry); split it into several namespaces"));
        }

        IReadOnlyList<object?> forms;
        try
        {
            forms = EdnReader.ReadAll(text, new EdnReaderOptions { ClojureSyntax = true, SourceName = sourceName, MaxDepth = MaxDepth });
        }
        catch (EdnException e)
        {
            throw new CodeException(sourceName, e.Line, e.Column, "syntax error: " + e.Reason);
        }

        var positions = PositionScanner.Scan(text);
        var zipper = new Zipper(positions);
        var result = forms.Select(zipper.Build).ToList();
        if (!zipper.Aligned || zipper.Used != positions.Count)
        {
            // The scanner disagreed with the reader somewhere: keep the reader's positions and give
            // each scalar the line of the form before it, which is never later than its own.
            var fallback = new Zipper(null);
            result = [.. forms.Select(fallback.Build)];
        }
        var macros = new ReaderMacros(sourceName);
        return [.. result.Select(macros.Expand)];
    }

    private sealed class Zipper(List<SourcePosition>? positions)
    {
        private SourcePosition _last = new(1, 1);

        public bool Aligned { get; private set; } = true;

        public int Used { get; private set; }

        public Syntax Build(object? edn)
        {
            var scanned = positions is not null && Used < positions.Count ? positions[Used] : (SourcePosition?)null;
            Used++;
            var own = edn switch
            {
                EdnList l => l.Position,
                EdnVector v => v.Position,
                EdnMap m => m.Position,
                EdnSet s => s.Position,
                Symbol s => s.Position,
                _ => null,
            };
            if (own is not null && scanned is not null && own != scanned)
                Aligned = false;
            var position = own ?? scanned ?? _last;
            _last = position;
            switch (edn)
            {
                case EdnList l:
                    return new Syntax(SyntaxKind.List, l, [.. l.Select(Build)], l.Meta, position);
                case EdnVector v:
                    return new Syntax(SyntaxKind.Vector, v, [.. v.Select(Build)], v.Meta, position);
                case EdnSet s:
                    return new Syntax(SyntaxKind.Set, s, [.. s.Select(Build)], s.Meta, position);
                case EdnMap m:
                {
                    var items = new List<Syntax>(m.Count * 2);
                    foreach (var (k, v) in m)
                    {
                        items.Add(Build(k));
                        items.Add(Build(v));
                    }
                    return new Syntax(SyntaxKind.Map, m, items, m.Meta, position);
                }
                case Symbol s:
                    return new Syntax(SyntaxKind.Symbol, s, [], s.Meta, position);
                default:
                    return new Syntax(SyntaxKind.Scalar, edn, [], null, position);
            }
        }
    }
}

namespace Datom.Log.Edn;

/// <summary>
/// A place in EDN source text. Both numbers are 1-based; a column counts UTF-16 code units from
/// the start of the line (a tab is one column), and only <c>\n</c> starts a new line, so
/// <c>\r\n</c> files number their lines correctly.
/// </summary>
public readonly record struct SourcePosition(int Line, int Column)
{
    public override string ToString() => $"{Line}:{Column}";
}

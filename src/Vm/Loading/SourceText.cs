namespace Datom.Vm.Loading;

/// <summary>Finds the text of one form in its source, for <c>:ast/source</c>.</summary>
internal static class SourceText
{
    /// <summary>
    /// The text of the form that starts at <paramref name="line"/> and <paramref name="column"/>
    /// (1-based, as the reader gives them): brackets are matched, skipping strings, character
    /// literals and comments. Null when no form starts there.
    /// </summary>
    public static string? Slice(string text, int line, int column)
    {
        var start = 0;
        for (var l = 1; l < line && start >= 0; l++)
            start = text.IndexOf('\n', start) is var nl and >= 0 ? nl + 1 : -1;
        if (start < 0)
            return null;
        start += Math.Max(0, column - 1);
        // Metadata or a reader macro may sit before the bracket the reader positioned.
        while (start < text.Length && text[start] is not ('(' or '[' or '{'))
            start++;
        var depth = 0;
        for (var i = start; i < text.Length; i++)
        {
            switch (text[i])
            {
                case '"':
                    for (i++; i < text.Length && text[i] != '"'; i++)
                    {
                        if (text[i] == '\\')
                            i++;
                    }
                    break;
                case '\\':
                    i++;
                    while (i + 1 < text.Length && char.IsLetterOrDigit(text[i + 1]))
                        i++;
                    break;
                case ';':
                    while (i < text.Length && text[i] != '\n')
                        i++;
                    break;
                case '(' or '[' or '{':
                    depth++;
                    break;
                case ')' or ']' or '}':
                    if (--depth == 0)
                        return text[start..(i + 1)];
                    break;
            }
        }
        return null;
    }
}

namespace Datom.Vm.Repl;

/// <summary>One top-level form of REPL input: its text, and where it starts (1-based line and column).</summary>
public readonly record struct SourceForm(string Text, int Line, int Column);

/// <summary>What <see cref="ReplForms.Split"/> found: the complete forms, and whether the text ends inside an unfinished one.</summary>
public sealed record FormSplit(IReadOnlyList<SourceForm> Forms, bool Complete);

/// <summary>
/// Splits REPL input into top-level forms without reading them: where each form begins and ends,
/// following Clojure's lexical rules (strings and their escapes, <c>;</c> comments, character
/// literals such as <c>\(</c>, reader prefixes <c>' ` ~ ~@ @ ^ #' #_</c>, dispatch forms <c>#{ #( #"</c>,
/// tagged literals). The REPL uses it to tell a finished form from one that continues on the next
/// line, and the evaluator to take one form at a time, each with its own line. Whether a form is
/// valid is the reader's business: this only balances brackets.
/// </summary>
public static class ReplForms
{
    /// <summary>
    /// Deepest nesting followed: the reader's own limit (<see cref="Reading.SourceReader.MaxDepth"/>)
    /// with room to spare, so that a deeper form is handed to the reader, which rejects it with a
    /// clear error, instead of recursing here without bound.
    /// </summary>
    private const int MaxDepth = 1024;

    public static FormSplit Split(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var scanner = new Scanner(text);
        var forms = new List<SourceForm>();
        var i = 0;
        while (true)
        {
            i = scanner.SkipBlank(i);
            if (i >= text.Length)
                return new FormSplit(forms, true);
            var end = scanner.Datum(i, 0);
            if (end < 0)
                return new FormSplit(forms, false);
            var (line, column) = scanner.Position(i);
            forms.Add(new SourceForm(text[i..end], line, column));
            i = end;
        }
    }

    /// <summary>Whether the text is nothing but whole forms (and blanks): what a REPL waits for before it evaluates.</summary>
    public static bool IsComplete(string text) => Split(text).Complete;

    private sealed class Scanner(string text)
    {
        public (int Line, int Column) Position(int offset)
        {
            var line = 1;
            var start = 0;
            for (var k = 0; k < offset; k++)
            {
                if (text[k] == '\n')
                {
                    line++;
                    start = k + 1;
                }
            }
            return (line, offset - start + 1);
        }

        /// <summary>Skips whitespace, commas and comments.</summary>
        public int SkipBlank(int i)
        {
            while (i < text.Length)
            {
                var c = text[i];
                if (char.IsWhiteSpace(c) || c == ',')
                {
                    i++;
                }
                else if (c == ';')
                {
                    while (i < text.Length && text[i] != '\n')
                        i++;
                }
                else
                {
                    break;
                }
            }
            return i;
        }

        /// <summary>The end (exclusive) of the datum that starts at <paramref name="i"/>, or -1 if the text ends first.</summary>
        public int Datum(int i, int depth)
        {
            if (i >= text.Length)
                return -1;
            if (depth > MaxDepth)
                return text.Length; // hand it to the reader, which refuses it with its own error
            var c = text[i];
            switch (c)
            {
                case '\'' or '`' or '@':
                    return Next(i + 1, depth);
                case '~':
                    return Next(i + 1 < text.Length && text[i + 1] == '@' ? i + 2 : i + 1, depth);
                case '^':
                {
                    var meta = Next(i + 1, depth);
                    return meta < 0 ? -1 : Next(meta, depth);
                }
                case '(' or '[' or '{':
                    return Collection(i + 1, depth);
                case ')' or ']' or '}':
                    return i + 1; // an unmatched closer: a form of its own, which the reader refuses
                case '"':
                    return String(i + 1);
                case '\\':
                    return Character(i);
                case '#':
                    return Dispatch(i, depth);
                default:
                    return Token(i);
            }
        }

        private int Next(int i, int depth)
        {
            i = SkipBlank(i);
            return Datum(i, depth + 1);
        }

        private int Dispatch(int i, int depth)
        {
            if (i + 1 >= text.Length)
                return -1;
            var n = text[i + 1];
            switch (n)
            {
                case '(' or '{':
                    return Collection(i + 2, depth);
                case '"':
                    return String(i + 2);
                case '_' or '\'' or '=':
                    return Next(i + 2, depth);
                case '#':
                    return Token(i + 2);
                case '^':
                {
                    var meta = Next(i + 2, depth);
                    return meta < 0 ? -1 : Next(meta, depth);
                }
                case '?':
                {
                    // #?( and #?@(: the list follows.
                    var j = i + 2;
                    if (j < text.Length && text[j] == '@')
                        j++;
                    return Next(j, depth);
                }
                case ':':
                {
                    // #:ns{...}: a namespaced map.
                    var j = Token(i + 2);
                    return Next(j, depth);
                }
                default:
                {
                    // A tagged literal: #inst "...", #uuid "...", #my/tag form.
                    var j = Token(i + 1);
                    return Next(j, depth);
                }
            }
        }

        private int Collection(int i, int depth)
        {
            while (true)
            {
                i = SkipBlank(i);
                if (i >= text.Length)
                    return -1;
                if (text[i] is ')' or ']' or '}')
                    return i + 1;
                i = Datum(i, depth + 1);
                if (i < 0)
                    return -1;
            }
        }

        private int String(int i)
        {
            while (i < text.Length)
            {
                if (text[i] == '\\')
                {
                    i += 2;
                    continue;
                }
                if (text[i] == '"')
                    return i + 1;
                i++;
            }
            return -1;
        }

        /// <summary>A character literal: <c>\a</c>, <c>\(</c>, <c>\newline</c>, <c>\u0041</c>.</summary>
        private int Character(int i)
        {
            if (i + 1 >= text.Length)
                return -1;
            var j = i + 2;
            while (j < text.Length && char.IsLetterOrDigit(text[j]))
                j++;
            return char.IsLetterOrDigit(text[i + 1]) ? j : i + 2;
        }

        private int Token(int i)
        {
            while (i < text.Length && !char.IsWhiteSpace(text[i]) && text[i] is not (',' or '(' or ')' or '[' or ']' or '{' or '}' or '"' or ';'))
                i++;
            return i;
        }
    }
}

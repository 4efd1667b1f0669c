using Datom.Log.Edn;

namespace Datom.Vm.Reading;

/// <summary>
/// The start of every form of a text, in the order the EDN reader reads them (pre-order: a
/// collection, then its items; a map's key, then its value), leaving out what the reader leaves
/// out: discarded forms (<c>#_</c>), metadata (<c>^Type</c>) and a tagged element's inner form.
/// </summary>
/// <remarks>
/// The EDN reader is the parser of record; it gives positions to symbols and collections only,
/// and the AST contract wants a line on every node, literals included. This scanner follows the
/// reader's lexical rules (token ends <c>"</c> <c>;</c> <c>\</c> <c>^</c> brackets and whitespace,
/// commas being whitespace; a character literal takes its first character whatever it is) and is
/// only run on text the reader accepted. Its positions are checked against every symbol and
/// collection the reader positioned; <see cref="SourceReader"/> falls back to inherited lines if
/// they ever disagree.
/// </remarks>
internal sealed class PositionScanner
{
    private readonly string _text;
    private readonly List<SourcePosition> _positions = [];
    private int _pos;
    private int _line = 1;
    private int _column = 1;

    private PositionScanner(string text)
    {
        _text = text;
    }

    public static List<SourcePosition> Scan(string text)
    {
        var scanner = new PositionScanner(text);
        while (true)
        {
            scanner.SkipTrivia();
            if (scanner.AtEnd)
                return scanner._positions;
            scanner.ScanForm(record: true);
        }
    }

    private bool AtEnd => _pos >= _text.Length;

    private char Current => _text[_pos];

    private void Advance()
    {
        if (_text[_pos] == '\n')
        {
            _line++;
            _column = 1;
        }
        else
        {
            _column++;
        }
        _pos++;
    }

    private static bool IsWhitespace(char c) => c == ',' || char.IsWhiteSpace(c);

    // As EdnReader's Clojure token ends: Clojure's terminating macro characters.
    private static bool IsTokenEnd(char c) => IsWhitespace(c) || c is '"' or ';' or '\\' or '^' or '(' or ')' or '[' or ']' or '{' or '}' or '`' or '~' or '@';

    /// <summary>Whitespace, commas, comments and discarded forms.</summary>
    private void SkipTrivia()
    {
        while (!AtEnd)
        {
            var c = Current;
            if (IsWhitespace(c))
            {
                Advance();
            }
            else if (c == ';')
            {
                while (!AtEnd && Current != '\n')
                    Advance();
            }
            else if (c == '#' && _pos + 1 < _text.Length && _text[_pos + 1] == '_')
            {
                Advance();
                Advance();
                ScanForm(record: false);
            }
            else
            {
                return;
            }
        }
    }

    private void ScanForm(bool record)
    {
        SkipTrivia();
        if (AtEnd)
            return;
        var c = Current;
        if (c == '^')
        {
            // Metadata, then the form it is attached to, which has the position.
            Advance();
            ScanForm(record: false);
            ScanForm(record);
            return;
        }
        if (record)
            _positions.Add(new SourcePosition(_line, _column));
        switch (c)
        {
            case '\'' or '`' or '@' or '~':
                // (quote form) and its siblings: the list and its head symbol both start here.
                if (record)
                    _positions.Add(new SourcePosition(_line, _column));
                Advance();
                if (c == '~' && !AtEnd && Current == '@')
                    Advance();
                ScanForm(record);
                return;
            case '(' or '[' or '{':
                Advance();
                ScanItems(record);
                return;
            case '"':
                ScanString();
                return;
            case '\\':
                Advance();
                if (!AtEnd)
                    Advance();
                ScanToken();
                return;
            case '#':
                Advance();
                if (AtEnd)
                    return;
                if (Current == '{')
                {
                    Advance();
                    ScanItems(record);
                }
                else if (Current == '(')
                {
                    // (clojure.core/fn-literal (items)): the outer list, its symbol and the inner list.
                    if (record)
                    {
                        _positions.Add(_positions[^1]);
                        _positions.Add(_positions[^1]);
                    }
                    Advance();
                    ScanItems(record);
                }
                else if (Current == '"')
                {
                    ScanString();
                }
                else if (Current == ':')
                {
                    // #:ns{...}: the map is at the '#'.
                    ScanToken();
                    if (!AtEnd && Current == '{')
                    {
                        Advance();
                        ScanItems(record);
                    }
                }
                else if (Current == '\'')
                {
                    // (var form)
                    if (record)
                        _positions.Add(_positions[^1]);
                    Advance();
                    ScanForm(record);
                }
                else if (Current == '#')
                {
                    Advance();
                    ScanToken();
                }
                else
                {
                    ScanToken();
                    ScanForm(record: false);
                }
                return;
            case ':' when _pos + 1 < _text.Length && _text[_pos + 1] == ':':
                // (clojure.core/auto-keyword "name"): the list, its symbol and the string all start here.
                if (record)
                {
                    _positions.Add(_positions[^1]);
                    _positions.Add(_positions[^1]);
                }
                ScanToken();
                return;
            default:
                ScanToken();
                return;
        }
    }

    private void ScanItems(bool record)
    {
        while (true)
        {
            SkipTrivia();
            if (AtEnd)
                return;
            if (Current is ')' or ']' or '}')
            {
                Advance();
                return;
            }
            ScanForm(record);
        }
    }

    private void ScanString()
    {
        Advance();
        while (!AtEnd)
        {
            var c = Current;
            Advance();
            if (c == '\\' && !AtEnd)
                Advance();
            else if (c == '"')
                return;
        }
    }

    private void ScanToken()
    {
        while (!AtEnd && !IsTokenEnd(Current))
            Advance();
    }
}

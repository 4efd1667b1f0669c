using System.Buffers;
using System.Globalization;
using System.Numerics;

namespace Datom.Log.Edn;

/// <summary>Characters, whitespace, tokens, strings, characters, numbers, symbols and keywords.</summary>
public sealed partial class EdnReader
{
    /// <summary>
    /// Longest number token. Far beyond any long, double or decimal; it bounds the cost of
    /// <see cref="BigInteger"/> parsing, which grows faster than linearly with the digit count.
    /// </summary>
    private const int MaxNumberLength = 4096;

    private static readonly object BoxedTrue = true;
    private static readonly object BoxedFalse = false;
    private static readonly object PositiveInfinity = double.PositiveInfinity;
    private static readonly object NegativeInfinity = double.NegativeInfinity;
    private static readonly object NaN = double.NaN;

    // Boxed longs for the small integers that dominate transaction data (entity ids in tests,
    // counts, enum-like codes), so reading them allocates nothing.
    private static readonly object[] SmallLongs = Enumerable.Range(-128, 1024 + 128).Select(i => (object)(long)i).ToArray();

    private static readonly SearchValues<char> StringSpecials = SearchValues.Create("\"\\\n");

    /// <summary>
    /// Characters that end a token: whitespace (including ','), the delimiters <c>( ) [ ] { }</c>,
    /// and the characters that start another element or a comment: <c>" ; \ ^</c>. As in Clojure's
    /// EDN reader; '#' and ':' are constituents, not terminators (spec: "# is not a delimiter").
    /// </summary>
    private static readonly SearchValues<char> TokenEnds = BuildTokenEnds("");

    /// <summary>
    /// Clojure's terminating macro characters add <c>` ~ @</c> (LispReader.isTerminatingMacro:
    /// every macro character but <c>#</c>, <c>'</c> and <c>%</c>), so <c>a@b</c> is two forms.
    /// </summary>
    private static readonly SearchValues<char> ClojureTokenEnds = BuildTokenEnds("`~@");

    private static bool IsWhitespace(char c) => c == ',' || char.IsWhiteSpace(c);

    private static SearchValues<char> BuildTokenEnds(string more)
    {
        var chars = new List<char>("\";\\^()[]{}" + more);
        for (var c = 0; c <= char.MaxValue; c++)
        {
            if (IsWhitespace((char)c))
            {
                chars.Add((char)c);
            }
        }

        return SearchValues.Create([.. chars]);
    }

    /// <summary>The next character without consuming it, or -1 at end of input.</summary>
    private int Peek() => _pos < _len ? _buffer[_pos] : Fill() ? _buffer[_pos] : -1;

    /// <summary>
    /// Refills the buffer, blocking for input only because the caller needs another character.
    /// A TextReader returns what one read of the underlying stream gives, so one console line.
    /// </summary>
    private bool Fill()
    {
        if (_input is null || _eof)
        {
            return false;
        }

        var read = _input.Read(_buffer, 0, _buffer.Length);
        if (read <= 0)
        {
            _eof = true;
            return false;
        }

        _pos = 0;
        _len = read;
        return true;
    }

    /// <summary>Consumes the character at the cursor, which the caller has peeked.</summary>
    private void Advance()
    {
        if (_buffer[_pos++] == '\n')
        {
            _line++;
            _column = 1;
        }
        else
        {
            _column++;
        }
    }

    /// <summary>Moves over <paramref name="count"/> buffered characters that contain no newline.</summary>
    private void Skip(int count)
    {
        _pos += count;
        _column += count;
    }

    /// <summary>Skips whitespace and <c>;</c> comments; returns the next character, or -1.</summary>
    private int SkipWhitespaceAndComments()
    {
        while (true)
        {
            if (_pos == _len && !Fill())
            {
                return -1;
            }

            var c = _buffer[_pos];
            if (c == ';')
            {
                SkipComment();
            }
            else if (IsWhitespace(c))
            {
                Advance();
            }
            else
            {
                return c;
            }
        }
    }

    /// <summary>Skips to the newline ending a comment, leaving it to the caller.</summary>
    private void SkipComment()
    {
        do
        {
            var rest = _buffer.AsSpan(_pos, _len - _pos);
            var newline = rest.IndexOf('\n');
            if (newline >= 0)
            {
                Skip(newline);
                return;
            }

            Skip(rest.Length);
        }
        while (Fill());
    }

    /// <summary>Appends characters up to the next token end to the token buffer.</summary>
    private void ScanToken(SourcePosition start, string what)
    {
        do
        {
            var rest = _buffer.AsSpan(_pos, _len - _pos);
            var end = rest.IndexOfAny(_tokenEnds);
            var run = end < 0 ? rest : rest[..end];
            Append(run, start, what);
            Skip(run.Length);
            if (end >= 0)
            {
                return;
            }
        }
        while (Fill());
    }

    private ReadOnlySpan<char> Token => _token.AsSpan(0, _tokenLength);

    private void Append(ReadOnlySpan<char> chars, SourcePosition start, string what)
    {
        var needed = _tokenLength + chars.Length;
        if (needed > _maxStringLength)
        {
            throw Error(start, $"{what} longer than {_maxStringLength} characters (EdnReaderOptions.MaxStringLength)");
        }

        if (needed > _token.Length)
        {
            Array.Resize(ref _token, (int)Math.Min(Math.Max(needed, (long)_token.Length * 2), Array.MaxLength));
        }

        chars.CopyTo(_token.AsSpan(_tokenLength));
        _tokenLength = needed;
    }

    private void Append(char c, SourcePosition start, string what) => Append([c], start, what);

    /// <summary>A string literal; the opening quote is consumed. Strings may span lines (spec, strings).</summary>
    private string ReadString(SourcePosition start)
    {
        _tokenLength = 0;
        while (true)
        {
            if (_pos == _len && !Fill())
            {
                throw Error(start, "unterminated string");
            }

            var rest = _buffer.AsSpan(_pos, _len - _pos);
            var special = rest.IndexOfAny(StringSpecials);
            var run = special < 0 ? rest : rest[..special];
            Append(run, start, "string");
            Skip(run.Length);
            if (special < 0)
            {
                continue;
            }

            var c = _buffer[_pos];
            if (c == '"')
            {
                Advance();
                return _tokenLength == 0 ? string.Empty : new string(_token, 0, _tokenLength);
            }

            if (c == '\n')
            {
                Advance();
                Append('\n', start, "string");
                continue;
            }

            var escapeStart = Here;
            Advance();
            Append(ReadEscape(start, escapeStart), start, "string");
        }
    }

    /// <summary>
    /// The character after a backslash in a string: the spec's C/Java escapes <c>\t \r \n \\ \"</c>,
    /// plus Clojure's <c>\b \f \uXXXX</c> (the writer needs <c>\u</c> for control characters).
    /// </summary>
    private char ReadEscape(SourcePosition stringStart, SourcePosition escapeStart)
    {
        var e = Peek();
        if (e < 0)
        {
            throw Error(stringStart, "unterminated string");
        }

        Advance();
        switch (e)
        {
            case 't': return '\t';
            case 'r': return '\r';
            case 'n': return '\n';
            case '\\': return '\\';
            case '"': return '"';
            case 'b': return '\b';
            case 'f': return '\f';
            case 'u':
                var code = 0;
                for (var i = 0; i < 4; i++)
                {
                    var h = Peek();
                    if (h < 0)
                    {
                        throw Error(stringStart, "unterminated string");
                    }

                    var digit = HexValue(h);
                    if (digit < 0)
                    {
                        throw Error(escapeStart, "\\u must be followed by four hex digits");
                    }

                    Advance();
                    code = (code * 16) + digit;
                }

                return (char)code;
            default:
                throw Error(escapeStart, $"unsupported escape \\{(char)e} ({EdnNames.Describe((char)e)}) in string");
        }
    }

    private static int HexValue(int c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };

    /// <summary>
    /// A character literal; the backslash is consumed. "\c, \newline, \return, \space and \tab
    /// yield the corresponding characters. Unicode characters are represented with \uNNNN as in
    /// Java. Backslash cannot be followed by whitespace." (spec, characters). Clojure's
    /// <c>\formfeed</c> and <c>\backspace</c> are accepted too. A <c>char</c> is one UTF-16 unit.
    /// </summary>
    private object ReadCharacter(SourcePosition start)
    {
        var first = Peek();
        if (_clojure && first >= 0 && IsWhitespace((char)first))
        {
            // Clojure's reader takes the one character after the backslash, whitespace too: "\ " is a space.
            Advance();
            return (char)first;
        }

        if (first < 0 || IsWhitespace((char)first))
        {
            throw Error(start, "a backslash must be followed by a character");
        }

        // The first character is taken even if it is a delimiter, so \( and \" are characters.
        Advance();
        _tokenLength = 0;
        Append((char)first, start, "character");
        ScanToken(start, "character");
        var token = Token;
        if (token.Length == 1)
        {
            return token[0];
        }

        switch (token)
        {
            case "newline": return '\n';
            case "space": return ' ';
            case "tab": return '\t';
            case "return": return '\r';
            case "formfeed": return '\f';
            case "backspace": return '\b';
        }

        if (token.Length == 5 && token[0] == 'u')
        {
            var code = 0;
            foreach (var h in token[1..])
            {
                var digit = HexValue(h);
                if (digit < 0)
                {
                    code = -1;
                    break;
                }

                code = (code * 16) + digit;
            }

            if (code >= 0)
            {
                return (char)code;
            }
        }

        throw Error(start, $"unsupported character \\{Shorten(token.ToString())}");
    }

    private object ReadKeyword(SourcePosition start)
    {
        _tokenLength = 0;
        ScanToken(start, "keyword");
        if (_clojure && Token.StartsWith("::"))
        {
            return AutoKeyword(start);
        }

        return Keyword.FromBody(Token[1..], out var error, _clojure)
            ?? throw Error(start, $"invalid keyword {Shorten(Token.ToString())}: {error}");
    }

    /// <summary>A number, <c>nil</c>, <c>true</c>, <c>false</c> or a symbol.</summary>
    private object? ReadAtom(SourcePosition start)
    {
        _tokenLength = 0;
        ScanToken(start, "symbol");
        var token = Token;
        var first = token[0];
        if (EdnNames.IsAsciiDigit(first) || (first is '+' or '-' && token.Length > 1 && EdnNames.IsAsciiDigit(token[1])))
        {
            if (_clojure && token.Length <= MaxNumberLength && TryReadClojureNumber(token) is { } clojureNumber)
            {
                return clojureNumber;
            }

            if (_clojure && token.Length <= MaxNumberLength && TryReadRatio(token, start) is { } ratio)
            {
                return ratio;
            }

            return ReadNumber(token, start);
        }

        switch (token)
        {
            case "nil": return null;
            case "true": return BoxedTrue;
            case "false": return BoxedFalse;
        }

        var symbol = Symbol.FromText(token, out var error)
            ?? throw Error(start, $"invalid symbol {Shorten(token.ToString())}: {error}");
        return symbol.WithPosition(start);
    }

    /// <summary>
    /// The spec's integer and floating-point grammars:
    /// <code>
    /// int      = [+-]? (0 | [1-9][0-9]*)
    /// integer  = int N?
    /// float    = int M | int frac | int exp | int frac exp, then M?   frac = . digits   exp = [eE][+-]? digits
    /// </code>
    /// So <c>01</c>, <c>1.</c>, <c>.5</c>, <c>1e</c>, <c>0x1F</c> and <c>1/2</c> are errors.
    /// </summary>
    private object ReadNumber(ReadOnlySpan<char> token, SourcePosition start)
    {
        if (token.Length > MaxNumberLength)
        {
            throw Error(start, $"number longer than {MaxNumberLength} characters");
        }

        var i = token[0] is '+' or '-' ? 1 : 0;
        if (token[i] == '0')
        {
            i++;
            if (i < token.Length && EdnNames.IsAsciiDigit(token[i]))
            {
                throw InvalidNumber(token, start, "no integer other than 0 may begin with 0");
            }
        }
        else
        {
            while (i < token.Length && EdnNames.IsAsciiDigit(token[i]))
            {
                i++;
            }
        }

        if (i == token.Length)
        {
            return long.TryParse(token, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var small)
                ? Box(small)
                : BigInteger.Parse(token, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        }

        if (token[i] == 'N' && i == token.Length - 1)
        {
            return BigInteger.Parse(token[..i], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        }

        var isFloat = false;
        if (token[i] == '.')
        {
            var fraction = ++i;
            while (i < token.Length && EdnNames.IsAsciiDigit(token[i]))
            {
                i++;
            }

            if (i == fraction)
            {
                throw InvalidNumber(token, start, "expected digits after '.'");
            }

            isFloat = true;
        }

        if (i < token.Length && token[i] is 'e' or 'E')
        {
            i++;
            if (i < token.Length && token[i] is '+' or '-')
            {
                i++;
            }

            var exponent = i;
            while (i < token.Length && EdnNames.IsAsciiDigit(token[i]))
            {
                i++;
            }

            if (i == exponent)
            {
                throw InvalidNumber(token, start, "expected digits in the exponent");
            }

            isFloat = true;
        }

        if (i == token.Length - 1 && token[i] == 'M')
        {
            return decimal.TryParse(token[..i], NumberStyles.Float, CultureInfo.InvariantCulture, out var exact)
                ? exact
                : throw InvalidNumber(token, start, "out of range for a decimal");
        }

        if (i == token.Length && isFloat)
        {
            // Magnitudes beyond double's range read as infinity, as in Clojure and IEEE 754.
            return double.Parse(token, NumberStyles.Float, CultureInfo.InvariantCulture);
        }

        throw InvalidNumber(token, start, token[i] == '/' ? "ratios are not EDN" : $"unexpected {EdnNames.Describe(token[i])}");
    }

    private EdnException InvalidNumber(ReadOnlySpan<char> token, SourcePosition start, string why) =>
        Error(start, $"invalid number {Shorten(token.ToString())}: {why}");

    private static object Box(long value) =>
        value is >= -128 and < 1024 ? SmallLongs[value + 128] : value;
}

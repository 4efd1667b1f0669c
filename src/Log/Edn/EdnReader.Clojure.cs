using System.Globalization;
using System.Numerics;

namespace Datom.Log.Edn;

/// <summary>
/// Clojure's reader macros, read only with <see cref="EdnReaderOptions.ClojureSyntax"/>, after
/// clojure/clojure's LispReader (and clojure-clr's <c>Clojure/Lib/LispReader.cs</c>).
/// </summary>
public sealed partial class EdnReader
{
    private static readonly Symbol QuoteSymbol = Symbol.Intern(null, "quote");
    private static readonly Symbol VarSymbol = Symbol.Intern(null, "var");
    private static readonly Symbol DerefSymbol = Symbol.Intern("clojure.core", "deref");
    private static readonly Symbol UnquoteSymbol = Symbol.Intern("clojure.core", "unquote");
    private static readonly Symbol UnquoteSplicingSymbol = Symbol.Intern("clojure.core", "unquote-splicing");

    /// <summary>Marker for <c>`form</c>, which the caller expands (it resolves symbols in the namespace being read).</summary>
    public static readonly Symbol SyntaxQuoteSymbol = Symbol.Intern("clojure.core", "syntax-quote");

    /// <summary>Marker for <c>#(...)</c>, which the caller expands (its parameters are gensyms).</summary>
    public static readonly Symbol FnLiteralSymbol = Symbol.Intern("clojure.core", "fn-literal");

    /// <summary>Marker for <c>::name</c> and <c>::alias/name</c>, which the caller resolves in the namespace being read: <c>(clojure.core/auto-keyword "name")</c>.</summary>
    public static readonly Symbol AutoKeywordSymbol = Symbol.Intern("clojure.core", "auto-keyword");

    /// <summary>
    /// Whether a form holds a <c>#(...)</c>. Clojure's reader gives each one fresh gensym
    /// parameters, so two that are written alike are still different forms: a set may hold both.
    /// </summary>
    private static bool HasFnLiteral(object? form) => form switch
    {
        EdnList list => (list.Count > 0 && list[0] is Symbol s && s.Equals(FnLiteralSymbol)) || list.Any(HasFnLiteral),
        EdnVector vector => vector.Any(HasFnLiteral),
        EdnSet set => set.Any(HasFnLiteral),
        EdnMap map => map.Any(kv => HasFnLiteral(kv.Key) || HasFnLiteral(kv.Value)),
        _ => false,
    };

    /// <summary><c>::name</c>: the marker list, its symbol and the name string all at the colons.</summary>
    private EdnList AutoKeyword(SourcePosition start)
    {
        var body = Token[2..].ToString();
        if (Keyword.FromBody(body, out var error) is null)
        {
            throw Error(start, $"invalid keyword ::{Shorten(body)}: {error}");
        }

        return new EdnList([AutoKeywordSymbol.WithPosition(start), body], start, null);
    }

    /// <summary>
    /// <c>#:ns{:a 1 :_/b 2}</c> is <c>{:ns/a 1 :b 2}</c>: keys without a namespace (keywords and
    /// symbols) take <c>ns</c>; <c>:_/x</c> loses its namespace (LispReader.NamespaceMapReader).
    /// </summary>
    private EdnMap ReadNamespacedMap(SourcePosition start)
    {
        Advance();
        _tokenLength = 0;
        ScanToken(start, "namespaced map");
        var ns = Token.ToString();
        if (ns.Length == 0 || ns.StartsWith(':') || Symbol.FromText(ns, out _) is not { Namespace: null })
        {
            throw Error(start, ns.StartsWith(':')
                ? "auto-resolved namespaced maps (#::{...}) are not supported; write #:ns{...}"
                : $"#:{Shorten(ns)} is not a namespaced map: the namespace is a simple symbol");
        }

        if (Peek() != '{')
        {
            throw Error(start, $"#:{Shorten(ns)} must be followed by a map");
        }

        Advance();
        var map = ReadMap(start);
        var entries = new List<KeyValuePair<object?, object?>>(map.Count);
        foreach (var (key, value) in map)
        {
            var qualified = key switch
            {
                Keyword { Namespace: null } k => Keyword.Intern(ns, k.Name),
                Keyword { Namespace: "_" } k => Keyword.Intern(null, k.Name),
                Symbol { Namespace: null } y => Symbol.Intern(ns, y.Name).WithPosition(y.Position),
                Symbol { Namespace: "_" } y => Symbol.Intern(null, y.Name).WithPosition(y.Position),
                _ => key,
            };
            entries.Add(new(qualified, value));
        }

        return new EdnMap(entries).WithPosition(start);
    }

    /// <summary><c>'x</c> and its siblings: <c>(symbol x)</c>, the list and the symbol at the macro character.</summary>
    private EdnList ReadWrapped(SourcePosition start, Symbol head, string what)
    {
        Enter(start);
        if (ReadNext(out var form) != Next.Value)
        {
            throw Error(start, $"{what} must be followed by a form");
        }

        _depth--;
        return new EdnList([head.WithPosition(start), form], start, null);
    }

    /// <summary>
    /// After <c>#</c> in Clojure source: <c>#(</c>, <c>#"</c> and <c>#'</c>; false for the
    /// dispatches EDN shares (sets, tags, <c>##</c>). <c>#=</c> (read-eval) is refused: source
    /// from peers is untrusted. Reader conditionals are not read.
    /// </summary>
    private bool TryReadClojureDispatch(SourcePosition start, int next, out object? value)
    {
        value = null;
        switch (next)
        {
            case '(':
            {
                Advance();
                var inner = new EdnList(ReadItems(')', start, "#() function", unique: false), start, null);
                value = new EdnList([FnLiteralSymbol.WithPosition(start), inner], start, null);
                return true;
            }

            case '"':
                Advance();
                value = new RegexLiteral(ReadRegex(start));
                return true;
            case '\'':
                Advance();
                value = ReadWrapped(start, VarSymbol, "var quote (#')");
                return true;
            case '=':
                throw Error(start, "#= (read-eval) is not allowed");
            case '?':
                throw Error(start, "reader conditionals (#?) are not supported; write the Clojure branch alone");
            case ':':
                value = ReadNamespacedMap(start);
                return true;
            default:
                return false;
        }
    }

    /// <summary>
    /// The text of <c>#"..."</c>, the opening quote consumed: a backslash keeps itself and the
    /// character after it (so <c>\"</c> does not end the pattern and <c>\d</c> reaches the engine).
    /// </summary>
    private string ReadRegex(SourcePosition start)
    {
        _tokenLength = 0;
        while (true)
        {
            var c = Peek();
            if (c < 0)
            {
                throw Error(start, "unterminated regex");
            }

            Advance();
            if (c == '"')
            {
                return new string(_token, 0, _tokenLength);
            }

            Append((char)c, start, "regex");
            if (c == '\\')
            {
                var e = Peek();
                if (e < 0)
                {
                    throw Error(start, "unterminated regex");
                }

                Advance();
                Append((char)e, start, "regex");
            }
        }
    }

    /// <summary>
    /// Clojure's number forms that EDN lacks (LispReader's intPat and floatPat): hexadecimal
    /// <c>0x1F</c>, octal <c>017</c>, radix <c>2r1010</c> (2 to 36), each with an optional sign and
    /// <c>N</c>, and a float ending in a dot (<c>1.</c>, <c>1.e5</c>). Null when the token is none of these.
    /// </summary>
    private static object? TryReadClojureNumber(ReadOnlySpan<char> token)
    {
        var negative = token[0] == '-';
        var body = token[0] is '+' or '-' ? token[1..] : token;
        var bigSuffix = body.Length > 1 && body[^1] == 'N';
        var digits = bigSuffix ? body[..^1] : body;
        int radix;
        if (digits.Length > 2 && digits[0] == '0' && digits[1] is 'x' or 'X')
        {
            radix = 16;
            digits = digits[2..];
        }
        else if (digits.Length > 1 && digits[0] == '0' && EdnNames.IsAsciiDigit(digits[1]))
        {
            radix = 8;
            digits = digits[1..];
        }
        else if (digits.IndexOfAny('r', 'R') is var r and (1 or 2) && int.TryParse(digits[..r], NumberStyles.None, CultureInfo.InvariantCulture, out radix) && radix is >= 2 and <= 36 && !bigSuffix)
        {
            digits = digits[(r + 1)..];
        }
        else
        {
            return TryReadDotFloat(token);
        }

        if (digits.IsEmpty)
        {
            return null;
        }

        var value = BigInteger.Zero;
        foreach (var c in digits)
        {
            var d = c switch
            {
                >= '0' and <= '9' => c - '0',
                >= 'a' and <= 'z' => c - 'a' + 10,
                >= 'A' and <= 'Z' => c - 'A' + 10,
                _ => 99,
            };
            if (d >= radix)
            {
                return null;
            }

            value = (value * radix) + d;
        }

        if (negative)
        {
            value = -value;
        }

        return !bigSuffix && value >= long.MinValue && value <= long.MaxValue ? Box((long)value) : value;
    }

    /// <summary>
    /// Clojure's ratioPat, <c>[+-]?digits/digits</c>: a <see cref="RatioLiteral"/> in lowest terms, or
    /// the integer it reduces to (<c>4/2</c> is 2). Null when the token is not a ratio.
    /// </summary>
    private object? TryReadRatio(ReadOnlySpan<char> token, SourcePosition start)
    {
        var slash = token.IndexOf('/');
        if (slash < 1 || slash == token.Length - 1)
        {
            return null;
        }

        var numerator = token[..slash];
        var denominator = token[(slash + 1)..];
        var numeratorDigits = numerator[0] is '+' or '-' ? numerator[1..] : numerator;
        if (numeratorDigits.IsEmpty || !AllDigits(numeratorDigits) || !AllDigits(denominator))
        {
            return null;
        }

        var n = BigInteger.Parse(numerator, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        var d = BigInteger.Parse(denominator, NumberStyles.None, CultureInfo.InvariantCulture);
        var value = RatioLiteral.Of(n, d) ?? throw Error(start, $"invalid number {Shorten(token.ToString())}: divide by zero");
        return value is long small ? Box(small) : value;

        static bool AllDigits(ReadOnlySpan<char> s)
        {
            foreach (var c in s)
            {
                if (!EdnNames.IsAsciiDigit(c))
                {
                    return false;
                }
            }

            return true;
        }
    }

    /// <summary><c>1.</c>, <c>-2.e3</c>, <c>1.M</c>: Clojure's floatPat allows no digits after the dot.</summary>
    private static object? TryReadDotFloat(ReadOnlySpan<char> token)
    {
        var dot = token.IndexOf('.');
        if (dot < 0 || (dot + 1 < token.Length && EdnNames.IsAsciiDigit(token[dot + 1])))
        {
            return null;
        }

        foreach (var c in token[..dot])
        {
            if (!EdnNames.IsAsciiDigit(c) && c is not ('+' or '-'))
            {
                return null;
            }
        }

        var rest = token[(dot + 1)..];
        var isDecimal = rest.Length > 0 && rest[^1] == 'M';
        if (isDecimal)
        {
            rest = rest[..^1];
        }

        if (rest.Length > 0 && (rest[0] is not ('e' or 'E') || rest.Length == 1))
        {
            return null;
        }

        var text = string.Concat(token[..dot], rest);
        if (isDecimal)
        {
            return decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var m) ? m : null;
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : null;
    }
}

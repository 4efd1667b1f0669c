using System.Buffers;
using System.Globalization;
using System.Text;

namespace Datom.Log.Edn;

/// <summary>
/// The symbol and keyword grammar of the EDN spec (github.com/edn-format/edn, "symbols" and
/// "keywords"). Validators return <c>null</c> for valid text and otherwise the reason.
/// </summary>
internal static class EdnNames
{
    /// <summary>
    /// Validates the text of a symbol (or of a keyword after its leading colon).
    /// <paramref name="slash"/> is the index of the '/' between prefix and name, or -1.
    /// </summary>
    public static string? ValidateSymbol(ReadOnlySpan<char> text, out int slash)
    {
        slash = -1;

        // "/ by itself is a legal symbol".
        if (text is "/")
        {
            return null;
        }

        var i = text.IndexOf('/');
        if (i < 0)
        {
            return ValidatePart(text);
        }

        // "/ ... can be used once only in the middle of a symbol"; "neither the prefix nor the
        // name part can be empty when the symbol contains /".
        if (text[(i + 1)..].Contains('/'))
        {
            return "'/' may appear only once";
        }

        if (i == 0)
        {
            return "the prefix before '/' is empty";
        }

        if (i == text.Length - 1)
        {
            return "the name after '/' is empty";
        }

        slash = i;
        return ValidatePart(text[..i]) ?? ValidatePart(text[(i + 1)..]);
    }

    /// <summary>Validates the text after a keyword's ':'.</summary>
    public static string? ValidateKeyword(ReadOnlySpan<char> body, out int slash)
    {
        slash = -1;
        if (body.IsEmpty)
        {
            return "':' alone is not a keyword";
        }

        if (body[0] == ':')
        {
            return "a keyword cannot begin with '::'";
        }

        if (body is "/")
        {
            return "':/' is not a legal keyword";
        }

        return ValidateSymbol(body, out slash);
    }

    /// <summary>
    /// One prefix or name: "Symbols begin with a non-numeric character and can contain
    /// alphanumeric characters and . * + ! - _ ? $ % &amp; = &lt; &gt;. If -, + or . are the first
    /// character, the second character (if any) must be non-numeric. Additionally, : # ' are
    /// allowed as constituent characters in symbols other than as the first character." A name
    /// after a prefix follows the same first-character rules.
    /// </summary>
    public static string? ValidatePart(ReadOnlySpan<char> part)
    {
        if (part.IsEmpty)
        {
            return "empty name";
        }

        var first = part[0];
        if (first is ':' or '#' or '\'')
        {
            return $"cannot begin with '{first}'";
        }

        var index = 0;
        while (index < part.Length)
        {
            var c = part[index];
            if (c < 0x80)
            {
                if (!IsAsciiConstituent(c))
                {
                    return $"invalid character {Describe(c)}";
                }

                if (IsAsciiDigit(c) && (index == 0 || (index == 1 && first is '-' or '+' or '.')))
                {
                    return index == 0 ? "cannot begin with a digit" : $"'{first}' followed by a digit cannot begin a symbol";
                }

                index++;
                continue;
            }

            if (Rune.DecodeFromUtf16(part[index..], out var rune, out var used) != OperationStatus.Done)
            {
                return $"invalid UTF-16 at {Describe(c)}";
            }

            if (!Rune.IsLetterOrDigit(rune))
            {
                return $"invalid character U+{rune.Value:X4}";
            }

            if (Rune.IsDigit(rune) && (index == 0 || (index == 1 && first is '-' or '+' or '.')))
            {
                return "a digit cannot begin a symbol";
            }

            index += used;
        }

        return null;
    }

    public static bool IsAsciiDigit(char c) => (uint)(c - '0') <= 9;

    public static string Describe(char c) =>
        c is >= (char)0x21 and <= (char)0x7E ? $"'{c}'" : string.Create(CultureInfo.InvariantCulture, $"U+{(int)c:X4}");

    private static bool IsAsciiConstituent(char c) =>
        char.IsAsciiLetterOrDigit(c) || c is '.' or '*' or '+' or '!' or '-' or '_' or '?' or '$' or '%' or '&' or '=' or '<' or '>' or ':' or '#' or '\'';
}

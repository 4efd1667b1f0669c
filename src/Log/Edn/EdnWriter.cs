using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Datom.Log.Edn;

/// <summary>
/// Prints values as EDN so that <c>EdnReader.ReadOne(EdnWriter.Write(x))</c> equals <c>x</c> under
/// <see cref="EdnEquality"/>. Output is deterministic: maps and sets print in their enumeration
/// order. Metadata and positions are not printed. Besides the types the reader returns, the other
/// .NET integer types and <c>float</c> are accepted; anything else is an
/// <see cref="ArgumentException"/>.
/// </summary>
public static class EdnWriter
{
    public static string Write(object? value)
    {
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        new Printer(writer, lenient: false).Print(value);
        return writer.ToString();
    }

    public static void Write(TextWriter writer, object? value)
    {
        ArgumentNullException.ThrowIfNull(writer);
        new Printer(writer, lenient: false).Print(value);
    }

    /// <summary>For ToString and error messages: never throws, shows unknown types as <c>#object[...]</c>.</summary>
    public static string ToDebugString(object? value)
    {
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        try
        {
            new Printer(writer, lenient: true).Print(value);
        }
        catch (InsufficientExecutionStackException)
        {
            writer.Write("...");
        }

        return writer.ToString();
    }

    private readonly struct Printer(TextWriter writer, bool lenient)
    {
        public void Print(object? value)
        {
            switch (value)
            {
                case null: writer.Write("nil"); break;
                case bool b: writer.Write(b ? "true" : "false"); break;
                case long l: writer.Write(l.ToString(CultureInfo.InvariantCulture)); break;
                case int or short or sbyte or byte or ushort or uint or ulong:
                    writer.Write(((IFormattable)value).ToString(null, CultureInfo.InvariantCulture));
                    break;
                case BigInteger big:
                    writer.Write(big.ToString(CultureInfo.InvariantCulture));
                    writer.Write('N');
                    break;
                case double d: PrintDouble(d); break;
                case float f: PrintDouble(f); break;
                case decimal m:
                    writer.Write(m.ToString(CultureInfo.InvariantCulture));
                    writer.Write('M');
                    break;
                case string s: PrintString(s); break;
                case char c: PrintChar(c); break;
                case Keyword k: writer.Write(k.ToString()); break;
                case Symbol sym: writer.Write(sym.ToString()); break;
                case EdnList list: PrintSequence("(", list.AsSpan(), ")"); break;
                case EdnVector vector: PrintSequence("[", vector.AsSpan(), "]"); break;
                case EdnSet set: PrintSequence("#{", set.AsSpan(), "}"); break;
                case EdnMap map: PrintMap(map); break;
                case EdnTagged tagged: PrintTagged(tagged); break;
                case RegexLiteral regex: writer.Write(regex.ToString()); break;
                case RatioLiteral ratio: writer.Write(ratio.ToString()); break;
                case DateTimeOffset instant:
                    writer.Write("#inst \"");
                    writer.Write(EdnInstant.Format(instant));
                    writer.Write('"');
                    break;
                case Guid uuid:
                    writer.Write("#uuid \"");
                    writer.Write(uuid.ToString("D"));
                    writer.Write('"');
                    break;
                default:
                    if (!lenient)
                    {
                        throw new ArgumentException($"{value.GetType()} has no EDN representation", nameof(value));
                    }

                    writer.Write("#object[");
                    writer.Write(value.GetType().FullName);
                    writer.Write(']');
                    break;
            }
        }

        /// <summary>
        /// Shortest text that parses back to the same double ("R"), with ".0" added when that text
        /// is an integer, since EDN reads <c>1</c> as a long. Non-finite values use Clojure's
        /// symbolic values.
        /// </summary>
        private void PrintDouble(double d)
        {
            if (double.IsNaN(d))
            {
                writer.Write("##NaN");
                return;
            }

            if (double.IsInfinity(d))
            {
                writer.Write(d > 0 ? "##Inf" : "##-Inf");
                return;
            }

            var text = d.ToString("R", CultureInfo.InvariantCulture);
            writer.Write(text);
            if (text.AsSpan().IndexOfAny('.', 'E', 'e') < 0)
            {
                writer.Write(".0");
            }
        }

        /// <summary>
        /// Escapes what the reader must see escaped (<c>"</c>, <c>\</c>), names the usual controls,
        /// and writes other controls, DEL and lone surrogates as <c>\uXXXX</c>; everything else,
        /// including non-ASCII text, is written as is.
        /// </summary>
        private void PrintString(string s)
        {
            writer.Write('"');
            var run = 0;
            for (var i = 0; i < s.Length; i++)
            {
                var c = s[i];
                string? escape = c switch
                {
                    '"' => "\\\"",
                    '\\' => "\\\\",
                    '\n' => "\\n",
                    '\t' => "\\t",
                    '\r' => "\\r",
                    '\b' => "\\b",
                    '\f' => "\\f",
                    < ' ' or '\u007f' => UnicodeEscape(c),
                    _ when char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]) => null,
                    _ when char.IsLowSurrogate(c) && i > 0 && char.IsHighSurrogate(s[i - 1]) => null,
                    _ when char.IsSurrogate(c) => UnicodeEscape(c),
                    _ => null,
                };

                if (escape is null)
                {
                    continue;
                }

                writer.Write(s.AsSpan(run, i - run));
                writer.Write(escape);
                run = i + 1;
            }

            writer.Write(s.AsSpan(run));
            writer.Write('"');
        }

        private void PrintChar(char c)
        {
            writer.Write(c switch
            {
                '\n' => "\\newline",
                ' ' => "\\space",
                '\t' => "\\tab",
                '\r' => "\\return",
                '\f' => "\\formfeed",
                '\b' => "\\backspace",
                // ',' is whitespace to EDN, so "\," would not read back as a character.
                > ' ' and < '\u007f' and not ',' => string.Concat("\\", c.ToString()),
                _ => UnicodeEscape(c),
            });
        }

        private void PrintSequence(string open, ReadOnlySpan<object?> items, string close)
        {
            RuntimeHelpers.EnsureSufficientExecutionStack();
            writer.Write(open);
            for (var i = 0; i < items.Length; i++)
            {
                if (i > 0)
                {
                    writer.Write(' ');
                }

                Print(items[i]);
            }

            writer.Write(close);
        }

        private void PrintMap(EdnMap map)
        {
            RuntimeHelpers.EnsureSufficientExecutionStack();
            writer.Write('{');
            var first = true;
            foreach (var (key, value) in map)
            {
                if (!first)
                {
                    writer.Write(", ");
                }

                first = false;
                Print(key);
                writer.Write(' ');
                Print(value);
            }

            writer.Write('}');
        }

        /// <summary>
        /// Only prefixed tags are written: unprefixed ones are reserved for EDN built-ins (spec,
        /// rules for tags), so the reader would refuse them. A tag must start with a letter for
        /// <c>#</c> to dispatch to it.
        /// </summary>
        private void PrintTagged(EdnTagged tagged)
        {
            RuntimeHelpers.EnsureSufficientExecutionStack();
            var tag = tagged.Tag;
            if (!lenient && (tag is null || tag.Namespace is null || !char.IsLetter(tag.Namespace[0])))
            {
                throw new ArgumentException($"tag #{tag} cannot be written: EDN tags need a prefix starting with a letter", nameof(tagged));
            }

            writer.Write('#');
            writer.Write(tag?.ToString());
            writer.Write(' ');
            Print(tagged.Value);
        }

        private static string UnicodeEscape(char c) => string.Create(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
    }
}

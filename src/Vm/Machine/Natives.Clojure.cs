using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Datom.Log.Edn;

namespace Datom.Vm.Machine;

/// <summary>
/// Leaf natives of clojure.core, clojure.string and clojure.math, with Clojure's semantics (checked
/// against JVM Clojure 1.11): regexes, characters, bit operations, number conversions, format,
/// randomness. clojure.string and clojure.math functions are registered under their qualified
/// names (<c>clojure.string/replace</c>), which <see cref="Builtins.Canonical"/> finds for a
/// qualified or aliased symbol, so that they never clash with clojure.core's.
/// </summary>
internal static partial class Natives
{
    private static void RegisterClojure()
    {
        RegisterRegex();
        RegisterClojureString();
        RegisterClojureMath();
        RegisterBits();
        RegisterUnchecked();
        RegisterConversions();
        RegisterInterop();
    }

    // ---- regexes ----

    private static void RegisterRegex()
    {
        Def("re-pattern", 1, 1, (_, a) => a[0].Obj is YRegex ? a[0] : YRegex.Compile(StringArg("re-pattern", a[0])));
        Def("re-matches", 2, 2, (m, a) =>
        {
            var (re, s) = RegexArgs("re-matches", a);
            var match = re.Run("re-matches", r => r.Match(s));
            return match.Success && match.Index == 0 && match.Length == s.Length ? Groups(m, match) : Val.Nil;
        });
        Def("re-find", 1, 2, (m, a) =>
        {
            if (a.Length == 1)
                return (a[0].Obj as YMatcher ?? throw TypeError("re-find", "a matcher (re-matcher)", a[0])).Find(m);
            var (re, s) = RegexArgs("re-find", a);
            var match = re.Run("re-find", r => r.Match(s));
            return match.Success ? Groups(m, match) : Val.Nil;
        });
        Def("re-seq", 2, 2, (m, a) =>
        {
            var (re, s) = RegexArgs("re-seq", a);
            var items = ImmutableList.CreateBuilder<Val>();
            re.Run("re-seq", r =>
            {
                for (var match = r.Match(s); match.Success; match = match.NextMatch())
                {
                    m.Burn(1);
                    items.Add(Groups(m, match));
                }
                return 0;
            });
            m.Charge(Heap.VectorBytes + (Heap.ElementBytes * items.Count));
            return items.Count == 0 ? Val.Nil : Val.Object(new YSeq(items.ToImmutable(), 0));
        });
    }

    private static (YRegex Regex, string Text) RegexArgs(string fn, ReadOnlySpan<Val> a) =>
        (a[0].Obj as YRegex ?? throw TypeError(fn, "a regex", a[0]), StringArg(fn, a[1]));

    /// <summary>re-groups: the match text, or with groups a vector of it and each group (nil where a group did not take part).</summary>
    private static Val Groups(YinMachine m, Match match)
    {
        if (match.Groups.Count == 1)
            return Charged(m, match.Value);
        var items = new Val[match.Groups.Count];
        for (var i = 0; i < items.Length; i++)
            items[i] = match.Groups[i].Success ? Charged(m, match.Groups[i].Value) : Val.Nil;
        m.Charge(Heap.VectorBytes + (Heap.ElementBytes * items.Length));
        return ValConvert.Vector(items);
    }

    // ---- clojure.string ----

    private static void DefString(string name, int min, int max, NativeFn fn) => Def("clojure.string/" + name, min, max, fn);

    private static void RegisterClojureString()
    {
        const string Ns = "clojure.string/";
        DefString("upper-case", 1, 1, (m, a) => Charged(m, Str(Ns + "upper-case", a[0]).ToUpperInvariant()));
        DefString("lower-case", 1, 1, (m, a) => Charged(m, Str(Ns + "lower-case", a[0]).ToLowerInvariant()));
        DefString("capitalize", 1, 1, (m, a) =>
        {
            var s = Str(Ns + "capitalize", a[0]);
            return Charged(m, s.Length < 2 ? s.ToUpperInvariant() : s[..1].ToUpperInvariant() + s[1..].ToLowerInvariant());
        });
        // Clojure trims Character/isWhitespace, which (unlike .NET's Trim) excludes non-breaking spaces.
        DefString("trim", 1, 1, (m, a) => Charged(m, Str(Ns + "trim", a[0]).Trim(JavaWhitespace)));
        DefString("triml", 1, 1, (m, a) => Charged(m, Str(Ns + "triml", a[0]).TrimStart(JavaWhitespace)));
        DefString("trimr", 1, 1, (m, a) => Charged(m, Str(Ns + "trimr", a[0]).TrimEnd(JavaWhitespace)));
        DefString("trim-newline", 1, 1, (m, a) => Charged(m, Str(Ns + "trim-newline", a[0]).TrimEnd('\r', '\n')));
        DefString("blank?", 1, 1, (_, a) => Val.Bool(a[0].IsNil || Str(Ns + "blank?", a[0]).AsSpan().Trim(JavaWhitespace).IsEmpty));
        DefString("join", 1, 2, (m, a) => Concat(m, a.Length == 2 ? ValPrinter.Display(a[0]) : "", [.. Items(Ns + "join", a[^1]).Select(ValPrinter.Display)]));
        DefString("reverse", 1, 1, (m, a) =>
        {
            var chars = Str(Ns + "reverse", a[0]).ToCharArray();
            Array.Reverse(chars);
            return Charged(m, new string(chars));
        });
        DefString("starts-with?", 2, 2, (_, a) => Val.Bool(Str(Ns + "starts-with?", a[0]).StartsWith(Str(Ns + "starts-with?", a[1]), StringComparison.Ordinal)));
        DefString("ends-with?", 2, 2, (_, a) => Val.Bool(Str(Ns + "ends-with?", a[0]).EndsWith(Str(Ns + "ends-with?", a[1]), StringComparison.Ordinal)));
        DefString("includes?", 2, 2, (_, a) => Val.Bool(Str(Ns + "includes?", a[0]).Contains(Str(Ns + "includes?", a[1]), StringComparison.Ordinal)));
        DefString("index-of", 2, 3, (_, a) => IndexOf(Ns + "index-of", a, last: false));
        DefString("last-index-of", 2, 3, (_, a) => IndexOf(Ns + "last-index-of", a, last: true));
        DefString("split", 2, 3, (m, a) =>
        {
            var s = Str(Ns + "split", a[0]);
            var re = a[1].Obj as YRegex ?? throw TypeError(Ns + "split", "a regex", a[1]);
            var limit = a.Length == 3 ? IntArg(Ns + "split", a[2]) : 0;
            return StringVector(m, JavaSplit(re, s, limit));
        });
        DefString("split-lines", 1, 1, (m, a) => StringVector(m, JavaSplit(LineBreak, Str(Ns + "split-lines", a[0]), 0)));
        DefString("replace", 3, 3, (m, a) => Replace(m, Ns + "replace", a, all: true));
        DefString("replace-first", 3, 3, (m, a) => Replace(m, Ns + "replace-first", a, all: false));
        DefString("escape", 2, 2, (m, a) =>
        {
            var s = Str(Ns + "escape", a[0]);
            // cmap is a map or a function of the character; nil keeps the character.
            var cmap = a[1];
            if (cmap.Obj is not (YMap or YFunction))
                throw TypeError(Ns + "escape", "a map or function of characters to replacements", cmap);
            var sb = new StringBuilder(s.Length);
            foreach (var c in s)
            {
                var replacement = cmap.Obj is YMap map
                    ? map.Items.TryGetValue(Val.Char(c), out var r) ? r : Val.Nil
                    : m.Invoke(cmap, [Val.Char(c)]);
                if (!replacement.IsNil)
                    sb.Append(ValPrinter.Display(replacement));
                else
                    sb.Append(c);
            }
            return NewString(m, sb);
        });
    }

    private static readonly char[] JavaWhitespace = [.. Enumerable.Range(0, 0x3001).Select(i => (char)i).Where(IsJavaWhitespace)];

    private static readonly Lazy<YRegex> LineBreakRegex = new(() => (YRegex)YRegex.Compile("\\r?\\n").Obj!);

    private static YRegex LineBreak => LineBreakRegex.Value;

    /// <summary>Java's Character.isWhitespace: space separators except the non-breaking ones, and \t \n \u000B \f \r \u001C-\u001F.</summary>
    internal static bool IsJavaWhitespace(char c) =>
        c is '\t' or '\n' or '\u000B' or '\f' or '\r' or (>= '\u001C' and <= '\u001F')
        || (char.GetUnicodeCategory(c) is UnicodeCategory.SpaceSeparator or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
            && c is not ('\u00A0' or '\u2007' or '\u202F'));

    /// <summary>A string argument; clojure.string's functions take any CharSequence, and so a string only.</summary>
    private static string Str(string fn, Val v) => StringArg(fn, v);

    private static Val IndexOf(string fn, ReadOnlySpan<Val> a, bool last)
    {
        var s = Str(fn, a[0]);
        var value = a[1].IsChar ? a[1].AsChar.ToString() : Str(fn, a[1]);
        int i;
        if (a.Length == 3)
        {
            var from = (int)Math.Clamp(LongArg(fn, a[2]), -1, s.Length);
            i = last
                ? from < 0 ? -1 : s.LastIndexOf(value, Math.Min(from + value.Length - 1, s.Length - 1) is var end && end < 0 ? 0 : end, StringComparison.Ordinal)
                : s.IndexOf(value, Math.Max(from, 0), StringComparison.Ordinal);
        }
        else
        {
            i = last ? s.LastIndexOf(value, StringComparison.Ordinal) : s.IndexOf(value, StringComparison.Ordinal);
        }
        return i < 0 ? Val.Nil : Val.Long(i);
    }

    /// <summary>
    /// Java's String.split: with limit 0, trailing empty strings are dropped; a zero-width match at
    /// the start never makes a leading empty string; with a positive limit, at most that many parts.
    /// </summary>
    private static List<string> JavaSplit(YRegex re, string s, int limit)
    {
        var parts = new List<string>();
        if (s.Length == 0)
            return [""];
        var start = 0;
        re.Run("split", r =>
        {
            for (var match = r.Match(s); match.Success; match = match.NextMatch())
            {
                if (limit > 0 && parts.Count == limit - 1)
                    break;
                if (match.Length == 0 && match.Index == 0)
                    continue;
                if (match.Length == 0 && match.Index >= s.Length)
                    break;
                parts.Add(s[start..match.Index]);
                start = match.Index + match.Length;
            }
            return 0;
        });
        parts.Add(s[start..]);
        if (limit == 0)
        {
            while (parts.Count > 1 && parts[^1].Length == 0)
                parts.RemoveAt(parts.Count - 1);
            if (parts.Count == 1 && parts[0].Length == 0 && s.Length > 0)
                parts.Clear();
        }
        return parts;
    }

    private static Val StringVector(YinMachine m, List<string> parts)
    {
        m.Charge(Heap.VectorBytes + (Heap.ElementBytes * parts.Count) + parts.Sum(p => Heap.StringBytes(p.Length)));
        return ValConvert.Vector(parts.Select(Val.String));
    }

    /// <summary>
    /// clojure.string/replace and replace-first: a string or character match is literal; a regex
    /// match takes a replacement string in Java's syntax (<c>$1</c>, <c>${name}</c>, <c>\$</c> for a
    /// dollar) or a function of the match.
    /// </summary>
    private static Val Replace(YinMachine m, string fn, ReadOnlySpan<Val> a, bool all)
    {
        var s = Str(fn, a[0]);
        if (a[1].Obj is YRegex re)
        {
            if (a[2].Obj is YFunction)
                return ReplaceWithFunction(m, fn, s, re, a[2], all);
            var net = JavaReplacement(fn, Str(fn, a[2]));
            var result = re.Run(fn, r => all ? r.Replace(s, net) : r.Replace(s, net, 1));
            return Charged(m, result);
        }
        string match;
        string with;
        if (a[1].IsChar)
        {
            match = a[1].AsChar.ToString();
            with = a[2].IsChar ? a[2].AsChar.ToString() : throw TypeError(fn, "a character replacement for a character match", a[2]);
        }
        else
        {
            match = Str(fn, a[1]);
            with = Str(fn, a[2]);
        }
        if (match.Length == 0)
        {
            // Java inserts the replacement around every character for an empty match.
            var sb = new StringBuilder(with);
            foreach (var c in s)
            {
                sb.Append(c);
                if (all)
                    sb.Append(with);
            }
            return NewString(m, all ? sb : new StringBuilder(with + s));
        }
        if (all)
        {
            var count = (s.Length - s.Replace(match, "", StringComparison.Ordinal).Length) / match.Length;
            m.Charge(Heap.StringBytes(s.Length + ((long)count * Math.Max(0, with.Length - match.Length))));
            return Val.String(s.Replace(match, with, StringComparison.Ordinal));
        }
        var at = s.IndexOf(match, StringComparison.Ordinal);
        return at < 0 ? a[0] : Charged(m, string.Concat(s.AsSpan(0, at), with, s.AsSpan(at + match.Length)));
    }

    /// <summary>
    /// A function as the replacement: called (back in Yin, through <see cref="YinMachine.Invoke"/>,
    /// so its fuel and limits count) with each match as <c>re-find</c> gives it (the text, or a
    /// vector of it and the groups); its result's <c>str</c> replaces the match, taken literally.
    /// </summary>
    private static Val ReplaceWithFunction(YinMachine m, string fn, string s, YRegex re, Val f, bool all)
    {
        var matches = re.Run(fn, r =>
        {
            var found = new List<Match>();
            for (var match = r.Match(s); match.Success; match = match.NextMatch())
            {
                found.Add(match);
                if (!all)
                    break;
            }
            return found;
        });
        var sb = new StringBuilder(s.Length);
        var at = 0;
        foreach (var match in matches)
        {
            sb.Append(s, at, match.Index - at);
            sb.Append(ValPrinter.Display(m.Invoke(f, [Groups(m, match)])));
            at = match.Index + match.Length;
        }
        sb.Append(s, at, s.Length - at);
        return NewString(m, sb);
    }

    /// <summary>A Java replacement string (<c>$1</c>, <c>${name}</c>, <c>\x</c> for a literal x) in .NET's syntax.</summary>
    private static string JavaReplacement(string fn, string java)
    {
        var sb = new StringBuilder(java.Length + 8);
        for (var i = 0; i < java.Length; i++)
        {
            var c = java[i];
            if (c == '\\')
            {
                if (++i >= java.Length)
                    throw YinException.Of(Kinds.Argument, $"{fn}: character to be escaped is missing at the end of the replacement");
                sb.Append(java[i] == '$' ? "$$" : java[i].ToString());
            }
            else if (c == '$')
            {
                if (i + 1 < java.Length && java[i + 1] == '{')
                {
                    var close = java.IndexOf('}', i);
                    if (close < 0)
                        throw YinException.Of(Kinds.Argument, $"{fn}: named group reference is missing its '}}'");
                    sb.Append(java, i, close - i + 1);
                    i = close;
                }
                else
                {
                    var j = i + 1;
                    while (j < java.Length && char.IsAsciiDigit(java[j]))
                        j++;
                    if (j == i + 1)
                        throw YinException.Of(Kinds.Argument, $"{fn}: illegal group reference in the replacement (a $ must be followed by a group number or {{name}}; write \\\\$ for a dollar)");
                    sb.Append("${").Append(java, i + 1, j - i - 1).Append('}');
                    i = j - 1;
                }
            }
            else
            {
                sb.Append(c);
            }
        }
        return sb.ToString();
    }
}

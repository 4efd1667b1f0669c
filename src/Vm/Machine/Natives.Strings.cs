using System.Globalization;
using System.Text;
using Datom.Log.Edn;

namespace Datom.Vm.Machine;

internal static partial class Natives
{
    private static void RegisterStrings()
    {
        Def("str", 0, -1, (m, a) => Concat(m, "", [.. a.ToArray().Select(ValPrinter.Display)]));
        Def("pr-str", 0, -1, (m, a) => NewString(m, new StringBuilder(string.Join(' ', a.ToArray().Select(ValPrinter.Edn)))));
        Def("subs", 2, 3, (m, a) =>
        {
            var s = StringArg("subs", a[0]);
            // Any number, truncated as Java's intValue: (subs "abcdef" 5/2) is "cdef", as in Clojure.
            var start = Integral("subs", a[1], int.MinValue, int.MaxValue).AsLong;
            var end = a.Length > 2 ? Integral("subs", a[2], int.MinValue, int.MaxValue).AsLong : s.Length;
            if (start < 0 || end > s.Length || start > end)
                throw YinException.Of(Kinds.Index, $"subs: [{start} {end}) is outside a string of {s.Length}");
            m.Charge(Heap.StringBytes(end - start));
            return Val.String(s[(int)start..(int)end]);
        });
        Def("upper-case", 1, 1, (m, a) => Charged(m, StringArg("upper-case", a[0]).ToUpperInvariant()));
        Def("lower-case", 1, 1, (m, a) => Charged(m, StringArg("lower-case", a[0]).ToLowerInvariant()));
        Def("capitalize", 1, 1, (m, a) =>
        {
            var s = StringArg("capitalize", a[0]);
            return Charged(m, s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..].ToLowerInvariant());
        });
        Def("trim", 1, 1, (m, a) => Charged(m, StringArg("trim", a[0]).Trim()));
        Def("blank?", 1, 1, (_, a) => Val.Bool(a[0].IsNil || string.IsNullOrWhiteSpace(StringArg("blank?", a[0]))));
        Def("includes?", 2, 2, (_, a) => Val.Bool(StringArg("includes?", a[0]).Contains(StringArg("includes?", a[1]), StringComparison.Ordinal)));
        Def("starts-with?", 2, 2, (_, a) => Val.Bool(StringArg("starts-with?", a[0]).StartsWith(StringArg("starts-with?", a[1]), StringComparison.Ordinal)));
        Def("ends-with?", 2, 2, (_, a) => Val.Bool(StringArg("ends-with?", a[0]).EndsWith(StringArg("ends-with?", a[1]), StringComparison.Ordinal)));
        Def("split", 2, 2, (m, a) =>
        {
            var parts = StringArg("split", a[0]).Split(StringArg("split", a[1]));
            m.Charge(parts.Sum(p => Heap.StringBytes(p.Length)));
            return NewVector(m, [.. parts.Select(Val.String)]);
        });
        Def("join", 1, 2, (m, a) => Concat(m, a.Length == 2 ? ValPrinter.Display(a[0]) : "", [.. Items("join", a[^1]).Select(ValPrinter.Display)]));
        Def("name", 1, 1, (_, a) => a[0].Obj switch
        {
            Keyword k => Val.String(k.Name),
            Symbol s => Val.String(s.Name),
            string => a[0],
            _ => throw TypeError("name", "a keyword, symbol or string", a[0]),
        });
        Def("namespace", 1, 1, (_, a) => a[0].Obj switch
        {
            Keyword { Namespace: { } ns } => Val.String(ns),
            Symbol { Namespace: { } ns } => Val.String(ns),
            Keyword or Symbol => Val.Nil,
            _ => throw TypeError("namespace", "a keyword or symbol", a[0]),
        });
        Def("keyword", 1, 2, (_, a) =>
        {
            try
            {
                return a.Length == 1
                    ? a[0].Obj is Keyword ? a[0] : Val.Keyword(Keyword.Parse(StringArg("keyword", a[0])))
                    : Val.Keyword(Keyword.Intern(a[0].IsNil ? null : StringArg("keyword", a[0]), StringArg("keyword", a[1])));
            }
            catch (Exception e) when (e is ArgumentException or FormatException)
            {
                throw YinException.Of(Kinds.Argument, "keyword: " + e.Message);
            }
        });
        // As clojure.lang.Symbol.intern: one string is split at its first '/' (unless it is "/"),
        // and nothing is checked against the reader's grammar.
        Def("symbol", 1, 2, (_, a) =>
        {
            if (a.Length == 2)
                return Val.Symbol(Symbol.Unchecked(a[0].IsNil ? null : StringArg("symbol", a[0]), StringArg("symbol", a[1])));
            if (a[0].Obj is Symbol)
                return a[0];
            if (a[0].Obj is Keyword k)
                return Val.Symbol(Symbol.Unchecked(k.Namespace, k.Name));
            var text = StringArg("symbol", a[0]);
            var slash = text.IndexOf('/', StringComparison.Ordinal);
            return Val.Symbol(slash <= 0 || text == "/" ? Symbol.Unchecked(null, text) : Symbol.Unchecked(text[..slash], text[(slash + 1)..]));
        });
        Def("parse-long", 1, 1, (_, a) =>
            long.TryParse(StringArg("parse-long", a[0]), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) ? Val.Long(n) : Val.Nil);
        Def("parse-double", 1, 1, (_, a) =>
            double.TryParse(StringArg("parse-double", a[0]), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? Val.Double(d) : Val.Nil);
        // Exactly "true" or "false", as clojure.core/parse-boolean; anything else is nil.
        Def("parse-boolean", 1, 1, (_, a) => StringArg("parse-boolean", a[0]) switch { "true" => Val.True, "false" => Val.False, _ => Val.Nil });
        Def("parse-uuid", 1, 1, (_, a) =>
        {
            var text = StringArg("parse-uuid", a[0]);
            return text.Length == 36 && Guid.TryParseExact(text, "D", out var g) ? Val.Uuid(g) : Val.Nil;
        });
    }

    private static Val Charged(YinMachine m, string s)
    {
        m.Charge(Heap.StringBytes(s.Length));
        return Val.String(s);
    }

    /// <summary>Joins texts, charging the result before it is made, so that doubling a string in a loop stops at the memory limit.</summary>
    private static Val Concat(YinMachine m, string separator, string[] parts)
    {
        var length = parts.Sum(p => (long)p.Length) + ((long)separator.Length * Math.Max(0, parts.Length - 1));
        m.Charge(Heap.StringBytes(length));
        if (length > Array.MaxLength)
            throw YinException.Of(Kinds.Limit("memory"), $"a string of {length} characters is larger than any string can be");
        return Val.String(string.Join(separator, parts));
    }

    private static Val NewString(YinMachine m, StringBuilder sb)
    {
        m.Charge(Heap.StringBytes(sb.Length));
        return Val.String(sb.ToString());
    }
}

using System.Globalization;
using System.Text;
using Datom.Log.Edn;
using Datom.Log.Model;

namespace Datom.Vm.Machine;

/// <summary>Text of Yin values: readable EDN (<c>pr</c>) and display text (<c>str</c>, <c>print</c>).</summary>
internal static class ValPrinter
{
    public static string Edn(Val v)
    {
        var sb = new StringBuilder();
        Print(sb, v, readable: true);
        return sb.ToString();
    }

    /// <summary>
    /// What <c>str</c> makes of a value, as Java's <c>toString</c>: a string as it is, nil as
    /// nothing, a character as itself, a regex as its pattern, and everything else as <c>pr</c>
    /// prints it (Clojure's collections print readably in <c>toString</c>: <c>(str ["a"])</c> is
    /// <c>"[\"a\"]"</c>).
    /// </summary>
    public static string Display(Val v) => v.Kind switch
    {
        ValKind.Nil => "",
        ValKind.String => v.AsString,
        ValKind.Char => v.AsChar.ToString(),
        ValKind.Regex => ((YRegex)v.Obj!).Pattern,
        ValKind.BigInt => ((System.Numerics.BigInteger)v.Obj!).ToString(CultureInfo.InvariantCulture),
        ValKind.Atom when HostObject((YAtom)v.Obj!) is { } host => host,
        _ => Edn(v),
    };

    /// <summary>An array's or transient's Java <c>toString</c> (<c>[I@1f</c>), or null for other references.</summary>
    private static string? HostObject(YAtom atom) =>
        atom.Kind.StartsWith(Natives.ArrayKind, StringComparison.Ordinal) || atom.Kind == "transient"
            ? Classes.Of(Val.Object(atom)) + "@" + atom.Serial.ToString("x", CultureInfo.InvariantCulture)
            : null;


    [ThreadStatic]
    private static Action<string>? _writeThrough;

    /// <summary>Prints to an output as <c>pr</c> and <c>print</c> do: text before an unrealised lazy seq is written before the seq is walked.</summary>
    public static void PrintTo(Action<string> write, StringBuilder sb, Val v, bool readable)
    {
        var outer = _writeThrough;
        _writeThrough = write;
        try
        {
            Print(sb, v, readable);
        }
        finally
        {
            _writeThrough = outer;
        }
    }

    public static StringBuilder Print(StringBuilder sb, Val v, bool readable)
    {
        ValComparer.Guard();
        switch (v.Kind)
        {
            case ValKind.Nil:
                return sb.Append("nil");
            case ValKind.Boolean:
                return sb.Append(v.AsBool ? "true" : "false");
            case ValKind.Long:
                return sb.Append(v.AsLong.ToString(CultureInfo.InvariantCulture));
            case ValKind.Double:
                return JavaDouble(sb, v.AsDouble);
            case ValKind.String:
                return readable ? QuotedString(sb, v.AsString) : sb.Append(v.AsString);
            case ValKind.Char:
                return readable ? CharLiteral(sb, v.AsChar) : sb.Append(v.AsChar);
            case ValKind.BigInt:
                // print and pr both write the N (Clojure's print-method for BigInt); only str drops it.
                return sb.Append(((System.Numerics.BigInteger)v.Obj!).ToString(CultureInfo.InvariantCulture)).Append('N');
            case ValKind.Ratio:
                return sb.Append(((YRatio)v.Obj!).ToString());
            case ValKind.Regex:
                return sb.Append("#\"").Append(((YRegex)v.Obj!).Pattern).Append('"');
            case ValKind.Keyword or ValKind.Symbol:
                return sb.Append(v.Obj);
            case ValKind.Instant:
                return sb.Append(EdnWriter.Write(DateTimeOffset.FromUnixTimeMilliseconds(v.AsInstantMs)));
            case ValKind.Uuid:
                return sb.Append(EdnWriter.Write((Guid)v.Obj!));
            case ValKind.Entity:
                return sb.Append("#id \"").Append(((EntityId)v.Obj!).ToString()).Append('"');
            case ValKind.Vector:
                return Sequence(sb, "[", ((YVector)v.Obj!).Items, "]", readable);
            case ValKind.Seq:
                if (v.Obj is YLazySeq { IsRealized: false } && _writeThrough is { } write)
                {
                    // As Clojure's print-method, which writes "(" before it walks the seq: what
                    // realising it prints comes after the parenthesis (prn of a for that prints).
                    sb.Append('(');
                    write(sb.ToString());
                    sb.Clear();
                    return Sequence(sb, "", Seqs.Values(v), ")", readable);
                }
                return Sequence(sb, "(", Seqs.Values(v), ")", readable);
            case ValKind.Set:
                return Sequence(sb, "#{", ((YSet)v.Obj!).Items, "}", readable);
            case ValKind.Map:
                return Map(sb, ((YMap)v.Obj!).Items.Select(kv => (kv.Key, kv.Value)), readable);
            case ValKind.Record:
            {
                // Clojure prints a record as its class name: the namespace munged (- to _), a dot, the name.
                var r = (YRecord)v.Obj!;
                var slash = r.Type.Key.LastIndexOf('/');
                var ns = slash < 0 ? "" : r.Type.Key[..slash].Replace('-', '_');
                sb.Append('#').Append(ns).Append(ns.Length > 0 ? "." : "").Append(r.Type.Name);
                return Map(sb, r.Type.Fields.Select((f, i) => (Val.Keyword(f), r.Values[i])), readable);
            }
            case ValKind.Fn:
                return sb.Append("#yin/fn ").Append(EdnWriter.Write(((YFunction)v.Obj!).Name));
            case ValKind.Atom:
            {
                // Clojure prints #object[clojure.lang.Atom 0x1f2e3d {:status :ready, :val 1}]; the
                // address is the JVM's, so Yin prints the rest.
                var atom = (YAtom)v.Obj!;
                if (HostObject(atom) is { } host)
                {
                    // Arrays and transients: Clojure's #object["[I" 0x6058e535 "[I@6058e535"], with the
                    // creation number in place of the JVM's identity hash.
                    var cls = Classes.Of(v);
                    var quoted = cls.StartsWith('[') ? "\"" + cls + "\"" : cls;
                    return sb.Append("#object[").Append(quoted).Append(" 0x").Append(atom.Serial.ToString("x", CultureInfo.InvariantCulture))
                        .Append(" \"").Append(host).Append("\"]");
                }
                sb.Append("#object[").Append(atom.Kind switch { "atom" => "clojure.lang.Atom", "volatile" => "clojure.lang.Volatile", _ => "clojure.lang.Delay" }).Append(' ');
                if (atom.Pending is not null)
                    return sb.Append("{:status :pending, :val nil}]");
                return Print(sb.Append("{:status :ready, :val "), atom.Value, readable).Append("}]");
            }
            default:
            {
                var e = (YinError)v.Obj!;
                sb.Append("#yin/error {:kind ").Append(e.Kind).Append(", :message ").Append(EdnWriter.Write(e.Message));
                if (!e.Data.IsNil)
                    Print(sb.Append(", :data "), e.Data, readable);
                return sb.Append('}');
            }
        }
    }

    /// <summary>
    /// Java's <c>Double.toString</c>, which Clojure prints: the shortest digits that read back as
    /// the same double; plain notation with at least one decimal for 10^-3 &lt;= |d| &lt; 10^7
    /// (<c>1.0</c>, <c>0.001</c>, <c>1234567.0</c>), otherwise <c>d.dddE±n</c> (<c>1.0E7</c>,
    /// <c>1.0E-4</c>); <c>##Inf</c>, <c>##-Inf</c>, <c>##NaN</c> as Clojure's printer writes them.
    /// </summary>
    /// <summary>Java's Double.toString: as Clojure prints a double, but Infinity, -Infinity and NaN by those names.</summary>
    public static string JavaDoubleText(double d) =>
        double.IsPositiveInfinity(d) ? "Infinity" : double.IsNegativeInfinity(d) ? "-Infinity" : double.IsNaN(d) ? "NaN" : JavaDouble(new StringBuilder(), d).ToString();

    public static StringBuilder JavaDouble(StringBuilder sb, double d)
    {
        if (double.IsNaN(d))
            return sb.Append("##NaN");
        if (double.IsInfinity(d))
            return sb.Append(d > 0 ? "##Inf" : "##-Inf");
        if (d == 0)
            return sb.Append(double.IsNegative(d) ? "-0.0" : "0.0");
        // .NET's "R" is the shortest text that round-trips, as Java's (JDK 19+) is.
        var (digits, exponent) = Decompose(Math.Abs(d).ToString("R", CultureInfo.InvariantCulture));
        if (digits.Length == 1)
        {
            // Java always shows two digits (d.d) and picks the two-digit decimal nearest the exact
            // value, which differs from the one-digit shortest only for subnormals: 4.9E-324, not 5.0E-324.
            var two = Math.Abs(d).ToString("E1", CultureInfo.InvariantCulture);
            if (double.Parse(two, CultureInfo.InvariantCulture) == Math.Abs(d))
                (digits, exponent) = Decompose(two);
        }
        if (d < 0)
            sb.Append('-');
        if (exponent >= -3 && exponent < 7)
        {
            if (exponent < 0)
            {
                sb.Append("0.").Append('0', -exponent - 1).Append(digits);
            }
            else
            {
                var intPart = digits.Length > exponent + 1 ? digits[..(exponent + 1)] : digits.PadRight(exponent + 1, '0');
                var frac = digits.Length > exponent + 1 ? digits[(exponent + 1)..] : "0";
                sb.Append(intPart).Append('.').Append(frac);
            }
            return sb;
        }
        sb.Append(digits[0]).Append('.').Append(digits.Length > 1 ? digits[1..] : "0");
        return sb.Append('E').Append(exponent.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>The significant digits (no leading or trailing zeros) and decimal exponent of a positive double's shortest form.</summary>
    private static (string Digits, int Exponent) Decompose(string shortest)
    {
        var e = shortest.IndexOf('E', StringComparison.Ordinal);
        var mantissa = e < 0 ? shortest : shortest[..e];
        var exp = e < 0 ? 0 : int.Parse(shortest.AsSpan(e + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        var dot = mantissa.IndexOf('.', StringComparison.Ordinal);
        var intPart = dot < 0 ? mantissa : mantissa[..dot];
        var fracPart = dot < 0 ? "" : mantissa[(dot + 1)..];
        var all = intPart + fracPart;
        var pointAfter = intPart.Length; // the decimal point sits after this many digits of `all`
        var lead = 0;
        while (lead < all.Length - 1 && all[lead] == '0')
            lead++;
        var digits = all[lead..].TrimEnd('0');
        if (digits.Length == 0)
            digits = "0";
        return (digits, exp + pointAfter - lead - 1);
    }

    /// <summary>A string as <c>pr</c> prints it (core_print's char-escape-string): only <c>" \ \n \t \r \f \b</c> are escaped.</summary>
    private static StringBuilder QuotedString(StringBuilder sb, string s)
    {
        sb.Append('"');
        foreach (var c in s)
        {
            _ = c switch
            {
                '"' => sb.Append("\\\""),
                '\\' => sb.Append("\\\\"),
                '\n' => sb.Append("\\n"),
                '\t' => sb.Append("\\t"),
                '\r' => sb.Append("\\r"),
                '\f' => sb.Append("\\f"),
                '\b' => sb.Append("\\b"),
                _ => sb.Append(c),
            };
        }
        return sb.Append('"');
    }

    /// <summary>A character as <c>pr</c> prints it (core_print's char-name-string).</summary>
    private static StringBuilder CharLiteral(StringBuilder sb, char c) => sb.Append('\\').Append(c switch
    {
        '\n' => "newline",
        '\t' => "tab",
        ' ' => "space",
        '\b' => "backspace",
        '\f' => "formfeed",
        '\r' => "return",
        _ => c.ToString(),
    });

    private static StringBuilder Sequence(StringBuilder sb, string open, IEnumerable<Val> items, string close, bool readable)
    {
        sb.Append(open);
        var first = true;
        foreach (var item in items)
        {
            if (!first)
                sb.Append(' ');
            first = false;
            Print(sb, item, readable);
        }
        return sb.Append(close);
    }

    private static StringBuilder Map(StringBuilder sb, IEnumerable<(Val Key, Val Value)> entries, bool readable)
    {
        sb.Append('{');
        var first = true;
        foreach (var (k, v) in entries)
        {
            if (!first)
                sb.Append(", ");
            first = false;
            Print(sb, k, readable);
            sb.Append(' ');
            Print(sb, v, readable);
        }
        return sb.Append('}');
    }
}

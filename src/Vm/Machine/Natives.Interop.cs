using System.Globalization;
using Datom.Log.Edn;

namespace Datom.Vm.Machine;

/// <summary>
/// The members of Yin's interop allow-list (<see cref="Loading.Interop"/>), each a native named as
/// Clojure spells it: static members <c>Class/member</c>, instance methods <c>.method</c> (the target
/// first), constructors <c>Class.</c>. They compute on values only; semantics are Java's.
/// </summary>
internal static partial class Natives
{
    /// <summary>The exception classes a program may construct (<c>(IllegalArgumentException. "msg")</c>); catching is by <see cref="ExceptionHierarchy"/>.</summary>
    private static readonly string[] Constructible =
    [
        "Throwable", "Exception", "Error", "AssertionError", "RuntimeException", "IllegalArgumentException", "NumberFormatException",
        "IllegalStateException", "ArithmeticException", "UnsupportedOperationException", "IndexOutOfBoundsException",
        "StringIndexOutOfBoundsException", "NullPointerException", "ClassCastException", "NoSuchElementException",
    ];

    /// <summary>
    /// The error kind of an exception of a host class, <c>:exception/IllegalArgumentException</c>:
    /// <see cref="ExceptionHierarchy.Of"/> reads the class back from it.
    /// </summary>
    internal static Keyword ExceptionKind(string className) => Keyword.Intern("exception", className);

    private static void RegisterInterop()
    {
        RegisterCharacter();
        RegisterNumberClasses();
        RegisterStringMethods();
        foreach (var cls in Constructible)
        {
            var kind = ExceptionKind(cls);
            Def(cls + ".", 0, 1, (_, a) => Val.Object(new YinError(kind, a.Length == 0 || a[0].IsNil ? "" : ValPrinter.Display(a[0]), Val.Nil, cls)));
        }
        Def(".getMessage", 1, 1, (_, a) => a[0].Obj is YinError e ? (e.Message.Length == 0 ? Val.Nil : Val.String(e.Message)) : throw TypeError(".getMessage", "an exception", a[0]));
        Def("System/currentTimeMillis", 0, 0, (m, _) => Val.Long(m.Now()));
    }

    private static char CharArg(string fn, Val v) => v.IsChar ? v.AsChar : throw TypeError(fn, "a character", v);

    /// <summary>Character's static methods take a char or an int code point, as Java's overloads do.</summary>
    private static int CodePoint(string fn, Val v) => v.IsChar ? v.AsChar : v.IsLong && v.AsLong is >= 0 and <= 0x10FFFF ? (int)v.AsLong : throw TypeError(fn, "a character", v);

    private static void RegisterCharacter()
    {
        void Test(string name, Func<int, bool> f) => Def("Character/" + name, 1, 1, (_, a) => Val.Bool(f(CodePoint("Character/" + name, a[0]))));
        Test("isDigit", c => c <= char.MaxValue ? char.IsDigit((char)c) : System.Text.Rune.IsDigit(new System.Text.Rune(c)));
        Test("isLetter", c => c <= char.MaxValue ? char.IsLetter((char)c) : System.Text.Rune.IsLetter(new System.Text.Rune(c)));
        Test("isLetterOrDigit", c => c <= char.MaxValue ? char.IsLetterOrDigit((char)c) : System.Text.Rune.IsLetterOrDigit(new System.Text.Rune(c)));
        Test("isAlphabetic", c => c <= char.MaxValue && (char.IsLetter((char)c) || char.GetUnicodeCategory((char)c) == UnicodeCategory.LetterNumber));
        Test("isWhitespace", c => c <= char.MaxValue && IsJavaWhitespace((char)c));
        Test("isSpaceChar", c => c <= char.MaxValue && char.GetUnicodeCategory((char)c) is UnicodeCategory.SpaceSeparator or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator);
        Test("isUpperCase", c => c <= char.MaxValue && char.IsUpper((char)c));
        Test("isLowerCase", c => c <= char.MaxValue && char.IsLower((char)c));
        Def("Character/toUpperCase", 1, 1, (_, a) => CaseMap("Character/toUpperCase", a[0], char.ToUpperInvariant));
        Def("Character/toLowerCase", 1, 1, (_, a) => CaseMap("Character/toLowerCase", a[0], char.ToLowerInvariant));
        Def("Character/getNumericValue", 1, 1, (_, a) => Val.Long(DigitValue(CharArg("Character/getNumericValue", a[0]), 36)));
        Def("Character/digit", 2, 2, (_, a) => Val.Long(DigitValue(CharArg("Character/digit", a[0]), IntArg("Character/digit", a[1]))));
        Def("Character/valueOf", 1, 1, (_, a) => Val.Char(CharArg("Character/valueOf", a[0])));
        Def("Character/toString", 1, 1, (_, a) => Val.String(CharArg("Character/toString", a[0]).ToString()));
        Def("Character/MAX_VALUE", 0, 0, (_, _) => Val.Char(char.MaxValue));
        Def("Character/MIN_VALUE", 0, 0, (_, _) => Val.Char(char.MinValue));
    }

    private static Val CaseMap(string fn, Val v, Func<char, char> map) =>
        v.IsChar ? Val.Char(map(v.AsChar)) : v.IsLong ? Val.Long(map((char)CodePoint(fn, v))) : throw TypeError(fn, "a character", v);

    /// <summary>Character.digit: the value of a digit or ASCII letter in the radix, or -1.</summary>
    private static int DigitValue(char c, int radix)
    {
        var d = char.IsDigit(c) ? (int)char.GetNumericValue(c) : c is >= 'a' and <= 'z' ? c - 'a' + 10 : c is >= 'A' and <= 'Z' ? c - 'A' + 10 : -1;
        return d >= 0 && d < radix && radix is >= 2 and <= 36 ? d : -1;
    }

    private static void RegisterNumberClasses()
    {
        Def("Integer/parseInt", 1, 2, (_, a) => Val.Long(ParseInteger("Integer/parseInt", a, int.MinValue, int.MaxValue)));
        Def("Integer/valueOf", 1, 2, (_, a) => a[0].IsLong ? Integral("Integer/valueOf", a[0], int.MinValue, int.MaxValue) : Val.Long(ParseInteger("Integer/valueOf", a, int.MinValue, int.MaxValue)));
        Def("Long/parseLong", 1, 2, (_, a) => Val.Long(ParseInteger("Long/parseLong", a, long.MinValue, long.MaxValue)));
        Def("Long/valueOf", 1, 2, (_, a) => a[0].IsLong ? a[0] : Val.Long(ParseInteger("Long/valueOf", a, long.MinValue, long.MaxValue)));
        Def("Integer/MAX_VALUE", 0, 0, (_, _) => Val.Long(int.MaxValue));
        Def("Integer/MIN_VALUE", 0, 0, (_, _) => Val.Long(int.MinValue));
        Def("Long/MAX_VALUE", 0, 0, (_, _) => Val.Long(long.MaxValue));
        Def("Long/MIN_VALUE", 0, 0, (_, _) => Val.Long(long.MinValue));
        foreach (var cls in new[] { "Integer", "Long" })
        {
            Def(cls + "/toString", 1, 2, (_, a) => Val.String(a.Length == 1
                ? LongArg(cls + "/toString", a[0]).ToString(CultureInfo.InvariantCulture)
                : InRadix(LongArg(cls + "/toString", a[0]), IntArg(cls + "/toString", a[1]))));
            Def(cls + "/toBinaryString", 1, 1, (_, a) => Val.String(Unsigned(cls, LongArg(cls + "/toBinaryString", a[0]), 2)));
            Def(cls + "/toHexString", 1, 1, (_, a) => Val.String(Unsigned(cls, LongArg(cls + "/toHexString", a[0]), 16)));
            Def(cls + "/toOctalString", 1, 1, (_, a) => Val.String(Unsigned(cls, LongArg(cls + "/toOctalString", a[0]), 8)));
            Def(cls + "/signum", 1, 1, (_, a) => Val.Long(Math.Sign(LongArg(cls + "/signum", a[0]))));
            Def(cls + "/bitCount", 1, 1, (_, a) => Val.Long(cls == "Integer" ? System.Numerics.BitOperations.PopCount((uint)LongArg(cls + "/bitCount", a[0])) : System.Numerics.BitOperations.PopCount((ulong)LongArg(cls + "/bitCount", a[0]))));
        }
        Def("Double/parseDouble", 1, 1, (_, a) => Val.Double(ParseDouble("Double/parseDouble", a[0])));
        Def("Double/valueOf", 1, 1, (_, a) => a[0].IsNumber ? Val.Double(a[0].ToDouble()) : Val.Double(ParseDouble("Double/valueOf", a[0])));
        Def("Double/isNaN", 1, 1, (_, a) => Val.Bool(double.IsNaN(Num("Double/isNaN", a[0]))));
        Def("Double/isInfinite", 1, 1, (_, a) => Val.Bool(double.IsInfinity(Num("Double/isInfinite", a[0]))));
        Def("Double/toString", 1, 1, (_, a) => Val.String(ValPrinter.JavaDoubleText(Num("Double/toString", a[0]))));
        Def("Double/MAX_VALUE", 0, 0, (_, _) => Val.Double(double.MaxValue));
        Def("Double/MIN_VALUE", 0, 0, (_, _) => Val.Double(double.Epsilon));
        Def("Double/POSITIVE_INFINITY", 0, 0, (_, _) => Val.Double(double.PositiveInfinity));
        Def("Double/NEGATIVE_INFINITY", 0, 0, (_, _) => Val.Double(double.NegativeInfinity));
        Def("Double/NaN", 0, 0, (_, _) => Val.Double(double.NaN));
        // String.valueOf: the text str gives for one value, and a char[]'s characters as one string.
        Def("String/valueOf", 1, 1, (m, a) => IsArray(a[0])
            ? Concat(m, "", [.. Seqs.Values(Unbox(a[0]), m).Select(c => c.IsChar ? c.AsChar.ToString() : ValPrinter.Display(c))])
            : Concat(m, "", [ValPrinter.Display(a[0])]));
        // String.join(separator, elements): each element must be a string (a CharSequence), as in Java.
        Def("String/join", 2, 2, (m, a) =>
        {
            var separator = StringArg("String/join", a[0]);
            return Concat(m, "", [string.Join(separator, Seqs.Values(Unbox(a[1]), m).Select(p => StringArg("String/join", p)))]);
        });
        Def("Boolean/parseBoolean", 1, 1, (_, a) => Val.Bool(!a[0].IsNil && string.Equals(StringArg("Boolean/parseBoolean", a[0]), "true", StringComparison.OrdinalIgnoreCase)));

        // java.lang.Math: overloads on long and double as Java resolves them for Clojure's boxed numbers.
        Def("Math/abs", 1, 1, (_, a) => a[0].IsLong ? Val.Long(a[0].AsLong == long.MinValue ? long.MinValue : Math.Abs(a[0].AsLong)) : Val.Double(Math.Abs(Num("Math/abs", a[0]))));
        Def("Math/max", 2, 2, (_, a) => a[0].IsLong && a[1].IsLong ? Val.Long(Math.Max(a[0].AsLong, a[1].AsLong)) : Val.Double(Math.Max(Num("Math/max", a[0]), Num("Math/max", a[1]))));
        Def("Math/min", 2, 2, (_, a) => a[0].IsLong && a[1].IsLong ? Val.Long(Math.Min(a[0].AsLong, a[1].AsLong)) : Val.Double(Math.Min(Num("Math/min", a[0]), Num("Math/min", a[1]))));
        Def("Math/round", 1, 1, (_, a) => Val.Long(JavaRound(Num("Math/round", a[0]))));
        Def("Math/floorDiv", 2, 2, (_, a) => Val.Long(FloorDiv("Math/floorDiv", LongArg("Math/floorDiv", a[0]), LongArg("Math/floorDiv", a[1]))));
        Def("Math/floorMod", 2, 2, (_, a) =>
        {
            var x = LongArg("Math/floorMod", a[0]);
            var y = LongArg("Math/floorMod", a[1]);
            return Val.Long(x - (FloorDiv("Math/floorMod", x, y) * y));
        });
        Def("Math/PI", 0, 0, (_, _) => Val.Double(Math.PI));
        Def("Math/E", 0, 0, (_, _) => Val.Double(Math.E));
        Def("Math/random", 0, 0, (_, _) => Val.Double(Random.Shared.NextDouble()));
        foreach (var (name, _, f) in DoubleFunctions)
            Def("Math/" + name, 1, 1, (_, a) => Val.Double(f(Num("Math/" + name, a[0]))));
        Def("Math/pow", 2, 2, (_, a) => Val.Double(Math.Pow(Num("Math/pow", a[0]), Num("Math/pow", a[1]))));
        Def("Math/atan2", 2, 2, (_, a) => Val.Double(Math.Atan2(Num("Math/atan2", a[0]), Num("Math/atan2", a[1]))));
        Def("Math/hypot", 2, 2, (_, a) => Val.Double(double.Hypot(Num("Math/hypot", a[0]), Num("Math/hypot", a[1]))));
    }

    /// <summary>Integer.parseInt / Long.parseLong: an optional sign and digits of the radix, in range, or NumberFormatException.</summary>
    private static long ParseInteger(string fn, ReadOnlySpan<Val> a, long min, long max)
    {
        var s = a[0].IsNil ? throw JavaException("NumberFormatException", "Cannot parse null string: null") : StringArg(fn, a[0]);
        var radix = a.Length == 2 ? IntArg(fn, a[1]) : 10;
        var body = s.Length > 0 && s[0] is '-' or '+' ? s.AsSpan(1) : s.AsSpan();
        if (body.IsEmpty || radix is < 2 or > 36)
            throw NumberFormat(s, radix);
        var value = System.Numerics.BigInteger.Zero;
        foreach (var c in body)
        {
            var d = DigitValue(c, radix);
            if (d < 0)
                throw NumberFormat(s, radix);
            value = (value * radix) + d;
            if (value > (System.Numerics.BigInteger)max + 1)
                throw NumberFormat(s, radix);
        }
        if (s[0] == '-')
            value = -value;
        return value < min || value > max ? throw NumberFormat(s, radix) : (long)value;
    }

    private static YinException NumberFormat(string s, int radix) =>
        JavaException("NumberFormatException", radix == 10 ? $"For input string: \"{s}\"" : $"For input string: \"{s}\" under radix {radix}");

    private static double ParseDouble(string fn, Val v)
    {
        var s = StringArg(fn, v).Trim(JavaWhitespace);
        return s switch
        {
            "NaN" => double.NaN,
            "Infinity" or "+Infinity" => double.PositiveInfinity,
            "-Infinity" => double.NegativeInfinity,
            _ when s.Length > 0 && !s.Contains("Infinity", StringComparison.OrdinalIgnoreCase) && !s.Contains('∞', StringComparison.Ordinal)
                && double.TryParse(s.TrimEnd('d', 'D', 'f', 'F'), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
            _ => throw JavaException("NumberFormatException", s.Length == 0 ? "empty String" : $"For input string: \"{s}\""),
        };
    }

    /// <summary>A Java exception of an allow-listed class, as a Yin error a program can catch by that class.</summary>
    internal static YinException JavaException(string className, string message) => new(new YinError(ExceptionKind(className), message, Val.Nil, className));

    private static string InRadix(long n, int radix)
    {
        if (radix is < 2 or > 36)
            radix = 10;
        if (n == 0)
            return "0";
        var negative = n < 0;
        var magnitude = negative ? (ulong)(-(n + 1)) + 1 : (ulong)n;
        var chars = new List<char>();
        while (magnitude > 0)
        {
            var d = (int)(magnitude % (ulong)radix);
            chars.Add((char)(d < 10 ? '0' + d : 'a' + d - 10));
            magnitude /= (ulong)radix;
        }
        if (negative)
            chars.Add('-');
        chars.Reverse();
        return new string([.. chars]);
    }

    /// <summary>toBinaryString and friends: the two's-complement bits as unsigned (32 of them for Integer).</summary>
    private static string Unsigned(string cls, long n, int radix)
    {
        var bits = cls == "Integer" ? (ulong)(uint)n : (ulong)n;
        if (bits == 0)
            return "0";
        var chars = new List<char>();
        while (bits > 0)
        {
            var d = (int)(bits % (ulong)radix);
            chars.Add((char)(d < 10 ? '0' + d : 'a' + d - 10));
            bits /= (ulong)radix;
        }
        chars.Reverse();
        return new string([.. chars]);
    }

    private static void RegisterStringMethods()
    {
        void Method(string name, int min, int max, NativeFn fn) => Def("." + name, min + 1, max < 0 ? -1 : max + 1, fn);
        string Target(string method, Val v) => v.Obj is string s ? s : v.IsNil
            ? throw JavaException("NullPointerException", $"Cannot invoke \"String.{method}()\" because the target is null")
            : throw TypeError("." + method, "a string", v);
        Method("length", 0, 0, (_, a) => Val.Long(Target("length", a[0]).Length));
        Method("isEmpty", 0, 0, (_, a) => Val.Bool(Target("isEmpty", a[0]).Length == 0));
        Method("isBlank", 0, 0, (_, a) => Val.Bool(Target("isBlank", a[0]).AsSpan().Trim(JavaWhitespace).IsEmpty));
        Method("toUpperCase", 0, 0, (m, a) => a[0].IsChar ? Val.Char(char.ToUpperInvariant(a[0].AsChar)) : Charged(m, Target("toUpperCase", a[0]).ToUpperInvariant()));
        Method("toLowerCase", 0, 0, (m, a) => a[0].IsChar ? Val.Char(char.ToLowerInvariant(a[0].AsChar)) : Charged(m, Target("toLowerCase", a[0]).ToLowerInvariant()));
        Method("trim", 0, 0, (m, a) => Charged(m, Target("trim", a[0]).Trim(JavaTrimmed)));
        Method("strip", 0, 0, (m, a) => Charged(m, Target("strip", a[0]).Trim(JavaWhitespace)));
        Method("indexOf", 1, 2, (m, a) => Val.Long(a[0].Kind is ValKind.Vector or ValKind.Seq
            ? ListIndexOf(m, a[0], a[1], last: false)
            : JavaIndexOf("indexOf", Target("indexOf", a[0]), a[1..], last: false)));
        Method("lastIndexOf", 1, 2, (m, a) => Val.Long(a[0].Kind is ValKind.Vector or ValKind.Seq
            ? ListIndexOf(m, a[0], a[1], last: true)
            : JavaIndexOf("lastIndexOf", Target("lastIndexOf", a[0]), a[1..], last: true)));
        Method("substring", 1, 2, (m, a) =>
        {
            var s = Target("substring", a[0]);
            var start = LongArg(".substring", a[1]);
            var end = a.Length > 2 ? LongArg(".substring", a[2]) : s.Length;
            if (start < 0 || end > s.Length || start > end)
                throw JavaException("StringIndexOutOfBoundsException", $"begin {start}, end {end}, length {s.Length}");
            return Charged(m, s[(int)start..(int)end]);
        });
        Method("charAt", 1, 1, (_, a) =>
        {
            var s = Target("charAt", a[0]);
            var i = LongArg(".charAt", a[1]);
            return i >= 0 && i < s.Length ? Val.Char(s[(int)i]) : throw JavaException("IndexOutOfBoundsException", $"Index {i} out of bounds for length {s.Length}");
        });
        Method("startsWith", 1, 1, (_, a) => Val.Bool(Target("startsWith", a[0]).StartsWith(StringArg(".startsWith", a[1]), StringComparison.Ordinal)));
        Method("endsWith", 1, 1, (_, a) => Val.Bool(Target("endsWith", a[0]).EndsWith(StringArg(".endsWith", a[1]), StringComparison.Ordinal)));
        Method("contains", 1, 1, (_, a) => Val.Bool(Target("contains", a[0]).Contains(StringArg(".contains", a[1]), StringComparison.Ordinal)));
        Method("concat", 1, 1, (m, a) => Concat(m, "", [Target("concat", a[0]), StringArg(".concat", a[1])]));
        Method("repeat", 1, 1, (m, a) =>
        {
            var s = Target("repeat", a[0]);
            var n = LongArg(".repeat", a[1]);
            if (n < 0)
                throw JavaException("IllegalArgumentException", $"count is negative: {n}");
            m.Charge(Heap.StringBytes(s.Length * n));
            return Val.String(string.Concat(Enumerable.Repeat(s, (int)n)));
        });
        Method("replace", 2, 2, (m, a) =>
        {
            var s = Target("replace", a[0]);
            if (a[1].IsChar && a[2].IsChar)
                return Charged(m, s.Replace(a[1].AsChar, a[2].AsChar));
            var from = StringArg(".replace", a[1]);
            var to = StringArg(".replace", a[2]);
            return from.Length == 0 ? throw YinException.Of(Kinds.Argument, ".replace: the text to replace is empty") : Charged(m, s.Replace(from, to, StringComparison.Ordinal));
        });
        Method("split", 1, 2, (m, a) =>
        {
            var s = Target("split", a[0]);
            var re = a[1].Obj as YRegex ?? (YRegex)YRegex.Compile(StringArg(".split", a[1])).Obj!;
            return StringVector(m, JavaSplit(re, s, a.Length == 3 ? IntArg(".split", a[2]) : 0));
        });
        Method("matches", 1, 1, (_, a) =>
        {
            var s = Target("matches", a[0]);
            var re = (YRegex)YRegex.Compile(StringArg(".matches", a[1])).Obj!;
            var match = re.Run(".matches", r => r.Match(s));
            return Val.Bool(match.Success && match.Index == 0 && match.Length == s.Length);
        });
        Method("toCharArray", 0, 0, (m, a) =>
        {
            var s = Target("toCharArray", a[0]);
            m.Charge(Heap.VectorBytes + (Heap.ElementBytes * s.Length));
            return ValConvert.Vector(s.Select(Val.Char));
        });
        Method("compareTo", 1, 1, (_, a) => a[0].Obj is string s && a[1].Obj is string t
            ? Val.Long(JavaCompare(s, t))
            : a[0].IsChar && a[1].IsChar
                ? Val.Long(a[0].AsChar - a[1].AsChar) // Character.compareTo: the difference
                : Val.Long(Math.Sign(ValComparer.Order(a[0], a[1]))));
        Method("compareToIgnoreCase", 1, 1, (_, a) => Val.Long(JavaCompare(Target("compareToIgnoreCase", a[0]).ToLowerInvariant(), StringArg(".compareToIgnoreCase", a[1]).ToLowerInvariant())));
        Method("equalsIgnoreCase", 1, 1, (_, a) => Val.Bool(a[1].Obj is string t && string.Equals(Target("equalsIgnoreCase", a[0]), t, StringComparison.OrdinalIgnoreCase)));
        // Object's methods, on any value.
        Method("equals", 1, 1, (_, a) => Val.Bool(ValComparer.Equal(a[0], a[1]) && a[0].Kind == a[1].Kind));
        Method("toString", 0, 0, (m, a) => Charged(m, a[0].IsNil ? throw JavaException("NullPointerException", "Cannot invoke \"Object.toString()\" because the target is null") : ValPrinter.Display(a[0])));
        Method("hashCode", 0, 0, (_, a) => Val.Long(a[0].Obj is string s ? JavaStringHash(s) : ValComparer.Hash(a[0])));
    }

    // String.trim removes every character up to U+0020.
    private static readonly char[] JavaTrimmed = [.. Enumerable.Range(0, 0x21).Select(i => (char)i)];

    /// <summary>java.util.List.indexOf and lastIndexOf on a vector or seq, by Clojure's = (APersistentVector's, ASeq's): -1 when absent.</summary>
    private static long ListIndexOf(YinMachine m, Val coll, Val item, bool last)
    {
        long i = 0;
        long found = -1;
        foreach (var x in Seqs.Values(coll, m))
        {
            if (ValComparer.Equal(x, item))
            {
                found = i;
                if (!last)
                    break;
            }
            i++;
        }
        return found;
    }

    /// <summary>String.compareTo: the difference of the first differing chars, else of the lengths.</summary>
    private static int JavaCompare(string s, string t)
    {
        var n = Math.Min(s.Length, t.Length);
        for (var i = 0; i < n; i++)
        {
            if (s[i] != t[i])
                return s[i] - t[i];
        }
        return s.Length - t.Length;
    }

    /// <summary>String.hashCode: s[0]*31^(n-1) + ... + s[n-1], in 32-bit arithmetic.</summary>
    private static int JavaStringHash(string s)
    {
        var h = 0;
        foreach (var c in s)
            h = unchecked((31 * h) + c);
        return h;
    }

    private static int JavaIndexOf(string method, string s, ReadOnlySpan<Val> a, bool last)
    {
        var what = a[0].IsChar ? a[0].AsChar.ToString() : a[0].IsLong ? char.ConvertFromUtf32((int)a[0].AsLong) : StringArg("." + method, a[0]);
        if (a.Length == 1)
            return last ? s.LastIndexOf(what, StringComparison.Ordinal) : s.IndexOf(what, StringComparison.Ordinal);
        var from = LongArg("." + method, a[1]);
        if (last)
        {
            if (from < 0)
                return -1;
            var start = (int)Math.Min(from, s.Length - what.Length);
            for (var i = start; i >= 0; i--)
            {
                if (string.CompareOrdinal(s, i, what, 0, what.Length) == 0)
                    return i;
            }
            return -1;
        }
        return from >= s.Length ? (what.Length == 0 ? s.Length : -1) : s.IndexOf(what, (int)Math.Max(0, from), StringComparison.Ordinal);
    }
}

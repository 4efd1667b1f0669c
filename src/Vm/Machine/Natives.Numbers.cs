using System.Globalization;
using System.Text;

namespace Datom.Vm.Machine;

/// <summary>clojure.math, bit operations, number and character conversions, format, randomness.</summary>
internal static partial class Natives
{
    private static void RegisterClojureMath()
    {
        const string Ns = "clojure.math/";
        void Unary(string name, Func<double, double> f) => Def(Ns + name, 1, 1, (_, a) => Val.Double(f(Num(Ns + name, a[0]))));
        void Binary(string name, Func<double, double, double> f) => Def(Ns + name, 2, 2, (_, a) => Val.Double(f(Num(Ns + name, a[0]), Num(Ns + name, a[1]))));
        foreach (var (_, name, f) in DoubleFunctions)
            Unary(name, f);
        Binary("pow", Math.Pow);
        Binary("atan2", Math.Atan2);
        Binary("hypot", double.Hypot);
        Binary("IEEE-remainder", Math.IEEERemainder);
        // Java's Math.round: floor(x + 0.5) as a long, saturating.
        Def(Ns + "round", 1, 1, (_, a) => Val.Long(JavaRound(Num(Ns + "round", a[0]))));
        Def(Ns + "floor-div", 2, 2, (_, a) => Val.Long(FloorDiv(Ns + "floor-div", LongArg(Ns + "floor-div", a[0]), LongArg(Ns + "floor-div", a[1]))));
        Def(Ns + "floor-mod", 2, 2, (_, a) =>
        {
            var x = LongArg(Ns + "floor-mod", a[0]);
            var y = LongArg(Ns + "floor-mod", a[1]);
            return Val.Long(x - (FloorDiv(Ns + "floor-mod", x, y) * y));
        });
        Def(Ns + "PI", 0, 0, (_, _) => Val.Double(Math.PI));
        Def(Ns + "E", 0, 0, (_, _) => Val.Double(Math.E));
        Def(Ns + "random", 0, 0, (_, _) => Val.Double(Random.Shared.NextDouble()));
    }

    /// <summary>
    /// java.lang.Math's functions of one double, as <c>Math/name</c> and as clojure.math's
    /// <c>name</c> (which wraps the same Java methods): one table for both.
    /// </summary>
    internal static readonly (string Java, string Clojure, Func<double, double> F)[] DoubleFunctions =
    [
        ("sqrt", "sqrt", Math.Sqrt), ("cbrt", "cbrt", Math.Cbrt), ("floor", "floor", Math.Floor), ("ceil", "ceil", Math.Ceiling),
        ("rint", "rint", x => Math.Round(x, MidpointRounding.ToEven)), ("exp", "exp", Math.Exp), ("expm1", "expm1", ExpM1),
        ("log", "log", Math.Log), ("log10", "log10", Math.Log10), ("log1p", "log1p", LogP1),
        ("sin", "sin", Math.Sin), ("cos", "cos", Math.Cos), ("tan", "tan", Math.Tan), ("asin", "asin", Math.Asin), ("acos", "acos", Math.Acos),
        ("atan", "atan", Math.Atan), ("sinh", "sinh", Math.Sinh), ("cosh", "cosh", Math.Cosh), ("tanh", "tanh", Math.Tanh),
        ("signum", "signum", x => double.IsNaN(x) || x == 0 ? x : Math.Sign(x)),
        ("toRadians", "to-radians", x => x / 180.0 * Math.PI), ("toDegrees", "to-degrees", x => x * 180.0 / Math.PI),
        ("ulp", "ulp", Ulp), ("nextUp", "next-up", Math.BitIncrement), ("nextDown", "next-down", Math.BitDecrement),
    ];

    /// <summary>Java's Math.ulp: the gap from |x| to the next double larger in magnitude.</summary>
    private static double Ulp(double x)
    {
        var m = Math.Abs(x);
        if (double.IsNaN(m))
            return double.NaN;
        if (double.IsInfinity(m))
            return double.PositiveInfinity;
        return m == double.MaxValue ? Math.ScaleB(1, 971) : Math.BitIncrement(m) - m;
    }

    /// <summary>log(1 + x), accurate for x near 0 (Math.Log(1 + x) loses x's low digits there).</summary>
    private static double LogP1(double x)
    {
        var u = 1 + x;
        return u == 1 ? x : double.IsInfinity(u) ? Math.Log(u) : Math.Log(u) * x / (u - 1);
    }

    /// <summary>exp(x) - 1, accurate for x near 0.</summary>
    private static double ExpM1(double x)
    {
        if (Math.Abs(x) >= 0.5)
            return Math.Exp(x) - 1;
        var u = Math.Exp(x);
        return u == 1 ? x : u - 1 == -1 ? -1 : (u - 1) * x / Math.Log(u);
    }

    internal static double Num(string fn, Val v) => v.IsNumber ? v.ToDouble() : throw TypeError(fn, "a number", v);

    internal static long JavaRound(double x) =>
        double.IsNaN(x) ? 0 : x >= long.MaxValue ? long.MaxValue : x <= long.MinValue ? long.MinValue : (long)Math.Floor(x + 0.5);

    private static long FloorDiv(string fn, long x, long y)
    {
        if (y == 0)
            throw Arith.LongDivideByZero();
        if (x == long.MinValue && y == -1)
            return long.MinValue; // as Java's Math.floorDiv
        var q = x / y;
        return (x % y != 0) && ((x < 0) != (y < 0)) ? q - 1 : q;
    }

    /// <summary>
    /// clojure.core's unchecked-* on longs (wrapping, as Java's long arithmetic does) and Java's
    /// Math.*Exact (throwing "long overflow"); a double argument makes the unchecked ones plain
    /// double arithmetic, as in Clojure.
    /// </summary>
    private static void RegisterUnchecked()
    {
        void Binary(string name, Func<long, long, long> wrap, Func<double, double, double> real) =>
            Def(name, 2, 2, (_, a) => a[0].IsLong && a[1].IsLong ? Val.Long(wrap(a[0].AsLong, a[1].AsLong)) : Val.Double(real(Num(name, a[0]), Num(name, a[1]))));
        void Unary(string name, Func<long, long> wrap, Func<double, double> real) =>
            Def(name, 1, 1, (_, a) => a[0].IsLong ? Val.Long(wrap(a[0].AsLong)) : Val.Double(real(Num(name, a[0]))));
        Binary("unchecked-add", (x, y) => unchecked(x + y), (x, y) => x + y);
        Binary("unchecked-subtract", (x, y) => unchecked(x - y), (x, y) => x - y);
        Binary("unchecked-multiply", (x, y) => unchecked(x * y), (x, y) => x * y);
        Unary("unchecked-inc", x => unchecked(x + 1), x => x + 1);
        Unary("unchecked-dec", x => unchecked(x - 1), x => x - 1);
        Unary("unchecked-negate", x => unchecked(-x), x => -x);
        Def("unchecked-int", 1, 1, (_, a) => Val.Long(unchecked((int)(a[0].IsLong ? a[0].AsLong : (long)Num("unchecked-int", a[0])))));
        Def("unchecked-long", 1, 1, (_, a) => a[0].IsLong ? a[0] : Val.Long((long)Num("unchecked-long", a[0])));
        void Exact2(string name, Func<long, long, long> f) => Def(name, 2, 2, (_, a) =>
        {
            var (x, y) = (LongArg(name, a[0]), LongArg(name, a[1]));
            return Val.Long(Checked(() => f(x, y)));
        });
        void Exact1(string name, Func<long, long> f) => Def(name, 1, 1, (_, a) =>
        {
            var x = LongArg(name, a[0]);
            return Val.Long(Checked(() => f(x)));
        });
        Exact2("Math/addExact", (x, y) => checked(x + y));
        Exact2("Math/subtractExact", (x, y) => checked(x - y));
        Exact2("Math/multiplyExact", (x, y) => checked(x * y));
        Exact1("Math/incrementExact", x => checked(x + 1));
        Exact1("Math/decrementExact", x => checked(x - 1));
        Exact1("Math/negateExact", x => checked(-x));
    }

    private static long Checked(Func<long> f)
    {
        try
        {
            return f();
        }
        catch (OverflowException)
        {
            throw YinException.Of(Kinds.Arithmetic, "long overflow");
        }
    }

    private static void RegisterBits()
    {
        Def("bit-and", 2, -1, (_, a) => BitFold("bit-and", a, (x, y) => x & y));
        Def("bit-or", 2, -1, (_, a) => BitFold("bit-or", a, (x, y) => x | y));
        Def("bit-xor", 2, -1, (_, a) => BitFold("bit-xor", a, (x, y) => x ^ y));
        Def("bit-and-not", 2, -1, (_, a) => BitFold("bit-and-not", a, (x, y) => x & ~y));
        Def("bit-not", 1, 1, (_, a) => Val.Long(~LongArg("bit-not", a[0])));
        // Java masks a long's shift distance to its low six bits.
        Def("bit-shift-left", 2, 2, (_, a) => Val.Long(LongArg("bit-shift-left", a[0]) << (int)(LongArg("bit-shift-left", a[1]) & 63)));
        Def("bit-shift-right", 2, 2, (_, a) => Val.Long(LongArg("bit-shift-right", a[0]) >> (int)(LongArg("bit-shift-right", a[1]) & 63)));
        Def("unsigned-bit-shift-right", 2, 2, (_, a) => Val.Long(LongArg("unsigned-bit-shift-right", a[0]) >>> (int)(LongArg("unsigned-bit-shift-right", a[1]) & 63)));
        Def("bit-test", 2, 2, (_, a) => Val.Bool(((LongArg("bit-test", a[0]) >> (int)(LongArg("bit-test", a[1]) & 63)) & 1) != 0));
        Def("bit-set", 2, 2, (_, a) => Val.Long(LongArg("bit-set", a[0]) | (1L << (int)(LongArg("bit-set", a[1]) & 63))));
        Def("bit-clear", 2, 2, (_, a) => Val.Long(LongArg("bit-clear", a[0]) & ~(1L << (int)(LongArg("bit-clear", a[1]) & 63))));
        Def("bit-flip", 2, 2, (_, a) => Val.Long(LongArg("bit-flip", a[0]) ^ (1L << (int)(LongArg("bit-flip", a[1]) & 63))));
    }

    private static Val BitFold(string fn, ReadOnlySpan<Val> a, Func<long, long, long> f)
    {
        var acc = LongArg(fn, a[0]);
        for (var i = 1; i < a.Length; i++)
            acc = f(acc, LongArg(fn, a[i]));
        return Val.Long(acc);
    }

    private static void RegisterConversions()
    {
        Def("char", 1, 1, (_, a) => a[0].IsChar ? a[0] : LongArg("char", a[0]) is var n and >= 0 and <= char.MaxValue
            ? Val.Char((char)n)
            : throw YinException.Of(Kinds.Argument, $"char: value out of range for char: {a[0]}"));
        Def("int", 1, 1, (_, a) => Integral("int", a[0], int.MinValue, int.MaxValue));
        Def("long", 1, 1, (_, a) => Integral("long", a[0], long.MinValue, long.MaxValue));
        Def("short", 1, 1, (_, a) => Integral("short", a[0], short.MinValue, short.MaxValue));
        Def("byte", 1, 1, (_, a) => Integral("byte", a[0], sbyte.MinValue, sbyte.MaxValue));
        Def("double", 1, 1, (_, a) => a[0].IsChar ? throw TypeError("double", "a number", a[0]) : Val.Double(Num("double", a[0])));
        // Yin has no float type: (float x) is the double that prints as Java prints the float,
        // its shortest round-trip digits ((float 1/3) prints 0.33333334, (float 0.1) 0.1).
        Def("float", 1, 1, (_, a) =>
        {
            var x = Num("float", a[0]);
            if (x < -float.MaxValue || x > float.MaxValue)
                throw YinException.Of(Kinds.Argument, "Value out of range for float: " + ValPrinter.JavaDoubleText(x));
            var f = (float)x;
            return Val.Double(float.IsFinite(f) ? double.Parse(f.ToString("R", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture) : f);
        });
        Def("num", 1, 1, (_, a) => a[0].IsNumber ? a[0] : throw TypeError("num", "a number", a[0]));
        Def("char?", 1, 1, (_, a) => Val.Bool(a[0].IsChar));
        Def("int?", 1, 1, (_, a) => Val.Bool(a[0].IsLong));
        Def("float?", 1, 1, (_, a) => Val.Bool(a[0].IsDouble));
        Def("ratio?", 1, 1, (_, a) => Val.Bool(a[0].Obj is YRatio));
        Def("rational?", 1, 1, (_, a) => Val.Bool(Exact.IsExact(a[0])));
        // Java BigIntegers, which print without the N: as longs where they fit.
        Def("numerator", 1, 1, (_, a) => a[0].Obj is YRatio r ? Exact.Integer(r.Numerator) : throw TypeError("numerator", "a ratio", a[0]));
        Def("denominator", 1, 1, (_, a) => a[0].Obj is YRatio r ? Exact.Integer(r.Denominator) : throw TypeError("denominator", "a ratio", a[0]));
        Def("bigint", 1, 1, (_, a) => a[0].Obj switch
        {
            System.Numerics.BigInteger => a[0],
            YRatio r => Val.BigInt(System.Numerics.BigInteger.Divide(r.Numerator, r.Denominator)),
            _ when a[0].IsLong => Val.BigInt(a[0].AsLong),
            _ when a[0].IsDouble && double.IsFinite(a[0].AsDouble) => Val.BigInt(new System.Numerics.BigInteger(Math.Truncate(a[0].AsDouble))),
            _ => throw TypeError("bigint", "a number", a[0]),
        });
        Def("biginteger", 1, 1, (m, a) => Find("bigint")!.Fn(m, a));
        Def("rationalize", 1, 1, (_, a) => a[0].IsDouble && double.IsFinite(a[0].AsDouble)
            && decimal.TryParse(a[0].AsDouble.ToString("R", CultureInfo.InvariantCulture), NumberStyles.Float, CultureInfo.InvariantCulture, out var exact)
            ? Rational(exact)
            : a[0].IsNumber && !a[0].IsDouble ? a[0] : throw TypeError("rationalize", "a finite number", a[0]));
        Def("+'", 0, -1, (_, a) => PromotingFold("+'", a, 0));
        Def("*'", 0, -1, (_, a) => PromotingFold("*'", a, 1));
        Def("-'", 1, -1, (_, a) => a.Length == 1 ? Arith.Promoting("-'", Val.Long(0), a[0]) : PromotingFold("-'", a, 0));
        Def("inc'", 1, 1, (_, a) => Arith.Promoting("+'", a[0], Val.Long(1)));
        Def("dec'", 1, 1, (_, a) => Arith.Promoting("-'", a[0], Val.Long(1)));
        Def("decimal?", 1, 1, (_, _) => Val.False);
        Def("nat-int?", 1, 1, (_, a) => Val.Bool(a[0].IsLong && a[0].AsLong >= 0));
        Def("pos-int?", 1, 1, (_, a) => Val.Bool(a[0].IsLong && a[0].AsLong > 0));
        Def("neg-int?", 1, 1, (_, a) => Val.Bool(a[0].IsLong && a[0].AsLong < 0));
        Def("NaN?", 1, 1, (_, a) => Val.Bool(double.IsNaN(Num("NaN?", a[0]))));
        Def("infinite?", 1, 1, (_, a) => Val.Bool(double.IsInfinity(Num("infinite?", a[0]))));
        Def("regex?", 1, 1, (_, a) => Val.Bool(a[0].Obj is YRegex));
        Def("rand", 0, 1, (_, a) => Val.Double(Random.Shared.NextDouble() * (a.Length == 0 ? 1.0 : Num("rand", a[0]))));
        Def("rand-int", 1, 1, (_, a) => Val.Long((long)Math.Floor(Random.Shared.NextDouble() * Num("rand-int", a[0]))));
        Def("rand-nth", 1, 1, (_, a) =>
        {
            var items = Items("rand-nth", a[0]);
            return items.Length == 0
                ? throw YinException.Of(Kinds.Index, "rand-nth: the collection is empty")
                : items[Random.Shared.Next(items.Length)];
        });
        Def("shuffle", 1, 1, (m, a) =>
        {
            var items = Items("shuffle", a[0]);
            m.Charge(Heap.VectorBytes + (Heap.ElementBytes * items.LongLength));
            Random.Shared.Shuffle(items);
            return ValConvert.Vector(items);
        });
        Def("format", 1, -1, (m, a) => NewString(m, JavaFormat.Format(StringArg("format", a[0]), a[1..])));
    }

    private static Val PromotingFold(string op, ReadOnlySpan<Val> a, long identity)
    {
        if (a.Length == 0)
            return Val.Long(identity);
        var acc = a[0].IsNumber ? a[0] : throw TypeError(op, "a number", a[0]);
        for (var i = 1; i < a.Length; i++)
            acc = Arith.Promoting(op, acc, a[i]);
        return acc;
    }

    /// <summary>A decimal as the exact ratio it denotes (rationalize: the double's shortest decimal digits).</summary>
    private static Val Rational(decimal d)
    {
        var text = Math.Abs(d).ToString("0.############################", CultureInfo.InvariantCulture);
        var dot = text.IndexOf('.', StringComparison.Ordinal);
        var digitsAfter = dot < 0 ? 0 : text.Length - dot - 1;
        var n = System.Numerics.BigInteger.Parse(text.Replace(".", "", StringComparison.Ordinal), CultureInfo.InvariantCulture);
        return YRatio.Make(d < 0 ? -n : n, System.Numerics.BigInteger.Pow(10, digitsAfter), integerAsBig: true);
    }

    /// <summary>
    /// (int x) and its siblings: a character's code, a long in range, or a double truncated toward
    /// zero (Clojure's RT.intCast: out of range is an error, not a wrap).
    /// </summary>
    private static Val Integral(string fn, Val v, long min, long max)
    {
        long n;
        if (v.IsChar)
        {
            n = v.AsChar;
        }
        else if (v.IsLong)
        {
            n = v.AsLong;
        }
        else if (v.Obj is System.Numerics.BigInteger or YRatio)
        {
            var (num, den) = Exact.Fraction(fn, v);
            var whole = System.Numerics.BigInteger.Divide(num, den);
            if (whole < min || whole > max)
                throw YinException.Of(Kinds.Argument, $"{fn}: value out of range for {fn}: {ValPrinter.Edn(v)}");
            n = (long)whole;
        }
        else if (v.IsDouble)
        {
            var d = v.AsDouble;
            if (double.IsNaN(d) && fn == "long")
                return Val.Long(0);
            if (double.IsNaN(d) || d < min || d > max)
                throw YinException.Of(Kinds.Argument, $"{fn}: value out of range for {fn}: {ValPrinter.Edn(v)}");
            n = (long)Math.Truncate(d);
        }
        else
        {
            throw TypeError(fn, "a number or character", v);
        }
        return n < min || n > max
            ? throw YinException.Of(Kinds.Argument, $"{fn}: value out of range for {fn}: {n}")
            : Val.Long(n);
    }
}

/// <summary>
/// Java's String.format, which Clojure's <c>format</c> calls, for the conversions programs use:
/// <c>%s %S %d %x %X %o %f %e %E %g %c %b %n %%</c>, with an argument index (<c>%2$s</c>), the
/// flags <c>- 0 + , (</c> and space, a width and a precision. Anything else is an error naming it.
/// </summary>
internal static class JavaFormat
{
    public static StringBuilder Format(string format, ReadOnlySpan<Val> args)
    {
        var sb = new StringBuilder();
        var next = 0;
        for (var i = 0; i < format.Length; i++)
        {
            var c = format[i];
            if (c != '%')
            {
                sb.Append(c);
                continue;
            }
            var start = i;
            i++;
            // %[index$][flags][width][.precision]conversion
            var index = -1;
            var j = i;
            while (j < format.Length && char.IsAsciiDigit(format[j]))
                j++;
            if (j < format.Length && format[j] == '$' && j > i)
            {
                index = int.Parse(format.AsSpan(i, j - i), CultureInfo.InvariantCulture) - 1;
                i = j + 1;
            }
            var flags = "";
            while (i < format.Length && "-#+ 0,(".Contains(format[i], StringComparison.Ordinal))
                flags += format[i++];
            var width = 0;
            while (i < format.Length && char.IsAsciiDigit(format[i]))
                width = (width * 10) + (format[i++] - '0');
            var precision = -1;
            if (i < format.Length && format[i] == '.')
            {
                i++;
                precision = 0;
                while (i < format.Length && char.IsAsciiDigit(format[i]))
                    precision = (precision * 10) + (format[i++] - '0');
            }
            if (i >= format.Length)
                throw Error($"format: unfinished conversion {format[start..]}");
            var conversion = format[i];
            if (conversion == 'n')
            {
                sb.Append('\n');
                continue;
            }
            if (conversion == '%')
            {
                Pad(sb, "%", width, flags);
                continue;
            }
            var argIndex = index >= 0 ? index : next++;
            if (argIndex >= args.Length)
                throw Error($"format: {format[start..(i + 1)]} has no argument (MissingFormatArgumentException)");
            Pad(sb, Convert(conversion, args[argIndex], flags, precision, format[start..(i + 1)]), width, flags);
        }
        return sb;
    }

    private static string Convert(char conversion, Val arg, string flags, int precision, string spec)
    {
        switch (conversion)
        {
            case 's' or 'S':
            {
                var text = arg.IsNil ? "null" : ValPrinter.Display(arg);
                if (precision >= 0 && text.Length > precision)
                    text = text[..precision];
                return conversion == 'S' ? text.ToUpperInvariant() : text;
            }
            case 'b' or 'B':
            {
                var text = arg.IsNil ? "false" : arg.Kind == ValKind.Boolean ? (arg.AsBool ? "true" : "false") : "true";
                return conversion == 'B' ? text.ToUpperInvariant() : text;
            }
            case 'c':
                return arg.IsChar ? arg.AsChar.ToString() : arg.IsLong ? char.ConvertFromUtf32((int)arg.AsLong) : throw Mismatch(spec, arg);
            case 'd' when arg.Obj is System.Numerics.BigInteger big:
            {
                // Java formats a BigInteger (Clojure's BigInt prints through it) with %d too.
                var abs = System.Numerics.BigInteger.Abs(big);
                var digits = flags.Contains(',', StringComparison.Ordinal) ? abs.ToString("#,0", CultureInfo.InvariantCulture) : abs.ToString(CultureInfo.InvariantCulture);
                return Signed(digits, big.Sign < 0, flags);
            }
            case 'd':
            {
                if (!arg.IsLong)
                    throw Mismatch(spec, arg);
                var n = arg.AsLong;
                var digits = flags.Contains(',', StringComparison.Ordinal)
                    ? Math.Abs((decimal)n).ToString("#,0", CultureInfo.InvariantCulture)
                    : n == long.MinValue ? "9223372036854775808" : Math.Abs(n).ToString(CultureInfo.InvariantCulture);
                return Signed(digits, n < 0, flags);
            }
            case 'x' or 'X' or 'o':
            {
                if (!arg.IsLong)
                    throw Mismatch(spec, arg);
                var text = conversion == 'o' ? System.Convert.ToString(arg.AsLong, 8) : arg.AsLong.ToString(conversion == 'x' ? "x" : "X", CultureInfo.InvariantCulture);
                return flags.Contains('#', StringComparison.Ordinal) ? (conversion == 'o' ? "0" : conversion == 'x' ? "0x" : "0X") + text : text;
            }
            case 'f' or 'e' or 'E' or 'g' or 'G':
            {
                if (!arg.IsNumber)
                    throw Mismatch(spec, arg);
                var d = arg.ToDouble();
                if (double.IsNaN(d))
                    return "NaN";
                if (double.IsInfinity(d))
                    return Signed("Infinity", d < 0, flags);
                var p = precision < 0 ? 6 : precision;
                var abs = Math.Abs(d);
                string digits = conversion switch
                {
                    'f' => Fixed(abs, p, flags.Contains(',', StringComparison.Ordinal)),
                    'e' or 'E' => JavaExponent(abs, p, conversion == 'E'),
                    _ => abs != 0 && (abs < 1e-4 || abs >= Math.Pow(10, Math.Max(p, 1)))
                        ? JavaExponent(abs, Math.Max(p, 1) - 1, conversion == 'G')
                        : abs.ToString("0." + new string('0', Math.Max(0, Math.Max(p, 1) - 1 - (abs == 0 ? 0 : (int)Math.Floor(Math.Log10(abs))))), CultureInfo.InvariantCulture).TrimEnd('.'),
                };
                return Signed(digits, double.IsNegative(d) && d != 0, flags);
            }
            default:
                throw Error($"format: the conversion {spec} is not supported (UnknownFormatConversionException)");
        }
    }

    /// <summary>
    /// Java's %f rounds the shortest decimal that reads back as the double (Double.toString's
    /// digits) half-up, so (format "%.2f" 2.675) is 2.68 where C's printf says 2.67.
    /// </summary>
    private static string Fixed(double abs, int precision, bool grouping)
    {
        var pattern = (grouping ? "#,0" : "0") + (precision > 0 ? "." + new string('0', precision) : "");
        if (abs < 7.9e27 && decimal.TryParse(abs.ToString("R", CultureInfo.InvariantCulture), NumberStyles.Float, CultureInfo.InvariantCulture, out var exact))
            return Math.Round(exact, Math.Min(precision, 28), MidpointRounding.AwayFromZero).ToString(pattern, CultureInfo.InvariantCulture);
        return abs.ToString(pattern, CultureInfo.InvariantCulture);
    }

    /// <summary>Java's %e: one digit, the fraction, then e±dd (at least two exponent digits).</summary>
    private static string JavaExponent(double abs, int precision, bool upper)
    {
        var text = abs.ToString((precision > 0 ? "0." + new string('0', precision) : "0") + "e+00", CultureInfo.InvariantCulture);
        return upper ? text.ToUpperInvariant() : text;
    }

    private static string Signed(string digits, bool negative, string flags) =>
        negative
            ? flags.Contains('(', StringComparison.Ordinal) ? "(" + digits + ")" : "-" + digits
            : flags.Contains('+', StringComparison.Ordinal) ? "+" + digits : flags.Contains(' ', StringComparison.Ordinal) ? " " + digits : digits;

    private static void Pad(StringBuilder sb, string text, int width, string flags)
    {
        if (text.Length >= width)
        {
            sb.Append(text);
        }
        else if (flags.Contains('-', StringComparison.Ordinal))
        {
            sb.Append(text).Append(' ', width - text.Length);
        }
        else if (flags.Contains('0', StringComparison.Ordinal))
        {
            // Zero padding goes after the sign.
            var sign = text.Length > 0 && text[0] is '-' or '+' or ' ' or '(' ? 1 : 0;
            sb.Append(text, 0, sign).Append('0', width - text.Length).Append(text, sign, text.Length - sign);
        }
        else
        {
            sb.Append(' ', width - text.Length).Append(text);
        }
    }

    private static YinException Mismatch(string spec, Val arg) =>
        Error($"format: {spec} cannot format {Natives.Describe(arg)} (IllegalFormatConversionException)");

    private static YinException Error(string message) => YinException.Of(Kinds.Argument, message);
}

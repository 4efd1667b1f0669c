using System.Globalization;
using System.Numerics;

namespace Datom.Vm.Machine;

/// <summary>A native built-in: takes its arguments off the value stack, returns one value, never calls back into Yin.</summary>
internal delegate Val NativeFn(YinMachine machine, ReadOnlySpan<Val> args);

internal sealed class Native(int id, string name, int min, int max, NativeFn fn)
{
    private NativeRef? _value;

    public int Id { get; } = id;

    public string Name { get; } = name;

    public int Min { get; } = min;

    /// <summary>The most arguments, or -1 for any number.</summary>
    public int Max { get; } = max;

    public NativeFn Fn { get; } = fn;

    public NativeRef AsValue => _value ??= new NativeRef(this);

    public bool Accepts(int argc) => argc >= Min && (Max < 0 || argc <= Max);

    public string ArityText => Min == Max
        ? Min.ToString(CultureInfo.InvariantCulture)
        : Max < 0 ? $"{Min} or more" : $"{Min} to {Max}";
}

/// <summary>
/// The native built-ins: arithmetic, comparison, strings, collections and the effects. Each checks
/// its arguments and raises a Yin error naming itself and what it got; each charges the memory it
/// allocates before allocating it (<see cref="YinMachine.Charge"/>), and bulk work to fuel.
/// </summary>
internal static partial class Natives
{
    private static readonly List<Native> Table = [];
    private static readonly Dictionary<string, Native> ByName = new(StringComparer.Ordinal);

    static Natives()
    {
        RegisterCore();
        RegisterCollections();
        RegisterStrings();
        RegisterEffects();
        RegisterSeqs();
        RegisterState();
        RegisterClojure();
        RegisterOutput();
        RegisterArrays();
        RegisterClasses();
        RegisterReader();
        RegisterMulti();
        RegisterForms();
        All = [.. Table];
    }

    /// <summary>Every native, indexed by <see cref="Native.Id"/>.</summary>
    public static Native[] All { get; }

    public static Native? Find(string name) => ByName.GetValueOrDefault(name);

    private static void Def(string name, int min, int max, NativeFn fn)
    {
        var native = new Native(Table.Count, name, min, max, fn);
        Table.Add(native);
        ByName.Add(name, native);
    }

    // ---- argument helpers ----

    internal static YinException TypeError(string fn, string expected, Val got) =>
        YinException.Of(Kinds.Type, $"{fn}: expected {expected}, got {Describe(got)}");

    internal static string Describe(Val v)
    {
        if (v.IsNil)
            return "nil";
        var text = ValPrinter.Edn(v);
        if (text.Length > 40)
            text = text[..37] + "...";
        return $"{TypeNames.Of(v)} {text}";
    }

    internal static long LongArg(string fn, Val v) => v.IsLong ? v.AsLong : throw TypeError(fn, "an integer", v);

    internal static int IntArg(string fn, Val v)
    {
        var n = LongArg(fn, v);
        return n is >= int.MinValue and <= int.MaxValue ? (int)n : throw YinException.Of(Kinds.Argument, $"{fn}: {n} is out of range");
    }

    internal static string StringArg(string fn, Val v) => v.Obj is string s ? s : throw TypeError(fn, "a string", v);

    private static void RegisterCore()
    {
        Def("+", 0, -1, (_, a) => Fold("+", a, Val.Long(0), Arith.Add));
        Def("*", 0, -1, (_, a) => Fold("*", a, Val.Long(1), Arith.Mul));
        Def("-", 1, -1, (_, a) => a.Length == 1 ? Arith.Sub(Val.Long(0), a[0]) : Fold("-", a[1..], a[0], Arith.Sub));
        Def("/", 1, -1, (_, a) => a.Length == 1 ? Arith.Div(Val.Long(1), a[0]) : Fold("/", a[1..], a[0], Arith.Div));
        Def("inc", 1, 1, (_, a) => Arith.Add(a[0], Val.Long(1)));
        Def("dec", 1, 1, (_, a) => Arith.Sub(a[0], Val.Long(1)));
        Def("quot", 2, 2, (_, a) => Arith.Quot("quot", a[0], a[1]));
        Def("rem", 2, 2, (_, a) => Arith.Rem("rem", a[0], a[1], floor: false));
        Def("mod", 2, 2, (_, a) => Arith.Rem("mod", a[0], a[1], floor: true));
        Def("max", 1, -1, (_, a) => Extreme("max", a, 1));
        Def("min", 1, -1, (_, a) => Extreme("min", a, -1));
        Def("abs", 1, 1, (_, a) => a[0].IsLong
            ? Val.Long(a[0].AsLong == long.MinValue ? long.MinValue : Math.Abs(a[0].AsLong)) // as Java's Math.abs, which Clojure's abs calls
            : a[0].IsDouble ? Val.Double(Math.Abs(a[0].AsDouble)) : throw TypeError("abs", "a number", a[0]));

        Def("=", 1, -1, (_, a) => Val.Bool(Chain(a, (x, y) => ValComparer.Equal(x, y))));
        Def("not=", 1, -1, (_, a) => Val.Bool(!Chain(a, (x, y) => ValComparer.Equal(x, y))));
        Def("==", 1, -1, (_, a) => Val.Bool(Chain(a, (x, y) => Arith.Compare("==", x, y) == 0)));
        Def("<", 1, -1, (_, a) => Val.Bool(Chain(a, (x, y) => Arith.Compare("<", x, y) < 0)));
        Def(">", 1, -1, (_, a) => Val.Bool(Chain(a, (x, y) => Arith.Compare(">", x, y) > 0)));
        Def("<=", 1, -1, (_, a) => Val.Bool(Chain(a, (x, y) => Arith.Compare("<=", x, y) <= 0)));
        Def(">=", 1, -1, (_, a) => Val.Bool(Chain(a, (x, y) => Arith.Compare(">=", x, y) >= 0)));
        Def("compare", 2, 2, (_, a) => Val.Long(Math.Sign(ValComparer.Order(a[0], a[1]))));
        Def("not", 1, 1, (_, a) => Val.Bool(!a[0].IsTruthy));
        Def("identity", 1, 1, (_, a) => a[0]);

        Def("nil?", 1, 1, (_, a) => Val.Bool(a[0].IsNil));
        Def("some?", 1, 1, (_, a) => Val.Bool(!a[0].IsNil));
        Def("true?", 1, 1, (_, a) => Val.Bool(a[0].Kind == ValKind.Boolean && a[0].AsBool));
        Def("false?", 1, 1, (_, a) => Val.Bool(a[0].Kind == ValKind.Boolean && !a[0].AsBool));
        Def("number?", 1, 1, (_, a) => Val.Bool(a[0].IsNumber));
        Def("integer?", 1, 1, (_, a) => Val.Bool(a[0].IsLong || a[0].Obj is System.Numerics.BigInteger));
        Def("double?", 1, 1, (_, a) => Val.Bool(a[0].IsDouble));
        Def("string?", 1, 1, (_, a) => Val.Bool(a[0].Kind == ValKind.String));
        Def("keyword?", 1, 1, (_, a) => Val.Bool(a[0].Kind == ValKind.Keyword));
        Def("symbol?", 1, 1, (_, a) => Val.Bool(a[0].Kind == ValKind.Symbol));
        Def("boolean?", 1, 1, (_, a) => Val.Bool(a[0].Kind == ValKind.Boolean));
        Def("vector?", 1, 1, (_, a) => Val.Bool(a[0].Kind == ValKind.Vector));
        Def("map?", 1, 1, (_, a) => Val.Bool(a[0].Kind is ValKind.Map || a[0].Obj is YRecord { Type.IsDeftype: false }));
        Def("set?", 1, 1, (_, a) => Val.Bool(a[0].Kind == ValKind.Set));
        Def("seq?", 1, 1, (_, a) => Val.Bool(a[0].Kind == ValKind.Seq));
        Def("coll?", 1, 1, (_, a) => Val.Bool(a[0].Kind is ValKind.Vector or ValKind.Map or ValKind.Set or ValKind.Seq or ValKind.Record));
        Def("fn?", 1, 1, (_, a) => Val.Bool(a[0].Kind == ValKind.Fn && a[0].Obj is not (YMulti or YMatcher or YReify)));
        Def("record?", 1, 1, (_, a) => Val.Bool(a[0].Kind == ValKind.Record));
        Def("inst?", 1, 1, (_, a) => Val.Bool(a[0].Kind == ValKind.Instant));
        Def("zero?", 1, 1, (_, a) => Val.Bool(Arith.Compare("zero?", a[0], Val.Long(0)) == 0));
        Def("pos?", 1, 1, (_, a) => Val.Bool(Arith.Compare("pos?", a[0], Val.Long(0)) > 0));
        Def("neg?", 1, 1, (_, a) => Val.Bool(Arith.Compare("neg?", a[0], Val.Long(0)) < 0));
        Def("even?", 1, 1, (_, a) => Val.Bool(a[0].Obj is System.Numerics.BigInteger b ? b.IsEven : (LongArg("even?", a[0]) & 1) == 0));
        Def("odd?", 1, 1, (_, a) => Val.Bool(a[0].Obj is System.Numerics.BigInteger b ? !b.IsEven : (LongArg("odd?", a[0]) & 1) != 0));

        Def("ex-info", 1, 3, (_, a) => Val.Object(new YinError(Kinds.User, a[0].IsNil ? "" : StringArg("ex-info", a[0]), a.Length > 1 ? a[1] : Val.Nil, "ExceptionInfo", a.Length > 2 ? a[2] : Val.Nil)));
        Def("ex-message", 1, 1, (_, a) => a[0].Obj is YinError { NoMessage: false } e ? Val.String(e.Message) : Val.Nil);
        Def("ex-data", 1, 1, (_, a) => a[0].Obj is YinError { ClassName: "ExceptionInfo" } e ? e.Data : Val.Nil);
        Def("throw", 1, 1, (_, a) => throw (a[0].Obj is YinError e
            ? new YinException(e)
            : YinException.Of(Kinds.User, ValPrinter.Display(a[0]))));
    }

    private static Val Fold(string op, ReadOnlySpan<Val> args, Val seed, Func<Val, Val, Val> f)
    {
        var acc = seed;
        foreach (var v in args)
        {
            if (!v.IsNumber)
                throw TypeError(op, "a number", v);
            acc = f(acc, v);
        }
        if (!acc.IsNumber)
            throw TypeError(op, "a number", acc);
        return acc;
    }

    private static Val Extreme(string op, ReadOnlySpan<Val> args, int sign)
    {
        var best = args[0];
        if (!best.IsNumber)
            throw TypeError(op, "a number", best);
        foreach (var v in args[1..])
        {
            if (Arith.Compare(op, v, best) * sign > 0)
                best = v;
        }
        return best;
    }

    private static bool Chain(ReadOnlySpan<Val> args, Func<Val, Val, bool> holds)
    {
        for (var i = 0; i + 1 < args.Length; i++)
        {
            if (!holds(args[i], args[i + 1]))
                return false;
        }
        return true;
    }
}

/// <summary>Arithmetic on Yin numbers: longs overflow into an error (as Clojure's do), doubles are IEEE 754.</summary>
internal static class Arith
{
    /// <summary>x + y on longs; false on overflow (iff both operands have the sign the result lacks).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static bool TryAdd(long x, long y, out long r)
    {
        r = unchecked(x + y);
        return ((x ^ r) & (y ^ r)) >= 0;
    }

    /// <summary>x - y on longs; false on overflow.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static bool TrySub(long x, long y, out long r)
    {
        r = unchecked(x - y);
        return ((x ^ y) & (x ^ r)) >= 0;
    }

    public static Val Add(Val a, Val b)
    {
        if (a.IsLong && b.IsLong)
            return TryAdd(a.AsLong, b.AsLong, out var r) ? Val.Long(r) : throw Overflow();
        return a.IsDouble || b.IsDouble ? Val.Double(Num("+", a) + Num("+", b)) : Exact.Apply("+", a, b);
    }

    public static Val Sub(Val a, Val b)
    {
        if (a.IsLong && b.IsLong)
            return TrySub(a.AsLong, b.AsLong, out var r) ? Val.Long(r) : throw Overflow();
        return a.IsDouble || b.IsDouble ? Val.Double(Num("-", a) - Num("-", b)) : Exact.Apply("-", a, b);
    }

    public static Val Mul(Val a, Val b)
    {
        if (a.IsLong && b.IsLong)
        {
            var high = Math.BigMul(a.AsLong, b.AsLong, out var low);
            return (high == 0 && low >= 0) || (high == -1 && low < 0) ? Val.Long(low) : throw Overflow();
        }
        return a.IsDouble || b.IsDouble ? Val.Double(Num("*", a) * Num("*", b)) : Exact.Apply("*", a, b);
    }

    /// <summary>Clojure's <c>/</c>: integers that do not divide make a ratio (<c>(/ 1 2)</c> is <c>1/2</c>).</summary>
    public static Val Div(Val a, Val b)
    {
        if (a.IsLong && b.IsLong)
        {
            var y = b.AsLong;
            if (y == 0)
                throw DivideByZero();
            var x = a.AsLong;
            if (x == long.MinValue && y == -1)
                return Val.Long(long.MinValue); // Java's long division wraps, and so does Clojure's /
            return x % y == 0 ? Val.Long(x / y) : YRatio.Make(x, y, integerAsBig: false);
        }
        return a.IsDouble || b.IsDouble ? Val.Double(Num("/", a) / Num("/", b)) : Exact.Apply("/", a, b);
    }

    /// <summary>Both operands as doubles (either may be a long); a zero divisor is Clojure's "Divide by zero".</summary>
    private static double DoubleDivisor(string op, Val a, Val b, out double y)
    {
        var x = Num(op, a);
        y = Num(op, b);
        return y == 0 ? throw DivideByZero() : x;
    }

    public static Val Quot(string op, Val a, Val b)
    {
        if (a.IsDouble || b.IsDouble)
            return Val.Double(Math.Truncate(DoubleDivisor(op, a, b, out var dy) / dy));
        if (!(a.IsLong && b.IsLong) && Exact.IsExact(a) && Exact.IsExact(b))
            return Val.BigInt(ExactQuot(op, a, b));
        var x = Natives.LongArg(op, a);
        var y = Natives.LongArg(op, b);
        if (y == 0)
            throw LongDivideByZero();
        return x == long.MinValue && y == -1 ? Val.Long(long.MinValue) : Val.Long(x / y);
    }

    /// <summary>quot of a BigInt or ratio, as Clojure's BigInt and Ratio ops: truncated toward zero.</summary>
    private static BigInteger ExactQuot(string op, Val a, Val b)
    {
        var (xn, xd) = Exact.Fraction(op, a);
        var (yn, yd) = Exact.Fraction(op, b);
        return yn.IsZero ? throw DivideByZero() : BigInteger.Divide(xn * yd, xd * yn);
    }

    public static Val Rem(string op, Val a, Val b, bool floor)
    {
        if (a.IsDouble || b.IsDouble)
        {
            // Clojure's Numbers.remainder on doubles, then mod's adjustment, which looks at the
            // signs of the operands (not of the remainder): (mod -6 2.0) is 0.0.
            var dx = DoubleDivisor(op, a, b, out var dy);
            var dr = dx - (Math.Truncate(dx / dy) * dy);
            return Val.Double(floor && dr != 0 && (dx > 0) != (dy > 0) ? dr + dy : dr);
        }
        if (!(a.IsLong && b.IsLong) && Exact.IsExact(a) && Exact.IsExact(b))
        {
            // x - quot(x, y) * y, exact; an integer result is a BigInt, as in Clojure's BigInt and
            // Ratio ops ((rem 7N 2) is 1N, (mod 1/3 1/6) is 0N). mod then adds y when the signs of
            // the operands differ, as clojure.core/mod does.
            var q = ExactQuot(op, a, b);
            var (xn, xd) = Exact.Fraction(op, a);
            var (yn, yd) = Exact.Fraction(op, b);
            var rn = (xn * yd) - (q * yn * xd);
            var rd = xd * yd;
            if (floor && !rn.IsZero && xn.Sign != yn.Sign)
                rn += yn * xd;
            return YRatio.Make(rn, rd, integerAsBig: true);
        }
        var x = Natives.LongArg(op, a);
        var y = Natives.LongArg(op, b);
        if (y == 0)
            throw floor ? DivideByZero() : LongDivideByZero();
        if (y == -1)
            return Val.Long(0);
        var r = x % y;
        if (floor && r != 0 && (r < 0) != (y < 0))
            r += y;
        return Val.Long(r);
    }

    public static int Compare(string op, Val a, Val b)
    {
        if (a.IsLong && b.IsLong)
            return a.AsLong.CompareTo(b.AsLong);
        if (Exact.IsExact(a) && Exact.IsExact(b))
            return Exact.Compare(op, a, b);
        return Num(op, a).CompareTo(Num(op, b));
    }

    public static bool NumEquals(Val a, Val b) => Compare("==", a, b) == 0;

    private static double Num(string op, Val v) => v.IsNumber ? v.ToDouble() : throw Natives.TypeError(op, "a number", v);

    /// <summary>+' and its siblings: long arithmetic that promotes to BigInt instead of overflowing.</summary>
    public static Val Promoting(string op, Val a, Val b)
    {
        if (a.IsLong && b.IsLong)
        {
            try
            {
                return op switch { "+'" => Add(a, b), "-'" => Sub(a, b), _ => Mul(a, b) };
            }
            catch (YinException e) when (e.Error.Kind == Kinds.Arithmetic)
            {
                return Exact.Apply(op, Val.BigInt(a.AsLong), b);
            }
        }
        return a.IsDouble || b.IsDouble ? Val.Double(op switch { "+'" => Num(op, a) + Num(op, b), "-'" => Num(op, a) - Num(op, b), _ => Num(op, a) * Num(op, b) }) : Exact.Apply(op, a, b);
    }

    // The messages are Java's, as JVM Clojure 1.11 throws them (ex-message and .getMessage give them
    // back); the error's line and stack say where.
    private static YinException Overflow() => YinException.Of(Kinds.Arithmetic, "long overflow");

    /// <summary>Clojure's own zero divisor: <c>/</c>, <c>mod</c>, and any division with a double, ratio or BigInt.</summary>
    internal static YinException DivideByZero() => YinException.Of(Kinds.Arithmetic, "Divide by zero");

    /// <summary>Java's long division by zero, which Clojure's <c>quot</c> and <c>rem</c> on longs reach.</summary>
    internal static YinException LongDivideByZero() => YinException.Of(Kinds.Arithmetic, "/ by zero");
}

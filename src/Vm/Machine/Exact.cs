using System.Globalization;
using System.Numerics;
using Datom.Log.Edn;

namespace Datom.Vm.Machine;

/// <summary>
/// A ratio, as Clojure's <c>(/ 1 2)</c> makes: numerator and denominator in lowest terms, the
/// denominator greater than 1 (a ratio that reduces to an integer is a BigInt, as in Clojure).
/// </summary>
internal sealed class YRatio
{
    private YRatio(BigInteger numerator, BigInteger denominator)
    {
        Numerator = numerator;
        Denominator = denominator;
    }

    public BigInteger Numerator { get; }

    public BigInteger Denominator { get; }

    public double ToDouble() => Exact.ToDouble(Numerator, Denominator);

    /// <summary>n/d in lowest terms: a long-free BigInt when d divides n (<paramref name="integerAsBig"/>), or a long.</summary>
    public static Val Make(BigInteger n, BigInteger d, bool integerAsBig)
    {
        if (d.IsZero)
            throw Arith.DivideByZero();
        (n, d) = RatioLiteral.LowestTerms(n, d);
        if (d.IsOne)
            return integerAsBig ? Val.BigInt(n) : Exact.Integer(n);
        return Val.Object(new YRatio(n, d));
    }

    public override string ToString() =>
        Numerator.ToString(CultureInfo.InvariantCulture) + "/" + Denominator.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// Clojure's exact numbers beside long and double: BigInt (<c>1N</c>, and what <c>+'</c> and
/// friends promote to on overflow) and Ratio (<c>/</c> on integers that do not divide). Contagion as
/// in clojure.lang.Numbers: a double makes the result a double; otherwise a ratio or BigInt operand
/// keeps the arithmetic exact; long with long stays long and throws on overflow.
/// </summary>
internal static class Exact
{
    /// <summary>A number that is not a double, as a fraction.</summary>
    public static (BigInteger N, BigInteger D) Fraction(string op, Val v) => v.Obj switch
    {
        _ when v.IsLong => (v.AsLong, BigInteger.One),
        BigInteger b => (b, BigInteger.One),
        YRatio r => (r.Numerator, r.Denominator),
        _ => throw Natives.TypeError(op, "a number", v),
    };

    public static bool IsExact(Val v) => v.IsLong || v.Obj is BigInteger or YRatio;

    /// <summary>A long when it fits, else a BigInt.</summary>
    public static Val Integer(BigInteger n) => n >= long.MinValue && n <= long.MaxValue ? Val.Long((long)n) : Val.BigInt(n);

    public static double ToDouble(BigInteger n, BigInteger d)
    {
        // Scale so that the quotient keeps 64 significant bits before the division rounds.
        var shift = (int)Math.Max(0, 64 - (n.GetBitLength() - d.GetBitLength()));
        var q = BigInteger.Divide(n << shift, d);
        return (double)q * Math.Pow(2, -shift);
    }

    /// <summary>+, -, * and / when neither operand is a double and they are not both longs (or were promoted).</summary>
    public static Val Apply(string op, Val a, Val b)
    {
        var (an, ad) = Fraction(op, a);
        var (bn, bd) = Fraction(op, b);
        // (+ 1N 1) is 2N and (+ 1/2 1/2) is 1N: an integral result of BigInt or ratio arithmetic stays a BigInt.
        var big = !(a.IsLong && b.IsLong);
        Charge(an, ad, bn, bd);
        return op switch
        {
            "+" or "+'" => YRatio.Make((an * bd) + (bn * ad), ad * bd, big),
            "-" or "-'" => YRatio.Make((an * bd) - (bn * ad), ad * bd, big),
            "*" or "*'" => YRatio.Make(an * bn, ad * bd, big),
            _ => bn.IsZero ? throw Arith.DivideByZero() : YRatio.Make(an * bd, ad * bn, big),
        };
    }

    /// <summary>
    /// Big-number arithmetic is one instruction however big its operands: a program squaring a
    /// BigInt in a loop doubles its size each turn. Before the work, its result is charged to
    /// memory (the bits of a product are the sum of the factors' bits) and its work to fuel (one
    /// step per 64 x 64-bit word products, the schoolbook bound; less for sums), which also checks
    /// the deadline: so such a loop stops at a named limit, not in a multiplication of minutes.
    /// </summary>
    private static void Charge(BigInteger an, BigInteger ad, BigInteger bn, BigInteger bd)
    {
        var bits = an.GetBitLength() + ad.GetBitLength() + bn.GetBitLength() + bd.GetBitLength();
        if (bits < 4096 || YinMachine.Current is not { } m)
            return;
        m.Charge(Heap.BigIntBytes(bits));
        var wa = (an.GetBitLength() + ad.GetBitLength()) / 64;
        var wb = (bn.GetBitLength() + bd.GetBitLength()) / 64;
        m.Burn(Math.Max(wa, wb) + (wa * wb / 64));
    }

    public static int Compare(string op, Val a, Val b)
    {
        var (an, ad) = Fraction(op, a);
        var (bn, bd) = Fraction(op, b);
        return (an * bd).CompareTo(bn * ad);
    }
}

using System.Globalization;
using System.Numerics;

namespace Datom.Log.Edn;

/// <summary>
/// A Clojure ratio literal such as <c>1/2</c> or <c>-3/4</c>, read only with
/// <see cref="EdnReaderOptions.ClojureSyntax"/> (EDN has no ratios). As Clojure's reader does, it is
/// kept in lowest terms with a denominator above 1: <c>4/2</c> reads as the integer 2 and
/// <c>-3/6</c> as <c>-1/2</c>, so a RatioLiteral is never a whole number.
/// </summary>
public sealed record RatioLiteral
{
    private RatioLiteral(BigInteger numerator, BigInteger denominator)
    {
        Numerator = numerator;
        Denominator = denominator;
    }

    public BigInteger Numerator { get; }

    /// <summary>Always greater than 1.</summary>
    public BigInteger Denominator { get; }

    /// <summary>
    /// <paramref name="numerator"/>/<paramref name="denominator"/> in lowest terms: a RatioLiteral, or
    /// the whole number it reduces to. As Clojure's reader divides, that is a long when both parts
    /// fit a long and a BigInteger (Clojure's BigInt) when either does not. Null when the
    /// denominator is 0.
    /// </summary>
    public static object? Of(BigInteger numerator, BigInteger denominator)
    {
        if (denominator.IsZero)
            return null;
        var big = !FitsLong(numerator) || !FitsLong(denominator);
        var (n, d) = LowestTerms(numerator, denominator);
        if (d.IsOne)
            return big ? n : (object)(long)n;
        return new RatioLiteral(n, d);
    }

    /// <summary>
    /// n/d in lowest terms with a positive denominator: the one rule for every ratio, read or
    /// computed (Yin's arithmetic uses it too). <paramref name="denominator"/> must not be 0.
    /// </summary>
    public static (BigInteger Numerator, BigInteger Denominator) LowestTerms(BigInteger numerator, BigInteger denominator)
    {
        if (denominator.Sign < 0)
        {
            numerator = -numerator;
            denominator = -denominator;
        }
        var gcd = BigInteger.GreatestCommonDivisor(numerator, denominator);
        return gcd.IsOne || gcd.IsZero ? (numerator, denominator) : (numerator / gcd, denominator / gcd);
    }

    private static bool FitsLong(BigInteger n) => n >= long.MinValue && n <= long.MaxValue;

    public override string ToString() =>
        Numerator.ToString(CultureInfo.InvariantCulture) + "/" + Denominator.ToString(CultureInfo.InvariantCulture);
}

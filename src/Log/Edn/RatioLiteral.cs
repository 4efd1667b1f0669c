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
        if (denominator.Sign < 0)
        {
            numerator = -numerator;
            denominator = -denominator;
        }
        var gcd = BigInteger.GreatestCommonDivisor(numerator, denominator);
        if (!gcd.IsOne)
        {
            numerator /= gcd;
            denominator /= gcd;
        }
        if (denominator.IsOne)
            return big ? numerator : (object)(long)numerator;
        return new RatioLiteral(numerator, denominator);
    }

    private static bool FitsLong(BigInteger n) => n >= long.MinValue && n <= long.MaxValue;

    public override string ToString() =>
        Numerator.ToString(CultureInfo.InvariantCulture) + "/" + Denominator.ToString(CultureInfo.InvariantCulture);
}

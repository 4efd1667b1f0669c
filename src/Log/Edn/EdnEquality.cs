using System.Numerics;

namespace Datom.Log.Edn;

/// <summary>
/// Structural equality over EDN values, following the spec's "equality" section and Clojure's
/// <c>=</c> where the spec leaves room:
/// <list type="bullet">
/// <item>Integers are equal by value whatever their .NET type: <c>long 1</c>, <c>int 1</c> and
/// <c>BigInteger 1</c> (read from <c>1N</c>) are equal. Integers never equal floats or decimals
/// (<c>1</c> is not <c>1.0</c>), as the spec asks ("same magnitude, type, and precision").</item>
/// <item>Floats (<c>double</c>, <c>float</c>) compare as doubles with <see cref="double.Equals(double)"/>:
/// NaN equals NaN, so a NaN can be found again in a set or map (a choice: IEEE says NaN != NaN,
/// which would make such collections unusable), and 0.0 equals -0.0.</item>
/// <item>Decimals are equal by value (<c>1.5M</c> equals <c>1.50M</c>), as in Clojure.</item>
/// <item>Lists and vectors are equal when their elements are, as in Clojure; sets and maps by
/// content regardless of order; <c>#inst</c> by instant, whatever the offset.</item>
/// <item>Position and metadata never take part.</item>
/// </list>
/// </summary>
public sealed class EdnEquality : IEqualityComparer<object?>
{
    private EdnEquality()
    {
    }

    public static EdnEquality Instance { get; } = new();

    public new bool Equals(object? x, object? y) => AreEqual(x, y);

    public int GetHashCode(object? obj) => Hash(obj);

    internal static bool AreEqual(object? x, object? y)
    {
        if (ReferenceEquals(x, y))
        {
            return true;
        }

        if (x is null || y is null)
        {
            return false;
        }

        if (x is long lx && y is long ly)
        {
            return lx == ly;
        }

        var kind = Classify(x);
        if (kind != Classify(y))
        {
            return false;
        }

        return kind switch
        {
            NumberKind.Integer => IntegerEquals(x, y),
            NumberKind.Float => ToDouble(x).Equals(ToDouble(y)),
            _ => x.Equals(y),
        };
    }

    internal static int Hash(object? value) => value switch
    {
        null => 0,
        long l => l.GetHashCode(),
        double d => DoubleHash(d),
        _ => Classify(value) switch
        {
            NumberKind.Integer => IntegerHash(value),
            NumberKind.Float => DoubleHash(ToDouble(value)),
            _ => value.GetHashCode(),
        },
    };

    internal static bool SequenceEquals(ReadOnlySpan<object?> x, ReadOnlySpan<object?> y)
    {
        if (x.Length != y.Length)
        {
            return false;
        }

        for (var i = 0; i < x.Length; i++)
        {
            if (!AreEqual(x[i], y[i]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Ordered hash shared by lists and vectors, which are equal to each other.</summary>
    internal static int SequenceHash(ReadOnlySpan<object?> items)
    {
        var hash = 1;
        foreach (var item in items)
        {
            hash = unchecked((hash * 31) + Hash(item));
        }

        return NonZero(hash);
    }

    /// <summary>Collections cache their hash with 0 meaning "not computed yet".</summary>
    internal static int NonZero(int hash) => hash == 0 ? 1 : hash;

    private static NumberKind Classify(object value) => value switch
    {
        long or int or short or sbyte or byte or ushort or uint or ulong or BigInteger => NumberKind.Integer,
        double or float => NumberKind.Float,
        _ => NumberKind.None,
    };

    private static double ToDouble(object value) => value is float f ? f : (double)value;

    // Integers are normalised to a long when they fit, else a BigInteger, so equal values of
    // different .NET types compare and hash alike.
    private static bool ToInteger(object value, out long small, out BigInteger big)
    {
        big = default;
        switch (value)
        {
            case long l: small = l; return true;
            case int i: small = i; return true;
            case short s: small = s; return true;
            case sbyte sb: small = sb; return true;
            case byte b: small = b; return true;
            case ushort us: small = us; return true;
            case uint ui: small = ui; return true;
            case ulong ul when ul <= long.MaxValue: small = (long)ul; return true;
            case ulong ul: small = 0; big = ul; return false;
            default:
                var bi = (BigInteger)value;
                if (bi >= long.MinValue && bi <= long.MaxValue)
                {
                    small = (long)bi;
                    return true;
                }

                small = 0;
                big = bi;
                return false;
        }
    }

    private static bool IntegerEquals(object x, object y)
    {
        var xSmall = ToInteger(x, out var xl, out var xb);
        var ySmall = ToInteger(y, out var yl, out var yb);
        return xSmall == ySmall && (xSmall ? xl == yl : xb == yb);
    }

    private static int IntegerHash(object value) =>
        ToInteger(value, out var small, out var big) ? small.GetHashCode() : big.GetHashCode();

    // -0.0 equals 0.0 and NaN equals NaN under double.Equals, so both must hash alike.
    private static int DoubleHash(double d) => d == 0 ? 0 : double.IsNaN(d) ? double.NaN.GetHashCode() : d.GetHashCode();

    private enum NumberKind
    {
        None,
        Integer,
        Float,
    }
}

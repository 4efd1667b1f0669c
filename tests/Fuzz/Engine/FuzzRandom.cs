namespace Datom.Fuzz.Engine;

/// <summary>
/// xoshiro256** (Blackman and Vigna, "Scrambled linear pseudorandom number generators", 2021),
/// seeded through SplitMix64 as its authors recommend. Our own rather than <see cref="Random"/> so
/// that a seed names the same inputs on every .NET version: a fuzz failure is replayed from its seed
/// and index alone.
/// </summary>
public sealed class FuzzRandom
{
    private ulong _s0;
    private ulong _s1;
    private ulong _s2;
    private ulong _s3;

    public FuzzRandom(ulong seed)
    {
        _s0 = SplitMix(ref seed);
        _s1 = SplitMix(ref seed);
        _s2 = SplitMix(ref seed);
        _s3 = SplitMix(ref seed);
    }

    /// <summary>The generator for input <paramref name="index"/> of a run seeded with <paramref name="seed"/>: inputs are independent, so any one can be regenerated alone.</summary>
    public static FuzzRandom ForInput(ulong seed, long index)
    {
        var mixed = seed ^ (0x9E3779B97F4A7C15UL * (ulong)(index + 1));
        return new FuzzRandom(SplitMix(ref mixed));
    }

    public ulong NextUInt64()
    {
        var result = RotateLeft(_s1 * 5, 7) * 9;
        var t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, <paramref name="bound"/>) by Lemire's multiply-shift (the bias is below 2^-32 for the bounds used here).</summary>
    public int Next(int bound)
    {
        if (bound <= 1)
            return 0;
        return (int)(((NextUInt64() >> 32) * (ulong)bound) >> 32);
    }

    /// <summary>Uniform in [<paramref name="min"/>, <paramref name="max"/>).</summary>
    public int Next(int min, int max) => min + Next(max - min);

    /// <summary>True with probability 1/<paramref name="n"/>.</summary>
    public bool OneIn(int n) => Next(n) == 0;

    public T Pick<T>(IReadOnlyList<T> items) => items[Next(items.Count)];

    public void Fill(Span<byte> destination)
    {
        for (var i = 0; i < destination.Length; i++)
            destination[i] = (byte)NextUInt64();
    }

    private static ulong SplitMix(ref ulong state)
    {
        var z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private static ulong RotateLeft(ulong x, int k) => (x << k) | (x >> (64 - k));
}

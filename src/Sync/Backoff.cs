using System.Security.Cryptography;

namespace Datom.Sync;

/// <summary>
/// Exponential backoff with "full jitter" (AWS Architecture Blog, "Exponential Backoff and Jitter",
/// 2015): a delay drawn uniformly from [0, min(max, base · 2^attempt)], so that nodes restarted
/// together do not reconnect in lockstep. A floor of a tenth of the base keeps a retry from being instant.
/// </summary>
internal static class Backoff
{
    public static TimeSpan Delay(int attempt, TimeSpan baseDelay, TimeSpan maxDelay)
    {
        var ceiling = baseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt, 30));
        ceiling = Math.Min(ceiling, maxDelay.TotalMilliseconds);
        var floor = baseDelay.TotalMilliseconds / 10;
        var drawn = RandomNumberGenerator.GetInt32(0, 1_000_001) / 1_000_000.0 * ceiling;
        return TimeSpan.FromMilliseconds(Math.Max(floor, drawn));
    }
}

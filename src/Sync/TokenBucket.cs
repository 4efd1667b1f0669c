namespace Datom.Sync;

/// <summary>
/// A token bucket (rate, burst). Taking more than is there runs into debt, and the taker waits until
/// the debt is repaid, so a batch larger than the burst still passes, at the rate. Thread-safe.
/// </summary>
internal sealed class TokenBucket
{
    private readonly Lock _gate = new();
    private readonly double _rate;
    private readonly double _burst;
    private readonly TimeProvider _time;
    private double _tokens;
    private long _stamp;

    public TokenBucket(double ratePerSecond, double burst, TimeProvider time)
    {
        _rate = ratePerSecond;
        _burst = Math.Max(1, burst);
        _time = time;
        _tokens = _burst;
        _stamp = time.GetTimestamp();
    }

    public bool IsUnlimited => _rate <= 0;

    /// <summary>Takes <paramref name="count"/> tokens; returns how long to wait before going on (zero if none).</summary>
    public TimeSpan Take(int count)
    {
        if (IsUnlimited)
            return TimeSpan.Zero;
        lock (_gate)
        {
            var now = _time.GetTimestamp();
            _tokens = Math.Min(_burst, _tokens + (_time.GetElapsedTime(_stamp, now).TotalSeconds * _rate));
            _stamp = now;
            _tokens -= count;
            return _tokens >= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(-_tokens / _rate);
        }
    }

    /// <summary>Takes tokens and waits out any debt; returns true if it had to wait.</summary>
    public async ValueTask<bool> TakeAsync(int count, CancellationToken cancellationToken)
    {
        var wait = Take(count);
        if (wait <= TimeSpan.Zero)
            return false;
        await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
        return true;
    }
}

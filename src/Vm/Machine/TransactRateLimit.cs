using System.Globalization;

namespace Datom.Vm.Machine;

/// <summary>
/// At most <see cref="PerMinute"/> <c>transact!</c> calls a minute, as a token bucket that holds a
/// minute's allowance and refills continuously. Meant for programs that run for ever (a daemon's
/// <c>^:service</c> functions): give one instance to every run of the same service, and the bound
/// holds across its restarts, so a service that transacts in a loop, fails and is restarted still
/// writes no more than its rate. A run past it stops with <c>:limit/transact</c>.
/// </summary>
public sealed class TransactRateLimit : Constraint
{
    private readonly Lock _gate = new();
    private double _tokens;
    private long? _last;

    public TransactRateLimit(int perMinute)
    {
        PerMinute = perMinute > 0 ? perMinute : throw new ArgumentOutOfRangeException(nameof(perMinute), perMinute, "a transaction rate is positive: there is no unlimited rate");
        _tokens = perMinute;
    }

    public int PerMinute { get; }

    public override string Name => "transact";

    /// <summary>Takes one transaction from the bucket, or throws <see cref="LimitExceededException"/>.</summary>
    public void Take(TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        lock (_gate)
        {
            var now = time.GetTimestamp();
            if (_last is { } last)
                _tokens = Math.Min(PerMinute, _tokens + (time.GetElapsedTime(last, now).TotalMinutes * PerMinute));
            _last = now;
            if (_tokens < 1)
            {
                throw new LimitExceededException(Name, string.Create(CultureInfo.InvariantCulture,
                    $"transact!: the program made more than its {PerMinute} transactions a minute"));
            }
            _tokens--;
        }
    }
}

using System.Diagnostics;
using Datom.Index.Query;

namespace Datom.Vm.Machine;

/// <summary>
/// What the effects spend of the run's own limits: a query runs on its caller's remaining fuel,
/// memory and deadline (DESIGN.md: "a query from Yin code spends its caller's limits"), and a
/// transaction passes the run's transaction-rate limits first.
/// </summary>
internal sealed partial class YinMachine
{
    /// <summary>
    /// A budget for one query from this run: no more than <paramref name="ceiling"/> (the node's
    /// query limits), nor than what the run has left: its deadline, its fuel (a query step is a
    /// fuel step), and half its memory (the other half is for the result, which the run keeps).
    /// </summary>
    public QueryBudget QueryBudget(QueryLimits ceiling)
    {
        ArgumentNullException.ThrowIfNull(ceiling);
        var remainingTicks = _deadline == long.MaxValue ? long.MaxValue : _deadline - Stopwatch.GetTimestamp();
        if (remainingTicks <= 0)
            throw DeadlineError();
        var remaining = remainingTicks == long.MaxValue || remainingTicks / Stopwatch.Frequency >= TimeSpan.MaxValue.TotalSeconds
            ? TimeSpan.MaxValue
            : TimeSpan.FromSeconds(remainingTicks / (double)Stopwatch.Frequency);
        var fuel = _fuel - Steps;
        if (fuel <= 0)
            throw FuelError();
        var used = _heap.Charged;
        if (used > _heap.Limit / 2)
            used = _heap.MeasureLive();
        var memory = (_heap.Limit - used) / 2;
        if (memory <= 0)
        {
            throw YinException.Of(Kinds.Limit("memory"),
                $"memory limit: the program holds {used} of its {_heap.Limit} bytes, none left for a query");
        }
        return new QueryBudget(ceiling.Within(remaining, memory, fuel), Cancellation);
    }

    /// <summary>
    /// The steps a query took, burned from the run's fuel. The other limits are not checked here
    /// (this runs as the query ends, and a query stopped by its deadline reports that itself).
    /// </summary>
    public void Spend(QueryBudget budget)
    {
        ArgumentNullException.ThrowIfNull(budget);
        _burned += Math.Max(0, budget.Steps);
        if (_steps + _burned > _fuel)
            throw FuelError();
    }

    /// <summary>
    /// A query that stopped at one of its limits, as the run's error: the query's steps are the
    /// caller's fuel, so its <c>steps</c> limit is <c>:limit/fuel</c>; the others keep their names.
    /// </summary>
    public static YinException QueryLimitError(QueryLimitException e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var limit = e.Limit == "steps" ? "fuel" : e.Limit;
        return YinException.Of(Kinds.Limit(limit), "query: " + e.Message);
    }

    /// <summary>Before a <c>transact!</c>: every transaction-rate limit of the run takes one transaction, or stops the run.</summary>
    public void BeforeTransact()
    {
        foreach (var c in _limits.Others)
        {
            if (c is TransactRateLimit rate)
                rate.Take(_time);
        }
    }
}

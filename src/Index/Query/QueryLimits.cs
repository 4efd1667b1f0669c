using System.Globalization;
using System.Runtime.CompilerServices;

namespace Datom.Index.Query;

/// <summary>
/// The limits every query runs under, from any caller (DESIGN.md: "every query, from any caller,
/// runs under a deadline, a row cap and a memory budget that reach inside the evaluator"). As with
/// Yin's run limits (after Jint's constraints), every limit has a finite default and none can be
/// switched off: a setting can only choose another positive value.
/// </summary>
/// <remarks>
/// What each limit counts, and where the evaluator checks it (<see cref="QueryBudget"/>):
/// <list type="bullet">
/// <item><c>deadline</c>: wall-clock time from the start of the run; checked with cancellation
/// every <see cref="QueryBudget.CheckInterval"/> steps, so inside joins, rule fixpoints, aggregates
/// and pull alike.</item>
/// <item><c>rows</c>: the rows of any one relation, intermediate or final, and the answers of any
/// one rule; checked as each row is made.</item>
/// <item><c>memory</c>: bytes of relations, join tables, rule answers, results and pulled values
/// live at once; charged before each allocation is made, so a query is refused before it holds
/// more, not after.</item>
/// <item><c>steps</c>: a deterministic measure of work (each datom read, candidate row made, rule
/// answer and pulled value is one step). A query from Yin code gets its caller's remaining fuel
/// here, and its steps are burned from that fuel.</item>
/// <item><c>depth</c>: how deep a pull nests (recursive specs, components), so that a pull down a
/// long chain stops with an error instead of overflowing the host's stack.</item>
/// </list>
/// </remarks>
public sealed class QueryLimits
{
    /// <summary>30 s: far above any interactive query, short enough that a runaway one frees its thread.</summary>
    public static readonly TimeSpan DefaultDeadline = TimeSpan.FromSeconds(30);

    /// <summary>10 million rows in one relation: 400 MB of cells at width one, so the memory budget binds first on wide rows.</summary>
    public const long DefaultMaxRows = 10_000_000;

    /// <summary>512 MiB of query data at once: a handful of concurrent queries fit beside the index cache in a few GiB.</summary>
    public const long DefaultMemory = 512L * 1024 * 1024;

    /// <summary>
    /// 4 billion steps: above what the default deadline allows (the evaluator makes some 10^8 steps
    /// a second on one core, 3·10^9 in 30 s), so on defaults the deadline binds first and this only
    /// bounds work deterministically when a caller (Yin's fuel) sets it lower.
    /// </summary>
    public const long DefaultMaxSteps = 4_000_000_000;

    /// <summary>
    /// 10,000 nested pull levels: DataScript pulls a 3,000-deep recursive chain, so must we. The
    /// host's stack is guarded separately (<c>TryEnsureSufficientExecutionStack</c>), so a deep pull
    /// on a small thread stack stops with this limit named rather than crashing.
    /// </summary>
    public const int DefaultMaxPullDepth = 10_000;

    public QueryLimits(TimeSpan? deadline = null, long? maxRows = null, long? memoryBytes = null, long? maxSteps = null, int? maxPullDepth = null)
    {
        Deadline = deadline ?? DefaultDeadline;
        if (Deadline <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(deadline), "a query deadline is positive: there is no unlimited query");
        MaxRows = Positive(maxRows ?? DefaultMaxRows, nameof(maxRows));
        MemoryBytes = Positive(memoryBytes ?? DefaultMemory, nameof(memoryBytes));
        MaxSteps = Positive(maxSteps ?? DefaultMaxSteps, nameof(maxSteps));
        MaxPullDepth = (int)Positive(maxPullDepth ?? DefaultMaxPullDepth, nameof(maxPullDepth));
    }

    public static QueryLimits Default { get; } = new();

    public TimeSpan Deadline { get; }

    public long MaxRows { get; }

    public long MemoryBytes { get; }

    public long MaxSteps { get; }

    public int MaxPullDepth { get; }

    /// <summary>These limits, each no larger than the other's (what a caller with its own limits may still spend).</summary>
    public QueryLimits Within(TimeSpan deadline, long memoryBytes, long maxSteps) => new(
        TimeSpan.FromTicks(Math.Max(1, Math.Min(Deadline.Ticks, deadline.Ticks))),
        MaxRows,
        Math.Max(1, Math.Min(MemoryBytes, memoryBytes)),
        Math.Max(1, Math.Min(MaxSteps, maxSteps)),
        MaxPullDepth);

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"deadline {Deadline.TotalSeconds} s, {MaxRows} rows, memory {MemoryBytes} bytes, {MaxSteps} steps, pull depth {MaxPullDepth}");

    private static long Positive(long value, string name) =>
        value > 0 ? value : throw new ArgumentOutOfRangeException(name, value, "a query limit is positive: there is no unlimited query");
}

/// <summary>
/// One run of a query against its <see cref="QueryLimits"/>: what it has spent so far. The
/// evaluator charges it as it goes (rows as they are made, memory before it is allocated, a step
/// per datom read) and it throws <see cref="QueryLimitException"/> naming the limit, or
/// <see cref="OperationCanceledException"/> when the caller cancels. Single use, single thread.
/// </summary>
/// <remarks>
/// Relations (<see cref="Rel"/>) are made all over the evaluator; rather than pass the budget to
/// each, a run makes it the thread's current budget (<see cref="Enter"/>) and a relation takes
/// the current one when it is made. That is sound because a run is synchronous and on one thread
/// from start to end (the evaluator starts no tasks); the scope restores the previous budget, so
/// a query run from inside another (a transaction function) charges its own.
/// </remarks>
public sealed class QueryBudget
{
    /// <summary>
    /// Steps between clock and cancellation checks: 1,024 steps are some 10 µs of evaluator work,
    /// so a deadline is noticed within that (plus one step), for a clock read per 1,024 steps.
    /// </summary>
    public const int CheckInterval = 1024;

    [ThreadStatic]
    private static QueryBudget? t_current;

    private readonly TimeProvider _time;
    private readonly long _started;
    private readonly long _deadline;
    private long _spent;
    private long _slice;
    private long _countdown;
    private long _memory;

    public QueryBudget(QueryLimits limits, CancellationToken cancellation = default)
        : this(limits, null, cancellation)
    {
    }

    /// <param name="time">The clock the deadline is measured on (the system's unless a test gives one).</param>
    public QueryBudget(QueryLimits limits, TimeProvider? time, CancellationToken cancellation = default)
    {
        Limits = limits ?? throw new ArgumentNullException(nameof(limits));
        Cancellation = cancellation;
        _time = time ?? TimeProvider.System;
        _started = _time.GetTimestamp();
        var ticks = limits.Deadline.TotalSeconds * _time.TimestampFrequency;
        _deadline = ticks >= long.MaxValue - _started ? long.MaxValue : _started + (long)ticks;
        NextSlice();
    }

    public QueryLimits Limits { get; }

    public CancellationToken Cancellation { get; }

    /// <summary>Steps spent so far: datoms read, candidate rows made, rule answers, pulled values.</summary>
    public long Steps => _spent + (_slice - _countdown);

    /// <summary>Bytes of query data live now.</summary>
    public long MemoryBytes => _memory;

    /// <summary>The most bytes of query data live at once.</summary>
    public long PeakMemoryBytes { get; private set; }

    /// <summary>The rows held by the relation or rule table that reached the row cap; 0 while none has.</summary>
    public long PeakRows { get; private set; }

    public TimeSpan Elapsed => _time.GetElapsedTime(_started);

    /// <summary>The budget of the query running on this thread, if any.</summary>
    internal static QueryBudget? Current => t_current;

    /// <summary>Makes this the thread's current budget until the scope is disposed.</summary>
    internal Scope Enter()
    {
        var previous = t_current;
        t_current = this;
        return new Scope(previous);
    }

    /// <summary>One step of work.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void Tick()
    {
        if (--_countdown <= 0)
            Checkpoint();
    }

    /// <summary>A relation or table is about to hold row number <paramref name="count"/> + 1: one step, and the row cap.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void Row(long count)
    {
        if (count >= Limits.MaxRows)
            ThrowRows(count);
        if (--_countdown <= 0)
            Checkpoint();
    }

    /// <summary>Charges memory about to be allocated; throws before it is when the budget would pass.</summary>
    internal void Charge(long bytes)
    {
        if (bytes <= 0)
            return;
        var total = _memory > long.MaxValue - bytes ? long.MaxValue : _memory + bytes;
        if (total > Limits.MemoryBytes)
        {
            throw new QueryLimitException("memory", string.Create(CultureInfo.InvariantCulture,
                $"the query needs more than its memory budget of {Limits.MemoryBytes} bytes ({_memory} bytes held, {bytes} more requested)"));
        }
        _memory = total;
        if (total > PeakMemoryBytes)
            PeakMemoryBytes = total;
    }

    /// <summary>Memory released.</summary>
    internal void Credit(long bytes)
    {
        if (bytes > 0)
            _memory = Math.Max(0, _memory - bytes);
    }

    /// <summary>A pull is about to go <paramref name="depth"/> levels deep.</summary>
    internal void PullDepth(int depth)
    {
        if (depth > Limits.MaxPullDepth || !RuntimeHelpers.TryEnsureSufficientExecutionStack())
        {
            throw new QueryLimitException("depth", string.Create(CultureInfo.InvariantCulture,
                $"the pull nests deeper than {Math.Min(depth - 1, Limits.MaxPullDepth)} levels"));
        }
    }

    /// <summary>Checks the deadline and cancellation now, whatever the step count.</summary>
    internal void CheckTime()
    {
        Cancellation.ThrowIfCancellationRequested();
        if (_time.GetTimestamp() > _deadline)
        {
            throw new QueryLimitException("deadline", string.Create(CultureInfo.InvariantCulture,
                $"the query ran longer than its deadline of {Limits.Deadline.TotalMilliseconds:0.###} ms (stopped after {Elapsed.TotalMilliseconds:0} ms)"));
        }
    }

    private void Checkpoint()
    {
        _spent += _slice;
        _slice = 0;
        _countdown = 0;
        if (_spent >= Limits.MaxSteps)
        {
            throw new QueryLimitException("steps", string.Create(CultureInfo.InvariantCulture,
                $"the query took more than its {Limits.MaxSteps} steps (datoms read, rows made, values pulled)"));
        }
        CheckTime();
        NextSlice();
    }

    private void NextSlice()
    {
        _slice = Math.Min(CheckInterval, Limits.MaxSteps - _spent);
        _countdown = _slice;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowRows(long count)
    {
        PeakRows = Math.Max(PeakRows, count);
        throw new QueryLimitException("rows", string.Create(CultureInfo.InvariantCulture,
            $"a relation of the query grew past its cap of {Limits.MaxRows} rows"));
    }

    internal readonly struct Scope(QueryBudget? previous) : IDisposable
    {
        public void Dispose() => t_current = previous;
    }
}

/// <summary>
/// A query stopped by one of its limits. <see cref="Limit"/> names it (<c>deadline</c>, <c>rows</c>,
/// <c>memory</c>, <c>steps</c>, <c>depth</c>), and the message begins with <c>:limit/NAME</c>, as
/// Yin's limit errors do; the process and every other query go on.
/// </summary>
public sealed class QueryLimitException : QueryException
{
    public QueryLimitException(string limit, string reason)
        : base($":limit/{limit}: {reason}")
    {
        Limit = limit;
    }

    public QueryLimitException()
        : this("custom", "a query limit was reached")
    {
    }

    public QueryLimitException(string message)
        : this("custom", message)
    {
    }

    public QueryLimitException(string message, Exception innerException)
        : base(message, innerException)
    {
        Limit = "custom";
    }

    /// <summary>The limit's name, without the <c>:limit/</c> namespace.</summary>
    public string Limit { get; }
}

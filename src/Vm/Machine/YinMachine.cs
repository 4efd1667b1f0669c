using System.Diagnostics;
using System.Runtime.CompilerServices;
using Datom.Log.Edn;

namespace Datom.Vm.Machine;

/// <summary>How a stretch of execution ended.</summary>
internal enum Outcome
{
    Running,
    Finished,
    Suspended,
    Paused,
    Failed,
}

/// <summary>What the machine may do outside itself: the database effects of a run.</summary>
internal interface IEffectHost
{
    /// <summary>The node's limits on any one query; a run's query gets no more, nor more than the run has left.</summary>
    Datom.Index.Query.QueryLimits QueryLimits { get; }

    object? Query(object? query, IReadOnlyList<object?> inputs, Datom.Index.Query.QueryBudget budget);

    Val Transact(object? txData, CancellationToken cancellationToken);

    /// <summary>
    /// The <c>subscribe</c> effect: the query's result, then each change an indexed entry makes to it
    /// (<see cref="Datom.Index.DaoDb.Subscribe"/>). The callbacks run on the index's thread.
    /// </summary>
    IDisposable Subscribe(object? query, IReadOnlyList<object?> inputs, Action<Datom.Index.SubscriptionStart> onStart,
        Action<Datom.Index.SubscriptionChange> onChange, Action<Exception> onEnded) =>
        throw YinException.Of(Kinds.Effect, "subscribe: this run has no database");
}

/// <summary>
/// Yin.VM: a CESK machine. <b>C</b>ontrol is the running function's prepared code and the index of
/// the next instruction; <b>E</b>nvironment is that frame's slots on the value stack (parameters,
/// let and loop bindings) and, for a closure, the values it captured; <b>S</b>tore is the
/// program's data, charged to the <see cref="Heap"/>; <b>K</b>ontinuation is the explicit stack of
/// frames to return to. A Yin call pushes a frame onto that stack instead of recursing in the host,
/// so Yin recursion is bounded by the depth limit and never by the .NET stack; and the whole state
/// is plain data, which is what lets a continuation be captured, stored as datoms and resumed in
/// another process.
/// </summary>
/// <remarks>
/// One machine runs one program on one thread. The code it runs is shared (see
/// <see cref="CodeBase"/>): a call reads the callee's cell and so runs its current definition,
/// while each frame holds the <see cref="Prepared"/> it started in and finishes in it.
/// </remarks>
internal sealed partial class YinMachine
{
    /// <summary>
    /// Instructions between checkpoints: about 0.1 ms of execution, so a deadline or cancellation is
    /// noticed that late at most, for a checkpoint's cost of a clock read every 10,000 instructions.
    /// </summary>
    private const int Slice = 10_000;

    private readonly long _fuel;
    private readonly int _maxDepth;
    private readonly long _deadline;
    private readonly long _started;
    private readonly RunLimits _limits;
    private readonly Heap _heap;
    private readonly TextWriter _output;
    private readonly TimeProvider _time;

    private Val[] _stack = new Val[256];
    private int _sp;
    private Frame[] _frames = new Frame[32];
    private int _fp;

    // The fast call path pushes a frame while _fp is below this: min(frames allocated, depth limit - 1).
    private int _frameLimit;

    // The running frame: control and environment.
    private Prepared _fn = null!;
    private int _pc;
    private int _bp;
    private Val[]? _captures;

    private long _steps;
    private long _budget;
    private long _sliceSize;
    private long _burned;
    private long? _pauseAt;
    private Val _result;
    private Val _suspended;
    private YinError? _error;

    public YinMachine(RunLimits limits, TextWriter output, IEffectHost? effects, TimeProvider? time, CancellationToken cancellation, long? pauseAfterSteps = null)
    {
        _limits = limits ?? throw new ArgumentNullException(nameof(limits));
        _output = output ?? throw new ArgumentNullException(nameof(output));
        Effects = effects;
        Cancellation = cancellation;
        _time = time ?? TimeProvider.System;
        _fuel = limits.Fuel.Steps;
        _maxDepth = limits.Depth.Frames;
        _started = Stopwatch.GetTimestamp();
        var ticks = limits.Deadline.Timeout.TotalSeconds * Stopwatch.Frequency;
        _deadline = ticks >= long.MaxValue - _started ? long.MaxValue : _started + (long)ticks;
        _heap = new Heap(limits.Memory.Bytes, Roots, CheckClock);
        _pauseAt = pauseAfterSteps;
        SetFrameLimit();
        NextSlice();
    }

    private struct Frame(Prepared fn, int pc, int bp, Val[]? captures, int resultSp)
    {
        public Prepared Fn = fn;
        public int Pc = pc;
        public int Bp = bp;
        public Val[]? Captures = captures;
        public int ResultSp = resultSp;

        /// <summary>
        /// Fills this (free) frame for a call. A frame of the same function, with the same captures,
        /// already holds those references (recursion reuses its frames): writing them again would
        /// cost a GC write barrier each.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Push(Prepared fn, int pc, int bp, Val[]? captures, int resultSp)
        {
            if (!ReferenceEquals(Fn, fn))
                Fn = fn;
            if (!ReferenceEquals(Captures, captures))
                Captures = captures;
            Pc = pc;
            Bp = bp;
            ResultSp = resultSp;
        }
    }

    public IEffectHost? Effects { get; }

    public CancellationToken Cancellation { get; }

    public Val Result => _result;

    public Val SuspendedWith => _suspended;

    public YinError? Error => _error;

    public long Steps => _steps + (_sliceSize - Math.Max(0, _budget)) + _burned;

    public int Depth => _fp + 1;

    public TimeSpan Elapsed => Stopwatch.GetElapsedTime(_started);

    public Heap Heap => _heap;

    // ---- services for natives ----

    /// <summary>Charges memory about to be allocated.</summary>
    public void Charge(long bytes) => _heap.Charge(bytes);

    /// <summary>Charges bulk work to fuel, and checks the other limits as a checkpoint would (<see cref="Poll"/>).</summary>
    public void Burn(long steps)
    {
        _burned += Math.Max(0, steps);
        if (_steps + _burned > _fuel)
            throw FuelError();
        Poll();
    }

    public long Now() => _time.GetUtcNow().ToUnixTimeMilliseconds();

    public void Write(string text)
    {
        if (Capture(text))
            return;
        _output.Write(text);
        _output.Flush();
    }

    /// <summary>Sleeps, within the deadline: a sleep past it sleeps until it and stops the run there.</summary>
    public void Sleep(long ms)
    {
        if (ms < 0)
            throw YinException.Of(Kinds.Argument, $"sleep: {ms} ms is negative");
        var remaining = (long)Math.Max(0, (_deadline - Stopwatch.GetTimestamp()) * 1000.0 / Stopwatch.Frequency);
        var wait = Math.Min(ms, remaining);
        if (wait > 0)
        {
            if (Cancellation.CanBeCanceled)
            {
                if (Cancellation.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(wait)))
                    throw YinException.Of(Kinds.Cancelled, "the run was cancelled");
            }
            else
            {
                Thread.Sleep(TimeSpan.FromMilliseconds(wait));
            }
        }
        if (ms > remaining)
            throw DeadlineError();
    }

    // ---- starting and resuming ----

    /// <summary>Prepares a call of <paramref name="entry"/> with <paramref name="args"/> as the outermost frame.</summary>
    public void Start(Prepared entry, IReadOnlyList<Val> args)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(args);
        _fn = entry;
        try
        {
            EnsureStack(entry.FrameSize + args.Count);
            for (var i = 0; i < args.Count; i++)
                _stack[i] = args[i];
            _sp = args.Count;
            _bp = 0;
            var argc = args.Count;
            _pc = CheckArguments(entry, 0, ref argc);
            _sp = entry.SlotCount;
            _captures = null;
        }
        catch (YinException e)
        {
            _error = WithStack(e.Error);
        }
    }

    /// <summary>Runs until the program finishes, suspends, pauses or fails. Program errors never escape as exceptions.</summary>
    public Outcome Run()
    {
        if (_error is not null)
            return Outcome.Failed;
        var outer = _current;
        _current = this;
        try
        {
            RunInits();
            var outcome = ExecuteCatching();
            if (outcome == Outcome.Finished)
                _result = RealizeAll(_result);
            return outcome;
        }
        catch (YinException e)
        {
            _error = WithStack(e.Error);
        }
        catch (LimitExceededException e)
        {
            _error = WithStack(new YinError(Kinds.Limit(e.Limit), e.Message, Val.Nil));
        }
        catch (OperationCanceledException)
        {
            _error = WithStack(new YinError(Kinds.Cancelled, "the run was cancelled", Val.Nil));
        }
        catch (OutOfMemoryException)
        {
            // The host's own limit, which the heap's accounting should have made unreachable.
            _error = WithStack(new YinError(Kinds.Limit("memory"), "memory limit: the host ran out of memory", Val.Nil));
        }
        finally
        {
            _current = outer;
        }
        return Outcome.Failed;
    }

    private YinError WithStack(YinError error)
    {
        if (error.HasStack || _fn is null)
            return error;
        // Before its first instruction a function is at its definition (an error entering it).
        var stack = new List<YinStackFrame> { new(_fn.Name, _fn.Location, _pc == 0 ? _fn.Line : _fn.LineAt(_pc - 1)) };
        for (var i = _fp - 1; i >= 0; i--)
        {
            var f = _frames[i];
            stack.Add(new YinStackFrame(f.Fn.Name, f.Fn.Location, f.Fn.LineAt(f.Pc - 1)));
        }
        error.SetStack(stack);
        return error;
    }

    // ---- the loop ----

    /// <summary>
    /// Runs instructions until the program finishes, suspends or pauses. The loop runs the common
    /// instructions on their common path; whatever else (a checkpoint, preparing a callee, arithmetic
    /// on anything but longs, natives, building values, errors) is one <see cref="Step"/>, with the
    /// state saved to the fields before and read back after.
    /// </summary>
    /// <remarks>
    /// The running frame's fn, pc, bp and sp are locals that are dead across the one call this loop
    /// makes (to <see cref="Step"/>: saved before it, read back after), so the JIT keeps them in
    /// registers (with the slow paths inlined into the loop, as before, its listing kept them on the
    /// host stack); the value stack and the budget are read through the fields, which costs less
    /// than the spills they caused as locals. Stores into the value stack and the frames go through
    /// <see cref="Val.Set"/> and <see cref="Frame.Push"/>, which skip the GC write barrier when the
    /// slot already holds the same reference (a long over a long, a frame of the same function): the
    /// barrier was 7% of fib's time.
    /// </remarks>
    private Outcome Execute()
    {
        var fn = _fn;
        var pc = _pc;
        var bp = _bp;
        var sp = _sp;

        Prepared? callee;
        int newBp;
        Val result;
        while (true)
        {
            if (_budget <= 0)
                goto Slow; // the checkpoint
            ref readonly var ins = ref fn.Code[pc];
            switch (ins.Op)
            {
                case Op.Const:
                    Val.Set(ref _stack[sp++], fn.Constants[ins.A]);
                    pc++;
                    break;
                case Op.Load:
                    Val.Set(ref _stack[sp++], _stack[bp + ins.A]);
                    pc++;
                    break;
                case Op.Capture:
                    Val.Set(ref _stack[sp++], _captures![ins.A]);
                    pc++;
                    break;
                case Op.Store:
                    Val.Set(ref _stack[bp + ins.A], _stack[--sp]);
                    pc++;
                    break;
                case Op.Pop:
                    sp--;
                    pc++;
                    break;
                case Op.Jump:
                    pc = ins.A;
                    break;
                case Op.JumpIfFalse:
                    pc = _stack[--sp].IsTruthy ? pc + 1 : ins.A;
                    break;
                case Op.AndJump:
                    if (!_stack[sp - 1].IsTruthy)
                    {
                        pc = ins.A;
                    }
                    else
                    {
                        sp--;
                        pc++;
                    }
                    break;
                case Op.OrJump:
                    if (_stack[sp - 1].IsTruthy)
                    {
                        pc = ins.A;
                    }
                    else
                    {
                        sp--;
                        pc++;
                    }
                    break;
                case Op.Recur:
                {
                    var n = ins.B;
                    sp -= n;
                    var to = bp + ins.C;
                    for (var i = 0; i < n; i++)
                        Val.Set(ref _stack[to + i], _stack[sp + i]);
                    pc = ins.A;
                    break;
                }
                case Op.Call:
                    callee = fn.Callees[ins.A].Current;
                    newBp = sp - ins.B;
                    if (callee is null || callee.CallArity != ins.B || _fp >= _frameLimit
                        || newBp + callee.FrameSize > _stack.Length)
                    {
                        goto Slow; // preparing, type checks, errors and growth
                    }
                    goto Enter;
                case Op.CallAddSC or Op.CallSubSC:
                {
                    // The last argument is slot C & 0xFFFF plus or minus the number C >> 16.
                    ref readonly var a = ref _stack[bp + (ins.C & 0xFFFF)];
                    if (!a.IsLong)
                        goto Slow;
                    long r;
                    if (!(ins.Op == Op.CallAddSC ? Arith.TryAdd(a.AsLong, ins.C >> 16, out r) : Arith.TrySub(a.AsLong, ins.C >> 16, out r)))
                        goto Slow;
                    callee = fn.Callees[ins.A].Current;
                    newBp = sp + 1 - ins.B;
                    if (callee is null || callee.CallArity != ins.B || _fp >= _frameLimit
                        || newBp + callee.FrameSize > _stack.Length)
                    {
                        goto Slow;
                    }
                    Val.SetLong(ref _stack[sp], r);
                    goto Enter;
                }
                case Op.Return:
                    result = _stack[sp - 1];
                    goto Return;
                case Op.ReturnLocal:
                    result = _stack[bp + ins.A];
                    goto Return;
                case Op.AddReturn or Op.SubReturn:
                {
                    ref readonly var a = ref _stack[sp - 2];
                    ref readonly var b = ref _stack[sp - 1];
                    if (!a.IsLong || !b.IsLong)
                        goto Slow;
                    long r;
                    if (!(ins.Op == Op.AddReturn ? Arith.TryAdd(a.AsLong, b.AsLong, out r) : Arith.TrySub(a.AsLong, b.AsLong, out r)))
                        goto Slow;
                    result = Val.Long(r);
                    goto Return;
                }
                case Op.Add:
                {
                    ref var a = ref _stack[sp - 2];
                    ref readonly var b = ref _stack[sp - 1];
                    if (!a.IsLong || !b.IsLong)
                        goto Slow;
                    if (!Arith.TryAdd(a.AsLong, b.AsLong, out var r))
                        goto Slow;
                    Val.SetLong(ref a, r);
                    sp--;
                    pc++;
                    break;
                }
                case Op.Sub:
                {
                    ref var a = ref _stack[sp - 2];
                    ref readonly var b = ref _stack[sp - 1];
                    if (!a.IsLong || !b.IsLong)
                        goto Slow;
                    if (!Arith.TrySub(a.AsLong, b.AsLong, out var r))
                        goto Slow;
                    Val.SetLong(ref a, r);
                    sp--;
                    pc++;
                    break;
                }
                case Op.Lt:
                {
                    ref var a = ref _stack[sp - 2];
                    ref readonly var b = ref _stack[sp - 1];
                    if (!a.IsLong || !b.IsLong)
                        goto Slow;
                    Val.Set(ref a, a.AsLong < b.AsLong ? Val.True : Val.False);
                    sp--;
                    pc++;
                    break;
                }
                case Op.Gt:
                {
                    ref var a = ref _stack[sp - 2];
                    ref readonly var b = ref _stack[sp - 1];
                    if (!a.IsLong || !b.IsLong)
                        goto Slow;
                    Val.Set(ref a, a.AsLong > b.AsLong ? Val.True : Val.False);
                    sp--;
                    pc++;
                    break;
                }
                case Op.Le:
                {
                    ref var a = ref _stack[sp - 2];
                    ref readonly var b = ref _stack[sp - 1];
                    if (!a.IsLong || !b.IsLong)
                        goto Slow;
                    Val.Set(ref a, a.AsLong <= b.AsLong ? Val.True : Val.False);
                    sp--;
                    pc++;
                    break;
                }
                case Op.Ge:
                {
                    ref var a = ref _stack[sp - 2];
                    ref readonly var b = ref _stack[sp - 1];
                    if (!a.IsLong || !b.IsLong)
                        goto Slow;
                    Val.Set(ref a, a.AsLong >= b.AsLong ? Val.True : Val.False);
                    sp--;
                    pc++;
                    break;
                }
                case Op.Eq or Op.NumEq:
                {
                    ref var a = ref _stack[sp - 2];
                    ref readonly var b = ref _stack[sp - 1];
                    if (!a.IsLong || !b.IsLong)
                        goto Slow;
                    Val.Set(ref a, a.AsLong == b.AsLong ? Val.True : Val.False);
                    sp--;
                    pc++;
                    break;
                }
                case Op.Inc:
                {
                    ref var a = ref _stack[sp - 1];
                    if (!a.IsLong || a.AsLong == long.MaxValue)
                        goto Slow;
                    Val.SetLong(ref a, a.AsLong + 1);
                    pc++;
                    break;
                }
                case Op.Dec:
                {
                    ref var a = ref _stack[sp - 1];
                    if (!a.IsLong || a.AsLong == long.MinValue)
                        goto Slow;
                    Val.SetLong(ref a, a.AsLong - 1);
                    pc++;
                    break;
                }
                case Op.Not:
                    Val.Set(ref _stack[sp - 1], Val.Bool(!_stack[sp - 1].IsTruthy));
                    pc++;
                    break;
                case Op.AddSC:
                {
                    ref readonly var a = ref _stack[bp + ins.A];
                    if (!a.IsLong)
                        goto Slow;
                    if (!Arith.TryAdd(a.AsLong, fn.Constants[ins.B].AsLong, out var r))
                        goto Slow;
                    Val.SetLong(ref _stack[sp++], r);
                    pc++;
                    break;
                }
                case Op.SubSC:
                {
                    ref readonly var a = ref _stack[bp + ins.A];
                    if (!a.IsLong)
                        goto Slow;
                    if (!Arith.TrySub(a.AsLong, fn.Constants[ins.B].AsLong, out var r))
                        goto Slow;
                    Val.SetLong(ref _stack[sp++], r);
                    pc++;
                    break;
                }
                case Op.JumpIfNotLt:
                {
                    ref readonly var a = ref _stack[sp - 2];
                    ref readonly var b = ref _stack[sp - 1];
                    if (!a.IsLong || !b.IsLong)
                        goto Slow;
                    pc = a.AsLong < b.AsLong ? pc + 1 : ins.A;
                    sp -= 2;
                    break;
                }
                case Op.JumpIfNotGt:
                {
                    ref readonly var a = ref _stack[sp - 2];
                    ref readonly var b = ref _stack[sp - 1];
                    if (!a.IsLong || !b.IsLong)
                        goto Slow;
                    pc = a.AsLong > b.AsLong ? pc + 1 : ins.A;
                    sp -= 2;
                    break;
                }
                case Op.JumpIfNotLe:
                {
                    ref readonly var a = ref _stack[sp - 2];
                    ref readonly var b = ref _stack[sp - 1];
                    if (!a.IsLong || !b.IsLong)
                        goto Slow;
                    pc = a.AsLong <= b.AsLong ? pc + 1 : ins.A;
                    sp -= 2;
                    break;
                }
                case Op.JumpIfNotGe:
                {
                    ref readonly var a = ref _stack[sp - 2];
                    ref readonly var b = ref _stack[sp - 1];
                    if (!a.IsLong || !b.IsLong)
                        goto Slow;
                    pc = a.AsLong >= b.AsLong ? pc + 1 : ins.A;
                    sp -= 2;
                    break;
                }
                case Op.JumpIfNotEq:
                {
                    ref readonly var a = ref _stack[sp - 2];
                    ref readonly var b = ref _stack[sp - 1];
                    if (!a.IsLong || !b.IsLong)
                        goto Slow;
                    pc = a.AsLong == b.AsLong ? pc + 1 : ins.A;
                    sp -= 2;
                    break;
                }
                case Op.JumpIfNotLtSC:
                {
                    ref readonly var a = ref _stack[bp + ins.B];
                    if (!a.IsLong)
                        goto Slow;
                    if (a.AsLong < ins.C)
                        goto FallThrough;
                    pc = ins.A;
                    break;
                }
                case Op.JumpIfNotGtSC:
                {
                    ref readonly var a = ref _stack[bp + ins.B];
                    if (!a.IsLong)
                        goto Slow;
                    if (a.AsLong > ins.C)
                        goto FallThrough;
                    pc = ins.A;
                    break;
                }
                case Op.JumpIfNotLeSC:
                {
                    ref readonly var a = ref _stack[bp + ins.B];
                    if (!a.IsLong)
                        goto Slow;
                    if (a.AsLong <= ins.C)
                        goto FallThrough;
                    pc = ins.A;
                    break;
                }
                case Op.JumpIfNotGeSC:
                {
                    ref readonly var a = ref _stack[bp + ins.B];
                    if (!a.IsLong)
                        goto Slow;
                    if (a.AsLong >= ins.C)
                        goto FallThrough;
                    pc = ins.A;
                    break;
                }
                case Op.JumpIfNotEqSC:
                {
                    ref readonly var a = ref _stack[bp + ins.B];
                    ref readonly var b = ref fn.Constants[ins.C];
                    if (!a.IsLong || !b.IsLong)
                        goto Slow;
                    pc = a.AsLong == b.AsLong ? pc + 1 : ins.A;
                    break;
                }
                default:
                    goto Slow;
            }
            _budget--;
            continue;

        Enter:
            // A call whose arguments are in place from newBp: the caller's frame is pushed, the callee's begins.
            _frames[_fp++].Push(fn, pc + 1, bp, _captures, newBp);
            if (_captures is not null)
                _captures = null;
            bp = newBp;
            sp = newBp + callee.SlotCount;
            fn = callee;
            pc = 0;
            _budget--;
            continue;

        FallThrough:
            // A test that holds goes on to the next instruction, which in a recursion's base case
            // ((if (< n 2) n ...)) returns a local: that return is taken here, without a dispatch.
            _budget--;
            pc++;
            ref readonly var next = ref fn.Code[pc];
            if (next.Op != Op.ReturnLocal || _budget <= 0)
                continue;
            result = _stack[bp + next.A];

        Return:
            // The result to the caller's frame; the base frame (the run's, or a nested one's) is Step's to finish.
            if (_fp == _baseFp)
                goto Slow;
            ref readonly var f = ref _frames[--_fp];
            Val.Set(ref _stack[f.ResultSp], result);
            sp = f.ResultSp + 1;
            fn = f.Fn;
            pc = f.Pc;
            bp = f.Bp;
            if (!ReferenceEquals(_captures, f.Captures))
                _captures = f.Captures;
            _budget--;
            continue;

        Slow:
            // The instruction at pc, not yet run nor counted, or the checkpoint.
            _fn = fn;
            _pc = pc;
            _bp = bp;
            _sp = sp;
            var outcome = Step();
            if (outcome != Outcome.Running)
                return outcome;
            fn = _fn;
            pc = _pc;
            bp = _bp;
            sp = _sp;
        }
    }

    /// <summary>
    /// One instruction that <see cref="Execute"/>'s loop does not run itself, run from the fields, or
    /// the checkpoint between slices when the budget is spent.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private Outcome Step()
    {
        if (_budget <= 0)
            return Checkpoint(); // running, it leaves at least one instruction in the new slice
        _budget--;
        var fn = _fn;
        var ins = fn.Code[_pc++];
        switch (ins.Op)
        {
            case Op.Call:
            {
                var cell = fn.Callees[ins.A];
                Enter(cell.Current ?? cell.Owner.Prepare(cell), ins.B, _sp - ins.B, null);
                break;
            }
            case Op.CallAddSC or Op.CallSubSC:
            {
                var a = _stack[_bp + (ins.C & 0xFFFF)];
                var k = Val.Long(ins.C >> 16);
                _stack[_sp++] = ins.Op == Op.CallAddSC ? Arith.Add(a, k) : Arith.Sub(a, k);
                var cell = fn.Callees[ins.A];
                Enter(cell.Current ?? cell.Owner.Prepare(cell), ins.B, _sp - ins.B, null);
                break;
            }
            case Op.AddReturn or Op.SubReturn:
            {
                var b = _stack[--_sp];
                var a = _stack[--_sp];
                var value = ins.Op == Op.AddReturn ? Arith.Add(a, b) : Arith.Sub(a, b);
                _stack[_sp++] = value;
                return Return(value);
            }
            case Op.ReturnChecked:
            {
                var rc = fn.ReturnCheck!;
                var value = _stack[_sp - 1];
                if (!rc.Matches(value))
                    throw YinException.Of(Kinds.Type, $"{fn.Name} is declared to return {rc.Name}, but returned {Natives.Describe(value)}");
                return Return(value);
            }
            case Op.Return:
                return Return(_stack[_sp - 1]);
            case Op.ReturnLocal:
                return Return(_stack[_bp + ins.A]);
            case Op.CallValue:
                CallValue(ins.B, _sp - ins.B - 1);
                break;
            case Op.Apply:
                Apply(ins.B);
                break;
            case Op.Native:
            {
                var native = Natives.All[ins.A];
                var argc = ins.B;
                if (!native.Accepts(argc))
                    throw ArityError(native.Name, native.ArityText, argc);
                var result = native.Fn(this, new ReadOnlySpan<Val>(_stack, _sp - argc, argc));
                _sp -= argc;
                _stack[_sp++] = result;
                break;
            }
            case Op.Suspend:
            {
                var value = ins.A == 1 ? _stack[--_sp] : Val.Nil;
                if (_nested > 0)
                    throw YinException.Of(Kinds.Continuation, "a program cannot suspend inside a lazy sequence or a callback from a built-in");
                _suspended = value;
                return Outcome.Suspended;
            }
            case Op.Add or Op.Sub or Op.Mul or Op.Eq or Op.Lt or Op.Gt or Op.Le or Op.Ge or Op.NumEq:
            {
                var b = _stack[--_sp];
                ref var a = ref _stack[_sp - 1];
                a = ins.Op switch
                {
                    Op.Add => Arith.Add(a, b),
                    Op.Sub => Arith.Sub(a, b),
                    Op.Mul => Arith.Mul(a, b),
                    Op.Eq => Val.Bool(ValComparer.Equal(a, b)),
                    _ => Val.Bool(Holds(ins.Op, Arith.Compare(Symbol(ins.Op), a, b))),
                };
                break;
            }
            case Op.Inc or Op.Dec:
            {
                ref var a = ref _stack[_sp - 1];
                a = ins.Op == Op.Inc ? Arith.Add(a, Val.Long(1)) : Arith.Sub(a, Val.Long(1));
                break;
            }
            case Op.AddSC or Op.SubSC:
            {
                var a = _stack[_bp + ins.A];
                var k = fn.Constants[ins.B];
                var result = ins.Op == Op.AddSC ? Arith.Add(a, k) : Arith.Sub(a, k);
                _stack[_sp++] = result;
                break;
            }
            case Op.JumpIfNotEq or Op.JumpIfNotEqSC:
            {
                var (a, b) = ins.Op == Op.JumpIfNotEq ? (_stack[_sp - 2], _stack[_sp - 1]) : (_stack[_bp + ins.B], fn.Constants[ins.C]);
                if (ins.Op == Op.JumpIfNotEq)
                    _sp -= 2;
                if (!ValComparer.Equal(a, b))
                    _pc = ins.A;
                break;
            }
            case Op.JumpIfNotLt or Op.JumpIfNotGt or Op.JumpIfNotLe or Op.JumpIfNotGe
                or Op.JumpIfNotLtSC or Op.JumpIfNotGtSC or Op.JumpIfNotLeSC or Op.JumpIfNotGeSC:
            {
                var sc = ins.Op is Op.JumpIfNotLtSC or Op.JumpIfNotGtSC or Op.JumpIfNotLeSC or Op.JumpIfNotGeSC;
                var (a, b) = sc ? (_stack[_bp + ins.B], Val.Long(ins.C)) : (_stack[_sp - 2], _stack[_sp - 1]);
                if (!sc)
                    _sp -= 2;
                if (!Holds(ins.Op, Arith.Compare(Symbol(ins.Op), a, b)))
                    _pc = ins.A;
                break;
            }
            case Op.Closure:
            {
                var lambda = fn.Lambdas[ins.A];
                var n = lambda.CaptureCount;
                Charge(Heap.ClosureBytes + (Heap.SlotBytes * n));
                var values = n == 0 ? [] : new Val[n];
                _sp -= n;
                Array.Copy(_stack, _sp, values, 0, n);
                _stack[_sp++] = Val.Object(new Closure(lambda, values));
                break;
            }
            case Op.Vector or Op.Set or Op.Map:
            {
                var n = ins.A;
                var items = new Val[n];
                Array.Copy(_stack, _sp - n, items, 0, n);
                _sp -= n;
                _stack[_sp++] = Build(ins.Op, items);
                break;
            }
            case Op.New:
            {
                var n = ins.B;
                _stack[_sp - n] = NewRecord(fn.Records[ins.A], new ReadOnlySpan<Val>(_stack, _sp - n, n));
                _sp -= n - 1;
                break;
            }
            case Op.Self:
                Charge(Heap.ClosureBytes);
                _stack[_sp++] = Val.Object(new Closure(fn, _captures ?? []));
                break;
            case Op.DefGet:
            {
                // A def computed on first use runs nested (Invoke), which restores the state after.
                var value = DefValue(fn.Callees[ins.A]);
                _stack[_sp++] = value;
                break;
            }
            case Op.TryEnter:
                _handlers.Add(new Handler(_fp, ins.A, _sp, _bp, fn, _captures, _nested));
                break;
            case Op.TryExit:
                _handlers.RemoveAt(_handlers.Count - 1);
                break;
            case Op.CatchTest:
            {
                var err = _stack[_bp + ins.B];
                _stack[_sp++] = Val.Bool(err.Obj is YinError e && ExceptionHierarchy.IsA(e.ClassName, (string)fn.Constants[ins.A].Obj!));
                break;
            }
            case Op.Throw:
            {
                var thrown = _stack[--_sp];
                throw thrown.Obj is YinError e ? new YinException(e) : Natives.TypeError("throw", "an exception (ex-info, or a constructor such as (Exception. \"msg\"))", thrown);
            }
            default:
                throw YinException.Of(Kinds.Internal, $"unknown instruction {ins.Op}");
        }
        return Outcome.Running;
    }

    /// <summary>Returns <paramref name="result"/> to the caller's frame, or finishes the run (or the nested one) at its base frame.</summary>
    private Outcome Return(Val result)
    {
        if (_fp == _baseFp)
        {
            _result = result;
            return Outcome.Finished;
        }
        ref readonly var f = ref _frames[--_fp];
        _stack[f.ResultSp] = result;
        _sp = f.ResultSp + 1;
        _fn = f.Fn;
        _pc = f.Pc;
        _bp = f.Bp;
        _captures = f.Captures;
        return Outcome.Running;
    }

    /// <summary>Whether a comparison whose result is <paramref name="c"/> (as <see cref="IComparable.CompareTo"/>) satisfies <paramref name="op"/>, a comparison or a branch on one.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Holds(Op op, int c) => op switch
    {
        Op.Lt or Op.JumpIfNotLt or Op.JumpIfNotLtSC => c < 0,
        Op.Gt or Op.JumpIfNotGt or Op.JumpIfNotGtSC => c > 0,
        Op.Le or Op.JumpIfNotLe or Op.JumpIfNotLeSC => c <= 0,
        Op.Ge or Op.JumpIfNotGe or Op.JumpIfNotGeSC => c >= 0,
        _ => c == 0,
    };

    private static string Symbol(Op op) => op switch
    {
        Op.Lt or Op.JumpIfNotLt or Op.JumpIfNotLtSC => "<",
        Op.Gt or Op.JumpIfNotGt or Op.JumpIfNotGtSC => ">",
        Op.Le or Op.JumpIfNotLe or Op.JumpIfNotLeSC => "<=",
        Op.Ge or Op.JumpIfNotGe or Op.JumpIfNotGeSC => ">=",
        _ => "==",
    };
}

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

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Save(Prepared fn, int pc, int bp, int sp, Val[]? captures, long budget)
    {
        _fn = fn;
        _pc = pc;
        _bp = bp;
        _sp = sp;
        _captures = captures;
        _budget = budget;
    }

    private Outcome Execute()
    {
        var fn = _fn;
        var code = fn.Code;
        var pc = _pc;
        var bp = _bp;
        var sp = _sp;
        var captures = _captures;
        var stack = _stack;
        var budget = _budget;

        while (true)
        {
            if (--budget < 0)
            {
                Save(fn, pc, bp, sp, captures, 0);
                var outcome = Checkpoint();
                if (outcome != Outcome.Running)
                    return outcome;
                // This instruction is the first of the new slice (a running checkpoint leaves at least one).
                budget = _budget - 1;
            }

            ref readonly var ins = ref code[pc++];
            switch (ins.Op)
            {
                case Op.Const:
                    stack[sp++] = fn.Constants[ins.A];
                    break;
                case Op.Load:
                    stack[sp++] = stack[bp + ins.A];
                    break;
                case Op.Capture:
                    stack[sp++] = captures![ins.A];
                    break;
                case Op.Store:
                    stack[bp + ins.A] = stack[--sp];
                    break;
                case Op.Pop:
                    sp--;
                    break;
                case Op.Jump:
                    pc = ins.A;
                    break;
                case Op.JumpIfFalse:
                    if (!stack[--sp].IsTruthy)
                        pc = ins.A;
                    break;
                case Op.AndJump:
                    if (!stack[sp - 1].IsTruthy)
                        pc = ins.A;
                    else
                        sp--;
                    break;
                case Op.OrJump:
                    if (stack[sp - 1].IsTruthy)
                        pc = ins.A;
                    else
                        sp--;
                    break;
                case Op.Recur:
                {
                    var n = ins.B;
                    sp -= n;
                    Array.Copy(stack, sp, stack, bp + ins.C, n);
                    pc = ins.A;
                    break;
                }
                case Op.Call:
                {
                    var cell = fn.Callees[ins.A];
                    var callee = cell.Current;
                    var argc = ins.B;
                    if (callee is null || callee.Arity != argc || _fp >= _frameLimit)
                    {
                        // Preparing, errors and growth: off the fast path.
                        Save(fn, pc, bp, sp, captures, budget);
                        Enter(callee ?? cell.Owner.Prepare(cell), argc, sp - argc, null);
                        (fn, code, pc, bp, sp, captures, stack) = (_fn, _fn.Code, _pc, _bp, _sp, _captures, _stack);
                        break;
                    }
                    var newBp = sp - argc;
                    if (callee.ParamChecks is { } checks)
                    {
                        for (var i = 0; i < checks.Length; i++)
                        {
                            if (checks[i] is { } check && !check.Matches(stack[newBp + i]))
                            {
                                Save(fn, pc, bp, sp, captures, budget);
                                throw ParamTypeError(callee, i, stack[newBp + i]);
                            }
                        }
                    }
                    _frames[_fp++] = new Frame(fn, pc, bp, captures, newBp);
                    bp = newBp;
                    if (bp + callee.FrameSize > stack.Length)
                    {
                        _sp = sp;
                        EnsureStack(bp + callee.FrameSize);
                        stack = _stack;
                    }
                    sp = bp + callee.SlotCount;
                    fn = callee;
                    code = callee.Code;
                    captures = null;
                    pc = 0;
                    break;
                }
                case Op.ReturnChecked:
                {
                    var rc = fn.ReturnCheck!;
                    if (!rc.Matches(stack[sp - 1]))
                    {
                        Save(fn, pc, bp, sp, captures, budget);
                        throw YinException.Of(Kinds.Type, $"{fn.Name} is declared to return {rc.Name}, but returned {Natives.Describe(stack[sp - 1])}");
                    }
                    goto case Op.Return;
                }
                case Op.Return:
                {
                    var result = stack[sp - 1];
                    if (_fp == _baseFp)
                    {
                        Save(fn, pc, bp, sp, captures, budget);
                        _result = result;
                        return Outcome.Finished;
                    }
                    ref var f = ref _frames[--_fp];
                    stack[f.ResultSp] = result;
                    sp = f.ResultSp + 1;
                    fn = f.Fn;
                    code = fn.Code;
                    pc = f.Pc;
                    bp = f.Bp;
                    captures = f.Captures;
                    break;
                }
                case Op.CallValue:
                    Save(fn, pc, bp, sp, captures, budget);
                    CallValue(ins.B, sp - ins.B - 1);
                    (fn, code, pc, bp, sp, captures, stack) = (_fn, _fn.Code, _pc, _bp, _sp, _captures, _stack);
                    break;
                case Op.Apply:
                    Save(fn, pc, bp, sp, captures, budget);
                    Apply(ins.B);
                    (fn, code, pc, bp, sp, captures, stack) = (_fn, _fn.Code, _pc, _bp, _sp, _captures, _stack);
                    break;
                case Op.Native:
                {
                    var native = Natives.All[ins.A];
                    var argc = ins.B;
                    Save(fn, pc, bp, sp, captures, budget);
                    if (!native.Accepts(argc))
                        throw ArityError(native.Name, native.ArityText, argc);
                    var result = native.Fn(this, new ReadOnlySpan<Val>(stack, sp - argc, argc));
                    sp -= argc;
                    stack[sp++] = result;
                    break;
                }
                case Op.Closure:
                {
                    Save(fn, pc, bp, sp, captures, budget);
                    var lambda = fn.Lambdas[ins.A];
                    var n = lambda.CaptureCount;
                    Charge(Heap.ClosureBytes + (Heap.SlotBytes * n));
                    var values = n == 0 ? [] : new Val[n];
                    sp -= n;
                    Array.Copy(stack, sp, values, 0, n);
                    stack[sp++] = Val.Object(new Closure(lambda, values));
                    break;
                }
                case Op.Vector or Op.Set or Op.Map:
                {
                    Save(fn, pc, bp, sp, captures, budget);
                    var n = ins.A;
                    var items = new Val[n];
                    Array.Copy(stack, sp - n, items, 0, n);
                    sp -= n;
                    stack[sp++] = Build(ins.Op, items);
                    break;
                }
                case Op.New:
                {
                    Save(fn, pc, bp, sp, captures, budget);
                    var type = fn.Records[ins.A];
                    var n = ins.B;
                    stack[sp - n] = NewRecord(type, new ReadOnlySpan<Val>(stack, sp - n, n));
                    sp -= n - 1;
                    break;
                }
                case Op.Self:
                    Save(fn, pc, bp, sp, captures, budget);
                    Charge(Heap.ClosureBytes);
                    stack[sp++] = Val.Object(new Closure(fn, captures ?? []));
                    break;
                case Op.DefGet:
                {
                    Save(fn, pc, bp, sp, captures, budget);
                    var value = DefValue(fn.Callees[ins.A]);
                    stack[sp++] = value;
                    break;
                }
                case Op.TryEnter:
                    _handlers.Add(new Handler(_fp, ins.A, sp, bp, fn, captures, _nested));
                    break;
                case Op.TryExit:
                    _handlers.RemoveAt(_handlers.Count - 1);
                    break;
                case Op.CatchTest:
                {
                    var err = stack[bp + ins.B];
                    stack[sp++] = Val.Bool(err.Obj is YinError e && ExceptionHierarchy.IsA(e.ClassName, (string)fn.Constants[ins.A].Obj!));
                    break;
                }
                case Op.Throw:
                {
                    var thrown = stack[--sp];
                    Save(fn, pc, bp, sp, captures, budget);
                    throw thrown.Obj is YinError e ? new YinException(e) : Natives.TypeError("throw", "an exception (ex-info, or a constructor such as (Exception. \"msg\"))", thrown);
                }
                case Op.Suspend:
                {
                    var value = ins.A == 1 ? stack[--sp] : Val.Nil;
                    Save(fn, pc, bp, sp, captures, budget);
                    if (_nested > 0)
                        throw YinException.Of(Kinds.Continuation, "a program cannot suspend inside a lazy sequence or a callback from a built-in");
                    _suspended = value;
                    return Outcome.Suspended;
                }
                case Op.Add:
                {
                    ref var a = ref stack[sp - 2];
                    var b = stack[--sp];
                    if (a.IsLong && b.IsLong)
                    {
                        long x = a.AsLong, y = b.AsLong, r = unchecked(x + y);
                        if (((x ^ r) & (y ^ r)) >= 0)
                        {
                            a = Val.Long(r);
                            break;
                        }
                    }
                    Save(fn, pc, bp, sp + 1, captures, budget);
                    a = Arith.Add(a, b);
                    break;
                }
                case Op.Sub:
                {
                    ref var a = ref stack[sp - 2];
                    var b = stack[--sp];
                    if (a.IsLong && b.IsLong)
                    {
                        long x = a.AsLong, y = b.AsLong, r = unchecked(x - y);
                        if (((x ^ y) & (x ^ r)) >= 0)
                        {
                            a = Val.Long(r);
                            break;
                        }
                    }
                    Save(fn, pc, bp, sp + 1, captures, budget);
                    a = Arith.Sub(a, b);
                    break;
                }
                case Op.Mul:
                {
                    ref var a = ref stack[sp - 2];
                    var b = stack[--sp];
                    Save(fn, pc, bp, sp + 1, captures, budget);
                    a = Arith.Mul(a, b);
                    break;
                }
                case Op.Lt or Op.Gt or Op.Le or Op.Ge or Op.NumEq:
                {
                    ref var a = ref stack[sp - 2];
                    var b = stack[--sp];
                    int c;
                    if (a.IsLong && b.IsLong)
                    {
                        c = a.AsLong.CompareTo(b.AsLong);
                    }
                    else
                    {
                        Save(fn, pc, bp, sp + 1, captures, budget);
                        c = Arith.Compare(Symbol(ins.Op), a, b);
                    }
                    a = Val.Bool(ins.Op switch
                    {
                        Op.Lt => c < 0,
                        Op.Gt => c > 0,
                        Op.Le => c <= 0,
                        Op.Ge => c >= 0,
                        _ => c == 0,
                    });
                    break;
                }
                case Op.Eq:
                {
                    var b = stack[--sp];
                    stack[sp - 1] = Val.Bool(ValComparer.Equal(stack[sp - 1], b));
                    break;
                }
                case Op.Inc or Op.Dec:
                {
                    ref var a = ref stack[sp - 1];
                    if (a.IsLong && a.AsLong != (ins.Op == Op.Inc ? long.MaxValue : long.MinValue))
                    {
                        a = Val.Long(ins.Op == Op.Inc ? a.AsLong + 1 : a.AsLong - 1);
                        break;
                    }
                    Save(fn, pc, bp, sp, captures, budget);
                    a = ins.Op == Op.Inc ? Arith.Add(a, Val.Long(1)) : Arith.Sub(a, Val.Long(1));
                    break;
                }
                case Op.Not:
                    stack[sp - 1] = Val.Bool(!stack[sp - 1].IsTruthy);
                    break;
                case Op.AddSC:
                {
                    var a = stack[bp + ins.A];
                    var k = fn.Constants[ins.B];
                    if (a.IsLong)
                    {
                        long x = a.AsLong, y = k.AsLong, r = unchecked(x + y);
                        if (((x ^ r) & (y ^ r)) >= 0)
                        {
                            stack[sp++] = Val.Long(r);
                            break;
                        }
                    }
                    Save(fn, pc, bp, sp, captures, budget);
                    stack[sp++] = Arith.Add(a, k);
                    break;
                }
                case Op.SubSC:
                {
                    var a = stack[bp + ins.A];
                    var k = fn.Constants[ins.B];
                    if (a.IsLong)
                    {
                        long x = a.AsLong, y = k.AsLong, r = unchecked(x - y);
                        if (((x ^ y) & (x ^ r)) >= 0)
                        {
                            stack[sp++] = Val.Long(r);
                            break;
                        }
                    }
                    Save(fn, pc, bp, sp, captures, budget);
                    stack[sp++] = Arith.Sub(a, k);
                    break;
                }
                case Op.JumpIfNotLt:
                {
                    var b = stack[--sp];
                    var a = stack[--sp];
                    if (a.IsLong && b.IsLong ? a.AsLong >= b.AsLong : Compare(Op.Lt, a, b, fn, pc, bp, sp, captures, budget) >= 0)
                        pc = ins.A;
                    break;
                }
                case Op.JumpIfNotGt:
                {
                    var b = stack[--sp];
                    var a = stack[--sp];
                    if (a.IsLong && b.IsLong ? a.AsLong <= b.AsLong : Compare(Op.Gt, a, b, fn, pc, bp, sp, captures, budget) <= 0)
                        pc = ins.A;
                    break;
                }
                case Op.JumpIfNotLe:
                {
                    var b = stack[--sp];
                    var a = stack[--sp];
                    if (a.IsLong && b.IsLong ? a.AsLong > b.AsLong : Compare(Op.Le, a, b, fn, pc, bp, sp, captures, budget) > 0)
                        pc = ins.A;
                    break;
                }
                case Op.JumpIfNotGe:
                {
                    var b = stack[--sp];
                    var a = stack[--sp];
                    if (a.IsLong && b.IsLong ? a.AsLong < b.AsLong : Compare(Op.Ge, a, b, fn, pc, bp, sp, captures, budget) < 0)
                        pc = ins.A;
                    break;
                }
                case Op.JumpIfNotEq:
                {
                    var b = stack[--sp];
                    var a = stack[--sp];
                    if (!ValComparer.Equal(a, b))
                        pc = ins.A;
                    break;
                }
                case Op.JumpIfNotLtSC:
                {
                    var a = stack[bp + ins.B];
                    var b = fn.Constants[ins.C];
                    if (a.IsLong && b.IsLong ? a.AsLong >= b.AsLong : Compare(Op.Lt, a, b, fn, pc, bp, sp, captures, budget) >= 0)
                        pc = ins.A;
                    break;
                }
                case Op.JumpIfNotGtSC:
                {
                    var a = stack[bp + ins.B];
                    var b = fn.Constants[ins.C];
                    if (a.IsLong && b.IsLong ? a.AsLong <= b.AsLong : Compare(Op.Gt, a, b, fn, pc, bp, sp, captures, budget) <= 0)
                        pc = ins.A;
                    break;
                }
                case Op.JumpIfNotLeSC:
                {
                    var a = stack[bp + ins.B];
                    var b = fn.Constants[ins.C];
                    if (a.IsLong && b.IsLong ? a.AsLong > b.AsLong : Compare(Op.Le, a, b, fn, pc, bp, sp, captures, budget) > 0)
                        pc = ins.A;
                    break;
                }
                case Op.JumpIfNotGeSC:
                {
                    var a = stack[bp + ins.B];
                    var b = fn.Constants[ins.C];
                    if (a.IsLong && b.IsLong ? a.AsLong < b.AsLong : Compare(Op.Ge, a, b, fn, pc, bp, sp, captures, budget) < 0)
                        pc = ins.A;
                    break;
                }
                case Op.JumpIfNotEqSC:
                    if (!ValComparer.Equal(stack[bp + ins.B], fn.Constants[ins.C]))
                        pc = ins.A;
                    break;
                default:
                    Save(fn, pc, bp, sp, captures, budget);
                    throw YinException.Of(Kinds.Internal, $"unknown instruction {ins.Op}");
            }
        }
    }

    /// <summary>A comparison off the long fast path: may raise a type error, so the state is saved first.</summary>
    private int Compare(Op op, Val a, Val b, Prepared fn, int pc, int bp, int sp, Val[]? captures, long budget)
    {
        Save(fn, pc, bp, sp, captures, budget);
        return Arith.Compare(Symbol(op), a, b);
    }

    private static string Symbol(Op op) => op switch
    {
        Op.Lt => "<",
        Op.Gt => ">",
        Op.Le => "<=",
        Op.Ge => ">=",
        _ => "==",
    };
}

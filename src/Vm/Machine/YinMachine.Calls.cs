using System.Collections.Immutable;
using System.Globalization;
using Datom.Log.Edn;

namespace Datom.Vm.Machine;

/// <summary>Calls off the fast path, and the instructions that build values: state is in the fields here.</summary>
internal sealed partial class YinMachine
{
    /// <summary>Pushes a frame for <paramref name="callee"/>, whose arguments are the top <paramref name="argc"/> values.</summary>
    private void Enter(Prepared callee, int argc, int resultSp, Val[]? captures)
    {
        var bp = _sp - argc;
        var pc = CheckArguments(callee, bp, ref argc);
        if (_fp + 1 >= _maxDepth)
            throw YinException.Of(Kinds.Limit("depth"), $"depth limit: more than {_maxDepth} nested calls (calling {callee.Name})");
        if (_fp == _frames.Length)
        {
            Array.Resize(ref _frames, Math.Min(_frames.Length * 2, _maxDepth + 1));
            SetFrameLimit();
        }
        _frames[_fp++] = new Frame(_fn, _pc, _bp, _captures, resultSp);
        _bp = bp;
        EnsureStack(bp + callee.FrameSize);
        _sp = bp + callee.SlotCount;
        _fn = callee;
        _pc = pc;
        _captures = captures;
    }

    private void SetFrameLimit() => _frameLimit = Math.Min(_frames.Length, _maxDepth - 1);

    /// <summary>Checks a call's arguments and returns where the callee starts: a multi-arity function at the arity that takes them, a variadic one with its rest arguments made one seq.</summary>
    private int CheckArguments(Prepared callee, int bp, ref int argc)
    {
        if (callee.Entries is { } entries)
        {
            foreach (var e in entries)
            {
                if (!e.Variadic && e.Params == argc)
                    return e.Pc;
            }
            foreach (var e in entries)
            {
                if (e.Variadic && argc >= e.Params - 1)
                {
                    var fixedCount = e.Params - 1;
                    var extra = argc - fixedCount;
                    Val rest = Val.Nil;
                    if (extra > 0)
                    {
                        Charge(Heap.VectorBytes + (Heap.ElementBytes * extra));
                        rest = Val.Object(new YSeq(ImmutableList.Create(_stack.AsSpan(bp + fixedCount, extra)), 0));
                    }
                    _stack[bp + fixedCount] = rest;
                    _sp = bp + e.Params;
                    argc = e.Params;
                    return e.Pc;
                }
            }
            throw ArityError(callee.Name, ArityText(entries), argc);
        }
        if (callee.Arity != argc)
            throw ArityError(callee.Name, callee.Arity.ToString(CultureInfo.InvariantCulture), argc);
        if (callee.ParamChecks is { } checks)
        {
            for (var i = 0; i < checks.Length; i++)
            {
                if (checks[i] is { } check && !check.Matches(_stack[bp + i]))
                    throw ParamTypeError(callee, i, _stack[bp + i]);
            }
        }
        return 0;
    }

    private static string ArityText(ArityEntry[] entries) =>
        string.Join(" or ", entries.Select(e => e.Variadic ? $"{e.Params - 1} or more" : e.Params.ToString(CultureInfo.InvariantCulture)));

    /// <summary>A try's handler: the frame and depth to unwind to, and where its catch clauses start.</summary>
    private readonly record struct Handler(int Fp, int Pc, int Sp, int Bp, Prepared Fn, Val[]? Captures, int Nested);

    private readonly List<Handler> _handlers = [];
    private readonly Dictionary<FunctionCell, (Prepared Code, Val Value)> _defs = [];

    /// <summary>Runs the loop; an error a try of this level catches unwinds to its handler and the loop goes on.</summary>
    private Outcome ExecuteCatching()
    {
        // This run's nesting, kept here: .NET runs this filter before the finally blocks of the
        // callbacks the error comes out of (Invoke's), so _nested and _handlers may still be theirs.
        var level = _nested;
        while (true)
        {
            try
            {
                return Execute();
            }
            catch (YinException e) when (HasHandler(level) && ExceptionHierarchy.Catchable(e.Error))
            {
                var error = WithStack(e.Error);
                var h = _handlers[^1];
                _handlers.RemoveAt(_handlers.Count - 1);
                _fp = h.Fp;
                _fn = h.Fn;
                _bp = h.Bp;
                _captures = h.Captures;
                _sp = h.Sp;
                EnsureStack(_sp + 1);
                _stack[_sp++] = Val.Object(error);
                _pc = h.Pc;
            }
        }
    }

    /// <summary>Whether a try of the run at <paramref name="level"/> is open, above any of a callback's still unwinding.</summary>
    private bool HasHandler(int level)
    {
        for (var i = _handlers.Count - 1; i >= 0; i--)
        {
            if (_handlers[i].Nested == level)
                return true;
            if (_handlers[i].Nested < level)
                return false;
        }
        return false;
    }

    /// <summary>
    /// A <c>def</c>'s value: computed on its first use in this run and kept for the run (Clojure's
    /// var root, scoped to the run), computed again when its definition changed.
    /// </summary>
    private Val DefValue(FunctionCell cell)
    {
        if (_bindings is { Count: > 0 } && Bound(cell) is { } bound)
            return bound;
        var code = cell.Current ?? cell.Owner.Prepare(cell);
        if (_defs.TryGetValue(cell, out var known) && ReferenceEquals(known.Code, code))
            return known.Value;
        var value = Invoke(Val.Object(new FnRef(cell)), []);
        _defs[cell] = (code, value);
        return value;
    }

    // binding's frames, innermost last: each def rebound for the extent of a binding form.
    private List<(FunctionCell Cell, Val Value)>? _bindings;

    private Val? Bound(FunctionCell cell)
    {
        for (var i = _bindings!.Count - 1; i >= 0; i--)
        {
            if (ReferenceEquals(_bindings[i].Cell, cell))
                return _bindings[i].Value;
        }
        return null;
    }

    /// <summary>
    /// Runs <paramref name="body"/> with each def of <paramref name="cells"/> bound to its value, seen
    /// by every function the body calls, and unbound again however the body ends (Clojure's
    /// <c>binding</c> of dynamic vars, scoped to this run).
    /// </summary>
    internal Val WithBindings(ReadOnlySpan<(FunctionCell Cell, Val Value)> pairs, Val body)
    {
        _bindings ??= [];
        var mark = _bindings.Count;
        foreach (var pair in pairs)
            _bindings.Add(pair);
        try
        {
            return Invoke(body, []);
        }
        finally
        {
            _bindings.RemoveRange(mark, _bindings.Count - mark);
        }
    }

    private List<FunctionCell>? _inits;

    /// <summary>The last number <c>gensym</c> gave.</summary>
    public long GensymCounter { get; set; }

    /// <summary>
    /// The top-level expressions (<c>:def/init</c> defs) to run, in order, before the entry function:
    /// what loading its namespace does in Clojure. Each runs once per run, as a def's value is computed.
    /// </summary>
    public void Initialize(IReadOnlyList<FunctionCell> inits) => _inits = [.. inits];

    private void RunInits()
    {
        if (_inits is not { Count: > 0 } inits)
            return;
        _inits = null;
        foreach (var cell in inits)
            DefValue(cell);
    }

    private void CallValue(int argc, int resultSp)
    {
        var f = _stack[_sp - argc - 1];
        switch (f.Obj)
        {
            case FnRef r:
                Enter(r.Cell.Current ?? r.Cell.Owner.Prepare(r.Cell), argc, resultSp, null);
                return;
            case Closure c:
                Enter(c.Code, argc, resultSp, c.Captures);
                return;
            case YMulti multi:
                // The dispatch function runs as a callback; the method it selects takes the multimethod's place in this call.
                _stack[_sp - argc - 1] = multi.Select(this, new ReadOnlySpan<Val>(_stack, _sp - argc, argc));
                CallValue(argc, resultSp);
                return;
            case NativeRef n:
            {
                if (!n.Native.Accepts(argc))
                    throw ArityError(n.Native.Name, n.Native.ArityText, argc);
                var result = n.Native.Fn(this, new ReadOnlySpan<Val>(_stack, _sp - argc, argc));
                _stack[resultSp] = result;
                _sp = resultSp + 1;
                return;
            }
            case Keyword or YMap or YRecord or YSet or YVector:
            {
                if (argc is not (1 or 2))
                    throw ArityError(Natives.Describe(f), "1 or 2", argc);
                var result = f.Obj is Keyword
                    ? Natives.Get(_stack[_sp - argc], f, argc == 2 ? _stack[_sp - 1] : Val.Nil)
                    : Natives.Get(f, _stack[_sp - argc], argc == 2 ? _stack[_sp - 1] : Val.Nil);
                _stack[resultSp] = result;
                _sp = resultSp + 1;
                return;
            }
            default:
                throw YinException.Of(Kinds.Type, $"{Natives.Describe(f)} is not a function");
        }
    }

    /// <summary><c>(apply f a b coll)</c>: the collection's items become the last arguments.</summary>
    private void Apply(int n)
    {
        var items = Natives.Items("apply", _stack[_sp - 1]);
        _sp--;
        EnsureStack(_sp + items.Length + 1);
        Array.Copy(items, 0, _stack, _sp, items.Length);
        _sp += items.Length;
        var argc = n - 2 + items.Length;
        CallValue(argc, _sp - argc - 1);
    }

    private Val Build(Op op, Val[] items)
    {
        Charge(Heap.VectorBytes + ((op == Op.Map ? Heap.EntryBytes / 2 : Heap.ElementBytes) * items.LongLength));
        switch (op)
        {
            case Op.Vector:
                return Val.Object(new YVector(ImmutableList.Create(items)));
            case Op.Set:
                return Val.Object(new YSet(SetEntries.Of(items)));
            default:
                var map = YMap.Empty.Items;
                for (var i = 0; i + 1 < items.Length; i += 2)
                    map = map.SetItem(items[i], items[i + 1]);
                return Val.Object(new YMap(map));
        }
    }

    private Val NewRecord(RecordType type, ReadOnlySpan<Val> args)
    {
        if (args.Length != type.Fields.Count)
            throw ArityError("->" + type.Name, type.Fields.Count.ToString(CultureInfo.InvariantCulture), args.Length);
        for (var i = 0; i < args.Length; i++)
        {
            if (type.FieldTypes[i] is { } check && !check.Matches(args[i]))
                throw YinException.Of(Kinds.Type, $"->{type.Name}: field {type.Fields[i].Name} is a {check.Name}, not {Natives.Describe(args[i])}");
        }
        Charge(Heap.RecordBytes + (Heap.SlotBytes * args.Length));
        return Val.Object(new YRecord(type, args.ToArray()));
    }

    private void EnsureStack(int size)
    {
        if (size <= _stack.Length)
            return;
        var grown = Math.Max(size, _stack.Length * 2);
        Charge(Heap.SlotBytes * (grown - _stack.Length));
        Array.Resize(ref _stack, grown);
    }
}

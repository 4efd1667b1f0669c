using Datom.Log.Edn;

namespace Datom.Vm.Machine;

/// <summary>
/// Calls from the host back into Yin: realising a lazy seq, forcing a delay, a comparator given to
/// <c>sort</c>, the function of <c>swap!</c>. The callee runs on this machine, on frames pushed above
/// the caller's and a value stack of its own, under the same fuel, memory, depth and deadline, and
/// its errors propagate to the caller like any other (a <c>try</c> around the native catches them).
/// </summary>
/// <remarks>
/// Each such call nests the host's stack once, so nesting is capped
/// (<see cref="MaxNestedInvokes"/>, counted against the depth limit). A call in progress cannot be
/// suspended (the host frame between the two parts of the Yin stack cannot be stored) nor paused.
/// </remarks>
internal sealed partial class YinMachine
{
    /// <summary>
    /// Host-level nesting of callbacks (a lazy seq whose step realises another, ...): each costs one
    /// run of the interpreter loop on the host stack, a kilobyte or two. Runs get a thread with a
    /// 16 MiB stack (YinVm.RunStackBytes), where 5,000 fit; on a smaller stack the
    /// check of the stack left stops it first, with the same limit. A JVM's default stack takes a
    /// few thousand nested lazy maps before it overflows.
    /// </summary>
    public const int MaxNestedInvokes = 5_000;

    [ThreadStatic]
    private static YinMachine? _current;

    private int _nested;

    // The frame index a nested run returns from (0 for the outermost run).
    private int _baseFp;

    /// <summary>The machine running on this thread, for realising lazy seqs met deep in the host (printing, comparing).</summary>
    public static YinMachine? Current => _current;

    /// <summary>Whether a callback is running (no suspending or pausing then).</summary>
    public bool InCallback => _nested > 0;

    /// <summary>Stacks of finished callbacks, cleared, for the next ones (at most one per nesting level in use).</summary>
    private readonly Stack<Val[]> _spareStacks = new();

    /// <summary>Largest callback stack kept for reuse, in slots; a larger one (grown by deep recursion) goes to the collector.</summary>
    private const int MaxSpareStackSlots = 1024;

    private void Spare(Val[] stack)
    {
        if (stack.Length > MaxSpareStackSlots || _spareStacks.Count >= 64)
            return;
        Array.Clear(stack);
        _spareStacks.Push(stack);
    }

    /// <summary>Calls <paramref name="f"/> with <paramref name="args"/> and returns its value.</summary>
    public Val Invoke(Val f, ReadOnlySpan<Val> args)
    {
        if (_nested >= MaxNestedInvokes || _fp + 2 >= _maxDepth)
            throw YinException.Of(Kinds.Limit("depth"), $"depth limit: calls nest more than {(_nested >= MaxNestedInvokes ? MaxNestedInvokes + " deep through lazy sequences and callbacks" : _maxDepth + " deep")}");
        // Each nested run takes host stack (Execute's frame and the natives between); on a small
        // thread stack the count above may not be reached before the stack is: the limit, not a crash.
        if (!System.Runtime.CompilerServices.RuntimeHelpers.TryEnsureSufficientExecutionStack())
            throw YinException.Of(Kinds.Limit("depth"), "depth limit: lazy sequences and callbacks nest deeper than the host's stack");
        Poll();
        switch (f.Obj)
        {
            case NativeRef n:
                if (!n.Native.Accepts(args.Length))
                    throw ArityError(n.Native.Name, n.Native.ArityText, args.Length);
                return n.Native.Fn(this, args);
            case Keyword or YMap or YRecord or YSet or YVector:
                if (args.Length is not (1 or 2))
                    throw ArityError(Natives.Describe(f), "1 or 2", args.Length);
                return f.Obj is Keyword
                    ? Natives.Get(args[0], f, args.Length == 2 ? args[1] : Val.Nil)
                    : Natives.Get(f, args[0], args.Length == 2 ? args[1] : Val.Nil);
        }

        var saved = (_fn, _pc, _bp, _sp, _captures, _stack, _baseFp, _result);
        var outerSlice = (_sliceSize, _budget);
        var outerFp = _fp;
        var outerHandlers = _handlers.Count;
        _nested++;
        try
        {
            // A stack of its own: the caller's locals (in its interpreter loop) stay untouched. It
            // comes from the spares that earlier callbacks at this depth returned: realising a
            // million-element lazy seq is a million callbacks, and a fresh array for each was most
            // of their cost (in the collector).
            var size = Math.Max(64, args.Length + 16);
            if (_spareStacks.Count > 0 && _spareStacks.Peek().Length >= size)
            {
                _stack = _spareStacks.Pop();
            }
            else
            {
                Charge(Heap.SlotBytes * size);
                _stack = new Val[size];
            }
            _stack[0] = f;
            args.CopyTo(_stack.AsSpan(1));
            _sp = 1 + args.Length;
            // The callee's return frame (pushed by the call) is where this nested run finishes.
            _baseFp = _fp + 1;
            CallValue(args.Length, 0);
            NextSlice();
            var outcome = ExecuteCatching();
            if (outcome != Outcome.Finished)
                throw YinException.Of(Kinds.Continuation, "a program cannot suspend inside a lazy sequence or a callback from a built-in");
            return _result;
        }
        catch (YinException e) when (!e.Error.HasStack)
        {
            // The stack as it was where the error happened, before the nested frames unwind.
            WithStack(e.Error);
            throw;
        }
        finally
        {
            _steps += _sliceSize - Math.Max(0, _budget);
            _nested--;
            _fp = outerFp;
            _handlers.RemoveRange(outerHandlers, _handlers.Count - outerHandlers);
            Spare(_stack);
            (_fn, _pc, _bp, _sp, _captures, _stack, _baseFp, _result) = saved;
            (_sliceSize, _budget) = outerSlice;
        }
    }

    /// <summary>
    /// Realises every lazy seq inside a finished run's value, as a REPL does to print it: the value
    /// outlives the run, and is printed or stored where no machine can run a thunk.
    /// </summary>
    private Val RealizeAll(Val root)
    {
        var pending = new Stack<Val>();
        pending.Push(root);
        while (pending.Count > 0)
        {
            var v = pending.Pop();
            switch (v.Obj)
            {
                case YVector vec:
                    foreach (var x in vec.Items)
                        pending.Push(x);
                    break;
                case YMap map:
                    foreach (var kv in map.Items)
                    {
                        pending.Push(kv.Key);
                        pending.Push(kv.Value);
                    }
                    break;
                case YSet set:
                    foreach (var x in set.Items)
                        pending.Push(x);
                    break;
                case YRecord r:
                    foreach (var x in r.Values)
                        pending.Push(x);
                    break;
                case YSeq or YList or YLazySeq:
                    foreach (var x in Seqs.Values(v, this))
                        pending.Push(x);
                    break;
                case YAtom a:
                    if (a.Pending is null)
                        pending.Push(a.Value);
                    break;
            }
        }
        return root;
    }
}

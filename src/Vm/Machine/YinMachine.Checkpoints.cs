using System.Diagnostics;

namespace Datom.Vm.Machine;

/// <summary>Checkpoints between slices of instructions: fuel, deadline, cancellation, other constraints and pauses.</summary>
internal sealed partial class YinMachine
{
    private void NextSlice()
    {
        var left = _fuel - _steps - _burned;
        var slice = Math.Max(0, Math.Min(Slice, left));
        // A pause that is due but deferred (inside a callback) is looked at again after each instruction.
        if (_pauseAt is { } pause)
            slice = Math.Min(slice, Math.Max(1, pause - _steps));
        _sliceSize = slice;
        _budget = slice;
    }

    /// <summary>Between slices: account the slice, then check every limit and a requested pause.</summary>
    private Outcome Checkpoint()
    {
        _steps += _sliceSize;
        _sliceSize = 0;
        if (_steps + _burned >= _fuel)
            throw FuelError();
        CheckClockAndConstraints(Steps);
        if (_pauseAt is { } pause && _steps >= pause && _nested == 0)
        {
            _pauseAt = null;
            NextSlice();
            return Outcome.Paused;
        }
        NextSlice();
        return Outcome.Running;
    }

    /// <summary>
    /// The checkpoint of work done outside the interpreter loop's slices: a native walking a seq
    /// (<see cref="Burn"/>) and each callback into Yin (<see cref="Invoke"/>). A native that calls
    /// short Yin functions in a loop (reduce, a lazy seq's steps, an eager transducer over an
    /// infinite seq) may never finish a slice of its own, so without this its deadline,
    /// cancellation and other constraints would go unchecked while its fuel ran for minutes.
    /// Checks every <see cref="PollEvery"/> calls, or sooner once <see cref="Slice"/> steps have
    /// passed since the last check: a clock read costs about what a callback's frame does.
    /// </summary>
    private void Poll()
    {
        if (--_pollCountdown > 0 && _steps + _burned < _nextPollSteps)
            return;
        _pollCountdown = PollEvery;
        var steps = Steps;
        _nextPollSteps = steps + Slice;
        if (steps > _fuel)
            throw FuelError();
        CheckClockAndConstraints(steps);
    }

    /// <summary>What Checkpoint and Poll both check after fuel: the deadline, cancellation and the run's other constraints.</summary>
    private void CheckClockAndConstraints(long steps)
    {
        if (Stopwatch.GetTimestamp() > _deadline)
            throw DeadlineError();
        if (Cancellation.IsCancellationRequested)
            throw YinException.Of(Kinds.Cancelled, "the run was cancelled");
        if (_limits.Others.Count > 0)
        {
            var status = new ExecutionStatus(steps, Depth, _heap.Charged, Elapsed);
            foreach (var c in _limits.Others)
                c.Check(status);
        }
    }

    /// <summary>The deadline and cancellation alone, for host work that takes no steps (measuring the heap).</summary>
    private void CheckClock()
    {
        if (Stopwatch.GetTimestamp() > _deadline)
            throw DeadlineError();
        if (Cancellation.IsCancellationRequested)
            throw YinException.Of(Kinds.Cancelled, "the run was cancelled");
    }

    /// <summary>Calls to <see cref="Poll"/> between two checks: a few microseconds of callbacks.</summary>
    private const int PollEvery = 64;

    private int _pollCountdown = PollEvery;
    private long _nextPollSteps = Slice;

    private YinException FuelError() =>
        YinException.Of(Kinds.Limit("fuel"), $"fuel limit: the program ran more than {_fuel} steps");

    private YinException DeadlineError() =>
        YinException.Of(Kinds.Limit("deadline"), $"deadline: the program ran longer than {_limits.Deadline.Timeout.TotalSeconds:0.###} s");

    private static YinException ArityError(string name, string expected, int got) =>
        YinException.Of(Kinds.Arity, $"wrong number of arguments: {name} takes {expected}, called with {got}");

    private static YinException ParamTypeError(Prepared callee, int i, Val got) =>
        YinException.Of(Kinds.Type, $"{callee.Name}: parameter {callee.ParamNames[i]} is a {callee.ParamChecks![i]!.Name}, not {Natives.Describe(got)}");

    /// <summary>Everything the program can still reach: what the memory limit measures.</summary>
    private IEnumerable<Val> Roots()
    {
        for (var i = 0; i < _sp && i < _stack.Length; i++)
            yield return _stack[i];
        if (_captures is not null)
        {
            foreach (var v in _captures)
                yield return v;
        }
        for (var i = 0; i < _fp; i++)
        {
            if (_frames[i].Captures is { } c)
            {
                foreach (var v in c)
                    yield return v;
            }
        }
        yield return _result;
        yield return _suspended;
        foreach (var (_, value) in _defs.Values)
            yield return value;
    }
}

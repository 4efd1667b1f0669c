namespace Datom.Vm.Machine;

/// <summary>One frame of a captured continuation: the code, where in it, its slots' base and its closure values.</summary>
/// <param name="ResultSp">Where this frame's callee returns its result (-1 for the innermost frame, which has no callee).</param>
internal readonly record struct FrameImage(Prepared Code, int Pc, int Bp, int ResultSp, Val[]? Captures);

internal sealed partial class YinMachine
{
    /// <summary>
    /// The machine's whole state as data: the frames (K), each with its code position (C) and
    /// environment (E), and the value stack. Taken only between instructions (a suspend, a pause),
    /// where the state is complete in the fields.
    /// </summary>
    public Continuation Capture(string entry, bool expectsValue)
    {
        var frames = new List<FrameImage>(_fp + 1);
        for (var i = 0; i < _fp; i++)
        {
            var f = _frames[i];
            frames.Add(new FrameImage(f.Fn, f.Pc, f.Bp, f.ResultSp, f.Captures));
        }
        frames.Add(new FrameImage(_fn, _pc, _bp, -1, _captures));
        return new Continuation(entry, frames, _stack.AsSpan(0, _sp).ToArray(), expectsValue, _suspended, DateTimeOffset.FromUnixTimeMilliseconds(Now()));
    }

    /// <summary>Makes <paramref name="k"/> the machine's state; a suspended one gets <paramref name="resume"/> as the value of its <c>(suspend)</c>.</summary>
    public void Restore(Continuation k, Val resume)
    {
        ArgumentNullException.ThrowIfNull(k);
        var frames = k.Frames;
        if (frames.Count == 0)
            throw new ArgumentException("a continuation has at least one frame", nameof(k));
        if (frames.Count > _maxDepth)
        {
            _error = new YinError(Kinds.Limit("depth"), $"depth limit: the continuation has {frames.Count} frames, more than {_maxDepth}", Val.Nil);
            return;
        }
        _frames = new Frame[Math.Max(32, frames.Count)];
        for (var i = 0; i < frames.Count - 1; i++)
        {
            var f = frames[i];
            _frames[i] = new Frame(f.Code, f.Pc, f.Bp, f.Captures, f.ResultSp);
        }
        _fp = frames.Count - 1;
        SetFrameLimit();
        var current = frames[^1];
        _fn = current.Code;
        _pc = current.Pc;
        _bp = current.Bp;
        _captures = current.Captures;
        var need = k.Stack.Length + 1;
        foreach (var f in frames)
            need = Math.Max(need, f.Bp + f.Code.FrameSize);
        try
        {
            EnsureStack(need);
        }
        catch (YinException e)
        {
            _error = e.Error;
            return;
        }
        k.Stack.CopyTo(_stack, 0);
        _sp = k.Stack.Length;
        if (k.ExpectsValue)
            _stack[_sp++] = resume;
    }
}

/// <summary>
/// A captured continuation: everything needed to carry on a run from where it stopped. Store it
/// with <see cref="YinVm.SaveAsync"/> and resume it with <see cref="YinVm.Resume"/>, in this process
/// or another one on the same data.
/// </summary>
public sealed class Continuation
{
    internal Continuation(string entry, IReadOnlyList<FrameImage> frames, Val[] stack, bool expectsValue, Val suspended, DateTimeOffset capturedAt)
    {
        Entry = entry;
        Frames = frames;
        Stack = stack;
        ExpectsValue = expectsValue;
        Suspended = suspended;
        CapturedAt = capturedAt;
    }

    /// <summary>The function the run started in (<c>ns/name</c>).</summary>
    public string Entry { get; }

    public DateTimeOffset CapturedAt { get; }

    /// <summary>The entity it was stored as, once stored or when loaded.</summary>
    public Log.Model.EntityId? Id { get; internal set; }

    /// <summary>How many frames deep the program was.</summary>
    public int Depth => Frames.Count;

    /// <summary>Whether the program stopped at a <c>(suspend)</c>, which evaluates to the value it is resumed with.</summary>
    public bool ExpectsValue { get; }

    /// <summary>The value passed to <c>(suspend value)</c>, as EDN, or null for a pause.</summary>
    public string? SuspendedWith => ExpectsValue ? ValPrinter.Edn(Suspended) : null;

    internal IReadOnlyList<FrameImage> Frames { get; }

    internal Val[] Stack { get; }

    internal Val Suspended { get; }
}

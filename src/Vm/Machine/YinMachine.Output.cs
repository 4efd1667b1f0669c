using System.Text;

namespace Datom.Vm.Machine;

/// <summary>
/// <c>with-out-str</c>: captures of the run's output, innermost last. While one is open, everything
/// the program prints goes into it (charged to the run's memory) instead of the run's output. A
/// capture belongs to this machine, not to the program's state: a run that suspends inside
/// <c>with-out-str</c> resumes writing to its output, and the capture's text is an error to ask for.
/// </summary>
internal sealed partial class YinMachine
{
    private List<StringBuilder>? _outCaptures;

    /// <summary>Opens a capture; returns its depth, which <see cref="Captured"/> and <see cref="EndCapture"/> take.</summary>
    public int BeginCapture()
    {
        _outCaptures ??= [];
        Charge(Heap.StringBytes(0));
        _outCaptures.Add(new StringBuilder());
        return _outCaptures.Count;
    }

    /// <summary>The text captured at <paramref name="depth"/>.</summary>
    public string Captured(int depth) =>
        _outCaptures is { } c && depth >= 1 && depth <= c.Count
            ? c[depth - 1].ToString()
            : throw YinException.Of(Kinds.Argument, "with-out-str: its capture is gone (the run was suspended and resumed inside it)");

    /// <summary>Closes the capture at <paramref name="depth"/> and any opened inside it.</summary>
    public void EndCapture(int depth)
    {
        if (_outCaptures is { } c && depth >= 1 && depth <= c.Count)
            c.RemoveRange(depth - 1, c.Count - depth + 1);
    }

    private bool Capture(string text)
    {
        if (_outCaptures is not { Count: > 0 } c)
            return false;
        Charge(2L * text.Length);
        c[^1].Append(text);
        return true;
    }
}

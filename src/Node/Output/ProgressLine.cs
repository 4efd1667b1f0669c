using System.Diagnostics;
using System.Globalization;

namespace Datom.Node.Output;

/// <summary>
/// A progress bar for long work (index rebuild, benchmarks' setup and pulls) on standard error:
/// <c>datom: indexing [#########-----------]  45% 450,000/1,000,000 entries, 12 s</c>, redrawn
/// in place at most a few times a second, and finished with a newline. Only on a terminal: when
/// standard error is redirected (a script, CI, the daemon's log) it prints nothing but the
/// final line, so logs do not fill with redraws.
/// </summary>
internal sealed class ProgressLine : IDisposable
{
    private const int Width = 24;
    private static readonly long RedrawTicks = Stopwatch.Frequency / 4;

    private readonly string _what;
    private readonly string _unit;
    private readonly long _total;
    private readonly bool _live;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _lastDraw = long.MinValue / 2;
    private long _done;
    private bool _finished;

    public ProgressLine(string what, long total, string unit)
    {
        _what = what;
        _total = Math.Max(0, total);
        _unit = unit;
        // A terminal only when the command runs in this process with its own console.
        _live = Terminal.Current.Node is null && !Console.IsErrorRedirected;
    }

    public void Report(long done)
    {
        _done = done;
        if (!_live)
            return;
        var now = Stopwatch.GetTimestamp();
        if (now - _lastDraw < RedrawTicks && done < _total)
            return;
        _lastDraw = now;
        Terminal.Error.Write("\r" + Line());
        Terminal.Error.Flush();
    }

    public void Dispose()
    {
        if (_finished)
            return;
        _finished = true;
        Terminal.Error.Write((_live ? "\r" : "") + Line() + Environment.NewLine);
    }

    private string Line()
    {
        var fraction = _total == 0 ? 1.0 : Math.Clamp((double)_done / _total, 0, 1);
        var filled = (int)Math.Round(fraction * Width);
        return string.Create(CultureInfo.InvariantCulture,
            $"datom: {_what} [{new string('#', filled)}{new string('-', Width - filled)}] {fraction * 100,3:F0}% {_done:N0}/{_total:N0} {_unit}, {_clock.Elapsed.TotalSeconds:F0} s");
    }
}

using System.Diagnostics;
using System.Text;

namespace Datom.Node.Tests.Mesh;

/// <summary>
/// The one clock of a mesh test. The namespaces share the machine's clock and this process reads
/// every pipe, so a single <see cref="Stopwatch"/> orders events of all nodes.
/// </summary>
public static class MeshClock
{
    private static readonly Stopwatch Watch = Stopwatch.StartNew();

    public static TimeSpan Now => Watch.Elapsed;
}

/// <summary>One line a process printed, stamped with <see cref="MeshClock.Now"/> when it was read.</summary>
public readonly record struct OutputLine(TimeSpan At, string Text);

/// <summary>
/// A process's output read line by line on a thread of its own (not the thread pool, which a busy
/// two-core machine may be slow to schedule), each line stamped as it arrives, so a latency
/// measured from these stamps is the process's, not the test's.
/// </summary>
public sealed class OutputLines
{
    private readonly List<OutputLine> _lines = [];
    private readonly Lock _gate = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _ended;

    public OutputLines(TextReader reader, string name)
    {
        var thread = new Thread(() => Read(reader)) { IsBackground = true, Name = name };
        thread.Start();
    }

    public int Count
    {
        get
        {
            lock (_gate)
                return _lines.Count;
        }
    }

    /// <summary>True once the stream ended (the process closed it or exited).</summary>
    public bool Ended
    {
        get
        {
            lock (_gate)
                return _ended;
        }
    }

    public IReadOnlyList<OutputLine> Lines
    {
        get
        {
            lock (_gate)
                return [.. _lines];
        }
    }

    /// <summary>
    /// The first line at or after index <paramref name="from"/> that matches, waiting for it up to
    /// <paramref name="timeout"/>; null at the deadline or when the stream ends without one.
    /// </summary>
    public async Task<OutputLine?> WaitForAsync(Func<string, bool> match, TimeSpan timeout, int from = 0)
    {
        var deadline = MeshClock.Now + timeout;
        var next = from;
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                for (; next < _lines.Count; next++)
                {
                    if (match(_lines[next].Text))
                        return _lines[next];
                }
                if (_ended)
                    return null;
                changed = _changed.Task;
            }
            var left = deadline - MeshClock.Now;
            if (left <= TimeSpan.Zero)
                return null;
            await Task.WhenAny(changed, Task.Delay(left)).ConfigureAwait(false);
        }
    }

    public Task<OutputLine?> WaitForAsync(string contains, TimeSpan timeout, int from = 0) =>
        WaitForAsync(line => line.Contains(contains, StringComparison.Ordinal), timeout, from);

    /// <summary>The last <paramref name="count"/> lines, for failure messages.</summary>
    public string Tail(int count = 40)
    {
        var sb = new StringBuilder();
        lock (_gate)
        {
            foreach (var line in _lines.Skip(Math.Max(0, _lines.Count - count)))
                sb.Append("  [").Append(line.At.TotalSeconds.ToString("0.000", System.Globalization.CultureInfo.InvariantCulture)).Append("] ").AppendLine(line.Text);
        }
        return sb.ToString();
    }

    private void Read(TextReader reader)
    {
        try
        {
            while (reader.ReadLine() is { } text)
                Add(new OutputLine(MeshClock.Now, text));
        }
        catch (IOException)
        {
            // the process went away mid-line
        }
        catch (ObjectDisposedException)
        {
        }
        finally
        {
            TaskCompletionSource signal;
            lock (_gate)
            {
                _ended = true;
                signal = _changed;
            }
            signal.TrySetResult();
        }
    }

    private void Add(OutputLine line)
    {
        TaskCompletionSource signal;
        lock (_gate)
        {
            _lines.Add(line);
            signal = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        signal.TrySetResult();
    }
}

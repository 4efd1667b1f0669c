using System.Text;

namespace Datom.Vm.Tests.Support;

/// <summary>A thread-safe output that keeps whole lines, for watching a running program's prints.</summary>
public sealed class LineWriter : TextWriter
{
    private readonly Lock _gate = new();
    private readonly List<string> _lines = [];
    private readonly StringBuilder _partial = new();

    public override Encoding Encoding => Encoding.UTF8;

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_gate)
                return [.. _lines];
        }
    }

    public override void Write(char value)
    {
        lock (_gate)
        {
            if (value == '\n')
            {
                _lines.Add(_partial.ToString());
                _partial.Clear();
            }
            else
            {
                _partial.Append(value);
            }
        }
    }

    public override void Write(string? value)
    {
        foreach (var c in value ?? "")
            Write(c);
    }

    /// <summary>Waits until some line satisfies <paramref name="predicate"/>; returns its index.</summary>
    public async Task<int> WaitForAsync(Func<string, bool> predicate, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            var lines = Lines;
            for (var i = 0; i < lines.Count; i++)
            {
                if (predicate(lines[i]))
                    return i;
            }
            await Task.Delay(2);
        }
        throw new TimeoutException("no such line in: " + string.Join(" | ", Lines));
    }
}

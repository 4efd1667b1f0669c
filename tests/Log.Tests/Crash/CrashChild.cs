using System.Diagnostics;
using System.Text;
using System.Threading.Channels;

namespace Datom.Log.Tests.Crash;

/// <summary>
/// One run of <c>Datom.Log.CrashChild</c> (tests/Log.CrashChild): started with <c>dotnet</c>, its stdout
/// split into whole lines as they arrive, and killed with SIGKILL.
/// </summary>
/// <remarks>
/// Lines are split on '\n' here rather than by <see cref="StreamReader.ReadLine()"/>, which would return
/// a final fragment without its newline as if it were a line: a line the child had not finished
/// writing when it died is no acknowledgement. The fragment is kept in <see cref="Fragment"/>.
/// </remarks>
internal sealed class CrashChild : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly StringBuilder _stderr = new();
    private readonly Task _pump;

    private CrashChild(Process process)
    {
        _process = process;
        _pump = Task.Run(() => PumpAsync(process.StandardOutput.BaseStream));
    }

    /// <summary>Bytes the child wrote after its last newline (a line cut short by the kill), for diagnostics.</summary>
    public string Fragment { get; private set; } = "";

    public string StandardError
    {
        get
        {
            lock (_stderr)
                return _stderr.ToString();
        }
    }

    public static CrashChild Start(string dataDirectory, int segmentBytes, int writers, string? pauseAt)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "Datom.Log.CrashChild.dll");
        if (!File.Exists(dll))
            throw new FileNotFoundException("the crash child is not in the test output folder; is the project reference missing?", dll);
        // 'dotnet test' names the host it runs under; a plain 'dotnet' from PATH otherwise.
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(dll);
        info.ArgumentList.Add("--data");
        info.ArgumentList.Add(dataDirectory);
        info.ArgumentList.Add("--segment-bytes");
        info.ArgumentList.Add(segmentBytes.ToString(System.Globalization.CultureInfo.InvariantCulture));
        info.ArgumentList.Add("--writers");
        info.ArgumentList.Add(writers.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (pauseAt is not null)
        {
            info.ArgumentList.Add("--pause-at");
            info.ArgumentList.Add(pauseAt);
        }
        var process = new Process { StartInfo = info };
        if (!process.Start())
            throw new InvalidOperationException("the crash child did not start");
        var child = new CrashChild(process);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
                return;
            lock (child._stderr)
                child._stderr.AppendLine(e.Data);
        };
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>The next whole line, or null once the child's stdout has ended.</summary>
    /// <exception cref="TimeoutException">No line and no end within <paramref name="timeout"/>.</exception>
    public async Task<string?> ReadLineAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            return await _lines.Reader.WaitToReadAsync(cts.Token) && _lines.Reader.TryRead(out var line) ? line : null;
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"the crash child wrote no line for {timeout.TotalSeconds} s; stderr: {StandardError}");
        }
    }

    /// <summary>SIGKILL (what <see cref="Process.Kill()"/> sends on Linux); harmless if it already exited.</summary>
    public void Kill()
    {
        try
        {
            _process.Kill();
        }
        catch (InvalidOperationException)
        {
            // It has exited already.
        }
    }

    public async Task WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"the crash child {_process.Id} did not exit within {timeout.TotalSeconds} s of SIGKILL");
        }
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        // The pump ends when the pipe closes, which the kill guarantees; do not wait forever regardless.
        await Task.WhenAny(_pump, Task.Delay(TimeSpan.FromSeconds(10)));
        _process.Dispose();
    }

    private async Task PumpAsync(Stream stdout)
    {
        var buffer = new byte[16 << 10];
        var partial = new List<byte>();
        try
        {
            int n;
            while ((n = await stdout.ReadAsync(buffer)) > 0)
            {
                var start = 0;
                for (var i = 0; i < n; i++)
                {
                    if (buffer[i] != (byte)'\n')
                        continue;
                    partial.AddRange(buffer.AsSpan(start, i - start));
                    _lines.Writer.TryWrite(Encoding.UTF8.GetString([.. partial]));
                    partial.Clear();
                    start = i + 1;
                }
                partial.AddRange(buffer.AsSpan(start, n - start));
            }
            Fragment = Encoding.UTF8.GetString([.. partial]);
            _lines.Writer.TryComplete();
        }
        catch (Exception e)
        {
            _lines.Writer.TryComplete(e);
        }
    }
}

using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace Datom.Node.Tests.Daemon;

/// <summary>
/// A real <c>datom run</c> on a fresh data directory, on loopback and without mDNS (so it touches
/// no real interface), with its output captured. Killed on dispose if it is still running.
/// </summary>
public sealed class RunningDaemon : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly Lock _gate = new();

    private RunningDaemon(string data, Process process)
    {
        Data = data;
        _process = process;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Data { get; }

    public int ProcessId => _process.Id;

    public string Output
    {
        get
        {
            lock (_gate)
                return _output.ToString();
        }
    }

    /// <summary>Starts a daemon on <paramref name="data"/> (initialised already) and waits until its API answers.</summary>
    public static RunningDaemon Start(string data, params string[] extra)
    {
        var process = DatomProcess.Start(["run", "--data", data, "--listen", "127.0.0.1:0", "--no-mdns", .. extra]);
        process.StandardInput.Close();
        var daemon = new RunningDaemon(data, process);
        var deadline = Stopwatch.StartNew();
        while (!daemon.Output.Contains("API on", StringComparison.Ordinal))
        {
            if (process.HasExited || deadline.Elapsed > TimeSpan.FromSeconds(30))
            {
                daemon.Dispose();
                throw new InvalidOperationException($"the daemon did not start (exit {(process.HasExited ? process.ExitCode : -1)}):\n{daemon.Output}");
            }
            Thread.Sleep(50);
        }
        return daemon;
    }

    /// <summary>SIGTERM, then waits for the exit; returns the exit code.</summary>
    public int Stop()
    {
        if (Posix.Kill(_process.Id, Posix.SigTerm) != 0)
            throw new InvalidOperationException($"kill({_process.Id}, SIGTERM) failed: errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}");
        if (!_process.WaitForExit(30_000))
            throw new TimeoutException($"the daemon did not stop within 30 s of SIGTERM:\n{Output}");
        _process.WaitForExit();
        return _process.ExitCode;
    }

    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit(10_000);
    }

    public bool HasExited => _process.HasExited;

    public static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement.Clone();

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
                Kill();
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
            return;
        lock (_gate)
            _output.AppendLine(line);
    }
}

internal static class Posix
{
    public const int SigTerm = 15;

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static extern int Kill(int pid, int signal);
}

using System.Diagnostics;
using System.Globalization;
using Datom.Sync.Tests.Netns;

namespace Datom.Node.Tests.Mesh;

/// <summary>
/// A long-running <c>datom</c> process inside a node's namespace: a daemon (<c>datom run</c>) or a
/// streaming command (<c>log --follow</c>, <c>transact -</c>), with its output stamped line by line.
/// <c>ip netns exec</c> execs the command, so the process id is datom's own and signals reach it.
/// </summary>
public sealed class NodeProcess
{
    private readonly Process _process;

    public NodeProcess(string name, Process process)
    {
        Name = name;
        _process = process;
        Launched = MeshClock.Now;
        Stdout = new OutputLines(process.StandardOutput, name + " stdout");
        Stderr = new OutputLines(process.StandardError, name + " stderr");
    }

    public string Name { get; }

    public int Pid => _process.Id;

    public TimeSpan Launched { get; }

    public OutputLines Stdout { get; }

    public OutputLines Stderr { get; }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public async Task WriteLineAsync(string line)
    {
        await _process.StandardInput.WriteLineAsync(line).ConfigureAwait(false);
        await _process.StandardInput.FlushAsync().ConfigureAwait(false);
    }

    public void CloseInput() => _process.StandardInput.Close();

    /// <summary>Sends SIGTERM, as systemd or a user's kill would, and waits (bounded) for the exit; true if it exited.</summary>
    public async Task<bool> TerminateAsync(TimeSpan timeout)
    {
        if (_process.HasExited)
            return true;
        var (code, _, error) = NetworkNamespaces.TryRun("kill", ["-TERM", Pid.ToString(CultureInfo.InvariantCulture)]);
        if (code != 0 && !_process.HasExited)
            throw new InvalidOperationException($"kill -TERM {Pid} failed: {error}");
        return await WaitForExitAsync(timeout).ConfigureAwait(false);
    }

    /// <summary>SIGKILL: the process gets no chance to clean up, as in a crash or an OOM kill.</summary>
    public async Task<bool> KillAsync(TimeSpan timeout)
    {
        if (!_process.HasExited)
            _process.Kill(entireProcessTree: false);
        return await WaitForExitAsync(timeout).ConfigureAwait(false);
    }

    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public override string ToString() =>
        $"--- {Name} (pid {Pid}{(HasExited ? $", exited {ExitCode}" : "")}) stdout ---\n{Stdout.Tail()}--- {Name} stderr ---\n{Stderr.Tail(10)}";
}

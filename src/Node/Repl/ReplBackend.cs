using Datom.Node.Nrepl;
using Datom.Vm;
using Datom.Vm.Machine;
using Datom.Vm.Repl;

namespace Datom.Node.Repl;

/// <summary>What a REPL form printed or gave, in the order it happened.</summary>
internal enum ReplEventKind
{
    Out,
    Err,
    Value,
}

internal readonly record struct ReplEvent(ReplEventKind Kind, string Text);

/// <summary>
/// Where <c>datom repl</c> evaluates: the daemon's nREPL server when a daemon runs on the data
/// directory, else the directory opened in this process. Both evaluate with <see cref="ReplEvaluator"/>.
/// </summary>
internal interface IReplBackend : IAsyncDisposable
{
    /// <summary>Evaluates the code in <paramref name="ns"/>; reports what happens; returns the namespace after it and whether it failed.</summary>
    Task<(string Namespace, bool Failed)> EvalAsync(string code, string ns, Action<ReplEvent> report, CancellationToken cancellationToken);

    /// <summary>Stops the running eval (Ctrl-C).</summary>
    Task InterruptAsync();
}

/// <summary>Through the daemon's nREPL server: one session for the whole REPL.</summary>
internal sealed class NreplBackend : IReplBackend
{
    private readonly NreplClient _client;
    private readonly string _session;
    private string? _running;

    private NreplBackend(NreplClient client, string session)
    {
        _client = client;
        _session = session;
    }

    public static async Task<NreplBackend> ConnectAsync(int port, CancellationToken cancellationToken)
    {
        var client = await NreplClient.ConnectAsync(port, cancellationToken).ConfigureAwait(false);
        string? session = null;
        await foreach (var reply in client.RequestAsync(new Dictionary<string, object> { ["op"] = "clone" }, cancellationToken).ConfigureAwait(false))
            session ??= reply.TryGetValue("new-session", out var s) ? s as string : null;
        if (session is null)
        {
            await client.DisposeAsync().ConfigureAwait(false);
            throw new CliException(ExitCodes.Unavailable, "the nREPL server did not open a session");
        }
        return new NreplBackend(client, session);
    }

    public async Task<(string Namespace, bool Failed)> EvalAsync(string code, string ns, Action<ReplEvent> report, CancellationToken cancellationToken)
    {
        var failed = false;
        var after = ns;
        var request = new Dictionary<string, object> { ["op"] = "eval", ["code"] = code, ["ns"] = ns, ["session"] = _session };
        await foreach (var reply in _client.RequestAsync(request, cancellationToken).ConfigureAwait(false))
        {
            _running ??= reply.TryGetValue("id", out var id) ? id as string : null;
            if (reply.TryGetValue("out", out var o) && o is string outText)
                report(new ReplEvent(ReplEventKind.Out, outText));
            if (reply.TryGetValue("err", out var e) && e is string errText)
                report(new ReplEvent(ReplEventKind.Err, errText));
            if (reply.TryGetValue("value", out var v) && v is string value)
                report(new ReplEvent(ReplEventKind.Value, value));
            if (reply.TryGetValue("ns", out var n) && n is string nsText)
                after = nsText;
            var status = NreplClient.Status(reply);
            if (status.Contains("eval-error") || status.Contains("error"))
                failed = true;
            if (status.Contains("interrupted"))
            {
                report(new ReplEvent(ReplEventKind.Err, "interrupted\n"));
                failed = true;
            }
        }
        _running = null;
        return (after, failed);
    }

    public Task InterruptAsync() =>
        _client.SendAsync(new Dictionary<string, object> { ["op"] = "interrupt", ["session"] = _session, ["id"] = "interrupt-" + Guid.NewGuid().ToString("N") });

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _client.SendAsync(new Dictionary<string, object> { ["op"] = "close", ["session"] = _session, ["id"] = "close" }).ConfigureAwait(false);
        }
        catch (IOException)
        {
        }
        await _client.DisposeAsync().ConfigureAwait(false);
    }
}

/// <summary>With no daemon: the data directory opened in this process (holding its lock while the REPL runs).</summary>
internal sealed class LocalBackend : IReplBackend
{
    private readonly OpenedLog _opened;
    private readonly YinVm _vm;
    private readonly ReplEvaluator _evaluator;
    private readonly ReplSession _session = new();
    private CancellationTokenSource? _running;

    private LocalBackend(OpenedLog opened, YinVm vm)
    {
        _opened = opened;
        _vm = vm;
        _evaluator = new ReplEvaluator(vm, opened.Database);
    }

    public static async Task<LocalBackend> OpenAsync(DataDirectory data, CancellationToken cancellationToken)
    {
        var opened = data.OpenLog("datom repl");
        try
        {
            var vm = await YinVm.OpenAsync(opened.Database, cancellationToken).ConfigureAwait(false);
            return new LocalBackend(opened, vm);
        }
        catch
        {
            opened.Dispose();
            throw;
        }
    }

    public async Task<(string Namespace, bool Failed)> EvalAsync(string code, string ns, Action<ReplEvent> report, CancellationToken cancellationToken)
    {
        _session.Namespace = ns;
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _running = cancel;
        try
        {
            using var output = new EventWriter(report);
            var split = ReplForms.Split(code);
            foreach (var form in split.Forms)
            {
                var outcome = await Task.Run(() => _evaluator.EvalAsync(_session, form, "<repl>", new RunOptions { Output = output, Cancellation = cancel.Token }, cancel.Token), CancellationToken.None).ConfigureAwait(false);
                output.Flush();
                if (outcome is null)
                    continue;
                if (outcome.Error is { } error)
                {
                    report(new ReplEvent(ReplEventKind.Err, (cancel.IsCancellationRequested ? "interrupted" : error.Text) + "\n"));
                    return (_session.Namespace, true);
                }
                report(new ReplEvent(ReplEventKind.Value, outcome.Value!));
            }
            if (!split.Complete)
            {
                report(new ReplEvent(ReplEventKind.Err, "<repl>: syntax error: EOF while reading: a form is not closed\n"));
                return (_session.Namespace, true);
            }
            return (_session.Namespace, false);
        }
        catch (OperationCanceledException)
        {
            report(new ReplEvent(ReplEventKind.Err, "interrupted\n"));
            return (_session.Namespace, true);
        }
        finally
        {
            _running = null;
        }
    }

    public Task InterruptAsync()
    {
        _running?.Cancel();
        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        _evaluator.Dispose();
        _vm.Dispose();
        _opened.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>What the program prints, reported a line at a time.</summary>
    private sealed class EventWriter(Action<ReplEvent> report) : TextWriter
    {
        private readonly System.Text.StringBuilder _pending = new();

        public override System.Text.Encoding Encoding => System.Text.Encoding.UTF8;

        public override void Write(char value)
        {
            _pending.Append(value);
            if (value == '\n')
                Flush();
        }

        public override void Flush()
        {
            if (_pending.Length == 0)
                return;
            report(new ReplEvent(ReplEventKind.Out, _pending.ToString()));
            _pending.Clear();
        }
    }
}

using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Datom.Vm;
using Datom.Vm.Machine;
using Datom.Vm.Reading;
using Datom.Vm.Repl;
using Microsoft.Extensions.Logging;

namespace Datom.Node.Nrepl;

/// <summary>
/// nREPL's ops over <see cref="ReplEvaluator"/> (the one rule for evaluating REPL forms):
/// <c>describe clone close ls-sessions eval load-file interrupt stdin completions complete lookup
/// info eldoc</c>, with replies as nREPL's own server and cider-nrepl shape them (<c>value</c> and
/// <c>ns</c> per form, <c>out</c>/<c>err</c> for printed text, <c>ex</c>/<c>root-ex</c> and status
/// <c>eval-error</c> for an error, then status <c>done</c>). Evaluation runs on the thread pool under
/// the daemon's <c>[vm]</c> limits; one session evaluates one request at a time, in order.
/// </summary>
internal sealed partial class NreplOps(ReplEvaluator evaluator, RunLimits limits, ILogger logger) : IDisposable
{
    /// <summary>Most sessions held at once (a client that clones without closing runs into it, with a clear error).</summary>
    public const int MaxSessions = 1000;

    /// <summary>The nREPL protocol version this server follows (the ops and replies of nREPL 1.0).</summary>
    private static readonly Dictionary<string, object> NreplVersion = new()
    {
        ["major"] = 1, ["minor"] = 0, ["incremental"] = 0, ["version-string"] = "1.0.0",
    };

    private static readonly string DatomVersion =
        typeof(NreplOps).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .OfType<System.Reflection.AssemblyInformationalVersionAttribute>().FirstOrDefault()?.InformationalVersion ?? "unknown";

    private static readonly string[] OpNames = ["clone", "close", "complete", "completions", "describe", "eldoc", "eval", "info", "interrupt", "load-file", "lookup", "ls-sessions", "stdin"];

    private readonly ConcurrentDictionary<string, Session> _sessions = new(StringComparer.Ordinal);

    /// <summary>One nREPL session: the REPL's state, and the request it is evaluating.</summary>
    private sealed class Session(ReplSession state)
    {
        public ReplSession State { get; } = state;

        public SemaphoreSlim Gate { get; } = new(1, 1);

        public string Id { get; } = Guid.NewGuid().ToString();

        /// <summary>The running eval: its request id and the source of its cancellation.</summary>
        public (string Id, CancellationTokenSource Cancel)? Running { get; set; }

        public StringBuilder Stdin { get; } = new();
    }

    /// <summary>Handles one message; evals and loads run in the background, the other ops at once.</summary>
    public void Handle(object message, IReplyChannel reply, CancellationToken stopping)
    {
        if (message is not IDictionary<string, object> request)
        {
            Send(reply, new Dictionary<string, object> { ["status"] = Status("error", "malformed-message", "done"), ["err"] = "an nREPL message is a bencode dictionary\n" });
            return;
        }
        _ = HandleAsync(request, reply, stopping);
    }

    private async Task HandleAsync(IDictionary<string, object> request, IReplyChannel reply, CancellationToken stopping)
    {
        var op = Text(request, "op");
        try
        {
            switch (op)
            {
                case "describe": await Describe(request, reply).ConfigureAwait(false); break;
                case "clone": await Clone(request, reply).ConfigureAwait(false); break;
                case "close": await Close(request, reply).ConfigureAwait(false); break;
                case "ls-sessions": await Reply(request, reply, new() { ["sessions"] = _sessions.Keys.Order(StringComparer.Ordinal).ToList(), ["status"] = Status("done") }).ConfigureAwait(false); break;
                case "eval": await EvalAsync(request, reply, stopping).ConfigureAwait(false); break;
                case "load-file": await LoadFileAsync(request, reply, stopping).ConfigureAwait(false); break;
                case "interrupt": await Interrupt(request, reply).ConfigureAwait(false); break;
                case "stdin": await Stdin(request, reply).ConfigureAwait(false); break;
                case "completions" or "complete": await Completions(request, reply).ConfigureAwait(false); break;
                case "lookup" or "info" or "eldoc": await Lookup(op, request, reply).ConfigureAwait(false); break;
                case null:
                    await Reply(request, reply, new() { ["status"] = Status("error", "no-op", "done"), ["err"] = "the message has no op\n" }).ConfigureAwait(false);
                    break;
                default:
                    await Reply(request, reply, new() { ["op"] = op, ["status"] = Status("error", "unknown-op", "done") }).ConfigureAwait(false);
                    break;
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A bug of this server must cost the request, never the daemon.
            OpFailed(logger, op ?? "?", e);
            await Reply(request, reply, new() { ["status"] = Status("error", "done"), ["err"] = $"internal error in {op}: {e.Message}\n" }).ConfigureAwait(false);
        }
    }

    private Task Describe(IDictionary<string, object> request, IReplyChannel reply)
    {
        var ns = SessionOf(request)?.State.Namespace ?? ReplSession.DefaultNamespace;
        return Reply(request, reply, new()
        {
            ["ops"] = OpNames.ToDictionary(o => o, _ => (object)new Dictionary<string, object>(), StringComparer.Ordinal),
            ["versions"] = new Dictionary<string, object>
            {
                ["nrepl"] = NreplVersion,
                ["clojure"] = new Dictionary<string, object> { ["major"] = 1, ["minor"] = 11, ["incremental"] = 1, ["version-string"] = "1.11.1" },
                ["datom"] = new Dictionary<string, object> { ["version-string"] = DatomVersion },
            },
            ["aux"] = new Dictionary<string, object> { ["current-ns"] = ns },
            ["status"] = Status("done"),
        });
    }

    private Task Clone(IDictionary<string, object> request, IReplyChannel reply)
    {
        if (_sessions.Count >= MaxSessions)
            return Reply(request, reply, new() { ["status"] = Status("error", "too-many-sessions", "done"), ["err"] = $"{MaxSessions} sessions are open: close some\n" });
        var from = Text(request, "session") is { } id && _sessions.TryGetValue(id, out var parent) ? parent.State.Clone() : new ReplSession();
        var session = new Session(from);
        _sessions[session.Id] = session;
        return Reply(request, reply, new() { ["new-session"] = session.Id, ["status"] = Status("done") });
    }

    private Task Close(IDictionary<string, object> request, IReplyChannel reply)
    {
        if (Text(request, "session") is not { } id || !_sessions.TryRemove(id, out var session))
            return Reply(request, reply, new() { ["status"] = Status("error", "unknown-session", "done") });
        session.Running?.Cancel.Cancel();
        return Reply(request, reply, new() { ["status"] = Status("done", "session-closed") });
    }

    private Task Interrupt(IDictionary<string, object> request, IReplyChannel reply)
    {
        if (SessionOf(request) is not { } session)
            return Reply(request, reply, new() { ["status"] = Status("error", "unknown-session", "done") });
        if (session.Running is not { } running)
            return Reply(request, reply, new() { ["status"] = Status("done", "session-idle") });
        if (Text(request, "interrupt-id") is { } wanted && wanted != running.Id)
            return Reply(request, reply, new() { ["status"] = Status("error", "interrupt-id-mismatch", "done") });
        running.Cancel.Cancel();
        return Reply(request, reply, new() { ["status"] = Status("done") });
    }

    private Task Stdin(IDictionary<string, object> request, IReplyChannel reply)
    {
        // Yin programs read no input (they reach nothing but their effects), so what a client types
        // for them is kept and acknowledged, never waited for.
        if (SessionOf(request) is { } session && Text(request, "stdin") is { } text)
        {
            lock (session.Stdin)
            {
                if (session.Stdin.Length + text.Length <= Bencode.MaxMessageBytes)
                    session.Stdin.Append(text);
            }
        }
        return Reply(request, reply, new() { ["status"] = Status("done") });
    }

    private async Task EvalAsync(IDictionary<string, object> request, IReplyChannel reply, CancellationToken stopping)
    {
        if (Text(request, "code") is not { } code)
        {
            await Reply(request, reply, new() { ["status"] = Status("error", "no-code", "done"), ["err"] = "eval needs code\n" }).ConfigureAwait(false);
            return;
        }
        await RunInSessionAsync(request, reply, async (session, output, cancellation) =>
        {
            var line = Number(request, "line") ?? 1;
            var column = Number(request, "column") ?? 1;
            var file = Text(request, "file") ?? "<repl>";
            var split = ReplForms.Split(code);
            foreach (var form in split.Forms)
            {
                // The editor's line and column for the code's start; a form's own position counts from there.
                var at = new SourceForm(form.Text, form.Line + (int)line - 1, form.Line == 1 ? form.Column + (int)column - 1 : form.Column);
                var outcome = await evaluator.EvalAsync(session.State, at, file, new RunOptions { Limits = limits, Output = output, Cancellation = cancellation }, cancellation).ConfigureAwait(false);
                await output.FlushAsync(cancellation).ConfigureAwait(false);
                if (outcome is null)
                    continue;
                if (!await ReportAsync(request, reply, outcome, cancellation).ConfigureAwait(false))
                    return;
            }
            if (!split.Complete)
            {
                var error = ReplEvaluator.Failure(session.State, new CodeException(file, (int)line, 0, "syntax error: EOF while reading: a form is not closed"));
                await ReportAsync(request, reply, error, cancellation).ConfigureAwait(false);
            }
        }, stopping).ConfigureAwait(false);
    }

    private async Task LoadFileAsync(IDictionary<string, object> request, IReplyChannel reply, CancellationToken stopping)
    {
        if (Text(request, "file") is not { } text)
        {
            await Reply(request, reply, new() { ["status"] = Status("error", "no-file", "done"), ["err"] = "load-file needs the file's contents (file)\n" }).ConfigureAwait(false);
            return;
        }
        var name = Text(request, "file-name") ?? Path.GetFileName(Text(request, "file-path") ?? "");
        if (name.Length == 0)
            name = "<repl>";
        await RunInSessionAsync(request, reply, async (session, output, cancellation) =>
        {
            ReplOutcome outcome;
            try
            {
                var result = await evaluator.LoadFileAsync(session.State, text, name, cancellation).ConfigureAwait(false);
                await output.WriteLineAsync(result.Transacted
                    ? string.Create(CultureInfo.InvariantCulture, $"{result.Namespace}: {result.Asserted} datoms asserted, {result.Retracted} retracted (entry {result.Entry!.Seq}); changed: {string.Join(" ", result.Changed)}")
                    : $"{result.Namespace}: unchanged; nothing transacted").ConfigureAwait(false);
                outcome = new ReplOutcome("nil", null, session.State.Namespace);
            }
            catch (CodeException e)
            {
                outcome = ReplEvaluator.Failure(session.State, e);
            }
            await output.FlushAsync(cancellation).ConfigureAwait(false);
            await ReportAsync(request, reply, outcome, cancellation).ConfigureAwait(false);
        }, stopping).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs an eval or a load in its session (a fresh one when the request names none, as nREPL
    /// does), one at a time per session, on the thread pool; then sends <c>done</c>, or
    /// <c>interrupted</c> and <c>done</c> when an <c>interrupt</c> stopped it.
    /// </summary>
    private async Task RunInSessionAsync(IDictionary<string, object> request, IReplyChannel reply,
        Func<Session, OutWriter, CancellationToken, Task> work, CancellationToken stopping)
    {
        Session session;
        if (Text(request, "session") is { } id)
        {
            if (!_sessions.TryGetValue(id, out var found))
            {
                await Reply(request, reply, new() { ["status"] = Status("error", "unknown-session", "done") }).ConfigureAwait(false);
                return;
            }
            session = found;
        }
        else
        {
            session = new Session(new ReplSession());
        }
        if (Text(request, "ns") is { Length: > 0 } ns)
            session.State.Namespace = ns;
        await session.Gate.WaitAsync(stopping).ConfigureAwait(false);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        var interrupted = false;
        try
        {
            session.Running = (Text(request, "id") ?? "", cancel);
            var output = new OutWriter(request, reply);
            try
            {
                await Task.Run(() => work(session, output, cancel.Token), CancellationToken.None).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested)
            {
                // An interrupt during a transaction: the definition was not stored.
            }
            interrupted = cancel.IsCancellationRequested && !stopping.IsCancellationRequested;
        }
        finally
        {
            session.Running = null;
            session.Gate.Release();
        }
        if (interrupted)
            await Reply(request, reply, new() { ["status"] = Status("interrupted") }).ConfigureAwait(false);
        await Reply(request, reply, new() { ["status"] = Status("done"), ["ns"] = session.State.Namespace }).ConfigureAwait(false);
    }

    /// <summary>Sends a form's value, or its error; false after an error (the rest of the code is not evaluated).</summary>
    private static async Task<bool> ReportAsync(IDictionary<string, object> request, IReplyChannel reply, ReplOutcome outcome, CancellationToken cancellation)
    {
        if (outcome.Error is null)
        {
            await Reply(request, reply, new() { ["value"] = outcome.Value!, ["ns"] = outcome.Namespace }).ConfigureAwait(false);
            return true;
        }
        if (cancellation.IsCancellationRequested)
            return false; // interrupted: the status says so
        var error = outcome.Error;
        await Reply(request, reply, new() { ["err"] = error.Text + "\n" }).ConfigureAwait(false);
        await Reply(request, reply, new() { ["ex"] = "class " + error.Class, ["root-ex"] = "class " + error.Class, ["status"] = Status("eval-error") }).ConfigureAwait(false);
        return false;
    }

    private Task Completions(IDictionary<string, object> request, IReplyChannel reply)
    {
        var prefix = Text(request, "prefix") ?? Text(request, "symbol") ?? "";
        var ns = NamespaceOf(request);
        var candidates = ReplInfo.Complete(evaluator.Database.Current(), ns, prefix)
            .Take(1000)
            .Select(c => (object)new Dictionary<string, object> { ["candidate"] = c.Candidate, ["ns"] = c.Namespace, ["type"] = c.Type })
            .ToList();
        return Reply(request, reply, new() { ["completions"] = candidates, ["status"] = Status("done") });
    }

    private Task Lookup(string op, IDictionary<string, object> request, IReplyChannel reply)
    {
        var symbol = Text(request, "sym") ?? Text(request, "symbol") ?? "";
        var info = symbol.Length == 0 ? null : ReplInfo.Lookup(evaluator.Database.Current(), NamespaceOf(request), symbol);
        if (info is null)
            return Reply(request, reply, new() { ["status"] = Status("done", op == "eldoc" ? "no-eldoc" : op == "info" ? "no-info" : "lookup-error") });
        var fields = new Dictionary<string, object>
        {
            ["ns"] = info.Namespace,
            ["name"] = info.Name,
            ["arglists-str"] = "(" + string.Join(" ", info.Arglists) + ")",
        };
        if (info.Doc is not null)
            fields["doc"] = info.Doc;
        if (info.File is not null)
            fields["file"] = info.File;
        if (info.Line > 0)
            fields["line"] = info.Line;
        switch (op)
        {
            case "lookup":
                return Reply(request, reply, new() { ["info"] = fields, ["status"] = Status("done") });
            case "info":
                fields["status"] = Status("done");
                return Reply(request, reply, fields);
            default:
                return Reply(request, reply, new()
                {
                    ["ns"] = info.Namespace,
                    ["name"] = info.Name,
                    ["type"] = info.Type,
                    ["eldoc"] = info.Arglists.Select(a => (object)a.Trim('[', ']').Split(' ', StringSplitOptions.RemoveEmptyEntries).Cast<object>().ToList()).ToList(),
                    ["docstring"] = info.Doc ?? "",
                    ["status"] = Status("done"),
                });
        }
    }

    public void Dispose()
    {
        foreach (var s in _sessions.Values)
            s.Running?.Cancel.Cancel();
        evaluator.Dispose();
    }

    private string NamespaceOf(IDictionary<string, object> request) =>
        Text(request, "ns") is { Length: > 0 } ns ? ns : SessionOf(request)?.State.Namespace ?? ReplSession.DefaultNamespace;

    private Session? SessionOf(IDictionary<string, object> request) =>
        Text(request, "session") is { } id && _sessions.TryGetValue(id, out var s) ? s : null;

    private static string? Text(IDictionary<string, object> request, string key) => request.TryGetValue(key, out var v) ? v as string : null;

    private static long? Number(IDictionary<string, object> request, string key)
    {
        if (!request.TryGetValue(key, out var v))
            return null;
        if (v is long n && n is > 0 and < int.MaxValue)
            return n;
        if (v is string s && int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) && parsed > 0)
            return parsed;
        return null;
    }

    private static List<object> Status(params string[] flags) => [.. flags];

    /// <summary>A reply to <paramref name="request"/>: its id and session, then the fields.</summary>
    private static Task Reply(IDictionary<string, object> request, IReplyChannel reply, Dictionary<string, object> fields)
    {
        if (request.TryGetValue("id", out var id))
            fields["id"] = id;
        if (request.TryGetValue("session", out var session))
            fields["session"] = session;
        return reply.SendAsync(fields).AsTask();
    }

    private static void Send(IReplyChannel reply, Dictionary<string, object> fields) => _ = reply.SendAsync(fields).AsTask();

    /// <summary>What a form prints, sent as <c>out</c> messages: a line at a time, and whatever is left when the form ends.</summary>
    private sealed class OutWriter(IDictionary<string, object> request, IReplyChannel reply) : TextWriter
    {
        /// <summary>Most characters held before they are sent, newline or not.</summary>
        private const int Chunk = 8192;

        private readonly StringBuilder _pending = new();

        public override Encoding Encoding => Encoding.UTF8;

        public override void Write(char value)
        {
            _pending.Append(value);
            if (value == '\n' || _pending.Length >= Chunk)
                Flush();
        }

        public override void Write(string? value)
        {
            if (value is null)
                return;
            _pending.Append(value);
            if (value.Contains('\n', StringComparison.Ordinal) || _pending.Length >= Chunk)
                Flush();
        }

        public override void Flush()
        {
            if (_pending.Length == 0)
                return;
            var text = _pending.ToString();
            _pending.Clear();
            // The VM prints from its own thread: wait for room in the connection's queue (backpressure).
            Reply(request, reply, new() { ["out"] = text }).GetAwaiter().GetResult();
        }

        public override Task FlushAsync(CancellationToken cancellationToken)
        {
            Flush();
            return Task.CompletedTask;
        }
    }

    [LoggerMessage(EventId = 5104, Level = LogLevel.Error, Message = "nREPL: op {Op} failed")]
    private static partial void OpFailed(ILogger logger, string op, Exception exception);
}

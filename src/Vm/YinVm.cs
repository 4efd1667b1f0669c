using System.Runtime.ExceptionServices;
using Datom.Index;
using Datom.Index.Query;
using Datom.Log.Model;
using Datom.Vm.Ast;
using Datom.Vm.Continuations;
using Datom.Vm.Effects;
using Datom.Vm.Loading;
using Datom.Vm.Machine;
using Datom.Vm.Reading;

namespace Datom.Vm;

/// <summary>How a run ended.</summary>
public enum RunStatus
{
    /// <summary>The function returned; <see cref="RunResult.Value"/> is its value.</summary>
    Finished,

    /// <summary>The program called <c>(suspend)</c>; <see cref="RunResult.Continuation"/> resumes it.</summary>
    Suspended,

    /// <summary>The host asked for a pause (<see cref="RunOptions.PauseAfterSteps"/>); <see cref="RunResult.Continuation"/> resumes it.</summary>
    Paused,

    /// <summary>The program failed; <see cref="RunResult.Error"/> says what, where, and with which Yin stack.</summary>
    Failed,
}

/// <summary>Options of one run.</summary>
public sealed class RunOptions
{
    public RunLimits Limits { get; init; } = RunLimits.Default;

    /// <summary>Where <c>print</c> writes (default: standard output).</summary>
    public TextWriter? Output { get; init; }

    public CancellationToken Cancellation { get; init; }

    /// <summary>Pause at the first checkpoint after this many steps, and capture the continuation.</summary>
    public long? PauseAfterSteps { get; init; }

    /// <summary>
    /// Run on the calling thread instead of a thread of the run's own (with its deep stack), so that
    /// the caller's thread CPU time is the run's: for <c>datom bench vm</c>, whose programs need no
    /// deep host stack.
    /// </summary>
    public bool OnCallerThread { get; init; }
}

/// <summary>What a run produced.</summary>
public sealed class RunResult
{
    internal RunResult(RunStatus status, Val value, YinError? error, Continuation? continuation, long steps, TimeSpan elapsed)
    {
        Status = status;
        RawValue = value;
        Error = error;
        Continuation = continuation;
        Steps = steps;
        Elapsed = elapsed;
    }

    public RunStatus Status { get; }

    /// <summary>The value, as readable EDN (for a finished run), or the suspended value (for a suspended one).</summary>
    public string Value
    {
        get
        {
            try
            {
                return ValPrinter.Edn(RawValue);
            }
            catch (YinException e)
            {
                return "#yin/unprintable " + Log.Edn.EdnWriter.Write(e.Message);
            }
        }
    }

    public YinError? Error { get; }

    public Continuation? Continuation { get; }

    public long Steps { get; }

    public TimeSpan Elapsed { get; }

    internal Val RawValue { get; }

    public override string ToString() => Status == RunStatus.Failed ? Error!.Describe() : Value;
}

/// <summary>
/// Yin.VM over one DaoDB: runs functions stored as AST datoms, sees edits (local or from peers) as
/// they are indexed, and stores and resumes continuations. Thread-safe: runs on several threads
/// share the prepared code.
/// </summary>
public sealed partial class YinVm : IDisposable
{
    private readonly CodeBase _code;
    private readonly DaoDb? _db;

    private YinVm(CodeBase code, DaoDb? db)
    {
        _code = code;
        _db = db;
        _code.Invalidated += cell => Invalidated?.Invoke(cell.Name);
    }

    /// <summary>Runs the <c>query</c> effect: DaoDB's Datalog engine unless replaced.</summary>
    public IQueryEngine? QueryEngine { get; set; } = DatalogQueryEngine.Instance;

    /// <summary>The most any one <c>query</c> effect may spend (the node's query limits); a run's query also spends no more than the run has left.</summary>
    public QueryLimits QueryLimits { get; set; } = QueryLimits.Default;

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Raised with a function's name when an edit invalidates its prepared code.</summary>
    public event Action<string>? Invalidated;

    /// <summary>How many times code was prepared (cache misses).</summary>
    public long Preparations => _code.Preparations;

    internal CodeBase Code => _code;

    /// <summary>A VM over DaoDB; makes sure the AST schema is there.</summary>
    public static async Task<YinVm> OpenAsync(DaoDb db, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        await AstSchema.EnsureAsync(db, cancellationToken).ConfigureAwait(false);
        return new YinVm(new DaoDbCodeBase(db), db);
    }

    /// <summary>A VM over source analyzed straight into memory, with no database: the benchmark's baseline.</summary>
    /// <exception cref="CodeException">The source is not valid Yin.</exception>
    public static YinVm FromSource(string text, string sourceName)
    {
        var unit = Analyzer.Analyze(SourceReader.Read(text, sourceName), sourceName, EmptyCatalog.Instance, text: text);
        return new YinVm(new ViewCodeBase(new MemoryDatomView(unit.Nodes)), null);
    }

    /// <summary>Calls <paramref name="function"/> (<c>ns/name</c>) with EDN arguments.</summary>
    public RunResult Run(string function, IReadOnlyList<object?> args, RunOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(function);
        ArgumentNullException.ThrowIfNull(args);
        options ??= new RunOptions();
        var machine = NewMachine(options);
        Prepared entry;
        Val[] values;
        try
        {
            var cell = _code.Find(function) ?? throw YinException.Of(Kinds.UnknownFunction, $"unknown function {function}");
            entry = cell.Current ?? _code.Prepare(cell);
            machine.Initialize(Inits(function));
            values = [.. args.Select(ValConvert.FromEdn)];
        }
        catch (YinException e)
        {
            return new RunResult(RunStatus.Failed, Val.Nil, e.Error, null, 0, TimeSpan.Zero);
        }
        machine.Start(entry, values);
        return Finish(machine, function, options.OnCallerThread);
    }

    /// <summary>
    /// The top-level expressions a run of <paramref name="function"/> starts with: those of the
    /// namespaces its namespace requires (<c>:ns/require</c>, transitively, each once, a required one
    /// before the one requiring it, as Clojure loads them), then its own, each namespace's in source order.
    /// </summary>
    private List<FunctionCell> Inits(string function)
    {
        var slash = function.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0)
            return [];
        var view = _code.Snapshot();
        var reader = new AstReader(view);
        var byNamespace = view.Match(null, AstSchema.DefInit, Log.Model.Value.Boolean(true))
            .Select(d => reader.Node(d.E))
            .Where(n => n is not null && n.Is(AstSchema.Types.Def) && n.Str(AstSchema.Namespace) is not null)
            .GroupBy(n => n!.Str(AstSchema.Namespace)!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.OrderBy(n => n!.Index).ToList(), StringComparer.Ordinal);
        var cells = new List<FunctionCell>();
        if (byNamespace.Count == 0)
            return cells;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        void Visit(string ns)
        {
            if (!seen.Add(ns))
                return;
            if (reader.Lookup(AstKeys.Namespace(ns)) is { } nsNode)
            {
                foreach (var required in nsNode.Many(AstSchema.NsRequire))
                    Visit(required.AsString);
            }
            if (byNamespace.TryGetValue(ns, out var inits))
                cells.AddRange(inits.Select(n => _code.Cell(n!.Id)));
        }
        Visit(function[..slash]);
        return cells;
    }

    /// <summary>Carries on from a continuation; a suspended one gets <paramref name="value"/> (EDN) as the value of its <c>(suspend)</c>.</summary>
    public RunResult Resume(Continuation continuation, object? value = null, RunOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        options ??= new RunOptions();
        var machine = NewMachine(options);
        try
        {
            machine.Restore(continuation, ValConvert.FromEdn(value));
        }
        catch (YinException e)
        {
            return new RunResult(RunStatus.Failed, Val.Nil, e.Error, null, 0, TimeSpan.Zero);
        }
        return Finish(machine, continuation.Entry, options.OnCallerThread);
    }

    /// <summary>Stores a continuation as datoms; returns its entity.</summary>
    /// <exception cref="InvalidOperationException">The continuation holds a value that cannot be stored.</exception>
    public async Task<EntityId> SaveAsync(Continuation continuation, CancellationToken cancellationToken = default)
    {
        var db = _db ?? throw new InvalidOperationException("this VM has no database to store continuations in");
        try
        {
            return await ContinuationStore.SaveAsync(db, continuation, cancellationToken).ConfigureAwait(false);
        }
        catch (YinException e)
        {
            throw new InvalidOperationException(e.Message, e);
        }
    }

    /// <summary>Reads a stored continuation, with the code each frame was running.</summary>
    /// <exception cref="InvalidOperationException">It cannot be loaded; the message says why.</exception>
    public Continuation LoadContinuation(EntityId id)
    {
        var db = _db ?? throw new InvalidOperationException("this VM has no database to load continuations from");
        try
        {
            return ContinuationStore.Load(db.Current(), id, _code, at => db.AsOf(at));
        }
        catch (YinException e)
        {
            throw new InvalidOperationException(e.Message, e);
        }
    }

    private YinMachine NewMachine(RunOptions options)
    {
        IEffectHost effects = _db is null ? NoDatabaseEffects.Instance : new DatabaseEffects(_db, QueryEngine, QueryLimits);
        return new YinMachine(options.Limits, options.Output ?? Console.Out, effects, Time, options.Cancellation, options.PauseAfterSteps);
    }

    /// <summary>
    /// The stack of a run's own thread. Yin's calls live on the machine's stack, but realising a
    /// lazy seq whose items come from another lazy seq (a map over a map ..., as
    /// <c>(nth (iterate #(map inc %) xs) 1000)</c> makes) nests host frames, as it does on the JVM;
    /// this much stack takes <see cref="YinMachine.MaxNestedInvokes"/> of them with room to spare
    /// (about 2 KB each). It is reserved, not committed: a run uses what it touches.
    /// </summary>
    private const int RunStackBytes = 16 * 1024 * 1024;

    private static RunResult Finish(YinMachine machine, string entry, bool onCallerThread)
    {
        var outcome = onCallerThread ? machine.Run() : RunOnOwnThread(machine, entry);
        return outcome switch
        {
            Outcome.Finished => new RunResult(RunStatus.Finished, machine.Result, null, null, machine.Steps, machine.Elapsed),
            Outcome.Suspended => new RunResult(RunStatus.Suspended, machine.SuspendedWith, null, machine.Capture(entry, expectsValue: true), machine.Steps, machine.Elapsed),
            Outcome.Paused => new RunResult(RunStatus.Paused, Val.Nil, null, machine.Capture(entry, expectsValue: false), machine.Steps, machine.Elapsed),
            _ => new RunResult(RunStatus.Failed, Val.Nil, machine.Error, null, machine.Steps, machine.Elapsed),
        };
    }

    /// <summary>Runs on a thread of its own, so that the stack a run may take does not depend on its caller's.</summary>
    private static Outcome RunOnOwnThread(YinMachine machine, string entry)
    {
        var outcome = Outcome.Failed;
        ExceptionDispatchInfo? crash = null;
        var thread = new Thread(() =>
        {
            try
            {
                outcome = machine.Run();
            }
#pragma warning disable CA1031 // a host bug is rethrown on the caller's thread, not lost with this one
            catch (Exception e)
#pragma warning restore CA1031
            {
                crash = ExceptionDispatchInfo.Capture(e);
            }
        }, RunStackBytes)
        { Name = "yin run " + entry, IsBackground = true };
        thread.Start();
        thread.Join();
        crash?.Throw();
        return outcome;
    }

    public void Dispose() => _code.Dispose();
}

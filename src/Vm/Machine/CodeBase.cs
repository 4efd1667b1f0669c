using Datom.Index;
using Datom.Index.Query;
using Datom.Log.Model;
using Datom.Vm.Ast;
using ValueType = Datom.Log.Model.ValueType;

namespace Datom.Vm.Machine;

/// <summary>
/// Where the machine's code comes from, and its cache: one <see cref="FunctionCell"/> per function
/// entity, holding the code prepared from the function's AST as a consistent snapshot shows it.
/// AST datoms belong to the database and are shared; what is prepared from them belongs to the VM.
/// </summary>
internal abstract class CodeBase : IDisposable
{
    private readonly Dictionary<EntityId, FunctionCell> _cells = [];
    private readonly Lock _gate = new();
    private long _preparations;

    /// <summary>A consistent view to read code from.</summary>
    public abstract IDatomView Snapshot();

    /// <summary>Raised (on the thread that noticed) when a function's prepared code is dropped because its datoms changed.</summary>
    public event Action<FunctionCell>? Invalidated;

    /// <summary>How many times code was prepared: a cache miss each.</summary>
    public long Preparations => Interlocked.Read(ref _preparations);

    public IReadOnlyList<FunctionCell> Cells
    {
        get
        {
            lock (_gate)
                return [.. _cells.Values];
        }
    }

    /// <summary>The cell of a function entity, made (and watched) on first use.</summary>
    public FunctionCell Cell(EntityId function)
    {
        lock (_gate)
        {
            if (_cells.TryGetValue(function, out var cell))
                return cell;
            var key = Snapshot().Match(function, AstSchema.Key, null).Select(d => d.V.AsString).FirstOrDefault() ?? function.ToString();
            cell = new FunctionCell(this, key, function, PreludeName(key));
            // Watch before anything is read for it, so that no change after the read can be missed.
            Watch(cell);
            _cells[function] = cell;
            return cell;
        }
    }

    protected virtual string? PreludeName(string key) => null;

    /// <summary>The cell of the function named <c>ns/name</c>, or null if no such function is defined.</summary>
    public FunctionCell? Find(string key)
    {
        var node = new AstReader(Snapshot()).Lookup(key);
        return node is not null && (node.Is(AstSchema.Types.Function) || node.Is(AstSchema.Types.Def)) ? Cell(node.Id) : null;
    }

    /// <summary>The code a call to this cell runs now: cached, or prepared from the current snapshot.</summary>
    /// <exception cref="YinException">The function is not (or no longer) defined, or its AST cannot be prepared.</exception>
    public Prepared Prepare(FunctionCell cell)
    {
        ArgumentNullException.ThrowIfNull(cell);
        if (cell.Current is { } current)
            return current;
        var version = cell.Version;
        var prepared = PrepareAt(cell, Snapshot());
        cell.Publish(prepared, version);
        return prepared;
    }

    /// <summary>Prepares a function as <paramref name="view"/> shows it, without caching (a continuation's older code).</summary>
    public Prepared PrepareAt(FunctionCell cell, IDatomView view)
    {
        ArgumentNullException.ThrowIfNull(cell);
        var reader = new AstReader(view);
        var node = reader.Node(cell.Entity!.Value);
        if (node is null || !(node.Is(AstSchema.Types.Function) || node.Is(AstSchema.Types.Def)))
            throw YinException.Of(Kinds.UnknownFunction, $"unknown function {cell.Name}: it is not defined{(node is null ? "" : " any more")}");
        var prepared = Compiler.CompileFunction(reader, node, cell, this);
        Interlocked.Increment(ref _preparations);
        return prepared;
    }

    protected virtual void Watch(FunctionCell cell)
    {
    }

    protected void OnInvalidated(FunctionCell cell)
    {
        ArgumentNullException.ThrowIfNull(cell);
        cell.Invalidate();
        Invalidated?.Invoke(cell);
    }

    public void Dispose()
    {
        foreach (var cell in Cells)
        {
            cell.Subscription?.Dispose();
            cell.Subscription = null;
        }
        GC.SuppressFinalize(this);
    }
}

/// <summary>Code read from a fixed view: the prelude, and the in-memory baseline of the benchmark.</summary>
internal sealed class ViewCodeBase(IDatomView view, bool prelude = false) : CodeBase
{
    public override IDatomView Snapshot() => view;

    protected override string? PreludeName(string key) => prelude ? key[(key.IndexOf('/', StringComparison.Ordinal) + 1)..] : null;
}

/// <summary>
/// Code read from DaoDB's current snapshot, with one subscription per function: its query is the
/// function's AST datoms (and those of the records it constructs), so DaoDB reports a change
/// exactly when an entry, local or from a peer, changes what that function's code would be, and
/// only that function's cell is invalidated.
/// </summary>
internal sealed class DaoDbCodeBase(DaoDb db) : CodeBase
{
    public DaoDb Database => db;

    public override IDatomView Snapshot() => db.Current();

    protected override void Watch(FunctionCell cell)
    {
        var e = cell.Entity!.Value;
        cell.Subscription = db.Subscriptions.Subscribe(view => CodeRows(view, e), AstSchema.CodeAttributeNames, _ => OnInvalidated(cell));
    }

    /// <summary>The datoms a function's prepared code depends on, as result tuples.</summary>
    internal static IEnumerable<IReadOnlyList<object?>> CodeRows(IDatomView view, EntityId function)
    {
        var reader = new AstReader(view);
        if (reader.Node(function) is not { } root)
            return [];
        var rows = new List<IReadOnlyList<object?>>();
        var records = new HashSet<EntityId>();
        foreach (var n in reader.Subtree(root))
        {
            foreach (var (a, values) in n.Attributes)
            {
                foreach (var v in values)
                    rows.Add([n.Id, a, v]);
            }
            if (n.Ref(AstSchema.NewType) is { } record)
                records.Add(record);
        }
        foreach (var r in records)
        {
            if (reader.Node(r) is not { } type)
                continue;
            foreach (var n in reader.Subtree(type))
            {
                foreach (var (a, values) in n.Attributes)
                {
                    foreach (var v in values.Where(v => v.Type != ValueType.Instant))
                        rows.Add([n.Id, a, v]);
                }
            }
        }
        return rows;
    }
}

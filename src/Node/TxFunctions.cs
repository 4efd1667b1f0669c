using Datom.Index;
using Datom.Index.Query;
using Datom.Index.Transactions;
using Datom.Log.Edn;
using Datom.Vm;

namespace Datom.Node;

/// <summary>
/// Transaction functions as Yin functions stored as datoms: <c>[:my.ns/fn args…]</c> in tx-data
/// calls <c>(defn ^:tx-fn fn [args…] …)</c> of namespace <c>my.ns</c> on this node, under the VM's
/// default limits (fuel, memory, depth, deadline). It gets the arguments as written; it reads the
/// database through the <c>query</c> effect, which sees the database the transaction is prepared
/// against (transactions are serial); it returns tx-data, which joins the same transaction and log
/// entry. The entry holds the resulting datoms, so peers never run the function.
/// </summary>
internal sealed class TxFunctions(DaoDb db) : ITxFunctions, IDisposable
{
    private const string MarkedQuery = "[:find ?f . :in $ ?ns ?name :where [?f :ast/namespace ?ns] [?f :fn/name ?name] [?f :fn/tx-fn true]]";

    /// <summary>The AST attribute that ^:tx-fn sets (the VM's schema names it; DESIGN.md's code-as-datoms table style).</summary>
    private static readonly Keyword TxFnAttribute = Keyword.Intern("fn", "tx-fn");

    private readonly SemaphoreSlim _gate = new(1, 1);
    private YinVm? _vm;

    public async Task PrepareAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _vm) is not null)
            return;
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Opening the VM adds the AST schema when it is missing: a transaction of its own, so
            // this runs before the caller's transaction takes DaoDB's writer gate.
            _vm ??= await YinVm.OpenAsync(db, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    public object? Invoke(Keyword fn, IReadOnlyList<object?> args, IDatomView view, CancellationToken cancellationToken)
    {
        var vm = Volatile.Read(ref _vm) ?? throw new InvalidOperationException("PrepareAsync first");
        if (fn.Namespace is not { } ns || view.Attribute(TxFnAttribute) is null
            || Datalog.Query(MarkedQuery, view, ns, fn.Name).Scalar is null)
        {
            throw new TxDataException($"{fn} is not a transaction function: no function {fn.Namespace}/{fn.Name} marked ^:tx-fn is loaded on this node");
        }
        var result = vm.Run($"{ns}/{fn.Name}", args, new RunOptions { Cancellation = cancellationToken });
        if (result.Status != RunStatus.Finished)
        {
            var why = result.Status == RunStatus.Failed ? result.Error!.Describe() : $"it {result.Status.ToString().ToLowerInvariant()} instead of returning";
            throw new TxDataException($"transaction function {fn} failed: {why}");
        }
        try
        {
            return EdnReader.ReadOne(result.Value, TxDataParser.ReaderOptions(fn.ToString()));
        }
        catch (EdnException e)
        {
            throw new TxDataException($"transaction function {fn} returned a value that is not tx-data: {e.Message}");
        }
    }

    public void Dispose()
    {
        _vm?.Dispose();
        _gate.Dispose();
    }
}

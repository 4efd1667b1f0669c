using Datom.Index;
using Datom.Index.Query;
using Datom.Log.Edn;
using Datom.Vm.Machine;

namespace Datom.Vm.Effects;

/// <summary>
/// Runs a Datalog query for the <c>query</c> effect. The Datalog engine lives in DaoDB; this seam
/// keeps the VM from depending on its API until it is wired in (see <see cref="YinVm.QueryEngine"/>).
/// </summary>
public interface IQueryEngine
{
    /// <summary>
    /// Runs <paramref name="query"/> (an EDN form) against <paramref name="db"/> within
    /// <paramref name="budget"/>, which the engine must spend as it works (not charge afterwards);
    /// the result is EDN data (vectors, sets, scalars).
    /// </summary>
    object? Query(IDatomView db, object? query, IReadOnlyList<object?> inputs, QueryBudget budget);
}

/// <summary>The effects of a run against one DaoDB: queries read the current snapshot, transactions are durable when they return.</summary>
internal sealed class DatabaseEffects(DaoDb db, IQueryEngine? engine, QueryLimits limits) : IEffectHost
{
    public QueryLimits QueryLimits => limits;

    public object? Query(object? query, IReadOnlyList<object?> inputs, QueryBudget budget)
    {
        if (engine is null)
            throw YinException.Of(Kinds.Effect, "query: no Datalog engine is configured for this VM");
        return engine.Query(db.Current(), query, inputs, budget);
    }

    public IDisposable Subscribe(object? query, IReadOnlyList<object?> inputs, Action<SubscriptionStart> onStart, Action<SubscriptionChange> onChange, Action<Exception> onEnded)
    {
        var parsed = DatalogQuery.FromEdn(query);
        // Each evaluation, at the start and after every entry that can matter, under the node's query limits.
        IEnumerable<IReadOnlyList<object?>> Evaluate(IDatomView view) => parsed.Run(new QueryBudget(limits), [view, .. inputs]).Rows;
        return db.Subscribe(Evaluate, QueryAttributes.Of(parsed), null, onStart, onChange, onEnded);
    }

    public Val Transact(object? txData, CancellationToken cancellationToken)
    {
        var result = db.TransactAsync(txData, cancellationToken).GetAwaiter().GetResult();
        var tempids = YMap.Empty.Items;
        foreach (var (name, id) in result.Tx.TempIds)
            tempids = tempids.SetItem(Val.String(name), Val.Entity(id));
        var summary = YMap.Empty.Items
            .SetItem(Val.Keyword(Keyword.Intern(null, "tx")), Val.Entity(result.Tx.Tx))
            .SetItem(Val.Keyword(Keyword.Intern(null, "datoms")), Val.Long(result.Tx.Datoms.Count))
            .SetItem(Val.Keyword(Keyword.Intern(null, "tempids")), Val.Object(new YMap(tempids)));
        return Val.Object(new YMap(summary));
    }
}

/// <summary>Effects for code run without a database (the in-memory benchmark): there is nothing to query or transact.</summary>
internal sealed class NoDatabaseEffects : IEffectHost
{
    public static readonly NoDatabaseEffects Instance = new();

    public QueryLimits QueryLimits => QueryLimits.Default;

    public object? Query(object? query, IReadOnlyList<object?> inputs, QueryBudget budget) =>
        throw YinException.Of(Kinds.Effect, "query: this run has no database");

    public Val Transact(object? txData, CancellationToken cancellationToken) =>
        throw YinException.Of(Kinds.Effect, "transact!: this run has no database");
}

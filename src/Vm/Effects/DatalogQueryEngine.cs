using Datom.Index.Query;
using Datom.Log.Edn;

namespace Datom.Vm.Effects;

/// <summary>The <c>query</c> effect on DaoDB's Datalog engine: the view is <c>$</c>, the program's arguments the other inputs.</summary>
public sealed class DatalogQueryEngine : IQueryEngine
{
    public static readonly DatalogQueryEngine Instance = new();

    public object? Query(IDatomView db, object? query, IReadOnlyList<object?> inputs, QueryBudget budget)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var result = DatalogQuery.FromEdn(query).Run(budget, [db, .. inputs]);
        return result.Kind switch
        {
            FindKind.Scalar => Data(result.Scalar),
            FindKind.Tuple => result.Tuple is { } t ? new EdnVector(t.Select(Data)) : null,
            FindKind.Collection => new EdnVector(result.Collection.Select(Data)),
            _ when result.Keys is not null => new EdnVector(result.Maps.Select(m => Data(m))),
            _ when result.IsBag => new EdnVector(result.Rows.Select(r => (object?)new EdnVector(r.Select(Data)))),
            _ => new EdnSet(result.Rows.Select(r => (object?)new EdnVector(r.Select(Data)))),
        };
    }

    /// <summary>A result cell as EDN data: pull maps as maps, lists as vectors.</summary>
    private static object? Data(object? value) => value switch
    {
        null or string or byte[] => value,
        IReadOnlyDictionary<object, object?> map => new EdnMap(map.Select(kv => new KeyValuePair<object?, object?>(kv.Key, Data(kv.Value)))),
        IEnumerable<object?> items => new EdnVector(items.Select(Data)),
        _ => value,
    };
}

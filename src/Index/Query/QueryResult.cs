using System.Text;

namespace Datom.Index.Query;

/// <summary>The shape of a :find spec.</summary>
public enum FindKind
{
    /// <summary><c>:find ?a ?b</c>: a set of tuples (a bag when the query has :with).</summary>
    Relation,

    /// <summary><c>:find [?a ...]</c>: the values of one variable.</summary>
    Collection,

    /// <summary><c>:find ?a .</c>: one value, or nothing.</summary>
    Scalar,

    /// <summary><c>:find [?a ?b]</c>: one tuple, or nothing.</summary>
    Tuple,
}

/// <summary>
/// A query's answer. Every shape keeps its rows in <see cref="Rows"/> (a scalar or tuple has at
/// most one; a collection's rows have one element); the shape-specific views read them. Values are
/// plain .NET values: <see cref="Datom.Log.Model.EntityId"/> for entities, <c>string</c>,
/// <c>long</c>, <c>double</c>, <c>bool</c>, <see cref="Datom.Log.Edn.Keyword"/>,
/// <see cref="Datom.Log.Edn.Symbol"/>, <see cref="DateTimeOffset"/> for instants,
/// <see cref="Guid"/>, <c>byte[]</c>; <see cref="PullMap"/> for pull; lists for
/// collection-valued aggregates and function results, a set for <c>distinct</c>. Rows are
/// distinct unless <see cref="IsBag"/>.
/// </summary>
public sealed class QueryResult
{
    // The rows as query cells, converted to .NET values when read (Rows[i] converts row i once).
    private readonly CellTable _cells;
    private object?[]?[]? _converted;

    internal QueryResult(FindKind kind, IReadOnlyList<string> columns, IReadOnlyList<object>? keys, CellTable cells, bool isBag)
    {
        Kind = kind;
        Columns = columns;
        Keys = keys;
        _cells = cells;
        Rows = new RowList(this);
        IsBag = isBag;
    }

    public FindKind Kind { get; }

    /// <summary>The :find elements as written (<c>?e</c>, <c>(count ?x)</c>, <c>(pull ?e [*])</c>).</summary>
    public IReadOnlyList<string> Columns { get; }

    /// <summary>The map keys named by :keys (keywords), :strs (strings) or :syms (symbols), or null.</summary>
    public IReadOnlyList<object>? Keys { get; }

    public IReadOnlyList<IReadOnlyList<object?>> Rows { get; }

    /// <summary>True when the query has :with and no aggregate: rows may repeat (Datomic's bag semantics).</summary>
    public bool IsBag { get; }

    public int Count => _cells.Count;

    /// <summary>The value of a scalar find (<c>?x .</c>), null when nothing matched.</summary>
    public object? Scalar => Kind == FindKind.Scalar
        ? (Rows.Count > 0 ? Rows[0][0] : null)
        : throw new InvalidOperationException($"the query's :find is a {Kind}, not a scalar");

    /// <summary>The values of a collection find (<c>[?x ...]</c>), or the first column of a relation.</summary>
    public IReadOnlyList<object?> Collection => Rows.Select(r => r[0]).ToList();

    /// <summary>The tuple of a tuple find (<c>[?a ?b]</c>), null when nothing matched.</summary>
    public IReadOnlyList<object?>? Tuple => Kind == FindKind.Tuple
        ? (Rows.Count > 0 ? Rows[0] : null)
        : throw new InvalidOperationException($"the query's :find is a {Kind}, not a tuple");

    /// <summary>The rows as maps keyed by <see cref="Keys"/> (a query with :keys, :strs or :syms).</summary>
    public IReadOnlyList<IReadOnlyDictionary<object, object?>> Maps
    {
        get
        {
            if (Keys is null)
                throw new InvalidOperationException("the query has no :keys, :strs or :syms");
            var maps = new List<IReadOnlyDictionary<object, object?>>(Rows.Count);
            foreach (var row in Rows)
            {
                var map = new PullMap();
                for (var i = 0; i < Keys.Count; i++)
                    map.Set(Keys[i], row[i]);
                maps.Add(map);
            }
            return maps;
        }
    }

    /// <summary>EDN: <c>#{[…] …}</c> for a relation (<c>[[…] …]</c> when a bag), a vector for a collection or tuple, the value for a scalar.</summary>
    public string ToEdn()
    {
        var sb = new StringBuilder();
        switch (Kind)
        {
            case FindKind.Scalar:
                ResultPrinter.Print(sb, Scalar);
                break;
            case FindKind.Tuple when Keys is not null:
                ResultPrinter.Print(sb, Maps.Count > 0 ? Maps[0] : null);
                break;
            case FindKind.Tuple:
                ResultPrinter.Print(sb, Tuple);
                break;
            case FindKind.Collection:
                ResultPrinter.Print(sb, Collection);
                break;
            default:
                sb.Append(IsBag || Keys is not null ? "[" : "#{");
                for (var i = 0; i < Rows.Count; i++)
                {
                    if (i > 0)
                        sb.Append(' ');
                    if (Keys is not null)
                        ResultPrinter.Print(sb, Maps[i]);
                    else
                        ResultPrinter.Print(sb, Rows[i]);
                }
                sb.Append(IsBag || Keys is not null ? "]" : "}");
                break;
        }
        return sb.ToString();
    }

    public override string ToString() => ToEdn();

    private object?[] Row(int i)
    {
        var converted = _converted ??= new object?[_cells.Count][];
        var row = converted[i];
        if (row is null)
        {
            row = new object?[_cells.Width];
            for (var c = 0; c < row.Length; c++)
                row[c] = Conversions.ToClr(_cells.Get(i, c));
            converted[i] = row;
        }
        return row;
    }

    private sealed class RowList(QueryResult result) : IReadOnlyList<IReadOnlyList<object?>>
    {
        public int Count => result._cells.Count;

        public IReadOnlyList<object?> this[int index] => (uint)index < (uint)Count ? result.Row(index) : throw new ArgumentOutOfRangeException(nameof(index));

        public IEnumerator<IReadOnlyList<object?>> GetEnumerator()
        {
            for (var i = 0; i < Count; i++)
                yield return result.Row(i);
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}

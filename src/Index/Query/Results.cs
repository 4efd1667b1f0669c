using Datom.Log.Edn;
using ValueType = Datom.Log.Model.ValueType;

namespace Datom.Index.Query;

/// <summary>
/// Turns the rows that satisfy :where into the :find result: projects them on the find and :with
/// variables as a set, then groups by the non-aggregate elements and aggregates each group over
/// the bag left when the :with variables are dropped (https://docs.datomic.com/query/query-data-reference.html#with),
/// then pulls.
/// </summary>
internal static class Results
{
    public static QueryResult Build(ParsedQuery q, List<QValue[]> rows, RunContext run)
    {
        // Projection columns: each element's variable, the pull pattern variables, then :with.
        var cols = new List<int>();
        int Col(int slot)
        {
            var i = cols.IndexOf(slot);
            if (i >= 0)
                return i;
            cols.Add(slot);
            return cols.Count - 1;
        }
        var elementCol = new int[q.Find.Count];
        var patternCol = new int[q.Find.Count];
        for (var i = 0; i < q.Find.Count; i++)
        {
            patternCol[i] = -1;
            switch (q.Find[i])
            {
                case FindElement.Var v:
                    elementCol[i] = Col(v.Slot);
                    break;
                case FindElement.Pull p:
                    elementCol[i] = Col(p.Slot);
                    if (p.PatternSlot >= 0)
                        patternCol[i] = Col(p.PatternSlot);
                    break;
                case FindElement.Aggregate a:
                    elementCol[i] = -1;
                    break;
            }
        }
        var groupCols = cols.Count;
        for (var i = 0; i < q.Find.Count; i++)
        {
            if (q.Find[i] is FindElement.Aggregate a)
                elementCol[i] = Col(a.Slot);
        }
        foreach (var w in q.With)
        {
            // :with variables always count, even when also found.
            cols.Add(w);
        }

        var colArray = cols.ToArray();
        var seen = new HashSet<QValue[]>(RowComparer.Instance);
        var tuples = new List<QValue[]>();
        foreach (var row in rows)
        {
            var t = new QValue[colArray.Length];
            for (var c = 0; c < colArray.Length; c++)
                t[c] = row[colArray[c]];
            if (seen.Add(t))
                tuples.Add(t);
        }

        var output = new List<IReadOnlyList<object?>>();
        var pullers = new Dictionary<string, Puller>(StringComparer.Ordinal);
        if (!q.HasAggregates)
        {
            foreach (var t in tuples)
                output.Add(OutputRow(q, t, [t], elementCol, patternCol, run, pullers));
        }
        else
        {
            var groupSlots = Enumerable.Range(0, groupCols).ToArray();
            var groups = new Dictionary<JoinKey, List<QValue[]>>();
            var order = new List<List<QValue[]>>();
            foreach (var t in tuples)
            {
                var key = groupSlots.Length == 0 ? JoinKey.Empty : JoinKey.Of(t, groupSlots);
                if (!groups.TryGetValue(key, out var list))
                {
                    groups[key] = list = [];
                    order.Add(list);
                }
                list.Add(t);
            }
            foreach (var group in order)
                output.Add(OutputRow(q, group[0], group, elementCol, patternCol, run, pullers));
        }

        if (q.Shape is FindShape.Scalar or FindShape.Tuple && output.Count > 1)
            output.RemoveRange(1, output.Count - 1);
        var kind = q.Shape switch
        {
            FindShape.Collection => FindKind.Collection,
            FindShape.Scalar => FindKind.Scalar,
            FindShape.Tuple => FindKind.Tuple,
            _ => FindKind.Relation,
        };
        IReadOnlyList<object>? keys = q.KeysKind switch
        {
            KeysKind.Keys => q.Keys.Select(k => (object)Keyword.Parse(k)).ToList(),
            KeysKind.Strs => q.Keys.Select(k => (object)k).ToList(),
            KeysKind.Syms => q.Keys.Select(k => (object)Symbol.Parse(k)).ToList(),
            _ => null,
        };
        return new QueryResult(kind, q.Find.Select(f => f.Text).ToList(), keys, output, q.With.Length > 0 && !q.HasAggregates);
    }

    private static object?[] OutputRow(ParsedQuery q, QValue[] first, List<QValue[]> group, int[] elementCol, int[] patternCol, RunContext run, Dictionary<string, Puller> pullers)
    {
        var row = new object?[q.Find.Count];
        for (var i = 0; i < row.Length; i++)
        {
            row[i] = q.Find[i] switch
            {
                FindElement.Var => Conversions.ToClr(first[elementCol[i]]),
                FindElement.Pull p => Pull(p, first[elementCol[i]], patternCol[i] >= 0 ? first[patternCol[i]] : null, run, pullers),
                FindElement.Aggregate a => Aggregates.Compute(a, group, elementCol[i], run),
                _ => null,
            };
        }
        return row;
    }

    private static PullMap? Pull(FindElement.Pull p, QValue entity, QValue? patternValue, RunContext run, Dictionary<string, Puller> pullers)
    {
        var view = run.Source(p.Source, null);
        if (!pullers.TryGetValue(p.Source, out var puller))
            pullers[p.Source] = puller = new Puller(view, run);
        PullPattern pattern;
        try
        {
            var form = patternValue is { } pv ? (pv.Obj is QVector ? ToEdnPattern(pv) : Conversions.ToClr(pv)) : p.Pattern;
            pattern = PullPattern.Parse(form);
        }
        catch (QueryException e)
        {
            throw new QueryException(e.Reason, null, p.Text, e);
        }
        if (entity.IsNil)
            return null;
        try
        {
            return run.ResolveEntity(view, entity) is { } id ? puller.Pull(pattern, id) : null;
        }
        catch (FunctionException e)
        {
            throw new QueryException(e.Message, null, p.Text);
        }
    }

    /// <summary>A pattern passed as an input arrives as query values; pull parses EDN.</summary>
    private static EdnVector ToEdnPattern(QValue v)
    {
        lock (PatternForms)
        {
            if (!PatternForms.TryGetValue(v, out var form))
            {
                if (PatternForms.Count > 256)
                    PatternForms.Clear();
                PatternForms[v] = form = new EdnVector(((QVector)v.Obj!).Items.Select(ToEdn));
            }
            return form;
        }
    }

    // The same input pattern gives the same form, so the pull pattern parsed from it is cached.
    private static readonly Dictionary<QValue, EdnVector> PatternForms = [];

    private static object? ToEdn(QValue v) => v.Obj switch
    {
        QVector vec => new EdnVector(vec.Items.Select(ToEdn)),
        null when v.Type == ValueType.Keyword => Keyword.Parse(v.V.AsString),
        null when v.Type == ValueType.Symbol => Symbol.Parse(v.V.AsString),
        _ => Conversions.ToClr(v),
    };
}

/// <summary>The aggregate functions of Datomic's :find (https://docs.datomic.com/query/query-data-reference.html#aggregates).</summary>
internal static class Aggregates
{
    public static object? Compute(FindElement.Aggregate a, List<QValue[]> group, int col, RunContext run)
    {
        var values = new List<QValue>(group.Count);
        foreach (var t in group)
            values.Add(t[col]);
        var n = a.Args.Length == 1 ? (int)Math.Min((long)a.Args[0]!, int.MaxValue) : -1;
        try
        {
            switch (a.Fn)
            {
                case "count":
                    return (long)values.Count;
                case "count-distinct":
                    return (long)values.ToHashSet().Count;
                case "sum":
                    return Sum(values, "sum");
                case "avg":
                    return ToDouble(Sum(values, "avg")) / values.Count;
                case "median":
                    return Median(values);
                case "variance":
                    return Variance(values);
                case "stddev":
                    return Math.Sqrt(Variance(values));
                case "min" when n < 0:
                    return Conversions.ToClr(Extreme(values, -1));
                case "max" when n < 0:
                    return Conversions.ToClr(Extreme(values, 1));
                case "min":
                case "max":
                {
                    var sorted = values.ToList();
                    sorted.Sort(Builtins.TotalCompare);
                    if (a.Fn == "max")
                        sorted.Reverse();
                    return sorted.Take(n).Select(Conversions.ToClr).ToList();
                }
                case "distinct":
                {
                    var distinct = values.Distinct().ToList();
                    distinct.Sort(Builtins.TotalCompare);
                    return new HashSet<object?>(distinct.Select(Conversions.ToClr));
                }
                case "rand" when n < 0:
                    return Conversions.ToClr(values[run.Random.Next(values.Count)]);
                case "rand":
                    return Enumerable.Range(0, n).Select(_ => Conversions.ToClr(values[run.Random.Next(values.Count)])).ToList();
                case "sample":
                {
                    var distinct = values.Distinct().ToList();
                    distinct.Sort(Builtins.TotalCompare);
                    for (var i = distinct.Count - 1; i > 0; i--)
                    {
                        var j = run.Random.Next(i + 1);
                        (distinct[i], distinct[j]) = (distinct[j], distinct[i]);
                    }
                    return distinct.Take(n).Select(Conversions.ToClr).ToList();
                }
                default:
                    throw new FunctionException($"unknown aggregate {a.Fn}");
            }
        }
        catch (FunctionException e)
        {
            throw new QueryException(e.Message, a.Position, a.Text);
        }
    }

    private static void CheckNumbers(List<QValue> values, string fn)
    {
        foreach (var v in values)
        {
            if (!Builtins.IsNumber(v))
                throw Builtins.Type(fn, "numbers", v);
        }
    }

    /// <summary>A long when every value is a long (overflow is an error), else a double.</summary>
    private static object Sum(List<QValue> values, string fn)
    {
        CheckNumbers(values, fn);
        if (values.All(v => v.Type == ValueType.Long))
        {
            long sum = 0;
            try
            {
                foreach (var v in values)
                    sum = checked(sum + v.V.AsLong);
            }
            catch (OverflowException)
            {
                throw new FunctionException($"integer overflow in {fn}");
            }
            return sum;
        }
        double d = 0;
        foreach (var v in values)
            d += Builtins.AsDouble(v);
        return d;
    }

    private static double ToDouble(object o) => o is long l ? l : (double)o;

    /// <summary>The middle value; for an even count the mean of the two middle ones (a long when exact).</summary>
    private static object Median(List<QValue> values)
    {
        CheckNumbers(values, "median");
        var sorted = values.ToList();
        sorted.Sort(Builtins.Compare);
        var mid = sorted.Count / 2;
        if (sorted.Count % 2 == 1)
            return Conversions.ToClr(sorted[mid])!;
        var lo = sorted[mid - 1];
        var hi = sorted[mid];
        if (lo.Type == ValueType.Long && hi.Type == ValueType.Long)
        {
            var sum = (Int128)lo.V.AsLong + hi.V.AsLong;
            if (sum % 2 == 0)
                return (long)(sum / 2);
        }
        return (Builtins.AsDouble(lo) + Builtins.AsDouble(hi)) / 2;
    }

    /// <summary>Population variance (the mean squared deviation).</summary>
    private static double Variance(List<QValue> values)
    {
        CheckNumbers(values, "variance");
        var mean = values.Average(Builtins.AsDouble);
        return values.Sum(v => Math.Pow(Builtins.AsDouble(v) - mean, 2)) / values.Count;
    }

    private static QValue Extreme(List<QValue> values, int sign)
    {
        var best = values[0];
        for (var i = 1; i < values.Count; i++)
        {
            if (Math.Sign(Builtins.TotalCompare(values[i], best)) == sign)
                best = values[i];
        }
        return best;
    }
}

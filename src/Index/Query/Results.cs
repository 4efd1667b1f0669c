using System.Runtime.CompilerServices;
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
    // A group of an aggregate: its key (an object with an array of cells), a dictionary entry, and
    // a list object with its first array.
    private const long GroupBytes = 160;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static QueryResult Build(ParsedQuery q, Rel rows, RunContext run)
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
            }
        }
        var groupCols = cols.Count;
        for (var i = 0; i < q.Find.Count; i++)
        {
            if (q.Find[i] is FindElement.Aggregate a)
                elementCol[i] = Col(a.Slot);
        }
        foreach (var w in q.With)
            cols.Add(w);

        // Set semantics over the find and :with variables; column c of a kept row is slot cols[c].
        var slots = cols.ToArray();
        // Distinct's two tables (ints, at least twice the rows) and the list of kept rows.
        run.Budget.Charge(rows.Count * ((2 * 2 * sizeof(int)) + sizeof(int)));
        var distinct = Distinct(rows, slots);
        var width = q.Find.Count;
        var pullers = new Dictionary<string, Puller>(StringComparer.Ordinal);
        var patterns = new Dictionary<QValue, PullPattern>();
        var cells = new CellTable(width);
        if (!q.HasAggregates)
        {
            foreach (var r in distinct)
            {
                var row = cells.Add();
                for (var i = 0; i < width; i++)
                {
                    var value = rows.Cell(r, slots[elementCol[i]]);
                    row[i] = q.Find[i] is FindElement.Pull p
                        ? PullCell(p, value, patternCol[i] >= 0 ? rows.Cell(r, slots[patternCol[i]]) : null, run, pullers, patterns)
                        : value;
                }
            }
        }
        else
        {
            var groupSlots = slots[..groupCols];
            var groups = new Dictionary<JoinKey, List<int>>();
            var order = new List<List<int>>();
            foreach (var r in distinct)
            {
                // A row in a group: a step and a list slot; a new group: its key, entry and list.
                run.Budget.Tick();
                run.Budget.Charge(sizeof(int));
                var key = groupSlots.Length == 0 ? JoinKey.Empty : JoinKey.Of(rows.Row(r), groupSlots);
                if (!groups.TryGetValue(key, out var list))
                {
                    run.Budget.Charge(GroupBytes);
                    groups[key] = list = [];
                    order.Add(list);
                }
                list.Add(r);
            }
            foreach (var group in order)
            {
                var first = group[0];
                var row = cells.Add();
                for (var i = 0; i < width; i++)
                {
                    var slot = slots[elementCol[i]];
                    row[i] = q.Find[i] switch
                    {
                        FindElement.Pull p => PullCell(p, rows.Cell(first, slot), patternCol[i] >= 0 ? rows.Cell(first, slots[patternCol[i]]) : null, run, pullers, patterns),
                        FindElement.Aggregate a => Aggregate(a, group, rows, slot, run, a.CountSlot >= 0 ? rows.Cell(first, a.CountSlot) : null),
                        _ => rows.Cell(first, slot),
                    };
                }
            }
        }

        if (q.Shape is FindShape.Scalar or FindShape.Tuple)
            cells.KeepFirst();
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
        return new QueryResult(kind, q.Find.Select(f => f.Text).ToList(), keys, cells, q.With.Length > 0 && !q.HasAggregates);
    }

    /// <summary>An aggregate over a group: the values, charged before they are gathered, and a step per value.</summary>
    private static QValue Aggregate(FindElement.Aggregate a, List<int> group, Rel rows, int slot, RunContext run, QValue? count)
    {
        run.Budget.Charge(group.Count * (long)Unsafe.SizeOf<QValue>());
        var values = new List<QValue>(group.Count);
        foreach (var r in group)
        {
            run.Budget.Tick();
            values.Add(rows.Cell(r, slot));
        }
        try
        {
            return Aggregates.Compute(a, values, run, count);
        }
        finally
        {
            run.Budget.Credit(group.Count * (long)Unsafe.SizeOf<QValue>());
        }
    }

    /// <summary>The first row of each distinct projection on <paramref name="slots"/>, in row order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static List<int> Distinct(Rel rows, int[] slots)
    {
        var n = rows.Count;
        var kept = new List<int>(n);
        if (n == 0)
            return kept;
        var capacity = 16;
        while (capacity < n * 2)
            capacity <<= 1;
        var table = Pools.Ints.Rent(capacity); // row + 1; 0 is empty
        var hashes = Pools.Ints.Rent(capacity);
        Array.Clear(table, 0, capacity);
        var mask = capacity - 1;
        var data = rows.Data;
        var w = rows.Width;
        for (var r = 0; r < n; r++)
        {
            var h = new HashCode();
            foreach (var s in slots)
                h.Add(data[(r * w) + s]);
            var hash = h.ToHashCode();
            var slot = hash & mask;
            var duplicate = false;
            while (table[slot] != 0)
            {
                if (hashes[slot] == hash && SameProjection(data, w, table[slot] - 1, r, slots))
                {
                    duplicate = true;
                    break;
                }
                slot = (slot + 1) & mask;
            }
            if (duplicate)
                continue;
            table[slot] = r + 1;
            hashes[slot] = hash;
            kept.Add(r);
        }
        Pools.Ints.Return(table);
        Pools.Ints.Return(hashes);
        return kept;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool SameProjection(QValue[] data, int w, int a, int b, int[] slots)
    {
        foreach (var s in slots)
        {
            if (!data[(a * w) + s].Equals(data[(b * w) + s]))
                return false;
        }
        return true;
    }

    private static QValue PullCell(FindElement.Pull p, QValue entity, QValue? patternValue, RunContext run, Dictionary<string, Puller> pullers, Dictionary<QValue, PullPattern> patterns)
    {
        var view = run.Source(p.Source, null);
        if (!pullers.TryGetValue(p.Source, out var puller))
            pullers[p.Source] = puller = new Puller(view, run);
        PullPattern pattern;
        try
        {
            if (patternValue is { } pv)
            {
                if (!patterns.TryGetValue(pv, out pattern!))
                    patterns[pv] = pattern = PullPattern.Parse(pv.Obj is QVector ? ToEdn(pv) : Conversions.ToClr(pv));
            }
            else
            {
                pattern = PullPattern.Parse(p.Pattern);
            }
        }
        catch (QueryException e)
        {
            throw new QueryException(e.Reason, null, p.Text, e);
        }
        if (entity.IsNil)
            return QValue.Nil;
        try
        {
            return run.ResolveEntity(view, entity) is { } id && puller.Pull(pattern, id) is { } map ? QValue.Object(map) : QValue.Nil;
        }
        catch (FunctionException e)
        {
            throw new QueryException(e.Message, null, p.Text);
        }
    }

    /// <summary>A pattern passed as an input arrives as query values; pull parses EDN.</summary>
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
    /// <param name="count">The value of the count input of <c>(max ?n ?x)</c>, when the count is a variable.</param>
    public static QValue Compute(FindElement.Aggregate a, List<QValue> values, RunContext run, QValue? count = null) =>
        Conversions.FromResult(ComputeObject(a, values, run, count));

    private static object? ComputeObject(FindElement.Aggregate a, List<QValue> values, RunContext run, QValue? count)
    {
        var n = a.Args.Length == 1 ? (int)Math.Min((long)a.Args[0]!, int.MaxValue) : -1;
        if (count is { } c)
        {
            if (c.Type != ValueType.Long || c.V.AsLong <= 0)
                throw new QueryException($"the count in {a.Text} is a positive number, not {Conversions.Show(c)}", a.Position, a.Text);
            n = (int)Math.Min(c.V.AsLong, int.MaxValue);
        }
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
                    // The n smallest or the n largest, each listed in ascending order, as DataScript does.
                    var sorted = values.ToList();
                    sorted.Sort(Builtins.TotalCompare);
                    var chosen = a.Fn == "max" ? sorted.Skip(Math.Max(0, sorted.Count - n)) : sorted.Take(n);
                    return chosen.Select(Conversions.ToClr).ToList();
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

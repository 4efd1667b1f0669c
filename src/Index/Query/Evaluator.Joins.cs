namespace Datom.Index.Query;

internal sealed partial class Evaluator
{
    /// <summary>
    /// not / not-join: the body runs once on the distinct bindings of the join variables, and the
    /// rows whose bindings it satisfies are removed (an anti-join, in place).
    /// </summary>
    private Rel ExecNot(NotStep step, Rel rows)
    {
        var n = (NotClause)step.Clause;
        var keys = new HashSet<JoinKey>();
        var input = new Rel(n.Body.Scope.Width, Math.Min(rows.Count, 1024));
        for (var r = 0; r < rows.Count; r++)
        {
            var key = n.Outer.Length == 0 ? JoinKey.Empty : JoinKey.Of(rows.Row(r), n.Outer);
            if (!keys.Add(key))
                continue;
            var inner = input.Next();
            for (var i = 0; i < n.Inner.Length; i++)
                inner[n.Inner[i]] = key[i];
            input.Commit();
        }
        var solved = Execute(step.Body, input, null);
        try
        {
            if (solved.Count == 0)
                return rows;
            if (n.Outer.Length == 0)
            {
                rows.Truncate(0);
                return rows;
            }
            var found = new HashSet<JoinKey>();
            for (var r = 0; r < solved.Count; r++)
                found.Add(JoinKey.Of(solved.Row(r), n.Inner));
            var kept = 0;
            for (var r = 0; r < rows.Count; r++)
            {
                if (found.Contains(JoinKey.Of(rows.Row(r), n.Outer)))
                    continue;
                if (kept != r)
                    rows.Row(r).CopyTo(rows.RowForWrite(kept));
                kept++;
            }
            rows.Truncate(kept);
            return rows;
        }
        finally
        {
            solved.Release();
        }
    }

    /// <summary>
    /// or / or-join: each branch runs on the distinct bindings of the join variables bound so far;
    /// the union of their solutions (a set over the join variables) is joined back to the rows.
    /// </summary>
    private Rel ExecOr(OrStep step, Rel rows)
    {
        var o = (OrClause)step.Clause;
        var boundJ = new List<int>();
        for (var j = 0; j < o.Outer.Length; j++)
        {
            if ((step.BoundBefore & (1UL << o.Outer[j])) != 0)
                boundJ.Add(j);
        }
        var outerKey = boundJ.Select(j => o.Outer[j]).ToArray();

        var keys = new HashSet<JoinKey>();
        var distinct = new List<JoinKey>();
        for (var r = 0; r < rows.Count; r++)
        {
            var key = outerKey.Length == 0 ? JoinKey.Empty : JoinKey.Of(rows.Row(r), outerKey);
            if (keys.Add(key))
                distinct.Add(key);
        }

        var union = new List<QValue[]>();
        var seen = new HashSet<QValue[]>(RowComparer.Instance);
        long unionBytes = 0;
        for (var b = 0; b < o.Branches.Length; b++)
        {
            var inner = o.Inner[b];
            var input = new Rel(o.Branches[b].Scope.Width, distinct.Count);
            foreach (var key in distinct)
            {
                var row = input.Next();
                for (var k = 0; k < boundJ.Count; k++)
                    row[inner[boundJ[k]]] = key[k];
                input.Commit();
            }
            var solved = Execute(step.Branches[b], input, null);
            for (var r = 0; r < solved.Count; r++)
            {
                var row = solved.Row(r);
                var tuple = new QValue[inner.Length];
                for (var j = 0; j < inner.Length; j++)
                    tuple[j] = row[inner[j]];
                if (seen.Add(tuple))
                {
                    run.Budget.Row(union.Count);
                    run.Budget.Charge(TupleBytes(tuple.Length));
                    unionBytes += TupleBytes(tuple.Length);
                    union.Add(tuple);
                }
            }
            solved.Release();
        }
        try
        {
            return JoinTuples(rows, outerKey, [.. boundJ], o.Outer, union);
        }
        finally
        {
            run.Budget.Credit(unionBytes);
        }
    }

    /// <summary>
    /// What a tuple kept in a set and a list costs: the array (header 24 bytes and its cells), a
    /// hash-set entry and a list slot (about 32 bytes), as the query budget counts it.
    /// </summary>
    internal static long TupleBytes(int cells) => 24 + 32 + (cells * (long)System.Runtime.CompilerServices.Unsafe.SizeOf<QValue>());

    /// <summary>
    /// Joins rows with tuples (one value per join place): the tuples' values at
    /// <paramref name="boundPlaces"/> must equal the rows' at <paramref name="rowKey"/>; the other
    /// places bind the rows' slots <paramref name="placeSlots"/>.
    /// </summary>
    private static Rel JoinTuples(Rel rows, int[] rowKey, int[] boundPlaces, int[] placeSlots, List<QValue[]> tuples)
    {
        var output = new Rel(rows.Width, Math.Max(rows.Count, tuples.Count));
        if (tuples.Count == 0)
            return output;
        var free = Enumerable.Range(0, placeSlots.Length).Where(j => Array.IndexOf(boundPlaces, j) < 0).ToArray();
        var index = new RowIndex(tuples.Count);
        for (var t = 0; t < tuples.Count; t++)
            index.Add(boundPlaces.Length == 0 ? JoinKey.Empty : JoinKey.Of(tuples[t], boundPlaces), t);
        for (var r = 0; r < rows.Count; r++)
        {
            var row = rows.Row(r);
            var key = rowKey.Length == 0 ? JoinKey.Empty : JoinKey.Of(row, rowKey);
            if (!index.Head.TryGetValue(key, out var head))
                continue;
            for (var t = head; t >= 0; t = index.Next[t])
            {
                var tuple = tuples[t];
                var copy = output.Add(row);
                foreach (var j in free)
                    copy[placeSlots[j]] = tuple[j];
            }
        }
        return output;
    }
}

namespace Datom.Index.Query;

internal sealed partial class Evaluator
{
    /// <summary>
    /// not / not-join: the body runs once on the distinct bindings of the join variables, and the
    /// rows whose bindings it satisfies are removed (an anti-join).
    /// </summary>
    private List<QValue[]> ExecNot(NotStep step, List<QValue[]> rows)
    {
        var n = (NotClause)step.Clause;
        var keys = new HashSet<JoinKey>();
        var distinct = new List<JoinKey>();
        foreach (var row in rows)
        {
            var key = n.Outer.Length == 0 ? JoinKey.Empty : JoinKey.Of(row, n.Outer);
            if (keys.Add(key))
                distinct.Add(key);
        }
        var width = n.Body.Scope.Width;
        var input = new List<QValue[]>(distinct.Count);
        foreach (var key in distinct)
        {
            var inner = new QValue[width];
            for (var i = 0; i < n.Inner.Length; i++)
                inner[n.Inner[i]] = key[i];
            input.Add(inner);
        }
        var solved = Execute(step.Body, input, null);
        if (solved.Count == 0)
            return rows;
        if (n.Outer.Length == 0)
            return [];
        var found = new HashSet<JoinKey>();
        foreach (var r in solved)
            found.Add(JoinKey.Of(r, n.Inner));
        var output = new List<QValue[]>(rows.Count);
        foreach (var row in rows)
        {
            if (!found.Contains(JoinKey.Of(row, n.Outer)))
                output.Add(row);
        }
        return output;
    }

    /// <summary>
    /// or / or-join: each branch runs on the distinct bindings of the join variables bound so far;
    /// the union of their solutions (a set over the join variables) is joined back to the rows.
    /// </summary>
    private List<QValue[]> ExecOr(OrStep step, List<QValue[]> rows)
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
        foreach (var row in rows)
        {
            var key = outerKey.Length == 0 ? JoinKey.Empty : JoinKey.Of(row, outerKey);
            if (keys.Add(key))
                distinct.Add(key);
        }

        var union = new List<QValue[]>();
        var seen = new HashSet<QValue[]>(RowComparer.Instance);
        for (var b = 0; b < o.Branches.Length; b++)
        {
            var inner = o.Inner[b];
            var width = o.Branches[b].Scope.Width;
            var input = new List<QValue[]>(distinct.Count);
            foreach (var key in distinct)
            {
                var r = new QValue[width];
                for (var k = 0; k < boundJ.Count; k++)
                    r[inner[boundJ[k]]] = key[k];
                input.Add(r);
            }
            foreach (var r in Execute(step.Branches[b], input, null))
            {
                var tuple = new QValue[inner.Length];
                for (var j = 0; j < inner.Length; j++)
                    tuple[j] = r[inner[j]];
                if (seen.Add(tuple))
                    union.Add(tuple);
            }
        }
        return JoinTuples(rows, outerKey, boundJ, o.Outer, union);
    }

    /// <summary>
    /// Joins rows with tuples (one value per join place): the tuples' values at
    /// <paramref name="boundPlaces"/> must equal the rows' at <paramref name="rowKey"/>; the other
    /// places bind the rows' slots <paramref name="placeSlots"/>.
    /// </summary>
    private static List<QValue[]> JoinTuples(List<QValue[]> rows, int[] rowKey, List<int> boundPlaces, int[] placeSlots, List<QValue[]> tuples)
    {
        var output = new List<QValue[]>();
        if (tuples.Count == 0)
            return output;
        var free = Enumerable.Range(0, placeSlots.Length).Where(j => !boundPlaces.Contains(j)).ToArray();
        var index = new RowIndex(tuples.Count);
        var placeKey = boundPlaces.ToArray();
        for (var t = 0; t < tuples.Count; t++)
            index.Add(placeKey.Length == 0 ? JoinKey.Empty : JoinKey.Of(tuples[t], placeKey), t);
        foreach (var row in rows)
        {
            var key = rowKey.Length == 0 ? JoinKey.Empty : JoinKey.Of(row, rowKey);
            if (!index.Head.TryGetValue(key, out var head))
                continue;
            for (var t = head; t >= 0; t = index.Next[t])
            {
                var tuple = tuples[t];
                var copy = Copy(row);
                foreach (var j in free)
                    copy[placeSlots[j]] = tuple[j];
                output.Add(copy);
            }
        }
        return output;
    }
}

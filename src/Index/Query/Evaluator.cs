using Datom.Index.Schema;
using Datom.Log.Edn;
using Datom.Log.Model;
using ValueType = Datom.Log.Model.ValueType;

namespace Datom.Index.Query;

/// <summary>
/// Runs plans over rows. A row is an array of <see cref="QValue"/> as wide as its clause list's
/// scope; a step reads the slots bound before it and writes the ones it binds into copies. Joins
/// are hash joins keyed on the bound variables (or index lookups per distinct binding when those
/// are few), so the work is linear in rows and datoms read. Single-threaded.
/// </summary>
internal sealed partial class Evaluator(RunContext run)
{
    public RunContext Run => run;

    /// <summary>The rows that satisfy every clause of <paramref name="plan"/>, extending <paramref name="rows"/>.</summary>
    public List<QValue[]> Execute(Plan plan, List<QValue[]> rows, Variant? variant)
    {
        foreach (var step in plan.Steps)
        {
            if (rows.Count == 0)
                return rows;
            rows = step switch
            {
                PatternStep p => ExecPattern(p, rows),
                FnStep f => ExecFn(f, rows),
                NotStep n => ExecNot(n, rows),
                OrStep o => ExecOr(o, rows),
                RuleStep r => ExecRule(r, rows, variant),
                _ => throw step.Clause.Error("unknown step"),
            };
        }
        return rows;
    }

    public static QValue[] Copy(QValue[] row)
    {
        var copy = new QValue[row.Length];
        Array.Copy(row, copy, row.Length);
        return copy;
    }

    // ---- data patterns ----

    // Places of a datom: e a v tx added.
    private const int PE = 0, PA = 1, PV = 2, PT = 3, PD = 4;

    /// <summary>How a pattern step reads a datom, worked out once per step.</summary>
    private sealed class PatternShape
    {
        public required int[] BindPlace { get; init; }

        public required int[] BindSlot { get; init; }

        public required (int A, int B)[] SamePlaces { get; init; }

        public required int[] KeyPlace { get; init; }

        public required int[] KeySlot { get; init; }

        public required bool Pushable { get; init; }
    }

    private readonly Dictionary<PatternStep, PatternShape> _shapes = [];

    private PatternShape Shape(PatternStep step)
    {
        if (_shapes.TryGetValue(step, out var shape))
            return shape;
        var c = step.Pattern.Clause;
        Term[] terms = [c.E, c.A, c.V, c.Tx, c.Added];
        var bindPlace = new List<int>();
        var bindSlot = new List<int>();
        var same = new List<(int, int)>();
        var keyPlace = new List<int>();
        var keySlot = new List<int>();
        var firstPlace = new Dictionary<int, int>();
        for (var i = 0; i < 5; i++)
        {
            var t = terms[i];
            if (!t.IsVar)
                continue;
            if ((step.BoundBefore & t.Mask) != 0)
            {
                keyPlace.Add(i);
                keySlot.Add(t.Slot);
            }
            else if (firstPlace.TryGetValue(t.Slot, out var first))
            {
                same.Add((first, i));
            }
            else
            {
                firstPlace[t.Slot] = i;
                bindPlace.Add(i);
                bindSlot.Add(t.Slot);
            }
        }
        shape = new PatternShape
        {
            BindPlace = [.. bindPlace],
            BindSlot = [.. bindSlot],
            SamePlaces = [.. same],
            KeyPlace = [.. keyPlace],
            KeySlot = [.. keySlot],
            Pushable = keyPlace.Any(p => p <= PV),
        };
        _shapes[step] = shape;
        return shape;
    }

    private QValue Place(in Datom d, int place) => place switch
    {
        PE => QValue.Ref(d.E),
        PA => run.AttrValue(d.A),
        PV => QValue.Of(d.V),
        PT => QValue.Ref(d.Tx),
        _ => QValue.Bool(d.Added),
    };

    /// <summary>The datom passes the pattern's constant tx/added and repeated-variable tests.</summary>
    private bool Passes(in Datom d, ResolvedPattern rp, PatternShape shape)
    {
        if (rp.TxConst is { } tx && !(tx.V.Type == ValueType.Ref && tx.V.AsRef == d.Tx))
            return false;
        if (rp.AddedConst is { } added && added.V.AsBoolean != d.Added)
            return false;
        foreach (var (a, b) in shape.SamePlaces)
        {
            if (!Place(d, a).Equals(Place(d, b)))
                return false;
        }
        return true;
    }

    private QValue[] Extend(QValue[] row, in Datom d, PatternShape shape)
    {
        var copy = Copy(row);
        for (var i = 0; i < shape.BindPlace.Length; i++)
            copy[shape.BindSlot[i]] = Place(d, shape.BindPlace[i]);
        return copy;
    }

    private List<QValue[]> ExecPattern(PatternStep step, List<QValue[]> rows)
    {
        var rp = step.Pattern;
        var output = new List<QValue[]>();
        if (rp.Empty)
            return output;
        var shape = Shape(step);
        if (shape.KeyPlace.Length == 0)
        {
            // Nothing to join on: the datoms the constants match, with every row (usually one).
            if (rows.Count == 1)
            {
                var row = rows[0];
                foreach (var d in rp.View.Match(rp.E, rp.A, rp.V))
                {
                    if (Passes(d, rp, shape))
                        output.Add(Extend(row, d, shape));
                }
                return output;
            }
            var datoms = new List<Datom>();
            foreach (var d in rp.View.Match(rp.E, rp.A, rp.V))
            {
                if (Passes(d, rp, shape))
                    datoms.Add(d);
            }
            foreach (var row in rows)
            {
                foreach (var d in datoms)
                    output.Add(Extend(row, d, shape));
            }
            return output;
        }

        // Group the rows by their (normalised) values in the bound places.
        var index = new RowIndex(rows.Count);
        var keyValues = new QValue[shape.KeyPlace.Length];
        for (var i = 0; i < rows.Count; i++)
        {
            if (RowKey(rows[i], rp, shape, keyValues) is { } key)
                index.Add(key, i);
        }
        if (index.Head.Count == 0)
            return output;

        if (shape.Pushable && index.Head.Count * Planner.SeekCost < rp.Scan)
        {
            // Few distinct bindings: one index lookup each, with the bound values pushed into Match.
            foreach (var (key, head) in index.Head)
            {
                var e = rp.E;
                var a = rp.A;
                var v = rp.V;
                for (var k = 0; k < shape.KeyPlace.Length; k++)
                {
                    var kv = key[k];
                    switch (shape.KeyPlace[k])
                    {
                        case PE: e = kv.V.AsRef; break;
                        case PA: a = run.Keyword(kv.V); break;
                        case PV: v = kv.V; break;
                    }
                }
                if (a is not null && rp.A is null && run.Schema(rp.View, a) is null)
                    continue;
                foreach (var d in rp.View.Match(e, a, v))
                {
                    if (!Passes(d, rp, shape) || !KeyMatches(d, shape, key, pushedOnly: true))
                        continue;
                    for (var r = head; r >= 0; r = index.Next[r])
                        output.Add(Extend(rows[r], d, shape));
                }
            }
            return output;
        }

        // Many bindings: one scan of what the constants match, probing the rows' hash table.
        foreach (var d in rp.View.Match(rp.E, rp.A, rp.V))
        {
            if (!Passes(d, rp, shape))
                continue;
            var key = DatomKey(d, shape, keyValues);
            if (!index.Head.TryGetValue(key, out var head))
                continue;
            for (var r = head; r >= 0; r = index.Next[r])
                output.Add(Extend(rows[r], d, shape));
        }
        return output;
    }

    private JoinKey DatomKey(in Datom d, PatternShape shape, QValue[] scratch)
    {
        if (shape.KeyPlace.Length == 1)
            return new JoinKey(Place(d, shape.KeyPlace[0]));
        var values = new QValue[shape.KeyPlace.Length];
        for (var k = 0; k < values.Length; k++)
            values[k] = Place(d, shape.KeyPlace[k]);
        return new JoinKey(values);
    }

    /// <summary>After a lookup, the places not pushed into Match (tx, added) must still equal the key.</summary>
    private bool KeyMatches(in Datom d, PatternShape shape, JoinKey key, bool pushedOnly)
    {
        for (var k = 0; k < shape.KeyPlace.Length; k++)
        {
            var place = shape.KeyPlace[k];
            if (pushedOnly && place <= PV)
                continue;
            if (!Place(d, place).Equals(key[k]))
                return false;
        }
        return true;
    }

    /// <summary>
    /// A row's values in the pattern's bound places as the datoms hold them: idents and lookup refs
    /// become entities in entity places (and in the value place of a ref attribute), an attribute
    /// entity becomes its ident. Null when a value cannot match anything there.
    /// </summary>
    private JoinKey? RowKey(QValue[] row, ResolvedPattern rp, PatternShape shape, QValue[] scratch)
    {
        try
        {
            if (shape.KeySlot.Length == 1)
                return Normalize(row[shape.KeySlot[0]], shape.KeyPlace[0], rp) is { } one ? new JoinKey(one) : null;
            var values = new QValue[shape.KeySlot.Length];
            for (var k = 0; k < values.Length; k++)
            {
                if (Normalize(row[shape.KeySlot[k]], shape.KeyPlace[k], rp) is not { } v)
                    return null;
                values[k] = v;
            }
            return new JoinKey(values);
        }
        catch (FunctionException e)
        {
            throw rp.Clause.Error(e.Message);
        }
    }

    private QValue? Normalize(QValue v, int place, ResolvedPattern rp)
    {
        switch (place)
        {
            case PE:
            case PT:
                if (v.Type == ValueType.Ref)
                    return v;
                return run.ResolveEntity(rp.View, v) is { } e ? QValue.Ref(e) : null;
            case PA:
                if (v.Type == ValueType.Keyword)
                    return v;
                if (v.Type == ValueType.Ref && rp.View.Ident(v.V.AsRef) is { } ident)
                    return run.AttrValue(ident);
                return null;
            case PV:
                if (rp.Schema is { } schema)
                {
                    if (v.Type == schema.Type)
                        return v;
                    return run.CoerceValue(rp.View, schema, v) is { } cv ? QValue.Of(cv) : null;
                }
                return v.IsValue ? v : (v.Obj is QVector && run.ResolveEntity(rp.View, v) is { } id ? QValue.Ref(id) : null);
            default:
                return v.Type == ValueType.Boolean ? v : null;
        }
    }

    // ---- functions and predicates ----

    private List<QValue[]> ExecFn(FnStep step, List<QValue[]> rows)
    {
        var f = (FnClause)step.Clause;
        var fixedArgs = new QValue[f.Args.Length];
        for (var i = 0; i < f.Args.Length; i++)
        {
            var arg = f.Args[i];
            fixedArgs[i] = arg.Kind switch
            {
                ArgKind.Const => Conversions.FromObject(arg.Const),
                ArgKind.Source => QValue.Object(run.Source(arg.Source!, f)),
                _ => QValue.Nil,
            };
        }
        var args = new QValue[f.Args.Length];
        var output = new List<QValue[]>(f.Output is null ? rows.Count / 2 : rows.Count);
        foreach (var row in rows)
        {
            for (var i = 0; i < args.Length; i++)
                args[i] = f.Args[i].Kind == ArgKind.Var ? row[f.Args[i].Slot] : fixedArgs[i];
            var fn = f.Fn;
            var negate = false;
            if (fn is null)
            {
                if (row[f.FnSlot].Obj is not FunctionValue fv)
                    throw f.Error($"{f.Name} is bound to {Conversions.Describe(row[f.FnSlot])}, not a function");
                fn = fv.Fn;
                negate = fv.Complemented;
            }
            QValue result;
            try
            {
                result = fn(args, run);
            }
            catch (FunctionException e)
            {
                throw f.Error(e.Message);
            }
            if (negate)
                result = QValue.Bool(!result.IsTruthy);
            if (f.Output is null)
            {
                if (result.IsTruthy)
                    output.Add(row);
                continue;
            }
            Bind(f.Output, result, row, step.BoundBefore, output, f);
        }
        return output;
    }

    /// <summary>
    /// Binds <paramref name="value"/> to <paramref name="binding"/> on a copy of
    /// <paramref name="row"/>, adding the resulting rows. A nil binds nothing (the row is dropped);
    /// a variable already bound must equal the value.
    /// </summary>
    public static void Bind(Binding binding, QValue value, QValue[] row, ulong bound, List<QValue[]> output, Clause? clause)
    {
        switch (binding)
        {
            case Binding.Scalar s:
                if (value.IsNil)
                    return;
                if ((bound & (1UL << s.Slot)) != 0)
                {
                    if (row[s.Slot].Equals(value))
                        output.Add(row);
                    return;
                }
                var copy = Copy(row);
                copy[s.Slot] = value;
                output.Add(copy);
                return;
            case Binding.Ignore:
                output.Add(row);
                return;
            case Binding.Tuple t:
            {
                if (value.IsNil)
                    return;
                var items = Conversions.Elements(value) ?? throw BindError(clause, $"cannot bind {Conversions.Describe(value)} ({Conversions.Show(value)}) to a tuple");
                if (items.Count < t.Items.Length)
                    throw BindError(clause, $"cannot bind a tuple of {items.Count} to {t.Items.Length} places");
                List<QValue[]> current = [row];
                var b = bound;
                for (var i = 0; i < t.Items.Length; i++)
                {
                    var next = new List<QValue[]>();
                    foreach (var r in current)
                        Bind(t.Items[i], items[i], r, b, next, clause);
                    current = next;
                    b |= t.Items[i].Vars();
                }
                output.AddRange(current);
                return;
            }
            case Binding.Collection c:
            {
                if (value.IsNil)
                    return;
                var items = Conversions.Elements(value) ?? throw BindError(clause, $"cannot bind {Conversions.Describe(value)} ({Conversions.Show(value)}) to a collection [?x ...]");
                foreach (var item in items)
                    Bind(c.Item, item, row, bound, output, clause);
                return;
            }
        }
    }

    private static QueryException BindError(Clause? clause, string reason) =>
        clause is null ? new QueryException(reason) : clause.Error(reason);

    /// <summary>The first values of a ref attribute's datoms for an entity, in index order (used by pull).</summary>
    public static IEnumerable<Datom> Datoms(IDatomView view, EntityId e, Keyword a) => view.Match(e, a, null);

    public static bool IsComponent(AttributeSchema? s) => s is { IsComponent: true, IsRef: true };
}

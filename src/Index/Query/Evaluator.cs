using System.Runtime.CompilerServices;
using Datom.Log.Model;
using ValueType = Datom.Log.Model.ValueType;

namespace Datom.Index.Query;

/// <summary>
/// Runs plans over relations (<see cref="Rel"/>: flat rows as wide as the clause list's scope). A
/// step reads the slots bound before it and writes the ones it binds into the next relation.
/// Joins are hash joins on the bound variables (an open-addressing table when the key is an
/// entity), or index lookups per distinct binding when those are few; predicates that follow a
/// data pattern run on each candidate row before it is kept. Single-threaded.
/// </summary>
/// <remarks>
/// Methods that run once per datom or row, here and in the index below (views, key readers, run
/// cursors), are marked <see cref="MethodImplOptions.AggressiveOptimization"/>: compiled optimized at
/// their first call. Tiered compilation would run them as unoptimized tier-0 code until they had
/// been called 30 times after a 100 ms pause in new compilation, which a query run once (the CLI)
/// or the first runs of a new query shape never reach; tier-0 code is 2-4x slower here (measured
/// with DOTNET_TieredCompilation=0 against the default, `datom bench query`).
/// </remarks>
internal sealed partial class Evaluator(RunContext run)
{
    /// <summary>
    /// The rows that satisfy every clause of <paramref name="plan"/>, extending
    /// <paramref name="input"/>. Takes ownership of <paramref name="input"/> (it may be filtered in
    /// place, returned, or released); the caller owns the result.
    /// </summary>
    public Rel Execute(Plan plan, Rel input, Variant? variant) => Execute(plan, 0, plan.Steps.Count, input, variant);

    /// <summary>Steps [<paramref name="from"/>, <paramref name="to"/>) of a plan; see the other overload.</summary>
    public Rel Execute(Plan plan, int from, int to, Rel input, Variant? variant)
    {
        var cur = input;
        var steps = plan.Steps;
        for (var i = from; i < to && cur.Count > 0; i++)
        {
            var step = steps[i];
            Rel next;
            if (step is PatternStep p)
            {
                var j = i + 1;
                while (j < to && steps[j] is FnStep { Clause: FnClause { Output: null } })
                    j++;
                next = ExecPattern(p, cur, steps, i + 1, j);
                i = j - 1;
            }
            else
            {
                next = step switch
                {
                    FnStep f => ExecFn(f, cur),
                    NotStep n => ExecNot(n, cur),
                    OrStep o => ExecOr(o, cur),
                    RuleStep r => ExecRule(r, cur, variant),
                    _ => throw step.Clause.Error("unknown step"),
                };
            }
            if (!ReferenceEquals(next, cur))
                cur.Release();
            cur = next;
        }
        return cur;
    }

    // ---- data patterns ----

    // Places of a datom: e a v tx added.
    private const int PE = 0, PA = 1, PV = 2, PT = 3;

    /// <summary>How a pattern step reads a datom, worked out once per step.</summary>
    private sealed class PatternShape
    {
        public required int[] BindPlace { get; init; }

        public required int[] BindSlot { get; init; }

        public required (int A, int B)[] SamePlaces { get; init; }

        public required int[] KeyPlace { get; init; }

        public required int[] KeySlot { get; init; }

        public required bool Pushable { get; init; }

        /// <summary>One bound place holding an entity (e, tx, or the value of a ref attribute).</summary>
        public required bool EntityKey { get; init; }

        /// <summary>A datom needs testing beyond what Match selects (constant tx or added, a repeated variable).</summary>
        public required bool Checks { get; init; }
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
            EntityKey = keyPlace.Count == 1 && (keyPlace[0] is PE or PT || (keyPlace[0] == PV && step.Pattern.Schema is { IsRef: true })),
            Checks = step.Pattern.TxConst is not null || step.Pattern.AddedConst is not null || same.Count > 0,
        };
        _shapes[step] = shape;
        return shape;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private QValue Place(in Datom d, int place) => place switch
    {
        PE => QValue.Ref(d.E),
        PA => run.AttrValue(d.A),
        PV => QValue.Of(d.V),
        PT => QValue.Ref(d.Tx),
        _ => QValue.Bool(d.Added),
    };

    /// <summary>The datom passes the pattern's constant tx/added and repeated-variable tests.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool Passes(in Datom d, ResolvedPattern rp, PatternShape shape)
    {
        run.Budget.Tick();
        if (!shape.Checks)
            return true;
        if (rp.TxConst is { } tx && tx.V.AsRef != d.Tx)
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

    /// <summary>
    /// Row <paramref name="r"/> joined with the datom. A pattern that binds nothing is a semi-join:
    /// a row is kept once however many datoms match it (<paramref name="matched"/> tracks them).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Emit(Rel output, Rel rows, int r, in Datom d, PatternShape shape, PreparedCall[] filters, bool[]? matched)
    {
        if (matched is not null)
        {
            if (matched[r])
                return;
            matched[r] = true;
        }
        Emit(output, rows.Row(r), d, shape, filters);
    }

    /// <summary>Appends <paramref name="row"/> extended with the datom's places, if the fused predicates pass.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Emit(Rel output, ReadOnlySpan<QValue> row, in Datom d, PatternShape shape, PreparedCall[] filters)
    {
        var next = output.Next();
        row.CopyTo(next);
        var bindPlace = shape.BindPlace;
        var bindSlot = shape.BindSlot;
        for (var i = 0; i < bindPlace.Length; i++)
        {
            next[bindSlot[i]] = bindPlace[i] switch
            {
                PE => QValue.Ref(d.E),
                PV => QValue.Of(d.V),
                var place => Place(d, place),
            };
        }
        foreach (var f in filters)
        {
            if (!Test(f, next))
                return;
        }
        output.Commit();
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private Rel ExecPattern(PatternStep step, Rel rows, IReadOnlyList<Step> steps, int filterFrom, int filterTo)
    {
        var rp = step.Pattern;
        var output = new Rel(rows.Width, Math.Max(8, rows.Count));
        if (rp.Empty)
            return output;
        var shape = Shape(step);
        var filters = new PreparedCall[filterTo - filterFrom];
        for (var i = 0; i < filters.Length; i++)
            filters[i] = Prepare((FnStep)steps[filterFrom + i]);

        if (shape.KeyPlace.Length == 0)
        {
            if (shape.BindPlace.Length == 0)
            {
                // Constants only: an existence test that keeps every row or none.
                foreach (var d in rp.View.Match(rp.E, rp.A, rp.V))
                {
                    if (!Passes(d, rp, shape))
                        continue;
                    for (var r = 0; r < rows.Count; r++)
                        Emit(output, rows.Row(r), d, shape, filters);
                    break;
                }
                return output;
            }
            // Nothing to join on: the datoms the constants match, with every row (usually one).
            if (rows.Count == 1)
            {
                var row = rows.Row(0);
                foreach (var d in rp.View.Match(rp.E, rp.A, rp.V))
                {
                    if (Passes(d, rp, shape))
                        Emit(output, row, d, shape, filters);
                }
                return output;
            }
            var datoms = new List<Datom>();
            foreach (var d in rp.View.Match(rp.E, rp.A, rp.V))
            {
                if (Passes(d, rp, shape))
                    datoms.Add(d);
            }
            for (var r = 0; r < rows.Count; r++)
            {
                foreach (var d in datoms)
                    Emit(output, rows.Row(r), d, shape, filters);
            }
            return output;
        }
        var matched = shape.BindPlace.Length == 0 ? new bool[rows.Count] : null;
        if (shape.EntityKey)
            JoinOnEntity(step, rows, output, shape, filters, matched);
        else
            JoinOnValues(step, rows, output, shape, filters, matched);
        return output;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void JoinOnEntity(PatternStep step, Rel rows, Rel output, PatternShape shape, PreparedCall[] filters, bool[]? matched)
    {
        var rp = step.Pattern;
        var place = shape.KeyPlace[0];
        var slot = shape.KeySlot[0];
        var index = new EntityIndex(rows.Count);
        try
        {
            JoinOnEntity(rp, rows, output, shape, filters, place, slot, index, matched);
        }
        finally
        {
            index.Release();
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void JoinOnEntity(ResolvedPattern rp, Rel rows, Rel output, PatternShape shape, PreparedCall[] filters, int place, int slot, EntityIndex index, bool[]? matched)
    {
        try
        {
            for (var r = 0; r < rows.Count; r++)
            {
                var v = rows.Cell(r, slot);
                if (v.Type == ValueType.Ref)
                    index.Add(v.V.AsRef, r);
                else if (run.ResolveEntity(rp.View, v) is { } e)
                    index.Add(e, r);
            }
        }
        catch (FunctionException e)
        {
            throw rp.Clause.Error(e.Message);
        }
        if (index.Keys == 0)
            return;

        if (place != PT && index.Keys * Planner.SortedSeekCost < rp.ScanCost)
        {
            // Few distinct entities: one index lookup each, the entity pushed into Match, in entity
            // order: each lookup then lands at or after the previous one in the index, which a view
            // can continue from instead of searching afresh.
            index.SortKeys();
            for (var k = 0; k < index.Keys; k++)
            {
                var key = index.KeyAt(k);
                var head = index.HeadAt(k);
                var matches = place == PE ? rp.View.Match(key, rp.A, rp.V) : rp.View.Match(rp.E, rp.A, Value.Ref(key));
                foreach (var d in matches)
                {
                    if (!Passes(d, rp, shape))
                        continue;
                    for (var r = head; r >= 0; r = index.Next(r))
                        Emit(output, rows, r, d, shape, filters, matched);
                }
            }
            return;
        }

        // Many entities: one scan of what the constants match, probing the table.
        foreach (var d in rp.View.Match(rp.E, rp.A, rp.V))
        {
            EntityId key;
            if (place == PE)
                key = d.E;
            else if (place == PT)
                key = d.Tx;
            else if (d.V.Type == ValueType.Ref)
                key = d.V.AsRef;
            else
                continue;
            run.Budget.Tick();
            var head = index.Find(key);
            if (head < 0 || !Passes(d, rp, shape))
                continue;
            for (var r = head; r >= 0; r = index.Next(r))
                Emit(output, rows, r, d, shape, filters, matched);
        }
    }

    private void JoinOnValues(PatternStep step, Rel rows, Rel output, PatternShape shape, PreparedCall[] filters, bool[]? matched)
    {
        var rp = step.Pattern;
        var index = new RowIndex(rows.Count);
        for (var r = 0; r < rows.Count; r++)
        {
            if (RowKey(rows.Row(r), rp, shape) is { } key)
                index.Add(key, r);
        }
        if (index.Head.Count == 0)
            return;

        if (shape.Pushable && index.Head.Count * Planner.SeekCost < rp.ScanCost)
        {
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
                        Emit(output, rows, r, d, shape, filters, matched);
                }
            }
            return;
        }

        foreach (var d in rp.View.Match(rp.E, rp.A, rp.V))
        {
            if (!Passes(d, rp, shape))
                continue;
            if (!index.Head.TryGetValue(DatomKey(d, shape), out var head))
                continue;
            for (var r = head; r >= 0; r = index.Next[r])
                Emit(output, rows, r, d, shape, filters, matched);
        }
    }

    private JoinKey DatomKey(in Datom d, PatternShape shape)
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
    private JoinKey? RowKey(ReadOnlySpan<QValue> row, ResolvedPattern rp, PatternShape shape)
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

    private enum CompareOp : byte
    {
        None,
        Eq,
        Ne,
        Lt,
        Gt,
        Le,
        Ge,
    }

    /// <summary>A function step ready to run per row: constants converted, the argument buffer made.</summary>
    private sealed class PreparedCall
    {
        public required FnClause Clause { get; init; }

        public required QValue[] Fixed { get; init; }

        public required QValue[] Args { get; init; }

        public required CompareOp Op { get; init; }

        /// <summary>For a comparison: the slot of each side, or -1 for a constant (in <see cref="Fixed"/>).</summary>
        public required int SlotA { get; init; }

        public required int SlotB { get; init; }
    }

    private readonly Dictionary<FnStep, PreparedCall> _calls = [];

    private PreparedCall Prepare(FnStep step)
    {
        if (_calls.TryGetValue(step, out var call))
            return call;
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
        var op = f.Fn is null || f.Args.Length != 2 ? CompareOp.None : f.Name switch
        {
            "=" => CompareOp.Eq,
            "!=" or "not=" => CompareOp.Ne,
            "<" => CompareOp.Lt,
            ">" => CompareOp.Gt,
            "<=" => CompareOp.Le,
            ">=" => CompareOp.Ge,
            _ => CompareOp.None,
        };
        call = new PreparedCall
        {
            Clause = f,
            Fixed = fixedArgs,
            Args = new QValue[f.Args.Length],
            Op = op,
            SlotA = op != CompareOp.None && f.Args[0].Kind == ArgKind.Var ? f.Args[0].Slot : -1,
            SlotB = op != CompareOp.None && f.Args[1].Kind == ArgKind.Var ? f.Args[1].Slot : -1,
        };
        _calls[step] = call;
        return call;
    }

    private static QValue Arg(PreparedCall c, int i, ReadOnlySpan<QValue> row)
    {
        var arg = c.Clause.Args[i];
        return arg.Kind == ArgKind.Var ? row[arg.Slot] : c.Fixed[i];
    }

    /// <summary>Whether a predicate holds on a row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool Test(PreparedCall c, ReadOnlySpan<QValue> row)
    {
        if (c.Op == CompareOp.None)
            return Call(c, row).IsTruthy;
        ref readonly var a = ref c.SlotA >= 0 ? ref row[c.SlotA] : ref c.Fixed[0];
        ref readonly var b = ref c.SlotB >= 0 ? ref row[c.SlotB] : ref c.Fixed[1];
        if (c.Op == CompareOp.Eq)
            return a.Equals(b);
        if (c.Op == CompareOp.Ne)
            return !a.Equals(b);
        int cmp;
        if (a.Type == ValueType.Long && b.Type == ValueType.Long)
        {
            cmp = a.V.AsLong.CompareTo(b.V.AsLong);
        }
        else
        {
            try
            {
                cmp = Builtins.Compare(a, b);
            }
            catch (FunctionException e)
            {
                throw c.Clause.Error(e.Message);
            }
        }
        return c.Op switch
        {
            CompareOp.Lt => cmp < 0,
            CompareOp.Gt => cmp > 0,
            CompareOp.Le => cmp <= 0,
            _ => cmp >= 0,
        };
    }

    private QValue Call(PreparedCall c, ReadOnlySpan<QValue> row)
    {
        var f = c.Clause;
        var args = c.Args;
        for (var i = 0; i < args.Length; i++)
            args[i] = Arg(c, i, row);
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
        return negate ? QValue.Bool(!result.IsTruthy) : result;
    }

    private Rel ExecFn(FnStep step, Rel rows)
    {
        var f = (FnClause)step.Clause;
        var call = Prepare(step);
        if (f.Output is null)
        {
            // A predicate filters the rows in place.
            var kept = 0;
            for (var r = 0; r < rows.Count; r++)
            {
                if (!Test(call, rows.Row(r)))
                    continue;
                if (kept != r)
                    rows.Row(r).CopyTo(rows.RowForWrite(kept));
                kept++;
            }
            rows.Truncate(kept);
            return rows;
        }
        var output = new Rel(rows.Width, rows.Count);
        for (var r = 0; r < rows.Count; r++)
            Bind(f.Output, Call(call, rows.Row(r)), rows.Row(r), step.BoundBefore, output, f);
        return output;
    }

    /// <summary>
    /// Binds <paramref name="value"/> to <paramref name="binding"/> on a copy of
    /// <paramref name="row"/>, adding the resulting rows to <paramref name="output"/>. A nil binds
    /// nothing (the row is dropped); a variable already bound must equal the value.
    /// </summary>
    public static void Bind(Binding binding, QValue value, ReadOnlySpan<QValue> row, ulong bound, Rel output, Clause? clause)
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
                output.Add(row)[s.Slot] = value;
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
                var current = new Rel(row.Length, 1);
                current.Add(row);
                var b = bound;
                for (var i = 0; i < t.Items.Length; i++)
                {
                    var next = new Rel(row.Length, current.Count);
                    for (var r = 0; r < current.Count; r++)
                        Bind(t.Items[i], items[i], current.Row(r), b, next, clause);
                    current.Release();
                    current = next;
                    b |= t.Items[i].Vars();
                }
                for (var r = 0; r < current.Count; r++)
                    output.Add(current.Row(r));
                current.Release();
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
}

namespace Datom.Index.Query;

internal enum Version : byte
{
    /// <summary>Answers known before the current iteration's new ones.</summary>
    Old,

    /// <summary>Answers new in the previous iteration.</summary>
    Delta,

    /// <summary>Old and delta together.</summary>
    Full,
}

/// <summary>Which version of each rule call's answers one semi-naive evaluation of a body reads.</summary>
internal sealed class Variant(RuleContext context, Version[] calls)
{
    public RuleContext Context { get; } = context;

    public Version[] Calls { get; } = calls;
}

/// <summary>
/// The answers of one rule for one binding pattern (adornment) of its arguments, restricted to the
/// argument values it was called with (its magic set: the values at the bound positions). Both
/// lists only grow; each iteration of the fixpoint sees them up to the bounds it took at its start.
/// </summary>
internal sealed class RuleTable(RuleDef def, ulong adornment)
{
    public RuleDef Def { get; } = def;

    public ulong Adornment { get; } = adornment;

    public List<QValue[]> Magic { get; } = [];

    public HashSet<QValue[]> MagicSet { get; } = new(RowComparer.Instance);

    public List<QValue[]> Answers { get; } = [];

    public HashSet<QValue[]> AnswerSet { get; } = new(RowComparer.Instance);

    public int MagicOld { get; set; }

    public int MagicEnd { get; set; }

    public int AnswersOld { get; set; }

    public int AnswersEnd { get; set; }

    /// <summary>Answer positions by the values at the call's bound positions, built as answers arrive.</summary>
    public Dictionary<ulong, (Dictionary<JoinKey, List<int>> Index, int Upto)> Indexes { get; } = [];

    public (int Lo, int Hi) Range(Version version) => version switch
    {
        Version.Old => (0, AnswersOld),
        Version.Delta => (AnswersOld, AnswersEnd),
        _ => (0, AnswersEnd),
    };
}

/// <summary>
/// What one definition of one table keeps between iterations: the rows that reach its first rule
/// call (they depend only on the magic values and the database, so they are computed once per
/// magic value), indexed by the call's bound arguments so that an iteration joins only the new
/// answers with them.
/// </summary>
internal sealed class BodyState(int width)
{
    public Rel Prefix { get; } = new(width);

    /// <summary>Prefix rows from the magic values before the current iteration's new ones.</summary>
    public int RowsBeforeDelta { get; set; }

    public Dictionary<JoinKey, List<int>> Index { get; } = [];

    public int IndexedUpTo { get; set; }
}

/// <summary>The tables of one fixpoint: every rule and adornment reached from the call that started it.</summary>
internal sealed class RuleContext
{
    private readonly Dictionary<(RuleDef, ulong), RuleTable> _tables = [];
    private readonly Dictionary<(RuleTable, RuleBody), BodyState> _states = [];

    public BodyState State(RuleTable table, RuleBody body)
    {
        if (!_states.TryGetValue((table, body), out var state))
            _states[(table, body)] = state = new BodyState(body.Body.Scope.Width);
        return state;
    }

    public void Release()
    {
        foreach (var state in _states.Values)
            state.Prefix.Release();
        _states.Clear();
    }

    public List<RuleTable> Order { get; } = [];

    public RuleTable Table(RuleDef def, ulong adornment)
    {
        if (!_tables.TryGetValue((def, adornment), out var t))
        {
            _tables[(def, adornment)] = t = new RuleTable(def, adornment);
            Order.Add(t);
        }
        return t;
    }

    public RuleTable? Find(RuleDef def, ulong adornment) => _tables.GetValueOrDefault((def, adornment));
}

internal sealed partial class Evaluator
{
    /// <summary>
    /// A rule call. Outside a fixpoint (in the query, or under not) it starts one: a table for the
    /// call's adornment seeded with the rows' bound argument values, run to completion, then joined
    /// with the rows. Inside a rule body being evaluated it adds its bound values to the callee's
    /// magic set and joins with the version of the callee's answers the variant says.
    /// </summary>
    private Rel ExecRule(RuleStep step, Rel rows, Variant? variant)
    {
        var context = variant?.Context ?? new RuleContext();
        var table = context.Table(step.Rule, step.Adornment);
        var call = (RuleCallClause)step.Clause;
        var constants = call.Args.Select(a => a.Kind == ArgKind.Const ? Conversions.FromObject(a.Const) : QValue.Nil).ToArray();
        for (var r = 0; r < rows.Count; r++)
        {
            var magic = BoundArgs(call, step.Adornment, rows.Row(r), constants);
            if (table.MagicSet.Add(magic))
            {
                Spend(table.Magic.Count, magic.Length);
                table.Magic.Add(magic);
            }
        }
        if (variant is null)
        {
            try
            {
                Fixpoint(context);
            }
            finally
            {
                context.Release();
            }
            return JoinAnswers(step, rows, table, constants, 0, table.Answers.Count);
        }
        var (lo, hi) = table.Range(variant.Calls[step.CallIndex]);
        return JoinAnswers(step, rows, table, constants, lo, hi);
    }

    private static QValue[] BoundArgs(RuleCallClause call, ulong adornment, ReadOnlySpan<QValue> row, QValue[] constants)
    {
        var values = new QValue[System.Numerics.BitOperations.PopCount(adornment)];
        var k = 0;
        for (var i = 0; i < call.Args.Length; i++)
        {
            if ((adornment & (1UL << i)) == 0)
                continue;
            var arg = call.Args[i];
            values[k++] = arg.Kind == ArgKind.Var ? row[arg.Slot] : constants[i];
        }
        return values;
    }

    /// <summary>Rows joined with answers [lo, hi) on the call's bound arguments, binding the free ones.</summary>
    private static Rel JoinAnswers(RuleStep step, Rel rows, RuleTable table, QValue[] constants, int lo, int hi)
    {
        var output = new Rel(rows.Width, rows.Count);
        if (hi <= lo)
            return output;
        var call = (RuleCallClause)step.Clause;
        var boundPositions = Enumerable.Range(0, call.Args.Length).Where(i => (step.Adornment & (1UL << i)) != 0).ToArray();
        var index = AnswerIndex(table, boundPositions);
        for (var r = 0; r < rows.Count; r++)
        {
            var row = rows.Row(r);
            var bound = BoundArgs(call, step.Adornment, row, constants);
            var key = bound.Length switch
            {
                0 => JoinKey.Empty,
                1 => new JoinKey(bound[0]),
                _ => new JoinKey(bound),
            };
            if (!index.TryGetValue(key, out var positions))
                continue;
            var start = positions.BinarySearch(lo);
            if (start < 0)
                start = ~start;
            for (var p = start; p < positions.Count && positions[p] < hi; p++)
            {
                var answer = table.Answers[positions[p]];
                var copy = output.Next();
                row.CopyTo(copy);
                var ok = true;
                for (var i = 0; i < call.Args.Length && ok; i++)
                {
                    var arg = call.Args[i];
                    if ((step.Adornment & (1UL << i)) != 0 || arg.Kind != ArgKind.Var)
                        continue;
                    // A variable in two free places binds at the first and must agree at the second.
                    if (FirstFree(call, step.Adornment, arg.Slot) < i)
                        ok = copy[arg.Slot].Equals(answer[i]);
                    else
                        copy[arg.Slot] = answer[i];
                }
                if (ok)
                    output.Commit();
            }
        }
        return output;
    }

    private static int FirstFree(RuleCallClause call, ulong adornment, int slot)
    {
        for (var i = 0; i < call.Args.Length; i++)
        {
            if ((adornment & (1UL << i)) == 0 && call.Args[i].Kind == ArgKind.Var && call.Args[i].Slot == slot)
                return i;
        }
        return -1;
    }

    private static Dictionary<JoinKey, List<int>> AnswerIndex(RuleTable table, int[] boundPositions)
    {
        ulong mask = 0;
        foreach (var p in boundPositions)
            mask |= 1UL << p;
        if (!table.Indexes.TryGetValue(mask, out var entry))
            entry = ([], 0);
        var (index, upto) = entry;
        for (var a = upto; a < table.Answers.Count; a++)
        {
            var answer = table.Answers[a];
            JoinKey key;
            if (boundPositions.Length == 0)
            {
                key = JoinKey.Empty;
            }
            else if (boundPositions.Length == 1)
            {
                key = new JoinKey(answer[boundPositions[0]]);
            }
            else
            {
                var values = new QValue[boundPositions.Length];
                for (var k = 0; k < values.Length; k++)
                    values[k] = answer[boundPositions[k]];
                key = new JoinKey(values);
            }
            if (!index.TryGetValue(key, out var list))
                index[key] = list = [];
            list.Add(a);
        }
        table.Indexes[mask] = (index, table.Answers.Count);
        return index;
    }

    /// <summary>
    /// Semi-naive evaluation over magic sets. Each iteration first makes what the previous one
    /// derived visible (its delta), then evaluates every definition of every table in variants
    /// that each read at least one delta: the new magic values against all answers, and for each
    /// rule call j the old magic values with call j reading only its delta (calls before j their
    /// old answers, after j all answers). A fact is so derived from each combination of inputs
    /// once, and the loop ends when an iteration derives nothing, which on a finite database it
    /// must (rules over cycles included: answers are sets). The rows that reach a definition's
    /// first call are kept (<see cref="BodyState"/>), so the variant of that call joins only the
    /// new answers with them: linear recursion costs what it derives, not depth times that.
    /// </summary>
    private void Fixpoint(RuleContext context)
    {
        while (true)
        {
            var changed = false;
            foreach (var t in context.Order)
            {
                t.MagicOld = t.MagicEnd;
                t.MagicEnd = t.Magic.Count;
                t.AnswersOld = t.AnswersEnd;
                t.AnswersEnd = t.Answers.Count;
                changed |= t.MagicOld < t.MagicEnd || t.AnswersOld < t.AnswersEnd;
            }
            if (!changed)
                return;
            foreach (var t in context.Order.ToArray())
            {
                foreach (var body in t.Def.Bodies)
                    Iterate(context, t, body);
            }
        }
    }

    private void Iterate(RuleContext context, RuleTable t, RuleBody body)
    {
        var plan = Planner.Plan(body.Body, Planner.HeadMask(body, t.Adornment), 1, run);
        var calls = plan.Steps.OfType<RuleStep>().ToArray();
        var end = plan.Steps.Count;
        if (calls.Length == 0)
        {
            if (t.MagicOld < t.MagicEnd)
                Collect(t, body, Execute(plan, Seeds(t, body, t.MagicOld, t.MagicEnd), null));
            return;
        }
        var first = IndexOf(plan, calls[0]);
        var state = context.State(t, body);
        state.RowsBeforeDelta = state.Prefix.Count;
        var all = new Version[calls.Length];
        Array.Fill(all, Version.Full);
        if (t.MagicOld < t.MagicEnd)
        {
            var prefix = Execute(plan, 0, first, Seeds(t, body, t.MagicOld, t.MagicEnd), null);
            for (var r = 0; r < prefix.Count; r++)
                state.Prefix.Add(prefix.Row(r));
            Collect(t, body, Execute(plan, first, end, prefix, new Variant(context, all)));
        }
        if (state.RowsBeforeDelta == 0)
            return;
        for (var j = 0; j < calls.Length; j++)
        {
            var callee = context.Find(calls[j].Rule, calls[j].Adornment);
            if (callee is null || callee.AnswersOld == callee.AnswersEnd)
                continue;
            var versions = new Version[calls.Length];
            for (var c = 0; c < calls.Length; c++)
                versions[c] = c < j ? Version.Old : c == j ? Version.Delta : Version.Full;
            var variant = new Variant(context, versions);
            if (j == 0)
            {
                Collect(t, body, Execute(plan, first + 1, end, JoinDelta(state, calls[0], callee), variant));
            }
            else
            {
                var old = new Rel(state.Prefix.Width, state.RowsBeforeDelta);
                for (var r = 0; r < state.RowsBeforeDelta; r++)
                    old.Add(state.Prefix.Row(r));
                Collect(t, body, Execute(plan, first, end, old, variant));
            }
        }
    }

    private static int IndexOf(Plan plan, Step step)
    {
        for (var i = 0; i < plan.Steps.Count; i++)
        {
            if (ReferenceEquals(plan.Steps[i], step))
                return i;
        }
        return -1;
    }

    /// <summary>The kept prefix rows (before this iteration) joined with the callee's new answers.</summary>
    private static Rel JoinDelta(BodyState state, RuleStep step, RuleTable callee)
    {
        var call = (RuleCallClause)step.Clause;
        var constants = call.Args.Select(a => a.Kind == ArgKind.Const ? Conversions.FromObject(a.Const) : QValue.Nil).ToArray();
        var boundPositions = Enumerable.Range(0, call.Args.Length).Where(i => (step.Adornment & (1UL << i)) != 0).ToArray();
        for (var r = state.IndexedUpTo; r < state.RowsBeforeDelta; r++)
        {
            var bound = BoundArgs(call, step.Adornment, state.Prefix.Row(r), constants);
            var key = bound.Length switch
            {
                0 => JoinKey.Empty,
                1 => new JoinKey(bound[0]),
                _ => new JoinKey(bound),
            };
            if (!state.Index.TryGetValue(key, out var list))
                state.Index[key] = list = [];
            list.Add(r);
        }
        state.IndexedUpTo = state.RowsBeforeDelta;

        var output = new Rel(state.Prefix.Width);
        for (var a = callee.AnswersOld; a < callee.AnswersEnd; a++)
        {
            var answer = callee.Answers[a];
            JoinKey key;
            if (boundPositions.Length == 0)
            {
                key = JoinKey.Empty;
            }
            else if (boundPositions.Length == 1)
            {
                key = new JoinKey(answer[boundPositions[0]]);
            }
            else
            {
                var values = new QValue[boundPositions.Length];
                for (var k = 0; k < values.Length; k++)
                    values[k] = answer[boundPositions[k]];
                key = new JoinKey(values);
            }
            if (!state.Index.TryGetValue(key, out var rows))
                continue;
            foreach (var r in rows)
            {
                var copy = output.Next();
                state.Prefix.Row(r).CopyTo(copy);
                var ok = true;
                for (var i = 0; i < call.Args.Length && ok; i++)
                {
                    var arg = call.Args[i];
                    if ((step.Adornment & (1UL << i)) != 0 || arg.Kind != ArgKind.Var)
                        continue;
                    if (FirstFree(call, step.Adornment, arg.Slot) < i)
                        ok = copy[arg.Slot].Equals(answer[i]);
                    else
                        copy[arg.Slot] = answer[i];
                }
                if (ok)
                    output.Commit();
            }
        }
        return output;
    }

    private static Rel Seeds(RuleTable table, RuleBody body, int magicLo, int magicHi)
    {
        var seeds = new Rel(body.Body.Scope.Width, magicHi - magicLo);
        for (var m = magicLo; m < magicHi; m++)
        {
            var magic = table.Magic[m];
            var row = seeds.Next();
            var k = 0;
            for (var i = 0; i < body.Head.Length; i++)
            {
                if ((table.Adornment & (1UL << i)) != 0)
                    row[body.Head[i]] = magic[k++];
            }
            seeds.Commit();
        }
        return seeds;
    }

    /// <summary>
    /// A rule table keeps one more tuple: a step, the row cap on the table, and its memory (held
    /// until the query ends, as the tables are).
    /// </summary>
    private void Spend(int count, int cells)
    {
        run.Budget.Row(count);
        run.Budget.Charge(TupleBytes(cells));
    }

    /// <summary>Adds the head tuples of solved rows to the table's answers, and releases the rows.</summary>
    private void Collect(RuleTable table, RuleBody body, Rel solved)
    {
        for (var r = 0; r < solved.Count; r++)
        {
            var row = solved.Row(r);
            var answer = new QValue[body.Head.Length];
            for (var i = 0; i < answer.Length; i++)
                answer[i] = row[body.Head[i]];
            if (table.AnswerSet.Add(answer))
            {
                Spend(table.Answers.Count, answer.Length);
                table.Answers.Add(answer);
            }
        }
        solved.Release();
    }
}

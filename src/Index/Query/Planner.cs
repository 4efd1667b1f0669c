using System.Globalization;
using System.Numerics;
using System.Text;

namespace Datom.Index.Query;

/// <summary>An ordered way to run a clause list, given which of its variables are bound on entry.</summary>
internal sealed class Plan(Body body, ulong initialBound, IReadOnlyList<Step> steps, double estimatedRows)
{
    public Body Body { get; } = body;

    public ulong InitialBound { get; } = initialBound;

    public IReadOnlyList<Step> Steps { get; } = steps;

    public double EstimatedRows { get; } = estimatedRows;

    /// <summary>How many rule-call steps the plan has (the semi-naive variants number them).</summary>
    public int RuleCalls { get; init; }
}

internal abstract class Step(Clause clause, ulong boundBefore, double estimatedRows)
{
    public Clause Clause { get; } = clause;

    /// <summary>Variables bound when the step runs.</summary>
    public ulong BoundBefore { get; } = boundBefore;

    /// <summary>The planner's estimate of the rows after the step.</summary>
    public double EstimatedRows { get; } = estimatedRows;
}

internal sealed class PatternStep(PatternClause clause, ulong bound, double rows, ResolvedPattern pattern, bool lookupExpected)
    : Step(clause, bound, rows)
{
    public ResolvedPattern Pattern { get; } = pattern;

    public bool LookupExpected { get; } = lookupExpected;
}

internal sealed class FnStep(FnClause clause, ulong bound, double rows) : Step(clause, bound, rows);

internal sealed class NotStep(NotClause clause, ulong bound, double rows, Plan body) : Step(clause, bound, rows)
{
    public Plan Body { get; } = body;
}

internal sealed class OrStep(OrClause clause, ulong bound, double rows, Plan[] branches) : Step(clause, bound, rows)
{
    public Plan[] Branches { get; } = branches;
}

internal sealed class RuleStep(RuleCallClause clause, ulong bound, double rows, RuleDef rule, ulong adornment, int callIndex)
    : Step(clause, bound, rows)
{
    public RuleDef Rule { get; } = rule;

    /// <summary>Argument positions bound at the call (constants and bound variables).</summary>
    public ulong Adornment { get; } = adornment;

    public int CallIndex { get; } = callIndex;
}

/// <summary>
/// Orders clauses greedily by estimated result size, independent of the order they were written
/// in: at each step it runs every filter whose inputs are bound (predicates, not, functions whose
/// outputs are bound, data patterns whose variables are all bound), then every function whose
/// inputs are bound and that binds one row per row,
/// and otherwise the producer (data pattern, or, rule call, collection function) with the
/// smallest estimated output given what is bound. Ties go to the cheaper clause, then to the
/// clause's text, so any permutation of the same clauses gets the same plan.
/// </summary>
internal static class Planner
{
    /// <summary>
    /// What one index lookup (a B-tree descent: a cursor seek plus the first key compare) costs in
    /// units of one datom read during a scan. LMDB reads a datom in a scan in tens of nanoseconds
    /// and seeks in about a microsecond, so one seek is worth 16 to 32 scanned datoms; the lower
    /// bound keeps lookups for selective joins.
    /// </summary>
    public const double SeekCost = 16;

    /// <summary>
    /// What one lookup costs when the lookups of a join are made in index order (an entity join: the
    /// evaluator sorts them, and the view continues each from where the previous one stopped, in the
    /// block it has loaded). Measured on DataScript's benchmark (2,548 sorted lookups of [?e :age ?a]
    /// against one scan of its 20,411 datoms and a hash join): the lookups took 30-70% of the scan's
    /// time, so one costs under 8 scanned datoms; 4 keeps lookups where they win and scans where a
    /// large share of the attribute is wanted anyway.
    /// </summary>
    public const double SortedSeekCost = 4;

    /// <summary>Values per entity of a cardinality-many attribute, without statistics.</summary>
    private const double ManyFanout = 4;

    /// <summary>Attributes per entity, for [?e ?a ?v] with ?e bound.</summary>
    private const double AttrsPerEntity = 8;

    /// <summary>Fraction of rows a predicate or not keeps, without statistics.</summary>
    private const double FilterSelectivity = 0.5;

    /// <summary>Elements per row of a collection binding, and answers per bound rule call.</summary>
    private const double CollectionFanout = 8;

    public static Plan Plan(Body body, ulong bound, double rowsIn, RunContext run)
    {
        var key = (body, bound);
        if (run.Plans.TryGetValue(key, out var cached))
            return cached;
        var plan = Build(body, bound, Math.Max(1, rowsIn), run);
        run.Plans[key] = plan;
        return plan;
    }

    private static Plan Build(Body body, ulong initial, double rows, RunContext run)
    {
        var remaining = body.Clauses.Select((c, i) => (Clause: c, Index: i)).ToList();
        var steps = new List<Step>();
        var bound = initial;
        var calls = 0;
        while (remaining.Count > 0)
        {
            (int Priority, double Out, double Cost, int At)? best = null;
            Func<Step>? make = null;
            for (var r = 0; r < remaining.Count; r++)
            {
                var clause = remaining[r].Clause;
                var cand = Candidate(clause, bound, rows, run, body.Scope);
                if (cand is null)
                    continue;
                var (priority, estOut, cost, build) = cand.Value;
                if (best is null || Better((priority, estOut, cost, clause.Text, remaining[r].Index), best.Value, remaining))
                {
                    best = (priority, estOut, cost, r);
                    make = () => build(bound, calls);
                }
            }
            if (best is null)
                throw Stuck(remaining.Select(x => x.Clause).ToList(), bound, body.Scope);
            var step = make!();
            steps.Add(step);
            if (step is RuleStep)
                calls++;
            bound |= Binds(step.Clause);
            rows = Math.Max(step.EstimatedRows, 0);
            remaining.RemoveAt(best.Value.At);
        }
        return new Plan(body, initial, steps, rows) { RuleCalls = calls };
    }

    private static bool Better((int P, double Out, double Cost, string Text, int Index) a, (int P, double Out, double Cost, int At) b, List<(Clause Clause, int Index)> remaining)
    {
        if (a.P != b.P)
            return a.P < b.P;
        if (a.Out != b.Out)
            return a.Out < b.Out;
        if (a.Cost != b.Cost)
            return a.Cost < b.Cost;
        var other = remaining[b.At];
        var c = string.CompareOrdinal(a.Text, other.Clause.Text);
        return c != 0 ? c < 0 : a.Index < other.Index;
    }

    /// <summary>Variables a clause binds once it has run.</summary>
    public static ulong Binds(Clause clause) => clause switch
    {
        PatternClause p => p.Vars,
        FnClause f => f.Outputs,
        OrClause o => o.Join,
        RuleCallClause r => r.Vars,
        _ => 0,
    };

    /// <summary>Whether the clause can run now and, if so, its priority, estimated output, cost and how to make its step.</summary>
    private static (int Priority, double Out, double Cost, Func<ulong, int, Step> Build)? Candidate(Clause clause, ulong bound, double rows, RunContext run, Scope scope)
    {
        switch (clause)
        {
            case PatternClause p:
            {
                var rp = run.Resolve(p);
                var (estOut, cost, lookup) = EstimatePattern(rp, bound, rows);
                // A pattern whose variables are all bound can only drop rows: a filter, run early.
                var priority = p.Vars != 0 && (p.Vars & ~bound) == 0 ? 0 : 2;
                return (priority, estOut, cost, (b, _) => new PatternStep(p, b, estOut, rp, lookup));
            }
            case FnClause f:
            {
                if ((f.Inputs & ~bound) != 0)
                    return null;
                var outputs = f.Outputs;
                if (f.Output is null || (outputs & ~bound) == 0)
                    return (0, rows * FilterSelectivity, rows, (b, _) => new FnStep(f, b, rows * FilterSelectivity));
                if (!f.Output.Multiplies)
                    return (1, rows, rows, (b, _) => new FnStep(f, b, rows));
                return (2, rows * CollectionFanout, rows, (b, _) => new FnStep(f, b, rows * CollectionFanout));
            }
            case NotClause n:
            {
                if ((n.Join & ~bound) != 0)
                    return null;
                return (0, rows * FilterSelectivity, rows, (b, _) =>
                {
                    var innerBound = InnerMask(n.Outer, n.Inner, b);
                    var plan = Plan(n.Body, innerBound, rows, run);
                    return new NotStep(n, b, rows * FilterSelectivity, plan);
                });
            }
            case OrClause o:
            {
                if ((o.Required & ~bound) != 0)
                    return null;
                var plans = new Plan[o.Branches.Length];
                double total = 0;
                for (var i = 0; i < plans.Length; i++)
                {
                    plans[i] = Plan(o.Branches[i], InnerMask(o.Outer, o.Inner[i], bound), rows, run);
                    total += plans[i].EstimatedRows;
                }
                var estOut = (o.Join & bound) == 0 ? rows * total : total;
                return (2, estOut, total, (b, _) => new OrStep(o, b, estOut, plans));
            }
            case RuleCallClause r:
            {
                var def = RuleFor(r, run);
                ulong adornment = 0;
                for (var i = 0; i < r.Args.Length; i++)
                {
                    var arg = r.Args[i];
                    if (arg.Kind == ArgKind.Const || (arg.Kind == ArgKind.Var && (bound & arg.Mask) != 0))
                        adornment |= 1UL << i;
                }
                if ((def.Required & ~adornment) != 0)
                    return null;
                var estOut = adornment != 0 ? rows * CollectionFanout : rows * UnboundRuleEstimate(def, run);
                return (2, estOut, estOut, (b, calls) => new RuleStep(r, b, estOut, def, adornment, calls));
            }
            default:
                throw clause.Error("unknown clause");
        }
    }

    /// <summary>
    /// Rows out and work for a data pattern. Without a bound variable it is a scan of what the
    /// constants match (a cross product with the rows so far). With one, either a lookup per
    /// binding or one scan and a hash join, whichever is cheaper; the output is the rows times
    /// the pattern's fan-out per binding, estimated from the schema: one value per entity for a
    /// cardinality-one attribute, a constant value's share of its attribute's datoms, √n entities
    /// per value (no value statistics are kept).
    /// </summary>
    private static (double Out, double Cost, bool Lookup) EstimatePattern(ResolvedPattern rp, ulong bound, double rows)
    {
        var p = rp.Clause;
        double scan = rp.Scan;
        bool be = (p.E.Mask & bound) != 0, ba = (p.A.Mask & bound) != 0, bv = (p.V.Mask & bound) != 0;
        bool bt = (p.Tx.Mask & bound) != 0, bd = (p.Added.Mask & bound) != 0;
        if (!(be || ba || bv || bt || bd))
            return (rows * scan, rp.ScanCost, false);
        double fanout;
        if (be)
        {
            fanout = rp.A is not null ? (rp.Schema!.Many ? Math.Min(ManyFanout, Math.Max(scan, 1)) : 1) : AttrsPerEntity;
            if (rp.V is not null)
            {
                // The value's share of the attribute's datoms; an index that caps its estimates
                // (so both counts are the cap) says nothing, and a constant is taken to halve.
                var share = rp.AttrCount > 0 ? scan / rp.AttrCount : 0;
                fanout *= share >= 1 && scan > 1 ? FilterSelectivity : share;
            }
            else if (bv)
                fanout /= Math.Sqrt(Math.Max(rp.AttrCount, 1));
        }
        else if (bv)
        {
            fanout = rp.Schema is { Unique: not Schema.Uniqueness.None } ? 1 : Math.Sqrt(Math.Max(scan, 1));
        }
        else
        {
            fanout = Math.Sqrt(Math.Max(scan, 1));
        }
        var estOut = Math.Min(rows * fanout, rows * scan);
        var pushable = be || ba || bv;
        // One bound entity (e, or the value of a ref attribute) is a join the evaluator makes in entity order.
        var sorted = (be ? 1 : 0) + (ba ? 1 : 0) + (bv ? 1 : 0) + (bt ? 1 : 0) + (bd ? 1 : 0) == 1 && (be || (bv && rp.Schema is { IsRef: true }));
        var seek = sorted ? SortedSeekCost : SeekCost;
        var lookup = pushable && rows * seek < rp.ScanCost;
        var cost = lookup ? rows * seek : rp.ScanCost;
        return (estOut, cost, lookup);
    }

    /// <summary>For a rule called with nothing bound: per definition, its most selective data pattern.</summary>
    private static double UnboundRuleEstimate(RuleDef def, RunContext run)
    {
        double total = 0;
        foreach (var body in def.Bodies)
        {
            double best = double.MaxValue;
            foreach (var c in body.Body.Clauses)
            {
                if (c is PatternClause p && run.HasSource(p.Source))
                    best = Math.Min(best, run.Resolve(p).Scan);
            }
            total += best == double.MaxValue ? 1000 : best;
        }
        return Math.Max(total, 1);
    }

    public static RuleDef RuleFor(RuleCallClause call, RunContext run)
    {
        if (!run.Rules.Rules.TryGetValue(call.Name, out var def))
        {
            throw call.Error(run.Rules.Rules.Count == 0
                ? $"{call.Name} is not a rule (no rules were passed as %); a function call is written [({call.Name} …)]"
                : $"unknown rule {call.Name}");
        }
        if (def.Arity != call.Args.Length)
            throw call.Error($"wrong number of arguments: rule {call.Name} takes {def.Arity}, got {call.Args.Length}");
        return def;
    }

    /// <summary>The inner slots of join variables whose outer slots are bound.</summary>
    public static ulong InnerMask(int[] outer, int[] inner, ulong bound)
    {
        ulong mask = 0;
        for (var i = 0; i < outer.Length; i++)
        {
            if ((bound & (1UL << outer[i])) != 0)
                mask |= 1UL << inner[i];
        }
        return mask;
    }

    private static QueryException Stuck(List<Clause> remaining, ulong bound, Scope scope)
    {
        // Name the first clause (as written) that cannot run, and what it waits for.
        foreach (var clause in remaining)
        {
            ulong needs = clause switch
            {
                FnClause f => f.Inputs,
                NotClause n => n.Join,
                OrClause o => o.Required,
                _ => 0,
            };
            var missing = needs & ~bound;
            if (missing == 0)
                continue;
            var what = clause switch
            {
                FnClause { Output: null } => "predicate",
                FnClause => "function",
                NotClause => "not",
                _ => "or-join",
            };
            return clause.Error($"insufficient bindings: {scope.Names(missing)} must be bound before this {what} runs, and no other clause binds {(BitOperations.PopCount(missing) == 1 ? "it" : "them")}");
        }
        var first = remaining[0];
        return first is RuleCallClause r
            ? first.Error($"insufficient bindings: rule {r.Name} requires some of its arguments bound")
            : first.Error("insufficient bindings");
    }

    // ---- explain ----

    public static void Explain(Plan plan, RunContext run, StringBuilder sb, int indent, HashSet<(RuleDef, ulong)> explained)
    {
        var pad = new string(' ', indent);
        var scope = plan.Body.Scope;
        if (plan.Steps.Count == 0)
            sb.Append(pad).AppendLine("(no clauses)");
        for (var i = 0; i < plan.Steps.Count; i++)
        {
            var step = plan.Steps[i];
            sb.Append(pad).Append(i + 1).Append(". ").Append(step.Clause.Text).AppendLine();
            sb.Append(pad).Append("   ").Append(Describe(step, scope)).Append("; ~").Append(Rows(step.EstimatedRows)).AppendLine(" rows");
            switch (step)
            {
                case NotStep n:
                    Explain(n.Body, run, sb, indent + 6, explained);
                    break;
                case OrStep o:
                    for (var b = 0; b < o.Branches.Length; b++)
                    {
                        sb.Append(pad).Append("   branch ").Append(b + 1).AppendLine(":");
                        Explain(o.Branches[b], run, sb, indent + 6, explained);
                    }
                    break;
                case RuleStep r when explained.Add((r.Rule, r.Adornment)):
                    for (var b = 0; b < r.Rule.Bodies.Count; b++)
                    {
                        var body = r.Rule.Bodies[b];
                        sb.Append(pad).Append("   definition ").Append(b + 1).Append(": ").AppendLine(body.Text);
                        Explain(Plan(body.Body, HeadMask(body, r.Adornment), 1, run), run, sb, indent + 6, explained);
                    }
                    break;
            }
        }
    }

    public static ulong HeadMask(RuleBody body, ulong adornment)
    {
        ulong mask = 0;
        for (var i = 0; i < body.Head.Length; i++)
        {
            if ((adornment & (1UL << i)) != 0)
                mask |= 1UL << body.Head[i];
        }
        return mask;
    }

    private static string Describe(Step step, Scope scope)
    {
        switch (step)
        {
            case PatternStep p:
            {
                var rp = p.Pattern;
                var c = rp.Clause;
                if (rp.Empty)
                    return "matches nothing (a constant names no entity or value)";
                var bound = p.BoundBefore;
                var boundVars = (c.E.Mask | c.A.Mask | c.V.Mask | c.Tx.Mask | c.Added.Mask) & bound;
                var src = c.Source == "$" ? "" : c.Source + " ";
                if (boundVars == 0)
                    return $"{src}scan {Index(rp.E is not null, rp.A is not null, rp.V is not null, rp)} ({Rows(rp.Scan)} datoms)";
                bool e = rp.E is not null || (c.E.Mask & bound) != 0;
                bool a = rp.A is not null || (c.A.Mask & bound) != 0;
                bool v = rp.V is not null || (c.V.Mask & bound) != 0;
                var join = scope.Names(boundVars);
                return p.LookupExpected
                    ? $"{src}{Index(e, a, v, rp)} lookup per binding of {join} (else one scan and a hash join)"
                    : $"{src}scan {Index(rp.E is not null, rp.A is not null, rp.V is not null, rp)} ({Rows(rp.Scan)} datoms), hash join on {join}";
            }
            case FnStep f:
            {
                var fc = (FnClause)f.Clause;
                if (fc.Output is null)
                    return "predicate (filter)";
                var outs = fc.Outputs & ~f.BoundBefore;
                return outs == 0 ? "function, result compared with bound variables (filter)" : "function binding " + scope.Names(outs);
            }
            case NotStep n:
                return "anti-join on " + (n.Body.InitialBound == 0 ? "nothing (removes every row if the body has a solution)" : n.Body.Body.Scope.Names(n.Body.InitialBound));
            case OrStep o:
            {
                var oc = (OrClause)o.Clause;
                var on = oc.Join & o.BoundBefore;
                return $"union of {o.Branches.Length} branches" + (on == 0 ? "" : ", join on " + scope.Names(on));
            }
            case RuleStep r:
            {
                var rc = (RuleCallClause)r.Clause;
                var boundArgs = new List<string>();
                for (var i = 0; i < rc.Args.Length; i++)
                {
                    if ((r.Adornment & (1UL << i)) != 0)
                        boundArgs.Add(rc.Args[i].Kind == ArgKind.Var ? scope.Name(rc.Args[i].Slot) : Conversions.Text(rc.Args[i].Const));
                }
                var name = r.Rule.Synthetic ? "or (as a rule, for recursion)" : "rule " + r.Rule.Name;
                return $"{name}, semi-naive fixpoint" + (boundArgs.Count == 0 ? ", nothing bound" : ", seeded with " + string.Join(" ", boundArgs));
            }
            default:
                return "";
        }
    }

    /// <summary>Which index the view's Match uses for the places given (IDatomView.Match).</summary>
    private static string Index(bool e, bool a, bool v, ResolvedPattern rp)
    {
        if (e)
            return a ? "AEVT" : "EAVT";
        if (a && v)
            return "AVET";
        if (v && (rp.Schema?.IsRef ?? rp.V is { Type: Log.Model.ValueType.Ref }))
            return "VAET";
        if (a)
            return "AEVT";
        return v ? "AEVT (every datom, filtered by value)" : "AEVT (every datom)";
    }

    private static string Rows(double n) =>
        n >= 1e9 ? n.ToString("0.##e0", CultureInfo.InvariantCulture) : Math.Round(n).ToString("0", CultureInfo.InvariantCulture);
}

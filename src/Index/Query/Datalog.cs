using System.Collections;
using System.Collections.Concurrent;
using System.Text;
using Datom.Index.Transactions;
using Datom.Log.Edn;

namespace Datom.Index.Query;

/// <summary>
/// A parsed query, ready to run any number of times against any views. Parsing checks the query's
/// shape (sections, find spec, bindings, clauses, function names and arities); what needs a
/// database (attributes, idents, rules passed as %) is checked when it runs.
/// </summary>
public sealed class DatalogQuery
{
    private readonly ParsedQuery _query;
    private readonly Lock _rulesLock = new();
    private object? _rulesForm;
    private RuleSet? _rules;

    private DatalogQuery(ParsedQuery query) => _query = query;

    /// <summary>The query as EDN text.</summary>
    public string Text => _query.Text;

    /// <summary>What the :in clause binds, in order (<c>$</c>, <c>?x</c>, <c>[?x ...]</c>, <c>%</c>).</summary>
    public IReadOnlyList<string> Inputs => _query.Inputs.Select(i => i.Text).ToList();

    /// <summary>Parses EDN query text (a vector or a map); #id and #bytes literals are read as in tx-data.</summary>
    public static DatalogQuery Parse(string text, string? sourceName = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        object? form;
        try
        {
            form = EdnReader.ReadOne(text, TxDataParser.ReaderOptions(sourceName));
        }
        catch (EdnException e)
        {
            throw new QueryException(e.Reason, e.Position, null, e);
        }
        return FromEdn(form);
    }

    /// <summary>A query already read as EDN (an <see cref="EdnVector"/> or <see cref="EdnMap"/>).</summary>
    public static DatalogQuery FromEdn(object? form) => new(QueryParser.Parse(form));

    /// <summary>
    /// Runs the query. <paramref name="inputs"/> match :in in order (<c>:in $</c> when the query has
    /// no :in): an <see cref="IDatomView"/> for each source, rules (an EDN vector or its text) for
    /// <c>%</c>, and values for the other bindings (EDN values, entity ids, lists for collections).
    /// </summary>
    /// <remarks>Runs under <see cref="QueryLimits.Default"/>; see the overload that takes a budget.</remarks>
    public QueryResult Run(params object?[] inputs) => Run(new QueryBudget(QueryLimits.Default), inputs);

    /// <summary>
    /// Runs the query within <paramref name="budget"/>: the evaluator spends it as it goes and stops
    /// with a <see cref="QueryLimitException"/> naming the limit it reached, or with an
    /// <see cref="OperationCanceledException"/> when the budget's cancellation is requested.
    /// </summary>
    public QueryResult Run(QueryBudget budget, params object?[] inputs)
    {
        ArgumentNullException.ThrowIfNull(budget);
        using var scope = budget.Enter();
        budget.CheckTime();
        var (run, rows, bound) = Prepare(inputs, budget);
        var evaluator = new Evaluator(run);
        var plan = Planner.Plan(_query.Where, bound, rows.Count, run);
        var solved = evaluator.Execute(plan, rows, null);
        try
        {
            return Results.Build(_query, solved, run);
        }
        finally
        {
            solved.Release();
        }
    }

    /// <summary>
    /// The plan the query would run with these inputs, without running it: the clauses in the
    /// order they run, for each data pattern the index and how it joins, the estimated rows after
    /// each step, and nested plans for not, or and rules. Inputs are used for estimates only.
    /// </summary>
    public string Explain(params object?[] inputs)
    {
        var budget = new QueryBudget(QueryLimits.Default);
        using var scope = budget.Enter();
        var (run, rows, bound) = Prepare(inputs, budget);
        var plan = Planner.Plan(_query.Where, bound, rows.Count, run);
        var rowCount = rows.Count;
        rows.Release();
        var sb = new StringBuilder();
        sb.Append("query ").AppendLine(_query.Text);
        if (bound != 0)
            sb.Append("bound by :in: ").Append(_query.Where.Scope.Names(bound)).Append(" (").Append(rowCount).AppendLine(" rows)");
        sb.AppendLine("plan:");
        Planner.Explain(plan, run, sb, 2, []);
        sb.Append("find: ").Append(_query.Shape.ToString().ToLowerInvariant()).Append(' ').Append(string.Join(" ", _query.Find.Select(f => f.Text)));
        if (_query.With.Length > 0)
            sb.Append(" :with ").Append(string.Join(" ", _query.With.Select(_query.Where.Scope.Name)));
        sb.AppendLine();
        return sb.ToString();
    }

    public override string ToString() => Text;

    private (RunContext Run, Rel Rows, ulong Bound) Prepare(object?[] inputs, QueryBudget budget)
    {
        inputs ??= [null];
        var ins = _query.Inputs;
        if (!_query.ExplicitIn && inputs.Length == 0)
            ins = [];
        if (inputs.Length != ins.Count)
        {
            throw new QueryException(
                $"the query takes {ins.Count} input(s) (:in {string.Join(" ", ins.Select(i => i.Text))}), got {inputs.Length}",
                _query.Position, _query.Text);
        }
        var sources = new Dictionary<string, IDatomView>(StringComparer.Ordinal);
        var rules = RuleSet.Empty;
        var bindings = new List<(Binding Binding, object? Value, string Text)>();
        for (var i = 0; i < ins.Count; i++)
        {
            switch (ins[i])
            {
                case InputBinding.Source s:
                    sources[s.Name] = inputs[i] as IDatomView
                        ?? throw new QueryException($"input {i + 1} binds {s.Name}, a database, but is {Describe(inputs[i])}", _query.Position, _query.Text);
                    break;
                case InputBinding.Rules:
                    rules = CompileRules(inputs[i]);
                    break;
                case InputBinding.Bind b:
                    if (inputs[i] is IDatomView)
                        throw new QueryException($"input {i + 1} is a database, but :in binds it to {b.Text}; name a source $…", _query.Position, _query.Text);
                    bindings.Add((b.Binding, inputs[i], b.Text));
                    break;
            }
        }
        QueryParser.CheckCalls(_query.Where.Clauses, rules);

        var run = new RunContext(sources, rules, budget);
        var rows = Rel.Unit(_query.Where.Scope.Width);
        ulong bound = 0;
        foreach (var (binding, value, text) in bindings)
        {
            var q = Conversions.FromObject(value);
            if (binding is Binding.Scalar && q.IsNil)
            {
                rows.Release();
                throw new QueryException($"input {text} is nil", _query.Position, _query.Text);
            }
            var next = new Rel(rows.Width, rows.Count);
            try
            {
                for (var r = 0; r < rows.Count; r++)
                    Evaluator.Bind(binding, q, rows.Row(r), bound, next, null);
            }
            catch
            {
                next.Release();
                rows.Release();
                throw;
            }
            rows.Release();
            rows = next;
            bound |= binding.Vars();
        }
        return (run, rows, bound);
    }

    private RuleSet CompileRules(object? form)
    {
        if (form is string text)
        {
            try
            {
                form = EdnReader.ReadOne(text, TxDataParser.ReaderOptions("rules"));
            }
            catch (EdnException e)
            {
                throw new QueryException(e.Reason, e.Position, null, e);
            }
        }
        if (form is null)
            throw new QueryException("the query binds % but no rules were given", _query.Position, _query.Text);
        lock (_rulesLock)
        {
            if (!ReferenceEquals(form, _rulesForm) || _rules is null)
            {
                _rules = QueryParser.ParseRules(form);
                _rulesForm = form;
            }
            return _rules;
        }
    }

    private static string Describe(object? value) => value switch
    {
        null => "nil",
        string => "a string",
        IEnumerable => "a collection",
        _ => value.GetType().Name,
    };
}

/// <summary>Entry points: run a query, explain it, pull entities.</summary>
public static class Datalog
{
    // Parsed queries by text, as DataScript keeps an LRU of them: the same text is parsed once.
    private const int QueryCacheSize = 256;
    private static readonly ConcurrentDictionary<string, DatalogQuery> Parsed = new(StringComparer.Ordinal);

    /// <summary>Runs a query given as EDN text or an EDN form; see <see cref="DatalogQuery.Run"/>.</summary>
    public static QueryResult Query(object query, params object?[] inputs) => Prepare(query).Run(inputs);

    /// <summary>The plan of a query given as EDN text or an EDN form; see <see cref="DatalogQuery.Explain"/>.</summary>
    public static string Explain(object query, params object?[] inputs) => Prepare(query).Explain(inputs);

    public static DatalogQuery Prepare(object query)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query is DatalogQuery q)
            return q;
        if (query is not string text)
            return DatalogQuery.FromEdn(query);
        if (Parsed.TryGetValue(text, out var cached))
            return cached;
        var parsed = DatalogQuery.Parse(text);
        if (Parsed.Count >= QueryCacheSize)
            Parsed.Clear();
        Parsed[text] = parsed;
        return parsed;
    }

    /// <summary>
    /// Pulls one entity (an <see cref="Datom.Log.Model.EntityId"/>, an ident keyword, or a lookup ref
    /// <c>[:attr value]</c>) with a pattern (EDN text or form). Null when the entity does not exist
    /// or the pattern finds nothing on it.
    /// </summary>
    public static PullMap? Pull(IDatomView db, object pattern, object entity) => Pull(new QueryBudget(QueryLimits.Default), db, pattern, entity);

    /// <summary>Pulls one entity within <paramref name="budget"/>; see the other overload and <see cref="DatalogQuery.Run(QueryBudget, object?[])"/>.</summary>
    public static PullMap? Pull(QueryBudget budget, IDatomView db, object pattern, object entity)
    {
        ArgumentNullException.ThrowIfNull(budget);
        ArgumentNullException.ThrowIfNull(db);
        using var scope = budget.Enter();
        var parsed = PullPattern.Parse(pattern);
        var run = new RunContext(new Dictionary<string, IDatomView> { ["$"] = db }, RuleSet.Empty, budget);
        return PullOne(db, run, new Puller(db, run), parsed, entity);
    }

    /// <summary>Pulls each entity in turn; an element is null where <see cref="Pull"/> would be.</summary>
    public static IReadOnlyList<PullMap?> PullMany(IDatomView db, object pattern, IEnumerable<object> entities) =>
        PullMany(new QueryBudget(QueryLimits.Default), db, pattern, entities);

    /// <summary>Pulls each entity in turn within one <paramref name="budget"/> for them all.</summary>
    public static IReadOnlyList<PullMap?> PullMany(QueryBudget budget, IDatomView db, object pattern, IEnumerable<object> entities)
    {
        ArgumentNullException.ThrowIfNull(budget);
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(entities);
        using var scope = budget.Enter();
        var parsed = PullPattern.Parse(pattern);
        var run = new RunContext(new Dictionary<string, IDatomView> { ["$"] = db }, RuleSet.Empty, budget);
        var puller = new Puller(db, run);
        return entities.Select(e => PullOne(db, run, puller, parsed, e)).ToList();
    }

    private static PullMap? PullOne(IDatomView db, RunContext run, Puller puller, PullPattern pattern, object? entity)
    {
        var q = Conversions.FromObject(entity);
        try
        {
            if (run.ResolveEntity(db, q) is { } id)
                return puller.Pull(pattern, id);
        }
        catch (FunctionException e)
        {
            throw new QueryException("pull: " + e.Message, null, pattern.Text);
        }
        if (!(q.Type is Log.Model.ValueType.Ref or Log.Model.ValueType.Keyword || q.Obj is QVector { Count: 2 }))
            throw new QueryException($"pull: {Conversions.Show(q)} cannot name an entity: use an entity id, an ident keyword or a lookup ref [:attr value]", null, pattern.Text);
        return null;
    }
}

using System.Text.RegularExpressions;
using Datom.Index.Schema;
using Datom.Log.Edn;
using Datom.Log.Model;
using ValueType = Datom.Log.Model.ValueType;

namespace Datom.Index.Query;

/// <summary>
/// What one run of a query holds: its sources and rules, and caches of what it resolved against
/// them (constants to entities, plans, keywords). Single-threaded and discarded after the run.
/// </summary>
internal sealed class RunContext
{
    // Aggregates sample and rand with this seed, so that a query answers the same every time.
    private const int SampleSeed = 0x5EED;

    private readonly Dictionary<string, IDatomView> _sources;
    private readonly Dictionary<string, Regex> _regexes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Keyword> _keywords = new(StringComparer.Ordinal);
    private readonly Dictionary<Keyword, QValue> _attrValues = [];
    private readonly Dictionary<(IDatomView, Keyword), AttributeSchema?> _schemas = [];
    private readonly Dictionary<(IDatomView, Keyword), EntityId?> _idents = [];
    private readonly Dictionary<PatternClause, ResolvedPattern> _patterns = [];
    private Random? _random;

    public RunContext(Dictionary<string, IDatomView> sources, RuleSet rules, QueryBudget budget)
    {
        _sources = sources;
        Rules = rules;
        Budget = budget;
    }

    public RuleSet Rules { get; }

    /// <summary>What the run may still spend: the evaluator charges it as it goes.</summary>
    public QueryBudget Budget { get; }

    public Random Random => _random ??= new Random(SampleSeed);

    /// <summary>Plans per clause list and bound variables, so that rule bodies are planned once per run.</summary>
    public Dictionary<(Body, ulong), Plan> Plans { get; } = [];

    public IDatomView Source(string name, Clause? clause)
    {
        if (_sources.TryGetValue(name, out var view))
            return view;
        var reason = _sources.Count == 0
            ? $"no database is given for {name}: pass one and name it in :in"
            : $"unknown source {name}; :in binds {string.Join(", ", _sources.Keys)}";
        throw clause is null ? new QueryException(reason) : clause.Error(reason);
    }

    public bool HasSource(string name) => _sources.ContainsKey(name);

    public Keyword Keyword(Value keywordValue)
    {
        var text = keywordValue.AsString;
        if (!_keywords.TryGetValue(text, out var k))
            _keywords[text] = k = Conversions.ToKeyword(text);
        return k;
    }

    /// <summary>An attribute as a query value (a keyword), cached: attribute variables bind these per datom.</summary>
    public QValue AttrValue(Keyword a)
    {
        if (!_attrValues.TryGetValue(a, out var q))
            _attrValues[a] = q = Conversions.FromKeyword(a);
        return q;
    }

    public AttributeSchema? Schema(IDatomView view, Keyword a)
    {
        if (!_schemas.TryGetValue((view, a), out var s))
            _schemas[(view, a)] = s = view.Attribute(a);
        return s;
    }

    public EntityId? Entid(IDatomView view, Keyword ident)
    {
        if (!_idents.TryGetValue((view, ident), out var e))
            _idents[(view, ident)] = e = view.Entid(ident);
        return e;
    }

    public Regex Regex(string pattern)
    {
        if (!_regexes.TryGetValue(pattern, out var r))
        {
            try
            {
                r = new Regex(pattern, RegexOptions.CultureInvariant, Builtins.RegexTimeout);
            }
            catch (ArgumentException e)
            {
                throw new FunctionException($"invalid regex \"{pattern}\": {e.Message}");
            }
            _regexes[pattern] = r;
        }
        return r;
    }

    /// <summary>
    /// The entity a value names in an entity place: an entity itself, an ident keyword, or a lookup
    /// ref <c>[:attr value]</c> on a unique attribute. Null when it names none.
    /// </summary>
    public EntityId? ResolveEntity(IDatomView view, QValue v)
    {
        if (v.Obj is null)
        {
            return v.V.Type switch
            {
                ValueType.Ref => v.V.AsRef,
                ValueType.Keyword => Entid(view, Keyword(v.V)),
                _ => null,
            };
        }
        if (v.Obj is QVector { Count: 2 } lookup && lookup.Items[0].Type == ValueType.Keyword)
            return ResolveLookup(view, Keyword(lookup.Items[0].V), lookup.Items[1]);
        return null;
    }

    /// <summary>The entity whose unique <paramref name="attr"/> is <paramref name="value"/>.</summary>
    public EntityId? ResolveLookup(IDatomView view, Keyword attr, QValue value)
    {
        var schema = Schema(view, attr) ?? throw new FunctionException($"lookup ref [{attr} …]: {attr} is not an attribute");
        if (schema.Unique == Uniqueness.None)
            throw new FunctionException($"lookup ref [{attr} …]: {attr} is not :db/unique, so it cannot name an entity");
        if (CoerceValue(view, schema, value) is not { } v)
            return null;
        foreach (var d in view.Match(null, attr, v))
            return d.E;
        return null;
    }

    /// <summary>
    /// A value as attribute <paramref name="schema"/> stores it: idents and lookup refs become
    /// entities for ref attributes, a long becomes a double for double attributes. Null when the
    /// value cannot be one of that attribute's values (so nothing matches it).
    /// </summary>
    public Value? CoerceValue(IDatomView view, AttributeSchema schema, QValue q)
    {
        if (schema.IsRef)
            return ResolveEntity(view, q) is { } e ? Value.Ref(e) : null;
        if (!q.IsValue)
            return null;
        var v = q.V;
        if (v.Type == schema.Type)
            return v;
        return schema.Type switch
        {
            ValueType.Double when v.Type == ValueType.Long => Value.Double(v.AsLong),
            _ => null,
        };
    }

    public ResolvedPattern Resolve(PatternClause p)
    {
        if (!_patterns.TryGetValue(p, out var r))
            _patterns[p] = r = ResolvedPattern.Resolve(p, this);
        return r;
    }
}

/// <summary>
/// Estimates per view, kept as long as the view lives: a view is a snapshot, so an estimate never
/// changes, and a query run again on the same view (a prepared query, <c>datom query --time</c>)
/// plans without asking the index again. Estimates cost the index a bounded scan each.
/// </summary>
internal static class Estimates
{
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<IDatomView, System.Collections.Concurrent.ConcurrentDictionary<(EntityId?, Keyword?, Value?), long>> Cache = [];

    // A view asked about this many distinct patterns stops caching: queries with ever new constants.
    private const int MaxPerView = 4096;

    public static long Get(IDatomView view, EntityId? e, Keyword? a, Value? v)
    {
        var cache = Cache.GetValue(view, _ => new());
        if (cache.TryGetValue((e, a, v), out var n))
            return n;
        n = Math.Max(0, view.Estimate(e, a, v));
        if (cache.Count < MaxPerView)
            cache[(e, a, v)] = n;
        return n;
    }
}

/// <summary>A data pattern with its constants resolved against its source: what the planner and the scan use.</summary>
internal sealed class ResolvedPattern
{
    private long? _attrCount;

    private ResolvedPattern(PatternClause clause, IDatomView view)
    {
        Clause = clause;
        View = view;
    }

    public PatternClause Clause { get; }

    public IDatomView View { get; }

    /// <summary>A constant names nothing (an unknown ident, a lookup ref with no entity): the pattern matches nothing.</summary>
    public bool Empty { get; private set; }

    public EntityId? E { get; private set; }

    public Keyword? A { get; private set; }

    public Value? V { get; private set; }

    public AttributeSchema? Schema { get; private set; }

    public QValue? TxConst { get; private set; }

    public QValue? AddedConst { get; private set; }

    /// <summary>How many datoms the constants alone match (the view's estimate).</summary>
    public long Scan { get; private set; }

    /// <summary>
    /// What one scan of what the constants match costs, in datoms read: a scan by a constant value
    /// (AVET, VAET) of a cardinality-one attribute also checks each datom against its [e a] in EAVT
    /// (is it the value shown?), a lookup in entity order each.
    /// </summary>
    public double ScanCost => Schema is { Many: false } && V is not null && E is null ? Scan * (1 + Planner.SortedSeekCost) : Scan;

    /// <summary>How many datoms the attribute has (for the value selectivity of a lookup).</summary>
    public long AttrCount => _attrCount ??= A is null ? Scan : Estimates.Get(View, null, A, null);

    /// <summary>
    /// A lookup ref written in a pattern that names no entity is an error, as in Datomic
    /// (":db.error/not-an-entity Unable to resolve entity"): it is a typo or stale data, not a filter.
    /// </summary>
    private static string NamesNothing(object? lookup) =>
        $"lookup ref {Conversions.Text(lookup)} names no entity";

    public static ResolvedPattern Resolve(PatternClause p, RunContext run)
    {
        var view = run.Source(p.Source, p);
        var r = new ResolvedPattern(p, view);
        try
        {
            if (p.A.Kind == TermKind.Const)
            {
                r.A = (Keyword)p.A.Const!;
                r.Schema = run.Schema(view, r.A) ?? throw p.Error($"{r.A} is not an attribute");
            }
            if (p.E.Kind == TermKind.Const)
            {
                var e = Conversions.FromObject(p.E.Const);
                if (!(e.Type is ValueType.Ref or ValueType.Keyword || e.Obj is QVector { Count: 2 }))
                    throw p.Error($"{Conversions.Text(p.E.Const)} cannot name an entity: use #id \"…\", an ident keyword or a lookup ref [:attr value]");
                if (run.ResolveEntity(view, e) is { } id)
                    r.E = id;
                else if (e.Obj is QVector)
                    throw p.Error(NamesNothing(p.E.Const));
                else
                    r.Empty = true;
            }
            if (p.V.Kind == TermKind.Const)
            {
                var v = Conversions.FromObject(p.V.Const);
                if (r.Schema is not null)
                {
                    if (run.CoerceValue(view, r.Schema, v) is { } cv)
                        r.V = cv;
                    else if (r.Schema.IsRef && v.Obj is QVector { Count: 2 } lookup && lookup.Items[0].Type == ValueType.Keyword)
                        throw p.Error(NamesNothing(p.V.Const));
                    else
                        r.Empty = true;
                }
                else if (v.IsValue)
                {
                    r.V = v.V;
                }
                else if (v.Obj is QVector { Count: 2 } && run.ResolveEntity(view, v) is { } id)
                {
                    r.V = Value.Ref(id);
                }
                else
                {
                    r.Empty = true;
                }
            }
            if (p.Tx.Kind == TermKind.Const)
            {
                var tx = Conversions.FromObject(p.Tx.Const);
                if (!(tx.Type is ValueType.Ref or ValueType.Keyword || tx.Obj is QVector { Count: 2 }))
                    throw p.Error($"{Conversions.Text(p.Tx.Const)} cannot name a transaction");
                if (run.ResolveEntity(view, tx) is { } id)
                    r.TxConst = QValue.Ref(id);
                else
                    r.Empty = true;
            }
            if (p.Added.Kind == TermKind.Const)
            {
                if (p.Added.Const is not bool b)
                    throw p.Error($"the added place of a data pattern is true or false, not {Conversions.Text(p.Added.Const)}");
                r.AddedConst = QValue.Bool(b);
            }
        }
        catch (FunctionException e)
        {
            throw p.Error(e.Message);
        }
        r.Scan = r.Empty ? 0 : Estimates.Get(view, r.E, r.A, r.V);
        return r;
    }
}

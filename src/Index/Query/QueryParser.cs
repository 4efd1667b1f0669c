using Datom.Log.Edn;

namespace Datom.Index.Query;

/// <summary>
/// Reads a query (EDN vector or map) and rule sets into <see cref="ParsedQuery"/> and
/// <see cref="RuleSet"/>, following the grammar of Datomic's query reference
/// (https://docs.datomic.com/query/query-data-reference.html). Every error is a
/// <see cref="QueryException"/> naming the clause and where it was read.
/// </summary>
internal static class QueryParser
{
    private static readonly Keyword FindKw = Keyword.Intern(null, "find");
    private static readonly Keyword KeysKw = Keyword.Intern(null, "keys");
    private static readonly Keyword StrsKw = Keyword.Intern(null, "strs");
    private static readonly Keyword SymsKw = Keyword.Intern(null, "syms");
    private static readonly Keyword WithKw = Keyword.Intern(null, "with");
    private static readonly Keyword InKw = Keyword.Intern(null, "in");
    private static readonly Keyword WhereKw = Keyword.Intern(null, "where");

    private static readonly HashSet<string> Aggregates = new(StringComparer.Ordinal)
    {
        "count", "count-distinct", "sum", "avg", "median", "variance", "stddev", "min", "max", "distinct", "rand", "sample",
    };

    public static ParsedQuery Parse(object? form)
    {
        var sections = Sections(form);
        var text = Conversions.Text(form);
        var at = PositionOf(form);
        if (!sections.TryGetValue(FindKw, out var findForms) || findForms.Count == 0)
            throw new QueryException("a query needs :find and at least one element to find", at, text);

        var scope = new Scope();
        var mentioned = new HashSet<Symbol>();

        // :in first, so that its variables are the query's inputs; the default is :in $.
        var inputs = new List<InputBinding>();
        var inForms = sections.TryGetValue(InKw, out var i) ? i : [Symbol.Intern(null, "$")];
        foreach (var f in inForms)
            inputs.Add(ParseInput(f, scope, mentioned, at, text));
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var input in inputs)
        {
            if (input is not InputBinding.Bind && !names.Add(input.Text))
                throw new QueryException($":in names {input.Text} twice", at, text);
        }

        // Variables bound by :in: an or's branches may differ in these (they are bound before it runs).
        var inputVars = new HashSet<Symbol>(mentioned);
        var (shape, find) = ParseFind(findForms, scope, at, text);
        var with = new List<int>();
        if (sections.TryGetValue(WithKw, out var withForms))
        {
            foreach (var w in withForms)
            {
                if (!IsVar(w, out var v))
                    throw new QueryException($":with takes variables, not {Conversions.Text(w)}", PositionOf(w) ?? at, text);
                with.Add(scope.Slot(v, at, text));
            }
        }

        var keysKind = KeysKind.None;
        var keys = new List<string>();
        foreach (var (kw, kind) in new[] { (KeysKw, KeysKind.Keys), (StrsKw, KeysKind.Strs), (SymsKw, KeysKind.Syms) })
        {
            if (!sections.TryGetValue(kw, out var keyForms))
                continue;
            if (keysKind != KeysKind.None)
                throw new QueryException("use only one of :keys, :strs and :syms", at, text);
            keysKind = kind;
            foreach (var k in keyForms)
            {
                keys.Add(k switch
                {
                    Symbol s => s.ToString(),
                    Keyword kk => kk.ToString()[1..],
                    string s => s,
                    _ => throw new QueryException($"{kw} takes names, not {Conversions.Text(k)}", at, text),
                });
            }
            if (keys.Count != find.Count)
                throw new QueryException($"{kw} names {keys.Count} key(s) for {find.Count} element(s) of :find", at, text);
            if (shape is not (FindShape.Relation or FindShape.Tuple))
                throw new QueryException($"{kw} needs a relation or tuple :find (not a scalar or collection)", at, text);
        }

        var whereForms = sections.TryGetValue(WhereKw, out var wf) ? wf : [];
        var parser = new BodyParser(scope, "$", inRule: false, null) { InputVars = inputVars };
        var clauses = parser.ParseAll(whereForms, at, text);
        foreach (var v in parser.Mentioned)
            mentioned.Add(v);

        // Every variable the query returns must be bound by :in or :where (Datomic: "Query is
        // referencing unbound variables").
        foreach (var f in find)
        {
            var (slot, what) = f switch
            {
                FindElement.Var v => (v.Slot, ":find"),
                FindElement.Pull p => (p.Slot, ":find"),
                FindElement.Aggregate a => (a.Slot, ":find"),
                _ => (-1, ""),
            };
            if (slot >= 0 && !mentioned.Contains(scope.Vars[slot]))
                throw new QueryException($"{scope.Name(slot)} in {what} is not bound by :in or any :where clause", at, f.Text);
            if (f is FindElement.Pull { PatternSlot: >= 0 } pp && !mentioned.Contains(scope.Vars[pp.PatternSlot]))
                throw new QueryException($"pull pattern {scope.Name(pp.PatternSlot)} is not an :in input", at, f.Text);
        }
        foreach (var w in with)
        {
            if (!mentioned.Contains(scope.Vars[w]))
                throw new QueryException($"{scope.Name(w)} in :with is not bound by :in or any :where clause", at, text);
        }

        return new ParsedQuery
        {
            Shape = shape,
            Find = find,
            KeysKind = keysKind,
            Keys = keys,
            Inputs = inputs,
            ExplicitIn = sections.ContainsKey(InKw),
            With = [.. with],
            Where = new Body(scope, clauses, Conversions.Text(new EdnVector(whereForms))),
            Text = text,
            Position = at,
        };
    }

    private static Dictionary<Keyword, List<object?>> Sections(object? form)
    {
        var at = PositionOf(form);
        var text = Conversions.Text(form);
        var sections = new Dictionary<Keyword, List<object?>>();
        switch (form)
        {
            case EdnVector or EdnList:
                List<object?>? current = null;
                foreach (var item in (IReadOnlyList<object?>)form)
                {
                    if (item is Keyword k)
                    {
                        CheckSection(k, at, text);
                        if (sections.ContainsKey(k))
                            throw new QueryException($"{k} appears twice", at, text);
                        sections[k] = current = [];
                    }
                    else if (current is null)
                    {
                        throw new QueryException($"a query vector starts with :find, not {Conversions.Text(item)}", PositionOf(item) ?? at, text);
                    }
                    else
                    {
                        current.Add(item);
                    }
                }
                break;
            case EdnMap map:
                foreach (var (key, value) in map)
                {
                    if (key is not Keyword k)
                        throw new QueryException($"query map keys are :find, :in, :where …, not {Conversions.Text(key)}", at, text);
                    CheckSection(k, at, text);
                    sections[k] = value is EdnVector or EdnList ? [.. (IReadOnlyList<object?>)value] : [value];
                }
                break;
            default:
                throw new QueryException($"a query is a vector or a map, not {Describe(form)}", at, text);
        }
        return sections;
    }

    private static void CheckSection(Keyword k, SourcePosition? at, string text)
    {
        if (k != FindKw && k != KeysKw && k != StrsKw && k != SymsKw && k != WithKw && k != InKw && k != WhereKw)
            throw new QueryException($"unknown query section {k} (expected :find, :keys, :strs, :syms, :with, :in or :where)", at, text);
    }

    private static (FindShape, List<FindElement>) ParseFind(List<object?> forms, Scope scope, SourcePosition? at, string text)
    {
        if (forms.Count == 2 && forms[1] is Symbol { Namespace: null, Name: "." })
            return (FindShape.Scalar, [ParseFindElement(forms[0], scope, at, text)]);
        if (forms.Count == 1 && forms[0] is EdnVector v)
        {
            if (v.Count == 2 && v[1] is Symbol { Namespace: null, Name: "..." })
                return (FindShape.Collection, [ParseFindElement(v[0], scope, at, text)]);
            if (v.Count == 0)
                throw new QueryException("an empty tuple in :find", v.Position ?? at, text);
            return (FindShape.Tuple, v.Select(e => ParseFindElement(e, scope, at, text)).ToList());
        }
        return (FindShape.Relation, forms.Select(e => ParseFindElement(e, scope, at, text)).ToList());
    }

    private static FindElement ParseFindElement(object? form, Scope scope, SourcePosition? at, string text)
    {
        if (IsVar(form, out var var))
            return new FindElement.Var(scope.Slot(var, at, text), var.ToString());
        var where = PositionOf(form) ?? at;
        var written = Conversions.Text(form);
        if (form is not EdnList { Count: > 0 } list || list[0] is not Symbol head)
            throw new QueryException($"a :find element is a variable, (pull ?e pattern) or an aggregate like (count ?x), not {written}", where, written);
        if (head.Namespace is null && head.Name == "pull")
        {
            // (pull ?e pattern) or (pull $src ?e pattern)
            var args = list.Skip(1).ToList();
            var source = "$";
            if (args.Count == 3 && args[0] is Symbol src && src.Name.StartsWith('$'))
            {
                source = src.ToString();
                args.RemoveAt(0);
            }
            if (args.Count != 2 || !IsVar(args[0], out var e))
                throw new QueryException("pull in :find is (pull ?e pattern) or (pull $src ?e pattern)", where, written);
            if (IsVar(args[1], out var patternVar))
                return new FindElement.Pull(scope.Slot(e, where, written), source, null, scope.Slot(patternVar, where, written), written);
            if (IsPlainSymbol(args[1], out var patternName))
            {
                if (!scope.Contains(patternName))
                    throw new QueryException($"pull pattern {patternName} is not an :in input", where, written);
                return new FindElement.Pull(scope.Slot(e, where, written), source, null, scope.Slot(patternName, where, written), written);
            }
            PullPattern.Parse(args[1]);
            return new FindElement.Pull(scope.Slot(e, where, written), source, args[1], -1, written);
        }
        var name = head.ToString();
        if (!Aggregates.Contains(name))
            throw new QueryException($"{name} is not an aggregate (count, count-distinct, sum, avg, median, variance, stddev, min, max, distinct, rand, sample)", where, written);
        if (list.Count < 2 || !IsVar(list[^1], out var aggVar))
            throw new QueryException($"({name} …) aggregates a variable: ({name} ?x)", where, written);
        var constArgs = list.Skip(1).Take(list.Count - 2).ToArray();
        var takesN = name is "min" or "max" or "rand" or "sample";
        if (constArgs.Length > (takesN ? 1 : 0) || (name == "sample" && constArgs.Length != 1))
            throw new QueryException(name == "sample" ? "(sample n ?x) takes a count and a variable" : $"({name} …) takes {(takesN ? "an optional count and " : "")}one variable", where, written);
        // The count may be an input: (max ?n ?x) :in … ?n (DataScript's aggregate takes fn-args).
        if (constArgs.Length == 1 && IsVar(constArgs[0], out var nVar))
        {
            if (!scope.Contains(nVar))
                throw new QueryException($"the count {nVar} in ({name} {nVar} ?x) is not an :in input", where, written);
            return new FindElement.Aggregate(name, scope.Slot(aggVar, where, written), [], written, where) { CountSlot = scope.Slot(nVar, where, written) };
        }
        if (constArgs.Length == 1 && constArgs[0] is not (long and > 0))
            throw new QueryException($"the count in ({name} n ?x) is a positive number, not {Conversions.Text(constArgs[0])}", where, written);
        return new FindElement.Aggregate(name, scope.Slot(aggVar, where, written), constArgs, written, where);
    }

    private static InputBinding ParseInput(object? form, Scope scope, HashSet<Symbol> mentioned, SourcePosition? at, string text)
    {
        if (form is Symbol { Namespace: null } s)
        {
            if (s.Name.StartsWith('$'))
                return new InputBinding.Source(s.Name);
            if (s.Name == "%")
                return new InputBinding.Rules();
        }
        // A plain symbol in :in names an input the way a variable does; DataScript's grammar allows
        // it ("in = [ (src-var | rules-var | plain-symbol | binding)+ ]") for pull patterns:
        // :in $ pattern … (pull ?e pattern).
        var binding = IsPlainSymbol(form, out var plain)
            ? new Binding.Scalar(scope.Slot(plain, at, text))
            : ParseBinding(form, scope, at, text, ":in");
        foreach (var v in scope.Vars)
        {
            if ((binding.Vars() & (1UL << scope.Slot(v, at, text))) != 0)
                mentioned.Add(v);
        }
        return new InputBinding.Bind(binding, Conversions.Text(form));
    }

    /// <summary><c>?x</c>, <c>_</c>, <c>[?a ?b]</c>, <c>[?x ...]</c>, <c>[[?a ?b]]</c>, nested.</summary>
    internal static Binding ParseBinding(object? form, Scope scope, SourcePosition? at, string text, string where)
    {
        if (form is Symbol { Namespace: null, Name: "_" })
            return new Binding.Ignore();
        if (IsVar(form, out var v))
            return new Binding.Scalar(scope.Slot(v, at, text));
        if (form is EdnVector vec && vec.Count > 0)
        {
            var pos = vec.Position ?? at;
            if (vec.Count == 2 && vec[1] is Symbol { Namespace: null, Name: "..." })
                return new Binding.Collection(ParseBinding(vec[0], scope, pos, text, where));
            if (vec.Count == 1 && vec[0] is EdnVector inner && !(inner.Count == 2 && inner[1] is Symbol { Name: "..." }))
                return new Binding.Collection(ParseBinding(inner, scope, pos, text, where));
            var items = new Binding[vec.Count];
            for (var i = 0; i < vec.Count; i++)
            {
                if (vec[i] is Symbol { Namespace: null, Name: "..." })
                    throw new QueryException("... ends a collection binding [?x ...]", pos, text);
                items[i] = ParseBinding(vec[i], scope, pos, text, where);
            }
            return new Binding.Tuple(items);
        }
        throw new QueryException($"a binding in {where} is ?x, _, [?a ?b], [?x ...] or [[?a ?b]], not {Conversions.Text(form)}", PositionOf(form) ?? at, text);
    }

    // ---- rules ----

    /// <summary>Reads <c>[[(name ?a ?b) clause…] …]</c>.</summary>
    public static RuleSet ParseRules(object? form)
    {
        var at = PositionOf(form);
        var text = Conversions.Text(form);
        if (form is not (EdnVector or EdnList) || form is not IReadOnlyList<object?> list)
            throw new QueryException($"rules are a vector of rules [[(name ?a …) clause …] …], not {Describe(form)}", at, text);
        var rules = new Dictionary<Symbol, RuleDef>();
        var synthetic = new SyntheticRules(rules);
        foreach (var ruleForm in list)
        {
            var rat = PositionOf(ruleForm) ?? at;
            var rtext = Conversions.Text(ruleForm);
            if (ruleForm is not (EdnVector or EdnList) || ruleForm is not IReadOnlyList<object?> { Count: >= 2 } rule)
                throw new QueryException("a rule is [(name ?a …) clause …] with at least one clause", rat, rtext);
            if (rule[0] is not EdnList { Count: >= 1 } head || head[0] is not Symbol { Namespace: null } name || IsVar(name, out _) || name.Name.StartsWith('$'))
                throw new QueryException("a rule starts with its head (name ?a …)", PositionOf(rule[0]) ?? rat, rtext);

            var scope = new Scope();
            var headSlots = new List<int>();
            ulong required = 0;
            var args = head.Skip(1).ToList();
            if (args.Count > 0 && args[0] is EdnVector req)
            {
                foreach (var r in req)
                {
                    if (!IsVar(r, out var rv))
                        throw new QueryException($"required rule arguments are variables, not {Conversions.Text(r)}", rat, rtext);
                    required |= 1UL << headSlots.Count;
                    headSlots.Add(AddHeadVar(scope, rv, rat, rtext));
                }
                args.RemoveAt(0);
            }
            foreach (var a in args)
            {
                if (!IsVar(a, out var av))
                    throw new QueryException($"rule arguments are variables, not {Conversions.Text(a)}", rat, rtext);
                headSlots.Add(AddHeadVar(scope, av, rat, rtext));
            }
            if (headSlots.Count > 64)
                throw new QueryException("a rule takes at most 64 arguments", rat, rtext);

            var parser = new BodyParser(scope, "$", inRule: true, synthetic);
            var clauses = parser.ParseAll(rule.Skip(1).ToList(), rat, rtext);
            foreach (var slot in headSlots)
            {
                if (!parser.Mentioned.Contains(scope.Vars[slot]))
                    throw new QueryException($"rule head variable {scope.Name(slot)} does not appear in the rule's body", rat, rtext);
            }
            if (!rules.TryGetValue(name, out var def))
                rules[name] = def = new RuleDef(name, headSlots.Count) { Required = required };
            else if (def.Arity != headSlots.Count)
                throw new QueryException($"rule {name} is defined with {def.Arity} and with {headSlots.Count} arguments", rat, rtext);
            else if (def.Required != required)
                throw new QueryException($"every definition of rule {name} must require the same arguments", rat, rtext);
            def.Bodies.Add(new RuleBody(new Body(scope, clauses, rtext), [.. headSlots], rat, rtext));
        }
        var set = new RuleSet(rules);
        foreach (var def in rules.Values)
        {
            foreach (var body in def.Bodies)
                CheckCalls(body.Body.Clauses, set);
        }
        CheckStratified(rules);
        return set;
    }

    /// <summary>Every rule call names a rule of <paramref name="rules"/> with its arity.</summary>
    internal static void CheckCalls(IEnumerable<Clause> clauses, RuleSet rules)
    {
        foreach (var clause in clauses)
        {
            switch (clause)
            {
                case RuleCallClause call:
                    if (!rules.Rules.TryGetValue(call.Name, out var def))
                    {
                        throw call.Error(rules.Rules.Count == 0
                            ? $"{call.Name} is not a rule (no rules were passed as %); a function call is written [({call.Name} …)]"
                            : $"unknown rule {call.Name}");
                    }
                    if (def.Arity != call.Args.Length)
                        throw call.Error($"wrong number of arguments: rule {call.Name} takes {def.Arity}, got {call.Args.Length}");
                    break;
                case NotClause not:
                    CheckCalls(not.Body.Clauses, rules);
                    break;
                case OrClause or:
                    foreach (var branch in or.Branches)
                        CheckCalls(branch.Clauses, rules);
                    break;
            }
        }
    }

    private static int AddHeadVar(Scope scope, Symbol v, SourcePosition? at, string text)
    {
        if (scope.Contains(v))
            throw new QueryException($"rule head names {v} twice", at, text);
        return scope.Slot(v, at, text);
    }

    /// <summary>
    /// A rule may not depend on itself through not (the program would have no stratified meaning,
    /// and evaluating the negated rule completely first would not terminate).
    /// </summary>
    private static void CheckStratified(Dictionary<Symbol, RuleDef> rules)
    {
        var edges = new Dictionary<Symbol, List<(Symbol To, bool Negative, RuleBody Where)>>();
        foreach (var def in rules.Values)
        {
            var list = edges[def.Name] = [];
            foreach (var body in def.Bodies)
                CollectCalls(body.Body.Clauses, false, c => list.Add((c.Call.Name, c.Negative, body)));
        }
        foreach (var (from, list) in edges)
        {
            foreach (var (to, negative, where) in list)
            {
                if (negative && Reaches(edges, to, from))
                    throw new QueryException($"rule {from} calls {to} under not, and {to} depends on {from}: negation through recursion has no meaning", where.Position, where.Text);
            }
        }
    }

    internal static void CollectCalls(IEnumerable<Clause> clauses, bool negative, Action<(RuleCallClause Call, bool Negative)> found)
    {
        foreach (var clause in clauses)
        {
            switch (clause)
            {
                case RuleCallClause call:
                    found((call, negative));
                    break;
                case NotClause not:
                    CollectCalls(not.Body.Clauses, true, found);
                    break;
                case OrClause or:
                    foreach (var branch in or.Branches)
                        CollectCalls(branch.Clauses, negative, found);
                    break;
            }
        }
    }

    private static bool Reaches(Dictionary<Symbol, List<(Symbol To, bool Negative, RuleBody Where)>> edges, Symbol from, Symbol target)
    {
        var seen = new HashSet<Symbol>();
        var stack = new Stack<Symbol>();
        stack.Push(from);
        while (stack.Count > 0)
        {
            var s = stack.Pop();
            if (s == target)
                return true;
            if (!seen.Add(s) || !edges.TryGetValue(s, out var next))
                continue;
            foreach (var e in next)
                stack.Push(e.To);
        }
        return false;
    }

    /// <summary>Makes rules of the or clauses in rule bodies that call rules (see <see cref="BodyParser"/>).</summary>
    private sealed class SyntheticRules(Dictionary<Symbol, RuleDef> rules)
    {
        private int _next;

        public RuleDef Add(int arity, ulong required)
        {
            Symbol name;
            do
            {
                name = Symbol.Intern(null, "or__" + ++_next);
            }
            while (rules.ContainsKey(name));
            var def = new RuleDef(name, arity) { Required = required, Synthetic = true };
            rules[name] = def;
            return def;
        }
    }

    // ---- clauses ----

    /// <summary>
    /// Parses one clause list into its scope. Variables of a not that also occur elsewhere in the
    /// list (or outside it, in :find, a rule head or a join) are its join variables; the rest are
    /// local to the not. In a rule body, an or whose branches call rules becomes a call to a
    /// synthetic rule whose definitions are the branches, so that recursion through it is
    /// evaluated semi-naively like any other.
    /// </summary>
    private sealed class BodyParser(Scope scope, string defaultSource, bool inRule, SyntheticRules? synthetic)
    {
        private readonly List<(int Index, object Form, Body Body, SourcePosition? At, string Text)> _pendingNots = [];

        /// <summary>Variables that the clauses themselves use (not only externals registered in the scope).</summary>
        public HashSet<Symbol> Mentioned { get; } = [];

        /// <summary>The query's :in variables, for its top-level :where; empty elsewhere.</summary>
        public HashSet<Symbol> InputVars { get; init; } = [];

        public List<Clause> ParseAll(IReadOnlyList<object?> forms, SourcePosition? at, string text)
        {
            var clauses = new List<Clause?>();
            foreach (var form in forms)
                clauses.Add(ParseClause(form, clauses.Count, at));
            foreach (var (index, form, body, pos, ctext) in _pendingNots)
            {
                var outer = new List<int>();
                var inner = new List<int>();
                for (var slot = 0; slot < body.Scope.Width; slot++)
                {
                    var v = body.Scope.Vars[slot];
                    if (scope.TryGet(v, out var o))
                    {
                        outer.Add(o);
                        inner.Add(slot);
                        Mentioned.Add(v);
                    }
                }
                // A not removes the rows for which its body holds; with no variable shared with
                // the rows, it would test the whole database instead. DataScript and Datomic refuse
                // it: "Insufficient bindings: none of #{?a} is bound in (not …)".
                if (outer.Count == 0 && body.Scope.Width > 0)
                    throw new QueryException($"insufficient bindings: none of {body.Scope.Names(ulong.MaxValue >> (64 - body.Scope.Width))} is bound", pos, ctext);
                clauses[index] = new NotClause(pos, ctext, body, [.. outer], [.. inner]);
            }
            return clauses.Select(c => c!).ToList();
        }

        private Clause? ParseClause(object? form, int index, SourcePosition? outerAt)
        {
            var at = PositionOf(form) ?? outerAt;
            var text = Conversions.Text(form);
            switch (form)
            {
                case EdnVector { Count: > 0 } v when v[0] is EdnList:
                    return ParseFn(v, at, text);
                case EdnVector v:
                    return ParsePattern(v, at, text);
                case EdnList { Count: > 0 } l when l[0] is Symbol head:
                    var source = defaultSource;
                    var items = l.ToList();
                    if (head.Namespace is null && head.Name.StartsWith('$'))
                    {
                        if (items.Count < 2 || items[1] is not Symbol { Namespace: null, Name: "not" or "not-join" or "or" or "or-join" })
                            throw new QueryException("a source before a rule call is not supported; a source may prefix not, not-join, or and or-join", at, text);
                        source = head.Name;
                        items.RemoveAt(0);
                        head = (Symbol)items[0]!;
                    }
                    return head switch
                    {
                        { Namespace: null, Name: "not" } => ParseNot(items, index, source, at, text),
                        { Namespace: null, Name: "not-join" } => ParseNotJoin(items, source, at, text),
                        { Namespace: null, Name: "or" } => ParseOr(items, source, join: false, at, text),
                        { Namespace: null, Name: "or-join" } => ParseOr(items, source, join: true, at, text),
                        { Namespace: null, Name: "and" } => throw new QueryException("and is only a branch of or / or-join", at, text),
                        _ when IsVar(head, out _) => throw new QueryException($"a clause cannot start with variable {head}; a function call is written [({head} …)]", at, text),
                        _ => ParseRuleCall(head, items, at, text),
                    };
                default:
                    throw new QueryException($"a clause is a data pattern [?e :attr ?v], a call [(f …)], a rule call (rule …), not, or …, not {Describe(form)}", at, text);
            }
        }

        private PatternClause ParsePattern(EdnVector v, SourcePosition? at, string text)
        {
            var items = v.ToList();
            var source = defaultSource;
            if (items.Count > 0 && items[0] is Symbol { Namespace: null } s && s.Name.StartsWith('$'))
            {
                source = s.Name;
                items.RemoveAt(0);
            }
            if (items.Count is 0 or > 5)
                throw new QueryException("a data pattern is [e a v tx added] with 1 to 5 places", at, text);
            var terms = new Term[5];
            for (var i = 0; i < 5; i++)
                terms[i] = i < items.Count ? ParseTerm(items[i], i, at, text) : Term.Blank;
            if (terms[1].Kind == TermKind.Const && terms[1].Const is not Keyword)
                throw new QueryException($"the attribute of a data pattern is a keyword, a variable or _, not {Conversions.Text(terms[1].Const)}", at, text);
            return new PatternClause(at, text, source, terms[0], terms[1], terms[2], terms[3], terms[4]);
        }

        private Term ParseTerm(object? item, int place, SourcePosition? at, string text)
        {
            switch (item)
            {
                case Symbol { Namespace: null, Name: "_" }:
                    return Term.Blank;
                case Symbol s when IsVar(s, out _):
                    Mentioned.Add(s);
                    return Term.Var(scope.Slot(s, at, text));
                case Symbol s when place < 2 || s.Name.StartsWith('$'):
                    throw new QueryException($"{s} is not a variable (variables start with ?) nor an entity or attribute", s.Position ?? at, text);
                case EdnList or EdnMap or EdnSet:
                    throw new QueryException($"{Conversions.Text(item)} cannot be a place in a data pattern", PositionOf(item) ?? at, text);
                case EdnVector vec when !(place is 0 or 2 && vec.Count == 2 && vec[0] is Keyword):
                    throw new QueryException($"{Conversions.Text(item)} cannot be a place in a data pattern (a lookup ref is [:attr value])", vec.Position ?? at, text);
                case null:
                    throw new QueryException("nil cannot be a place in a data pattern", at, text);
                default:
                    return Term.Constant(item);
            }
        }

        private FnClause ParseFn(EdnVector v, SourcePosition? at, string text)
        {
            if (v.Count > 2)
                throw new QueryException("a function clause is [(f args…)] or [(f args…) binding]", at, text);
            var call = (EdnList)v[0]!;
            if (call.Count == 0 || call[0] is not Symbol head)
                throw new QueryException("a function call starts with the function's name", call.Position ?? at, text);
            var fnSlot = -1;
            BuiltinInfo? info = null;
            if (IsVar(head, out _))
            {
                Mentioned.Add(head);
                fnSlot = scope.Slot(head, at, text);
            }
            else
            {
                info = Builtins.Find(head.ToString())
                    ?? throw new QueryException($"unknown function {head}", head.Position ?? at, text);
                var n = call.Count - 1;
                if (n < info.MinArity || (info.MaxArity >= 0 && n > info.MaxArity))
                    throw new QueryException($"wrong number of arguments: {head} takes {info.ArityText}, got {n}", call.Position ?? at, text);
            }
            var args = new Arg[call.Count - 1];
            for (var i = 1; i < call.Count; i++)
                args[i - 1] = ParseArg(call[i], at, text, allowSource: true);
            Binding? output = null;
            if (v.Count == 2)
            {
                output = ParseBinding(v[1], scope, at, text, "a function's result");
                foreach (var s in scope.Vars)
                {
                    if ((output.Vars() & (1UL << scope.Slot(s, at, text))) != 0)
                        Mentioned.Add(s);
                }
            }
            return new FnClause(at, text, head.ToString(), info?.Fn, fnSlot, args, output);
        }

        private Arg ParseArg(object? item, SourcePosition? at, string text, bool allowSource)
        {
            switch (item)
            {
                case Symbol { Namespace: null, Name: "_" }:
                    return new Arg(ArgKind.Blank, -1, null, null);
                case Symbol s when IsVar(s, out _):
                    Mentioned.Add(s);
                    return new Arg(ArgKind.Var, scope.Slot(s, at, text), null, null);
                case Symbol { Namespace: null } s when s.Name.StartsWith('$') && allowSource:
                    return new Arg(ArgKind.Source, -1, null, s.Name);
                case Symbol s when Builtins.Find(s.ToString()) is { } fn:
                    return new Arg(ArgKind.Const, -1, QValue.Object(new FunctionValue(fn.Name, fn.Fn, false)), null);
                default:
                    return new Arg(ArgKind.Const, -1, item, null);
            }
        }

        private RuleCallClause ParseRuleCall(Symbol name, List<object?> items, SourcePosition? at, string text)
        {
            var args = new Arg[items.Count - 1];
            for (var i = 1; i < items.Count; i++)
            {
                args[i - 1] = ParseArg(items[i], at, text, allowSource: false);
                if (args[i - 1].Kind == ArgKind.Const && args[i - 1].Const is Symbol s)
                    throw new QueryException($"{s} is not a variable (variables start with ?)", s.Position ?? at, text);
            }
            return new RuleCallClause(at, text, name, args);
        }

        private Clause? ParseNot(List<object?> items, int index, string source, SourcePosition? at, string text)
        {
            if (items.Count < 2)
                throw new QueryException("(not clause …) needs at least one clause", at, text);
            var child = new BodyParser(new Scope(), source, inRule, synthetic);
            var clauses = child.ParseAll(items.Skip(1).ToList(), at, text);
            var body = new Body(child.Scope, clauses, text);
            _pendingNots.Add((index, items, body, at, text));
            return null;
        }

        public Scope Scope => scope;

        private NotClause ParseNotJoin(List<object?> items, string source, SourcePosition? at, string text)
        {
            if (items.Count < 3 || items[1] is not EdnVector vars)
                throw new QueryException("(not-join [?vars …] clause …) names its join variables, then at least one clause", at, text);
            var childScope = new Scope();
            var outer = new List<int>();
            var inner = new List<int>();
            foreach (var item in vars)
            {
                if (!IsVar(item, out var v))
                    throw new QueryException($"not-join's join variables are variables, not {Conversions.Text(item)}", at, text);
                if (childScope.Contains(v))
                    throw new QueryException($"not-join names {v} twice", at, text);
                Mentioned.Add(v);
                outer.Add(scope.Slot(v, at, text));
                inner.Add(childScope.Slot(v, at, text));
            }
            var child = new BodyParser(childScope, source, inRule, synthetic);
            var clauses = child.ParseAll(items.Skip(2).ToList(), at, text);
            return new NotClause(at, text, new Body(childScope, clauses, text), [.. outer], [.. inner]);
        }

        private Clause ParseOr(List<object?> items, string source, bool join, SourcePosition? at, string text)
        {
            var kind = join ? "or-join" : "or";
            var first = join ? 2 : 1;
            if (items.Count < first + 1 || (join && items[1] is not EdnVector))
                throw new QueryException(join ? "(or-join [?vars …] branch …) names its join variables, then at least one branch" : "(or branch …) needs at least one branch", at, text);

            // or-join [[?required …] ?other …]
            var joinVars = new List<Symbol>();
            var requiredVars = new HashSet<Symbol>();
            if (join)
            {
                var spec = (EdnVector)items[1]!;
                for (var i = 0; i < spec.Count; i++)
                {
                    if (i == 0 && spec[0] is EdnVector req)
                    {
                        foreach (var r in req)
                        {
                            if (!IsVar(r, out var rv))
                                throw new QueryException($"or-join's required variables are variables, not {Conversions.Text(r)}", at, text);
                            joinVars.Add(rv);
                            requiredVars.Add(rv);
                        }
                        continue;
                    }
                    if (!IsVar(spec[i], out var jv))
                        throw new QueryException($"or-join's join variables are variables, not {Conversions.Text(spec[i])}", at, text);
                    joinVars.Add(jv);
                }
                if (joinVars.Distinct().Count() != joinVars.Count)
                    throw new QueryException("or-join names a join variable twice", at, text);
            }

            var branches = new List<Body>();
            var branchParsers = new List<BodyParser>();
            for (var i = first; i < items.Count; i++)
            {
                var branchForm = items[i];
                var bat = PositionOf(branchForm) ?? at;
                var btext = Conversions.Text(branchForm);
                List<object?> branchClauses = branchForm is EdnList { Count: > 0 } bl && bl[0] is Symbol { Namespace: null, Name: "and" }
                    ? [.. bl.Skip(1)]
                    : [branchForm];
                if (branchClauses.Count == 0)
                    throw new QueryException("(and …) needs at least one clause", bat, btext);
                var branchScope = new Scope();
                foreach (var jv in joinVars)
                    branchScope.Slot(jv, bat, btext);
                var parser = new BodyParser(branchScope, source, inRule, synthetic);
                var clauses = parser.ParseAll(branchClauses, bat, btext);
                if (join)
                {
                    foreach (var jv in joinVars)
                    {
                        // An :in variable a branch does not use passes through it (DataScript issue 348).
                        if (InputVars.Contains(jv))
                        {
                            if (!parser.Mentioned.Contains(jv))
                                requiredVars.Add(jv);
                            continue;
                        }
                        if (!parser.Mentioned.Contains(jv))
                            throw new QueryException($"every branch of or-join must use its join variable {jv}", bat, btext);
                    }
                }
                branches.Add(new Body(branchScope, clauses, btext));
                branchParsers.Add(parser);
            }

            if (!join)
            {
                // Datomic: "All clauses used in an or clause must use the same set of variables".
                // Variables bound by :in do not count (DataScript issue 348): they are bound before
                // the or runs, so a branch that does not use one simply passes it through.
                var firstVars = branchParsers[0].Scope.Vars.Where(v => !InputVars.Contains(v)).ToHashSet();
                for (var b = 1; b < branches.Count; b++)
                {
                    var vars = branchParsers[b].Scope.Vars.Where(v => !InputVars.Contains(v)).ToHashSet();
                    if (!vars.SetEquals(firstVars))
                    {
                        var diff = vars.Except(firstVars).Concat(firstVars.Except(vars)).Select(s => s.ToString()).Order(StringComparer.Ordinal);
                        throw new QueryException($"every branch of or must use the same variables ({string.Join(" ", diff)} differ); use or-join to name the shared ones", at, text);
                    }
                }
                foreach (var p in branchParsers)
                {
                    foreach (var v in p.Scope.Vars)
                    {
                        if (!joinVars.Contains(v))
                            joinVars.Add(v);
                    }
                }
                // An input only some branches use joins every branch; it is required, so the or
                // waits for it (it is bound from the start).
                foreach (var v in joinVars)
                {
                    if (InputVars.Contains(v) && branchParsers.Any(p => !p.Scope.Contains(v)))
                        requiredVars.Add(v);
                }
                foreach (var b in branches)
                {
                    foreach (var v in joinVars)
                        b.Scope.Slot(v, at, text);
                }
            }

            var outer = new int[joinVars.Count];
            ulong required = 0;
            for (var j = 0; j < joinVars.Count; j++)
            {
                Mentioned.Add(joinVars[j]);
                outer[j] = scope.Slot(joinVars[j], at, text);
                if (requiredVars.Contains(joinVars[j]))
                    required |= 1UL << outer[j];
            }
            var inner = branches.Select(b => joinVars.Select(v => b.Scope.Slot(v, at, text)).ToArray()).ToArray();

            var callsRules = false;
            foreach (var b in branches)
                CollectCalls(b.Clauses, false, c => callsRules |= !c.Negative);
            if (inRule && callsRules && synthetic is not null)
            {
                ulong requiredArgs = 0;
                for (var j = 0; j < joinVars.Count; j++)
                {
                    if (requiredVars.Contains(joinVars[j]))
                        requiredArgs |= 1UL << j;
                }
                var def = synthetic.Add(joinVars.Count, requiredArgs);
                for (var b = 0; b < branches.Count; b++)
                    def.Bodies.Add(new RuleBody(branches[b], inner[b], at, $"{kind} branch {Conversions.Text(items[first + b])}"));
                var args = outer.Select(o => new Arg(ArgKind.Var, o, null, null)).ToArray();
                return new RuleCallClause(at, text, def.Name, args);
            }
            return new OrClause(at, text, [.. branches], outer, inner, required);
        }
    }

    // ---- helpers ----

    /// <summary>A symbol that is neither a variable, a source, rules (%), _ nor namespaced.</summary>
    private static bool IsPlainSymbol(object? form, out Symbol symbol)
    {
        if (form is Symbol { Namespace: null } s && s.Name.Length > 0 && s.Name[0] is not ('?' or '$') && s.Name is not ("%" or "_" or "..." or "."))
        {
            symbol = s;
            return true;
        }
        symbol = null!;
        return false;
    }

    public static bool IsVar(object? form, out Symbol var)
    {
        if (form is Symbol { Namespace: null } s && s.Name.Length > 1 && s.Name[0] == '?')
        {
            var = s;
            return true;
        }
        var = null!;
        return false;
    }

    public static SourcePosition? PositionOf(object? value) => value switch
    {
        EdnVector v => v.Position,
        EdnList l => l.Position,
        EdnMap m => m.Position,
        EdnSet s => s.Position,
        Symbol s => s.Position,
        _ => null,
    };

    public static string Describe(object? value) => value switch
    {
        null => "nil",
        string => "a string",
        long or int => "a number",
        double => "a number",
        bool => "a boolean",
        Keyword k => "the keyword " + k,
        Symbol s => "the symbol " + s,
        EdnVector => "a vector",
        EdnList => "a list",
        EdnMap => "a map",
        EdnSet => "a set",
        _ => Conversions.Text(value),
    };
}

using Datom.Log.Edn;

namespace Datom.Index.Query;

// The parsed form of a query and of rules: immutable once parsed, shared by every run. Variables
// are slots in the scope of the clause list they appear in (the query's :where, a rule body, a
// branch of or, the body of not); what depends on a database (constants resolved to entities,
// plans) is made per run and kept in the run's context.

/// <summary>The variables of one clause list, numbered from 0; a set of them is a bit mask.</summary>
internal sealed class Scope
{
    /// <summary>Slots are bits of a ulong: a clause list with more distinct variables is refused.</summary>
    public const int MaxVars = 64;

    private readonly Dictionary<Symbol, int> _slots = [];

    public List<Symbol> Vars { get; } = [];

    public int Width => Vars.Count;

    public bool TryGet(Symbol var, out int slot) => _slots.TryGetValue(var, out slot);

    public bool Contains(Symbol var) => _slots.ContainsKey(var);

    public int Slot(Symbol var, SourcePosition? at, string? clause)
    {
        if (_slots.TryGetValue(var, out var slot))
            return slot;
        if (Vars.Count == MaxVars)
            throw new QueryException($"more than {MaxVars} variables in one clause list; split it with rules", var.Position ?? at, clause);
        slot = Vars.Count;
        Vars.Add(var);
        _slots.Add(var, slot);
        return slot;
    }

    public string Name(int slot) => Vars[slot].ToString();

    public string Names(ulong mask)
    {
        var names = new List<string>();
        for (var i = 0; i < Width; i++)
        {
            if ((mask & (1UL << i)) != 0)
                names.Add(Vars[i].ToString());
        }
        return string.Join(" ", names);
    }
}

internal enum TermKind : byte
{
    Blank,
    Var,
    Const,
}

/// <summary>A place in a data pattern: <c>_</c>, a variable, or a constant as written.</summary>
internal readonly record struct Term(TermKind Kind, int Slot, object? Const)
{
    public static Term Blank { get; } = new(TermKind.Blank, -1, null);

    public static Term Var(int slot) => new(TermKind.Var, slot, null);

    public static Term Constant(object? value) => new(TermKind.Const, -1, value);

    public bool IsVar => Kind == TermKind.Var;

    public ulong Mask => Kind == TermKind.Var ? 1UL << Slot : 0;
}

internal enum ArgKind : byte
{
    Blank,
    Var,
    Const,
    Source,
}

/// <summary>An argument of a function, predicate or rule call.</summary>
internal readonly record struct Arg(ArgKind Kind, int Slot, object? Const, string? Source)
{
    public ulong Mask => Kind == ArgKind.Var ? 1UL << Slot : 0;
}

/// <summary>How a value is bound to variables: in :in and in a function's result.</summary>
internal abstract record Binding
{
    /// <summary><c>?x</c></summary>
    public sealed record Scalar(int Slot) : Binding;

    /// <summary><c>_</c></summary>
    public sealed record Ignore : Binding;

    /// <summary><c>[?a ?b]</c>: a sequence, one element per place.</summary>
    public sealed record Tuple(Binding[] Items) : Binding;

    /// <summary><c>[?x ...]</c>: each element of a collection in turn (a relation is <c>[[?a ?b]]</c>).</summary>
    public sealed record Collection(Binding Item) : Binding;

    private ulong? _vars;

    /// <summary>The variables the binding binds (computed once: tuple bindings ask per row).</summary>
    public ulong Vars() => _vars ??= this switch
    {
        Scalar s => 1UL << s.Slot,
        Tuple t => t.Items.Aggregate(0UL, (m, b) => m | b.Vars()),
        Collection c => c.Item.Vars(),
        _ => 0,
    };

    /// <summary>Rows grow with a collection binding; the planner uses this to order functions.</summary>
    public bool Multiplies => this switch
    {
        Collection => true,
        Tuple t => t.Items.Any(b => b.Multiplies),
        _ => false,
    };
}

/// <summary>A clause of a :where, rule body or branch.</summary>
internal abstract class Clause(SourcePosition? position, string text)
{
    public SourcePosition? Position { get; } = position;

    /// <summary>The clause as written: error messages, explanations and the planner's tie-break.</summary>
    public string Text { get; } = text;

    public QueryException Error(string reason) => new(reason, Position, Text);
}

/// <summary><c>[$src? e a v tx added]</c>, trailing places optional.</summary>
internal sealed class PatternClause(SourcePosition? position, string text, string source, Term e, Term a, Term v, Term tx, Term added)
    : Clause(position, text)
{
    public string Source { get; } = source;

    public Term E { get; } = e;

    public Term A { get; } = a;

    public Term V { get; } = v;

    public Term Tx { get; } = tx;

    public Term Added { get; } = added;

    public ulong Vars => E.Mask | A.Mask | V.Mask | Tx.Mask | Added.Mask;
}

/// <summary><c>[(f args…)]</c> (a predicate, when <see cref="Output"/> is null) or <c>[(f args…) binding]</c>.</summary>
internal sealed class FnClause(SourcePosition? position, string text, string name, Builtin? fn, int fnSlot, Arg[] args, Binding? output)
    : Clause(position, text)
{
    public string Name { get; } = name;

    /// <summary>The built-in, or null when the function is a variable (<see cref="FnSlot"/>).</summary>
    public Builtin? Fn { get; } = fn;

    public int FnSlot { get; } = fnSlot;

    public Arg[] Args { get; } = args;

    public Binding? Output { get; } = output;

    public ulong Inputs => Args.Aggregate(FnSlot >= 0 ? 1UL << FnSlot : 0UL, (m, a) => m | a.Mask);

    public ulong Outputs => Output?.Vars() ?? 0;
}

/// <summary>A clause list with its own variables: the query's :where, a rule body, a branch, a not body.</summary>
internal sealed class Body(Scope scope, IReadOnlyList<Clause> clauses, string text)
{
    public Scope Scope { get; } = scope;

    public IReadOnlyList<Clause> Clauses { get; } = clauses;

    public string Text { get; } = text;
}

/// <summary>
/// <c>(not …)</c> / <c>(not-join [vars] …)</c>: removes the rows for which the body has a solution.
/// <see cref="Outer"/>[i] in the enclosing scope is <see cref="Inner"/>[i] in the body's.
/// </summary>
internal sealed class NotClause(SourcePosition? position, string text, Body body, int[] outer, int[] inner)
    : Clause(position, text)
{
    public Body Body { get; } = body;

    public int[] Outer { get; } = outer;

    public int[] Inner { get; } = inner;

    public ulong Join => Outer.Aggregate(0UL, (m, s) => m | (1UL << s));
}

/// <summary>
/// <c>(or …)</c> / <c>(or-join [[required…] vars…] …)</c>: the union of the branches' solutions,
/// projected on the join variables. <see cref="Inner"/>[b][i] is join variable i in branch b.
/// </summary>
internal sealed class OrClause(SourcePosition? position, string text, Body[] branches, int[] outer, int[][] inner, ulong required)
    : Clause(position, text)
{
    public Body[] Branches { get; } = branches;

    public int[] Outer { get; } = outer;

    public int[][] Inner { get; } = inner;

    /// <summary>Join variables that must be bound before the or runs (or-join's <c>[[?a] …]</c>).</summary>
    public ulong Required { get; } = required;

    public ulong Join => Outer.Aggregate(0UL, (m, s) => m | (1UL << s));
}

/// <summary><c>(rule-name args…)</c>.</summary>
internal sealed class RuleCallClause(SourcePosition? position, string text, Symbol name, Arg[] args)
    : Clause(position, text)
{
    public Symbol Name { get; } = name;

    public Arg[] Args { get; } = args;

    public ulong Vars => Args.Aggregate(0UL, (m, a) => m | a.Mask);
}

/// <summary>A rule: every definition with this name, all of the same arity.</summary>
internal sealed class RuleDef(Symbol name, int arity)
{
    public Symbol Name { get; } = name;

    public int Arity { get; } = arity;

    /// <summary>Argument positions that must be bound at the call (<c>(rule [?a] ?b)</c>).</summary>
    public ulong Required { get; set; }

    public List<RuleBody> Bodies { get; } = [];

    /// <summary>True for the rules made from an or in a rule body (so recursion through it stays semi-naive).</summary>
    public bool Synthetic { get; init; }
}

/// <summary>One definition: its body and which body slots the head arguments are.</summary>
internal sealed class RuleBody(Body body, int[] head, SourcePosition? position, string text)
{
    public Body Body { get; } = body;

    public int[] Head { get; } = head;

    public SourcePosition? Position { get; } = position;

    public string Text { get; } = text;
}

internal sealed class RuleSet(Dictionary<Symbol, RuleDef> rules)
{
    public static RuleSet Empty { get; } = new([]);

    public Dictionary<Symbol, RuleDef> Rules { get; } = rules;
}

internal enum FindShape
{
    Relation,
    Collection,
    Scalar,
    Tuple,
}

internal abstract record FindElement(string Text)
{
    public sealed record Var(int Slot, string Name) : FindElement(Name);

    /// <summary><c>(pull ?e pattern)</c>; the pattern is a constant or an input variable.</summary>
    public sealed record Pull(int Slot, string Source, object? Pattern, int PatternSlot, string Form) : FindElement(Form);

    /// <summary><c>(agg ?x)</c> or <c>(agg n ?x)</c>.</summary>
    public sealed record Aggregate(string Fn, int Slot, object?[] Args, string Form, SourcePosition? Position) : FindElement(Form)
    {
        /// <summary>The slot of an input that gives the count of <c>(max ?n ?x)</c>, or -1.</summary>
        public int CountSlot { get; init; } = -1;
    }
}

internal enum KeysKind
{
    None,
    Keys,
    Strs,
    Syms,
}

/// <summary>An :in binding.</summary>
internal abstract record InputBinding(string Text)
{
    public sealed record Source(string Name) : InputBinding(Name);

    public sealed record Rules() : InputBinding("%");

    public sealed record Bind(Binding Binding, string Written) : InputBinding(Written);
}

internal sealed class ParsedQuery
{
    public required FindShape Shape { get; init; }

    public required IReadOnlyList<FindElement> Find { get; init; }

    public required KeysKind KeysKind { get; init; }

    public required IReadOnlyList<string> Keys { get; init; }

    public required IReadOnlyList<InputBinding> Inputs { get; init; }

    /// <summary>False when the query has no :in (which means <c>:in $</c>, though no database need be given).</summary>
    public required bool ExplicitIn { get; init; }

    public required int[] With { get; init; }

    public required Body Where { get; init; }

    public required string Text { get; init; }

    public required SourcePosition? Position { get; init; }

    public bool HasAggregates => Find.Any(f => f is FindElement.Aggregate);
}

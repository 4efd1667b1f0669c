using Datom.Log.Edn;
using Datom.Vm.Reading;

namespace Datom.Vm.Loading;

/// <summary>Building forms: what the built-in macros and destructuring expand into.</summary>
internal sealed partial class Analyzer
{
    private int _gensyms;

    /// <summary>
    /// A fresh local name, as Clojure's <c>gensym</c>: numbered in the order the analyzer meets
    /// them, so the same source always expands to the same names (and the same AST datoms).
    /// </summary>
    private Syntax Gensym(Syntax at, string prefix) => Sym(at, $"{prefix}__{_gensyms++}__auto__");

    private static SourcePosition Pos(Syntax at) => new(at.Line, at.Column);

    private static Syntax Sym(Syntax at, string name) => new(SyntaxKind.Symbol, Symbol.Intern(null, name), [], null, Pos(at));

    private static Syntax Sym(Syntax at, string? ns, string name) => new(SyntaxKind.Symbol, Symbol.Intern(ns, name), [], null, Pos(at));

    private static Syntax Lit(Syntax at, object? value) => new(SyntaxKind.Scalar, value, [], null, Pos(at));

    private static Syntax Kw(Syntax at, string name) => Lit(at, Keyword.Intern(null, name));

    private static Syntax L(Syntax at, params IEnumerable<Syntax> items)
    {
        var list = items.ToList();
        return new Syntax(SyntaxKind.List, new EdnList(list.Select(i => i.Edn)), list, null, Pos(at));
    }

    private static Syntax V(Syntax at, params IEnumerable<Syntax> items)
    {
        var list = items.ToList();
        return new Syntax(SyntaxKind.Vector, new EdnVector(list.Select(i => i.Edn)), list, null, Pos(at));
    }

    /// <summary>A call of a clojure.core function by its qualified name, so no local can shadow it.</summary>
    private static Syntax Core(Syntax at, string name, params IEnumerable<Syntax> args) => L(at, [Sym(at, "clojure.core", name), .. args]);

    private static Syntax Quote(Syntax at, Syntax form) => L(at, Sym(at, "quote"), form);

    private static Syntax Do(Syntax at, IEnumerable<Syntax> body) => L(at, [Sym(at, "do"), .. body]);

    /// <summary>The head symbol of a list form, with clojure.core/ taken off (syntax-quote qualifies macro names).</summary>
    private static string? HeadName(Syntax s)
    {
        if (s.Kind != SyntaxKind.List || s.Items.Count == 0 || s.Items[0].Symbol is not { } head)
            return null;
        return head.Namespace is null or "clojure.core" ? head.Name : null;
    }
}

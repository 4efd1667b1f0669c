using System.Globalization;
using Datom.Log.Edn;

namespace Datom.Vm.Reading;

/// <summary>
/// Expands the two reader macros the EDN reader leaves as markers (see
/// <see cref="EdnReaderOptions.ClojureSyntax"/>), as Clojure's LispReader does while reading:
/// <c>#(...)</c> into <c>(fn* [p1__N# ...] (...))</c>, and syntax-quote into the forms that build
/// its value (<c>(clojure.core/seq (clojure.core/concat (clojure.core/list ...)))</c>,
/// <c>(clojure.core/apply clojure.core/vector ...)</c> ...), with symbols resolved in the namespace
/// being read and <c>foo#</c> made an auto-gensym. Every form made carries the position of the
/// source form it comes from, so errors and AST lines point at what the user wrote.
/// </summary>
/// <remarks>
/// Gensym numbers count from 1 in each file (Clojure's come from a process-wide counter), so that
/// the same source always makes the same AST. A syntax-quoted regex, nil or boolean is kept as
/// itself where Clojure wraps it in quote: it evaluates to the same value.
/// </remarks>
internal sealed class ReaderMacros
{
    private static readonly Symbol FnStar = Symbol.Intern(null, "fn*");
    private static readonly Symbol Ampersand = Symbol.Intern(null, "&");
    private static readonly Symbol QuoteSymbol = Symbol.Intern(null, "quote");
    private static readonly Symbol Unquote = Symbol.Intern("clojure.core", "unquote");
    private static readonly Symbol UnquoteSplicing = Symbol.Intern("clojure.core", "unquote-splicing");
    private static readonly Symbol Seq = Core("seq");
    private static readonly Symbol Concat = Core("concat");
    private static readonly Symbol ListFn = Core("list");
    private static readonly Symbol Apply = Core("apply");
    private static readonly Symbol VectorFn = Core("vector");
    private static readonly Symbol HashMap = Core("hash-map");
    private static readonly Symbol HashSet = Core("hash-set");
    private static readonly Symbol WithMeta = Core("with-meta");

    private readonly string _source;
    private readonly Dictionary<string, string> _aliases = new(StringComparer.Ordinal);
    private string _ns = "user";
    private int _nextId;

    // The parameters of the #() being expanded (index 0 is %&), or null outside one.
    private Dictionary<int, Symbol>? _fnArgs;

    public ReaderMacros(string source)
    {
        _source = source;
    }

    /// <summary>Expands one top-level form; an <c>(ns name ...)</c> form sets the namespace (and aliases) for the forms after it.</summary>
    public Syntax Expand(Syntax form)
    {
        var expanded = Walk(form);
        if (expanded.Kind == SyntaxKind.List && expanded.Items.Count >= 2 && expanded.Items[0].IsSymbol("ns") && expanded.Items[1].Symbol is { Namespace: null } name)
        {
            _ns = name.Name;
            _aliases.Clear();
            foreach (var clause in expanded.Items.Skip(2))
                ReadAliases(clause);
        }
        return expanded;
    }

    /// <summary><c>(:require [lib :as alias] ...)</c>: the aliases syntax-quote resolves.</summary>
    private void ReadAliases(Syntax clause)
    {
        if (clause.Kind != SyntaxKind.List || clause.Items.Count == 0 || clause.Items[0].Edn is not Keyword { Name: "require" })
            return;
        foreach (var spec in clause.Items.Skip(1))
        {
            if (spec.Kind != SyntaxKind.Vector || spec.Items.Count == 0 || spec.Items[0].Symbol is not { } lib)
                continue;
            for (var i = 1; i + 1 < spec.Items.Count; i += 2)
            {
                if (spec.Items[i].Edn is Keyword { Name: "as" } && spec.Items[i + 1].Symbol is { } alias)
                    _aliases[alias.Name] = lib.ToString();
            }
        }
    }

    private Syntax Walk(Syntax s)
    {
        if (s.Kind == SyntaxKind.List && s.Items.Count == 2 && s.Items[0].Symbol is { } head)
        {
            if (head.Equals(EdnReader.FnLiteralSymbol))
                return FnLiteral(s, s.Items[1]);
            if (head.Equals(EdnReader.SyntaxQuoteSymbol))
                return new SyntaxQuoter(this).Quote(Walk(s.Items[1]));
            if (head.Equals(EdnReader.AutoKeywordSymbol) && s.Items[1].Edn is string body)
                return Scalar(s, AutoKeyword(s, body));
        }
        if (_fnArgs is not null && s.Symbol is { Namespace: null } sym && sym.Name.StartsWith('%'))
            return Make(s, FnArg(s, sym.Name));
        if (s.Items.Count == 0)
            return s;
        return Rebuild(s, [.. s.Items.Select(Walk)]);
    }

    /// <summary>
    /// <c>#(body)</c>: LispReader.FnReader. <c>%</c> is <c>%1</c>; parameters up to the highest
    /// <c>%n</c> used are made (unused ones too, so the arity is right), then <c>&amp; %&amp;</c>.
    /// </summary>
    private Syntax FnLiteral(Syntax marker, Syntax body)
    {
        if (_fnArgs is not null)
            throw Error(marker, "nested #()s are not allowed");
        _fnArgs = [];
        try
        {
            var expandedBody = Walk(body);
            var max = _fnArgs.Keys.DefaultIfEmpty(0).Max();
            var parameters = new List<Syntax>();
            for (var i = 1; i <= max; i++)
                parameters.Add(Make(marker, _fnArgs.TryGetValue(i, out var p) ? p : Gensym("p" + I(i))));
            if (_fnArgs.TryGetValue(0, out var rest))
            {
                parameters.Add(Make(marker, Ampersand));
                parameters.Add(Make(marker, rest));
            }
            return List(marker, [Make(marker, FnStar), Vector(marker, parameters), expandedBody]);
        }
        finally
        {
            _fnArgs = null;
        }
    }

    private Symbol FnArg(Syntax at, string name)
    {
        int n;
        if (name == "%")
            n = 1;
        else if (name == "%&")
            n = 0;
        else if (!int.TryParse(name.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out n) || n < 1 || n > 20)
            throw Error(at, $"arg literal must be %, %& or %integer (1 to 20), not {name}");
        if (!_fnArgs!.TryGetValue(n, out var symbol))
        {
            symbol = Gensym(n == 0 ? "rest" : "p" + I(n));
            _fnArgs[n] = symbol;
        }
        return symbol;
    }

    /// <summary><c>::name</c> is <c>:ns/name</c> in the namespace being read; <c>::alias/name</c> resolves a required alias.</summary>
    private Keyword AutoKeyword(Syntax at, string body)
    {
        var slash = body.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0)
            return Keyword.Intern(_ns, body);
        var alias = body[..slash];
        return _aliases.TryGetValue(alias, out var full)
            ? Keyword.Intern(full, body[(slash + 1)..])
            : throw Error(at, $"invalid token ::{body}: {alias} is not an alias required by {_ns}");
    }

    private Symbol Gensym(string prefix) => Symbol.Intern(null, prefix + "__" + I(++_nextId) + "#");

    private CodeException Error(Syntax at, string reason) => new(_source, at.Line, at.Column, "syntax error: " + reason);

    private static Symbol Core(string name) => Symbol.Intern("clojure.core", name);

    private static string I(int i) => i.ToString(CultureInfo.InvariantCulture);

    // ---- building syntax ----

    private static Syntax Make(Syntax at, Symbol symbol) =>
        new(SyntaxKind.Symbol, symbol.WithPosition(new SourcePosition(at.Line, at.Column)), [], null, new SourcePosition(at.Line, at.Column));

    private static Syntax Scalar(Syntax at, object? value) =>
        new(SyntaxKind.Scalar, value, [], null, new SourcePosition(at.Line, at.Column));

    private static Syntax List(Syntax at, IReadOnlyList<Syntax> items) => Build(SyntaxKind.List, at, items, null);

    private static Syntax Vector(Syntax at, IReadOnlyList<Syntax> items) => Build(SyntaxKind.Vector, at, items, null);

    /// <summary><paramref name="s"/> with new items (and its own kind, metadata and position).</summary>
    private static Syntax Rebuild(Syntax s, IReadOnlyList<Syntax> items)
    {
        for (var i = 0; i < items.Count; i++)
        {
            if (!ReferenceEquals(items[i], s.Items[i]))
                return Build(s.Kind, s, items, s.Meta);
        }
        return s;
    }

    private static Syntax Build(SyntaxKind kind, Syntax at, IReadOnlyList<Syntax> items, EdnMap? meta)
    {
        var position = new SourcePosition(at.Line, at.Column);
        object edn = kind switch
        {
            SyntaxKind.List => new EdnList(items.Select(i => i.Edn)).WithPosition(position).WithMeta(meta),
            SyntaxKind.Vector => new EdnVector(items.Select(i => i.Edn)).WithPosition(position).WithMeta(meta),
            SyntaxKind.Set => new EdnSet(items.Select(i => i.Edn)).WithPosition(position).WithMeta(meta),
            SyntaxKind.Map => new EdnMap(Pairs(items)).WithPosition(position).WithMeta(meta),
            _ => throw new InvalidOperationException($"not a collection: {kind}"),
        };
        return new Syntax(kind, edn, items, meta, position);
    }

    private static IEnumerable<KeyValuePair<object?, object?>> Pairs(IReadOnlyList<Syntax> items)
    {
        for (var i = 0; i + 1 < items.Count; i += 2)
            yield return new(items[i].Edn, items[i + 1].Edn);
    }

    /// <summary>One syntax-quote: its auto-gensyms are shared by every <c>foo#</c> inside it (LispReader.GENSYM_ENV).</summary>
    private sealed class SyntaxQuoter(ReaderMacros reader)
    {
        private readonly Dictionary<string, Symbol> _gensyms = new(StringComparer.Ordinal);

        /// <summary>LispReader.syntaxQuote.</summary>
        public Syntax Quote(Syntax s)
        {
            var result = QuoteBare(s);
            // "newMeta = meta without :line and :column; if not empty, (with-meta ret (syntaxQuote meta))"
            if (s.Meta is { Count: > 0 } meta && s.Kind != SyntaxKind.Scalar)
            {
                var metaSyntax = MetaSyntax(s, meta);
                return List(s, [Make(s, WithMeta), result, Quote(metaSyntax)]);
            }
            return result;
        }

        private Syntax QuoteBare(Syntax s)
        {
            switch (s.Kind)
            {
                case SyntaxKind.Symbol:
                    return List(s, [Make(s, QuoteSymbol), Make(s, Resolve(s.Symbol!))]);
                case SyntaxKind.Scalar:
                    // Keywords, numbers, characters and strings are themselves (as are nil, booleans and regexes here).
                    return s;
                case SyntaxKind.List when IsCall(s, Unquote):
                    return s.Items[1];
                case SyntaxKind.List when IsCall(s, UnquoteSplicing):
                    throw reader.Error(s, "splice (~@) not in list");
                case SyntaxKind.List when s.Items.Count == 0:
                    return List(s, [Make(s, ListFn)]);
                case SyntaxKind.List:
                    return List(s, [Make(s, Seq), List(s, [Make(s, Concat), .. ExpandItems(s.Items)])]);
                default:
                    var builder = s.Kind switch
                    {
                        SyntaxKind.Vector => VectorFn,
                        SyntaxKind.Map => HashMap,
                        _ => HashSet,
                    };
                    return List(s, [Make(s, Apply), Make(s, builder), List(s, [Make(s, Seq), List(s, [Make(s, Concat), .. ExpandItems(s.Items)])])]);
            }
        }

        /// <summary>LispReader.sqExpandList: <c>~x</c> is <c>(list x)</c>, <c>~@x</c> is <c>x</c>, anything else <c>(list `x)</c>.</summary>
        private IEnumerable<Syntax> ExpandItems(IReadOnlyList<Syntax> items)
        {
            foreach (var item in items)
            {
                if (IsCall(item, Unquote))
                    yield return List(item, [Make(item, ListFn), item.Items[1]]);
                else if (IsCall(item, UnquoteSplicing))
                    yield return item.Items[1];
                else
                    yield return List(item, [Make(item, ListFn), Quote(item)]);
            }
        }

        private static bool IsCall(Syntax s, Symbol head) =>
            s.Kind == SyntaxKind.List && s.Items.Count == 2 && s.Items[0].Symbol is { } h && h.Equals(head);

        /// <summary>LispReader.syntaxQuote on a symbol.</summary>
        private Symbol Resolve(Symbol sym)
        {
            if (sym.Namespace is null)
            {
                var name = sym.Name;
                if (ClojureNames.SpecialForms.Contains(name))
                    return sym;
                if (name.EndsWith('#') && name.Length > 1)
                {
                    if (!_gensyms.TryGetValue(name, out var gensym))
                    {
                        gensym = Symbol.Intern(null, name[..^1] + "__" + I(++reader._nextId) + "__auto__");
                        _gensyms[name] = gensym;
                    }
                    return gensym;
                }
                // Class names (Foo.), method names (.foo) and host classes stay as written.
                if (name.EndsWith('.') || name.StartsWith('.') || Loading.Interop.IsClassName(name))
                    return sym;
                return Symbol.Intern(ClojureNames.Core.Contains(name) ? "clojure.core" : reader._ns, name);
            }
            if (reader._aliases.TryGetValue(sym.Namespace, out var full))
                return Symbol.Intern(full, sym.Name);
            return sym;
        }

        private static Syntax MetaSyntax(Syntax at, EdnMap meta)
        {
            var items = new List<Syntax>(meta.Count * 2);
            foreach (var (k, v) in meta)
            {
                items.Add(FromEdn(at, k));
                items.Add(FromEdn(at, v));
            }
            return Build(SyntaxKind.Map, at, items, null);
        }

        /// <summary>Metadata is plain data (keywords, symbols, strings, booleans): its forms take the position of what it is on.</summary>
        private static Syntax FromEdn(Syntax at, object? edn) => edn switch
        {
            Symbol s => Make(at, s),
            EdnList l => Build(SyntaxKind.List, at, [.. l.Select(x => FromEdn(at, x))], l.Meta),
            EdnVector v => Build(SyntaxKind.Vector, at, [.. v.Select(x => FromEdn(at, x))], v.Meta),
            EdnSet set => Build(SyntaxKind.Set, at, [.. set.Select(x => FromEdn(at, x))], set.Meta),
            EdnMap m => MetaSyntax(at, m),
            _ => Scalar(at, edn),
        };
    }
}

using Datom.Log.Edn;
using Datom.Vm.Reading;

namespace Datom.Vm.Loading;

/// <summary>
/// Destructuring, as clojure.core's <c>destructure</c>: a vector or map pattern becomes plain
/// bindings of names to <c>nth</c>, <c>first</c>/<c>next</c> and <c>get</c> of a fresh local, so that the AST
/// (and the machine) only ever binds names.
/// </summary>
internal sealed partial class Analyzer
{
    private static readonly Keyword AsKey = Keyword.Intern(null, "as");
    private static readonly Keyword OrKey = Keyword.Intern(null, "or");

    private static bool IsPlain(Syntax binding) => binding.Symbol is { Namespace: null };

    /// <summary>Flat name/value pairs that bind <paramref name="pattern"/> to <paramref name="value"/>.</summary>
    private List<Syntax> Destructure(Syntax pattern, Syntax value)
    {
        var result = new List<Syntax>();
        Bind(pattern, value, result);
        return result;
    }

    private void Bind(Syntax pattern, Syntax value, List<Syntax> result)
    {
        switch (pattern.Kind)
        {
            case SyntaxKind.Symbol when pattern.Symbol is { Namespace: null }:
                result.Add(pattern);
                result.Add(value);
                return;
            case SyntaxKind.Vector:
                BindVector(pattern, value, result);
                return;
            case SyntaxKind.Map:
                BindMap(pattern, value, result);
                return;
            default:
                throw Error(pattern, $"a binding is a name, a [vector] or a {{map}} pattern, not {Describe(pattern)}");
        }
    }

    /// <summary>
    /// A vector pattern. Without <c>&amp;</c> each position is <c>(nth v i nil)</c>; with it, as in
    /// Clojure, the positions before it walk <c>(seq v)</c> with <c>first</c> and <c>next</c>, so that
    /// <c>[x &amp; more]</c> takes apart any seqable (a set, a map), not only what <c>nth</c> accepts.
    /// </summary>
    private void BindVector(Syntax pattern, Syntax value, List<Syntax> result)
    {
        var g = Gensym(pattern, "vec");
        result.Add(g);
        result.Add(value);
        var items = pattern.Items;
        var walk = items.Any(x => x.IsSymbol("&")) ? Gensym(pattern, "seq") : null;
        if (walk is not null)
        {
            result.Add(walk);
            result.Add(Core(pattern, "seq", g));
        }
        var n = 0L;
        for (var i = 0; i < items.Count; i++)
        {
            var p = items[i];
            if (p.IsSymbol("&"))
            {
                Need(p, i + 1 < items.Count, "& in a binding vector is followed by a name");
                Bind(items[i + 1], walk!, result);
                i++;
            }
            else if (p.Edn is Keyword k && k.Equals(AsKey))
            {
                Need(p, i + 1 < items.Count && IsPlain(items[i + 1]), ":as in a binding vector is followed by a name");
                result.Add(items[i + 1]);
                result.Add(g);
                i++;
            }
            else if (walk is not null)
            {
                var first = Gensym(p, "first");
                result.Add(first);
                result.Add(Core(p, "first", walk));
                var next = Gensym(p, "seq");
                result.Add(next);
                result.Add(Core(p, "next", walk));
                walk = next;
                Bind(p, first, result);
            }
            else
            {
                Bind(p, Core(p, "nth", g, Lit(p, n), Lit(p, null)), result);
                n++;
            }
        }
    }

    private void BindMap(Syntax pattern, Syntax value, List<Syntax> result)
    {
        var g = Gensym(pattern, "map");
        result.Add(g);
        // A seq in map position is keyword arguments (& {:keys [a]}): made a map first, as Clojure does.
        result.Add(L(pattern, Sym(pattern, "let"), V(pattern, g, value),
            L(pattern, Sym(pattern, "if"), Core(pattern, "seq?", g), Core(pattern, "apply", Sym(pattern, "clojure.core", "hash-map"), g), g)));
        var items = pattern.Items;
        var defaults = new Dictionary<string, Syntax>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < items.Count; i += 2)
        {
            if (items[i].Edn is Keyword k && k.Equals(OrKey))
            {
                Need(items[i + 1], items[i + 1].Kind == SyntaxKind.Map, ":or takes a map of names to defaults");
                var d = items[i + 1].Items;
                for (var j = 0; j + 1 < d.Count; j += 2)
                {
                    Need(d[j], IsPlain(d[j]), ":or maps names to defaults");
                    defaults[d[j].Symbol!.Name] = d[j + 1];
                }
            }
        }
        Syntax Lookup(Syntax at, Syntax key, string? local)
        {
            return local is not null && defaults.TryGetValue(local, out var dflt)
                ? Core(at, "get", g, key, dflt)
                : Core(at, "get", g, key);
        }
        for (var i = 0; i + 1 < items.Count; i += 2)
        {
            var key = items[i];
            var val = items[i + 1];
            if (key.Edn is Keyword kw && kw.Namespace is null && kw.Name is "keys" or "strs" or "syms")
            {
                Need(val, val.Kind == SyntaxKind.Vector, $":{kw.Name} takes a vector of names");
                foreach (var n in val.Items)
                {
                    var (ns, local) = n.Edn switch
                    {
                        Symbol sym => (sym.Namespace, sym.Name),
                        Keyword kk => (kk.Namespace, kk.Name),
                        _ => throw Error(n, $":{kw.Name} takes names, not {Describe(n)}"),
                    };
                    var lookupKey = kw.Name switch
                    {
                        "keys" => Lit(n, Keyword.Intern(ns, local)),
                        "strs" => Lit(n, local),
                        _ => Quote(n, Sym(n, ns, local)),
                    };
                    result.Add(Sym(n, local));
                    result.Add(Lookup(n, lookupKey, local));
                }
            }
            else if (key.Edn is Keyword k2 && (k2.Equals(AsKey) || k2.Equals(OrKey)))
            {
                if (k2.Equals(AsKey))
                {
                    Need(val, IsPlain(val), ":as is followed by a name");
                    result.Add(val);
                    result.Add(g);
                }
            }
            else
            {
                Bind(key, Lookup(key, val, IsPlain(key) ? key.Symbol!.Name : null), result);
            }
        }
    }
}

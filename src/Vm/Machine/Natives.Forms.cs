using Datom.Log.Edn;

namespace Datom.Vm.Machine;

/// <summary>
/// Metadata, as Clojure's <c>IObj</c>: a map attached to a collection, symbol, record or function
/// value, which neither equality nor printing sees. Values are immutable and shared, so metadata
/// lives beside them, in a table keyed by the value's object (held weakly: it goes with its value);
/// <c>with-meta</c> makes a copy of the value (a new object, the same contents) and attaches the map
/// to the copy. Numbers, strings, characters, keywords and nil cannot carry it (ClassCastException,
/// as in Clojure). Functions that derive a new value (<c>conj</c>, <c>assoc</c>) do not carry the
/// metadata over, where Clojure's do.
/// </summary>
internal static class Meta
{
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<object, System.Runtime.CompilerServices.StrongBox<Val>> Table = new();

    public static Val Of(Val v) => v.Obj is { } o && Table.TryGetValue(o, out var box) ? box.Value : Val.Nil;

    /// <summary>A copy of <paramref name="v"/> with <paramref name="meta"/> (a map or nil) as its metadata.</summary>
    public static Val With(YinMachine m, Val v, Val meta)
    {
        if (!meta.IsNil && meta.Obj is not YMap)
            throw Natives.TypeError("with-meta", "a map", meta);
        m.Charge(Heap.SlotBytes * 4);
        object copy = v.Obj switch
        {
            YVector x => new YVector(x.Items),
            YMap x => new YMap(x.Items),
            YSet x => new YSet(x.Items),
            YList x => new YList(x.First, x.More, x.Count),
            YSeq or YLazySeq or YEmptyList => Seqs.List(m, [.. Seqs.Values(v, m)]).Obj ?? new YEmptyList(),
            YRecord x => new YRecord(x.Type, [.. x.Values]),
            Symbol x => x.WithMeta(x.Meta),
            Closure x => new Closure(x.Code, x.Captures),
            FnRef x => new FnRef(x.Cell),
            NativeRef x => new NativeRef(x.Native),
            _ => throw YinException.Of(Kinds.Type,
                $"class {Classes.Of(v)} cannot be cast to class clojure.lang.IObj"),
        };
        if (!meta.IsNil)
            Table.AddOrUpdate(copy, new System.Runtime.CompilerServices.StrongBox<Val>(meta));
        return Val.Object(copy);
    }
}

/// <summary>
/// A regex matcher (<c>re-matcher</c>), as java.util.regex.Matcher: each <c>re-find</c> on it finds
/// the next match after the last, and <c>re-groups</c> gives the last match's groups. The one
/// mutable value besides atoms; like them it belongs to the run that made it. Each search runs
/// under the regex match timeout.
/// </summary>
internal sealed class YMatcher(YRegex regex, string text) : YFunction
{
    private System.Text.RegularExpressions.Match? _last;
    private bool _done;

    public override string Name => "java.util.regex.Matcher";

    public Val Find(YinMachine m)
    {
        if (_done)
            return Val.Nil;
        var match = regex.Run("re-find", r => _last is null ? r.Match(text) : _last.NextMatch());
        _last = match;
        if (!match.Success)
        {
            _done = true;
            return Val.Nil;
        }
        return Natives.MatchGroups(m, match);
    }

    public Val Groups(YinMachine m) => _last is { Success: true } match
        ? Natives.MatchGroups(m, match)
        : throw YinException.Of(Natives.ExceptionKind("IllegalStateException"), "No match found");
}

/// <summary>Natives for code as data: <c>gensym</c>, metadata, regex matchers.</summary>
internal static partial class Natives
{
    internal static Val MatchGroups(YinMachine m, System.Text.RegularExpressions.Match match) => Groups(m, match);

    private static void RegisterForms()
    {
        Def("meta", 1, 1, (_, a) => Meta.Of(a[0]));
        // (.field x) of a record or deftype instance: Clojure's "No matching field found" otherwise.
        Def("field*", 2, 2, (_, a) => a[0].Obj is YRecord r && a[1].Obj is Keyword k && r.Type.IndexOf(k) is var i and >= 0
            ? r.Values[i]
            : throw YinException.Of(Kinds.Argument, $"No matching field found: {(a[1].Obj as Keyword)?.Name} for class {Classes.Of(a[0])}"));
        Def("re-matcher", 2, 2, (m, a) =>
        {
            var (re, s) = RegexArgs("re-matcher", a);
            m.Charge(Heap.SlotBytes * 4);
            return Val.Object(new YMatcher(re, s));
        });
        Def("re-groups", 1, 1, (m, a) => (a[0].Obj as YMatcher ?? throw TypeError("re-groups", "a matcher (re-matcher)", a[0])).Groups(m));
        Def("with-meta", 2, 2, (m, a) => Meta.With(m, a[0], a[1]));
        Def("vary-meta", 2, -1, (m, a) =>
        {
            Val[] args = [Meta.Of(a[0]), .. a[2..]];
            return Meta.With(m, a[0], m.Invoke(a[1], args));
        });
        // (gensym) is G__N, (gensym "p") is pN, as Clojure's; N counts per run (and, for macro
        // expansions, per load, so that the same source always expands to the same datoms).
        Def("gensym", 0, 1, (m, a) =>
        {
            var prefix = a.Length == 0 || a[0].IsNil ? "G__" : a[0].Obj switch
            {
                string s => s,
                Symbol s => s.ToString(),
                _ => throw TypeError("gensym", "a string prefix", a[0]),
            };
            return Val.Symbol(Symbol.Intern(null, prefix + (++m.GensymCounter).ToString(System.Globalization.CultureInfo.InvariantCulture)));
        });
    }
}

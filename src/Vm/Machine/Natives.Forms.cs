using Datom.Log.Edn;

namespace Datom.Vm.Machine;

/// <summary>Natives for code as data: <c>gensym</c>.</summary>
internal static partial class Natives
{
    private static void RegisterForms()
    {
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

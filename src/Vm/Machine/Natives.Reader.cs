using Datom.Log.Edn;

namespace Datom.Vm.Machine;

internal static partial class Natives
{
    /// <summary>
    /// <c>read-string</c> and <c>clojure.edn/read-string</c>: the first form of a string, read by the
    /// Clojure reader (<see cref="EdnReaderOptions.ClojureSyntax"/>) as data. Nothing is evaluated
    /// (<c>*read-eval*</c> is off: <c>#=</c> is refused by the reader), and the reader's own caps on
    /// depth, string length and collection size hold, so a hostile string cannot exhaust the node.
    /// </summary>
    private static void RegisterReader()
    {
        Def("read-string", 1, 2, (m, a) => ReadString(m, "read-string", a[^1], clojure: true));
        Def("clojure.edn/read-string", 1, 2, (m, a) => ReadString(m, "clojure.edn/read-string", a[^1], clojure: false));
    }

    private static Val ReadString(YinMachine m, string fn, Val text, bool clojure)
    {
        var s = StringArg(fn, text);
        m.Burn(s.Length / 16);
        object? form;
        try
        {
            var forms = EdnReader.ReadAll(s, new EdnReaderOptions { ClojureSyntax = clojure });
            if (forms.Count == 0)
            {
                if (!clojure)
                    return Val.Nil;
                throw JavaException("RuntimeException", "EOF while reading");
            }
            form = forms[0];
        }
        catch (EdnException e)
        {
            throw JavaException("RuntimeException", $"{fn}: {e.Message}");
        }
        var value = ValConvert.FromEdn(form);
        m.Charge(Heap.Estimate(value));
        return value;
    }
}

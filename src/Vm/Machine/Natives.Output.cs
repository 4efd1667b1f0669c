using System.Text;

namespace Datom.Vm.Machine;

internal static partial class Natives
{
    /// <summary>
    /// Formatted output: <c>printf</c>, <c>with-out-str</c>'s capture, and clojure.pprint's
    /// <c>cl-format</c> and <c>print-table</c>. Everything printed still goes through the machine's
    /// <see cref="YinMachine.Write"/>, so <c>with-out-str</c> captures all of it.
    /// </summary>
    private static void RegisterOutput()
    {
        Def("printf", 1, -1, (m, a) =>
        {
            m.Write(JavaFormat.Format(StringArg("printf", a[0]), a[1..]).ToString());
            return Val.Nil;
        });

        // (with-out-str body...) expands to
        //   (let [g (out-capture*)] (try body... (out-captured* g) (finally (out-release* g))))
        // (Analyzer.Macros): a capture is a frame of the machine's output, released on any exit.
        Def("out-capture*", 0, 0, (m, _) => Val.Long(m.BeginCapture()));
        Def("out-captured*", 1, 1, (m, a) => Charged(m, m.Captured(IntArg("with-out-str", a[0]))));
        Def("out-release*", 1, 1, (m, a) =>
        {
            m.EndCapture(IntArg("with-out-str", a[0]));
            return Val.Nil;
        });

        Def("clojure.pprint/cl-format", 2, -1, (m, a) =>
        {
            var control = StringArg("cl-format", a[1]);
            var text = ClFormat.Format(m, control, a[2..].ToArray());
            if (a[0].IsNil)
                return Val.String(text);
            if (a[0].Kind == ValKind.Boolean && a[0].AsBool)
            {
                m.Write(text);
                return Val.Nil;
            }
            throw TypeError("cl-format", "nil (to return a string) or true (to print to *out*) as the destination", a[0]);
        });

        Def("clojure.pprint/print-table", 1, 2, (m, a) =>
        {
            m.Write(PrintTable(m, a.Length == 2 ? a[0] : Val.Nil, a[^1]));
            return Val.Nil;
        });
    }

    /// <summary>
    /// clojure.pprint/print-table: a blank line, a header of the keys (those of the first row
    /// unless given), a rule, then each row, every cell right-aligned to its column's widest text
    /// (as <c>str</c> prints it).
    /// </summary>
    private static string PrintTable(YinMachine m, Val keys, Val rows)
    {
        var table = Seqs.Values(rows, m).ToList();
        if (table.Count == 0)
            return "";
        var ks = keys.IsNil ? Seqs.Values(Keys(table[0]), m).ToList() : Seqs.Values(keys, m).ToList();
        var cells = table.Select(row => ks.Select(k => ValPrinter.Display(Lookup(row, k))).ToArray()).ToList();
        var widths = ks.Select((k, i) => Math.Max(ValPrinter.Display(k).Length, cells.Count == 0 ? 0 : cells.Max(c => c[i].Length))).ToArray();
        var sb = new StringBuilder("\n");
        void Row(IEnumerable<string> texts)
        {
            sb.Append("| ").Append(string.Join(" | ", texts.Select((t, i) => t.PadLeft(widths[i])))).Append(" |\n");
        }
        Row(ks.Select(ValPrinter.Display));
        sb.Append("|-").Append(string.Join("-+-", widths.Select(w => new string('-', w)))).Append("-|\n");
        foreach (var row in cells)
        {
            m.Burn(row.Length);
            Row(row);
        }
        m.Charge(Heap.StringBytes(sb.Length));
        return sb.ToString();
    }

    private static Val Keys(Val row) => row.Obj switch
    {
        YMap map => ValConvert.Vector(map.Items.Keys),
        YRecord r => ValConvert.Vector(r.Type.Fields.Select(Val.Keyword)),
        _ => throw TypeError("print-table", "a map for each row", row),
    };

    private static Val Lookup(Val row, Val key) => row.Obj switch
    {
        YMap map => map.Items.TryGetValue(key, out var v) ? v : Val.Nil,
        YRecord r when key.Obj is Datom.Log.Edn.Keyword k => r.Get(k),
        _ => Val.Nil,
    };
}

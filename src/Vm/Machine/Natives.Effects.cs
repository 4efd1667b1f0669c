using System.Text;
using Datom.Index.Query;
using Datom.Index.Transactions;
using Datom.Log.Edn;

namespace Datom.Vm.Machine;

internal static partial class Natives
{
    /// <summary>
    /// The effects, the only way a program reaches anything outside itself (DESIGN.md: code from
    /// peers "reaches nothing but the effects"): <c>query</c>, <c>transact!</c>, <c>print</c> (and
    /// <c>println</c>, <c>pr</c>, <c>prn</c>), <c>sleep</c> and <c>now</c>.
    /// </summary>
    private static void RegisterEffects()
    {
        Def("print", 0, -1, (m, a) => Print(m, a, readable: false, newline: false));
        Def("println", 0, -1, (m, a) => Print(m, a, readable: false, newline: true));
        Def("pr", 0, -1, (m, a) => Print(m, a, readable: true, newline: false));
        Def("prn", 0, -1, (m, a) => Print(m, a, readable: true, newline: true));
        Def("newline", 0, 0, (m, _) => Print(m, [], readable: false, newline: true));
        // What a run prints is handed over as it is written (and all of it at the run's end): nothing to flush.
        Def("flush", 0, 0, (_, _) => Val.Nil);
        Def("now", 0, 0, (m, _) => Val.Instant(m.Now()));
        RegisterSubscribe();
        Def("sleep", 1, 1, (m, a) =>
        {
            m.Sleep(LongArg("sleep", a[0]));
            return Val.Nil;
        });
        Def("query", 1, -1, (m, a) =>
        {
            var host = m.Effects ?? throw YinException.Of(Kinds.Effect, "query: this run has no database");
            var query = a[0].Obj is string text ? ParseQuery(text) : ValConvert.ToEdn(a[0]);
            var inputs = a[1..].ToArray().Select(ValConvert.ToEdn).ToList();
            // The query spends the run's own limits as it goes (YinMachine.QueryBudget): its
            // steps are fuel, its memory what the run has left, its deadline the run's.
            var budget = m.QueryBudget(host.QueryLimits);
            object? result;
            try
            {
                result = host.Query(query, inputs, budget);
            }
            catch (QueryLimitException e)
            {
                throw YinMachine.QueryLimitError(e);
            }
            catch (Exception e) when (e is not YinException and not OperationCanceledException)
            {
                throw YinException.Of(Kinds.Effect, "query: " + e.Message);
            }
            finally
            {
                m.Spend(budget);
            }
            var value = ValConvert.FromEdn(result);
            m.Charge(Heap.Estimate(value));
            return value;
        });
        Def("transact!", 1, 1, (m, a) =>
        {
            var host = m.Effects ?? throw YinException.Of(Kinds.Effect, "transact!: this run has no database");
            var data = ValConvert.ToEdn(a[0]);
            m.BeforeTransact();
            try
            {
                return host.Transact(data, m.Cancellation);
            }
            catch (TxDataException e)
            {
                throw YinException.Of(Kinds.Effect, "transact!: " + e.Message);
            }
        });
    }

    private static object? ParseQuery(string text)
    {
        try
        {
            return EdnReader.ReadOne(text);
        }
        catch (EdnException e)
        {
            throw YinException.Of(Kinds.Effect, "query: " + e.Message);
        }
    }

    private static Val Print(YinMachine m, ReadOnlySpan<Val> args, bool readable, bool newline)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < args.Length; i++)
        {
            if (i > 0)
                sb.Append(' ');
            ValPrinter.PrintTo(m.Write, sb, args[i], readable);
        }
        if (newline)
            sb.Append('\n');
        m.Write(sb.ToString());
        return Val.Nil;
    }
}

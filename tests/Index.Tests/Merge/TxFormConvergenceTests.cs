using Datom.Log;
using Datom.Log.Edn;
using Datom.Log.Entries;
using Datom.Log.Identity;
using Datom.Log.Storage;
using FsCheck.Xunit;
using Xunit;

namespace Datom.Index.Tests.Merge;

/// <summary>
/// Merge by union with the transaction forms that read the database when they are made (:db/cas,
/// reverse attributes, [:db/retract e a], transaction functions): the entry records the datoms, so
/// every node holding the same entries answers alike, whatever order they arrived in.
/// </summary>
public class TxFormConvergenceTests
{
    private static List<string> Answers(IEnumerable<Entry> order, int expectedCount)
    {
        using var identity = NodeIdentity.Generate();
        using var log = DatomLog.Open(new MemoryStorage(), identity);
        using var db = DaoDb.Open(new MemoryStorage(), log);
        foreach (var e in order)
            log.IngestAsync(e).GetAwaiter().GetResult();
        db.WaitForAsync(log.DurableCount).GetAwaiter().GetResult();
        Assert.Equal(expectedCount, log.Count);
        var view = db.Current();
        var answers = view.Match(null, null, null)
            .Where(d => d.A.Namespace != "tx")
            .Select(d => $"{d.E} {d.A} {d.V} {d.Tx}").Order(StringComparer.Ordinal).ToList();
        foreach (var e in Enumerable.Range(0, 3).Select(i => new Log.Model.EntityId(0xE, (ulong)i)))
            answers.AddRange(view.Conflicts(e, Keyword.Parse("t/one")).Select(d => $"conflict {d.E} {d.V} {d.Tx}").Order(StringComparer.Ordinal));
        return answers;
    }

    internal static void AssertConverges(List<Entry> history, int seed)
    {
        var random = new Random(seed);
        var expected = Answers(history, history.Count);
        for (var trial = 0; trial < 3; trial++)
            Assert.Equal(expected, Answers(history.OrderBy(_ => random.Next()).ToList(), history.Count));
    }

    [Property(Arbitrary = [typeof(Seeds)], MaxTest = 12)]
    public void Cas_reverse_maps_and_attribute_retraction_converge(int seed)
    {
        var (history, _) = TxFormHistory.Generate(seed);
        AssertConverges(history, seed);
    }

    // A transaction function that reads the replica's database: [:t/bump e] sets :t/one to one more
    // than it is there. The replicas that receive its entries have no functions at all: they index
    // the datoms the entry holds, never running the function again.
    private static void Bump(DaoDb db) => db.TxFunctions = new Transactions.TxFunctionTests.Functions(new()
    {
        [":t/bump"] = (args, view) =>
        {
            var e = (Log.Model.EntityId)args[0]!;
            var now = view.Match(e, Keyword.Parse("t/one"), null).Select(d => d.V.AsLong).FirstOrDefault();
            return EdnReader.ReadOne($"[[:db/add #id \"{e}\" :t/one {(now + 1) % 3}]]", Index.Transactions.TxDataParser.ReaderOptions("bump"));
        },
    });

    [Property(Arbitrary = [typeof(Seeds)], MaxTest = 10)]
    public void Transaction_functions_converge_without_being_run_again(int seed)
    {
        var (history, _) = TxFormHistory.Generate(seed, txFns: Bump, txFnForms: r => $"[[:t/bump {TxFormHistory.Entity(r.Next(3))}]]");
        AssertConverges(history, seed);
    }

    [Fact]
    public void The_histories_do_contain_each_form()
    {
        var texts = new List<string>();
        var refused = 0;
        for (var seed = 0; seed < 10; seed++)
        {
            var (history, r) = TxFormHistory.Generate(seed);
            refused += r;
            texts.AddRange(history.SelectMany(e => e.Datoms).Select(d => $"{d.A} {d.Added}"));
        }
        Assert.Contains("t/ref True", texts);
        Assert.Contains("t/part False", texts);
        Assert.Contains("t/one False", texts);
        Assert.True(refused > 0, "no cas was ever refused");
    }
}

using System.Globalization;
using System.Text;
using Datom.Vm.Tests.Support;
using Xunit;

namespace Datom.Vm.Tests;

/// <summary>
/// Clojure's hasheq and the order its maps and sets iterate in, against JVM Clojure: every line of
/// Data/clojure-order.tsv (recorded by scripts/record-clojure-order.sh from Data/clojure-order.clj)
/// is an expression, the <c>(hash x)</c> Clojure gave and what <c>pr-str</c> printed; Yin must give
/// both. The expressions cover numbers of every kind, strings, keywords, symbols, characters,
/// collections, array maps up to and past 8 entries, hash maps, sets, colliding hashes and nil keys.
/// </summary>
public sealed class HashOrderTests
{
    private static readonly string Table = Path.Combine(AppContext.BaseDirectory, "Data", "clojure-order.tsv");

    public static IEnumerable<object[]> Rows() =>
        File.ReadAllLines(Table, Encoding.UTF8).Where(l => l.Length > 0).Select(l => l.Split('\t') is [var e, var h, var p] ? new object[] { e, h, p } : throw new FormatException(l));

    [Fact]
    public void Every_recorded_expression_hashes_and_prints_as_in_Clojure()
    {
        var rows = Rows().ToList();
        Assert.True(rows.Count > 100, "the recorded table is there");
        // One program for the whole table: each expression prints its hash and its pr-str on a line.
        var program = new StringBuilder("(defn main []\n");
        foreach (var row in rows)
            program.Append(CultureInfo.InvariantCulture, $"  (let [x {row[0]}] (print (str (hash x) \"\\t\" (pr-str x) \"\\n\")))\n");
        program.Append("  nil)\n");
        var output = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        var result = Yin.RunWith(program.ToString(), new RunOptions { Output = output });
        Assert.True(result.Status == RunStatus.Finished, result.ToString());
        var lines = output.ToString().Split('\n');
        var wrong = new List<string>();
        for (var i = 0; i < rows.Count; i++)
        {
            var expected = $"{rows[i][1]}\t{rows[i][2]}";
            if (lines[i] != expected)
                wrong.Add($"{rows[i][0]}: Clojure {expected}, Yin {lines[i]}");
        }
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }

    [Fact]
    public void Equal_maps_and_sets_built_in_different_orders_stay_equal_and_hash_alike()
    {
        Assert.Equal("[true true true true]", Yin.Expr(
            "(let [a (zipmap (range 20) (range)) b (into {} (reverse (seq a))) s (set (range 30)) t (into #{} (reverse (range 30)))] " +
            "[(= a b) (= (hash a) (hash b)) (= s t) (= {:a 1 :b 2} (hash-map :b 2 :a 1))])"));
        // A set of maps keeps one of equal maps, whatever their order.
        Assert.Equal("1", Yin.Expr("(count (hash-set {:a 1 :b 2} {:b 2 :a 1}))"));
    }

    [Fact]
    public void A_large_map_grows_and_shrinks_in_logarithmic_steps()
    {
        // 100,000 assocs and dissocs: quadratic work would not finish within the run's default limits.
        Assert.Equal("[100000 0]", Yin.Expr(
            "(let [m (reduce (fn [m i] (assoc m i i)) {} (range 100000))] [(count m) (count (reduce dissoc m (range 100000)))])"));
    }
}

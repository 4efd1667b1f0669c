using System.Text.Json;
using Xunit;

namespace Datom.Node.Tests;

/// <summary>
/// Transaction functions as Yin code: <c>(defn ^:tx-fn …)</c> loaded with <c>datom code load</c>, called as
/// <c>[:ns/fn args…]</c> in <c>datom transact</c>; the acknowledgement and the log show the datoms it made.
/// </summary>
public class CliTxFunctionTests
{
    private const string Source = """
        (ns bank)

        (defn ^:tx-fn deposit [name amount]
          (let [bal (query (quote [:find ?b . :in $ ?n :where [?e :acct/name ?n] [?e :acct/balance ?b]]) name)]
            [[:db/add [:acct/name name] :acct/balance (+ (or bal 0) amount)]]))

        (defn ^:tx-fn both [a b amount]
          [[:bank/deposit a amount] [:bank/deposit b amount]])

        (defn ^:tx-fn refuse [why]
          (throw (ex-info why {})))

        (defn sneaky []
          [[:db/add [:acct/name "Ann"] :acct/balance 0]])
        """;

    private const string Schema = "[{:db/ident :acct/name :db/valueType :db.type/string :db/cardinality :db.cardinality/one :db/unique :db.unique/identity}"
        + " {:db/ident :acct/balance :db/valueType :db.type/long :db/cardinality :db.cardinality/one}]\n"
        + "[{:db/id \"a\" :acct/name \"Ann\" :acct/balance 10} {:db/id \"b\" :acct/name \"Bob\"}]\n";

    [Fact]
    public void A_tx_fn_runs_on_the_transacting_node_and_its_datoms_are_the_entry()
    {
        using var dir = new TempDirectory();
        var data = dir.Sub("node");
        Assert.Equal(0, DatomProcess.Run(null, "init", "--data", data).ExitCode);
        Assert.Equal(0, DatomProcess.Run(Schema, "transact", "--data", data, "-").ExitCode);
        var file = Path.Combine(dir.Path, "bank.clj");
        File.WriteAllText(file, Source);
        var load = DatomProcess.Run(null, "code", "load", "--data", data, file);
        Assert.True(load.ExitCode == 0, load.Stderr);

        var tx = DatomProcess.Run("[[:bank/deposit \"Ann\" 5]]\n[[:bank/both \"Ann\" \"Bob\" 1]]\n", "transact", "--data", data, "-");
        Assert.True(tx.ExitCode == 0, tx.Stderr);
        Assert.Equal(2, tx.Lines.Length);
        Assert.Equal(2, JsonDocument.Parse(tx.Lines[0]).RootElement.GetProperty("datoms").GetInt32()); // the old balance out, the new in
        var balances = DatomProcess.Run(null, "query", "--data", data, "--format", "json", "[:find ?n ?b :where [?e :acct/name ?n] [?e :acct/balance ?b]]");
        var rows = JsonDocument.Parse(balances.Stdout).RootElement.EnumerateArray().Select(r => (r[0].GetString(), r[1].GetInt64())).OrderBy(r => r.Item1).ToList();
        Assert.Equal([("Ann", 16L), ("Bob", 1L)], rows);

        // The log holds the datoms, not the call.
        var log = DatomProcess.Run(null, "log", "--data", data, "--format", "json");
        var last = JsonDocument.Parse(log.Lines[^1]).RootElement;
        Assert.All(last.GetProperty("datoms").EnumerateArray().Where(d => d[1].GetString() != ":tx/author" && !d[1].GetString()!.StartsWith(":tx/", StringComparison.Ordinal)),
            d => Assert.Equal(":acct/balance", d[1].GetString()));
    }

    [Fact]
    public void Failures_and_unmarked_functions_are_refused_and_store_nothing()
    {
        using var dir = new TempDirectory();
        var data = dir.Sub("node");
        Assert.Equal(0, DatomProcess.Run(null, "init", "--data", data).ExitCode);
        Assert.Equal(0, DatomProcess.Run(Schema, "transact", "--data", data, "-").ExitCode);
        var file = Path.Combine(dir.Path, "bank.clj");
        File.WriteAllText(file, Source);
        Assert.Equal(0, DatomProcess.Run(null, "code", "load", "--data", data, file).ExitCode);
        var before = DatomProcess.Run(null, "log", "--data", data, "--format", "json").Lines.Length;

        var tx = DatomProcess.Run("[[:db/add [:acct/name \"Bob\"] :acct/balance 7] [:bank/refuse \"closed\"]]\n[[:bank/sneaky]]\n[[:bank/missing 1]]\n", "transact", "--data", data, "-");
        Assert.NotEqual(0, tx.ExitCode);
        Assert.Equal("", tx.Stdout);
        Assert.Contains("transaction function :bank/refuse failed", tx.Stderr, StringComparison.Ordinal);
        Assert.Contains("closed", tx.Stderr, StringComparison.Ordinal);
        Assert.Contains(":bank/sneaky is not a transaction function: no function bank/sneaky marked ^:tx-fn", tx.Stderr, StringComparison.Ordinal);
        Assert.Contains(":bank/missing is not a transaction function", tx.Stderr, StringComparison.Ordinal);
        Assert.Equal(before, DatomProcess.Run(null, "log", "--data", data, "--format", "json").Lines.Length);
    }
}

using Datom.Index.Query;
using Datom.Index.Transactions;
using Datom.Log.Edn;
using Xunit;

namespace Datom.Index.Tests.Transactions;

/// <summary>
/// Transaction functions through DaoDB's hook (<see cref="ITxFunctions"/>): the functions here are
/// C# stand-ins for Yin's ^:tx-fn functions (Node.Tests runs real ones), so what is tested is
/// DaoDB's part: calls expanded inside the transaction, against the database it is prepared
/// against, nested calls bounded, and every failure refusing the whole transaction.
/// </summary>
public sealed class TxFunctionTests : TxFixture
{
    protected override IEnumerable<string> Setup =>
    [
        """
        [{:db/ident :name :db/valueType :db.type/string :db/cardinality :db.cardinality/one :db/unique :db.unique/identity}
         {:db/ident :balance :db/valueType :db.type/long :db/cardinality :db.cardinality/one}]
        """,
        """[{:db/id "a" :name "Ann" :balance 10} {:db/id "b" :name "Bob" :balance 0}]""",
    ];

    /// <summary>Functions by name, each given the arguments and the database.</summary>
    internal sealed class Functions(Dictionary<string, Func<IReadOnlyList<object?>, IDatomView, object?>> table) : ITxFunctions
    {
        public int Calls { get; private set; }

        public Task PrepareAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public object? Invoke(Keyword fn, IReadOnlyList<object?> args, IDatomView db, CancellationToken cancellationToken)
        {
            Calls++;
            return table.TryGetValue(fn.ToString(), out var f) ? f(args, db) : throw new TxDataException($"{fn} is not a transaction function");
        }
    }

    private static object? Edn(string text) => EdnReader.ReadOne(text, TxDataParser.ReaderOptions("fn"));

    private static long Balance(IDatomView db, string name) =>
        (long)Datalog.Query("[:find ?b . :in $ ?n :where [?e :name ?n] [?e :balance ?b]]", db, name).Scalar!;

    private Functions Install()
    {
        var fns = new Functions(new()
        {
            // Datomic's classic: move money, reading the balances the transaction sees.
            [":bank/transfer"] = (args, db) =>
            {
                var (from, to, amount) = ((string)args[0]!, (string)args[1]!, (long)args[2]!);
                var have = Balance(db, from);
                if (have < amount)
                    throw new TxDataException($"{from} has {have}, not {amount}");
                return Edn($"[[:db/add [:name \"{from}\"] :balance {have - amount}] [:db/add [:name \"{to}\"] :balance {Balance(db, to) + amount}]]");
            },
            [":bank/open"] = (args, _) => Edn($"[{{:db/id \"acct\" :name \"{args[0]}\" :balance 0}} [:bank/transfer \"Ann\" \"Bob\" 1]]"),
            [":bank/loop"] = (_, _) => Edn("[[:bank/loop]]"),
            [":bank/junk"] = (_, _) => Edn("[[:db/add \"x\" :nope 1]]"),
            [":bank/not-tx-data"] = (_, _) => 42L,
            [":bank/reenter"] = (_, _) =>
            {
                Db.TransactAsync(Edn("""[[:db/add [:name "Ann"] :balance 0]]""")).GetAwaiter().GetResult();
                return Edn("[]");
            },
        });
        Db.TxFunctions = fns;
        return fns;
    }

    [Fact]
    public async Task A_call_is_replaced_by_what_its_function_returns_in_the_same_entry()
    {
        Install();
        var r = await Tx("""[[:bank/transfer "Ann" "Bob" 4] [:db/add "datomic.tx" :db/doc "pay"]]""");
        Assert.Equal(6, Balance(Db.Current(), "Ann"));
        Assert.Equal(4, Balance(Db.Current(), "Bob"));
        // One entry holds the datoms the function produced, not the call.
        Assert.Contains(r.Entry.Datoms, d => d.A == "balance" && d.Added);
        Assert.Contains(r.Entry.Datoms, d => d.A == "db/doc");
    }

    [Fact]
    public async Task Functions_may_return_calls_and_tempids_and_nesting_is_bounded()
    {
        var fns = Install();
        var r = await Tx("""[[:bank/open "Cid"]]""");
        Assert.Equal(0, Balance(Db.Current(), "Cid"));
        Assert.Equal(1, Balance(Db.Current(), "Bob"));
        Assert.True(r.Tx.TempIds.ContainsKey("acct"));
        await Refused("[[:bank/loop]]", $"more than {DaoDb.MaxTxFunctionDepth} deep");
        Assert.True(fns.Calls > DaoDb.MaxTxFunctionDepth);
    }

    [Fact]
    public async Task A_failing_function_refuses_the_whole_transaction()
    {
        Install();
        var e = await Refused("""[[:db/add [:name "Bob"] :balance 99] [:bank/transfer "Bob" "Ann" 5]]""", "Bob has 0, not 5");
        Assert.StartsWith("1:38: ", e.Message, StringComparison.Ordinal);
        await Refused("[[:bank/junk]]", ":nope is not an attribute");
        await Refused("[[:bank/not-tx-data]]", "transaction function :bank/not-tx-data returned bad tx-data");
        await Refused("[[:bank/nope 1]]", ":bank/nope is not a transaction function");
        await Refused("[[:bank/reenter]]", "a transaction function cannot transact");
    }

    [Fact]
    public async Task Without_functions_a_call_is_refused()
    {
        Db.TxFunctions = null;
        await Refused("""[[:bank/transfer "Ann" "Bob" 1]]""", "transaction function :bank/transfer: this database runs no transaction functions");
        await Refused("[[:db/bogus 1]]", "unknown operation :db/bogus");
    }
}

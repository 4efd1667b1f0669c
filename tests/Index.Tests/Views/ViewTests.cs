using Datom.Index.Transactions;
using Datom.Index.Views;
using Datom.Log;
using Datom.Log.Edn;
using Datom.Log.Identity;
using Datom.Log.Model;
using Datom.Log.Storage;
using Xunit;

namespace Datom.Index.Tests.Views;

public sealed class ViewTests : IAsyncLifetime
{
    private readonly NodeIdentity _me = NodeIdentity.Generate();
    private DatomLog _log = null!;
    private DaoDb _db = null!;

    public async Task InitializeAsync()
    {
        _log = DatomLog.Open(new MemoryStorage(), _me);
        _db = DaoDb.Open(new MemoryStorage(), _log);
        await Tx("[{:db/ident :item/name :db/valueType :db.type/string :db/cardinality :db.cardinality/one :db/unique :db.unique/identity} {:db/ident :item/price :db/valueType :db.type/long :db/cardinality :db.cardinality/one}]");
    }

    public Task DisposeAsync()
    {
        _db.Dispose();
        _log.Dispose();
        _me.Dispose();
        return Task.CompletedTask;
    }

    private Task<TxResult> Tx(string edn) => _db.TransactAsync(EdnReader.ReadOne(edn, TxDataParser.ReaderOptions("test")));

    private static long? Price(IEnumerable<Index.Query.Datom> datoms) => datoms.Select(d => (long?)d.V.AsLong).SingleOrDefault();

    private static readonly Keyword PriceAttr = Keyword.Parse("item/price");

    [Fact]
    public async Task As_of_a_frontier_history_since_and_filters()
    {
        var v1 = await Tx("""[{:db/id "x" :item/name "x" :item/price 10}]""");
        var x = v1.Tx.TempIds["x"];
        await Task.Delay(5);
        var v2 = await Tx("""[[:db/add [:item/name "x"] :item/price 20]]""");
        await Task.Delay(5);
        var v3 = await Tx("""[[:db/retract [:item/name "x"] :item/price 20]]""");

        Assert.Null(Price(_db.Current().Match(x, PriceAttr, null)));
        Assert.Equal(10, Price(_db.AsOf([v1.Entry.Hash]).Match(x, PriceAttr, null)));
        Assert.Equal(20, Price(_db.AsOf([v2.Entry.Hash]).Match(x, PriceAttr, null)));
        Assert.Equal(20, Price(_db.Branch(v2.Entry.Hash).Match(x, PriceAttr, null)));
        Assert.Equal(10, Price(_db.AsOf(v1.Entry.Time.Instant).Match(x, PriceAttr, null)));

        // Since v1: only what was stated later (the 20, which v3 then retracted).
        Assert.Empty(_db.Since(v2.Entry.Time.Instant).Match(x, PriceAttr, null));

        var history = _db.History().Match(x, PriceAttr, null).Select(d => (d.V.AsLong, d.Added, d.Tx)).ToHashSet();
        Assert.Equal(4, history.Count);
        Assert.Contains((10L, true, v1.Entry.Tx), history);
        Assert.Contains((10L, false, v2.Entry.Tx), history);
        Assert.Contains((20L, true, v2.Entry.Tx), history);
        Assert.Contains((20L, false, v3.Entry.Tx), history);

        var filtered = new FilteredView(_db.AsOf([v2.Entry.Hash]), d => d.A.Name != "price");
        Assert.Empty(filtered.Match(x, PriceAttr, null));
        Assert.Single(filtered.Match(x, Keyword.Parse("item/name"), null));

        Assert.Throws<KeyNotFoundException>(() => _db.AsOf([EntryHash.Compute("nope"u8)]));
    }
}

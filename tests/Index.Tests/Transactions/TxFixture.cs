using Datom.Index.Query;
using Datom.Index.Transactions;
using Datom.Log;
using Datom.Log.Edn;
using Datom.Log.Identity;
using Datom.Log.Model;
using Datom.Log.Storage;
using Xunit;

namespace Datom.Index.Tests.Transactions;

/// <summary>A real DaoDB over an in-memory log: transact EDN, query, and check that a refused transaction stored nothing.</summary>
public abstract class TxFixture : IAsyncLifetime
{
    private readonly NodeIdentity _me = NodeIdentity.Generate();
    private DatomLog _log = null!;

    protected DaoDb Db { get; private set; } = null!;

    /// <summary>Schema and data transacted before each test, one transaction per string.</summary>
    protected abstract IEnumerable<string> Setup { get; }

    public async Task InitializeAsync()
    {
        _log = DatomLog.Open(new MemoryStorage(), _me);
        Db = DaoDb.Open(new MemoryStorage(), _log);
        foreach (var tx in Setup)
            await Tx(tx);
    }

    public Task DisposeAsync()
    {
        Db.Dispose();
        _log.Dispose();
        _me.Dispose();
        return Task.CompletedTask;
    }

    protected Task<TxResult> Tx(string edn) => Db.TransactAsync(EdnReader.ReadOne(edn, TxDataParser.ReaderOptions("test")));

    protected QueryResult Q(string query, params object?[] inputs) => Datalog.Query(query, [Db.Current(), .. inputs]);

    /// <summary>Every datom of the current database, as [e a v] text, sorted: what "nothing partial was stored" compares.</summary>
    protected string AllDatoms() =>
        string.Join("\n", Db.Current().Match(null, null, null).Select(d => $"{d.E} {d.A} {d.V}").Order(StringComparer.Ordinal));

    /// <summary>The transaction is refused with a message containing <paramref name="message"/>, and the database is as it was.</summary>
    protected async Task<TxDataException> Refused(string edn, string message)
    {
        var before = AllDatoms();
        var entries = Db.AppliedEntries;
        var e = await Assert.ThrowsAsync<TxDataException>(() => Tx(edn));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
        Assert.Equal(entries, Db.AppliedEntries);
        Assert.Equal(before, AllDatoms());
        return e;
    }

    protected EntityId Id(string lookup) => (EntityId)Q($"[:find ?e . :where [?e :name \"{lookup}\"]]").Scalar!;
}

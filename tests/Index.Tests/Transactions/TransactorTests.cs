using Datom.Index.Transactions;
using Datom.Log;
using Datom.Log.Edn;
using Datom.Log.Entries;
using Datom.Log.Identity;
using Datom.Log.Model;
using Datom.Log.Storage;
using Xunit;

namespace Datom.Index.Tests.Transactions;

/// <summary>Transaction semantics as Datomic documents them (docs.datomic.com, "Transaction Processing").</summary>
public sealed class TransactorTests : IAsyncLifetime
{
    private const string Schema = """
        [{:db/ident :user/email :db/valueType :db.type/string :db/cardinality :db.cardinality/one :db/unique :db.unique/identity}
         {:db/ident :user/name :db/valueType :db.type/string :db/cardinality :db.cardinality/one}
         {:db/ident :user/age :db/valueType :db.type/long :db/cardinality :db.cardinality/one}
         {:db/ident :user/tags :db/valueType :db.type/keyword :db/cardinality :db.cardinality/many}
         {:db/ident :user/friend :db/valueType :db.type/ref :db/cardinality :db.cardinality/many}
         {:db/ident :user/address :db/valueType :db.type/ref :db/cardinality :db.cardinality/one :db/isComponent true}
         {:db/ident :address/city :db/valueType :db.type/string :db/cardinality :db.cardinality/one}
         {:db/ident :user/ssn :db/valueType :db.type/string :db/cardinality :db.cardinality/one :db/unique :db.unique/value}]
        """;

    private readonly NodeIdentity _me = NodeIdentity.Generate();
    private DatomLog _log = null!;
    private DaoDb _db = null!;

    public async Task InitializeAsync()
    {
        _log = DatomLog.Open(new MemoryStorage(), _me);
        _db = DaoDb.Open(new MemoryStorage(), _log);
        await Tx(Schema);
    }

    public Task DisposeAsync()
    {
        _db.Dispose();
        _log.Dispose();
        _me.Dispose();
        return Task.CompletedTask;
    }

    private Task<TxResult> Tx(string edn) => _db.TransactAsync(EdnReader.ReadOne(edn, TxDataParser.ReaderOptions("test")));

    private static Keyword K(string s) => Keyword.Parse(s);

    private List<Value> Values(EntityId e, string a) => [.. _db.Current().Match(e, K(a), null).Select(d => d.V)];

    [Fact]
    public async Task Entity_maps_get_new_ids_and_report_their_tempids()
    {
        var r = await Tx("""[{:db/id "ann" :user/email "ann@x" :user/name "Ann" :user/tags [:a :b]} {:db/id "datomic.tx" :tx/reason "hello"}]""");
        var ann = r.Tx.TempIds["ann"];
        Assert.Equal([Value.String("Ann")], Values(ann, "user/name"));
        Assert.Equal(2, Values(ann, "user/tags").Count);
        Assert.Equal([Value.String("hello")], Values(r.Entry.Tx, "tx/reason"));
        Assert.Equal([Value.String(_me.Id.ToString())], Values(r.Entry.Tx, "tx/author"));
    }

    [Fact]
    public async Task A_unique_identity_value_upserts_instead_of_creating_a_second_entity()
    {
        var first = await Tx("""[{:db/id "a" :user/email "ann@x" :user/name "Ann"}]""");
        var second = await Tx("""[{:db/id "b" :user/email "ann@x" :user/age 41}]""");
        Assert.Equal(first.Tx.TempIds["a"], second.Tx.TempIds["b"]);
        Assert.Single(_db.Current().Match(null, K("user/email"), Value.String("ann@x")));
        Assert.Equal([Value.Long(41)], Values(first.Tx.TempIds["a"], "user/age"));
    }

    [Fact]
    public async Task Cardinality_one_assertion_retracts_the_old_value_and_redundant_datoms_are_dropped()
    {
        var r = await Tx("""[{:db/id "a" :user/email "a@x" :user/name "Old"}]""");
        var a = r.Tx.TempIds["a"];
        var change = await Tx("""[[:db/add [:user/email "a@x"] :user/name "New"]]""");
        Assert.Contains(change.Tx.Datoms, d => !d.Added && d.V.Equals(Value.String("Old")));
        Assert.Equal([Value.String("New")], Values(a, "user/name"));
        var same = await Tx("""[[:db/add [:user/email "a@x"] :user/name "New"] [:db/retract [:user/email "a@x"] :user/age 99]]""");
        Assert.Empty(same.Tx.Datoms);
    }

    [Fact]
    public async Task Retract_entity_removes_its_datoms_refs_to_it_and_its_components()
    {
        var r = await Tx("""
            [{:db/id "a" :user/email "a@x" :user/address {:address/city "Oslo"}}
             {:db/id "b" :user/email "b@x" :user/friend "a"}]
            """);
        var (a, b) = (r.Tx.TempIds["a"], r.Tx.TempIds["b"]);
        var address = Values(a, "user/address").Single().AsRef;
        await Tx("""[[:db/retractEntity [:user/email "a@x"]]]""");
        var view = _db.Current();
        Assert.Empty(view.Match(a, null, null));
        Assert.Empty(view.Match(address, null, null));
        Assert.Empty(view.Match(b, K("user/friend"), null));
        Assert.Single(view.Match(b, K("user/email"), null));
    }

    [Fact]
    public async Task Retract_without_a_value_retracts_all_values()
    {
        var r = await Tx("""[{:db/id "a" :user/email "a@x" :user/tags [:x :y :z]}]""");
        await Tx("""[[:db/retract [:user/email "a@x"] :user/tags]]""");
        Assert.Empty(Values(r.Tx.TempIds["a"], "user/tags"));
    }

    [Theory]
    [InlineData("""[[:db/add "a" :user/nme "x"]]""", ":user/nme is not an attribute")]
    [InlineData("""[[:db/add "a" :user/age "forty"]]""", ":user/age holds :db.type/long values")]
    [InlineData("""[[:db/add [:user/email "nobody@x"] :user/age 3]]""", "no entity has that value")]
    [InlineData("""[[:db/add [:user/name "Ann"] :user/age 3]]""", "is not unique")]
    [InlineData("""[[:db/add "a" :user/name "A"] [:db/add "a" :user/name "B"]]""", "two values")]
    [InlineData("""[{:db/ident :thing/x :db/valueType :db.type/string}]""", "needs :db/cardinality")]
    [InlineData("""[{:db/ident :user/age :db/valueType :db.type/string}]""", "schema conflict")]
    [InlineData("""[[:db/add "a" :user/friend :no/such-ident]]""", "no entity has the ident :no/such-ident")]
    public async Task Bad_transactions_name_the_problem_and_write_nothing(string edn, string expected)
    {
        var before = _log.Count;
        var e = await Assert.ThrowsAsync<TxDataException>(() => Tx(edn));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.Matches(@"^\d+:\d+: ", e.Message);
        Assert.Equal(before, _log.Count);
    }

    [Fact]
    public async Task A_value_too_long_for_an_index_key_is_refused_before_it_is_stored_and_the_database_goes_on()
    {
        // Before the log capped values at the index's key size, this 100 KB string was appended to
        // the log and then stopped the index for good: every later transaction failed.
        var before = _log.Count;
        var e = await Assert.ThrowsAsync<EntryRejectedException>(() => _db.TransactAsync(
            new EdnVector([EdnVector.Of(Keyword.Parse("db/add"), "a", K("user/name"), new string('x', 100_000))])));
        Assert.Equal(RejectReason.TooLarge, e.Reason);
        Assert.Equal($"too-large: a string value of 100000 bytes; at most {EntryLimits.DefaultMaxValueBytes}", e.Message);
        Assert.Equal(before, _log.Count);
        var r = await Tx("""[{:db/id "a" :user/name "after"}]""");
        Assert.Equal([Value.String("after")], Values(r.Tx.TempIds["a"], "user/name"));
    }

    [Fact]
    public async Task Unique_value_is_enforced()
    {
        await Tx("""[{:db/id "a" :user/email "a@x" :user/ssn "123"}]""");
        var e = await Assert.ThrowsAsync<TxDataException>(() => Tx("""[{:db/id "b" :user/email "b@x" :user/ssn "123"}]"""));
        Assert.Contains("already belongs to entity", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Transacting_the_schema_again_changes_nothing()
    {
        var again = await Tx(Schema);
        Assert.Empty(again.Tx.Datoms);
    }
}

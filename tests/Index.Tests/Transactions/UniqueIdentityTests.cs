using Datom.Index.Transactions;
using Datom.Log;
using Datom.Log.Edn;
using Datom.Log.Identity;
using Datom.Log.Model;
using Datom.Log.Storage;
using Xunit;
using ValueType = Datom.Log.Model.ValueType;

namespace Datom.Index.Tests.Transactions;

/// <summary>
/// A <c>:db.unique/identity</c> value names one entity: inside one transaction (several tempids or
/// entity maps giving it, as in Datomic and DataScript), and across nodes that created it
/// concurrently (issue 13 item 3; the rules in <c>UniqueMerge</c> and the README).
/// </summary>
public sealed class UniqueIdentityTests : IAsyncLifetime, IDisposable
{
    private const string Schema = """
        [{:db/ident :p/key :db/valueType :db.type/string :db/cardinality :db.cardinality/one :db/unique :db.unique/identity}
         {:db/ident :p/name :db/valueType :db.type/string :db/cardinality :db.cardinality/one}
         {:db/ident :p/tags :db/valueType :db.type/keyword :db/cardinality :db.cardinality/many}
         {:db/ident :p/friend :db/valueType :db.type/ref :db/cardinality :db.cardinality/many}
         {:db/ident :p/alt :db/valueType :db.type/string :db/cardinality :db.cardinality/one :db/unique :db.unique/identity}
         {:db/ident :p/ssn :db/valueType :db.type/string :db/cardinality :db.cardinality/one :db/unique :db.unique/value}]
        """;

    /// <summary>One node: a log of its own and its DaoDB.</summary>
    private sealed class Node : IDisposable
    {
        public Node()
        {
            Identity = NodeIdentity.Generate();
            Log = DatomLog.Open(new MemoryStorage(), Identity);
            Db = DaoDb.Open(new MemoryStorage(), Log);
        }

        public NodeIdentity Identity { get; }

        public DatomLog Log { get; }

        public DaoDb Db { get; }

        public Task<TxResult> Tx(string edn) => Db.TransactAsync(EdnReader.ReadOne(edn, TxDataParser.ReaderOptions("test")));

        /// <summary>Takes every entry <paramref name="other"/> holds, and waits until they are indexed.</summary>
        public async Task Receive(Node other)
        {
            foreach (var e in other.Log.Entries().ToList())
                await Log.IngestAsync(e);
            await Db.WaitForAsync(Log.DurableCount);
        }

        public void Dispose()
        {
            Db.Dispose();
            Log.Dispose();
            Identity.Dispose();
        }
    }

    private Node _a = null!;
    private Node _b = null!;

    public async Task InitializeAsync()
    {
        _a = new Node();
        _b = new Node();
        await _a.Tx(Schema);
        await _b.Receive(_a);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose()
    {
        _a.Dispose();
        _b.Dispose();
    }

    private static Keyword K(string s) => Keyword.Parse(s);

    private static List<EntityId> Holders(DaoDb db, string value) =>
        [.. db.Current().Match(null, K("p/key"), Value.String(value)).Select(d => d.E)];

    private static List<string> Values(DaoDb db, EntityId e, string a) =>
        [.. db.Current().Match(e, K(a), null).Select(d => d.V.Type == ValueType.String ? d.V.AsString : d.V.ToString()).Order(StringComparer.Ordinal)];

    [Fact]
    public async Task Two_tempids_with_one_identity_value_in_one_transaction_are_one_entity()
    {
        var r = await _a.Tx("""[{:db/id "x" :p/key "u-0" :p/name "X"} {:db/id "y" :p/key "u-0" :p/tags [:t]}]""");
        Assert.Equal(r.Tx.TempIds["x"], r.Tx.TempIds["y"]);
        var e = Assert.Single(Holders(_a.Db, "u-0"));
        Assert.Equal(["X"], Values(_a.Db, e, "p/name"));
        Assert.Single(Values(_a.Db, e, "p/tags"));
    }

    [Fact]
    public async Task Two_entity_maps_without_db_id_and_one_identity_value_are_one_entity()
    {
        await _a.Tx("""[{:p/key "u-1" :p/name "M"} {:p/key "u-1" :p/tags [:t]} [:db/add "z" :p/key "u-1"]]""");
        var e = Assert.Single(Holders(_a.Db, "u-1"));
        Assert.Equal(["M"], Values(_a.Db, e, "p/name"));
        var stored = _a.Log.Entries().Last().Datoms.Where(d => d.A == "p/key").Select(d => d.E).Distinct();
        Assert.Single(stored);
    }

    [Fact]
    public async Task Tempids_joined_by_one_value_take_the_entity_one_of_them_upserts_to()
    {
        var first = await _a.Tx("""[{:db/id "old" :p/alt "alt-2"}]""");
        var existing = first.Tx.TempIds["old"];
        // "n" names a new value, but "m" names the same one and upserts through alt-2.
        var r = await _a.Tx("""[{:db/id "n" :p/key "u-3"} {:db/id "m" :p/key "u-3"} [:db/add "m" :p/alt "alt-2"]]""");
        Assert.Equal(existing, r.Tx.TempIds["n"]);
        Assert.Equal(existing, r.Tx.TempIds["m"]);
    }

    [Fact]
    public async Task Tempids_joined_by_one_value_that_upsert_to_two_entities_are_refused_and_nothing_is_stored()
    {
        await _a.Tx("""[{:db/id "p" :p/key "u-4"} {:db/id "q" :p/key "u-5"}]""");
        var count = _a.Log.Count;
        // s upserts to p, t to q, and both name alt-6: one entity cannot be two.
        var e = await Assert.ThrowsAsync<TxDataException>(() => _a.Tx("""[{:db/id "s" :p/key "u-4" :p/alt "alt-6"} {:db/id "t" :p/key "u-5" :p/alt "alt-6"}]"""));
        Assert.Contains("two entities", e.Message, StringComparison.Ordinal);
        Assert.Equal(count, _a.Log.Count);
    }

    [Fact]
    public async Task Concurrent_creations_of_one_identity_value_merge_into_the_lowest_entity_on_every_node()
    {
        var ra = await _a.Tx("""[{:db/id "u" :p/key "u-0" :p/name "from-a" :p/tags [:a]}]""");
        var rb = await _b.Tx("""[{:db/id "u" :p/key "u-0" :p/name "from-b" :p/tags [:b]} {:db/id "f" :p/key "friend" :p/friend "u"}]""");
        var (ea, eb) = (ra.Tx.TempIds["u"], rb.Tx.TempIds["u"]);
        Assert.NotEqual(ea, eb);
        var canonical = ea < eb ? ea : eb;
        // The union merge rule orders by HLC time, then by transaction id (CurrentView): the two
        // nodes may well stamp the same millisecond.
        var bLater = rb.Entry.Time != ra.Entry.Time ? rb.Entry.Time > ra.Entry.Time : rb.Tx.Tx.CompareTo(ra.Tx.Tx) > 0;
        var later = bLater ? "from-b" : "from-a";
        await _a.Receive(_b);
        await _b.Receive(_a);
        foreach (var db in new[] { _a.Db, _b.Db })
        {
            // One entity holds the value, the lowest id, and it has both nodes' facts.
            Assert.Equal([canonical], Holders(db, "u-0"));
            Assert.Equal([":a", ":b"], Values(db, canonical, "p/tags"));
            Assert.Equal([later], Values(db, canonical, "p/name"));
            // The other id is seen through it, and so are refs to it.
            var other = canonical == ea ? eb : ea;
            Assert.Equal([":a", ":b"], Values(db, other, "p/tags"));
            var friend = Assert.Single(Holders(db, "friend"));
            Assert.Equal([Value.Ref(canonical).ToString()], Values(db, friend, "p/friend"));
            Assert.Equal([friend], db.Current().Match(null, K("p/friend"), Value.Ref(canonical)).Select(d => d.E));
            // The collision is a conflict a query can ask for: both stored entities.
            Assert.Equal(new[] { ea, eb }.Order(), db.Conflicts().Match(null, K("p/key"), Value.String("u-0")).Select(d => d.E).Order());
            // The name the two branches disagree on is a cardinality-one conflict.
            Assert.Equal(2, db.Current().Conflicts(canonical, K("p/name")).Count);
        }

        // Upserts and lookup refs keep working, on either node.
        var up = await _b.Tx("""[{:db/id "again" :p/key "u-0" :p/name "resolved"} [:db/add [:p/key "u-0"] :p/tags :c]]""");
        Assert.Equal(canonical, up.Tx.TempIds["again"]);
        await _a.Receive(_b);
        foreach (var db in new[] { _a.Db, _b.Db })
        {
            Assert.Equal(["resolved"], Values(db, canonical, "p/name"));
            Assert.Single(db.Current().Conflicts(canonical, K("p/name")));
            Assert.Equal([":a", ":b", ":c"], Values(db, canonical, "p/tags"));
        }

        // A retraction through the canonical id retracts the datom where it is stored.
        var retract = await _a.Tx("""[[:db/retract [:p/key "u-0"] :p/tags :b] [:db/retract [:p/key "friend"] :p/friend [:p/key "u-0"]]]""");
        Assert.Contains(retract.Tx.Datoms, d => !d.Added && d.E == eb && d.A == "p/tags");
        Assert.Equal([":a", ":c"], Values(_a.Db, canonical, "p/tags"));
        Assert.Empty(Values(_a.Db, Holders(_a.Db, "friend")[0], "p/friend"));

        // Retracting the entity retracts every member's datoms.
        await _a.Tx("""[[:db/retractEntity [:p/key "u-0"]]]""");
        Assert.Empty(Holders(_a.Db, "u-0"));
        Assert.Empty(_a.Db.Current().Match(ea, null, null));
        Assert.Empty(_a.Db.Current().Match(eb, null, null));
    }

    [Fact]
    public async Task A_unique_value_given_to_two_entities_on_two_branches_belongs_to_the_lowest_and_the_other_is_a_conflict()
    {
        var ra = await _a.Tx("""[{:db/id "x" :p/key "a-1" :p/ssn "123"}]""");
        var rb = await _b.Tx("""[{:db/id "x" :p/key "b-1" :p/ssn "123"}]""");
        var (ea, eb) = (ra.Tx.TempIds["x"], rb.Tx.TempIds["x"]);
        await _a.Receive(_b);
        await _b.Receive(_a);
        var owner = ea < eb ? ea : eb;
        var loser = owner == ea ? eb : ea;
        foreach (var db in new[] { _a.Db, _b.Db })
        {
            Assert.Equal([owner], db.Current().Match(null, K("p/ssn"), Value.String("123")).Select(d => d.E));
            Assert.Empty(db.Current().Match(loser, K("p/ssn"), null));
            // Two entities still: unique/value does not merge.
            Assert.Single(Holders(db, "a-1"));
            Assert.Single(Holders(db, "b-1"));
            Assert.Equal(new[] { ea, eb }.Order(), db.Conflicts().Match(null, K("p/ssn"), null).Select(d => d.E).Order());
        }
        // The loser can be given another value; the owner keeps its own.
        await _a.Tx($"[[:db/add #id \"{loser}\" :p/ssn \"456\"]]");
        Assert.Equal(["456"], Values(_a.Db, loser, "p/ssn"));
        Assert.Equal(["123"], Values(_a.Db, owner, "p/ssn"));
    }
}

using Datom.Index.Tests.Transactions;
using Xunit;

namespace Datom.Index.Tests.Conformance;

/// <summary>
/// Transactions, case by case from DataScript's test/datascript/test/transact.cljc, lookup_refs.cljc
/// and components.cljc (EPL-1.0; the cases, not the code), through DaoDB's transactor. DataScript's
/// numeric entity ids are lookup refs here (ids are 128-bit and minted, README: divergences).
/// </summary>
public sealed class TransactConformanceTests : TxFixture
{
    protected override IEnumerable<string> Setup =>
    [
        """
        [{:db/ident :name :db/valueType :db.type/string :db/cardinality :db.cardinality/one :db/unique :db.unique/identity}
         {:db/ident :age :db/valueType :db.type/long :db/cardinality :db.cardinality/one}
         {:db/ident :weight :db/valueType :db.type/long :db/cardinality :db.cardinality/one}
         {:db/ident :aka :db/valueType :db.type/string :db/cardinality :db.cardinality/many}
         {:db/ident :label :db/valueType :db.type/keyword :db/cardinality :db.cardinality/many}
         {:db/ident :friend :db/valueType :db.type/ref :db/cardinality :db.cardinality/one}
         {:db/ident :friends :db/valueType :db.type/ref :db/cardinality :db.cardinality/many}
         {:db/ident :profile :db/valueType :db.type/ref :db/cardinality :db.cardinality/one :db/isComponent true}
         {:db/ident :email :db/valueType :db.type/string :db/cardinality :db.cardinality/one}]
        """,
        """[{:db/id "1" :name "Ivan" :weight 200 :label [:x :y]} {:db/id "2" :name "Petr"} {:db/id "3" :name "Oleg"} {:db/id "4" :name "Sergey"}]""",
    ];

    private object? Value(string who, string attr) => Q($"[:find ?v . :where [?e :name \"{who}\"] [?e {attr} ?v]]").Scalar;

    private string? FriendOf(string who, string attr = ":friend") => (string?)Q($"[:find ?n . :where [?e :name \"{who}\"] [?e {attr} ?f] [?f :name ?n]]").Scalar;

    // test-db-fn-cas
    [Fact]
    public async Task Cas()
    {
        await Tx("""[[:db.fn/cas [:name "Ivan"] :weight 200 300]]""");
        Assert.Equal(300L, Value("Ivan", ":weight"));
        await Tx("""[[:db/cas [:name "Ivan"] :weight 300 400]]""");
        Assert.Equal(400L, Value("Ivan", ":weight"));
        await Refused("""[[:db.fn/cas [:name "Ivan"] :weight 200 210]]""", ":weight: expected 200, found 400");

        await Tx("""[[:db.fn/cas [:name "Ivan"] :label :y :z]]""");
        Assert.Equal(3, Q("""[:find ?l :where [?e :name "Ivan"] [?e :label ?l]]""").Count);
        await Refused("""[[:db.fn/cas [:name "Ivan"] :label :s :t]]""", "expected :s, found :x :y :z");

        await Tx("""[[:db.fn/cas [:name "Petr"] :age nil 42]]""");
        Assert.Equal(42L, Value("Petr", ":age"));
        await Refused("""[[:db.fn/cas [:name "Petr"] :age nil 4711]]""", "expected no value, found 42");

        await Refused("""[[:db/add "-1" :name "Ivan2"] [:db.fn/cas "-1" :age nil 1]]""", "tempids are allowed in :db/add and entity maps only");
    }

    // test-lookup-refs-transact
    [Fact]
    public async Task Lookup_refs_in_transactions()
    {
        await Tx("""[{:db/id [:name "Ivan"] :age 35}]""");
        Assert.Equal(35L, Value("Ivan", ":age"));
        await Tx("""[[:db/add [:name "Ivan"] :friend [:name "Petr"]]]""");
        Assert.Equal("Petr", FriendOf("Ivan"));
        await Tx("""[{:db/id [:name "Petr"] :_friend [:name "Oleg"]}]""");
        Assert.Equal("Petr", FriendOf("Oleg"));
        await Tx("""[[:db.fn/cas [:name "Ivan"] :friend [:name "Petr"] [:name "Oleg"]]]""");
        Assert.Equal("Oleg", FriendOf("Ivan"));
        await Tx("""[[:db.fn/retractAttribute [:name "Ivan"] :age]]""");
        Assert.Null(Value("Ivan", ":age"));
        await Refused("""[{:db/id [:name "Nobody"] :age 10}]""", "lookup ref [:name \"Nobody\"]: no entity has that value");
        await Refused("""[[:db/add [:name "Nobody"] :age 10]]""", "lookup ref [:name \"Nobody\"]: no entity has that value");
    }

    // test-lookup-refs-transact-multi, reverse refs
    [Fact]
    public async Task Reverse_refs_single_and_vector()
    {
        await Tx("""[{:db/id [:name "Petr"] :_friends [:name "Ivan"]}]""");
        Assert.Equal("Petr", FriendOf("Ivan", ":friends"));
        await Tx("""[{:db/id [:name "Oleg"] :_friends [[:name "Ivan"]]}]""");
        await Tx("""[{:db/id [:name "Sergey"] :_friends [[:name "Ivan"] [:name "Oleg"]]}]""");
        Assert.Equal(3, Q("""[:find ?f :where [?e :name "Ivan"] [?e :friends ?f]]""").Count);
        Assert.Equal("Sergey", FriendOf("Oleg", ":friends"));
    }

    // test-retract-without-value-issue-339 and test-components "retractAttribute"
    [Fact]
    public async Task Retract_without_value()
    {
        await Tx("""[{:db/id [:name "Ivan"] :aka ["X" "Y" "Z"] :age 15 :profile {:email "@3"}}]""");
        await Tx("""[[:db/retract [:name "Ivan"] :aka] [:db/retract [:name "Ivan"] :name] [:db/retract [:name "Ivan"] :profile]]""");
        Assert.Equal(0, Q("""[:find ?v :where [_ :aka ?v]]""").Count);
        Assert.Equal(0, Q("""[:find ?v :where [_ :email ?v]]""").Count);
        Assert.Equal(1, Q("[:find ?e :where [?e :age 15]]").Count);
    }

    // test-components: :db/isComponent needs a ref attribute
    [Fact]
    public async Task Component_attributes_are_refs()
    {
        await Refused("[{:db/ident :profile2 :db/valueType :db.type/string :db/cardinality :db.cardinality/one :db/isComponent true}]", ":db/isComponent is only for ref attributes");
    }

    // test-lookup-refs-transact: DataScript applies the forms in order, so the retraction wins;
    // Datomic's transaction is a set of facts and refuses one that asserts and retracts the same.
    [Fact]
    public async Task Asserting_and_retracting_one_fact_is_refused()
    {
        await Refused("""[[:db/add [:name "Ivan"] :age 35] [:db/retract [:name "Ivan"] :age 35]]""", ":age: this transaction both asserts and retracts 35 on entity");
        await Refused("""[[:db/retract [:name "Ivan"] :age 35] [:db/add [:name "Ivan"] :age 35]]""", ":age: this transaction both asserts and retracts 35");
        await Refused("""[[:db/add [:name "Ivan"] :age 35] [:db/retract [:name "Ivan"] :age]]""", ":age: this transaction both asserts and retracts 35");
        await Refused("""[[:db/add [:name "Ivan"] :friend [:name "Petr"]] [:db/retract [:name "Ivan"] :friend [:name "Petr"]]]""", ":friend: this transaction both asserts and retracts");
        await Refused("""[{:db/id [:name "Ivan"] :aka "X"} [:db.fn/retractAttribute [:name "Ivan"] :aka]]""", ":aka: this transaction both asserts and retracts \"X\"");
        // Different values of one attribute are fine: only the same fact conflicts.
        await Tx("""[[:db/add [:name "Ivan"] :aka "X"] [:db/retract [:name "Ivan"] :aka "Y"] [:db/add [:name "Ivan"] :age 35]]""");
        Assert.Equal(35L, Value("Ivan", ":age"));
        await Tx("""[[:db/retract [:name "Ivan"] :age 35] [:db/add [:name "Ivan"] :age 36]]""");
        Assert.Equal(36L, Value("Ivan", ":age"));
    }
}

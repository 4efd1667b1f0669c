using Datom.Log.Model;
using Xunit;

namespace Datom.Index.Tests.Transactions;

/// <summary>
/// The transaction forms beyond add/retract/retractEntity: :db/cas, reverse attributes in entity
/// maps, [:db/retract e a] (every value, components with them), and the checks Datomic makes
/// (a tempid used only as a value, :db/isComponent on a non-ref attribute). Each refused form
/// names what is wrong, and stores nothing.
/// </summary>
public sealed class TxFormTests : TxFixture
{
    protected override IEnumerable<string> Setup =>
    [
        """
        [{:db/ident :name :db/valueType :db.type/string :db/cardinality :db.cardinality/one :db/unique :db.unique/identity}
         {:db/ident :age :db/valueType :db.type/long :db/cardinality :db.cardinality/one}
         {:db/ident :label :db/valueType :db.type/keyword :db/cardinality :db.cardinality/many}
         {:db/ident :friend :db/valueType :db.type/ref :db/cardinality :db.cardinality/one}
         {:db/ident :friends :db/valueType :db.type/ref :db/cardinality :db.cardinality/many}
         {:db/ident :part :db/valueType :db.type/ref :db/cardinality :db.cardinality/many :db/isComponent true}]
        """,
        """[{:db/id "i" :name "Ivan" :age 10 :label [:x :y]} {:db/id "p" :name "Petr"} {:db/id "o" :name "Oleg"}]""",
    ];

    [Fact]
    public async Task Cas_swaps_when_the_value_is_the_old_one()
    {
        await Tx("""[[:db/cas [:name "Ivan"] :age 10 11]]""");
        Assert.Equal(11L, Q("""[:find ?a . :where [?e :name "Ivan"] [?e :age ?a]]""").Scalar);
        var e = await Refused("""[[:db/cas [:name "Ivan"] :age 10 12]]""", ":db/cas failed on entity");
        Assert.Contains(":age: expected 10, found 11", e.Message, StringComparison.Ordinal);
        Assert.StartsWith("1:2: ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cas_with_nil_needs_no_value()
    {
        await Tx("""[[:db/cas [:name "Petr"] :age nil 42]]""");
        Assert.Equal(42L, Q("""[:find ?a . :where [?e :name "Petr"] [?e :age ?a]]""").Scalar);
        await Refused("""[[:db/cas [:name "Petr"] :age nil 43]]""", ":age: expected no value, found 42");
    }

    [Fact]
    public async Task Cas_on_cardinality_many_needs_old_among_the_values_and_adds_new()
    {
        await Tx("""[[:db/cas [:name "Ivan"] :label :y :z]]""");
        Assert.Equal(3, Q("""[:find [?l ...] :where [?e :name "Ivan"] [?e :label ?l]]""").Count);
        await Refused("""[[:db/cas [:name "Ivan"] :label :s :t]]""", "expected :s, found :x :y :z");
    }

    [Fact]
    public async Task Cas_with_lookup_refs_as_values()
    {
        await Tx("""[[:db/add [:name "Ivan"] :friend [:name "Petr"]]]""");
        await Tx("""[[:db/cas [:name "Ivan"] :friend [:name "Petr"] [:name "Oleg"]]]""");
        Assert.Equal("Oleg", Q("""[:find ?n . :where [?e :name "Ivan"] [?e :friend ?f] [?f :name ?n]]""").Scalar);
        await Refused("""[[:db/cas [:name "Ivan"] :friend [:name "Petr"] [:name "Ivan"]]]""", ":friend: expected");
    }

    [Fact]
    public async Task Bad_cas_forms_are_refused()
    {
        await Refused("""[[:db/cas "x" :age nil 1]]""", ":db/cas needs an existing entity, not the tempid \"x\"");
        await Refused("""[[:db/cas [:name "Ivan"] :age 10]]""", ":db/cas takes e a old new; got 3 argument(s)");
        await Refused("""[[:db/cas [:name "Ivan"] "age" 10 11]]""", "attribute must be a keyword");
        await Refused("""[[:db/cas [:name "Ivan"] :age "ten" 11]]""", ":age holds :db.type/long values");
        await Refused("""[[:db/cas [:name "Nobody"] :age nil 11]]""", "lookup ref [:name \"Nobody\"]: no entity has that value");
        // A failed cas takes the rest of its transaction with it.
        await Refused("""[[:db/add [:name "Oleg"] :age 5] [:db/cas [:name "Ivan"] :age 99 11]]""", "expected 99, found 10");
    }

    [Fact]
    public async Task Reverse_attributes_in_maps()
    {
        await Tx("""[{:db/id [:name "Petr"] :_friend [:name "Ivan"]}]""");
        Assert.Equal("Petr", Q("""[:find ?n . :where [?e :name "Ivan"] [?e :friend ?f] [?f :name ?n]]""").Scalar);
        await Tx("""[{:db/id [:name "Petr"] :_friends [[:name "Ivan"] [:name "Oleg"]]}]""");
        Assert.Equal(2, Q("""[:find ?e :where [?p :name "Petr"] [?e :friends ?p]]""").Count);
        await Tx("""[{:db/id "n" :name "Nina" :_friends {:name "Pavel"}}]""");
        Assert.Equal("Nina", Q("""[:find ?n . :where [?e :name "Pavel"] [?e :friends ?f] [?f :name ?n]]""").Scalar);
    }

    [Fact]
    public async Task Bad_reverse_attributes_are_refused()
    {
        await Refused("""[{:db/id [:name "Petr"] :_name [:name "Ivan"]}]""", "reverse attribute :_name needs :name to be a ref attribute");
        await Refused("""[{:db/id [:name "Petr"] :_friend nil}]""", "a reverse attribute's value names an entity, not nil");
        await Refused("""[{:db/id [:name "Petr"] :_nope [:name "Ivan"]}]""", ":nope is not an attribute");
        await Refused("""[{:db/id [:name "Petr"] :_friends [[:name "Ivan"] [:name "Nobody"]]}]""", "no entity has that value");
    }

    [Fact]
    public async Task A_tempid_used_only_as_a_value_is_an_error()
    {
        await Refused("""[[:db/add [:name "Ivan"] :friend "ghost"]]""", "tempid \"ghost\" is used only as a value");
        await Refused("""[{:db/id [:name "Ivan"] :friends ["a" "b"]} {:db/id "a" :name "A"}]""", "tempid \"b\" is used only as a value");
        await Tx("""[[:db/add [:name "Ivan"] :friend "new"] [:db/add "new" :name "New"]]""");
        Assert.Equal("New", Q("""[:find ?n . :where [?e :name "Ivan"] [?e :friend ?f] [?f :name ?n]]""").Scalar);
    }

    [Fact]
    public async Task Is_component_on_a_non_ref_attribute_is_refused()
    {
        await Refused("[{:db/ident :bad :db/valueType :db.type/string :db/cardinality :db.cardinality/one :db/isComponent true}]", ":db/isComponent is only for ref attributes; :bad is not one (its :db/valueType is :db.type/string)");
        await Refused("[{:db/id :age :db/isComponent true}]", ":db/isComponent is only for ref attributes; :age is not one");
        await Tx("[{:db/ident :good :db/valueType :db.type/ref :db/cardinality :db.cardinality/one :db/isComponent true}]");
    }

    [Fact]
    public async Task Retract_without_a_value_retracts_every_value_and_the_components()
    {
        await Tx("""[{:db/id [:name "Oleg"] :part [{:name "c1" :part {:name "c1a"}} {:name "c2"}]}]""");
        var r = await Tx("""[[:db/retract [:name "Ivan"] :label] [:db/retract [:name "Oleg"] :part]]""");
        Assert.Equal(0, Q("""[:find ?l :where [?e :name "Ivan"] [?e :label ?l]]""").Count);
        Assert.Equal(0, Q("""[:find ?n :where [?e :name ?n] [(contains? #{"c1" "c1a" "c2"} ?n)]]""").Count);
        Assert.All(r.Tx.Datoms, d => Assert.False(d.Added));
        // DataScript's spelling, and idempotence.
        await Tx("""[[:db.fn/retractAttribute [:name "Ivan"] :age] [:db.fn/retractAttribute [:name "Ivan"] :age]]""");
        Assert.Null(Q("""[:find ?a . :where [?e :name "Ivan"] [?e :age ?a]]""").Scalar);
        await Refused("""[[:db.fn/retractAttribute [:name "Ivan"]]]""", ":db.fn/retractAttribute takes e a; got 1 argument(s)");
    }

    [Fact]
    public async Task The_acknowledgement_names_the_transaction_as_datomic_tx()
    {
        var r = await Tx("""[{:db/id "x" :name "X"}]""");
        Assert.Equal(r.Tx.Tx, r.Tx.TempIds["datomic.tx"]);
        Assert.Equal(r.Entry.Tx, r.Tx.TempIds["datomic.tx"]);
        Assert.IsType<EntityId>(r.Tx.TempIds["x"]);
    }
}

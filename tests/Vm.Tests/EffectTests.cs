using Datom.Vm.Tests.Support;
using Xunit;

namespace Datom.Vm.Tests;

/// <summary>query and transact!: a program reads and writes the database it lives in.</summary>
public class EffectTests
{
    private const string App = """
        (ns app)

        (defn setup []
          (transact! [{:db/ident :user/name :db/valueType :db.type/string :db/cardinality :db.cardinality/one}
                      {:db/ident :user/age :db/valueType :db.type/long :db/cardinality :db.cardinality/one}]))

        (defn add-user [name age]
          (let [r (transact! [{:db/id "u" :user/name name :user/age age}])]
            (some? (get (:tempids r) "u"))))

        (defn names-older-than [age]
          (sort (query (quote [:find [?n ...] :in $ ?min :where [?e :user/name ?n] [?e :user/age ?a] [(> ?a ?min)]]) age)))

        (defn count-users []
          (query "[:find (count ?e) . :where [?e :user/name]]"))

        (defn bad-write [] (transact! [[:db/add "x" :no/such-attribute 1]]))

        (defn bad-query [] (query (quote [:find ?x :where [?x :user/name ?undefined-shape ?too ?many ?parts]])))
        """;

    [Fact]
    public async Task A_program_transacts_and_queries()
    {
        using var t = TestDb.InMemory();
        await t.LoadAsync(App, "app.clj");
        using var vm = await t.VmAsync();
        Assert.Equal(RunStatus.Finished, vm.Run("app/setup", []).Status);
        Assert.Equal("true", vm.Run("app/add-user", ["ann", 42L]).Value);
        Assert.Equal("true", vm.Run("app/add-user", ["bob", 17L]).Value);
        Assert.Equal("true", vm.Run("app/add-user", ["cy", 30L]).Value);
        Assert.Equal("(\"ann\" \"cy\")", vm.Run("app/names-older-than", [18L]).Value);
        Assert.Equal("3", vm.Run("app/count-users", []).Value);
    }

    [Fact]
    public async Task Refused_writes_and_bad_queries_are_effect_errors()
    {
        using var t = TestDb.InMemory();
        await t.LoadAsync(App, "app.clj");
        using var vm = await t.VmAsync();
        var write = vm.Run("app/bad-write", []).Error!;
        Assert.Equal(":error/effect", write.Kind.ToString());
        Assert.Contains(":no/such-attribute is not an attribute", write.Message, StringComparison.Ordinal);
        Assert.Equal(17, write.Line);
        var query = vm.Run("app/bad-query", []).Error!;
        Assert.Equal(":error/effect", query.Kind.ToString());
    }

    [Fact]
    public void Without_a_database_the_effects_say_so()
    {
        Assert.Equal(":error/effect", Yin.Fails("(defn main [] (transact! []))").Kind.ToString());
        Assert.Contains("no database", Yin.Fails("(defn main [] (query \"[:find ?e :where [?e :a/b]]\"))").Message, StringComparison.Ordinal);
    }
}

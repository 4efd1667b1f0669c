using Datom.Vm.Machine;
using Datom.Vm.Tests.Support;
using Xunit;

namespace Datom.Vm.Tests;

/// <summary>subscribe: a program follows a query's result as entries change it, under its own limits.</summary>
public class SubscribeEffectTests
{
    private const string App = """
        (ns app)

        (defn setup []
          (transact! [{:db/ident :user/name :db/valueType :db.type/string :db/cardinality :db.cardinality/one}]))

        (defn watch []
          (let [seen (atom [])]
            (subscribe (quote [:find ?n :where [_ :user/name ?n]])
                       (fn [change]
                         (swap! seen conj (select-keys change [:added :removed :initial]))
                         (cond
                           (:initial change) (do (transact! [{:user/name "Bo"}]) nil)
                           (= 1 (count @seen)) nil
                           :else (do (when (< (count @seen) 3) (transact! [{:user/name "Cy"}]))
                                     (if (= 3 (count @seen)) :unsubscribe nil)))))
            @seen))

        (defn forever [] (subscribe "[:find ?n :where [_ :user/name ?n]]" (fn [_] nil)))
        """;

    [Fact]
    public async Task The_callback_gets_the_result_then_each_change_and_unsubscribe_ends_it()
    {
        using var t = TestDb.InMemory();
        await t.LoadAsync(App, "app.clj");
        using var vm = await t.VmAsync();
        Assert.Equal(RunStatus.Finished, vm.Run("app/setup", []).Status);
        await t.Db.TransactAsync(Datom.Log.Edn.EdnReader.ReadOne("[{:user/name \"Ann\"}]"));
        var result = vm.Run("app/watch", []);
        Assert.True(result.Status == RunStatus.Finished, result.ToString());
        Assert.Equal("[{:added [[\"Ann\"]], :removed [], :initial true} {:added [[\"Bo\"]], :removed []} {:added [[\"Cy\"]], :removed []}]", result.Value);
    }

    [Fact]
    public async Task A_subscription_that_never_ends_stops_at_the_runs_deadline()
    {
        using var t = TestDb.InMemory();
        await t.LoadAsync(App, "app.clj");
        using var vm = await t.VmAsync();
        vm.Run("app/setup", []);
        var result = vm.Run("app/forever", [], new RunOptions { Limits = new RunLimits([new DeadlineLimit(TimeSpan.FromMilliseconds(300))]) });
        Assert.Equal(RunStatus.Failed, result.Status);
        Assert.Equal("deadline", result.Error!.Limit);
    }

    [Fact]
    public void Without_a_database_subscribe_says_so() =>
        Assert.Equal(":error/effect", Yin.Fails("(defn main [] (subscribe \"[:find ?e :where [?e :a]]\" (fn [_] nil)))").Kind.ToString());
}

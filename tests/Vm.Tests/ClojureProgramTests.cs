using Datom.Vm.Machine;
using Datom.Vm.Printing;
using Datom.Vm.Tests.Support;
using Xunit;

namespace Datom.Vm.Tests;

/// <summary>
/// Whole Clojure programs (issue 12): definitions, namespaces that require each other, what is stored
/// and printed, and the limits on the new forms. Expected values are what JVM Clojure prints.
/// </summary>
public class ClojureProgramTests
{
    private const string Threading = """
        (ns shop
          (:require [clojure.string :as str]))

        (def ^:private tax 0.25)
        (declare total)

        (defn- line-total [{:keys [price qty] :or {qty 1}}]
          (* price qty))

        (defn total
          ([items] (total items 0))
          ([items discount]
           (->> items
                (map line-total)
                (reduce +)
                (#(- % discount)))))

        (defn describe [& names]
          (str/join ", " (for [n names :when (seq n)] (str/upper-case n))))

        (defn main []
          [(total [{:price 10 :qty 2} {:price 5}]) (total [{:price 10}] 3) (describe "a" "" "b") tax])
        """;

    [Fact]
    public void Def_defn_multi_arity_destructuring_threading_and_for_run_as_in_Clojure()
    {
        // (clojure -e): [25 7 "A, B" 0.25]
        using var vm = YinVm.FromSource(Threading, "shop.clj");
        Assert.Equal("[25 7 \"A, B\" 0.25]", vm.Run("shop/main", [], new RunOptions { Output = TextWriter.Null }).Value);
    }

    [Fact]
    public async Task Code_show_prints_what_the_user_wrote_and_it_loads_back_to_the_same_datoms()
    {
        using var t = TestDb.InMemory();
        await t.LoadAsync(Threading, "shop.clj");
        var printed = AstPrinter.Print(t.Db.Current(), "shop");
        Assert.True(printed.Contains("(:require", StringComparison.Ordinal), printed);
        Assert.Contains("(->> items\n        (map line-total)\n        (reduce +)", printed, StringComparison.Ordinal);
        Assert.Contains("(defn- line-total [{:keys [price qty] :or {qty 1}}]", printed, StringComparison.Ordinal);
        Assert.Contains("(:require [clojure.string :as str])", printed, StringComparison.Ordinal);
        Assert.Equal("(def ^:private tax 0.25)\n", AstPrinter.Print(t.Db.Current(), "shop/tax"));
        var again = await t.LoadAsync(printed, "shop.clj");
        Assert.False(again.Transacted, "reloading the printout changed: " + string.Join(", ", again.Changed) + "\n" + printed);
        using var vm = await t.VmAsync();
        Assert.Equal("[25 7 \"A, B\" 0.25]", vm.Run("shop/main", []).Value);
    }

    [Fact]
    public async Task A_namespace_requires_another_and_an_edit_there_reaches_its_callers()
    {
        using var t = TestDb.InMemory();
        await t.LoadAsync("""
            (ns util.text)
            (defn shout [s] (str s "!"))
            (def greeting "hi")
            """, "util/text.clj");
        await t.LoadAsync("""
            (ns app
              (:require [util.text :as text :refer [shout]]))
            (defn main [] [(shout "a") (text/shout text/greeting)])
            """, "app.clj");
        using var vm = await t.VmAsync();
        Assert.Equal("[\"a!\" \"hi!\"]", vm.Run("app/main", []).Value);
        await t.LoadAsync("""
            (ns util.text)
            (defn shout [s] (str s "!!"))
            (def greeting "hello")
            """, "util/text.clj");
        Assert.Equal("[\"a!!\" \"hello!!\"]", vm.Run("app/main", []).Value);
    }

    [Fact]
    public async Task A_required_function_that_does_not_exist_is_refused_at_load_with_its_line()
    {
        using var t = TestDb.InMemory();
        var e = await Assert.ThrowsAsync<Reading.CodeException>(() => t.LoadAsync("(ns app (:require [nowhere.ns :as n]))\n(defn main [] (n/f 1))", "app.clj"));
        Assert.Equal(2, e.Line);
        Assert.Contains("n/f", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_design_queries_still_see_calls_made_by_macros()
    {
        using var t = TestDb.InMemory();
        await t.LoadAsync("""
            (ns core)
            (defrecord User [name])
            (defn ^String greet [^User u] (str "hi " (:name u)))
            (defn main [] (-> (->User "ann") greet))
            """, "core.clj");
        // The second query of DESIGN.md, clause by clause: the call of greet that -> made, at its line.
        var db = t.Db.Current();
        var sites = new List<long>();
        foreach (var c in db.Match(null, Datom.Log.Edn.Keyword.Parse(":ast/type"), Datom.Log.Model.Value.Keyword("ast.type/call")))
        foreach (var f in db.Match(c.E, Datom.Log.Edn.Keyword.Parse(":ast/function"), null))
        foreach (var p in db.Match(f.V.AsRef, Datom.Log.Edn.Keyword.Parse(":fn/param"), null))
        foreach (var ty in db.Match(p.V.AsRef, Datom.Log.Edn.Keyword.Parse(":param/type"), null))
        {
            if (db.Match(ty.V.AsRef, Datom.Log.Edn.Keyword.Parse(":type/name"), Datom.Log.Model.Value.String("User")).Any())
                sites.AddRange(db.Match(c.E, Datom.Log.Edn.Keyword.Parse(":ast/line"), null).Select(d => d.V.AsLong));
        }
        Assert.Equal([4L], sites);
    }

    [Theory]
    [InlineData("(defn main [] (count (range)))", "memory")]
    [InlineData("(defn main [] (loop [s (range)] (recur (next s))))", "fuel")]
    [InlineData("(defn main [] (reduce + (map inc (iterate inc 0))))", "fuel")]
    [InlineData("(defn main [] (vec (range)))", "memory")]
    [InlineData("(defn main [] (let [f (fn f [n] (+ 1 (f n)))] (f 0)))", "depth")]
    [InlineData("(defn main [] (letfn [(f [n] (inc (f n)))] (f 0)))", "depth")]
    [InlineData("(defn main [] (first (reduce (fn [s _] (map inc s)) (range 10) (range 5000))))", "depth")]
    [InlineData("(defn main [] (try (count (range)) (catch Throwable e :caught)))", "memory")]
    public void Infinite_sequences_and_deep_recursion_stop_at_the_limit_named(string source, string limit)
    {
        var options = new RunOptions
        {
            Output = TextWriter.Null,
            Limits = new RunLimits(new FuelLimit(2_000_000), new MemoryLimit(16 << 20), new DepthLimit(2_000), new DeadlineLimit(TimeSpan.FromSeconds(30))),
        };
        var result = Yin.RunWith(source, options);
        Assert.Equal(limit, result.Error?.Limit);
        Assert.Contains(limit, result.Error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_service_atom_lives_in_its_run()
    {
        const string Source = """
            (def counter (atom 0))
            (defn main [] (swap! counter inc) (swap! counter inc) @counter)
            """;
        // Each run computes the def again: a new atom per run, as a restarted JVM would have.
        Assert.Equal("2", Yin.Eval(Source));
        Assert.Equal("2", Yin.Eval(Source));
    }

    [Fact]
    public void An_error_names_the_line_of_the_form_a_macro_came_from()
    {
        var error = Yin.Fails("(defn main []\n  (->> [1 2]\n       (map inc)\n       (reduce (fn [a b] (/ a 0)))))");
        Assert.Equal(5, error.Line);
        Assert.Equal("ArithmeticException", error.ClassName);
    }
}

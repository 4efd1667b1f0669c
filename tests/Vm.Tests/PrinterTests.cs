using Datom.Vm.Printing;
using Datom.Vm.Tests.Support;
using Xunit;

namespace Datom.Vm.Tests;

public class PrinterTests
{
    private const string Everything = """
        (ns shapes "Every kind of node.")

        ;; a comment, which is not code and does not come back
        (defrecord Point [^Long x ^Long y])

        (defn ^:service ^Point origin "The origin." []
          (->Point 0 0))

        (defn everything [^Point p xs]
          (let [a 1
                b (+ a 2.5)
                f (fn [x] (* x a))]
            (loop [i 0 acc []]
              (if (< i 3)
                (recur (inc i) (conj acc (f i)))
                (cond
                  (and (= a 1) (or false true)) {:acc acc, :p p, :s #{1 2}, :q (quote [?x :y])}
                  :else (do (when nil "never") [nil true "a\nb" :k/w \c]))))))

        (defn apply-it [g] ((fn [h] (h 2)) g))
        """;

    [Fact]
    public async Task Load_print_load_gives_the_same_datoms()
    {
        using var t = TestDb.InMemory();
        await t.LoadAsync(Everything, "shapes.clj");
        var before = LoaderTests.Datoms(t.Db.Current());
        var printed = AstPrinter.Print(t.Db.Current(), "shapes");

        // Onto the same database: nothing to transact, the datoms are already these.
        var again = await t.LoadAsync(printed, "shapes.clj");
        Assert.False(again.Transacted, "reloading the printout changed: " + string.Join(", ", again.Changed) + "\n" + printed);

        // Into a fresh database: the same datoms, entity for entity by key.
        using var fresh = TestDb.InMemory(new ManualClock(DateTimeOffset.UnixEpoch));
        await fresh.LoadAsync(printed, "shapes.clj");
        var after = LoaderTests.Datoms(fresh.Db.Current());
        static bool Timeless((string E, string A, string V) d) => d.A != ":type/defined-at";
        Assert.Equal(before.Where(Timeless).ToHashSet(), after.Where(Timeless).ToHashSet());
    }

    [Fact]
    public async Task Printed_source_keeps_each_form_on_its_line_and_reads_as_Clojure()
    {
        using var t = TestDb.InMemory();
        await t.LoadAsync(Everything, "shapes.clj");
        var printed = AstPrinter.Print(t.Db.Current(), "shapes").Split('\n');
        Assert.StartsWith("(ns shapes", printed[0], StringComparison.Ordinal);
        Assert.Equal("(defrecord Point [^Long x ^Long y])", printed[3]);
        Assert.Equal("(defn ^:service ^Point origin \"The origin.\" []", printed[5]);
        Assert.Equal("  (->Point 0 0))", printed[6]);
        Assert.StartsWith("(defn everything [^Point p xs]", printed[8], StringComparison.Ordinal);
    }

    [Fact]
    public async Task One_function_prints_alone()
    {
        using var t = TestDb.InMemory();
        await t.LoadAsync(Programs.Users);
        Assert.Equal("(defn ^String greet [^User user]\n  (str \"Hello, \" (:name user) \"!\"))\n", AstPrinter.Print(t.Db.Current(), "core/greet"));
    }

    [Fact]
    public async Task Printing_what_is_not_there_says_so()
    {
        using var t = TestDb.InMemory();
        await t.LoadAsync(Programs.Users);
        Assert.Throws<KeyNotFoundException>(() => AstPrinter.Print(t.Db.Current(), "core/nope"));
        Assert.Throws<KeyNotFoundException>(() => AstPrinter.Print(t.Db.Current(), "nope"));
    }
}

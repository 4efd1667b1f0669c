using Datom.Vm.Machine;
using Datom.Vm.Tests.Support;
using Xunit;

namespace Datom.Vm.Tests;

/// <summary>A program's errors are values with the source, the line and the Yin stack; the host never sees an exception.</summary>
public class ErrorTests
{
    private const string Program = """
        (defrecord User [^String name])
        (defn ^String greet [^User u] (str "Hello, " (:name u)))
        (defn shout [s]
          (upper-case s))
        (defn twice [x] (* 2 x))
        (defn caller [x]
          (twice x 1))
        (defn main [x]
          (let [r (shout x)]
            r))
        """;

    [Fact]
    public void A_type_error_names_the_function_the_types_and_where()
    {
        var e = Yin.Fails(Program, 42L);
        Assert.Equal(":error/type", e.Kind.ToString());
        Assert.Contains("upper-case: expected a string, got Long 42", e.Message, StringComparison.Ordinal);
        Assert.Equal("t.clj", e.Location);
        Assert.Equal(5, e.Line);
        Assert.Equal(["t/shout (t.clj:5)", "t/main (t.clj:10)"], e.Stack.Select(f => f.ToString()));
    }

    [Fact]
    public void An_arity_mismatch_names_the_function_and_the_counts()
    {
        var e = Yin.Fails(Program.Replace("(defn main [x]", "(defn main [x] (caller x))\n(defn unused [x]", StringComparison.Ordinal), 1L);
        Assert.Equal(":error/arity", e.Kind.ToString());
        Assert.Equal("wrong number of arguments: t/twice takes 1, called with 2", e.Message);
        Assert.Equal(8, e.Line);
        Assert.Equal("t/caller", e.Stack[0].Function);
    }

    [Fact]
    public void A_declared_parameter_type_is_checked()
    {
        var e = Yin.Fails(Program.Replace("(defn main [x]", "(defn main [] (greet \"not a user\"))\n(defn unused [x]", StringComparison.Ordinal));
        Assert.Equal(":error/type", e.Kind.ToString());
        Assert.Contains("t/greet: parameter u is a User, not String \"not a user\"", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_declared_return_type_is_checked()
    {
        var e = Yin.Fails("(defn ^String label [x]\n  (if (> x 0) \"pos\" x))\n(defn main [] (label -1))");
        Assert.Equal(":error/type", e.Kind.ToString());
        Assert.Equal("t/label is declared to return String, but returned Long -1", e.Message);
        Assert.Equal("\"pos\"", Yin.Eval("(defn ^String label [x] (if (> x 0) \"pos\" x))\n(defn main [] (label 1))"));
    }

    [Fact]
    public void Arithmetic_errors()
    {
        Assert.Equal(":error/arithmetic", Yin.Fails("(defn main [] (/ 1 0))").Kind.ToString());
        Assert.Contains("long overflow", Yin.Fails("(defn main [] (+ 9223372036854775807 1))").Message, StringComparison.Ordinal);
        Assert.Contains("+: expected a number, got String \"a\"", Yin.Fails("(defn main [] (+ 1 \"a\"))").Message, StringComparison.Ordinal);
        Assert.Contains("is not a function", Yin.Fails("(defn main [] (let [x 1] (x 2)))").Message, StringComparison.Ordinal);
        Assert.Contains("index 5 is outside", Yin.Fails("(defn main [] (nth [1 2] 5))").Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Thrown_errors_carry_their_message_and_data()
    {
        var e = Yin.Fails("(defn main [] (throw (ex-info \"nope\" {:code 7})))");
        Assert.Equal(":error/user", e.Kind.ToString());
        Assert.Equal("nope", e.Message);
        Assert.Equal("{:code 7}", ValPrinter.Edn(e.Data));
    }

    [Fact]
    public async Task An_unknown_function_is_an_error_at_run_time_too()
    {
        using var t = TestDb.InMemory();
        await t.LoadAsync(Programs.Users);
        using var vm = await t.VmAsync();
        var missing = vm.Run("core/nope", []);
        Assert.Equal(RunStatus.Failed, missing.Status);
        Assert.Equal(":error/unknown-function", missing.Error!.Kind.ToString());
        Assert.Equal("unknown function core/nope", missing.Error.Message);

        // A caller of a function that was removed since finds out when it calls it.
        await t.LoadAsync("(ns util)\n(defn helper [] 1)", "util.clj");
        await t.LoadAsync("(ns app)\n(defn main []\n  (util/helper))", "app.clj");
        Assert.Equal("1", vm.Run("app/main", []).Value);
        await t.LoadAsync("(ns util)\n(defn other [] 2)", "util.clj");
        var gone = vm.Run("app/main", []);
        Assert.Equal(":error/unknown-function", gone.Error!.Kind.ToString());
        Assert.Contains("util/helper", gone.Error.Message, StringComparison.Ordinal);
        Assert.Equal(3, gone.Error.Line);
        Assert.Equal("app.clj", gone.Error.Location);
    }

    [Fact]
    public async Task Wrong_argument_count_from_the_host_is_an_arity_error()
    {
        using var t = TestDb.InMemory();
        await t.LoadAsync(Programs.Users);
        using var vm = await t.VmAsync();
        var e = vm.Run("core/twice", [1L, 2L]).Error!;
        Assert.Equal("wrong number of arguments: core/twice takes 1, called with 2", e.Message);
        Assert.Equal(":error/type", vm.Run("core/twice", ["x"]).Error!.Kind.ToString());
    }

    [Fact]
    public void Describe_prints_the_stack()
    {
        var e = Yin.Fails(Program, 42L);
        Assert.Equal("t.clj:5: upper-case: expected a string, got Long 42 [:error/type]\n  at t/shout (t.clj:5)\n  at t/main (t.clj:10)", e.Describe());
    }
}

using Datom.Log.Edn;
using Datom.Vm.Printing;
using Datom.Vm.Tests.Support;
using Xunit;

namespace Datom.Vm.Tests;

/// <summary>Code and data built to crash the host: each gets an error and the host stays up.</summary>
public class HostileCodeTests
{
    private const string Nest = "(defn nest [n] (loop [v [] i 0] (if (< i n) (recur [v] (inc i)) v)))\n";

    [Fact]
    public void Comparing_values_nested_deeper_than_the_host_stack_is_an_error()
    {
        var e = Yin.Fails(Nest + "(defn main [] (= (nest 1000000) (nest 1000000)))");
        Assert.Equal(":limit/depth", e.Kind.ToString());
        Assert.Contains("nested too deeply", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Printing_values_nested_deeper_than_the_host_stack_is_an_error()
    {
        Assert.Equal(":limit/depth", Yin.Fails(Nest + "(defn main [] (str (nest 1000000)))").Kind.ToString());
        var result = Yin.Run(Nest + "(defn main [] (nest 1000000))");
        Assert.Equal(RunStatus.Finished, result.Status);
        Assert.StartsWith("#yin/unprintable", result.Value, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_AST_with_a_cycle_is_refused_when_prepared_and_printed()
    {
        using var t = TestDb.InMemory();
        await t.LoadAsync("(ns evil)\n(defn f [] 1)", "evil.clj");
        // An AST no source could produce: a do whose body is itself.
        await t.Db.TransactAsync(EdnReader.ReadOne("""
            [{:db/id "d" :ast/key "evil/f#b0" :ast/type :ast.type/do :ast/line 2 :ast/body "d"}]
            """));
        using var vm = await t.VmAsync();
        var result = vm.Run("evil/f", []);
        Assert.Equal(":error/code", result.Error!.Kind.ToString());
        Assert.Contains("nest more than", result.Error.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => AstPrinter.Print(t.Db.Current(), "evil/f"));
        Assert.Equal("3", Yin.Expr("(+ 1 2)"));
    }

    [Fact]
    public async Task A_call_into_an_entity_that_is_not_a_function_is_an_unknown_function()
    {
        using var t = TestDb.InMemory();
        await t.LoadAsync(Programs.Users);
        // Point greet's call at a record instead of a function.
        var view = t.Db.Current();
        var call = view.Match(null, Keyword.Parse("ast/key"), Log.Model.Value.String("core/main#b0.b0.a0")).Single().E;
        var user = view.Match(null, Keyword.Parse("ast/key"), Log.Model.Value.String("core/User")).Single().E;
        await t.Db.TransactAsync(new EdnVector([EdnVector.Of(Keyword.Parse("db/add"), call, Keyword.Parse("ast/function"), user)]));
        using var vm = await t.VmAsync();
        var e = vm.Run("core/main", []).Error!;
        Assert.Equal(":error/unknown-function", e.Kind.ToString());
        Assert.Equal(Programs.GreetCallLine, e.Line);
    }
}

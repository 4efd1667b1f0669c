using Datom.Log.Edn;
using Datom.Vm.Machine;
using Xunit;

namespace Datom.Vm.Tests.Support;

/// <summary>Running small programs in tests.</summary>
public static class Yin
{
    /// <summary>Runs <c>(ns t) ...source... </c> in memory and returns the result of calling t/main.</summary>
    public static RunResult Run(string source, params object?[] args) => RunWith(source, new RunOptions { Output = TextWriter.Null }, args);

    public static RunResult RunWith(string source, RunOptions options, params object?[] args)
    {
        using var vm = YinVm.FromSource("(ns t)\n" + source, "t.clj");
        return vm.Run("t/main", args, options);
    }

    /// <summary>The EDN of t/main's result; fails the test if it did not finish.</summary>
    public static string Eval(string source, params object?[] args)
    {
        var result = Run(source, args);
        Assert.True(result.Status == RunStatus.Finished, result.ToString());
        return result.Value;
    }

    /// <summary>The value of one expression.</summary>
    public static string Expr(string expression) => Eval($"(defn main [] {expression})");

    public static object? Edn(string text) => EdnReader.ReadOne(text);

    public static YinError Fails(string source, params object?[] args)
    {
        var result = Run(source, args);
        Assert.True(result.Status == RunStatus.Failed, $"expected an error, got {result.Status}: {result}");
        return result.Error!;
    }
}

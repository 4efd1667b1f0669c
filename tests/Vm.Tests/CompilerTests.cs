using Datom.Vm.Tests.Support;
using FsCheck.Xunit;
using Xunit;

namespace Datom.Vm.Tests;

/// <summary>The compiler's fused instructions and jumps, checked against a reference evaluator.</summary>
public class CompilerTests
{
    [Theory]
    [InlineData("(defn main [x] (if (and (> x 0) (< x 10)) :in :out))", 5L, ":in")]
    [InlineData("(defn main [x] (if (and (> x 0) (< x 10)) :in :out))", 50L, ":out")]
    [InlineData("(defn main [x] (if (or (< x 0) (= x 7)) :odd :even))", 7L, ":odd")]
    [InlineData("(defn main [x] (if (< (if (> x 0) x 0) 2) :small :big))", -5L, ":small")]
    [InlineData("(defn main [x] (+ (if (> x 0) x 0) 1))", 5L, "6")]
    [InlineData("(defn main [x] (- x 1))", 2.5, "1.5")]
    [InlineData("(defn main [x] (< x 1))", 0.5, "true")]
    [InlineData("(defn main [x] (if (< x 1) :lt :ge))", 0.5, ":lt")]
    [InlineData("(defn main [x] (if (= x 1) :one :other))", 1L, ":one")]
    [InlineData("(defn main [x] (if (= x 1) :one :other))", 1.0, ":other")]
    [InlineData("(defn main [x] (cond (< x 0) :neg (= x 0) :zero :else :pos))", 0L, ":zero")]
    [InlineData("(defn main [x] (loop [i 0] (if (< i x) (recur (+ i 1)) i)))", 5L, "5")]
    [InlineData("(defn main [x] (when (>= x 3) (- x 3)))", 4L, "1")]
    public void Fused_forms_keep_their_meaning(string source, object arg, string expected) =>
        Assert.Equal(expected, Yin.Eval(source, arg));

    [Fact]
    public void Errors_in_fused_forms_name_their_line()
    {
        var e = Yin.Fails("(defn main [x]\n  (if (< x 1)\n    :lt\n    :ge))", "a");
        Assert.Equal(":error/type", e.Kind.ToString());
        Assert.Equal(3, e.Line);
        var overflow = Yin.Fails("(defn main [x]\n  (- x 1))", long.MinValue);
        Assert.Equal(":error/arithmetic", overflow.Kind.ToString());
        Assert.Equal(3, overflow.Line);
    }

    [Property(Arbitrary = [typeof(Seeds)], MaxTest = 300)]
    public void Random_programs_agree_with_a_reference_evaluator(int seed)
    {
        var random = new Random(seed);
        var gen = new Generators.Expressions(random);
        var expr = gen.Expr(4, ["a", "b"]);
        var a = (long)random.Next(-5, 6);
        var b = (long)random.Next(-5, 6);
        var expected = Generators.Reference.Eval(expr, new Dictionary<string, object?> { ["a"] = a, ["b"] = b });
        var source = $"(defn main [a b]\n  {expr.Text})";
        var result = Yin.Run(source, a, b);
        if (expected is Generators.Reference.Error)
        {
            Assert.True(result.Status == RunStatus.Failed, $"seed {seed}: {expr.Text} with a={a} b={b}: expected an error, got {result}");
            return;
        }
        Assert.True(result.Status == RunStatus.Finished, $"seed {seed}: {expr.Text} with a={a} b={b}: {result}");
        Assert.Equal(Generators.Reference.Show(expected), result.Value);
    }
}

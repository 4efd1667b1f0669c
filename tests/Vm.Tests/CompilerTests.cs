using System.Globalization;
using System.Text;
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

    [Property(MaxTest = 300)]
    public void Random_programs_agree_with_a_reference_evaluator(int seed)
    {
        var random = new Random(seed);
        var gen = new Generator(random);
        var expr = gen.Expr(4, ["a", "b"]);
        var a = (long)random.Next(-5, 6);
        var b = (long)random.Next(-5, 6);
        var expected = Reference.Eval(expr, new Dictionary<string, object?> { ["a"] = a, ["b"] = b });
        var source = $"(defn main [a b]\n  {expr.Text})";
        var result = Yin.Run(source, a, b);
        if (expected is Reference.Error)
        {
            Assert.True(result.Status == RunStatus.Failed, $"seed {seed}: {expr.Text} with a={a} b={b}: expected an error, got {result}");
            return;
        }
        Assert.True(result.Status == RunStatus.Finished, $"seed {seed}: {expr.Text} with a={a} b={b}: {result}");
        Assert.Equal(Reference.Show(expected), result.Value);
    }

    /// <summary>A generated expression: its Yin text and its tree.</summary>
    public sealed record Node(string Op, IReadOnlyList<Node> Args, object? Value = null, string? Name = null)
    {
        public string Text => Op switch
        {
            "lit" => Reference.Show(Value),
            "var" => Name!,
            "let" => $"(let [{Name} {Args[0].Text}] {Args[1].Text})",
            "loop" => $"(loop [i 0 acc {Args[0].Text}] (if (< i 3) (recur (inc i) (+ acc 1)) acc))",
            _ => "(" + Op + string.Concat(Args.Select(x => " " + x.Text)) + ")",
        };
    }

    private sealed class Generator(Random random)
    {
        private int _names;

        public Node Expr(int depth, List<string> scope)
        {
            if (depth == 0 || random.Next(4) == 0)
            {
                return random.Next(6) switch
                {
                    0 => new Node("lit", [], null),
                    1 => new Node("lit", [], random.Next(2) == 0),
                    2 or 3 => new Node("lit", [], (long)random.Next(-5, 6)),
                    _ => new Node("var", [], Name: scope[random.Next(scope.Count)]),
                };
            }
            var d = depth - 1;
            switch (random.Next(11))
            {
                case 0: return new Node("+", [Expr(d, scope), Expr(d, scope)]);
                case 1: return new Node("-", [Expr(d, scope), Expr(d, scope)]);
                case 2: return new Node("<", [Expr(d, scope), Expr(d, scope)]);
                case 3: return new Node(">=", [Expr(d, scope), Expr(d, scope)]);
                case 4: return new Node("=", [Expr(d, scope), Expr(d, scope)]);
                case 5: return new Node("if", [Expr(d, scope), Expr(d, scope), Expr(d, scope)]);
                case 6: return new Node("and", [Expr(d, scope), Expr(d, scope)]);
                case 7: return new Node("or", [Expr(d, scope), Expr(d, scope)]);
                case 8: return new Node("not", [Expr(d, scope)]);
                case 9:
                {
                    var name = "x" + (_names++).ToString(CultureInfo.InvariantCulture);
                    return new Node("let", [Expr(d, scope), Expr(d, [.. scope, name])], Name: name);
                }
                default: return new Node("loop", [Expr(d, scope)]);
            }
        }
    }

    private static class Reference
    {
        public sealed record Error;

        public static object? Eval(Node n, Dictionary<string, object?> env)
        {
            switch (n.Op)
            {
                case "lit": return n.Value;
                case "var": return env[n.Name!];
                case "let":
                {
                    var v = Eval(n.Args[0], env);
                    if (v is Error)
                        return v;
                    var inner = new Dictionary<string, object?>(env) { [n.Name!] = v };
                    return Eval(n.Args[1], inner);
                }
                case "if":
                {
                    var c = Eval(n.Args[0], env);
                    return c is Error ? c : Eval(Truthy(c) ? n.Args[1] : n.Args[2], env);
                }
                case "and":
                {
                    var x = Eval(n.Args[0], env);
                    return x is Error || !Truthy(x) ? x : Eval(n.Args[1], env);
                }
                case "or":
                {
                    var x = Eval(n.Args[0], env);
                    return x is Error || Truthy(x) ? x : Eval(n.Args[1], env);
                }
                case "not":
                {
                    var x = Eval(n.Args[0], env);
                    return x is Error ? x : !Truthy(x);
                }
                case "loop":
                {
                    var x = Eval(n.Args[0], env);
                    return x is Error ? x : x is long l ? l + 3 : new Error();
                }
            }
            var a = Eval(n.Args[0], env);
            if (a is Error)
                return a;
            var b = Eval(n.Args[1], env);
            if (b is Error)
                return b;
            if (n.Op == "=")
                return Equals(a, b);
            if (a is not long p || b is not long q)
                return new Error();
            return n.Op switch
            {
                "+" => p + q,
                "-" => p - q,
                "<" => p < q,
                _ => p >= q,
            };
        }

        private static bool Truthy(object? v) => v is not (null or false);

        public static string Show(object? v) => v switch
        {
            null => "nil",
            bool b => b ? "true" : "false",
            long l => l.ToString(CultureInfo.InvariantCulture),
            _ => new StringBuilder().Append(v).ToString(),
        };
    }
}

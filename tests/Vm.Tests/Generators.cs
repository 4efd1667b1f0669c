using System.Globalization;
using System.Text;
using FsCheck;
using FsCheck.Fluent;

namespace Datom.Vm.Tests;

/// <summary>The generators of the property tests, in one place: random programs with a reference evaluator, random source text, random values.</summary>
public static class Generators
{
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

    public sealed class Expressions(Random random)
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

    public static class Reference
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

    /// <summary>
    /// Random EDN data that Yin takes as arguments and can store: nested vectors, maps and sets of
    /// strings (with escapes and non-ASCII), integers, doubles, keywords, symbols, booleans, nil,
    /// instants and UUIDs.
    /// </summary>
    public static string EdnValue(Random random, int depth)
    {
        if (depth == 0 || random.Next(3) == 0)
        {
            return random.Next(11) switch
            {
                0 => "nil",
                1 => random.Next(2) == 0 ? "true" : "false",
                2 => random.NextInt64(long.MinValue, long.MaxValue).ToString(CultureInfo.InvariantCulture),
                3 => random.Next(-1000, 1000).ToString(CultureInfo.InvariantCulture),
                4 => (random.NextDouble() * 1e6 - 5e5).ToString("R", CultureInfo.InvariantCulture) + (random.Next(2) == 0 ? "" : "e-3"),
                5 => Datom.Log.Edn.EdnWriter.Write(new string([.. Enumerable.Range(0, random.Next(8)).Select(_ => "ab \"\\\n\t\u00e9\u4e2d,;#"[random.Next(12)])])),
                6 => ":k" + random.Next(5).ToString(CultureInfo.InvariantCulture) + (random.Next(2) == 0 ? "" : "/ns"),
                7 => "sym" + random.Next(5).ToString(CultureInfo.InvariantCulture),
                8 => "#inst \"" + DateTimeOffset.FromUnixTimeMilliseconds(random.NextInt64(0, 4_000_000_000_000)).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture) + "\"",
                9 => "#uuid \"" + new Guid([.. Enumerable.Range(0, 16).Select(_ => (byte)random.Next(256))]).ToString("D") + "\"",
                _ => "##NaN",
            };
        }
        var n = random.Next(4);
        var items = Enumerable.Range(0, n).Select(_ => EdnValue(random, depth - 1)).ToList();
        return random.Next(3) switch
        {
            0 => "[" + string.Join(" ", items) + "]",
            // Keys made distinct by position, so that the map is valid EDN whatever the values.
            1 => "{" + string.Join(", ", items.Select((v, i) => ":key" + i.ToString(CultureInfo.InvariantCulture) + " " + v)) + "}",
            _ => "#{" + string.Join(" ", items.Select((v, i) => "[" + i.ToString(CultureInfo.InvariantCulture) + " " + v + "]")) + "}",
        };
    }

    /// <summary>Random text made of Yin's lexical pieces, mostly not valid code: for the reader and analyzer fuzz tests.</summary>
    public static string Noise(Random random)
    {
        string[] pieces = ["(", ")", "[", "]", "{", "}", "#{", "#_", "^", "^:service ", "^String ", "\"", "\\", "\\a", ";", "\n", " ", ",",
            "ns", "defn", "defrecord", "fn", "let", "loop", "recur", "if", "cond", "quote", "x", "y", "->X", "1", "-2.5", ":k", "nil", "#inst", "##Inf", "&", "core/f", "'"];
        var sb = new StringBuilder(random.Next(2) == 0 ? "(ns fuzz)\n" : "");
        for (var i = random.Next(40); i > 0; i--)
            sb.Append(pieces[random.Next(pieces.Length)]).Append(random.Next(3) == 0 ? " " : "");
        return sb.ToString();
    }
}

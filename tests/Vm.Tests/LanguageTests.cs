using Datom.Vm.Tests.Support;
using Xunit;

namespace Datom.Vm.Tests;

/// <summary>The surface language, evaluated: each case is an expression and the EDN of its value.</summary>
public class LanguageTests
{
    [Theory]
    [InlineData("(+ 1 2)", "3")]
    [InlineData("(+)", "0")]
    [InlineData("(+ 1 2 3 4)", "10")]
    [InlineData("(- 10 3 2)", "5")]
    [InlineData("(- 5)", "-5")]
    [InlineData("(* 6 7)", "42")]
    [InlineData("(/ 10 2)", "5")]
    [InlineData("(/ 1 4)", "1/4")]
    [InlineData("(+ 1 2.5)", "3.5")]
    [InlineData("(quot 7 2)", "3")]
    [InlineData("(rem -7 2)", "-1")]
    [InlineData("(mod -7 2)", "1")]
    [InlineData("(inc 41)", "42")]
    [InlineData("(dec 43)", "42")]
    [InlineData("(max 1 5 3)", "5")]
    [InlineData("(min 4 2 8)", "2")]
    [InlineData("(abs -3)", "3")]
    [InlineData("(< 1 2 3)", "true")]
    [InlineData("(< 1 3 2)", "false")]
    [InlineData("(>= 3 3)", "true")]
    [InlineData("(= 1 1)", "true")]
    [InlineData("(= 1 1.0)", "false")]
    [InlineData("(== 1 1.0)", "true")]
    [InlineData("(= [1 2] [1 2])", "true")]
    [InlineData("(= {:a 1} {:a 1})", "true")]
    [InlineData("(not= 1 2)", "true")]
    [InlineData("(not nil)", "true")]
    [InlineData("(if nil 1 2)", "2")]
    [InlineData("(if false 1)", "nil")]
    [InlineData("(if 0 1 2)", "1")]
    [InlineData("(when true 1 2)", "2")]
    [InlineData("(when false 1)", "nil")]
    [InlineData("(cond false 1 (= 1 1) 2 :else 3)", "2")]
    [InlineData("(cond false 1)", "nil")]
    [InlineData("(and 1 2 3)", "3")]
    [InlineData("(and 1 nil 3)", "nil")]
    [InlineData("(and)", "true")]
    [InlineData("(or nil false 7)", "7")]
    [InlineData("(or nil false)", "false")]
    [InlineData("(do 1 2 3)", "3")]
    [InlineData("(let [a 1 b (+ a 1)] (* a b 10))", "20")]
    [InlineData("(let [x 1] (let [x 2] x))", "2")]
    [InlineData("(loop [i 0 acc 0] (if (< i 5) (recur (inc i) (+ acc i)) acc))", "10")]
    [InlineData("((fn [x y] (+ x y)) 3 4)", "7")]
    [InlineData("(let [n 10 f (fn [x] (+ x n))] (f 5))", "15")]
    [InlineData("(let [add (fn [a] (fn [b] (+ a b)))] ((add 2) 3))", "5")]
    [InlineData("[1 (+ 1 1) 3]", "[1 2 3]")]
    [InlineData("{:b 2 :a 1}", "{:b 2, :a 1}")]
    [InlineData("#{3 1 2}", "#{1 3 2}")]
    [InlineData("(quote (a b c))", "(a b c)")]
    [InlineData("(quote [a (b) {:c ()}])", "[a (b) {:c ()}]")]
    [InlineData("\"a\\nb\"", "\"a\\nb\"")]
    [InlineData("\\x", "\\x")]
    [InlineData(":k/w", ":k/w")]
    [InlineData("nil", "nil")]
    [InlineData("1.5", "1.5")]
    [InlineData("(str \"a\" 1 :b nil [1 \"x\"])", "\"a1:b[1 \\\"x\\\"]\"")]
    [InlineData("(count \"hello\")", "5")]
    [InlineData("(subs \"hello\" 1 3)", "\"el\"")]
    [InlineData("(upper-case \"abc\")", "\"ABC\"")]
    [InlineData("(clojure.string/join \", \" [1 2 3])", "\"1, 2, 3\"")]
    [InlineData("(split \"a,b,c\" \",\")", "[\"a\" \"b\" \"c\"]")]
    [InlineData("(includes? \"hello\" \"ell\")", "true")]
    [InlineData("(clojure.string/replace \"a-b-c\" \"-\" \"+\")", "\"a+b+c\"")]
    [InlineData("(replace {1 :one 3 :three} [1 2 3])", "[:one 2 :three]")]
    [InlineData("(replace {\\a \\b} \"abc\")", "(\\b \\b \\c)")]
    [InlineData("(into [] (distinct) [1 2 1 3 2])", "[1 2 3]")]
    [InlineData("(get {:a 1} :a)", "1")]
    [InlineData("(get {:a 1} :b 9)", "9")]
    [InlineData("(:a {:a 1})", "1")]
    [InlineData("(:b {:a 1} 2)", "2")]
    [InlineData("({:a 1} :a)", "1")]
    [InlineData("(get-in {:a {:b 5}} [:a :b])", "5")]
    [InlineData("(assoc {:a 1} :b 2)", "{:a 1, :b 2}")]
    [InlineData("(assoc [1 2] 2 3)", "[1 2 3]")]
    [InlineData("(dissoc {:a 1 :b 2} :a)", "{:b 2}")]
    [InlineData("(conj [1 2] 3 4)", "[1 2 3 4]")]
    [InlineData("(conj #{1} 2)", "#{1 2}")]
    [InlineData("(conj {:a 1} [:b 2])", "{:a 1, :b 2}")]
    [InlineData("(into [] #{2 1})", "[1 2]")]
    [InlineData("(into {} [[:a 1]])", "{:a 1}")]
    [InlineData("(count [1 2 3])", "3")]
    [InlineData("(first [1 2])", "1")]
    [InlineData("(first [])", "nil")]
    [InlineData("(rest [1 2 3])", "(2 3)")]
    [InlineData("(next [1])", "nil")]
    [InlineData("(seq [])", "nil")]
    [InlineData("(nth [1 2 3] 1)", "2")]
    [InlineData("(last [1 2 3])", "3")]
    [InlineData("(range 5)", "(0 1 2 3 4)")]
    [InlineData("(range 1 10 3)", "(1 4 7)")]
    [InlineData("(reverse [1 2 3])", "(3 2 1)")]
    [InlineData("(sort [3 1 2])", "(1 2 3)")]
    [InlineData("(distinct [1 2 1 3 2])", "(1 2 3)")]
    [InlineData("(take 2 [1 2 3])", "(1 2)")]
    [InlineData("(drop 2 [1 2 3])", "(3)")]
    [InlineData("(concat [1] [2 3])", "(1 2 3)")]
    [InlineData("(keys {:a 1 :b 2})", "(:a :b)")]
    [InlineData("(vals {:a 1 :b 2})", "(1 2)")]
    [InlineData("(merge {:a 1} {:b 2} nil)", "{:a 1, :b 2}")]
    [InlineData("(frequencies [:a :b :a])", "{:a 2, :b 1}")]
    [InlineData("(zipmap [:a :b] [1 2])", "{:a 1, :b 2}")]
    [InlineData("(contains? {:a 1} :a)", "true")]
    [InlineData("(empty? [])", "true")]
    [InlineData("(map inc [1 2 3])", "(2 3 4)")]
    [InlineData("(map (fn [x] (* x x)) [1 2 3])", "(1 4 9)")]
    [InlineData("(filter odd? (range 10))", "(1 3 5 7 9)")]
    [InlineData("(remove odd? (range 5))", "(0 2 4)")]
    [InlineData("(reduce + 0 [1 2 3 4])", "10")]
    [InlineData("(reduce (fn [acc x] (conj acc (* 2 x))) [] [1 2])", "[2 4]")]
    [InlineData("(some even? [1 3 4])", "true")]
    [InlineData("(every? pos? [1 2])", "true")]
    [InlineData("(update {:n 1} :n inc)", "{:n 2}")]
    [InlineData("(group-by odd? [1 2 3])", "{true [1 3], false [2]}")]
    [InlineData("(sort-by - [1 3 2])", "(3 2 1)")]
    [InlineData("(mapcat (fn [x] [x x]) [1 2])", "(1 1 2 2)")]
    [InlineData("(apply + 1 [2 3])", "6")]
    [InlineData("(apply max [4 9 2])", "9")]
    [InlineData("(keyword \"a\")", ":a")]
    [InlineData("(name :a/b)", "\"b\"")]
    [InlineData("(type 1)", "java.lang.Long")]
    [InlineData("(parse-long \"42\")", "42")]
    [InlineData("(ex-message (ex-info \"boom\" {:a 1}))", "\"boom\"")]
    public void Expression(string expression, string expected) => Assert.Equal(expected, Yin.Expr(expression));

    [Fact]
    public void Functions_call_each_other_in_any_order_and_recurse()
    {
        const string Source = """
            (defn main [] (fib 15))
            (defn fib [n] (if (< n 2) n (+ (fib (- n 1)) (fib (- n 2)))))
            """;
        Assert.Equal("610", Yin.Eval(Source));
    }

    [Fact]
    public void Recur_in_a_function_body_loops_without_growing_the_stack()
    {
        const string Source = """
            (defn count-down [n acc] (if (= n 0) acc (recur (dec n) (inc acc))))
            (defn main [] (count-down 100000 0))
            """;
        Assert.Equal("100000", Yin.Eval(Source));
    }

    [Fact]
    public void Records_are_constructed_typed_and_read_like_maps()
    {
        const string Source = """
            (defrecord User [^String name ^Long age])
            (defn ^User older [^User u] (assoc u :age (inc (:age u))))
            (defn main [] (let [u (older (->User "ann" 41))] [(:name u) (:age u) (get u :age) (record? u) (type u)]))
            """;
        Assert.Equal("[\"ann\" 42 42 true t.User]", Yin.Eval(Source));
    }

    [Fact]
    public void Records_print_as_tagged_maps()
    {
        Assert.Equal("#t.P{:x 1, :y 2}", Yin.Eval("(defrecord P [x y])\n(defn main [] (->P 1 2))"));
    }

    [Fact]
    public void Named_functions_and_builtins_are_values()
    {
        const string Source = """
            (defn twice [x] (* 2 x))
            (defn main [] [(map twice [1 2]) (map str [1 2]) ((fn [f] (f 5)) twice)])
            """;
        Assert.Equal("[(2 4) (\"1\" \"2\") 10]", Yin.Eval(Source));
    }

    [Fact]
    public void Arguments_are_edn()
    {
        Assert.Equal("{:n 3, :xs [1 2]}", Yin.Eval("(defn main [m xs] (assoc m :xs xs))", Yin.Edn("{:n 3}"), Yin.Edn("[1 2]")));
    }

    [Fact]
    public void Print_writes_to_the_run_output()
    {
        var output = new StringWriter();
        var result = Yin.RunWith("(defn main [] (println \"hi\" 1 :k) (prn \"q\") (print [1 \"x\"]) 7)", new RunOptions { Output = output });
        Assert.Equal(RunStatus.Finished, result.Status);
        Assert.Equal("hi 1 :k\n\"q\"\n[1 x]", output.ToString());
    }

    [Fact]
    public void Now_is_an_instant_and_sleep_waits()
    {
        var result = Yin.Run("(defn main [] (let [a (now)] (sleep 20) [(inst? a) (compare (now) a)]))");
        Assert.Equal("[true 1]", result.Value);
    }
}

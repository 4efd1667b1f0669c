using System.Globalization;
using Datom.Index.Query;
using Datom.Vm.Ast;
using Datom.Vm.Loading;
using Datom.Vm.Printing;
using Datom.Vm.Reading;
using Datom.Vm.Tests.Support;
using Xunit;

namespace Datom.Vm.Tests;

/// <summary>
/// Top-level expressions, multimethods, user macros, protocols and types, metadata and regex
/// matchers (issue 12). Each expected output is what JVM Clojure 1.11 printed for the same program
/// (run with <c>clojure FILE.clj</c>, with <c>(-main)</c> at the end of the file).
/// </summary>
public class ClojureFormsTests
{
    /// <summary>Loads <paramref name="source"/> as <c>datom code load</c> does and runs its <c>-main</c>; returns what it printed.</summary>
    internal static async Task<string> RunProgramAsync(string source, string file = "app.clj")
    {
        using var t = TestDb.InMemory();
        var ns = (await t.LoadAsync(source, file)).Namespace;
        using var vm = await t.VmAsync();
        var output = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        var result = vm.Run(ns + "/-main", [], new RunOptions { Output = output });
        Assert.True(result.Status == RunStatus.Finished, result + "\n" + output);
        return output.ToString();
    }

    // ---- what a 4clojure-style check found (answers recorded from JVM Clojure 1.11.1) ----

    [Fact]
    public async Task Rest_destructuring_walks_any_seqable_ratio_literals_read_quot_rem_mod_are_exact_and_fn_literals_in_a_set_are_distinct()
    {
        var printed = await RunProgramAsync("""
            (ns app)
            (defn -main []
              (prn (let [[a & r] #{1 2 3}] [a r]))
              (prn (let [[a b & r] (sorted-map :x 1 :y 2 :z 3)] [a b r]))
              (prn (let [[a b :as all] '(1 2 3)] [a b all]))
              (prn (let [[a & {:keys [x]}] [1 :x 2]] [a x]))
              (prn (let [[a [b & c] & d] [1 [2 3 4] 5 6]] [a b c d]))
              (prn ((fn [[x & xs]] [x xs]) "abc"))
              (prn (let [[a & r] nil] [a r]))
              (prn 1/2 (+ 1/2 1/3) (class 4/2) -3/6 (/ 1 3) 4/2 '(1/2 3/4) [22/7 -0/5])
              (prn (Math/ulp 1.0) (Math/ulp 0.0) (Math/log1p 1e-10) (Math/expm1 1e-10) (Math/nextUp 1.0))
              (prn (count #{#(-> %) #(-> %)}))
              (prn (Math/sqrt 16) (Math/toRadians 180))
              (prn 12345678901234567890/2 (class 12345678901234567890/2) (class 9/3))
              (prn (mod 1/3 1/6) (mod 7/2 2) (mod -7/2 2) (rem -7/2 2) (quot 7/2 2) (quot -7/2 2) (class (quot 7/2 1/3)))
              (prn (mod 5.5 2) (rem -5.5 2) (quot 5.5 2) (quot -5.5 2) (mod -5.5 2) (mod 5 2.5) (mod 7 1/2) (rem 7N 2) (class (rem 7N 2)) (quot 7N 2) (mod -7N 2))
              (prn (mod 2/5 1) (rem 2/5 1) (quot 2/5 1) (mod 1/3 0.25))
              (prn (try (mod 1/3 0) (catch ArithmeticException e :divide-by-zero))))
            """);
        Assert.Equal("""
            [1 (3 2)]
            [[:x 1] [:y 2] ([:z 3])]
            [1 2 (1 2 3)]
            [1 2]
            [1 2 (3 4) (5 6)]
            [\a (\b \c)]
            [nil nil]
            1/2 5/6 java.lang.Long -1/2 1/3 2 (1/2 3/4) [22/7 0]
            2.220446049250313E-16 4.9E-324 9.999999999500001E-11 1.00000000005E-10 1.0000000000000002
            2
            4.0 3.141592653589793
            6172839450617283945N clojure.lang.BigInt java.lang.Long
            0N 3/2 1/2 -3/2 1N -1N clojure.lang.BigInt
            1.5 -1.5 2.0 -2.0 0.5 0.0 0N 1N clojure.lang.BigInt 3N 1N
            2/5 2/5 0N 0.08333333333333331
            :divide-by-zero

            """, printed);
    }

    [Fact]
    public async Task Symbol_takes_any_name_second_and_mapcat_work_on_any_seqable_and_mapcat_is_lazy()
    {
        var printed = await RunProgramAsync("""
            (ns app)
            (set! *warn-on-reflection* true)
            (defn -main []
              (prn (symbol "true") (symbol "a/b") (namespace (symbol "a/b")) (symbol "a" "b") (symbol nil "x") (symbol :k/w) (= (symbol "x") (quote x)) (symbol "/") (symbol "a b"))
              (prn (second {:suit :heart :rank 14}) (second #{1}) (second "ab") (second nil))
              (prn (take 5 (mapcat (fn [x] [x x]) (range))) (take 3 (flatten (map vector (range)))) (take 4 (tree-seq sequential? seq [[1 [2]] 3])))
              (prn (mapcat list [1 2] [3 4]) (mapcat reverse [[3 2 1] [6 5 4]]) (mapcat identity []))
              (prn #{#{(= "true") false} #{(symbol "true") 'false}}))
            """);
        Assert.Equal("""
            true a/b "a" a/b x k/w true / a b
            [:rank 14] nil \b nil
            (0 0 1 1 2) (0 1 2) ([[1 [2]] 3] [1 [2]] 1 [2])
            (1 3 2 4) (1 2 3 4 5 6) ()
            #{#{true false} #{true false}}

            """, printed);
    }

    [Fact]
    public async Task Record_constructors_as_values_map_constructors_merge_into_records_comparator_unchecked_math_and_Javas_arithmetic_messages()
    {
        var printed = await RunProgramAsync("""
            (ns app)
            (defrecord Point [x y])
            (defmacro m [e] `(try ~e (catch ArithmeticException x# (.getMessage x#))))
            (defn -main []
              (prn (map->Point {:x 1 :y 2}) (map->Point {:x 1}) (merge (->Point 1 2) {:x 5}) (sort (comparator >) [1 3 2]))
              (prn (m (/ 1 0)) (m (quot 1 0)) (m (rem 1 0)) (m (mod 1 0)) (m (/ 1.0 0)) (m (/ 1N 0)) (m (/ 1/2 0)))
              (prn (m (+ Long/MAX_VALUE 1)) (m (- Long/MIN_VALUE 1)) (m (* Long/MAX_VALUE 2)) (m (inc Long/MAX_VALUE)) (m (dec Long/MIN_VALUE)) (m (- Long/MIN_VALUE)) (m (Math/abs Long/MIN_VALUE)))
              (prn (m (quot Long/MIN_VALUE -1)) (m (unchecked-add Long/MAX_VALUE 1)) (m (Math/addExact Long/MAX_VALUE 1)) (m (/ Long/MIN_VALUE -1)) (m (mod 5.0 0)) (m (rem 5.0 0)) (m (quot 5 0.0)) (m (rem 5 0)))
              (prn (abs Long/MIN_VALUE) (m (Math/floorDiv 1 0)) (unchecked-multiply 3037000500 3037000500) (unchecked-inc 1.5) (unchecked-negate Long/MIN_VALUE) (m (Math/negateExact Long/MIN_VALUE)))
              (prn (map ->Point [1 2] [3 4]) (map map->Point [{:x 1}]) (apply ->Point [5 6])))
            """);
        Assert.Equal("""
            #app.Point{:x 1, :y 2} #app.Point{:x 1, :y nil} #app.Point{:x 5, :y 2} (3 2 1)
            "Divide by zero" "/ by zero" "/ by zero" "Divide by zero" ##Inf "Divide by zero" "Divide by zero"
            "long overflow" "long overflow" "long overflow" "long overflow" "long overflow" "long overflow" -9223372036854775808
            -9223372036854775808 -9223372036854775808 "long overflow" -9223372036854775808 "Divide by zero" "Divide by zero" "Divide by zero" "/ by zero"
            -9223372036854775808 "/ by zero" -9223372036709301616 2.5 -9223372036854775808 "long overflow"
            (#app.Point{:x 1, :y 3} #app.Point{:x 2, :y 4}) (#app.Point{:x 1, :y nil}) #app.Point{:x 5, :y 6}

            """, printed);
    }

    [Fact]
    public async Task Newline_flush_string_statics_integer_on_bigints_and_floats_print_as_Java_prints_them()
    {
        var printed = await RunProgramAsync("""
            (ns app)
            (defn -main []
              (print "a") (newline) (flush)
              (prn (String/valueOf 12) (String/valueOf (char-array "ab")) (String/join "," ["a" "b"]) (String/join "-" (list "x" "y")))
              (prn (integer? 2N) (int? 2N) (even? 2N) (integer? 1.0))
              (prn (float 0.1) (float 1/3) (float 2) (float -0.5) (float 3.14159265) (try (float 1e40) (catch IllegalArgumentException e (.getMessage e))) (try (float ##-Inf) (catch IllegalArgumentException e (.getMessage e))) (float ##NaN)))
            """);
        Assert.Equal("""
            a
            "12" "ab" "a,b" "x-y"
            true false true false
            0.1 0.33333334 2.0 -0.5 3.1415927 "Value out of range for float: 1.0E40" "Value out of range for float: -Infinity" ##NaN

            """, printed);
    }

    [Fact]
    public async Task An_ordinary_program_of_protocols_multimethods_transducers_sets_format_and_destructuring_prints_as_Clojure_does()
    {
        var printed = await RunProgramAsync("""
            (ns app (:require [clojure.set :as set] [clojure.string :as str]))
            (defprotocol Shape (area [s]) (perimeter [s]))
            (defrecord Rect [w h] Shape (area [_] (* w h)) (perimeter [_] (* 2 (+ w h))))
            (defrecord Circle [r] Shape (area [_] (* Math/PI r r)) (perimeter [_] (* 2 Math/PI r)))
            (defmulti speak :kind)
            (defmethod speak :dog [_] "woof")
            (defmethod speak :default [a] (str "? " (:kind a)))
            (defn -main []
              (prn (map area [(->Rect 2 3) (->Circle 1)]) (perimeter (->Rect 1 1)) (satisfies? Shape (->Rect 1 1)))
              (prn (speak {:kind :dog}) (speak {:kind :cat}))
              (prn (into [] (comp (map inc) (filter odd?)) (range 10)) (transduce (map #(* % %)) + (range 5)) (sequence (comp (take 3) (map str)) (range)))
              (prn (eduction (map inc) [1 2]) (into #{} cat [[1 2] [2 3]]) (reduce (fn [a x] (if (> a 10) (reduced a) (+ a x))) (range)))
              (prn (update-vals {:a 1 :b 2} inc) (update-keys {:a 1} name) (parse-long "42") (parse-double "1.5") (parse-boolean "true") (abs -3))
              (prn (partition 3 2 [:pad] (range 6)) (keep #(when (odd? %) (* % %)) (range 6)) (mapv inc [1 2]) (filterv even? [1 2 4]) (remove nil? [1 nil 2]))
              (prn (sort-by (juxt :a :b) [{:a 2 :b 1} {:a 1 :b 2} {:a 1 :b 1}]) (group-by count ["a" "bb" "c"]) (frequencies [1 1 2]))
              (prn (set/intersection #{1 2 3} #{2 3 4}) (set/select odd? #{1 2 3}) (set/rename-keys {:a 1} {:a :b}) (set/subset? #{1} #{1 2}) (set/join #{{:a 1 :b 2}} #{{:a 1 :c 3}}))
              (prn (str/join ", " (for [[k v] (sorted-map :b 2 :a 1)] (str (name k) "=" v))) (format "%-5s|%5s|" "ab" "cd") (format "%08.3f" 3.14159) (format "%+d %c %b %%" 5 \x true))
              (prn (loop [[x & xs] [1 2 3] acc 0] (if x (recur xs (+ acc x)) acc)) (let [{:keys [a b] :or {b 9} :as m} {:a 1}] [a b m]) (let [{[x y] :pt} {:pt [1 2]}] [x y]))
              (prn (case 5 (1 2 3) :low (4 5 6) :mid :high) (condp some [1 2] #{2} :>> inc :none) (cond (< 1 0) :a :else :b))
              (prn (ex-message (try (throw (ex-info "bad" {:x 1})) (catch Exception e e))) (try (assert (= 1 2) "nope") (catch AssertionError e (.getMessage e))))
              (prn (let [x (atom {})] (swap! x assoc-in [:a :b] 1) (swap! x update-in [:a :b] inc) @x) (let [d (delay (+ 1 2))] [(realized? d) @d (realized? d)]))
              (prn (seq {}) (empty [1 2]) (not-empty []) (into (sorted-map) {:b 1 :a 2}) (vec (range 3)) (list* 1 2 [3 4]) (conj [1] 2 3) (conj '(1) 2 3) (cons 0 [1]))
              nil)
            """);
        Assert.Equal("""
            (6 3.141592653589793) 4 true
            "woof" "? :cat"
            [1 3 5 7 9] 30 ("0" "1" "2")
            (2 3) #{1 3 2} 15
            {:a 2, :b 3} {"a" 1} 42 1.5 true 3
            ((0 1 2) (2 3 4) (4 5 :pad)) (1 9 25) [2 3] [2 4] (1 2)
            ({:a 1, :b 1} {:a 1, :b 2} {:a 2, :b 1}) {1 ["a" "c"], 2 ["bb"]} {1 2, 2 1}
            #{3 2} #{1 3} {:b 1} true #{{:a 1, :b 2, :c 3}}
            "a=1, b=2" "ab   |   cd|" "0003.142" "+5 x true %"
            6 [1 9 {:a 1}] [1 2]
            :mid 3 :b
            "bad" "Assert failed: nope\n(= 1 2)"
            {:a {:b 2}} [false 3 true]
            nil [] nil {:a 2, :b 1} [0 1 2] (1 2 3 4) [1 2 3] (3 2 1) (0 1)

            """, printed);
    }

    [Fact]
    public async Task Assert_messages_carry_the_test_and_clojure_set_join_and_rename_work_as_in_Clojure()
    {
        var printed = await RunProgramAsync("""
            (ns app (:require [clojure.set :as set]))
            (defn -main []
              (prn (try (assert (= 1 2)) (catch AssertionError e (.getMessage e))) (try (assert (odd? 2) "nope") (catch AssertionError e (.getMessage e))) (set/join #{{:a 1 :b 2}} #{{:a 1 :c 3}}) (set/join #{{:a 1 :b 2} {:a 2 :b 3}} #{{:x 1 :c 3}} {:a :x}) (set/rename #{{:a 1}} {:a :z}) (set/join #{} #{{:a 1}})))
            """);
        Assert.Equal("""
            "Assert failed: (= 1 2)" "Assert failed: nope\n(odd? 2)" #{{:a 1, :b 2, :c 3}} #{{:x 1, :c 3, :a 1, :b 2}} #{{:z 1}} #{}

            """, printed);
    }

    [Fact]
    public async Task Binding_rebinds_defs_for_the_extent_of_its_body_as_Clojures_dynamic_vars_do()
    {
        var printed = await RunProgramAsync("""
            (ns app)
            (def ^:dynamic *depth* 0)
            (def ^:dynamic *out-prefix* "> ")
            (defn show [x] (str *out-prefix* x " at " *depth*))
            (defn walk [n] (if (zero? n) [(show "leaf")] (binding [*depth* (inc *depth*)] (conj (walk (dec n)) (show n)))))
            (defn -main []
              (prn (binding [*depth* 5] *depth*) *depth*)
              (prn (walk 2))
              (prn (binding [*out-prefix* "# " *depth* 9] (show "x")) (show "y"))
              (prn (try (binding [*depth* 1] (throw (ex-info "e" {}))) (catch Exception e *depth*)))
              (prn (binding [*depth* 3] (map (fn [_] *depth*) [1 2]))))
            """);
        Assert.Equal("""
            5 0
            ["> leaf at 2" "> 1 at 2" "> 2 at 1"]
            "# x at 9" "> y at 0"
            0
            (0 0)

            """, printed);
    }

    [Fact]
    public async Task A_try_around_a_built_in_catches_what_its_callback_throws()
    {
        var printed = await RunProgramAsync("""
            (ns app)
            (defn -main []
              (prn (try (swap! (atom 0) (fn [_] (throw (ex-info "e" {})))) (catch Exception e :c1)))
              (prn (try (sort-by (fn [_] (throw (ex-info "e" {}))) [1 2]) (catch Exception e :c2)))
              (prn (try (mapv (fn [x] (throw (ex-info "e" {}))) [1]) (catch Exception e :c3))))
            """);
        Assert.Equal("""
            :c1
            :c2
            :c3

            """, printed);
    }

    [Fact]
    public async Task Sequential_destructuring_without_rest_still_needs_nth()
    {
        using var t = TestDb.InMemory();
        var ns = (await t.LoadAsync("(ns app) (defn -main [] (let [[a b] #{1 2}] a))", "app.clj")).Namespace;
        using var vm = await t.VmAsync();
        var result = vm.Run(ns + "/-main", [], new RunOptions());
        Assert.Equal(RunStatus.Failed, result.Status);
        Assert.Contains("nth", result.ToString(), StringComparison.Ordinal);
    }

    // ---- top-level expressions ----

    private const string TopLevel = """
        (ns app)
        (def counter (atom 0))
        (println "loading" @counter)
        (swap! counter inc)
        (when (pos? @counter) (println "positive"))
        (defn -main [] (println "main sees" @counter))
        """;

    [Fact]
    public async Task Top_level_expressions_run_in_order_when_a_run_of_their_namespace_starts()
    {
        // clojure: loading 0 / positive / main sees 1
        Assert.Equal("loading 0\npositive\nmain sees 1\n", await RunProgramAsync(TopLevel));
    }

    [Fact]
    public async Task Top_level_expressions_are_stored_as_written_and_load_back_to_the_same_datoms()
    {
        using var t = TestDb.InMemory();
        var first = await t.LoadAsync(TopLevel, "app.clj");
        Assert.Contains("app/(top-level 1)", first.Changed);
        var printed = AstPrinter.Print(t.Db.Current(), "app");
        Assert.Contains("(swap! counter inc)", printed, StringComparison.Ordinal);
        Assert.Contains("(when (pos? @counter) (println \"positive\"))", printed, StringComparison.Ordinal);
        var again = await t.LoadAsync(printed, "app.clj");
        Assert.False(again.Transacted, string.Join(", ", again.Changed));
    }

    [Fact]
    public void Top_level_expressions_analyzed_without_their_text_print_as_expressions_and_read_back()
    {
        // As the fuzz test does (FuzzTests' seed 12916438933782257670,5773166412837040117 found it).
        const string Source = "(ns fuzz)\n(def x 1)\n(+ 1 x)\n";
        var unit = Analyzer.Analyze(SourceReader.Read(Source, "fuzz.clj"), "fuzz.clj", EmptyCatalog.Instance);
        var printed = AstPrinter.Print(new MemoryDatomView(unit.Nodes), "fuzz");
        Assert.Equal(Source, printed);
        var again = Analyzer.Analyze(SourceReader.Read(printed, "fuzz.clj"), "fuzz.clj", EmptyCatalog.Instance);
        Assert.Equal(unit.Nodes.Select(n => n.Key).Order(StringComparer.Ordinal), again.Nodes.Select(n => n.Key).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_run_starts_with_the_top_level_expressions_of_the_namespaces_it_requires()
    {
        using var t = TestDb.InMemory();
        await t.LoadAsync("""
            (ns lib)
            (println "loading lib")
            (defmulti speak :kind)
            (defmethod speak :dog [_] "woof")
            """, "lib.clj");
        await t.LoadAsync("""
            (ns app (:require [lib :refer [speak]]))
            (println "loading app")
            (defmethod lib/speak :cat [_] "meow")
            (defn -main [] (println (speak {:kind :dog}) (speak {:kind :cat})))
            """, "app.clj");
        using var vm = await t.VmAsync();
        var output = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        var result = vm.Run("app/-main", [], new RunOptions { Output = output });
        Assert.Equal(RunStatus.Finished, result.Status);
        // clojure (require 'app) then (app/-main): loading lib / loading app / woof meow
        Assert.Equal("loading lib\nloading app\nwoof meow\n", output.ToString());
    }

    // ---- multimethods ----

    private const string Multimethods = """
        (ns app)
        (defmulti area :shape)
        (defmethod area :square [{:keys [s]}] (* s s))
        (defmethod area :circle [{:keys [r]}] (* 3 r r))
        (defmulti cls class)
        (defmethod cls clojure.lang.PersistentVector [x] :vec)
        (defmethod cls String [x] :str)
        (defmethod cls Long [x] :long)
        (defmulti two (fn [a b] [(class a) (class b)]))
        (defmethod two [Long String] [a b] :ls)
        (defmulti greet (fn [x] x) :default :other)
        (defmethod greet :other [x] (str "other " x))
        (defn -main []
          (prn (area {:shape :square :s 4}))
          (prn (try (area {:shape :tri}) (catch IllegalArgumentException e (.getMessage e))))
          (defmethod area :default [_] :none)
          (prn (area {:shape :tri}))
          (prn (sort (keys (methods area))))
          (remove-method area :circle)
          (prn (sort (keys (methods area))))
          (prn (area {:shape :circle :r 1}))
          (prn (cls [1]) (cls "a") (cls 1))
          (prn (class [1]) (class '(1)) (class "a") (class 1) (class :a) (class {}))
          (prn (two 1 "x"))
          (prn (fn? area) (ifn? area))
          (prn (greet 5)))
        """;

    [Fact]
    public async Task Multimethods_dispatch_on_values_classes_and_defaults()
    {
        // clojure prints each line below for the same program.
        Assert.Equal("""
            16
            "No method in multimethod 'area' for dispatch value: :tri"
            :none
            (:circle :default :square)
            (:default :square)
            :none
            :vec :str :long
            clojure.lang.PersistentVector clojure.lang.PersistentList java.lang.String java.lang.Long clojure.lang.Keyword clojure.lang.PersistentArrayMap
            :ls
            false true
            "other 5"

            """, await RunProgramAsync(Multimethods));
    }

    // ---- user macros ----

    private const string Macros = """
        (ns app)
        (defn twice-fn [x] (* 2 x))
        (defmacro unless [test & body] `(if ~test nil (do ~@body)))
        (defmacro my-and
          ([] true)
          ([x] x)
          ([x & more] `(let [and# ~x] (if and# (my-and ~@more) and#))))
        (defmacro infix [[a op b]] (list op a b))
        (defmacro doubled [x] `(twice-fn ~x))
        (defmacro defconst [name v] `(def ~name ~v))
        (defconst answer 42)
        (defmacro make-adder [n] (let [x (gensym "x")] `(fn [~x] (+ ~x ~n))))
        (defmacro form-size [& _] (count &form))
        (defmacro locals [] (vec (sort (map str (keys &env)))))
        (defmacro square-all [& xs] `[~@(map (fn [x] `(* ~x ~x)) xs)])
        (defn -main []
          (prn (unless false 1 2))
          (prn (unless true 1 2))
          (prn (my-and 1 2 3) (my-and 1 nil 3) (my-and))
          (prn (infix (9 + 1)))
          (prn (doubled 21))
          (prn answer)
          (prn ((make-adder 5) 10))
          (prn (form-size a b c))
          (prn (let [p 1 q 2] (locals)))
          (prn (square-all 1 2 3))
          (prn (macroexpand-1 '(unless x y)))
          (prn (macroexpand '(infix (1 * 2))))
          (prn (macroexpand-1 '(doubled 3))))
        """;

    [Fact]
    public async Task Defmacro_with_syntax_quote_unquote_splicing_gensyms_form_and_env()
    {
        // clojure prints each line below for the same program.
        Assert.Equal("""
            2
            nil
            3 nil true
            10
            42
            42
            15
            4
            ["p" "q"]
            [1 4 9]
            (if x nil (do y))
            (* 1 2)
            (app/twice-fn 3)

            """, await RunProgramAsync(Macros));
    }

    [Fact]
    public async Task A_macro_is_stored_as_its_function_and_call_sites_as_their_expansion_with_the_text_as_written()
    {
        using var t = TestDb.InMemory();
        await t.LoadAsync(Macros, "app.clj");
        var view = t.Db.Current();
        var printed = AstPrinter.Print(view, "app");
        Assert.Contains("(defmacro unless [test & body] `(if ~test nil (do ~@body)))", printed, StringComparison.Ordinal);
        Assert.Contains("(prn (unless false 1 2))", printed, StringComparison.Ordinal);
        Assert.Contains("(defconst answer 42)", printed, StringComparison.Ordinal);
        // The expansion of (doubled 21) is a call of twice-fn: the essay's query sees through the macro.
        var calls = DatalogQuery.Parse("""
            [:find ?line :where [?f :fn/name "twice-fn"] [?c :ast/function ?f] [?c :ast/type :ast.type/call] [?c :ast/line ?line]]
            """).Run(view);
        // (doubled 21) at line 21 is the only call: the defmacro's body builds it as data, and the macroexpand-1 at 27 is quoted data.
        Assert.Equal(21L, (long)Assert.Single(calls.Rows)[0]!);
        // Every call site of a macro names it.
        var uses = DatalogQuery.Parse("""
            [:find ?c :where [?m :fn/name "unless"] [?m :fn/macro true] [?c :ast/macro ?m]]
            """).Run(view);
        Assert.Equal(2, uses.Rows.Count);
        var again = await t.LoadAsync(printed, "app.clj");
        Assert.False(again.Transacted, string.Join(", ", again.Changed));
    }

    [Fact]
    public async Task A_macro_of_another_namespace_expands_through_refer_and_alias_and_its_edit_reaches_callers_on_their_next_load()
    {
        using var t = TestDb.InMemory();
        await t.LoadAsync("""
            (ns lib)
            (defn helper [x] (str "<" x ">"))
            (defmacro wrap [x] `(helper ~x))
            """, "lib.clj");
        const string App = """
            (ns app (:require [lib :as l :refer [wrap]]))
            (defn -main [] (println (wrap 1) (l/wrap 2)))
            """;
        await t.LoadAsync(App, "app.clj");
        using (var vm = await t.VmAsync())
        {
            var output = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
            vm.Run("app/-main", [], new RunOptions { Output = output });
            Assert.Equal("<1> <2>\n", output.ToString());
        }

        // The macro changes: callers keep their expansion until their namespace is loaded again.
        await t.LoadAsync("""
            (ns lib)
            (defn helper [x] (str "<" x ">"))
            (defmacro wrap [x] `(helper (* 10 ~x)))
            """, "lib.clj");
        var reload = await t.LoadAsync(App, "app.clj");
        Assert.Equal(["app/-main"], reload.Changed);
        using var vm2 = await t.VmAsync();
        var output2 = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        vm2.Run("app/-main", [], new RunOptions { Output = output2 });
        Assert.Equal("<10> <20>\n", output2.ToString());
    }

    [Theory]
    [InlineData("(defmacro forever [] `(forever))", "(forever)", "depth")]
    [InlineData("(defmacro spin [] (loop [] (recur)))", "(spin)", "fuel")]
    [InlineData("(defmacro hog [] (vec (range 100000000)))", "(hog)", "memory")]
    [InlineData("(defmacro wide [] (vec (range 30000)))", "(wide)", "size")]
    [InlineData("(defmacro deep [n] (reduce (fn [acc _] (list acc)) 1 (range n)))", "(deep 2000)", "size")]
    public async Task A_runaway_macro_expansion_stops_with_the_limit_named(string macro, string call, string limit)
    {
        using var t = TestDb.InMemory();
        var e = await Assert.ThrowsAsync<CodeException>(() => t.LoadAsync($"(ns app)\n{macro}\n(defn -main [] {call})\n", "app.clj"));
        Assert.True(e.Message.Contains($"limit/{limit}", StringComparison.Ordinal), e.Message);
        Assert.Equal(3, e.Line);
    }

    [Fact]
    public async Task A_macro_used_before_its_defmacro_or_as_a_value_is_an_error_at_its_line()
    {
        using var t = TestDb.InMemory();
        var before = await Assert.ThrowsAsync<CodeException>(() => t.LoadAsync("(ns app)\n(defn -main [] (m))\n(defmacro m [] 1)\n", "app.clj"));
        Assert.Contains("used before its defmacro", before.Message, StringComparison.Ordinal);
        var value = await Assert.ThrowsAsync<CodeException>(() => t.LoadAsync("(ns app)\n(defmacro m [] 1)\n(defn -main [] (map m [1]))\n", "app.clj"));
        Assert.Contains("can't take the value of a macro", value.Message, StringComparison.Ordinal);
        Assert.Equal(3, value.Line);
    }

    // ---- metadata ----

    [Fact]
    public async Task Metadata_rides_on_collections_symbols_and_functions_and_equality_ignores_it()
    {
        const string Program = """
            (ns app)
            (def giants (with-meta 'Giants {:league "National League"}))
            (defn -main []
              (prn (meta giants) (meta 'Giants))
              (prn (try (with-meta 2 {:prime true}) (catch ClassCastException e "no IObj")))
              (prn (meta (with-meta [1 2] {:a 1})) (= [1 2] (with-meta [1 2] {:a 1})))
              (prn (meta ^{:b 2} [3]) (meta ^:k {:x 1}) (meta [3]))
              (let [g (with-meta 'Giants {:n (atom 7)})]
                (swap! (:n (meta g)) inc)
                (prn @(:n (meta g))))
              (prn (meta (vary-meta giants assoc :park "Oracle Park")))
              (prn (vary-meta giants dissoc :league) (pr-str (vary-meta giants dissoc :league)))
              (prn (meta (with-meta (fn [] 1) {:f true})) ((with-meta (fn [] 1) {:f true})))
              (prn (meta (with-meta {:a 1} nil))))
            """;
        // clojure prints each line below for the same program.
        Assert.Equal("""
            {:league "National League"} nil
            "no IObj"
            {:a 1} true
            {:b 2} {:k true} nil
            8
            {:league "National League", :park "Oracle Park"}
            Giants "Giants"
            {:f true} 1
            nil

            """, await RunProgramAsync(Program));
    }

    // ---- protocols and types ----

    private const string Protocols = """
        (ns app)
        (defprotocol Shape
          "Things with an area."
          (area [this])
          (scale [this k] "Scales it."))
        (defrecord Square [s]
          Shape
          (area [_] (* s s))
          (scale [this k] (->Square (* s k))))
        (defrecord Circle [r])
        (extend-type Circle
          Shape
          (area [c] (* 3 (:r c) (:r c)))
          (scale [c k] (Circle. (* k (:r c)))))
        (defprotocol Describe (describe [x]))
        (extend-protocol Describe
          nil (describe [_] "nothing")
          String (describe [s] (str "string " s))
          Number (describe [n] (str "number " n))
          clojure.lang.IPersistentVector (describe [v] (str "vector of " (count v)))
          Object (describe [o] "something"))
        (defn -main []
          (prn (area (->Square 3)) (area (scale (Square. 2) 3)))
          (prn (area (Circle. 2)) (:r (scale (->Circle 1) 5)))
          (prn (.s (Square. 7)))
          (prn (map describe [nil "a" 1 2.5 [1 2] :k]))
          (let [n 10
                r (reify Shape (area [_] n) (scale [this k] this))]
            (prn (area r) (= r (scale r 2))))
          (prn (satisfies? Shape (Square. 1)) (satisfies? Shape "x"))
          (prn (try (area "x") (catch IllegalArgumentException e (.getMessage e)))))
        """;

    [Fact]
    public async Task Protocols_dispatch_on_records_classes_nil_and_reify()
    {
        // clojure prints each line below for the same program.
        Assert.Equal("""
            9 36
            12 5
            7
            ("nothing" "string a" "number 1" "number 2.5" "vector of 2" "something")
            10 true
            true false
            "No implementation of method: :area of protocol: #'app/Shape found for class: java.lang.String"

            """, await RunProgramAsync(Protocols));
    }

    [Fact]
    public async Task A_defprotocol_and_a_record_with_protocol_bodies_print_once_as_written_and_load_back()
    {
        using var t = TestDb.InMemory();
        await t.LoadAsync(Protocols, "app.clj");
        var printed = AstPrinter.Print(t.Db.Current(), "app");
        Assert.Equal(1, printed.Split("(defprotocol Shape").Length - 1);
        Assert.Equal(1, printed.Split("(defrecord Square [s]").Length - 1);
        Assert.Contains("  (scale [this k] (->Square (* s k))))", printed, StringComparison.Ordinal);
        var again = await t.LoadAsync(printed, "app.clj");
        Assert.False(again.Transacted, string.Join(", ", again.Changed) + "\n" + printed);
    }

    // ---- regex matchers ----

    [Fact]
    public async Task Re_matcher_finds_successive_matches_and_re_groups_gives_the_last()
    {
        const string Program = """
            (ns app)
            (defn -main []
              (let [m (re-matcher #"(\d+)-(\d+)" "a 10-20 b 3-4 c")]
                (prn (re-find m))
                (prn (re-groups m))
                (prn (re-find m))
                (prn (re-find m))
                (prn (try (re-groups m) (catch IllegalStateException e (.getMessage e)))))
              (let [m (re-matcher #"\w+" "hi there")]
                (prn (re-find m) (re-find m) (re-find m)))
              (let [m (re-matcher #"x" "abc")]
                (prn (try (re-groups m) (catch IllegalStateException e (.getMessage e))))))
            """;
        // clojure prints each line below for the same program.
        Assert.Equal("""
            ["10-20" "10" "20"]
            ["10-20" "10" "20"]
            ["3-4" "3" "4"]
            nil
            "No match found"
            "hi" "there" nil
            "No match found"

            """, await RunProgramAsync(Program));
    }

    [Fact]
    public async Task Deftype_instances_have_fields_and_protocol_bodies_but_are_not_maps()
    {
        const string Program = """
            (ns app)
            (defprotocol Award (present [this recipient]))
            (deftype Pulitzer [prize])
            (deftype Razzie [category]
              Award
              (present [this recipient] (str "You're really the " (.category this) ", " recipient "... sorry.")))
            (defn -main []
              (prn (.prize (Pulitzer. "literature")))
              (prn (:prize (Pulitzer. "poetry")))
              (prn (map map? [(Pulitzer. "music") {}]))
              (prn (present (Razzie. "Worst Picture") "Final Destination 5")))
            """;
        // clojure prints each line below for the same program.
        Assert.Equal("""
            "literature"
            nil
            (false true)
            "You're really the Worst Picture, Final Destination 5... sorry."

            """, await RunProgramAsync(Program));
    }

    [Fact]
    public async Task Editing_one_definition_that_uses_a_macro_of_its_namespace_expands_it_with_the_stored_macro()
    {
        using var t = TestDb.InMemory();
        await t.LoadAsync("""
            (ns app)
            (defmacro unless [test & body] `(if ~test nil (do ~@body)))
            (defn -main [] (println (unless false :a)))
            """, "app.clj");
        var edit = await t.Loader.LoadDefinitionAsync("(defn -main [] (println (unless false :b)))", "app/-main");
        Assert.Equal(["app/-main"], edit.Changed);
        using var vm = await t.VmAsync();
        var output = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        vm.Run("app/-main", [], new RunOptions { Output = output });
        Assert.Equal(":b\n", output.ToString());
    }
}

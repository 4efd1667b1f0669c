using Datom.Vm;
using Datom.Vm.Reading;
using Datom.Vm.Tests.Support;
using Xunit;

namespace Datom.Vm.Tests;

/// <summary>
/// Printing, regexes, clojure.string, clojure.math, bit operations, conversions, format and the
/// interop allow-list. Every expected text is JVM Clojure 1.11.1's <c>(pr-str expr)</c> for the same
/// expression (with <c>(require 'clojure.math)</c>), recorded by running Debian's clojure package.
/// </summary>
public class ClojureLeafTests
{
    [Theory]
    [InlineData("""
            (str 1.0 " " 1e20 " " 0.1 " " 1e-5 " " 100.0 " " 1e7 " " 1234567.0 " " 12345678.9 " " -0.0 " " 0.001 " " 1.0E-4)
            """, """
            "1.0 1.0E20 0.1 1.0E-5 100.0 1.0E7 1234567.0 1.23456789E7 -0.0 0.001 1.0E-4"
            """)]
    [InlineData("[1.0 1e20 0.1 1e-5 (/ 1.0 3) 123456789012.0 5e-324 1.7976931348623157E308 ##Inf ##-Inf]", "[1.0 1.0E20 0.1 1.0E-5 0.3333333333333333 1.23456789012E11 4.9E-324 1.7976931348623157E308 ##Inf ##-Inf]")]
    [InlineData("(pr-str ##NaN)", """
            "##NaN"
            """)]
    [InlineData("""
            (str ["a" \b nil :k 'sym 1.5])
            """, """
            "[\"a\" \\b nil :k sym 1.5]"
            """)]
    [InlineData("(str nil)", """
            ""
            """)]
    [InlineData("""
            (str \a)
            """, """
            "a"
            """)]
    [InlineData("""
            (pr-str \a \newline \space \tab)
            """, """
            "\\a \\newline \\space \\tab"
            """)]
    [InlineData("""
            (pr-str "a\nb\t\"q\"\\")
            """, """
            "\"a\\nb\\t\\\"q\\\"\\\\\""
            """)]
    [InlineData("""
            (pr-str #"a+b")
            """, """
            "#\"a+b\""
            """)]
    [InlineData("""
            (str #"a+b")
            """, """
            "a+b"
            """)]
    [InlineData("""
            (re-find #"\d+" "abc123def456")
            """, """
            "123"
            """)]
    [InlineData("""
            (re-find #"(\w)(\d)?" "x")
            """, """
            ["x" "x" nil]
            """)]
    [InlineData("""
            (re-matches #"(\d+)-(\d+)" "12-34")
            """, """
            ["12-34" "12" "34"]
            """)]
    [InlineData("""
            (re-matches #"\d+" "12a")
            """, "nil")]
    [InlineData("""
            (re-seq #"\d" "a1b2c3")
            """, """
            ("1" "2" "3")
            """)]
    [InlineData("""
            (re-seq #"z" "abc")
            """, "nil")]
    [InlineData("""
            (re-seq #"(a)(b)?" "a ab")
            """, """
            (["a" "a" nil] ["ab" "a" "b"])
            """)]
    [InlineData("""
            (clojure.string/split "a,b,,c,," #",")
            """, """
            ["a" "b" "" "c"]
            """)]
    [InlineData("""
            (clojure.string/split "a1b2c" #"\d" 2)
            """, """
            ["a" "b2c"]
            """)]
    [InlineData("""
            (clojure.string/split "abc" #"")
            """, """
            ["a" "b" "c"]
            """)]
    [InlineData("""
            (clojure.string/split "" #",")
            """, """
            [""]
            """)]
    [InlineData("""
            (clojure.string/split " a  b " #"\s+")
            """, """
            ["" "a" "b"]
            """)]
    [InlineData("""
            (clojure.string/split-lines "a\nb\r\nc\n")
            """, """
            ["a" "b" "c"]
            """)]
    [InlineData("""
            (clojure.string/replace "hello world" #"o" "0")
            """, """
            "hell0 w0rld"
            """)]
    [InlineData("""
            (clojure.string/replace "2024-01-15" #"(\d+)-(\d+)-(\d+)" "$3/$2/$1")
            """, """
            "15/01/2024"
            """)]
    [InlineData("""
            (clojure.string/replace "a.b.c" "." "-")
            """, """
            "a-b-c"
            """)]
    [InlineData("""
            (clojure.string/replace "abc" \b \x)
            """, """
            "axc"
            """)]
    [InlineData("""
            (clojure.string/replace-first "aaa" #"a" "b")
            """, """
            "baa"
            """)]
    [InlineData("""
            (clojure.string/replace-first "a.b.c" "." "-")
            """, """
            "a-b.c"
            """)]
    [InlineData("""
            (clojure.string/replace "cost" #"o" "\\$")
            """, """
            "c$st"
            """)]
    [InlineData("""
            (clojure.string/join ", " [1 "a" \c nil])
            """, """
            "1, a, c, "
            """)]
    [InlineData("(clojure.string/join [1 2 3])", """
            "123"
            """)]
    [InlineData("""
            (clojure.string/capitalize "hELLO")
            """, """
            "Hello"
            """)]
    [InlineData("""
            (clojure.string/upper-case "abc")
            """, """
            "ABC"
            """)]
    [InlineData("""
            (clojure.string/trim "  a b  ")
            """, """
            "a b"
            """)]
    [InlineData("""
            (clojure.string/triml "  a ")
            """, """
            "a "
            """)]
    [InlineData("""
            (clojure.string/trimr "  a ")
            """, """
            "  a"
            """)]
    [InlineData("""
            (clojure.string/trim-newline "abc\r\n\n")
            """, """
            "abc"
            """)]
    [InlineData("""
            (clojure.string/blank? "  \t")
            """, "true")]
    [InlineData("(clojure.string/blank? nil)", "true")]
    [InlineData("""
            (clojure.string/reverse "hello")
            """, """
            "olleh"
            """)]
    [InlineData("""
            (clojure.string/index-of "hello" "l")
            """, "2")]
    [InlineData("""
            (clojure.string/last-index-of "hello" "l")
            """, "3")]
    [InlineData("""
            (clojure.string/index-of "hello" \z)
            """, "nil")]
    [InlineData("""
            (clojure.string/index-of "hello" "l" 3)
            """, "3")]
    [InlineData("""
            (clojure.string/escape "a<b>&" {\< "&lt;" \> "&gt;"})
            """, """
            "a&lt;b&gt;&"
            """)]
    [InlineData("""
            (clojure.string/starts-with? "hello" "he")
            """, "true")]
    [InlineData("""
            (clojure.string/includes? "hello" "ll")
            """, "true")]
    [InlineData("(clojure.math/sqrt 16)", "4.0")]
    [InlineData("(clojure.math/pow 2 10)", "1024.0")]
    [InlineData("(clojure.math/floor 2.7)", "2.0")]
    [InlineData("(clojure.math/ceil 2.1)", "3.0")]
    [InlineData("(clojure.math/round 2.5)", "3")]
    [InlineData("(clojure.math/round -2.5)", "-2")]
    [InlineData("(clojure.math/floor-div -7 2)", "-4")]
    [InlineData("(clojure.math/floor-mod -7 2)", "1")]
    [InlineData("(clojure.math/signum -3.0)", "-1.0")]
    [InlineData("(clojure.math/atan2 1 1)", "0.7853981633974483")]
    [InlineData("(clojure.math/log10 1000)", "3.0")]
    [InlineData("clojure.math/PI", "3.141592653589793")]
    [InlineData("[(bit-and 12 10) (bit-or 12 10) (bit-xor 12 10) (bit-not 5) (bit-shift-left 1 10) (bit-shift-right 1024 3) (unsigned-bit-shift-right -1 60) (bit-test 5 2) (bit-set 0 3) (bit-clear 15 0) (bit-flip 1 1) (bit-and-not 15 3)]", "[8 14 6 -6 1024 128 15 true 8 14 3 12]")]
    [InlineData("""
            [(char 97) (int \a) (int 3.9) (long -3.9) (double 3) (short 7) (byte -1) (num 5)]
            """, """
            [\a 97 3 -3 3.0 7 -1 5]
            """)]
    [InlineData("""
            [(char? \a) (char? "a") (int? 1) (int? 1.0) (double? 1.0) (string? "a") (number? 1.5) (ratio? 1)]
            """, "[true false true false true true true false]")]
    [InlineData("""
            (format "%s-%d-%.2f-%5d|%-5d|%05d" "a" 42 3.14159 7 7 7)
            """, """
            "a-42-3.14-    7|7    |00007"
            """)]
    [InlineData("""
            (format "%x %X %o %e %c %b %% %s" 255 255 8 12345.678 \z true nil)
            """, """
            "ff FF 10 1.234568e+04 z true % null"
            """)]
    [InlineData("""
            (format "%,d %+d %(d % d" 1234567 5 -5 5)
            """, """
            "1,234,567 +5 (5)  5"
            """)]
    [InlineData("""
            (format "%.3e %10.3f %-8s|" 0.000123 3.14159 "ab")
            """, """
            "1.230e-04      3.142 ab      |"
            """)]
    [InlineData("""
            (format "%2$s %1$s" "a" "b")
            """, """
            "b a"
            """)]
    [InlineData("""
            (format "%g %g" 123.456 0.0000123)
            """, """
            "123.456 1.23000e-05"
            """)]
    [InlineData("""
            (Character/isDigit \5)
            """, "true")]
    [InlineData("""
            [(Character/isLetter \a) (Character/isWhitespace \space) (Character/isUpperCase \A) (Character/isLowerCase \A) (Character/isLetterOrDigit \_) (Character/toUpperCase \a) (Character/getNumericValue \7) (Character/digit \f 16)]
            """, """
            [true true true false false \A 7 15]
            """)]
    [InlineData("""
            [(Integer/parseInt "42") (Integer/parseInt "-ff" 16) (Long/parseLong "123456789012") (Double/parseDouble "3.5") Integer/MAX_VALUE Long/MIN_VALUE]
            """, "[42 -255 123456789012 3.5 2147483647 -9223372036854775808]")]
    [InlineData("[(Math/abs -5) (Math/abs -5.5) (Math/sqrt 2) (Math/pow 2 3) (Math/floor 2.5) (Math/round 2.5) (Math/max 1 2) (Math/min 1.0 2.0) Math/PI Math/E]", "[5 5.5 1.4142135623730951 8.0 2.0 3 2 1.0 3.141592653589793 2.718281828459045]")]
    [InlineData("""
            [(.length "hello") (.toUpperCase "abc") (.indexOf "hello" "l") (.indexOf "hello" "z") (.substring "hello" 1 3) (.substring "hello" 2) (.startsWith "hello" "he") (.charAt "hello" 1) (.trim "  x ") (.compareTo "apple" "banana") (.equals "a" "a") (.isEmpty "") (.contains "abc" "b")]
            """, """
            [5 "ABC" 2 -1 "el" "llo" true \e "x" -1 true true true]
            """)]
    [InlineData("""
            (vec (.split "a,b,,c" ","))
            """, """
            ["a" "b" "" "c"]
            """)]
    [InlineData("""
            (.replace "aXbX" "X" "-")
            """, """
            "a-b-"
            """)]
    [InlineData("""
            (vec (.toCharArray "abc"))
            """, """
            [\a \b \c]
            """)]
    [InlineData("""
            (.hashCode "hello")
            """, "99162322")]
    [InlineData("(.toString 42)", """
            "42"
            """)]
    [InlineData("""
            (.getMessage (IllegalArgumentException. "bad"))
            """, """
            "bad"
            """)]
    [InlineData("""
            (.getMessage (Exception. "oops"))
            """, """
            "oops"
            """)]
    [InlineData("""
            (seq "abc")
            """, """
            (\a \b \c)
            """)]
    [InlineData("""
            (first "abc")
            """, """
            \a
            """)]
    [InlineData("(Integer/toBinaryString 10)", """
            "1010"
            """)]
    [InlineData("(Integer/toHexString -1)", """
            "ffffffff"
            """)]
    [InlineData("(Long/toString 255 16)", """
            "ff"
            """)]
    [InlineData("[(/ 1 2) (/ 6 4) (/ 4 2) (/ 1 -2) (+ (/ 1 2) (/ 1 2)) (* (/ 1 2) 2) (+ 1N 1) (- 5N 5) (/ 4N 2) (+ (/ 1 2) 0.5)]", "[1/2 3/2 2 -1/2 1N 1N 2N 0N 2N 1.0]")]
    [InlineData("[(= 1 1N) (= (/ 1 2) 0.5) (== (/ 1 2) 0.5) (< (/ 1 3) 0.34) (= (/ 2 4) (/ 1 2)) (= 1 1.0)]", "[true false true true true false]")]
    [InlineData("[(+' 9223372036854775807 1) (*' 4611686018427387904 4) (inc' 9223372036854775807) (dec' -9223372036854775808) (-' -9223372036854775808 1) (+' 1 2)]", "[9223372036854775808N 18446744073709551616N 9223372036854775808N -9223372036854775809N -9223372036854775809N 3]")]
    [InlineData("[(str 1N) (str (/ 1 2)) (double (/ 1 3)) (long (/ 7 2)) (int 5N) (max 1 2.0) (min (/ 1 2) 1) (compare (/ 1 2) 1)]", """
            ["1" "1/2" 0.3333333333333333 3 5 2.0 1/2 -1]
            """)]
    [InlineData("(vec (sort [3 (/ 1 2) 2.5 1N]))", "[1/2 1N 2.5 3]")]
    [InlineData("[(numerator (/ 6 4)) (denominator (/ 6 4)) (ratio? (/ 1 2)) (rational? 1N) (* 1.0 (/ 1 2)) 12345678901234567890 (bigint 7.9) (rationalize 0.75)]", "[3 2 true true 0.5 12345678901234567890N 7N 3/4]")]
    [InlineData("[(quot 7.5 2) (rem 7.5 2) (mod -7.5 2) (mod 7 2.0) (rem -7 2.0) (quot -7.5 2) (mod 7.5 -2) (mod -6 2.0)]", "[3.0 1.5 0.5 1.0 -1.0 -3.0 -0.5 0.0]")]
    [InlineData("(pr-str (/ 10 4) 2N)", """
            "5/2 2N"
            """)]
    public void Prints_as_JVM_Clojure(string expression, string clojure) => Assert.Equal(clojure, Yin.Expr(expression));

    /// <summary>Whole expressions mixing reader macros, regexes, interop and lang-core's forms; JVM Clojure's answers (user/a is t/a here).</summary>
    [Theory]
    [InlineData("(mapv #(* % 2) [1 2 3])", "[2 4 6]")]
    [InlineData("(let [x 1] `(a ~x ~@[2 3]))", "(t/a 1 2 3)")]
    [InlineData("(try (Integer/parseInt \"x\") (catch NumberFormatException e (.getMessage e)))", "\"For input string: \\\"x\\\"\"")]
    [InlineData("(try (throw (IllegalArgumentException. \"bad\")) (catch IllegalArgumentException e (.getMessage e)))", "\"bad\"")]
    [InlineData("(->> [1 2 3] (mapv inc) (reduce + 0))", "9")]
    [InlineData("(vec (filter #(re-find #\"^a\" %) [\"apple\" \"banana\" \"avocado\"]))", "[\"apple\" \"avocado\"]")]
    [InlineData("(apply str (map #(Character/toUpperCase %) \"abc\"))", "\"ABC\"")]
    [InlineData("(#(+ %1 %2) 1 2)", "3")]
    [InlineData("(#(vector %2 %1) 1 :a)", "[:a 1]")]
    [InlineData("(reduce #(+ %1 (int %2)) 0 \"ab\")", "195")]
    [InlineData("(mapv int \"AZ\")", "[65 90]")]
    [InlineData("(str \\a \\b)", "\"ab\"")]
    [InlineData("(format \"%3d|%-6s|%.1f\" 5 \"x\" 2.25)", "\"  5|x     |2.3\"")]
    [InlineData("(format \"%.2f %.1f %.0f %.3f\" 2.675 0.05 2.5 1.0005)", "\"2.68 0.1 3 1.001\"")]
    [InlineData("(clojure.string/join \",\" (map #(format \"%02d\" %) [1 2 10]))", "\"01,02,10\"")]
    [InlineData("(clojure.string/replace \"a1b22\" #\"\\d+\" (fn [m] (str (* 2 (parse-long m)))))", "\"a2b44\"")]
    [InlineData("(clojure.string/replace \"x-y\" #\"(\\w)-(\\w)\" (fn [[_ a b]] (str b a)))", "\"yx\"")]
    [InlineData("(clojure.string/replace-first \"aaa\" #\"a\" (fn [_] \"b\"))", "\"baa\"")]
    [InlineData("(clojure.string/escape \"ab\" (fn [c] (when (= c \\a) \"A\")))", "\"Ab\"")]
    public void Programs_answer_as_JVM_Clojure(string expression, string clojure) => Assert.Equal(clojure, Yin.Expr(expression));

    [Fact]
    public void Required_aliases_reach_clojure_string()
    {
        using var vm = YinVm.FromSource("(ns t (:require [clojure.string :as str]))\n(defn main [] (str/split \"a-b\" #\"-\"))", "t.clj");
        Assert.Equal("[\"a\" \"b\"]", vm.Run("t/main", [], new RunOptions { Output = TextWriter.Null }).Value);
    }

    [Fact]
    public void A_catastrophic_regex_stops_at_the_named_regex_limit()
    {
        var error = Yin.Fails("(defn main [] (re-matches #\"(a+)+b\" (apply str (mapv (fn [_] \"a\") (range 40)))))");
        Assert.Equal("regex", error.Limit);
        Assert.Contains("(a+)+b", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("(defn main []\n  (re-find #\"(ab\" \"x\"))", 2, "invalid regex #\"(ab\"")]
    [InlineData("(defn main []\n  (System/exit 0))", 2, "System/exit is not in Yin's interop allow-list")]
    [InlineData("(defn main []\n\n  (.getClass \"x\"))", 3, "the method .getClass is not in Yin's interop allow-list")]
    [InlineData("(defn main []\n  (java.io.File. \"/etc/passwd\"))", 2, "the constructor java.io.File. is not in Yin's interop allow-list")]
    [InlineData("(defn main [] Integer/SIZE)", 1, "Integer/SIZE is not in Yin's interop allow-list")]
    public void Code_outside_the_allow_list_is_refused_at_load_naming_it(string source, int line, string reason)
    {
        var e = Assert.Throws<CodeException>(() => YinVm.FromSource("(ns t)\n" + source, "t.clj"));
        Assert.Equal(line + 1, e.Line);
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Interop_exceptions_are_caught_by_their_class_and_its_superclasses()
    {
        Assert.Equal("\"caught: For input string: \\\"12x\\\"\"",
            Yin.Expr("(try (Long/parseLong \"12x\") (catch IllegalArgumentException e (str \"caught: \" (.getMessage e))))"));
        Assert.Equal(":index", Yin.Expr("(try (.charAt \"abc\" 5) (catch RuntimeException _ :index))"));
    }
}

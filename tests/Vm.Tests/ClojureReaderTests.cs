using Datom.Log.Edn;
using Datom.Vm.Reading;
using Xunit;

namespace Datom.Vm.Tests;

/// <summary>
/// Clojure's reader macros. Expected forms are JVM Clojure 1.11's <c>(prn (read-string s))</c> in a
/// namespace <c>a</c> that refers clojure.core, with gensym numbers renumbered from 1 per file (as
/// Yin numbers them: the same source always reads the same).
/// </summary>
public class ClojureReaderTests
{
    private static string Read(string text) => SourceReader.Read("(ns a)\n" + text, "a.clj")[1].ToString();

    [Theory]
    [InlineData("'x", "(quote x)")]
    [InlineData("'()", "(quote ())")]
    [InlineData("@x", "(clojure.core/deref x)")]
    [InlineData("#'foo", "(var foo)")]
    [InlineData("(a@b)", "(a (clojure.core/deref b))")]
    [InlineData("[0x1F 017 2r101 1. -0x10 36rZ 1.e2]", "[31 15 5 1.0 -16 35 100.0]")]
    [InlineData("[1/2 -3/6 4/2 +6/4 0/7]", "[1/2 -1/2 2 3/2 0]")]
    [InlineData("[\\a \\newline \\space \\tab \\u0041 ##Inf ##-Inf]", "[\\a \\newline \\space \\tab \\A ##Inf ##-Inf]")]
    [InlineData("#{1 #_ 2 3}", "#{1 3}")]
    [InlineData("[->> -> as-> some->]", "[->> -> as-> some->]")]
    [InlineData("[::foo :bar]", "[:a/foo :bar]")]
    [InlineData("#:user{:a 1 :_/b 2 c 3}", "{:user/a 1, :b 2, user/c 3}")]
    public void Reader_macros_read_as_Clojure_reads_them(string text, string expected) => Assert.Equal(expected, Read(text));

    [Theory]
    [InlineData("#(+ % %3)", "(fn* [p1__1# p2__3# p3__2#] (+ p1__1# p3__2#))")]
    [InlineData("#(apply + %&)", "(fn* [& rest__1#] (apply + rest__1#))")]
    [InlineData("#(do 1)", "(fn* [] (do 1))")]
    [InlineData("#(f %1 '%)", "(fn* [p1__1#] (f p1__1# (quote p1__1#)))")]
    public void Fn_literals_take_numbered_parameters(string text, string expected) => Assert.Equal(expected, Read(text));

    [Theory]
    [InlineData("`(a ~b ~@c)", "(clojure.core/seq (clojure.core/concat (clojure.core/list (quote a/a)) (clojure.core/list b) c))")]
    [InlineData("`()", "(clojure.core/list)")]
    [InlineData("`(let [x# 1] (f x#))",
        "(clojure.core/seq (clojure.core/concat (clojure.core/list (quote clojure.core/let)) (clojure.core/list (clojure.core/apply clojure.core/vector (clojure.core/seq (clojure.core/concat (clojure.core/list (quote x__1__auto__)) (clojure.core/list 1))))) (clojure.core/list (clojure.core/seq (clojure.core/concat (clojure.core/list (quote a/f)) (clojure.core/list (quote x__1__auto__)))))))")]
    [InlineData("`[x# {:k ~v} #{y}]",
        "(clojure.core/apply clojure.core/vector (clojure.core/seq (clojure.core/concat (clojure.core/list (quote x__1__auto__)) (clojure.core/list (clojure.core/apply clojure.core/hash-map (clojure.core/seq (clojure.core/concat (clojure.core/list :k) (clojure.core/list v))))) (clojure.core/list (clojure.core/apply clojure.core/hash-set (clojure.core/seq (clojure.core/concat (clojure.core/list (quote a/y)))))))))")]
    [InlineData("`(.foo Bar. if)", "(clojure.core/seq (clojure.core/concat (clojure.core/list (quote .foo)) (clojure.core/list (quote Bar.)) (clojure.core/list (quote if))))")]
    [InlineData("`^:k x", "(clojure.core/with-meta (quote a/x) (clojure.core/apply clojure.core/hash-map (clojure.core/seq (clojure.core/concat (clojure.core/list :k) (clojure.core/list true)))))")]
    [InlineData("[`:kw `5 `\"s\"]", "[:kw 5 \"s\"]")]
    public void Syntax_quote_expands_at_read_time(string text, string expected) => Assert.Equal(expected, Read(text));

    [Fact]
    public void Syntax_quote_resolves_required_aliases()
    {
        var forms = SourceReader.Read("(ns a (:require [clojure.string :as str]))\n`(str/join ~x)", "a.clj");
        Assert.Equal("(clojure.core/seq (clojure.core/concat (clojure.core/list (quote clojure.string/join)) (clojure.core/list x)))", forms[1].ToString());
    }

    [Fact]
    public void Auto_resolved_keywords_use_the_namespace_and_its_aliases()
    {
        var forms = SourceReader.Read("(ns a (:require [clojure.string :as str]))\n[::x ::str/y]", "a.clj");
        Assert.Equal("[:a/x :clojure.string/y]", forms[1].ToString());
        Assert.Equal((2, 6), (forms[1].Items[1].Line, forms[1].Items[1].Column));
        var e = Assert.Throws<CodeException>(() => SourceReader.Read("(ns a)\n\n::nope/y", "a.clj"));
        Assert.Equal(3, e.Line);
        Assert.Contains("nope is not an alias", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_ratio_over_zero_is_refused_at_its_position()
    {
        var e = Assert.Throws<CodeException>(() => SourceReader.Read("(ns a)\n(f 1/0)", "a.clj"));
        Assert.Equal(2, e.Line);
        Assert.Contains("invalid number 1/0: divide by zero", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_regex_literal_keeps_its_backslashes()
    {
        var form = SourceReader.Read("(ns a)\n#\"a\\\"b\\d\"", "a.clj")[1];
        Assert.Equal(new RegexLiteral("a\\\"b\\d"), form.Edn);
        Assert.Equal("#\"a\\\"b\\d\"", form.ToString());
    }

    [Fact]
    public void Expanded_forms_keep_the_lines_of_what_was_written()
    {
        var form = SourceReader.Read("(ns a)\n(map\n  #(inc\n     %)\n  'xs)", "a.clj")[1];
        var fn = form.Items[1];
        Assert.Equal((3, 3), (fn.Line, fn.Column));
        Assert.Equal((3, 3), (fn.Items[2].Line, fn.Items[2].Column));
        Assert.Equal((4, 6), (fn.Items[2].Items[1].Line, fn.Items[2].Items[1].Column));
        Assert.Equal((5, 3), (form.Items[2].Line, form.Items[2].Column));
        Assert.Equal((5, 4), (form.Items[2].Items[1].Line, form.Items[2].Items[1].Column));
    }

    [Theory]
    [InlineData("#(#(%))", 2, "nested #()s are not allowed")]
    [InlineData("#(%x)", 2, "arg literal must be %, %& or %integer")]
    [InlineData("`~@x", 2, "splice (~@) not in list")]
    [InlineData("\n'", 3, "quote (') must be followed by a form")]
    [InlineData("#\"abc", 2, "unterminated regex")]
    [InlineData("#=(+ 1 2)", 2, "#= (read-eval) is not allowed")]
    public void Malformed_reader_macros_name_the_problem_and_line(string text, int line, string reason)
    {
        var e = Assert.Throws<CodeException>(() => SourceReader.Read("(ns a)\n" + text, "a.clj"));
        Assert.Equal(line, e.Line);
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
    }
}

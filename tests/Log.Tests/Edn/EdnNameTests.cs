using Datom.Log.Edn;
using Xunit;
using static Datom.Log.Tests.Edn.EdnAssert;

namespace Datom.Log.Tests.Edn;

public class EdnNameTests
{
    [Theory]
    [InlineData("a", null, "a")]
    [InlineData("abc-def", null, "abc-def")]
    [InlineData("process-user", null, "process-user")]
    [InlineData("my.ns/foo", "my.ns", "foo")]
    [InlineData("/", null, "/")]
    [InlineData("+", null, "+")]
    [InlineData("-", null, "-")]
    [InlineData(".", null, ".")]
    [InlineData("...", null, "...")]
    [InlineData("-a", null, "-a")]
    [InlineData("+a", null, "+a")]
    [InlineData(".a", null, ".a")]
    [InlineData("-.5", null, "-.5")]
    [InlineData("a1", null, "a1")]
    [InlineData("a#b", null, "a#b")]
    [InlineData("a:b", null, "a:b")]
    [InlineData("a'", null, "a'")]
    [InlineData("*foo*", null, "*foo*")]
    [InlineData("<=>", null, "<=>")]
    [InlineData("!?$%&=_", null, "!?$%&=_")]
    [InlineData("?e", null, "?e")]
    [InlineData("ns/+", "ns", "+")]
    [InlineData("ns/-a", "ns", "-a")]
    [InlineData("nil/a", "nil", "a")]
    [InlineData("a/nil", "a", "nil")]
    [InlineData("résumé", null, "résumé")]
    [InlineData("λ/ж", "λ", "ж")]
    public void Valid_symbols(string text, string? ns, string name)
    {
        var symbol = Assert.IsType<Symbol>(Read(text));
        Assert.Equal(ns, symbol.Namespace);
        Assert.Equal(name, symbol.Name);
        Assert.Equal(text, symbol.ToString());
        Assert.Equal(Symbol.Intern(ns, name), symbol);
        Assert.Equal(Symbol.Parse(text), symbol);
    }

    [Theory]
    [InlineData("a/b/c", "'/' may appear only once")]
    [InlineData("a//", "'/' may appear only once")]
    [InlineData("/a", "the prefix before '/' is empty")]
    [InlineData("a/", "the name after '/' is empty")]
    [InlineData("ns/1a", "cannot begin with a digit")]
    [InlineData("ns/:a", "cannot begin with ':'")]
    [InlineData("ns/#a", "cannot begin with '#'")]
    [InlineData("ns/-1", "'-' followed by a digit cannot begin a symbol")]
    [InlineData("ns/.5", "'.' followed by a digit cannot begin a symbol")]
    [InlineData("'a", "cannot begin with '''")]
    [InlineData("a@b", "invalid character '@'")]
    [InlineData("@a", "invalid character '@'")]
    [InlineData("a~b", "invalid character '~'")]
    [InlineData("`a", "invalid character '`'")]
    [InlineData("|a|", "invalid character '|'")]
    [InlineData("a\u0001", "invalid character U+0001")]
    [InlineData("a\u00a9", "invalid character U+00A9")]
    public void Invalid_symbols_fail_at_the_token(string text, string reason)
    {
        Fails(text, 1, 1, "invalid symbol");
        Fails("(ok\n   " + text + ")", 2, 4, reason);
        Assert.Throws<EdnException>(() => Symbol.Parse(text));
    }

    [Fact]
    public void Lone_surrogates_are_not_symbol_characters()
    {
        Fails("a\ud800", 1, 1, "invalid UTF-16 at U+D800");
        Fails("a\udc00b", 1, 1, "invalid UTF-16 at U+DC00");
        Fails("a\ud83d\ude00", 1, 1, "invalid character U+1F600");
    }

    [Theory]
    [InlineData(":a", null, "a")]
    [InlineData(":user/email", "user", "email")]
    [InlineData(":db/id", "db", "id")]
    [InlineData(":a.b/c-d", "a.b", "c-d")]
    [InlineData(":+", null, "+")]
    [InlineData(":-", null, "-")]
    [InlineData(":a:b", null, "a:b")]
    [InlineData(":a#b", null, "a#b")]
    [InlineData(":ns/name?", "ns", "name?")]
    [InlineData(":nil", null, "nil")]
    [InlineData(":true", null, "true")]
    [InlineData(":db.type/ref", "db.type", "ref")]
    public void Valid_keywords(string text, string? ns, string name)
    {
        var keyword = Assert.IsType<Keyword>(Read(text));
        Assert.Equal(ns, keyword.Namespace);
        Assert.Equal(name, keyword.Name);
        Assert.Equal(text, keyword.ToString());
        Assert.Same(Keyword.Intern(ns, name), keyword);
        Assert.Same(Keyword.Parse(text), keyword);
        Assert.Same(Keyword.Parse(text[1..]), keyword);
    }

    [Theory]
    [InlineData(":", "':' alone is not a keyword")]
    [InlineData("::a", "a keyword cannot begin with '::'")]
    [InlineData(":/", "':/' is not a legal keyword")]
    [InlineData(":/a", "the prefix before '/' is empty")]
    [InlineData(":a/", "the name after '/' is empty")]
    [InlineData(":1", "cannot begin with a digit")]
    [InlineData(":a/1", "cannot begin with a digit")]
    [InlineData(":a/b/c", "'/' may appear only once")]
    [InlineData(":#a", "cannot begin with '#'")]
    [InlineData(":-1", "'-' followed by a digit cannot begin a symbol")]
    [InlineData(":a@", "invalid character '@'")]
    public void Invalid_keywords_fail_at_the_token(string text, string reason)
    {
        Fails(text, 1, 1, reason);
        Fails("{:ok 1\n :x " + text + "}", 2, 5, "invalid keyword");
        if (text.Length > 1 && char.IsAsciiDigit(text[1]))
        {
            // Not EDN, but a Clojure keyword (:2nd): the text of a stored keyword value parses.
            Assert.Equal(text, Keyword.Parse(text).ToString());
        }
        else
        {
            Assert.Throws<EdnException>(() => Keyword.Parse(text));
        }
    }

    [Fact]
    public void Colon_followed_by_space_is_an_error() => Fails("[: a]", 1, 2, "':' alone is not a keyword");

    [Fact]
    public void Keywords_are_interned_and_equal_by_value()
    {
        var read = EdnReader.ReadAll(":user/email :user/email");
        Assert.Same(read[0], read[1]);
        var keyword = Keyword.Intern("user", "email");
        Assert.Same(keyword, read[0]);
        Assert.Equal(":user/email", keyword.ToString());
        Assert.True(keyword == Keyword.Parse("user/email"));
        Assert.NotEqual(Keyword.Intern(null, "email"), keyword);
        Assert.NotEqual<object>(Symbol.Intern("user", "email"), keyword);
    }

    [Fact]
    public void Keyword_and_symbol_factories_validate()
    {
        Assert.Throws<ArgumentException>(() => Keyword.Intern("", "a"));
        Assert.Throws<ArgumentException>(() => Keyword.Intern(null, "a/b"));
        Assert.Throws<ArgumentException>(() => Keyword.Intern("a", "1"));
        Assert.Throws<ArgumentException>(() => Keyword.Intern(null, "/"));
        Assert.Throws<ArgumentException>(() => Symbol.Intern(null, "nil"));
        Assert.Throws<ArgumentException>(() => Symbol.Intern(null, "a/b"));
        Assert.Throws<ArgumentException>(() => Symbol.Intern("a", "/"));
        Assert.Equal("/", Symbol.Intern(null, "/").Name);
        Assert.Equal("a/nil", Symbol.Intern("a", "nil").ToString());
        Assert.Throws<EdnException>(() => Symbol.Parse("nil"));
        var ex = Assert.Throws<EdnException>(() => Keyword.Parse("::a"));
        Assert.Equal((1, 1), (ex.Line, ex.Column));
    }

    [Fact]
    public void Names_order_by_namespace_then_name()
    {
        var keywords = new[] { Kw(":b/a"), Kw(":a/b"), Kw(":z"), Kw(":a/a"), Kw(":a") };
        Assert.Equal(new[] { ":a", ":z", ":a/a", ":a/b", ":b/a" }, keywords.Order().Select(k => k.ToString()));
        var symbols = new[] { Sym("b/a"), Sym("a/b"), Sym("z"), Sym("a") };
        Assert.Equal(new[] { "a", "z", "a/b", "b/a" }, symbols.Order().Select(s => s.ToString()));
        Assert.True(Kw(":a") < Kw(":b"));
        Assert.True(Sym("b") >= Sym("a"));
    }

    [Fact]
    public void Symbol_position_and_meta_are_not_part_of_equality()
    {
        var plain = Symbol.Intern(null, "x");
        var placed = plain.WithPosition(new SourcePosition(3, 4));
        var tagged = placed.WithMeta(EdnMap.Of(Kw(":tag"), Sym("Long")));
        Assert.Equal(plain, placed);
        Assert.Equal(plain, tagged);
        Assert.Equal(plain.GetHashCode(), tagged.GetHashCode());
        Assert.Equal(new SourcePosition(3, 4), tagged.Position);
        Assert.Null(plain.Position);
        Assert.NotSame(plain, placed);
        Assert.Same(Symbol.Intern(null, "x"), plain);
    }

    [Fact]
    public void Symbols_read_from_source_are_fresh_instances_with_positions()
    {
        var forms = EdnReader.ReadAll("x x");
        Assert.NotSame(forms[0], forms[1]);
        Assert.Equal(forms[0], forms[1]);
        Assert.Equal(new SourcePosition(1, 3), ((Symbol)forms[1]!).Position);
    }
}

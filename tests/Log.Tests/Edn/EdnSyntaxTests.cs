using Datom.Log.Edn;
using Xunit;
using static Datom.Log.Tests.Edn.EdnAssert;

namespace Datom.Log.Tests.Edn;

public class EdnSyntaxTests
{
    [Fact]
    public void Whitespace_and_commas_separate_elements()
    {
        EdnEqual(EdnVector.Of(1L, 2L, 3L), Read("[1,2,,3]"));
        EdnEqual(EdnVector.Of(1L, 2L, 3L), Read(" \t\r\n[\t1\r\n2\f3\u000b]\r\n,"));
        EdnEqual(EdnVector.Of(1L, 2L), Read("[1\u00a02]"));
        Assert.Equal(new object?[] { 1L, 2L }, EdnReader.ReadAll(",1,2,"));
    }

    [Fact]
    public void Comments_run_to_the_end_of_the_line()
    {
        Assert.Equal(new object?[] { 1L, 2L }, EdnReader.ReadAll("1 ; one\n2 ;; two"));
        EdnEqual(EdnVector.Of(1L, 2L), Read("[1;c ] ignored\n2]"));
        EdnEqual(Sym("a"), Read("a;comment"));
        Assert.Empty(EdnReader.ReadAll("; only a comment"));
        Assert.Empty(EdnReader.ReadAll(""));
        Assert.Empty(EdnReader.ReadAll(" ,\n\t"));
    }

    [Fact]
    public void Discard_drops_the_next_element()
    {
        EdnEqual(EdnVector.Of(Sym("a"), Sym("b"), 42L), Read("[a b #_foo 42]"));
        EdnEqual(EdnVector.Of(1L, 3L), Read("[1 #_ 2 3]"));
        EdnEqual(EdnVector.Of(1L, 3L), Read("[1 #_[2 [2]] 3]"));
        EdnEqual(EdnMap.Of(Kw(":a"), 1L), Read("{:a #_:x 1 #_:b #_2}"));
        Assert.Equal(1L, Read("#_ ; comment\n 0 1"));
        Assert.Empty(EdnReader.ReadAll("#_ 1"));
        Assert.Equal(new object?[] { 2L }, EdnReader.ReadAll("#_1 2 #_3"));
    }

    [Fact]
    public void Nested_discards_drop_consecutive_elements()
    {
        Assert.Equal(Sym("c"), Read("#_ #_ a b c"));
        EdnEqual(EdnVector.Empty, Read("[#_ #_ a b]"));
        EdnEqual(EdnVector.Of(4L), Read("[#_ #_ #_ 1 2 3 4]"));
        EdnEqual(EdnVector.Of(3L), Read("[#_ [#_ 1 2] 3]"));
    }

    [Theory]
    [InlineData("#_", 1, 1)]
    [InlineData("1 #_", 1, 3)]
    [InlineData("[1 #_]", 1, 4)]
    [InlineData("[1\n  #_ #_ 2]", 2, 3)]
    [InlineData("{:a #_}", 1, 5)]
    public void Discard_without_an_element_is_an_error(string text, int line, int column) =>
        Fails(text, line, column, "#_ must be followed by an element to discard");

    [Fact]
    public void Discarded_elements_must_still_be_readable()
    {
        Fails("[#_ 01 1]", 1, 5, "invalid number");
        Fails("[#_ (1] 1]", 1, 7, "']' does not close the list");
        Fails("#_ :", 1, 4, "':' alone is not a keyword");
    }

    [Fact]
    public void Discarded_tags_are_not_interpreted()
    {
        var called = 0;
        var options = new EdnReaderOptions
        {
            TagHandlers = new Dictionary<string, Func<object?, object?>> { ["my/tag"] = v => { called++; return v; } },
        };
        EdnEqual(EdnVector.Of(1L), Read("[#_ #my/tag 0 #_ #inst \"garbage\" #_ #reserved 0 #_ #uuid 5 1]", options));
        Assert.Equal(0, called);
        Assert.Equal(1L, Read("#my/tag 1", options));
        Assert.Equal(1, called);
    }

    [Fact]
    public void Unknown_prefixed_tags_read_as_EdnTagged()
    {
        var tagged = Assert.IsType<EdnTagged>(Read("#myapp/Person {:first \"Fred\" :last \"Mertz\"}"));
        Assert.Equal(Sym("myapp/Person"), tagged.Tag);
        EdnEqual(EdnMap.Of(Kw(":first"), "Fred", Kw(":last"), "Mertz"), tagged.Value);
        Assert.Equal(new EdnTagged(Sym("a/b"), EdnVector.Of(1L)), Read("#a/b (1)"));
        Assert.Equal(new EdnTagged(Sym("a/b"), new EdnTagged(Sym("c/d"), 1L)), Read("#a/b #c/d 1"));
        Assert.Equal(new EdnTagged(Sym("a/b"), 2L), Read("#a/b #_ 1 2"));
        Assert.Equal(new EdnTagged(Sym("a/b"), "s"), Read("#a/b\"s\""));
        Assert.Equal(new EdnTagged(Sym("a/b"), null), Read("#a/b nil"));
    }

    [Theory]
    [InlineData("#foo 1", 1, 1, "unknown tag #foo: tags without a prefix are reserved for EDN built-ins")]
    [InlineData("[1 #a/b]", 1, 4, "tag #a/b must be followed by an element")]
    [InlineData("#a/b", 1, 1, "tag #a/b must be followed by an element")]
    [InlineData("#a/b/c 1", 1, 1, "invalid tag #a/b/c")]
    [InlineData("#a/1 1", 1, 1, "invalid tag #a/1")]
    [InlineData("#1 2", 1, 1, "'#' followed by '1' is not EDN")]
    [InlineData("#:a{:b 1}", 1, 1, "'#' followed by ':' is not EDN")]
    [InlineData("#?(:clj 1)", 1, 1, "'#' followed by '?' is not EDN")]
    [InlineData("#\"re\"", 1, 1, "'#' followed by '\"' is not EDN")]
    [InlineData("#(+ % 1)", 1, 1, "'#' followed by '(' is not EDN")]
    [InlineData("#'var", 1, 1, "'#' followed by ''' is not EDN")]
    [InlineData("#!shebang", 1, 1, "'#' followed by '!' is not EDN")]
    [InlineData("#=(+ 1 2)", 1, 1, "'#' followed by '=' is not EDN")]
    [InlineData("#^a b", 1, 1, "'#' followed by '^' is not EDN")]
    [InlineData("# a", 1, 1, "'#' followed by U+0020 is not EDN")]
    [InlineData("[#]", 1, 2, "'#' followed by ']' is not EDN")]
    [InlineData("#", 1, 1, "end of input after '#'")]
    [InlineData("##Foo", 1, 1, "unknown symbolic value ##Foo")]
    [InlineData("##inf", 1, 1, "unknown symbolic value ##inf")]
    [InlineData("## Inf", 1, 1, "unknown symbolic value ##")]
    public void Dispatch_errors(string text, int line, int column, string reason) => Fails(text, line, column, reason);

    [Fact]
    public void Tag_handlers_receive_the_read_element()
    {
        var options = new EdnReaderOptions
        {
            TagHandlers = new Dictionary<string, Func<object?, object?>>
            {
                ["geo/point"] = v => v is EdnVector { Count: 2 } p ? (object)((long)p[0]! + (long)p[1]!) : throw new InvalidOperationException("bad point"),
                ["inst"] = v => "custom " + v,
                ["local"] = _ => "reserved tags may have handlers",
            },
            SourceName = "points.edn",
        };
        Assert.Equal(3L, Read("#geo/point [1 2]", options));
        Assert.Equal("custom x", Read("#inst \"x\"", options));
        Assert.Equal("reserved tags may have handlers", Read("#local 1", options));
        var ex = Fails("[\n #geo/point [1]]", 2, 2, "the handler for #geo/point failed: bad point", options);
        Assert.IsType<InvalidOperationException>(ex.InnerException);
        Assert.Equal("points.edn:2:2: the handler for #geo/point failed: bad point", ex.Message);
    }

    [Fact]
    public void Read_one_requires_exactly_one_form()
    {
        Assert.Equal(1L, EdnReader.ReadOne(" 1 ; trailing comment\n #_ 2 "));
        var none = Assert.Throws<EdnException>(() => EdnReader.ReadOne("  ; nothing"));
        Assert.Equal((1, 12), (none.Line, none.Column));
        Assert.Contains("expected an EDN form, found end of input", none.Message, StringComparison.Ordinal);
        var two = Assert.Throws<EdnException>(() => EdnReader.ReadOne("1\n [2]"));
        Assert.Equal((2, 2), (two.Line, two.Column));
        Assert.Contains("expected a single EDN form, found another", two.Message, StringComparison.Ordinal);
        Assert.Throws<EdnException>(() => EdnReader.ReadOne("1 )"));
    }

    [Fact]
    public void Errors_name_the_source_line_and_column()
    {
        var options = new EdnReaderOptions { SourceName = "tx.edn" };
        var ex = Assert.Throws<EdnException>(() => EdnReader.ReadAll("[:db/add 1 :a 2]\n{:db/id 1}\n[:db/add \"x\" \"abc]\n", options));
        Assert.Equal("tx.edn:3:14: unterminated string", ex.Message);
        Assert.Equal("tx.edn", ex.Source);
        Assert.Equal((3, 14), (ex.Line, ex.Column));
        Assert.Equal(new SourcePosition(3, 14), ex.Position);
        Assert.Equal("unterminated string", ex.Reason);
        Assert.IsAssignableFrom<FormatException>(ex);
        var unnamed = Assert.Throws<EdnException>(() => EdnReader.ReadOne("]"));
        Assert.Equal("<input>:1:1: unmatched ']'", unnamed.Message);
        Assert.Null(unnamed.Source);
    }

    [Fact]
    public void Columns_count_UTF16_units_and_lines_count_newlines()
    {
        Fails("\"é\" 01", 1, 5, "invalid number");
        Fails("\r\n\r\n\t01", 3, 2, "invalid number");
        Fails("\"a\nb\" 01", 2, 4, "invalid number");
        Fails("; c\n;c\n  01", 3, 3, "invalid number");
    }
}

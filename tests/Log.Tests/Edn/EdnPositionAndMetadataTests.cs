using Datom.Log.Edn;
using Xunit;
using static Datom.Log.Tests.Edn.EdnAssert;

namespace Datom.Log.Tests.Edn;

public class EdnPositionAndMetadataTests
{
    private static readonly EdnReaderOptions Clojure = new() { AllowMetadata = true };

    [Theory]
    [InlineData("\n")]
    [InlineData("\r\n")]
    public void Symbols_and_collections_carry_their_line_and_column(string newline)
    {
        var source = string.Join(newline, "(defn foo", "  [x]", "  {:a x, :b #{y}}", "  (bar x))");
        var defn = Assert.IsType<EdnList>(Read(source));
        Assert.Equal(new SourcePosition(1, 1), defn.Position);
        Assert.Equal(new SourcePosition(1, 2), ((Symbol)defn[0]!).Position);
        Assert.Equal(new SourcePosition(1, 7), ((Symbol)defn[1]!).Position);
        var parameters = (EdnVector)defn[2]!;
        Assert.Equal(new SourcePosition(2, 3), parameters.Position);
        Assert.Equal(new SourcePosition(2, 4), ((Symbol)parameters[0]!).Position);
        var body = (EdnMap)defn[3]!;
        Assert.Equal(new SourcePosition(3, 3), body.Position);
        Assert.Equal(new SourcePosition(3, 7), ((Symbol)body[Kw(":a")]!).Position);
        var set = (EdnSet)body[Kw(":b")]!;
        Assert.Equal(new SourcePosition(3, 13), set.Position);
        Assert.Equal(new SourcePosition(3, 15), ((Symbol)set.Single()!).Position);
        var call = (EdnList)defn[4]!;
        Assert.Equal(new SourcePosition(4, 3), call.Position);
        Assert.Equal(new SourcePosition(4, 8), ((Symbol)call[1]!).Position);
    }

    [Fact]
    public void Forms_after_multi_line_strings_and_comments_have_the_right_line()
    {
        var forms = EdnReader.ReadAll("\"a\nb\nc\" x ; comment [\n  #_ [\n ] y");
        Assert.Equal(new SourcePosition(3, 4), ((Symbol)forms[1]!).Position);
        Assert.Equal(new SourcePosition(5, 4), ((Symbol)forms[2]!).Position);
    }

    [Fact]
    public void Metadata_is_rejected_in_strict_EDN()
    {
        Fails("^:a x", 1, 1, "metadata (^) is not EDN");
        Fails("(defn\n  ^Result f [])", 2, 3, "metadata (^) is not EDN");
        Fails("a^b", 1, 2, "metadata (^) is not EDN");
    }

    [Fact]
    public void Type_hint_metadata_becomes_a_tag()
    {
        var defn = Assert.IsType<EdnList>(Read("(defn ^Result process-user [^User user] user)", Clojure));
        var name = Assert.IsType<Symbol>(defn[1]);
        Assert.Equal("process-user", name.Name);
        Assert.Equal(Sym("Result"), name.Meta![Kw(":tag")]);
        Assert.Equal(new SourcePosition(1, 15), name.Position);
        var user = Assert.IsType<Symbol>(((EdnVector)defn[2]!)[0]);
        Assert.Equal(Sym("User"), user.Meta![Kw(":tag")]);
        Assert.Equal(Sym("user"), defn[3]);
        Assert.Null(((Symbol)defn[3]!).Meta);
    }

    [Fact]
    public void Keyword_metadata_becomes_a_true_flag()
    {
        var defn = Assert.IsType<EdnList>(Read("(defn ^:service main [] ...)", Clojure));
        var main = Assert.IsType<Symbol>(defn[1]);
        Assert.Equal(true, main.Meta![Kw(":service")]);
        Assert.Equal(Sym("main"), main);
    }

    [Fact]
    public void Map_and_string_metadata_and_collections()
    {
        var vector = Assert.IsType<EdnVector>(Read("^{:doc \"d\" :line 3} [1]", Clojure));
        Assert.Equal("d", vector.Meta![Kw(":doc")]);
        Assert.Equal(new SourcePosition(1, 21), vector.Position);
        Assert.Equal("String", Assert.IsType<Symbol>(Read("^\"String\" s", Clojure)).Meta![Kw(":tag")]);
        Assert.Equal(true, Assert.IsType<EdnList>(Read("^:private (a)", Clojure)).Meta![Kw(":private")]);
        Assert.Equal(true, Assert.IsType<EdnMap>(Read("^:m {}", Clojure)).Meta![Kw(":m")]);
        Assert.Equal(true, Assert.IsType<EdnSet>(Read("^:s #{}", Clojure)).Meta![Kw(":s")]);
    }

    [Fact]
    public void Stacked_metadata_merges_with_the_outer_one_winning()
    {
        var x = Assert.IsType<Symbol>(Read("^:a ^:b ^Long x", Clojure));
        Assert.Equal(3, x.Meta!.Count);
        Assert.Equal(true, x.Meta[Kw(":a")]);
        Assert.Equal(true, x.Meta[Kw(":b")]);
        Assert.Equal(Sym("Long"), x.Meta[Kw(":tag")]);
        var y = Assert.IsType<Symbol>(Read("^{:a 1 :tag T} ^{:a 2 :b 2} y", Clojure));
        EdnEqual(EdnMap.Of(Kw(":a"), 1L, Kw(":b"), 2L, Kw(":tag"), Sym("T")), y.Meta);
    }

    [Fact]
    public void Metadata_is_not_part_of_equality_and_is_not_written()
    {
        var hinted = Read("[^:a x ^{:b 1} [1]]", Clojure);
        EdnEqual(Read("[x [1]]"), hinted);
        Assert.Equal("[x [1]]", EdnWriter.Write(hinted));
    }

    [Theory]
    [InlineData("^:a 1", 1, 5, "metadata can only be attached to a symbol or a collection, not 1")]
    [InlineData("^:a :b", 1, 5, "metadata can only be attached to a symbol or a collection")]
    [InlineData("^:a \"s\"", 1, 5, "metadata can only be attached")]
    [InlineData("^:a nil", 1, 5, "metadata can only be attached")]
    [InlineData("^:a #x/y 1", 1, 5, "metadata can only be attached")]
    [InlineData("^1 x", 1, 2, "metadata must be a symbol, string, keyword or map")]
    [InlineData("^[a] x", 1, 2, "metadata must be a symbol, string, keyword or map")]
    [InlineData("^:a", 1, 1, "metadata must be followed by a form to attach to")]
    [InlineData("(^:a)", 1, 2, "metadata must be followed by a form to attach to")]
    [InlineData("^", 1, 1, "'^' must be followed by metadata and a form")]
    [InlineData("[^]", 1, 2, "'^' must be followed by metadata and a form")]
    public void Metadata_errors(string text, int line, int column, string reason) => Fails(text, line, column, reason, Clojure);
}

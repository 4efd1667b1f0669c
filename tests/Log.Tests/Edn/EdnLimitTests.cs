using Datom.Log.Edn;
using Xunit;
using static Datom.Log.Tests.Edn.EdnAssert;

namespace Datom.Log.Tests.Edn;

public class EdnLimitTests
{
    [Theory]
    [InlineData('[')]
    [InlineData('(')]
    [InlineData('{')]
    public void Deep_nesting_is_an_error_not_a_crash(char open) =>
        Fails(new string(open, 100_000), 1, EdnReaderOptions.DefaultMaxDepth + 1, "nesting deeper than 512 levels");

    [Fact]
    public void Nesting_up_to_the_limit_reads()
    {
        var text = new string('[', 512) + new string(']', 512);
        var value = Read(text);
        for (var i = 0; i < 511; i++)
        {
            value = Assert.Single(Assert.IsType<EdnVector>(value));
        }

        Assert.Empty(Assert.IsType<EdnVector>(value));
    }

    [Fact]
    public void Depth_counts_sets_tags_discards_and_metadata()
    {
        var three = new EdnReaderOptions { MaxDepth = 3, AllowMetadata = true };
        Assert.NotNull(Read("[#{(1)}]", three));
        Fails("[#{([1])}]", 1, 5, "nesting deeper than 3 levels", three);
        Fails("#a/b #a/b #a/b #a/b 1", 1, 16, "nesting deeper than 3 levels", three);
        Fails("#_ #_ #_ #_ 1 2 3 4 5", 1, 10, "nesting deeper than 3 levels", three);
        Fails("^:a ^:b ^:c ^:d x", 1, 13, "nesting deeper than 3 levels", three);
        Fails(string.Concat(Enumerable.Repeat("#_ ", 100_000)) + "1", 1, 1537, "nesting deeper than 512 levels");
        Fails(string.Concat(Enumerable.Repeat("#x/y ", 100_000)) + "1", 1, 2561, "nesting deeper than 512 levels");
    }

    [Fact]
    public void Depth_is_per_form()
    {
        var two = new EdnReaderOptions { MaxDepth = 2 };
        Assert.Equal(3, EdnReader.ReadAll("[[1]] [[2]] [[3]]", two).Count);
    }

    [Fact]
    public void An_unlimited_depth_still_ends_in_an_EdnException_on_a_small_stack()
    {
        var options = new EdnReaderOptions { MaxDepth = int.MaxValue };
        Exception? caught = null;
        var thread = new Thread(
            () =>
            {
                try
                {
                    EdnReader.ReadOne(new string('[', 1_000_000), options);
                }
                catch (Exception ex)
                {
                    caught = ex;
                }
            },
            256 * 1024);
        thread.Start();
        thread.Join();
        var edn = Assert.IsType<EdnException>(caught);
        Assert.Contains("nesting too deep for the thread's stack", edn.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Strings_and_tokens_are_capped()
    {
        var five = new EdnReaderOptions { MaxStringLength = 5 };
        Assert.Equal("12345", Read("\"12345\"", five));
        Fails("[\"123456\"]", 1, 2, "string longer than 5 characters", five);
        Fails("[\"12345\\n\"]", 1, 2, "string longer than 5 characters", five);
        Fails(" abcdef", 1, 2, "symbol longer than 5 characters", five);
        Fails(":abcde", 1, 1, "keyword longer than 5 characters", five);
        Fails("\\abcdef", 1, 1, "character longer than 5 characters", five);
        Fails("#abcdef 1", 1, 1, "tag longer than 5 characters", five);
        Assert.Equal(Sym("abcde"), Read("abcde", five));
    }

    [Fact]
    public void Long_strings_read_across_buffer_refills()
    {
        var big = new string('x', 100_000);
        Assert.Equal(big, Read("\"" + big + "\""));
        Assert.Equal(big, new EdnReader(new StringReader("\"" + big + "\"")).TryRead(out var value) ? value : null);
        Assert.Equal(Sym("s" + big), Read("s" + big));
    }

    [Fact]
    public void Collections_are_capped()
    {
        var two = new EdnReaderOptions { MaxCollectionCount = 2 };
        Assert.NotNull(Read("[[1 2] {1 2 3 4}]", two));
        Assert.NotNull(Read("(#{1 2} (1 2))", two));
        Fails("[1 2 3]", 1, 1, "vector has more than 2 elements", two);
        Fails("[\n (1 2 3)]", 2, 2, "list has more than 2 elements", two);
        Fails("#{1 2 3}", 1, 1, "set has more than 2 elements", two);
        Fails("{1 2 3 4 5 6}", 1, 1, "map has more than 2 entries", two);
        Assert.Equal(3, EdnReader.ReadAll("1 2 3", two).Count);
    }

    [Fact]
    public void Options_are_validated()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => EdnReader.ReadOne("1", new EdnReaderOptions { MaxDepth = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => EdnReader.ReadOne("1", new EdnReaderOptions { MaxStringLength = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => EdnReader.ReadOne("1", new EdnReaderOptions { MaxCollectionCount = -1 }));
        Assert.Throws<ArgumentNullException>(() => new EdnReader(null!));
    }
}

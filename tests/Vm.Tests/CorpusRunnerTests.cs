using Datom.Vm.Tests.Support;
using Xunit;

namespace Datom.Vm.Tests;

/// <summary>How the corpus report sorts a failure, on the error texts Yin gives.</summary>
public class CorpusRunnerTests
{
    [Theory]
    [InlineData("load", "x.clj:24:12: syntax error: '#' followed by '(' is not EDN (expected '{', '_', '#' or a tag)", "reader: #()")]
    [InlineData("load", "x.clj:10:16: syntax error: '#' followed by '\"' is not EDN (expected '{', '_', '#' or a tag)", "reader: #\"regex\"")]
    [InlineData("load", "x.clj:15:16: syntax error: invalid symbol ': cannot begin with '''", "reader: 'quote")]
    [InlineData("load", "x.clj:12:8: syntax error: invalid symbol @atomic-clock: invalid character '@'", "reader: @deref")]
    [InlineData("load", "x.clj:7:1: (ns name \"docstring\") is all this VM reads of ns; :require and :import are not supported", "form: ns :require/:import")]
    [InlineData("load", "x.clj:9:3: letfn is not supported by this VM", "form: letfn")]
    [InlineData("load", "x.clj:10:4: unknown function for: not a local, a function of corpus.x, or a built-in", "form: for")]
    [InlineData("load", "x.clj:20:4: unknown function format: not a local, a function of corpus.x, or a built-in", "missing: format")]
    [InlineData("load", "x.clj:12:13: unknown function IllegalArgumentException.: not a local, a function of corpus.x, or a built-in", "interop: IllegalArgumentException.")]
    [InlineData("load", "x.clj:13:19: unknown function .compareTo: not a local, a function of corpus.x, or a built-in", "interop: .compareTo")]
    [InlineData("run", "wrong number of arguments: range takes 1 to 3, called with 0 [:error/arity] (x.clj:19)", "arity: range with 0 args")]
    [InlineData("run", "mod: expected an integer, got Double 99940.41 [:error/type] (x.clj:9)", "type: mod")]
    [InlineData("run", "fuel exhausted after 200000000 steps [:limit/fuel] (x.clj:3)", "limit: fuel")]
    public void A_first_error_is_sorted_into_its_category(string stage, string error, string category) =>
        Assert.Equal(category, CorpusRunner.Classify(stage, error));

    [Fact]
    public void A_top_level_form_is_named_from_the_source_line() =>
        Assert.Equal("form: top-level def", CorpusRunner.Classify("load", "x.clj:2:1: a top-level form is (defn ...) or (defrecord ...), not a list", "(ns x)\n(def table {})\n"));

    [Theory]
    [InlineData("(1 2 3)\n", "[1 2 3]\n", "wrong printing")]
    [InlineData("1.0E20\n", "1E+20\n", "wrong printing")]
    [InlineData("{:b 2, :a 1}\n", "{:a 1, :b 2}\n", "wrong printing: order")]
    [InlineData("(1 2 3)\n", "(1 2 4)\n", "wrong answer")]
    public void Output_that_differs_is_a_printing_or_an_answer_problem(string expected, string actual, string category) =>
        Assert.Equal(category, CorpusRunner.OutputCategory(expected, actual));
}

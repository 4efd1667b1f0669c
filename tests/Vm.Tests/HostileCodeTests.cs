using Datom.Log.Edn;
using Datom.Log.Entries;
using Datom.Vm.Ast;
using Datom.Vm.Loading;
using Datom.Vm.Machine;
using Datom.Vm.Printing;
using Datom.Vm.Reading;
using Datom.Vm.Tests.Support;
using Xunit;

namespace Datom.Vm.Tests;

/// <summary>Code and data built to crash the host: each gets an error and the host stays up.</summary>
public class HostileCodeTests
{
    private const string Nest = "(defn nest [n] (loop [v [] i 0] (if (< i n) (recur [v] (inc i)) v)))\n";

    [Fact]
    public void Comparing_values_nested_deeper_than_the_host_stack_is_an_error()
    {
        // Building two million vectors takes seconds on a loaded machine: the deadline is out of
        // the way, so that the limit met is the one this test is about.
        var result = Yin.RunWith(Nest + "(defn main [] (= (nest 1000000) (nest 1000000)))",
            new RunOptions { Limits = new RunLimits(new DeadlineLimit(TimeSpan.FromMinutes(5))), Output = TextWriter.Null });
        Assert.Equal(RunStatus.Failed, result.Status);
        var e = result.Error!;
        Assert.Equal(":limit/depth", e.Kind.ToString());
        Assert.Contains("nested too deeply", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Printing_values_nested_deeper_than_the_host_stack_is_an_error()
    {
        Assert.Equal(":limit/depth", Yin.Fails(Nest + "(defn main [] (str (nest 1000000)))").Kind.ToString());
        var result = Yin.Run(Nest + "(defn main [] (nest 1000000))");
        Assert.Equal(RunStatus.Finished, result.Status);
        Assert.StartsWith("#yin/unprintable", result.Value, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_AST_with_a_cycle_is_refused_when_prepared_and_printed()
    {
        using var t = TestDb.InMemory();
        await t.LoadAsync("(ns evil)\n(defn f [] 1)", "evil.clj");
        // An AST no source could produce: a do whose body is itself.
        await t.Db.TransactAsync(EdnReader.ReadOne("""
            [{:db/id "d" :ast/key "evil/f#b0" :ast/type :ast.type/do :ast/line 2 :ast/body "d"}]
            """));
        using var vm = await t.VmAsync();
        var result = vm.Run("evil/f", []);
        Assert.Equal(":error/code", result.Error!.Kind.ToString());
        Assert.Contains("nest more than", result.Error.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => AstPrinter.Print(t.Db.Current(), "evil/f"));
        Assert.Equal("3", Yin.Expr("(+ 1 2)"));
    }

    [Fact]
    public async Task A_call_into_an_entity_that_is_not_a_function_is_an_unknown_function()
    {
        using var t = TestDb.InMemory();
        await t.LoadAsync(Programs.Users);
        // Point greet's call at a record instead of a function.
        var view = t.Db.Current();
        var call = view.Match(null, Keyword.Parse("ast/key"), Log.Model.Value.String("core/main#b0.b0.a0")).Single().E;
        var user = view.Match(null, Keyword.Parse("ast/key"), Log.Model.Value.String("core/User")).Single().E;
        await t.Db.TransactAsync(new EdnVector([EdnVector.Of(Keyword.Parse("db/add"), call, Keyword.Parse("ast/function"), user)]));
        using var vm = await t.VmAsync();
        var e = vm.Run("core/main", []).Error!;
        Assert.Equal(":error/unknown-function", e.Kind.ToString());
        Assert.Equal(Programs.GreetCallLine, e.Line);
    }

    // ---- giant literals ----
    // Each is refused with an error that names the limit and the line, both when the source is run
    // straight from memory and when it is loaded into DaoDB, where nothing is stored; then the next
    // program loads and runs.

    [Fact]
    public async Task A_vector_literal_of_a_million_elements_stops_at_the_node_limit_not_after_gigabytes()
    {
        // Before the limit: 7 million AST datoms, 75 s and 9.6 GB of working set to run from memory,
        // 35 s and 12 GB to load, and then the log entry was refused.
        var source = $"(defn main [] {Numbers(1_000_000)})";
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var e = await RefusedAsync(source);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - allocated < 1L << 30, "refusing it allocated more than 1 GB");
        Assert.StartsWith("t.clj:2:", e.Message, StringComparison.Ordinal);
        Assert.Contains($"code too large: t.clj makes more than {Analyzer.MaxNodes} AST nodes (here, in t/main)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_vector_literal_of_millions_of_elements_is_a_syntax_error()
    {
        var e = await RefusedAsync($"(defn main [] {Numbers(2_000_000)})");
        Assert.Equal($"t.clj:2:15: syntax error: vector has more than {EdnReaderOptions.DefaultMaxCollectionCount} elements (EdnReaderOptions.MaxCollectionCount)", e.Message);
    }

    [Fact]
    public async Task A_string_literal_of_tens_of_megabytes_is_refused_before_it_is_read()
    {
        var e = await RefusedAsync("(defn main [] \"" + new string('x', 32 << 20) + "\")");
        Assert.Equal($"t.clj:1: source too large: {(32 << 20) + 24} characters, more than {SourceReader.MaxSourceLength} (four times the largest log entry); split it into several namespaces", e.Message);
    }

    [Fact]
    public async Task A_string_literal_longer_than_a_datom_holds_is_refused_at_its_line()
    {
        // 100 KB: under the log entry's 1 MiB, over what an index key holds. Loaded before the limit,
        // it was stored in the log and then stopped the index, and with it every later transaction.
        var e = await RefusedAsync("(defn main []\n  (str \"" + new string('x', 100_000) + "\"))");
        Assert.Equal($"t.clj:3:8: literal too large: a string literal of 100000 bytes (UTF-8), more than the {EntryLimits.DefaultMaxValueBytes} one datom may hold", e.Message);
        var doc = await RefusedAsync("(defn main \"" + new string('d', 100_000) + "\" [] 1)");
        Assert.Contains("literal too large: a docstring of 100000 bytes", doc.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_quoted_giant_form_is_refused_at_its_line()
    {
        var e = await RefusedAsync($"(defn main [] (count (quote {Numbers(100_000)})))");
        Assert.Equal($"t.clj:2:22: literal too large: a quoted form of 200001 bytes (UTF-8), more than the {EntryLimits.DefaultMaxValueBytes} one datom may hold", e.Message);
    }

    [Theory]
    [InlineData("[", "]")]
    [InlineData("{:a ", "}")]
    [InlineData("#{", "}")]
    [InlineData("(quote ", ")")]
    public async Task A_literal_nested_100000_deep_is_a_syntax_error_not_a_stack_overflow(string open, string close)
    {
        var literal = string.Concat(Enumerable.Repeat(open, 100_000)) + "1" + string.Concat(Enumerable.Repeat(close, 100_000));
        var e = await RefusedAsync($"(defn main [] {literal})");
        Assert.StartsWith("t.clj:2:", e.Message, StringComparison.Ordinal);
        Assert.EndsWith($"syntax error: nesting deeper than {SourceReader.MaxDepth} levels (EdnReaderOptions.MaxDepth)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Code_within_the_analyzer_limits_but_too_large_for_one_log_entry_is_a_code_error_and_stores_nothing()
    {
        // 12,000 literals: 12,002 nodes, under the node limit, but about 3 MB of datoms.
        var source = $"(defn main [] (count {Numbers(12_000)}))";
        Assert.Equal("12000", Yin.Eval(source));
        using var t = TestDb.InMemory();
        // The AST schema is transacted by the first load, whatever happens to the code.
        await AstSchema.EnsureAsync(t.Db);
        var before = t.Log.Count;
        var e = await Assert.ThrowsAsync<CodeException>(() => t.LoadAsync("(ns t)\n" + source, "t.clj"));
        Assert.StartsWith("t.clj:1: code too large to store as one log entry (too-large: entry is ", e.Message, StringComparison.Ordinal);
        Assert.Equal(before, t.Log.Count);
        await AssertTheNextProgramRunsAsync(t);
    }

    [Fact]
    public void A_large_literal_that_fits_is_charged_to_the_memory_limit()
    {
        var source = $"(defn main [] (count {Numbers(5_000)}))";
        Assert.Equal("5000", Yin.Eval(source));
        var result = Yin.RunWith(source, new RunOptions { Limits = new RunLimits(new MemoryLimit(64 << 10)), Output = TextWriter.Null });
        Assert.True(result.Status == RunStatus.Failed, result.ToString());
        Assert.Equal(":limit/memory", result.Error!.Kind.ToString());
        Assert.StartsWith("memory limit: the program needs more than 65536 bytes", result.Error.Message, StringComparison.Ordinal);
        Assert.Equal("3", Yin.Expr("(+ 1 2)"));
    }

    private static string Numbers(int n) => "[" + string.Join(' ', Enumerable.Repeat("1", n)) + "]";

    /// <summary>
    /// The error <c>(ns t)</c> + <paramref name="source"/> gets when run from memory; loading it gets
    /// the same one and stores nothing, and the host goes on.
    /// </summary>
    private static async Task<CodeException> RefusedAsync(string source)
    {
        var e = Assert.Throws<CodeException>(() => Yin.Run(source));
        using var t = TestDb.InMemory();
        // The AST schema is transacted by the first load, whatever happens to the code.
        await AstSchema.EnsureAsync(t.Db);
        var before = t.Log.Count;
        var loading = await Assert.ThrowsAsync<CodeException>(() => t.LoadAsync("(ns t)\n" + source, "t.clj"));
        Assert.Equal(e.Message, loading.Message);
        Assert.Equal(before, t.Log.Count);
        await AssertTheNextProgramRunsAsync(t);
        Assert.Equal("3", Yin.Expr("(+ 1 2)"));
        return e;
    }

    private static async Task AssertTheNextProgramRunsAsync(TestDb t)
    {
        var next = await t.LoadAsync("(ns ok)\n(defn main [] (+ 1 2))", "ok.clj");
        Assert.True(next.Transacted);
        using var vm = await t.VmAsync();
        Assert.Equal("3", vm.Run("ok/main", [], new RunOptions { Output = TextWriter.Null }).Value);
    }
}

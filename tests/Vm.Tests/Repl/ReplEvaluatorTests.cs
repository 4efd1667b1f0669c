using Datom.Log.Edn;
using Datom.Log.Model;
using Datom.Vm.Machine;
using Datom.Vm.Repl;
using Datom.Vm.Tests.Support;
using Xunit;

namespace Datom.Vm.Tests.Repl;

public class ReplEvaluatorTests
{
    private static async Task<(ReplOutcome? Outcome, string Output)> EvalAsync(ReplEvaluator repl, ReplSession session, string text, RunLimits? limits = null, CancellationToken cancellation = default)
    {
        var output = new StringWriter();
        ReplOutcome? last = null;
        foreach (var form in ReplForms.Split(text).Forms)
        {
            last = await repl.EvalAsync(session, form, "<repl>", new RunOptions { Output = output, Limits = limits ?? RunLimits.Default, Cancellation = cancellation }, cancellation);
            if (last?.Error is not null)
                break;
        }
        return (last, output.ToString());
    }

    private static async Task<string?> ValueAsync(ReplEvaluator repl, ReplSession session, string text)
    {
        var (outcome, _) = await EvalAsync(repl, session, text);
        Assert.True(outcome!.Error is null, outcome.Error?.Text);
        return outcome.Value;
    }

    [Fact]
    public async Task An_expression_is_evaluated_and_printed_as_pr_prints_it()
    {
        using var t = TestDb.InMemory();
        using var vm = await t.VmAsync();
        using var repl = new ReplEvaluator(vm, t.Db);
        var session = new ReplSession();
        Assert.Equal("3", await ValueAsync(repl, session, "(+ 1 2)"));
        Assert.Equal("[\"a\" :b \\c]", await ValueAsync(repl, session, "[\"a\" :b \\c]"));
        var (outcome, output) = await EvalAsync(repl, session, "(println \"hi\") ");
        Assert.Equal("nil", outcome!.Value);
        Assert.Equal("hi\n", output);
    }

    [Fact]
    public async Task A_definition_is_transacted_with_reason_repl_and_callable_at_once()
    {
        using var t = TestDb.InMemory();
        using var vm = await t.VmAsync();
        using var repl = new ReplEvaluator(vm, t.Db);
        var session = new ReplSession();
        var before = t.Log.Count;
        Assert.Equal("#'user/twice", await ValueAsync(repl, session, "(defn twice [x] (* 2 x))"));
        Assert.Equal("42", await ValueAsync(repl, session, "(twice 21)"));
        var entry = t.Log.Count;
        Assert.True(entry > before);
        var reasons = t.Db.Current().Match(null, Keyword.Parse("tx/reason"), Value.String("repl")).ToList();
        Assert.NotEmpty(reasons);

        // The same definition again transacts nothing; a changed one only its own datoms.
        await ValueAsync(repl, session, "(defn twice [x] (* 2 x))");
        Assert.Equal(entry, t.Log.Count);
        await ValueAsync(repl, session, "(defn twice [x] (+ x x))");
        Assert.Equal(entry + 1, t.Log.Count);
        Assert.Equal("42", await ValueAsync(repl, session, "(twice 21)"));
    }

    // What JVM Clojure 1.11 answers to the same forms typed at its REPL: 3, 12, :unknown.
    [Fact]
    public async Task Macros_multimethods_and_their_methods_typed_at_the_repl_are_stored_and_used()
    {
        using var t = TestDb.InMemory();
        using var vm = await t.VmAsync();
        using var repl = new ReplEvaluator(vm, t.Db);
        var session = new ReplSession();
        Assert.Equal("#'user/unless", await ValueAsync(repl, session, "(defmacro unless [c & body] `(if ~c nil (do ~@body)))"));
        Assert.Equal("#'user/area", await ValueAsync(repl, session, "(defmulti area :shape)"));
        Assert.Equal("nil", await ValueAsync(repl, session, "(defmethod area :circle [{:keys [r]}] (* 3 r r))"));
        Assert.Equal("nil", await ValueAsync(repl, session, "(defmethod area :default [_] :unknown)"));
        Assert.Equal("[3 12 :unknown]", await ValueAsync(repl, session, "[(unless false (+ 1 2)) (area {:shape :circle :r 2}) (area {:shape :sq})]"));
    }

    [Fact]
    public async Task Star_1_2_3_and_star_e_hold_the_last_values_and_error()
    {
        using var t = TestDb.InMemory();
        using var vm = await t.VmAsync();
        using var repl = new ReplEvaluator(vm, t.Db);
        var session = new ReplSession();
        await ValueAsync(repl, session, "1");
        await ValueAsync(repl, session, "2");
        await ValueAsync(repl, session, "3");
        Assert.Equal("[3 2 1]", await ValueAsync(repl, session, "[*1 *2 *3]"));
        var (failed, _) = await EvalAsync(repl, session, "(/ 1 0)");
        Assert.Equal("java.lang.ArithmeticException", failed!.Error!.Class);
        Assert.Equal("true", await ValueAsync(repl, session, "(string? (ex-message *e))"));
    }

    [Fact]
    public async Task In_ns_and_ns_change_the_namespace_and_definitions_land_there()
    {
        using var t = TestDb.InMemory();
        await t.LoadAsync("(ns core)\n(defn greet [n] (str \"hello \" n))\n");
        using var vm = await t.VmAsync();
        using var repl = new ReplEvaluator(vm, t.Db);
        var session = new ReplSession();
        var (outcome, _) = await EvalAsync(repl, session, "(in-ns 'core)");
        Assert.Equal("core", outcome!.Namespace);
        Assert.Equal("\"hello ann\"", await ValueAsync(repl, session, "(greet \"ann\")"));
        await ValueAsync(repl, session, "(ns app (:require [core :as c]))");
        Assert.Equal("app", session.Namespace);
        Assert.Equal("\"hello bo\"", await ValueAsync(repl, session, "(c/greet \"bo\")"));
        await ValueAsync(repl, session, "(defn run [] (c/greet \"cy\"))");
        Assert.Equal("\"hello cy\"", vm.Run("app/run", []).Value);
    }

    [Fact]
    public async Task Doc_and_source_print_from_the_datoms()
    {
        using var t = TestDb.InMemory();
        using var vm = await t.VmAsync();
        using var repl = new ReplEvaluator(vm, t.Db);
        var session = new ReplSession();
        await ValueAsync(repl, session, "(defn f \"Adds one.\" [x] (inc x))");
        var (_, doc) = await EvalAsync(repl, session, "(doc f)");
        Assert.Equal("-------------------------\nuser/f\n([x])\n  Adds one.\n", doc);
        var (_, source) = await EvalAsync(repl, session, "(source f)");
        Assert.Contains("(defn f \"Adds one.\" [x]", source, StringComparison.Ordinal);
        var completions = ReplInfo.Complete(t.Db.Current(), "user", "f");
        Assert.Contains(completions, c => c.Candidate == "f" && c.Namespace == "user");
        Assert.Contains(completions, c => c.Candidate == "first" && c.Namespace == "clojure.core");
    }

    [Fact]
    public async Task Errors_name_the_problem_and_the_session_goes_on()
    {
        using var t = TestDb.InMemory();
        using var vm = await t.VmAsync();
        using var repl = new ReplEvaluator(vm, t.Db);
        var session = new ReplSession();
        var (unknown, _) = await EvalAsync(repl, session, "(nope 1)");
        Assert.StartsWith("<repl>:1:2: unknown function nope", unknown!.Error!.Message, StringComparison.Ordinal);
        var (later, _) = await EvalAsync(repl, session, "\n\n(+ 1\n   (nope))");
        Assert.StartsWith("<repl>:4:5: unknown function nope", later!.Error!.Message, StringComparison.Ordinal);
        var (syntax, _) = await EvalAsync(repl, session, "(+ 1 2]");
        Assert.NotNull(syntax!.Error);
        var (fuel, _) = await EvalAsync(repl, session, "(loop [i 0] (recur (inc i)))", new RunLimits([new FuelLimit(10_000)]));
        Assert.True(fuel!.Error!.Text.Contains("fuel", StringComparison.Ordinal), fuel.Error.Text);
        Assert.Equal("3", await ValueAsync(repl, session, "(+ 1 2)"));
    }

    [Fact]
    public async Task A_cancelled_run_stops()
    {
        using var t = TestDb.InMemory();
        using var vm = await t.VmAsync();
        using var repl = new ReplEvaluator(vm, t.Db);
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();
        var (outcome, _) = await EvalAsync(repl, new ReplSession(), "(loop [i 0] (recur (inc i)))", cancellation: cancel.Token);
        Assert.Contains("cancelled", outcome!.Error!.Text, StringComparison.Ordinal);
    }
}

public class ReplFormsTests
{
    [Theory]
    [InlineData("(+ 1 2)", true)]
    [InlineData("(+ 1", false)]
    [InlineData("(str \"(\" \\( )", true)]
    [InlineData("(str \"a", false)]
    [InlineData("; only a comment (", true)]
    [InlineData("'", false)]
    [InlineData("^:private", false)]
    [InlineData("#{1 2", false)]
    [InlineData("#inst \"2020-01-01\"", true)]
    [InlineData("", true)]
    public void Complete_means_every_form_is_closed(string text, bool complete) => Assert.Equal(complete, ReplForms.IsComplete(text));

    [Fact]
    public void Forms_are_split_with_their_lines()
    {
        var split = ReplForms.Split("(def a 1)\n  (+ a\n 2) x ; c\n'y");
        Assert.Equal(["(def a 1)", "(+ a\n 2)", "x", "'y"], split.Forms.Select(f => f.Text));
        Assert.Equal([1, 2, 3, 4], split.Forms.Select(f => f.Line));
        Assert.Equal(3, split.Forms[1].Column);
    }
}

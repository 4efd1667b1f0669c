using Datom.Index.Query;
using Datom.Log.Edn;
using Datom.Log.Model;
using Datom.Vm.Ast;
using Datom.Vm.Reading;
using Datom.Vm.Tests.Support;
using Xunit;
using ValueType = Datom.Log.Model.ValueType;

namespace Datom.Vm.Tests;

public class LoaderTests
{
    private static readonly Keyword FnName = Keyword.Parse("fn/name");

    [Fact]
    public async Task Loading_makes_AST_datoms_in_the_design_vocabulary()
    {
        using var t = TestDb.InMemory();
        var result = await t.LoadAsync(Programs.Users);
        Assert.True(result.Transacted);
        var view = t.Db.Current();

        var fn = Single(view, FnName, Value.String("process-user"));
        Assert.Equal(Value.Keyword("ast.type/function"), One(view, fn, "ast/type"));
        Assert.Equal(Value.String("core"), One(view, fn, "ast/namespace"));
        Assert.Equal(Value.String("core.clj"), One(view, fn, "ast/location"));
        Assert.Equal(Value.Long(6), One(view, fn, "ast/line"));

        var param = One(view, fn, "fn/param").AsRef;
        Assert.Equal(Value.String("user"), One(view, param, "param/name"));
        var user = One(view, param, "param/type").AsRef;
        Assert.Equal(Value.String("User"), One(view, user, "type/name"));
        Assert.Equal(ValueType.Instant, One(view, user, "type/defined-at").Type);

        var result2 = One(view, fn, "fn/return-type").AsRef;
        Assert.Equal(Value.String("Result"), One(view, result2, "type/name"));

        // A call to a named function refers to the function's entity.
        var greet = Single(view, FnName, Value.String("greet"));
        var calls = view.Match(null, Keyword.Parse("ast/function"), Value.Ref(greet)).Select(d => d.E).ToList();
        var call = Assert.Single(calls);
        Assert.Equal(Value.Keyword("ast.type/call"), One(view, call, "ast/type"));
        Assert.Equal(Value.Long(Programs.GreetCallLine), One(view, call, "ast/line"));
    }

    [Fact]
    public async Task Every_node_read_from_source_has_a_location_and_a_line()
    {
        using var t = TestDb.InMemory();
        await t.LoadAsync(Programs.Users);
        var view = t.Db.Current();
        var nodes = view.Match(null, AstSchema.Key, null).Select(d => d.E).ToList();
        Assert.True(nodes.Count > 40);
        foreach (var e in nodes)
        {
            if (One(view, e, "ast/type") == Value.Keyword("ast.type/type"))
                continue; // built-in types are not read from source
            Assert.Equal(Value.String("core.clj"), One(view, e, "ast/location"));
            Assert.True(One(view, e, "ast/line").AsLong > 0);
        }
    }

    [Fact]
    public async Task Literals_carry_their_own_line()
    {
        using var t = TestDb.InMemory();
        await t.LoadAsync("(ns core)\n(defn f []\n  (str \"a\"\n       1\n       :k\n       nil))");
        var view = t.Db.Current();
        Assert.Equal(3, LineOf(view, "core/f#b0.a0"));
        Assert.Equal(4, LineOf(view, "core/f#b0.a1"));
        Assert.Equal(5, LineOf(view, "core/f#b0.a2"));
        Assert.Equal(6, LineOf(view, "core/f#b0.a3"));
    }

    [Fact]
    public async Task Loading_the_same_source_twice_transacts_nothing()
    {
        using var t = TestDb.InMemory();
        await t.LoadAsync(Programs.Users);
        var entries = t.Log.DurableCount;
        var again = await t.LoadAsync(Programs.Users);
        Assert.False(again.Transacted);
        Assert.Equal(0, again.Asserted + again.Retracted);
        Assert.Equal(entries, t.Log.DurableCount);
    }

    [Fact]
    public async Task Loading_a_changed_source_transacts_only_the_datoms_that_differ()
    {
        using var t = TestDb.InMemory();
        await t.LoadAsync(Programs.Users);
        var before = Datoms(t.Db.Current());
        var edited = Programs.Users.Replace("\"Hello, \"", "\"Hi, \"", StringComparison.Ordinal);
        var result = await t.LoadAsync(edited);
        Assert.True(result.Transacted);
        Assert.Equal(["core/greet"], result.Changed);
        // One literal's value: one retraction, one assertion.
        Assert.Equal(1, result.Asserted);
        Assert.Equal(1, result.Retracted);
        var after = Datoms(t.Db.Current());
        var gone = before.Except(after).ToList();
        var added = after.Except(before).ToList();
        Assert.Equal("\"Hello, \"", Assert.Single(gone).V);
        Assert.Equal("\"Hi, \"", Assert.Single(added).V);
    }

    [Fact]
    public async Task A_new_line_moves_only_the_lines_below_it()
    {
        using var t = TestDb.InMemory();
        await t.LoadAsync(Programs.Users);
        var edited = Programs.Users.Replace("(defn main []", "\n(defn main []", StringComparison.Ordinal);
        var result = await t.LoadAsync(edited);
        Assert.Equal(["core/main", "core/twice"], result.Changed);
        Assert.Equal(result.Asserted, result.Retracted);
    }

    [Fact]
    public async Task The_reason_is_stored_as_tx_reason()
    {
        using var t = TestDb.InMemory();
        var result = await t.LoadAsync(Programs.Users, reason: "first version");
        var reason = t.Db.Current().Match(result.Entry!.Tx, Keyword.Parse("tx/reason"), null).Single();
        Assert.Equal(Value.String("first version"), reason.V);
    }

    [Fact]
    public async Task A_removed_definition_is_retracted_down_to_its_key()
    {
        using var t = TestDb.InMemory();
        await t.LoadAsync(Programs.Users);
        var greet = Single(t.Db.Current(), FnName, Value.String("greet"));
        var without = "(ns core)\n(defn main [] 1)\n";
        var result = await t.LoadAsync(without);
        Assert.Contains("core/greet", result.Changed);
        var left = t.Db.Current().Match(greet, null, null).ToList();
        Assert.Equal(AstSchema.Key, Assert.Single(left).A);
        // Loading it again revives the same entity.
        await t.LoadAsync(Programs.Users);
        Assert.Equal(greet, Single(t.Db.Current(), FnName, Value.String("greet")));
    }

    [Fact]
    public async Task Defined_at_stays_while_a_record_is_unchanged_and_moves_when_its_fields_change()
    {
        var clock = new ManualClock(DateTimeOffset.Parse("2025-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        using var t = TestDb.InMemory(clock);
        await t.LoadAsync(Programs.Users);
        clock.Now = clock.Now.AddDays(1);
        await t.LoadAsync(Programs.Users.Replace("(defn twice", "(defn thrice", StringComparison.Ordinal));
        var view = t.Db.Current();
        var user = view.Match(null, AstSchema.Key, Value.String("core/User")).Single().E;
        Assert.Equal(Value.Instant(DateTimeOffset.Parse("2025-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture)), One(view, user, "type/defined-at"));
        await t.LoadAsync(Programs.Users.Replace("^Long age", "^Long age ^String email", StringComparison.Ordinal));
        Assert.Equal(Value.Instant(clock.Now), One(t.Db.Current(), user, "type/defined-at"));
    }

    [Theory]
    [InlineData("(ns core)\n(defn f [x]\n  (+ x 1)", 2, "syntax error: unterminated list")]
    [InlineData("(ns core)\n(defn f [x] (+ x 1)))", 2, "syntax error: unmatched ')'")]
    [InlineData("(ns core)\n(defn f [x]\n  (gret x))", 3, "unknown function gret")]
    [InlineData("(ns core)\n(defn f [x]\n  y)", 3, "unknown symbol y")]
    [InlineData("(ns core)\n(defn f [^Usr x] x)", 2, "unknown type Usr")]
    [InlineData("(ns core)\n(defn f [x] (+ 1 (recur x)))", 2, "recur can only be in tail position")]
    [InlineData("(ns core)\n(defn f [x] (recur))", 2, "recur takes 1 argument(s)")]
    [InlineData("(ns core)\n(defn f [x] x)\n(defn f [y] y)", 3, "f is defined twice")]
    [InlineData("(defn f [x] x)", 1, "a file starts with (ns name)")]
    [InlineData("(ns core)\n(defn f [& xs ys] xs)", 2, "& is followed by exactly one parameter")]
    [InlineData("(ns core)\n(def x 1 2)", 2, "(def x value) takes one value")]
    [InlineData("(ns core)\n(println (gret 1))", 2, "unknown function gret")]
    public async Task Bad_source_is_refused_with_its_line_and_nothing_is_transacted(string source, int line, string message)
    {
        using var t = TestDb.InMemory();
        var entries = t.Log.DurableCount;
        var e = await Assert.ThrowsAsync<CodeException>(() => t.LoadAsync(source));
        Assert.Equal(line, e.Line);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
        Assert.StartsWith("core.clj:" + line, e.Message, StringComparison.Ordinal);
        Assert.True(t.Log.DurableCount <= entries + 1); // at most the schema
    }

    [Fact]
    public async Task Qualified_calls_reach_other_namespaces()
    {
        using var t = TestDb.InMemory();
        await t.LoadAsync("(ns util)\n(defn shout [s] (str s \"!\"))", "util.clj");
        await t.LoadAsync("(ns app)\n(defn main [] (util/shout \"hey\"))", "app.clj");
        using var vm = await t.VmAsync();
        Assert.Equal("\"hey!\"", vm.Run("app/main", []).Value);
    }

    // ---- helpers ----

    internal static EntityId Single(IDatomView view, Keyword a, Value v) => view.Match(null, a, v).Single().E;

    internal static Value One(IDatomView view, EntityId e, string attribute) => view.Match(e, Keyword.Parse(attribute), null).Single().V;

    private static long LineOf(IDatomView view, string key) =>
        One(view, Single(view, AstSchema.Key, Value.String(key)), "ast/line").AsLong;

    /// <summary>Every code datom, with entities named by key so that sets compare across loads.</summary>
    internal static HashSet<(string E, string A, string V)> Datoms(IDatomView view)
    {
        var keys = view.Match(null, AstSchema.Key, null).ToDictionary(d => d.E, d => d.V.AsString);
        var result = new HashSet<(string, string, string)>();
        foreach (var (e, key) in keys)
        {
            foreach (var d in view.Match(e, null, null))
            {
                var v = d.V.Type == ValueType.Ref ? "->" + (keys.TryGetValue(d.V.AsRef, out var k) ? k : d.V.AsRef.ToString()) : d.V.ToString();
                result.Add((key, d.A.ToString(), v));
            }
        }
        return result;
    }
}

/// <summary>A clock the test moves.</summary>
public sealed class ManualClock(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;
}

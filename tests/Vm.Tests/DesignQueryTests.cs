using Datom.Index.Query;
using Datom.Log.Edn;
using Datom.Log.Model;
using Datom.Vm.Tests.Support;
using Xunit;

namespace Datom.Vm.Tests;

/// <summary>The two queries of DESIGN.md ("Code as datoms"), on a loaded program with User types.</summary>
public class DesignQueryTests
{
    private const string FunctionsTakingUserReturningTypesDefinedSince = """
        [:find ?fn-name ?rt :in $ ?since :where [?fn :fn/param ?p] [?p :param/type ?t] [?t :type/name "User"]
         [?fn :fn/name ?fn-name] [?fn :fn/return-type ?rt] [?rt :type/defined-at ?time] [(> ?time ?since)]]
        """;

    private const string CallSitesOfFunctionsTakingUser = """
        [:find ?site ?line :where [?c :ast/type :ast.type/call] [?c :ast/function ?f] [?f :fn/param ?p]
         [?p :param/type ?t] [?t :type/name "User"] [?c :ast/location ?site] [?c :ast/line ?line]]
        """;

    private static readonly DateTimeOffset Defined = DateTimeOffset.Parse("2025-06-01T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture);

    private static async Task<TestDb> LoadedAsync()
    {
        var t = TestDb.InMemory(new ManualClock(Defined));
        await t.LoadAsync(Programs.Users);
        return t;
    }

    /// <summary>The first query, clause by clause, through <see cref="IDatomView.Match"/>.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1859", Justification = "The point is that any IDatomView answers it.")]
    private static HashSet<(string Name, EntityId ReturnType)> FunctionsTakingUser(IDatomView db, DateTimeOffset since)
    {
        var result = new HashSet<(string, EntityId)>();
        foreach (var t in db.Match(null, K("type/name"), Value.String("User")))
        foreach (var p in db.Match(null, K("param/type"), Value.Ref(t.E)))
        foreach (var fn in db.Match(null, K("fn/param"), Value.Ref(p.E)))
        foreach (var name in db.Match(fn.E, K("fn/name"), null))
        foreach (var rt in db.Match(fn.E, K("fn/return-type"), null))
        foreach (var time in db.Match(rt.V.AsRef, K("type/defined-at"), null))
        {
            if (time.V > Value.Instant(since))
                result.Add((name.V.AsString, rt.V.AsRef));
        }
        return result;
    }

    /// <summary>The second query, clause by clause, through <see cref="IDatomView.Match"/>.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1859", Justification = "The point is that any IDatomView answers it.")]
    private static HashSet<(string Site, long Line)> CallSites(IDatomView db)
    {
        var result = new HashSet<(string, long)>();
        foreach (var c in db.Match(null, K("ast/type"), Value.Keyword("ast.type/call")))
        foreach (var f in db.Match(c.E, K("ast/function"), null))
        foreach (var p in db.Match(f.V.AsRef, K("fn/param"), null))
        foreach (var t in db.Match(p.V.AsRef, K("param/type"), null))
        {
            if (!db.Match(t.V.AsRef, K("type/name"), Value.String("User")).Any())
                continue;
            foreach (var site in db.Match(c.E, K("ast/location"), null))
            foreach (var line in db.Match(c.E, K("ast/line"), null))
                result.Add((site.V.AsString, line.V.AsLong));
        }
        return result;
    }

    [Fact]
    public async Task Functions_that_take_a_User_and_return_a_type_defined_since_a_time()
    {
        using var t = await LoadedAsync();
        var db = t.Db.Current();
        var resultType = db.Match(null, K("type/name"), Value.String("Result")).Single().E;
        Assert.Equal([("process-user", resultType)], FunctionsTakingUser(db, Defined.AddDays(-1)));
        // greet takes a User too, but returns String, a built-in type that was never "defined".
        Assert.Empty(FunctionsTakingUser(db, Defined));
    }

    [Fact]
    public async Task Call_sites_of_functions_that_take_a_User()
    {
        using var t = await LoadedAsync();
        Assert.Equal([("core.clj", (long)Programs.GreetCallLine), ("core.clj", (long)Programs.ProcessUserCallLine)], CallSites(t.Db.Current()));
    }

    [Fact]
    public async Task The_literal_Datalog_of_DESIGN_md_gives_the_same_answers()
    {
        using var t = await LoadedAsync();
        var db = t.Db.Current();
        var resultType = db.Match(null, K("type/name"), Value.String("Result")).Single().E;

        var first = DatalogQuery.Parse(FunctionsTakingUserReturningTypesDefinedSince).Run(db, Defined.AddDays(-1));
        var row = Assert.Single(first.Rows);
        Assert.Equal("process-user", row[0]);
        Assert.Equal(resultType, row[1]);
        Assert.Empty(DatalogQuery.Parse(FunctionsTakingUserReturningTypesDefinedSince).Run(db, Defined).Rows);

        var second = DatalogQuery.Parse(CallSitesOfFunctionsTakingUser).Run(db);
        var rows = second.Rows.Select(r => ((string)r[0]!, (long)r[1]!)).ToHashSet();
        Assert.Equal(CallSites(db), rows);
        Assert.Equal(2, rows.Count);
    }

    [Fact]
    public async Task A_program_can_query_its_own_structure()
    {
        using var t = await LoadedAsync();
        await t.LoadAsync("""
            (ns tools)
            (defn user-call-sites []
              (query (quote [:find ?line :where [?c :ast/function ?f] [?f :fn/param ?p]
                             [?p :param/type ?t] [?t :type/name "User"] [?c :ast/line ?line]])))
            """, "tools.clj");
        using var vm = await t.VmAsync();
        var result = vm.Run("tools/user-call-sites", []);
        // A set of rows, which prints in Clojure's hash order: compared as a set.
        var expected = (EdnSet)Yin.Edn($"#{{[{Programs.GreetCallLine}] [{Programs.ProcessUserCallLine}]}}")!;
        Assert.True(expected.Equals(Yin.Edn(result.ToString()) as EdnSet), result.ToString());
    }

    private static Keyword K(string text) => Keyword.Parse(text);
}

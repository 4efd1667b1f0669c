using System.Text.Json;
using Xunit;

namespace Datom.Node.Tests;

/// <summary>
/// Issue 13 item 5: the views of DESIGN.md from <c>datom query</c> (current, as of a frontier or a
/// time, since, history, conflicts, a branch, filtered by author) and their combinations: each
/// works, or is refused with the reason; a misspelled option never becomes an input.
/// </summary>
public class CliViewTests
{
    private const string Schema = "[{:db/ident :user/name :db/valueType :db.type/string :db/cardinality :db.cardinality/one :db/unique :db.unique/identity} "
        + "{:db/ident :user/age :db/valueType :db.type/long :db/cardinality :db.cardinality/one}]\n";

    private const string AnnsAge = "[:find ?a . :where [?e :user/name \"Ann\"] [?e :user/age ?a]]";
    private const string Names = "[:find [?n ...] :where [_ :user/name ?n]]";
    private const string AgeHistory = "[:find ?a ?added :where [_ :user/age ?a _ ?added]]";

    /// <summary>A node with two transactions after the schema; returns its directory and the first one's hash.</summary>
    private static (string Data, string First) Node(TempDirectory dir)
    {
        var data = dir.Sub("node");
        Assert.Equal(0, DatomProcess.Run(null, "init", "--data", data).ExitCode);
        var result = DatomProcess.Run(Schema
            + "[{:db/id \"ann\" :user/name \"Ann\" :user/age 41}]\n"
            + "[[:db/add [:user/name \"Ann\"] :user/age 42] {:user/name \"Bob\" :user/age 35}]\n", "transact", "--data", data, "-");
        Assert.Equal(0, result.ExitCode);
        var first = JsonDocument.Parse(result.Lines[1]).RootElement.GetProperty("hash").GetString()!;
        return (data, first);
    }

    private static DatomProcess.Result Query(string data, params string[] rest) => DatomProcess.Run(null, ["query", "--data", data, "--format", "json", .. rest]);

    private static List<string> Rows(DatomProcess.Result r)
    {
        Assert.True(r.ExitCode == 0, r.Stderr);
        var root = JsonDocument.Parse(r.Stdout).RootElement;
        return root.ValueKind == JsonValueKind.Array ? [.. root.EnumerateArray().Select(Text).Order(StringComparer.Ordinal)] : [Text(root)];
    }

    /// <summary>A value or row as compact text: strings bare, rows as [a,b].</summary>
    private static string Text(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Array => "[" + string.Join(",", e.EnumerateArray().Select(Text)) + "]",
        JsonValueKind.String => e.GetString()!,
        _ => e.GetRawText(),
    };

    [Fact]
    public void Time_views_combine_with_history_conflicts_and_each_other()
    {
        using var dir = new TempDirectory();
        var (data, first) = Node(dir);

        Assert.Equal(["42"], Rows(Query(data, AnnsAge)));
        Assert.Equal(["41"], Rows(Query(data, AnnsAge, "--as-of", first)));
        // History as of the first transaction: its assertion only, not the later retraction.
        Assert.Equal(["[41,true]"], Rows(Query(data, AgeHistory, "--history", "--as-of", first)));
        Assert.Equal(["[35,true]", "[41,false]", "[41,true]", "[42,true]"], Rows(Query(data, AgeHistory, "--history")));
        // Since: only what the later transaction stated; with history, its operations.
        Assert.Equal(["Bob"], Rows(Query(data, Names, "--since", first)));
        Assert.Equal(["[35,true]", "[41,false]", "[42,true]"], Rows(Query(data, AgeHistory, "--history", "--since", first)));
        // As of and since together: a range, here empty of names (the schema is before it).
        Assert.Empty(Rows(Query(data, "[:find ?n :where [_ :user/name ?n]]", "--since", first, "--as-of", first)));
        // Conflicts as of a frontier: a view like any other (no conflict here).
        Assert.Empty(Rows(Query(data, "[:find ?e ?a :where [?e :user/age ?a]]", "--conflicts", "--as-of", first)));
        // Time limits: before everything, after everything.
        // As of a time before the schema, its attributes do not exist yet (as in Datomic's as-of).
        var before = Query(data, Names, "--as-of", "2000-01-01T00:00:00Z");
        Assert.NotEqual(0, before.ExitCode);
        Assert.Contains(":user/name is not an attribute", before.Stderr, StringComparison.Ordinal);
        Assert.Equal(2, JsonDocument.Parse(Query(data, Names, "--since", "2000-01-01T00:00:00Z").Stdout).RootElement.GetArrayLength());
    }

    [Fact]
    public void A_filtered_view_keeps_the_datoms_of_some_authors()
    {
        using var dir = new TempDirectory();
        var (data, _) = Node(dir);
        var me = DatomProcess.Run(null, "status", "--data", data, "--format", "json");
        var id = JsonDocument.Parse(me.Stdout).RootElement.GetProperty("node").GetString()!;
        var other = DatomProcess.Run(null, "init", "--data", dir.Sub("other")).Stdout.Trim().Split('\n')[0].Trim();
        Assert.Equal(2, JsonDocument.Parse(Query(data, Names, "--author", id).Stdout).RootElement.GetArrayLength());
        Assert.Equal(0, JsonDocument.Parse(Query(data, Names, "--author", other).Stdout).RootElement.GetArrayLength());
        var bad = Query(data, Names, "--author", "not-a-node");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("not a node id", bad.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--history --conflicts", "two different views")]
    [InlineData("--explain --time 3", "give one")]
    [InlineData("--time 3 --format table", "--format does not apply")]
    [InlineData("--asof x", "unknown option --asof")]
    [InlineData("--fule 3", "unknown option --fule")]
    [InlineData("--as-of nonsense", "neither an ISO-8601 time nor an entry hash")]
    [InlineData("--since nonsense", "neither an ISO-8601 time nor an entry hash")]
    public void Combinations_that_cannot_work_are_refused_with_the_reason(string options, string mentions)
    {
        using var dir = new TempDirectory();
        var data = dir.Sub("node");
        Assert.Equal(0, DatomProcess.Run(null, "init", "--data", data).ExitCode);
        var result = DatomProcess.Run(null, ["query", "--data", data, "[:find ?e :where [?e :db/ident]]", .. options.Split(' ')]);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(mentions, result.Stderr, StringComparison.Ordinal);
    }
}

using System.Text.Json;
using Xunit;

namespace Datom.Node.Tests;

/// <summary>datom query and datom pull, with the formats DESIGN.md fixes for scripts.</summary>
public class CliQueryTests
{
    private const string Schema = "[{:db/ident :user/name :db/valueType :db.type/string :db/cardinality :db.cardinality/one} "
        + "{:db/ident :user/email :db/valueType :db.type/string :db/cardinality :db.cardinality/one :db/unique :db.unique/identity} "
        + "{:db/ident :user/age :db/valueType :db.type/long :db/cardinality :db.cardinality/one} "
        + "{:db/ident :user/friend :db/valueType :db.type/ref :db/cardinality :db.cardinality/many} "
        + "{:db/ident :user/kind :db/valueType :db.type/keyword :db/cardinality :db.cardinality/one}]\n";

    private static string Node(TempDirectory dir)
    {
        var data = dir.Sub("node");
        DatomProcess.Run(null, "init", "--data", data);
        var tx = Schema
            + "[{:db/id \"ann\" :user/name \"Ann\" :user/email \"ann@x\" :user/age 41 :user/kind :admin}"
            + " {:db/id \"bob\" :user/name \"Bob\" :user/email \"bob@x\" :user/age 35 :user/friend \"ann\" :user/kind :user}]\n";
        Assert.Equal(0, DatomProcess.Run(tx, "transact", "--data", data, "-").ExitCode);
        return data;
    }

    [Fact]
    public void Relations_collections_scalars_and_tuples_in_json()
    {
        using var dir = new TempDirectory();
        var data = Node(dir);
        var relation = DatomProcess.Run(null, "query", "--data", data, "--format", "json", "[:find ?n ?a :where [?e :user/name ?n] [?e :user/age ?a]]");
        Assert.Equal(0, relation.ExitCode);
        var rows = JsonDocument.Parse(relation.Stdout).RootElement.EnumerateArray().Select(r => (r[0].GetString(), r[1].GetInt64())).OrderBy(r => r.Item1).ToList();
        Assert.Equal([("Ann", 41L), ("Bob", 35L)], rows);

        var collection = DatomProcess.Run(null, "query", "--data", data, "--format", "json", "[:find [?k ...] :where [_ :user/kind ?k]]");
        Assert.Equal([":admin", ":user"], JsonDocument.Parse(collection.Stdout).RootElement.EnumerateArray().Select(e => e.GetString()).Order());

        var scalar = DatomProcess.Run(null, "query", "--data", data, "--format", "json", "[:find ?a . :in $ ?n :where [?e :user/name ?n] [?e :user/age ?a]]", "\"Ann\"");
        Assert.Equal("41", scalar.Stdout.Trim());

        var edn = DatomProcess.Run(null, "query", "--data", data, "[:find (count ?e) . :where [?e :user/name]]");
        Assert.Equal("2", edn.Stdout.Trim());

        var table = DatomProcess.Run(null, "query", "--data", data, "--format", "table", "[:find ?n :where [?e :user/name ?n]]");
        Assert.Contains("2 rows", table.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Time_prints_one_json_object_and_explain_prints_the_plan()
    {
        using var dir = new TempDirectory();
        var data = Node(dir);
        var timed = DatomProcess.Run(null, "query", "--data", data, "--time", "5", "[:find ?e :where [?e :user/name \"Ann\"]]");
        var o = JsonDocument.Parse(timed.Stdout).RootElement;
        Assert.Equal(5, o.GetProperty("runs").GetInt32());
        Assert.Equal(1, o.GetProperty("rows").GetInt32());
        Assert.True(o.GetProperty("median_ms").GetDouble() >= 0);
        Assert.True(o.GetProperty("min_ms").GetDouble() <= o.GetProperty("median_ms").GetDouble());

        var explain = DatomProcess.Run(null, "query", "--data", data, "--explain", "[:find ?a :where [?e :user/age ?a] [?e :user/name \"Ann\"]]");
        Assert.Equal(0, explain.ExitCode);
        Assert.Contains("plan", explain.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Pull_follows_refs_and_reverse_refs()
    {
        using var dir = new TempDirectory();
        var data = Node(dir);
        var pulled = DatomProcess.Run(null, "pull", "--data", data, "--format", "json", "[:user/name {:user/friend [:user/name]} :user/_friend]", "[:user/email \"bob@x\"]");
        Assert.Equal(0, pulled.ExitCode);
        var map = JsonDocument.Parse(pulled.Stdout).RootElement;
        Assert.Equal("Bob", map.GetProperty(":user/name").GetString());
        Assert.Equal("Ann", map.GetProperty(":user/friend")[0].GetProperty(":user/name").GetString());
        var ann = DatomProcess.Run(null, "pull", "--data", data, "[:user/name :user/_friend]", "[:user/email \"ann@x\"]");
        Assert.Contains("_friend", ann.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[:find ?e :where [?e :user/nme \"x\"]]", ":user/nme")]
    [InlineData("[:find ?x :where [?e :user/name ?n]]", "?x")]
    [InlineData("[:find ?e :where [?e :user/name", "")]
    [InlineData("[:find ?e :in $ ?n :where [?e :user/name ?n]]", ":in")]
    public void Bad_queries_get_a_clear_error(string query, string mentions)
    {
        using var dir = new TempDirectory();
        var data = Node(dir);
        var result = DatomProcess.Run(null, "query", "--data", data, query);
        Assert.NotEqual(0, result.ExitCode);
        Assert.StartsWith("datom: ", result.Stderr, StringComparison.Ordinal);
        Assert.Contains(mentions, result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Stderr, StringComparison.Ordinal);
    }
}

using System.Text.Json;
using Xunit;

namespace Datom.Node.Tests;

/// <summary>datom datoms: raw index access as d/datoms, d/seek-datoms and d/index-range, one JSON datom per line.</summary>
public class CliDatomsTests
{
    private const string Tx = "[{:db/ident :user/name :db/valueType :db.type/string :db/cardinality :db.cardinality/one} "
        + "{:db/ident :user/email :db/valueType :db.type/string :db/cardinality :db.cardinality/one :db/unique :db.unique/identity} "
        + "{:db/ident :user/age :db/valueType :db.type/long :db/cardinality :db.cardinality/one} "
        + "{:db/ident :user/friend :db/valueType :db.type/ref :db/cardinality :db.cardinality/many}]\n"
        + "[{:db/id \"ann\" :user/name \"Ann\" :user/email \"ann@x\" :user/age 41}"
        + " {:db/id \"bob\" :user/name \"Bob\" :user/email \"bob@x\" :user/age 35 :user/friend \"ann\"}"
        + " {:db/id \"cid\" :user/name \"Cid\" :user/email \"cid@x\" :user/age 29 :user/friend \"ann\"}]\n";

    private static string Node(TempDirectory dir)
    {
        var data = dir.Sub("node");
        DatomProcess.Run(null, "init", "--data", data);
        Assert.Equal(0, DatomProcess.Run(Tx, "transact", "--data", data, "-").ExitCode);
        return data;
    }

    private static List<JsonElement> Datoms(string data, params string[] args)
    {
        var r = DatomProcess.Run(null, ["datoms", "--data", data, .. args]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        return [.. r.Lines.Select(l => JsonDocument.Parse(l).RootElement)];
    }

    [Fact]
    public void Datoms_by_index_and_components()
    {
        using var dir = new TempDirectory();
        var data = Node(dir);
        var ann = Datoms(data, "eavt", "[:user/email \"ann@x\"]");
        Assert.Equal([":user/name", ":user/email", ":user/age"], ann.Select(d => d[1].GetString()));
        Assert.All(ann, d => Assert.True(d[4].GetBoolean()));
        var annId = ann[0][0].GetString();

        var ages = Datoms(data, "avet", ":user/age");
        Assert.Equal([29L, 35L, 41L], ages.Select(d => d[2].GetInt64()));
        Assert.Equal(["Ann"], Datoms(data, "avet", ":user/name", "\"Ann\"").Select(d => d[2].GetString()));
        Assert.Equal(3, Datoms(data, "aevt", ":user/name").Count);
        Assert.Equal(2, Datoms(data, "vaet", "[:user/email \"ann@x\"]", ":user/friend").Count);
        Assert.All(Datoms(data, "vaet", "[:user/email \"ann@x\"]"), d => Assert.Equal(annId, d[2].GetString()));
        Assert.Single(Datoms(data, "eavt", $"#id \"{annId}\"", ":user/age"));
        Assert.Equal(2, Datoms(data, "aevt", ":user/name", "--limit", "2").Count);
    }

    [Fact]
    public void Seek_datoms_and_index_range()
    {
        using var dir = new TempDirectory();
        var data = Node(dir);
        // d/seek-datoms: from "Bob" on, to the end of AVET (past :user/name into later attributes).
        var seek = Datoms(data, "avet", ":user/name", "\"Bob\"", "--seek");
        Assert.Equal(["Bob", "Cid"], seek.Take(2).Select(d => d[2].GetString()));
        Assert.True(seek.Count > 2);
        // d/index-range: 30 <= age < 41.
        Assert.Equal([35L], Datoms(data, "avet", ":user/age", "--from", "30", "--to", "41").Select(d => d[2].GetInt64()));
        Assert.Equal([29L, 35L], Datoms(data, "avet", ":user/age", "--to", "41").Select(d => d[2].GetInt64()));
    }

    [Theory]
    [InlineData("unknown index 'xyz': expected eavt, aevt, avet or vaet", "xyz")]
    [InlineData(":nope is not an attribute", "aevt", ":nope")]
    [InlineData("lookup ref [:user/email \"nobody\"] names no entity", "eavt", "[:user/email \"nobody\"]")]
    [InlineData("value: :user/age holds long values; \"x\" is not one", "avet", ":user/age", "\"x\"")]
    [InlineData("--from and --to (d/index-range) take the avet index and one component", "eavt", ":user/age", "--from", "1")]
    [InlineData("the entity is #id", "eavt", "42")]
    public void Bad_components_are_named(string message, params string[] args)
    {
        using var dir = new TempDirectory();
        var data = Node(dir);
        var r = DatomProcess.Run(null, ["datoms", "--data", data, .. args]);
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains(message, r.Stderr, StringComparison.Ordinal);
        Assert.Equal("", r.Stdout);
    }
}

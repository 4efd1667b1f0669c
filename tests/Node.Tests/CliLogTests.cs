using System.Text.Json;
using Xunit;

namespace Datom.Node.Tests;

/// <summary>The log's command line: init, transact, log, log verify, with the formats DESIGN.md fixes.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public class CliLogTests
{
    /// <summary>The attributes these tests use, as the first transaction of a fresh node.</summary>
    private const string Schema = "[{:db/ident :user/name :db/valueType :db.type/string :db/cardinality :db.cardinality/one} "
        + "{:db/ident :user/age :db/valueType :db.type/long :db/cardinality :db.cardinality/one} "
        + "{:db/ident :user/score :db/valueType :db.type/double :db/cardinality :db.cardinality/one} "
        + "{:db/ident :user/blob :db/valueType :db.type/string :db/cardinality :db.cardinality/one} "
        + "{:db/ident :k/v :db/valueType :db.type/long :db/cardinality :db.cardinality/many}]\n";

    [Fact]
    public void Init_prints_the_node_id_keeps_the_key_private_and_refuses_to_overwrite()
    {
        using var dir = new TempDirectory();
        var data = dir.Sub("node");
        var first = DatomProcess.Run(null, "init", "--data", data);
        Assert.Equal(0, first.ExitCode);
        var id = first.Stdout.Trim();
        Assert.Matches("^[a-z2-7]{52}$", id);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(data, "identity", "node.key")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(data, "mesh.key")));
        var keyBefore = File.ReadAllBytes(Path.Combine(data, "identity", "node.key"));

        var again = DatomProcess.Run(null, "init", "--data", data);
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("refusing to overwrite", again.Stderr, StringComparison.Ordinal);
        Assert.Contains(id, again.Stderr, StringComparison.Ordinal);
        Assert.Equal(keyBefore, File.ReadAllBytes(Path.Combine(data, "identity", "node.key")));
    }

    [Fact]
    public void Init_with_a_mesh_key_creates_it_for_the_first_node_and_joins_it_on_the_next()
    {
        using var dir = new TempDirectory();
        var meshKey = dir.Sub("mesh.key");
        var a = DatomProcess.Run(null, "init", "--data", dir.Sub("a"), "--mesh-key", meshKey);
        Assert.Equal(0, a.ExitCode);
        Assert.Contains("created mesh", a.Stderr, StringComparison.Ordinal);
        Assert.True(File.Exists(meshKey));
        var b = DatomProcess.Run(null, "init", "--data", dir.Sub("b"), "--mesh-key", meshKey);
        Assert.Equal(0, b.ExitCode);
        Assert.Contains("joined mesh", b.Stderr, StringComparison.Ordinal);
        Assert.Equal(File.ReadAllText(meshKey), File.ReadAllText(Path.Combine(dir.Sub("b"), "mesh.key")));
        Assert.NotEqual(a.Stdout, b.Stdout);

        File.WriteAllText(dir.Sub("bad.key"), "not base64 !!!");
        var readable = DatomProcess.Run(null, "init", "--data", dir.Sub("c"), "--mesh-key", dir.Sub("bad.key"));
        Assert.NotEqual(0, readable.ExitCode);
        Assert.Contains("readable by others", readable.Stderr, StringComparison.Ordinal);
        File.SetUnixFileMode(dir.Sub("bad.key"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var bad = DatomProcess.Run(null, "init", "--data", dir.Sub("c"), "--mesh-key", dir.Sub("bad.key"));
        Assert.NotEqual(0, bad.ExitCode);
        Assert.Contains("base64", bad.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(dir.Sub("c"), "identity", "node.key")));
    }

    [Fact]
    public void Transact_stream_acknowledges_each_durable_transaction_and_log_lists_them()
    {
        using var dir = new TempDirectory();
        var data = dir.Sub("node");
        var id = DatomProcess.Run(null, "init", "--data", data).Stdout.Trim();
        var txs = string.Join('\n', Enumerable.Range(0, 20).Select(i => $"[{{:db/id \"u{i}\" :user/name \"user {i}\" :user/age {i}}} {{:db/id \"datomic.tx\" :tx/reason \"load {i}\"}}]"));
        var result = DatomProcess.Run(Schema + txs + "\n", "transact", "--data", data, "-");
        Assert.Equal(0, result.ExitCode);
        var acks = result.Lines.Skip(1).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(20, acks.Count);
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(i + 2, acks[i].GetProperty("seq").GetInt32());
            Assert.Matches("^[0-9a-f]{64}$", acks[i].GetProperty("hash").GetString()!);
            Assert.Matches("^[0-9a-f]{32}$", acks[i].GetProperty("tempids").GetProperty($"u{i}").GetString()!);
        }

        var log = DatomProcess.Run(null, "log", "--data", data, "--format", "json");
        Assert.Equal(0, log.ExitCode);
        var entries = log.Lines.Skip(1).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(20, entries.Count);
        var previous = JsonDocument.Parse(log.Lines[0]).RootElement.GetProperty("hash").GetString();
        foreach (var (entry, ack) in entries.Zip(acks))
        {
            Assert.Equal(id, entry.GetProperty("author").GetString());
            Assert.Equal(ack.GetProperty("hash").GetString(), entry.GetProperty("hash").GetString());
            var parents = entry.GetProperty("parents").EnumerateArray().Select(p => p.GetString()).ToList();
            Assert.Equal([previous], parents);
            previous = entry.GetProperty("hash").GetString();
            Assert.True(DateTimeOffset.TryParse(entry.GetProperty("time").GetString(), out _));
            var datoms = entry.GetProperty("datoms").EnumerateArray().ToList();
            Assert.Equal(3, datoms.Count);
            Assert.All(datoms, d => Assert.Equal(5, d.GetArrayLength()));
            Assert.Contains(datoms, d => d[1].GetString() == ":tx/reason" && d[0].GetString() == d[3].GetString());
        }

        var byAuthor = DatomProcess.Run(null, "log", "--data", data, "--author", id);
        Assert.Equal(21, byAuthor.Lines.Length);
        Assert.StartsWith("{:author ", byAuthor.Lines[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_transactions_are_refused_with_their_position_and_nothing_partial_is_stored()
    {
        using var dir = new TempDirectory();
        var data = dir.Sub("node");
        DatomProcess.Run(null, "init", "--data", data);
        var input = Schema + """
            [[:db/add "a" :user/name "ok 1"]]
            [[:db/add "b" :user/name "half"] [:db/add "b" :user/score 1.5M]]
            [[:db/add "c" :user/name "ok 2"]]
            [[:db/add "d" :user/name "big" ] [:db/add "d" :user/blob "{{BIG}}"]]
            [[:db/add "e" :user/name "unterminated]
            """.Replace("{{BIG}}", new string('x', 2 << 20), StringComparison.Ordinal);
        var result = DatomProcess.Run(input, "transact", "--data", data, "-");
        Assert.Equal(1, result.ExitCode);
        Assert.Equal(3, result.Lines.Length);
        Assert.Contains("3:", result.Stderr, StringComparison.Ordinal);
        Assert.Contains(":user/score holds :db.type/double values", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("too-large", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("6:", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("unterminated string", result.Stderr, StringComparison.Ordinal);

        var log = DatomProcess.Run(null, "log", "--data", data, "--format", "json");
        Assert.Equal(3, log.Lines.Length);
        Assert.DoesNotContain("half", log.Stdout, StringComparison.Ordinal);
        Assert.Equal(0, DatomProcess.Run(null, "log", "verify", "--data", data).ExitCode);
    }

    [Fact]
    public void Log_verify_names_the_file_and_offset_of_damage_and_the_log_refuses_to_open_over_it()
    {
        using var dir = new TempDirectory();
        var data = dir.Sub("node");
        DatomProcess.Run(null, "init", "--data", data);
        DatomProcess.Run(Schema + "[[:db/add \"a\" :k/v 1]]\n[[:db/add \"b\" :k/v 2]]\n[[:db/add \"c\" :k/v 3]]\n", "transact", "--data", data, "-");
        var ok = DatomProcess.Run(null, "log", "verify", "--data", data);
        Assert.Equal(0, ok.ExitCode);
        Assert.StartsWith("ok: 4 entries", ok.Stdout, StringComparison.Ordinal);

        var segment = Path.Combine(data, "log", "00000001.seg");
        var bytes = File.ReadAllBytes(segment);
        bytes[60] ^= 0x10; // inside the first record's entry
        File.WriteAllBytes(segment, bytes);
        var bad = DatomProcess.Run(null, "log", "verify", "--data", data);
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains(segment + ": offset 32:", bad.Stdout, StringComparison.Ordinal);

        var write = DatomProcess.Run("[[:db/add \"d\" :k/v 4]]\n", "transact", "--data", data, "-");
        Assert.Equal(3, write.ExitCode);
        Assert.Contains("offset 32", write.Stderr, StringComparison.Ordinal);
        Assert.Equal(bytes, File.ReadAllBytes(segment));
    }

    [Fact]
    public async Task Log_verify_checks_the_tables_and_names_a_damaged_one()
    {
        using var dir = new TempDirectory();
        var data = dir.Sub("node");
        DatomProcess.Run(null, "init", "--data", data);
        // Enough entries for a checkpoint of the tables (written here with a short interval).
        using (var identity = Log.Identity.NodeIdentity.Load(data))
        using (var log = Log.DatomLog.Open(data, identity, new Log.LogOptions { CheckpointEntries = 8, TableFlushRecords = 4 }))
        {
            for (var i = 0; i < 20; i++)
                await log.AppendAsync([new Log.Model.LogDatom(log.NewEntityId(), "k/v", Log.Model.Value.Long(i), true)]);
        }
        var ok = DatomProcess.Run(null, "log", "verify", "--data", data);
        Assert.Equal(0, ok.ExitCode);
        Assert.StartsWith("ok: 20 entries", ok.Stdout, StringComparison.Ordinal);
        Assert.Contains("ok: tables: checkpoint", ok.Stdout, StringComparison.Ordinal);
        Assert.Contains("covers 20 entries", ok.Stdout, StringComparison.Ordinal);

        var keys = Path.Combine(data, "log", "keys.tbl");
        var bytes = File.ReadAllBytes(keys);
        bytes[32 + (16 * 7) + 12] ^= 0x01; // entry 7's sequence number
        File.WriteAllBytes(keys, bytes);
        var bad = DatomProcess.Run(null, "log", "verify", "--data", data);
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains($"BAD: {keys}: offset {32 + (16 * 7)}: key 7", bad.Stdout, StringComparison.Ordinal);
        Assert.Contains("remove the log's checkpoint.* files", bad.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_second_writer_is_refused_with_the_name_of_the_holder()
    {
        using var dir = new TempDirectory();
        var data = dir.Sub("node");
        DatomProcess.Run(null, "init", "--data", data);
        using var holder = DatomProcess.Start("transact", "--data", data, "-");
        await holder.StandardInput.WriteAsync(Schema);
        await holder.StandardInput.FlushAsync();
        var ack = await holder.StandardOutput.ReadLineAsync();
        Assert.Contains("\"seq\":1", ack, StringComparison.Ordinal);

        var second = await DatomProcess.RunAsync("[[:db/add \"b\" :k/v 2]]\n", "transact", "--data", data, "-");
        Assert.Equal(3, second.ExitCode);
        Assert.Contains($"in use by pid {holder.Id} (datom transact)", second.Stderr, StringComparison.Ordinal);

        holder.StandardInput.Close();
        await holder.WaitForExitAsync();
        Assert.Equal(0, holder.ExitCode);
        var after = await DatomProcess.RunAsync("[[:db/add \"b\" :k/v 2]]\n", "transact", "--data", data, "-");
        Assert.Equal(0, after.ExitCode);
    }

    [Fact]
    public void Usage_errors_exit_2_and_missing_data_directories_exit_3()
    {
        Assert.Equal(2, DatomProcess.Run(null, "frobnicate").ExitCode);
        Assert.Equal(2, DatomProcess.Run(null, "log", "--format", "xml").ExitCode);
        using var dir = new TempDirectory();
        var missing = DatomProcess.Run(null, "log", "--data", dir.Sub("nothing"));
        Assert.Equal(3, missing.ExitCode);
        Assert.Contains("datom init", missing.Stderr, StringComparison.Ordinal);
        var help = DatomProcess.Run(null, "transact", "--help");
        Assert.Equal(0, help.ExitCode);
        Assert.Contains("--data", help.Stdout, StringComparison.Ordinal);
    }
}

using System.Diagnostics;
using System.Text.Json;
using Xunit;
using Xunit.Abstractions;

namespace Datom.Node.Tests.Daemon;

/// <summary>
/// <c>datom subscribe</c> as a user runs it: a CLI subscriber on one of three daemons (loopback,
/// static peers, no mDNS), writers on all three, and the subscriber's daemon restarted in the
/// middle. The lines it prints, applied in order, must add up to the final result.
/// </summary>
[Collection(DaemonCollection.Name)]
public class SubscribeTests(ITestOutputHelper output)
{
    private const string Schema = """
        [{:db/ident :t/name :db/valueType :db.type/string :db/cardinality :db.cardinality/one :db/unique :db.unique/identity}
         {:db/ident :t/k :db/valueType :db.type/long :db/cardinality :db.cardinality/one}]
        """;

    private const string Query = "[:find ?name ?k :where [?e :t/name ?name] [?e :t/k ?k]]";

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task A_subscriber_folds_to_the_final_result_across_1000_transactions_from_three_nodes_and_a_daemon_restart()
    {
        using var dir = new TempDirectory();
        var (a, b, c) = (dir.Sub("a"), dir.Sub("b"), dir.Sub("c"));
        Assert.Equal(0, DatomProcess.Run(null, "init", "--data", a).ExitCode);
        foreach (var d in new[] { b, c })
            Assert.Equal(0, DatomProcess.Run(null, "init", "--data", d, "--mesh-key", Path.Combine(a, "mesh.key")).ExitCode);

        var nodeA = RunningDaemon.Start(a);
        LineReader? subscriber = null;
        try
        {
            var listenA = Listen(a);
            using var nodeB = RunningDaemon.Start(b, "--peer", listenA);
            using var nodeC = RunningDaemon.Start(c, "--peer", listenA);
            Assert.Equal(0, DatomProcess.Run(Schema, "transact", "--data", a, "-").ExitCode);
            await UntilAsync(() => Rows(b) is not null && Rows(c) is not null, "the schema to reach b and c");

            subscriber = new LineReader(DatomProcess.Start("subscribe", "--data", a, Query));
            await UntilAsync(() => subscriber.Lines.Count > 0, "the subscriber's first line");

            // 1,000 transactions: a writes 300 (half before its daemon restarts, half after), b and c 350 each.
            var others = new[] { (b, "b", 350), (c, "c", 350) }.Select(w => Task.Run(() => Write(w.Item1, w.Item2, 0, w.Item3))).ToArray();
            Write(a, "a", 0, 150);
            Assert.Equal(0, nodeA.Stop());
            nodeA.Dispose();
            // a comes back on another port: it dials b and c, as a restarted node with static peers does.
            nodeA = RunningDaemon.Start(a, "--peer", Listen(b), "--peer", Listen(c));
            Write(a, "a", 150, 150);
            await Task.WhenAll(others);

            // Every node ends with the same result, and the subscriber's lines fold to it.
            var final = Rows(a)!;
            await UntilAsync(() =>
            {
                final = Rows(a)!;
                return final.SetEquals(Rows(b)!) && final.SetEquals(Rows(c)!) && Fold(subscriber.Lines).SetEquals(final);
            }, "every node and the subscriber to agree",
            () => $"a {Rows(a)?.Count}, b {Rows(b)?.Count}, c {Rows(c)?.Count} rows; the subscriber folds to {Fold(subscriber.Lines).Count} in {subscriber.Lines.Count} lines; its stderr: {subscriber.Errors}");
            output.WriteLine($"{subscriber.Lines.Count} lines; final result {final.Count} rows; subscriber stderr: {subscriber.Errors}");
            Assert.Contains("resuming from frontier", subscriber.Errors, StringComparison.Ordinal);
            Assert.True(final.Count > 100, $"only {final.Count} rows: the writers did less than planned");
        }
        finally
        {
            subscriber?.Stop();
            nodeA.Dispose();
        }
    }

    [Fact]
    public void Subscribe_without_a_daemon_or_with_a_bad_frontier_says_what_is_wrong()
    {
        using var dir = new TempDirectory();
        var a = dir.Sub("a");
        Assert.Equal(0, DatomProcess.Run(null, "init", "--data", a).ExitCode);
        var none = DatomProcess.Run(null, "subscribe", "--data", a, Query);
        Assert.Equal(3, none.ExitCode);
        Assert.Contains("no daemon runs on", none.Stderr, StringComparison.Ordinal);

        using var node = RunningDaemon.Start(a);
        var bad = DatomProcess.Run(null, "subscribe", "--data", a, Query, "--from", "nothex");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("--from: 'nothex' is not an entry hash", bad.Stderr, StringComparison.Ordinal);
        var unknown = DatomProcess.Run(null, "subscribe", "--data", a, Query, "--from", new string('a', 64));
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("is not held by this node", unknown.Stderr, StringComparison.Ordinal);
        var typo = DatomProcess.Run(null, "subscribe", "--data", a, Query, "--frm", "x");
        Assert.Equal(2, typo.ExitCode);
        Assert.Contains("--frm", typo.Stderr, StringComparison.Ordinal);
        var query = DatomProcess.Run(null, "subscribe", "--data", a, "[:find ?x :where [?x :t/k]");
        Assert.Equal(1, query.ExitCode);
        Assert.NotEmpty(query.Stderr);
    }

    /// <summary>
    /// <paramref name="count"/> transactions through one node's <c>transact -</c>: new names, updates
    /// of names this writer made (a cardinality-one change: a removed and an added row), and retractions.
    /// </summary>
    private static void Write(string data, string who, int first, int count)
    {
        var random = new Random(HashCode.Combine(who, first));
        var live = new List<int>();
        var forms = new List<string>();
        for (var i = first; i < first + count; i++)
        {
            var roll = random.Next(10);
            if (roll < 2 && live.Count > 3)
            {
                var gone = live[random.Next(live.Count)];
                live.Remove(gone);
                forms.Add($"[[:db/retractEntity [:t/name \"{who}-{gone}\"]]]");
            }
            else if (roll < 5 && live.Count > 0)
            {
                forms.Add($"[{{:t/name \"{who}-{live[random.Next(live.Count)]}\" :t/k {random.Next(1000)}}}]");
            }
            else
            {
                live.Add(i);
                forms.Add($"[{{:t/name \"{who}-{i}\" :t/k {random.Next(1000)}}}]");
            }
        }
        var result = DatomProcess.Run(string.Join('\n', forms) + "\n", "transact", "--data", data, "-");
        Assert.True(result.ExitCode == 0, $"{who}: transact exited {result.ExitCode}: {result.Stderr}");
        Assert.Equal(count, result.Lines.Length);
    }

    private static HashSet<string>? Rows(string data)
    {
        var result = DatomProcess.Run(null, "query", "--data", data, Query, "--format", "json");
        if (result.ExitCode != 0)
            return null;
        return [.. JsonDocument.Parse(result.Stdout).RootElement.EnumerateArray().Select(r => r.GetRawText())];
    }

    /// <summary>The first line's result, then each line's removed and added rows, in order.</summary>
    private static HashSet<string> Fold(IReadOnlyList<string> lines)
    {
        var rows = new HashSet<string>();
        foreach (var line in lines)
        {
            var json = JsonDocument.Parse(line).RootElement;
            if (json.TryGetProperty("result", out var result))
            {
                rows = [.. result.EnumerateArray().Select(r => r.GetRawText())];
                continue;
            }
            foreach (var r in json.GetProperty("removed").EnumerateArray())
                Assert.True(rows.Remove(r.GetRawText()), $"removed {r.GetRawText()}, which was not there");
            foreach (var r in json.GetProperty("added").EnumerateArray())
                Assert.True(rows.Add(r.GetRawText()), $"added {r.GetRawText()}, which was there already");
        }
        return rows;
    }

    private static string Listen(string data) =>
        RunningDaemon.Json(DatomProcess.Run(null, "status", "--data", data, "--format", "json").Stdout).GetProperty("daemon").GetProperty("listen").GetString()!;

    private static async Task UntilAsync(Func<bool> condition, string what, Func<string>? state = null)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > Patience)
                throw new TimeoutException($"waited {Patience.TotalSeconds} s for {what}{(state is null ? "" : ": " + state())}");
            await Task.Delay(200);
        }
    }

    /// <summary>A process's output lines as they come.</summary>
    private sealed class LineReader
    {
        private readonly Process _process;
        private readonly List<string> _lines = [];
        private readonly System.Text.StringBuilder _errors = new();

        public LineReader(Process process)
        {
            _process = process;
            process.StandardInput.Close();
            process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is { Length: > 0 } line)
                {
                    lock (_lines)
                        _lines.Add(line);
                }
            };
            process.ErrorDataReceived += (_, e) =>
            {
                lock (_errors)
                    _errors.AppendLine(e.Data);
            };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        public IReadOnlyList<string> Lines
        {
            get
            {
                lock (_lines)
                    return [.. _lines];
            }
        }

        public string Errors
        {
            get
            {
                lock (_errors)
                    return _errors.ToString();
            }
        }

        public void Stop()
        {
            if (!_process.HasExited)
                _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
            _process.Dispose();
        }
    }
}

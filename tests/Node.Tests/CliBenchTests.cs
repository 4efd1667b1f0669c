using System.Text.Json;
using Xunit;

namespace Datom.Node.Tests;

public class CliBenchTests
{
    // The scaled workload end to end on a small scale: generated, loaded durably, reopened and
    // queried by a second process that reports its memory. Times are printed, never checked.
    [Fact]
    public void Bench_query_scale_loads_reopens_and_reports_memory()
    {
        using var dir = new TempDirectory();
        var run = DatomProcess.Run(null, "bench", "query", "--scale", "3000", "--runs", "1", "--dir", dir.Sub("db"), "--format", "json");
        Assert.True(run.ExitCode == 0, run.Stderr);
        var doc = JsonDocument.Parse(run.Lines[^1]).RootElement;
        Assert.Equal(356, doc.GetProperty("people").GetInt32());
        Assert.InRange(doc.GetProperty("datoms").GetInt64(), 2800, 3200);
        var query = doc.GetProperty("query");
        // The first 20,000 people are DataScript's; of these 356, 50 are named Ivan.
        Assert.Equal(50, query.GetProperty("queries").GetProperty("q1").GetProperty("rows").GetInt32());
        Assert.InRange(query.GetProperty("peak_rss_mib").GetDouble(), 1, 1023);

        // The database stays where --dir says; --query-only reopens it.
        var again = DatomProcess.Run(null, "bench", "query", "--query-only", "--dir", dir.Sub("db"), "--runs", "1");
        Assert.True(again.ExitCode == 0, again.Stderr);
        Assert.Equal(50, JsonDocument.Parse(again.Lines[^1]).RootElement.GetProperty("queries").GetProperty("q1").GetProperty("rows").GetInt32());
    }

    // The scale bench end to end at its smallest N: written, measured at N/10 and N by new processes
    // (the as-of query agreeing with the current view, or the bench fails), and the directory kept
    // for --open-only. At this size the memory targets are not the point: exit 1 says they are missed.
    [Fact]
    public void Bench_scale_measures_at_a_tenth_and_at_n_and_reopens()
    {
        using var dir = new TempDirectory();
        var run = DatomProcess.Run(null, "bench", "scale", "--entries", "10000", "--no-pull", "--runs", "1", "--dir", dir.Sub("scale"), "--format", "json");
        Assert.True(run.ExitCode is 0 or 1, run.Stderr);
        var doc = JsonDocument.Parse(run.Lines[^1]).RootElement;
        Assert.Equal(10_000, doc.GetProperty("entries").GetInt64());
        foreach (var (at, n) in new[] { ("at_tenth", 1_000), ("at_full", 10_000) })
        {
            var measured = doc.GetProperty(at);
            Assert.Equal(n, measured.GetProperty("entries").GetInt64());
            Assert.InRange(measured.GetProperty("rss_after_open_mib").GetDouble(), 1, 1023);
            Assert.InRange(measured.GetProperty("log_open_ms").GetDouble(), 0, measured.GetProperty("open_ms").GetDouble());
            Assert.True(measured.GetProperty("status_cli_ms").GetDouble() > 0);
            Assert.True(measured.TryGetProperty("as_of_first_ms", out _));
        }
        Assert.True(doc.TryGetProperty("rss_growth_bytes_per_entry", out _));

        // --open-only takes the run's --dir, or the data directory in it.
        Assert.Equal(0, DatomProcess.Run(null, "bench", "scale", "--open-only", "--runs", "1", "--dir", Path.Combine(dir.Sub("scale"), "node")).ExitCode);
        var again = DatomProcess.Run(null, "bench", "scale", "--open-only", "--runs", "1", "--dir", dir.Sub("scale"));
        Assert.True(again.ExitCode == 0, again.Stderr);
        var reopened = JsonDocument.Parse(again.Lines[^1]).RootElement;
        Assert.Equal(10_000, reopened.GetProperty("entries").GetInt64());
        Assert.NotEmpty(reopened.GetProperty("open_notes").EnumerateArray());
    }
}

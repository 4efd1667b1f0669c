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
}

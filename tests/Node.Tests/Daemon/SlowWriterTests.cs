using System.Diagnostics;
using System.Text.Json;
using Datom.Node.Daemon;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Xunit;

namespace Datom.Node.Tests.Daemon;

/// <summary>
/// Issue 13 item 4: <c>datom transact -</c> through a daemon ended after about 5 s with "The response
/// ended prematurely", because Kestrel ends a request whose body arrives at under 240 bytes/s once
/// a 5 s grace is over. A writer may be idle between transactions for as long as it likes.
/// </summary>
[Collection(DaemonCollection.Name)]
public class SlowWriterTests
{
    [Fact]
    public void The_local_api_sets_no_minimum_data_rate_and_no_body_size_limit()
    {
        var options = new KestrelServerOptions();
        Assert.NotNull(options.Limits.MinRequestBodyDataRate); // Kestrel's default, which the API must turn off
        NodeHost.ConfigureApi(options, Path.Combine(Path.GetTempPath(), "unused.sock"));
        Assert.Null(options.Limits.MinRequestBodyDataRate);
        Assert.Null(options.Limits.MinResponseDataRate);
        Assert.Null(options.Limits.MaxRequestBodySize);
    }

    [Fact]
    public async Task A_transaction_stream_idle_longer_than_kestrels_grace_period_gets_every_acknowledgement()
    {
        using var dir = new TempDirectory();
        var data = dir.Sub("node");
        Assert.Equal(0, DatomProcess.Run(null, "init", "--data", data).ExitCode);
        using var daemon = RunningDaemon.Start(data);
        // A writer that pauses between transactions for longer than Kestrel's 5 s grace (checked by
        // its once-a-second heartbeat). The pauses are the scenario, not a wait for something: with
        // no rate limit the stream survives any pause, so a slower machine only makes them longer.
        const string Writer = "echo '[{:db/ident :w/n :db/valueType :db.type/long :db/cardinality :db.cardinality/one}]'; sleep 7; "
            + "echo '[{:db/id \"a\" :w/n 1}]'; sleep 7; echo '[{:db/id \"b\" :w/n 2}]'";
        var info = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add($"({Writer}) | '{DatomProcess.Dotnet}' '{DatomProcess.DllPath}' transact --data '{data}' -");
        info.Environment.Remove("DATOM_DATA");
        using var writer = Process.Start(info)!;
        var stderr = writer.StandardError.ReadToEndAsync();
        var lines = new List<string>();
        while (await writer.StandardOutput.ReadLineAsync() is { } line)
            lines.Add(line);
        using (var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
            await writer.WaitForExitAsync(limit.Token);
        Assert.True(writer.ExitCode == 0, $"exit {writer.ExitCode} after {lines.Count} acknowledgement(s): {await stderr}");
        Assert.Equal(3, lines.Count);
        var seqs = lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("seq").GetInt64()).ToList();
        Assert.Equal([seqs[0], seqs[0] + 1, seqs[0] + 2], seqs);
        Assert.Equal(0, daemon.Stop());
    }
}

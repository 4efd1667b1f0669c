using System.CommandLine;
using System.Text;
using System.Text.Json;
using Datom.Log.Identity;
using Datom.Node.Output;

namespace Datom.Node.Commands;

/// <summary><c>datom status [--data DIR] [--format table|json]</c>: the node and its database.</summary>
internal static class StatusCommand
{
    public static Command Create()
    {
        var format = new Option<string>("--format") { Description = "Output format", DefaultValueFactory = _ => "table" };
        format.AcceptOnlyFromAmong("table", "json");
        var command = new Command("status", "Show the node id, mesh, log (entries, authors, forks, frontier) and index (entries applied, lag).")
        {
            Cli.Data,
            format,
        };
        command.SetAction(parse => Run(new DataDirectory(parse.GetValue(Cli.Data)), parse.GetValue(format) == "json"));
        return command;
    }

    private static int Run(DataDirectory data, bool json)
    {
        using var opened = data.OpenLog("datom status");
        var log = opened.Log;
        var db = opened.Database;
        var mesh = Terminal.Current.Node?.Mesh.Id ?? (File.Exists(data.MeshKeyPath) ? MeshKey.Read(data.MeshKeyPath).Id : null);
        var authors = log.Authors();
        var frontier = log.Frontier();
        var forks = log.Forks();
        var store = log.Store;
        var daemon = Terminal.Current.Node;
        var peers = daemon?.Sync.Peers() ?? [];
        var services = daemon?.Services.Snapshot() ?? [];
        // The HLC's reading against the wall clock: ahead means some author's clock ran fast (this
        // node's own entries now carry its time) or this node's clock is slow.
        var (hlc, wallMs) = log.ClockReading;
        var hlcAheadMs = Math.Max(0, hlc.UnixMilliseconds - wallMs);
        var daemonText = daemon is null
            ? "not running (read from the data directory)"
            : $"running (pid {daemon.ProcessId}, since {daemon.Started:yyyy-MM-ddTHH:mm:ssZ}, API {daemon.Socket})";
        if (json)
        {
            using var stream = new MemoryStream();
            using (var w = new Utf8JsonWriter(stream, JsonOutput.Options))
            {
                w.WriteStartObject();
                w.WriteString("node", opened.Identity.Id.ToString());
                w.WriteString("data", data.Path);
                if (mesh is null)
                    w.WriteNull("mesh");
                else
                    w.WriteString("mesh", mesh);
                if (daemon is null)
                {
                    w.WriteNull("daemon");
                }
                else
                {
                    w.WriteStartObject("daemon");
                    w.WriteNumber("pid", daemon.ProcessId);
                    w.WriteString("started", daemon.Started);
                    w.WriteString("socket", daemon.Socket);
                    if (daemon.Sync.LocalEndPoint is { } listening)
                        w.WriteString("listen", Datom.Sync.PeerAddress.Format(listening));
                    w.WriteBoolean("mdns", daemon.Discovery.Running);
                    w.WriteEndObject();
                }
                w.WriteNumber("entries", log.Count);
                w.WriteNumber("held", log.HeldCount);
                w.WriteNumber("segments", store.SegmentCount);
                w.WriteNumber("log_bytes", store.TotalBytes);
                w.WriteStartArray("authors");
                foreach (var a in authors)
                {
                    w.WriteStartObject();
                    w.WriteString("author", a.Author.ToString());
                    w.WriteNumber("entries", a.Entries);
                    w.WriteNumber("max_seq", a.MaxSeq);
                    w.WriteNumber("heads", a.Heads.Count);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteStartArray("frontier");
                foreach (var h in frontier)
                    w.WriteStringValue(h.ToString());
                w.WriteEndArray();
                w.WriteNumber("forks", forks.Count);
                w.WriteStartObject("clock");
                w.WriteString("wall", DateTimeOffset.FromUnixTimeMilliseconds(wallMs));
                w.WriteString("hlc", hlc.ToString());
                w.WriteNumber("hlc_ahead_ms", hlcAheadMs);
                w.WriteEndObject();
                w.WriteNumber("index_applied", db.AppliedEntries);
                w.WriteNumber("index_lag", db.Lag);
                w.WriteStartArray("peers");
                foreach (var p in peers)
                {
                    w.WriteStartObject();
                    w.WriteString("node", p.NodeId.ToString());
                    w.WriteString("address", Datom.Sync.PeerAddress.Format(p.RemoteEndPoint));
                    w.WriteNumber("they_lack", p.EntriesTheyLack);
                    w.WriteNumber("we_lack", p.EntriesWeLack);
                    ClockText.WriteOffset(w, "clock_offset_ms", p.ClockOffset);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteStartArray("services");
                foreach (var service in services)
                {
                    w.WriteStartObject();
                    w.WriteString("name", service.Name);
                    w.WriteString("running_since", service.RunningSince);
                    w.WriteNumber("restarts", service.Restarts);
                    if (service.LastError is { } error)
                        w.WriteString("last_error", error);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteEndObject();
            }
            Terminal.Out.WriteLine(Encoding.UTF8.GetString(stream.ToArray()));
            return ExitCodes.Ok;
        }
        var sb = new StringBuilder();
        sb.AppendLine($"node      {opened.Identity.Id}");
        sb.AppendLine($"data      {data.Path}");
        sb.AppendLine($"mesh      {mesh ?? "(no mesh key)"}");
        sb.AppendLine($"daemon    {daemonText}");
        sb.AppendLine($"log       {log.Count} entries in {store.SegmentCount} segment(s), {store.TotalBytes:N0} bytes; {log.HeldCount} held awaiting parents");
        sb.AppendLine($"authors   {authors.Count}");
        foreach (var a in authors)
            sb.AppendLine($"          {a.Author}  {a.Entries} entries, seq {a.MaxSeq}{(a.Heads.Count > 1 ? $", {a.Heads.Count} heads (forked)" : "")}{(a.Author == opened.Identity.Id ? "  (this node)" : "")}");
        sb.AppendLine($"forks     {forks.Count}");
        sb.AppendLine($"frontier  {frontier.Count} head(s)");
        foreach (var h in frontier.Take(8))
            sb.AppendLine($"          {h}");
        if (frontier.Count > 8)
            sb.AppendLine($"          … and {frontier.Count - 8} more");
        sb.AppendLine($"clock     wall {DateTimeOffset.FromUnixTimeMilliseconds(wallMs):yyyy-MM-ddTHH:mm:ss.fffZ}, hlc {hlc}"
            + (hlcAheadMs > 0 ? $" ({ClockText.Span(TimeSpan.FromMilliseconds(hlcAheadMs))} ahead of the wall clock)" : ""));
        sb.AppendLine($"index     {db.AppliedEntries} entries applied, lag {db.Lag}");
        if (daemon is not null)
        {
            sb.AppendLine($"peers     {peers.Count} connected");
            foreach (var p in peers)
                sb.AppendLine($"          {p.NodeId}  {Datom.Sync.PeerAddress.Format(p.RemoteEndPoint)}  they lack {p.EntriesTheyLack}, we lack {p.EntriesWeLack}"
                    + (p.ClockOffset is { } offset ? $", clock {ClockText.Offset(offset)}" : ""));
            sb.AppendLine($"services  {services.Count}");
            foreach (var service in services)
                sb.AppendLine($"          {service.Name}  since {service.RunningSince:HH:mm:ss}, {service.Restarts} restart(s){(service.LastError is { } e ? $"; last error: {e}" : "")}");
        }
        Terminal.Out.WriteLine(sb.ToString().TrimEnd());
        return ExitCodes.Ok;
    }
}

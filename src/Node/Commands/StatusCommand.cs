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
        var mesh = File.Exists(data.MeshKeyPath) ? MeshKey.Read(data.MeshKeyPath).Id : null;
        var authors = log.Authors();
        var frontier = log.Frontier();
        var forks = log.Forks();
        var store = log.Store;
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
                w.WriteString("daemon", "not running (read from the data directory)");
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
                w.WriteNumber("index_applied", db.AppliedEntries);
                w.WriteNumber("index_lag", db.Lag);
                w.WriteStartArray("peers");
                w.WriteEndArray();
                w.WriteStartArray("services");
                w.WriteEndArray();
                w.WriteEndObject();
            }
            Console.Out.WriteLine(Encoding.UTF8.GetString(stream.ToArray()));
            return ExitCodes.Ok;
        }
        var sb = new StringBuilder();
        sb.AppendLine($"node      {opened.Identity.Id}");
        sb.AppendLine($"data      {data.Path}");
        sb.AppendLine($"mesh      {mesh ?? "(no mesh key)"}");
        sb.AppendLine("daemon    not running (read from the data directory)");
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
        sb.Append($"index     {db.AppliedEntries} entries applied, lag {db.Lag}");
        Console.Out.WriteLine(sb.ToString());
        return ExitCodes.Ok;
    }
}

using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Datom.Node.Output;
using Datom.Sync;
using Datom.Sync.Discovery;

namespace Datom.Node.Commands;

/// <summary>
/// <c>datom peers [--data DIR] [--format table|json]</c>: the mesh as this node's daemon sees it:
/// connected peers (with how far behind each side is), the addresses it dials, and what mDNS found.
/// Only a running daemon knows peers; without one the lists are empty and <c>daemon</c> is false.
/// </summary>
internal static class PeersCommand
{
    public static Command Create()
    {
        var format = new Option<string>("--format") { Description = "Output format", DefaultValueFactory = _ => "table" };
        format.AcceptOnlyFromAmong("table", "json");
        var command = new Command("peers", "Show discovered and connected peers: node ids, addresses, and how far behind each one is.")
        {
            Cli.Data,
            format,
        };
        command.SetAction(parse => Run(new DataDirectory(parse.GetValue(Cli.Data)), parse.GetValue(format) == "json"));
        return command;
    }

    private static int Run(DataDirectory data, bool json)
    {
        var node = Terminal.Current.Node;
        if (node is null && !data.IsInitialized)
            throw new CliException(ExitCodes.Unavailable, $"{data.Path}: not a datom data directory (no identity); run 'datom init --data {data.Path}' first");
        IReadOnlyList<PeerInfo> connected = node?.Sync.Peers() ?? [];
        IReadOnlyList<PeerTargetInfo> targets = node?.Sync.Targets() ?? [];
        IReadOnlyList<DiscoveredPeer> discovered = node?.Discovery.Peers ?? [];
        if (json)
        {
            Terminal.Out.WriteLine(Json(node is not null, connected, targets, discovered));
            return ExitCodes.Ok;
        }
        if (node is null)
        {
            Terminal.Out.WriteLine($"no daemon runs on {data.Path}: peers are known only to a running node ('datom run')");
            return ExitCodes.Ok;
        }
        var rows = new List<string[]>();
        foreach (var p in connected)
        {
            rows.Add([p.NodeId.ToString(), PeerAddress.Format(p.RemoteEndPoint), "connected " + p.Direction.ToString().ToLowerInvariant(),
                p.EntriesTheyLack.ToString(CultureInfo.InvariantCulture), p.EntriesWeLack.ToString(CultureInfo.InvariantCulture),
                $"{p.EntriesSent}/{p.EntriesReceived}", ClockText.Offset(p.ClockOffset), p.Agent]);
        }
        foreach (var t in targets.Where(t => t.State != PeerTargetState.Connected && t.State != PeerTargetState.ConnectedElsewhere))
        {
            rows.Add([t.NodeId?.ToString() ?? "?", PeerAddress.Format(t.Address.EndPoint), t.State.ToString().ToLowerInvariant()
                + (t.LastErrorMessage is { } m ? $" ({m})" : ""), "", "", "", "", ""]);
        }
        foreach (var d in discovered.Where(d => connected.All(c => c.NodeId != d.NodeId)))
        {
            rows.Add([d.NodeId.ToString(), string.Join(" ", d.Endpoints.Select(e => e.ToString())),
                d.IsCompatible ? "discovered" : $"discovered, not ours ({d.Mismatch})", "", "", "", "", d.InstanceName]);
        }
        var sb = new StringBuilder();
        sb.Append(TableFormatter.Format(["node", "address", "state", "they lack", "we lack", "sent/received", "clock", "agent"], rows, v => v as string ?? ""));
        Terminal.Out.WriteLine(sb.ToString().TrimEnd());
        return ExitCodes.Ok;
    }

    internal static string Json(bool daemon, IReadOnlyList<PeerInfo> connected, IReadOnlyList<PeerTargetInfo> targets, IReadOnlyList<DiscoveredPeer> discovered)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, JsonOutput.Options))
        {
            w.WriteStartObject();
            w.WriteBoolean("daemon", daemon);
            w.WriteStartArray("connected");
            foreach (var p in connected)
            {
                w.WriteStartObject();
                w.WriteString("node", p.NodeId.ToString());
                w.WriteString("address", PeerAddress.Format(p.RemoteEndPoint));
                w.WriteString("direction", p.Direction.ToString().ToLowerInvariant());
                w.WriteString("agent", p.Agent);
                w.WriteString("since", p.ConnectedSince);
                w.WriteNumber("they_lack", p.EntriesTheyLack);
                w.WriteNumber("we_lack", p.EntriesWeLack);
                w.WriteNumber("entries_sent", p.EntriesSent);
                w.WriteNumber("entries_received", p.EntriesReceived);
                w.WriteNumber("entries_stored", p.EntriesStored);
                w.WriteNumber("bytes_sent", p.BytesSent);
                w.WriteNumber("bytes_received", p.BytesReceived);
                ClockText.WriteOffset(w, "clock_offset_ms", p.ClockOffset);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("dialing");
            foreach (var t in targets)
            {
                w.WriteStartObject();
                w.WriteString("address", PeerAddress.Format(t.Address.EndPoint));
                if (t.NodeId is { } id)
                    w.WriteString("node", id.ToString());
                else
                    w.WriteNull("node");
                w.WriteString("state", t.State.ToString().ToLowerInvariant());
                w.WriteNumber("failed_attempts", t.FailedAttempts);
                if (t.LastErrorMessage is { } m)
                    w.WriteString("last_error", m);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("discovered");
            foreach (var d in discovered)
            {
                w.WriteStartObject();
                w.WriteString("node", d.NodeId.ToString());
                w.WriteString("instance", d.InstanceName);
                w.WriteString("host", d.HostName);
                w.WriteNumber("port", d.Port);
                w.WriteStartArray("addresses");
                foreach (var a in d.Addresses)
                    w.WriteStringValue(a.ToString());
                w.WriteEndArray();
                w.WriteBoolean("compatible", d.IsCompatible);
                if (!d.IsCompatible)
                    w.WriteString("mismatch", d.Mismatch.ToString());
                w.WriteString("last_seen", d.LastSeen);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }
}

using System.Globalization;
using System.Text;
using System.Text.Json;
using Datom.Log.Entries;
using Datom.Log.Model;
using ValueType = Datom.Log.Model.ValueType;

namespace Datom.Node.Output;

/// <summary>
/// How entries and values look on the command line. JSON for scripts (DESIGN.md: keywords are strings
/// that begin with ':', instants ISO-8601 strings), EDN for people and for feeding back in.
/// </summary>
internal static class EntryFormatter
{
    public static string Json(Entry entry)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, JsonOutput.Options))
            WriteJson(w, entry);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>
    /// An entry as <c>log --format json</c> prints it; with <paramref name="maxDatoms"/> (the web
    /// console's log pages), only that many of its datoms, and their full count as <c>datom_count</c>.
    /// </summary>
    public static void WriteJson(Utf8JsonWriter w, Entry entry, int? maxDatoms = null)
    {
        w.WriteStartObject();
        w.WriteString("author", entry.Author.ToString());
        w.WriteNumber("seq", entry.Seq);
        w.WriteString("hash", entry.Hash.ToString());
        w.WriteStartArray("parents");
        foreach (var p in entry.Parents)
            w.WriteStringValue(p.ToString());
        w.WriteEndArray();
        w.WriteString("time", IsoTime(entry.Time.UnixMilliseconds));
        w.WriteString("hlc", entry.Time.ToString());
        w.WriteString("tx", entry.Tx.ToString());
        if (maxDatoms is not null)
            w.WriteNumber("datom_count", entry.Datoms.Count);
        w.WriteStartArray("datoms");
        foreach (var d in maxDatoms is { } max ? entry.Datoms.Take(max) : entry.Datoms)
        {
            w.WriteStartArray();
            w.WriteStringValue(d.E.ToString());
            w.WriteStringValue(":" + d.A);
            WriteJsonValue(w, d.V);
            w.WriteStringValue(entry.Tx.ToString());
            w.WriteBooleanValue(d.Added);
            w.WriteEndArray();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    public static string Edn(Entry entry)
    {
        var sb = new StringBuilder();
        sb.Append("{:author \"").Append(entry.Author).Append('"');
        sb.Append(" :seq ").Append(entry.Seq.ToString(CultureInfo.InvariantCulture));
        sb.Append(" :hash \"").Append(entry.Hash).Append('"');
        sb.Append(" :parents [").AppendJoin(' ', entry.Parents.Select(p => $"\"{p}\"")).Append(']');
        sb.Append(" :time #inst \"").Append(IsoTime(entry.Time.UnixMilliseconds)).Append('"');
        sb.Append(" :hlc \"").Append(entry.Time).Append('"');
        sb.Append(" :tx #id \"").Append(entry.Tx).Append('"');
        sb.Append(" :datoms [");
        var first = true;
        foreach (var d in entry.Datoms)
        {
            if (!first)
                sb.Append(' ');
            first = false;
            sb.Append("[#id \"").Append(d.E).Append("\" :").Append(d.A).Append(' ').Append(d.V)
              .Append(" #id \"").Append(entry.Tx).Append("\" ").Append(d.Added ? "true" : "false").Append(']');
        }
        sb.Append("]}");
        return sb.ToString();
    }

    public static void WriteJsonValue(Utf8JsonWriter w, Value v)
    {
        switch (v.Type)
        {
            case ValueType.String: w.WriteStringValue(v.AsString); break;
            case ValueType.Long: w.WriteNumberValue(v.AsLong); break;
            case ValueType.Double:
                var d = v.AsDouble;
                if (double.IsFinite(d))
                    w.WriteNumberValue(d);
                else
                    w.WriteStringValue(Value.Double(d).ToString()); // ##Inf, ##-Inf, ##NaN: JSON has no such numbers
                break;
            case ValueType.Boolean: w.WriteBooleanValue(v.AsBoolean); break;
            case ValueType.Keyword: w.WriteStringValue(":" + v.AsString); break;
            case ValueType.Symbol: w.WriteStringValue(v.AsString); break;
            case ValueType.Ref: w.WriteStringValue(v.AsRef.ToString()); break;
            case ValueType.Instant: w.WriteStringValue(IsoTime(v.AsInstantMs)); break;
            case ValueType.Uuid: w.WriteStringValue(v.AsUuid.ToString("D")); break;
            case ValueType.Bytes: w.WriteBase64StringValue(v.AsBytes); break;
            default: throw new ArgumentException($"unknown value type {v.Type}", nameof(v));
        }
    }

    public static string IsoTime(long unixMs) =>
        DateTimeOffset.FromUnixTimeMilliseconds(unixMs).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}

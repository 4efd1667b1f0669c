using System.Collections;
using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;
using Datom.Log.Edn;
using Datom.Log.Model;

namespace Datom.Node.Output;

/// <summary>
/// Query and pull results as JSON, as DESIGN.md fixes for scripts: a relation is an array of arrays,
/// a collection an array, a scalar a value; keywords are strings that begin with ':', instants
/// ISO-8601 strings, entities their 32-hex-digit ids, uuids their text, bytes base64, pull maps objects.
/// </summary>
internal static class ValueJson
{
    public static string Write(object? value)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, JsonOutput.Options))
            Write(w, value);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    public static void Write(Utf8JsonWriter w, object? value)
    {
        switch (value)
        {
            case null: w.WriteNullValue(); break;
            case string s: w.WriteStringValue(s); break;
            case bool b: w.WriteBooleanValue(b); break;
            case long n: w.WriteNumberValue(n); break;
            case int n: w.WriteNumberValue(n); break;
            case double d when double.IsFinite(d): w.WriteNumberValue(d); break;
            case double d: w.WriteStringValue(Value.Double(d).ToString()); break;
            case decimal m: w.WriteNumberValue(m); break;
            case BigInteger b: w.WriteRawValue(b.ToString(CultureInfo.InvariantCulture)); break;
            case Keyword k: w.WriteStringValue(k.ToString()); break;
            case Symbol s: w.WriteStringValue(s.ToString()); break;
            case EntityId e: w.WriteStringValue(e.ToString()); break;
            case DateTimeOffset t: w.WriteStringValue(EntryFormatter.IsoTime(t.ToUnixTimeMilliseconds())); break;
            case Guid g: w.WriteStringValue(g.ToString("D")); break;
            case byte[] bytes: w.WriteBase64StringValue(bytes); break;
            case char c: w.WriteStringValue(c.ToString()); break;
            case Value v: EntryFormatter.WriteJsonValue(w, v); break;
            case IReadOnlyDictionary<object, object?> map:
                w.WriteStartObject();
                foreach (var (k, v) in map)
                {
                    w.WritePropertyName(k switch { Keyword kw => kw.ToString(), string s => s, _ => Convert.ToString(k, CultureInfo.InvariantCulture) ?? "" });
                    Write(w, v);
                }
                w.WriteEndObject();
                break;
            case IEnumerable items:
                w.WriteStartArray();
                foreach (var item in items)
                    Write(w, item);
                w.WriteEndArray();
                break;
            default:
                w.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture));
                break;
        }
    }
}

/// <summary>Rows as an aligned text table for people: one column per :find element.</summary>
internal static class TableFormatter
{
    public static string Format(IReadOnlyList<string> columns, IEnumerable<IReadOnlyList<object?>> rows, Func<object?, string> cell)
    {
        var cells = rows.Select(r => r.Select(cell).ToArray()).ToList();
        var widths = columns.Select((c, i) => Math.Min(60, Math.Max(c.Length, cells.Count == 0 ? 0 : cells.Max(r => i < r.Length ? r[i].Length : 0)))).ToArray();
        var sb = new StringBuilder();
        void Line(IReadOnlyList<string> values)
        {
            for (var i = 0; i < widths.Length; i++)
            {
                var v = i < values.Count ? values[i] : "";
                if (v.Length > widths[i])
                    v = string.Concat(v.AsSpan(0, widths[i] - 1), "…");
                sb.Append(v.PadRight(widths[i]));
                sb.Append(i + 1 < widths.Length ? "  " : "");
            }
            sb.AppendLine();
        }
        Line(columns);
        Line([.. widths.Select(w => new string('-', w))]);
        foreach (var r in cells)
            Line(r);
        sb.Append(cells.Count).Append(cells.Count == 1 ? " row" : " rows");
        return sb.ToString();
    }
}

using System.Collections;
using System.Globalization;
using System.Text;
using Datom.Log.Edn;
using Datom.Log.Model;

namespace Datom.Index.Query;

/// <summary>
/// Prints query and pull results as EDN: entities as <c>#id "…"</c>, instants as <c>#inst</c>,
/// uuids as <c>#uuid</c>, bytes as <c>#bytes "base64"</c>, lists as vectors, sets as sets, pull
/// maps as maps; what <c>datom query --format edn</c> shows.
/// </summary>
public static class ResultPrinter
{
    public static string Print(object? value)
    {
        var sb = new StringBuilder();
        Print(sb, value);
        return sb.ToString();
    }

    public static void Print(StringBuilder sb, object? value)
    {
        ArgumentNullException.ThrowIfNull(sb);
        switch (value)
        {
            case null:
                sb.Append("nil");
                break;
            case EntityId e:
                sb.Append("#id \"").Append(e.ToString()).Append('"');
                break;
            case byte[] bytes:
                sb.Append("#bytes \"").Append(Convert.ToBase64String(bytes)).Append('"');
                break;
            case double d:
                sb.Append(Value.Double(d).ToString());
                break;
            case PullMap map:
                sb.Append('{');
                var first = true;
                foreach (var (k, v) in map)
                {
                    if (!first)
                        sb.Append(", ");
                    first = false;
                    Print(sb, k);
                    sb.Append(' ');
                    Print(sb, v);
                }
                sb.Append('}');
                break;
            case EdnVector v:
                PrintSeq(sb, "[", v, "]");
                break;
            case EdnList l:
                PrintSeq(sb, "(", l, ")");
                break;
            case EdnSet set:
                PrintSeq(sb, "#{", set, "}");
                break;
            case EdnMap m:
                sb.Append('{');
                var firstEntry = true;
                foreach (var (k, v) in m)
                {
                    if (!firstEntry)
                        sb.Append(", ");
                    firstEntry = false;
                    Print(sb, k);
                    sb.Append(' ');
                    Print(sb, v);
                }
                sb.Append('}');
                break;
            // Every other EDN scalar as EDN, so that printed text reads back as the same value: a
            // char is \c (not the bare character, which may not even be readable), a BigInteger
            // keeps its N and a decimal its M, a tagged value its tag.
            case string or long or bool or Keyword or Symbol or DateTimeOffset or Guid or char or System.Numerics.BigInteger
                or decimal or float or int or EdnTagged:
                sb.Append(EdnWriter.ToDebugString(value));
                break;
            case IEnumerable items when value is ISet<object?> or IReadOnlySet<object?>:
                PrintSeq(sb, "#{", items, "}");
                break;
            case IEnumerable items:
                PrintSeq(sb, "[", items, "]");
                break;
            default:
                sb.Append(Convert.ToString(value, CultureInfo.InvariantCulture));
                break;
        }
    }

    private static void PrintSeq(StringBuilder sb, string open, IEnumerable items, string close)
    {
        sb.Append(open);
        var first = true;
        foreach (var item in items)
        {
            if (!first)
                sb.Append(' ');
            first = false;
            Print(sb, item);
        }
        sb.Append(close);
    }
}

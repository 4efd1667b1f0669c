using System.Globalization;
using System.Text;
using Datom.Log.Edn;
using Datom.Log.Model;

namespace Datom.Vm.Machine;

/// <summary>Text of Yin values: readable EDN (<c>pr</c>) and display text (<c>str</c>, <c>print</c>).</summary>
internal static class ValPrinter
{
    public static string Edn(Val v)
    {
        var sb = new StringBuilder();
        Print(sb, v, readable: true);
        return sb.ToString();
    }

    /// <summary>What <c>str</c> makes of a value: strings as they are, nil as nothing, the rest as EDN.</summary>
    public static string Display(Val v) => v.Kind switch
    {
        ValKind.Nil => "",
        ValKind.String => v.AsString,
        _ => Print(new StringBuilder(), v, readable: false).ToString(),
    };

    public static StringBuilder Print(StringBuilder sb, Val v, bool readable)
    {
        ValComparer.Guard();
        switch (v.Kind)
        {
            case ValKind.Nil:
                return sb.Append("nil");
            case ValKind.Boolean:
                return sb.Append(v.AsBool ? "true" : "false");
            case ValKind.Long:
                return sb.Append(v.AsLong.ToString(CultureInfo.InvariantCulture));
            case ValKind.Double:
                return sb.Append(EdnWriter.Write(v.AsDouble));
            case ValKind.String:
                return readable ? sb.Append(EdnWriter.Write(v.AsString)) : sb.Append(v.AsString);
            case ValKind.Keyword or ValKind.Symbol:
                return sb.Append(v.Obj);
            case ValKind.Instant:
                return sb.Append(EdnWriter.Write(DateTimeOffset.FromUnixTimeMilliseconds(v.AsInstantMs)));
            case ValKind.Uuid:
                return sb.Append(EdnWriter.Write((Guid)v.Obj!));
            case ValKind.Entity:
                return sb.Append("#id \"").Append(((EntityId)v.Obj!).ToString()).Append('"');
            case ValKind.Vector:
                return Sequence(sb, "[", ((YVector)v.Obj!).Items, "]", readable);
            case ValKind.Seq:
                return Sequence(sb, "(", Seqs.Values(v), ")", readable);
            case ValKind.Set:
                return Sequence(sb, "#{", ((YSet)v.Obj!).Items, "}", readable);
            case ValKind.Map:
                return Map(sb, ((YMap)v.Obj!).Items.Select(kv => (kv.Key, kv.Value)), readable);
            case ValKind.Record:
            {
                var r = (YRecord)v.Obj!;
                sb.Append('#').Append(r.Type.Key).Append(' ');
                return Map(sb, r.Type.Fields.Select((f, i) => (Val.Keyword(f), r.Values[i])), readable);
            }
            case ValKind.Fn:
                return sb.Append("#yin/fn ").Append(EdnWriter.Write(((YFunction)v.Obj!).Name));
            case ValKind.Atom:
            {
                // Clojure prints #object[clojure.lang.Atom 0x1f2e3d {:status :ready, :val 1}]; the
                // address is the JVM's, so Yin prints the rest.
                var atom = (YAtom)v.Obj!;
                sb.Append("#object[").Append(atom.Kind switch { "atom" => "clojure.lang.Atom", "volatile" => "clojure.lang.Volatile", _ => "clojure.lang.Delay" }).Append(' ');
                if (atom.Pending is not null)
                    return sb.Append("{:status :pending, :val nil}]");
                return Print(sb.Append("{:status :ready, :val "), atom.Value, readable).Append("}]");
            }
            default:
            {
                var e = (YinError)v.Obj!;
                sb.Append("#yin/error {:kind ").Append(e.Kind).Append(", :message ").Append(EdnWriter.Write(e.Message));
                if (!e.Data.IsNil)
                    Print(sb.Append(", :data "), e.Data, readable);
                return sb.Append('}');
            }
        }
    }

    private static StringBuilder Sequence(StringBuilder sb, string open, IEnumerable<Val> items, string close, bool readable)
    {
        sb.Append(open);
        var first = true;
        foreach (var item in items)
        {
            if (!first)
                sb.Append(' ');
            first = false;
            Print(sb, item, readable);
        }
        return sb.Append(close);
    }

    private static StringBuilder Map(StringBuilder sb, IEnumerable<(Val Key, Val Value)> entries, bool readable)
    {
        sb.Append('{');
        var first = true;
        foreach (var (k, v) in entries)
        {
            if (!first)
                sb.Append(", ");
            first = false;
            Print(sb, k, readable);
            sb.Append(' ');
            Print(sb, v, readable);
        }
        return sb.Append('}');
    }
}

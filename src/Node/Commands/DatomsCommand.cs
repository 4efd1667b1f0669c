using System.CommandLine;
using System.Text;
using System.Text.Json;
using Datom.Index.Query;
using Datom.Index.Schema;
using Datom.Index.Storage;
using Datom.Index.Transactions;
using Datom.Index.Views;
using Datom.Log.Edn;
using Datom.Log.Model;
using Datom.Node.Output;
using ValueType = Datom.Log.Model.ValueType;

namespace Datom.Node.Commands;

/// <summary>
/// <c>datom datoms [--data DIR] INDEX [COMPONENTS…] [--seek] [--from V] [--to V] [--as-of X] [--limit N] [--format json|edn]</c>:
/// raw index access as Datomic's and DataScript's <c>d/datoms</c>, <c>d/seek-datoms</c> (<c>--seek</c>) and
/// <c>d/index-range</c> (<c>avet :attr --from V --to V</c>). One datom per line, <c>[e a v tx added]</c>,
/// shaped as <c>datom log --format json</c> writes datoms.
/// </summary>
internal static class DatomsCommand
{
    public static Command Create()
    {
        var index = new Argument<string>("index") { Description = "eavt, aevt, avet or vaet (a leading ':' is allowed)" };
        var components = new Argument<string[]>("components")
        {
            Description = "Leading components in the index's order, each as EDN (EAVT: e a v tx; AEVT: a e v tx; AVET: a v e tx; VAET: v a e tx). "
                + "An entity is #id \"…\", an ident keyword or a lookup ref [:attr value]",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var seek = new Option<bool>("--seek") { Description = "d/seek-datoms: from the first datom at or after the components to the end of the index" };
        var from = new Option<string?>("--from") { Description = "d/index-range (avet with one component, the attribute): values at or after V (EDN)", HelpName = "V" };
        var to = new Option<string?>("--to") { Description = "d/index-range: values before V (EDN)", HelpName = "V" };
        var asOf = new Option<string?>("--as-of") { Description = "The database as of a time (ISO-8601) or a frontier (entry hashes, comma-separated)", HelpName = "X" };
        var limit = new Option<int>("--limit") { Description = "At most N datoms (0: all)", HelpName = "N" };
        var format = new Option<string>("--format") { Description = "Output format: one datom per line", DefaultValueFactory = _ => "json" };
        format.AcceptOnlyFromAmong("json", "edn");
        var command = new Command("datoms", "Raw index access, as d/datoms, d/seek-datoms and d/index-range.")
        {
            Cli.Data, index, components, seek, from, to, asOf, limit, format,
        };
        command.SetAction(parse => Run(new DataDirectory(parse.GetValue(Cli.Data)), parse.GetValue(index)!, parse.GetValue(components) ?? [],
            parse.GetValue(seek), parse.GetValue(from), parse.GetValue(to), parse.GetValue(asOf), parse.GetValue(limit), parse.GetValue(format)!));
        return command;
    }

    private static int Run(DataDirectory data, string indexName, string[] componentTexts, bool seek, string? fromText, string? toText, string? asOf, int limit, string format)
    {
        var order = indexName.TrimStart(':').ToLowerInvariant() switch
        {
            "eavt" => IndexOrder.Eavt,
            "aevt" => IndexOrder.Aevt,
            "avet" => IndexOrder.Avet,
            "vaet" => IndexOrder.Vaet,
            _ => throw new CliException(ExitCodes.Usage, $"unknown index '{indexName}': expected eavt, aevt, avet or vaet"),
        };
        if (limit < 0)
            throw new CliException(ExitCodes.Usage, $"--limit takes a count (0 for all), not {limit}");
        if (componentTexts.Length > 4)
            throw new CliException(ExitCodes.Usage, $"an index has 4 components; {componentTexts.Length} were given");
        var range = fromText is not null || toText is not null;
        if (range && (order != IndexOrder.Avet || componentTexts.Length != 1 || seek))
            throw new CliException(ExitCodes.Usage, "--from and --to (d/index-range) take the avet index and one component, the attribute: datom datoms avet :attr --from V --to V");
        var components = componentTexts.Select((t, i) => Read(t, $"component {i + 1}")).ToList();

        using var opened = data.OpenLog("datom datoms");
        if (QueryCommand.View(opened.Database, asOf) is not CurrentView view)
            throw new CliException(ExitCodes.Failed, "raw index access reads the current database or one as of a time or frontier");
        var (e, a, v, tx) = Resolve(view, order, components);
        IEnumerable<Index.Query.Datom> datoms;
        if (range)
        {
            var schema = view.Attribute(a!)!;
            datoms = view.IndexRange(a!, fromText is null ? null : ToValue(view, schema, Read(fromText, "--from"), "--from"), toText is null ? null : ToValue(view, schema, Read(toText, "--to"), "--to"));
        }
        else
        {
            datoms = seek ? view.SeekDatoms(order, e, a, v) : view.Datoms(order, e, a, v, tx);
        }
        if (limit > 0)
            datoms = datoms.Take(limit);
        foreach (var d in datoms)
            Terminal.Out.WriteLine(format == "json" ? Json(d) : Edn(d));
        return ExitCodes.Ok;
    }

    private static object? Read(string text, string what)
    {
        try
        {
            return EdnReader.ReadOne(text, TxDataParser.ReaderOptions(what));
        }
        catch (EdnException e)
        {
            throw new CliException(ExitCodes.Usage, e.Message);
        }
    }

    /// <summary>The components by place: which is the entity, the attribute, the value and the tx depends on the index.</summary>
    private static (EntityId? E, Keyword? A, Value? V, EntityId? Tx) Resolve(CurrentView view, IndexOrder order, List<object?> c)
    {
        char[] places = order switch
        {
            IndexOrder.Eavt => ['e', 'a', 'v', 't'],
            IndexOrder.Aevt => ['a', 'e', 'v', 't'],
            IndexOrder.Avet => ['a', 'v', 'e', 't'],
            _ => ['v', 'a', 'e', 't'],
        };
        object? Get(char place) => Array.IndexOf(places, place) is var i && i < c.Count ? c[i] : null;
        bool Has(char place) => Array.IndexOf(places, place) < c.Count;

        Keyword? a = null;
        AttributeSchema? schema = null;
        if (Has('a'))
        {
            a = Get('a') as Keyword ?? throw new CliException(ExitCodes.Usage, $"the attribute component is a keyword, not {ResultPrinter.Print(Get('a'))}");
            schema = view.Attribute(a) ?? throw new CliException(ExitCodes.Failed, $"{a} is not an attribute");
        }
        EntityId? e = Has('e') ? Entity(view, Get('e'), "entity") : null;
        Value? v = null;
        if (Has('v'))
        {
            // VAET holds refs only: its value is an entity whatever the attribute.
            // (In the other indexes the attribute precedes the value, so its schema is known.)
            v = order == IndexOrder.Vaet ? Value.Ref(Entity(view, Get('v'), "value")) : ToValue(view, schema!, Get('v'), "value");
        }
        EntityId? tx = Has('t') ? Entity(view, Get('t'), "transaction") : null;
        return (e, a, v, tx);
    }

    private static EntityId Entity(CurrentView view, object? form, string what)
    {
        switch (form)
        {
            case EntityId id:
                return id;
            case Keyword k:
                return view.Entid(k) ?? throw new CliException(ExitCodes.Failed, $"the {what} {k}: no entity has that ident");
            case IReadOnlyList<object?> { Count: 2 } l when l[0] is Keyword attr:
                var schema = view.Attribute(attr) ?? throw new CliException(ExitCodes.Failed, $"lookup ref [{attr} …]: {attr} is not an attribute");
                if (schema.Unique == Uniqueness.None)
                    throw new CliException(ExitCodes.Failed, $"lookup ref [{attr} …]: {attr} is not unique, so it cannot name an entity");
                var value = ToValue(view, schema, l[1], "lookup ref");
                foreach (var d in view.Match(null, attr, value))
                    return d.E;
                throw new CliException(ExitCodes.Failed, $"lookup ref [{attr} {value}] names no entity");
            default:
                throw new CliException(ExitCodes.Usage, $"the {what} is #id \"…32 hex digits…\", an ident keyword or a lookup ref [:attr value], not {ResultPrinter.Print(form)}");
        }
    }

    private static Value ToValue(CurrentView view, AttributeSchema schema, object? form, string what)
    {
        if (schema.IsRef)
            return Value.Ref(Entity(view, form, what));
        Value v;
        try
        {
            v = RawTransactor.ToValue(form, schema.Ident, null);
        }
        catch (TxDataException ex)
        {
            throw new CliException(ExitCodes.Usage, $"{what}: {ex.Message}");
        }
        if (schema.Type == ValueType.Double && v.Type == ValueType.Long)
            return Value.Double(v.AsLong);
        if (v.Type != schema.Type)
            throw new CliException(ExitCodes.Usage, $"{what}: {schema.Ident} holds {schema.Type.ToString().ToLowerInvariant()} values; {ResultPrinter.Print(form)} is not one");
        return v;
    }

    private static string Json(Index.Query.Datom d)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, JsonOutput.Options))
        {
            w.WriteStartArray();
            w.WriteStringValue(d.E.ToString());
            w.WriteStringValue(d.A.ToString());
            EntryFormatter.WriteJsonValue(w, d.V);
            w.WriteStringValue(d.Tx.ToString());
            w.WriteBooleanValue(d.Added);
            w.WriteEndArray();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static string Edn(Index.Query.Datom d) =>
        $"[#id \"{d.E}\" {d.A} {d.V} #id \"{d.Tx}\" {(d.Added ? "true" : "false")}]";
}

using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Datom.Index;
using Datom.Index.Query;
using Datom.Index.Transactions;
using Datom.Log.Edn;
using Datom.Log.Model;
using Datom.Node.Output;

namespace Datom.Node.Commands;

/// <summary>
/// <c>datom query [--data DIR] QUERY [ARGS...] [--as-of X] [--history] [--format edn|json|table] [--time N] [--explain]</c>
/// and <c>datom pull [--data DIR] PATTERN ENTITY</c>.
/// </summary>
internal static class QueryCommand
{
    public static Command CreateQuery()
    {
        var query = new Argument<string>("query") { Description = "The Datalog query, as EDN: [:find … :in … :where …] (or @FILE to read it from a file)" };
        var args = new Argument<string[]>("args") { Description = "Inputs for :in after $, each as EDN", Arity = ArgumentArity.ZeroOrMore };
        var asOf = new Option<string?>("--as-of") { Description = "Query the database as of a time (ISO-8601) or a frontier (entry hashes, comma-separated)", HelpName = "X" };
        var history = new Option<bool>("--history") { Description = "Query every assertion and retraction ([?e ?a ?v ?tx ?added])" };
        var conflicts = new Option<bool>("--conflicts") { Description = "Query the conflicts: every live value of each cardinality-one [e a] that concurrent branches gave several values" };
        var format = new Option<string>("--format") { Description = "Output format", DefaultValueFactory = _ => "edn" };
        format.AcceptOnlyFromAmong("edn", "json", "table");
        var time = new Option<int>("--time") { Description = "Run the query N times in this process and print {\"runs\",\"median_ms\",\"min_ms\",\"rows\"} instead of the result", HelpName = "N" };
        var explain = new Option<bool>("--explain") { Description = "Print the plan the query would run with, and do not run it" };
        var command = new Command("query", "Run a Datalog query against this node's database.")
        {
            Cli.Data, query, args, asOf, history, conflicts, format, time, explain,
        };
        command.SetAction((parse, cancellationToken) => Task.FromResult(RunQuery(new DataDirectory(parse.GetValue(Cli.Data)), parse.GetValue(query)!, parse.GetValue(args) ?? [],
            parse.GetValue(asOf), parse.GetValue(history) ? "history" : parse.GetValue(conflicts) ? "conflicts" : null, parse.GetValue(format)!, parse.GetValue(time), parse.GetValue(explain), cancellationToken)));
        return command;
    }

    public static Command CreatePull()
    {
        var pattern = new Argument<string>("pattern") { Description = "Pull pattern as EDN, e.g. '[* {:user/friend [:user/name]}]'" };
        var entity = new Argument<string>("entity") { Description = "The entity: #id \"…\", a lookup ref [:user/email \"a@b\"], or an ident keyword" };
        var format = new Option<string>("--format") { Description = "Output format", DefaultValueFactory = _ => "edn" };
        format.AcceptOnlyFromAmong("edn", "json");
        var asOf = new Option<string?>("--as-of") { Description = "Pull as of a time (ISO-8601) or a frontier (entry hashes, comma-separated)", HelpName = "X" };
        var command = new Command("pull", "Pull an entity's attributes by a pattern, as a nested map.")
        {
            Cli.Data, pattern, entity, format, asOf,
        };
        command.SetAction((parse, cancellationToken) => Task.FromResult(RunPull(new DataDirectory(parse.GetValue(Cli.Data)), parse.GetValue(pattern)!, parse.GetValue(entity)!, parse.GetValue(format)!, parse.GetValue(asOf), cancellationToken)));
        return command;
    }

    /// <summary>
    /// A budget for one query: the daemon's <c>[query]</c> limits when the command runs in one, the
    /// defaults otherwise (none is unlimited), cancelled when the caller goes away or presses Ctrl-C.
    /// </summary>
    internal static QueryBudget Budget(CancellationToken cancellationToken) =>
        new(Terminal.Current.Node?.QueryLimits ?? QueryLimits.Default, cancellationToken);

    private static int RunQuery(DataDirectory data, string queryText, string[] args, string? asOf, string? special, string format, int times, bool explain, CancellationToken cancellationToken)
    {
        if (queryText.StartsWith('@'))
            queryText = File.ReadAllText(Terminal.FullPath(queryText[1..]));
        var query = DatalogQuery.Parse(queryText, "<query>");
        using var opened = data.OpenLog("datom query");
        var db = opened.Database;
        IDatomView view = special switch
        {
            "history" => db.History(),
            "conflicts" => db.Conflicts(),
            _ => View(db, asOf),
        };
        var inputs = Inputs(query, view, args);
        if (explain)
        {
            Terminal.Out.Write(query.Explain(inputs));
            return ExitCodes.Ok;
        }
        if (times > 0)
        {
            query.Run(Budget(cancellationToken), inputs); // warm: the first run compiles and fills caches
            var samples = new double[times];
            QueryResult? last = null;
            for (var i = 0; i < times; i++)
            {
                var sw = Stopwatch.StartNew();
                last = query.Run(Budget(cancellationToken), inputs);
                samples[i] = sw.Elapsed.TotalMilliseconds;
            }
            Array.Sort(samples);
            var median = times % 2 == 1 ? samples[times / 2] : (samples[(times / 2) - 1] + samples[times / 2]) / 2;
            Terminal.Out.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["runs"] = times,
                ["median_ms"] = Math.Round(median, 3),
                ["min_ms"] = Math.Round(samples[0], 3),
                ["rows"] = last!.Count,
            }));
            return ExitCodes.Ok;
        }
        var result = query.Run(Budget(cancellationToken), inputs);
        Terminal.Out.WriteLine(Format(result, format));
        return ExitCodes.Ok;
    }

    private static int RunPull(DataDirectory data, string patternText, string entityText, string format, string? asOf, CancellationToken cancellationToken)
    {
        var options = TxDataParser.ReaderOptions("<pull>");
        object? pattern;
        object? entity;
        try
        {
            pattern = EdnReader.ReadOne(patternText, options);
            entity = EdnReader.ReadOne(entityText, options);
        }
        catch (EdnException e)
        {
            throw new CliException(ExitCodes.Failed, e.Message);
        }
        using var opened = data.OpenLog("datom pull");
        var view = View(opened.Database, asOf);
        var map = Datalog.Pull(Budget(cancellationToken), view, pattern!, entity!);
        Terminal.Out.WriteLine(format == "json" ? ValueJson.Write(map) : ResultPrinter.Print(map));
        return map is null ? ExitCodes.Failed : ExitCodes.Ok;
    }

    internal static IDatomView View(DaoDb db, string? asOf)
    {
        if (asOf is null)
            return db.Current();
        if (DateTimeOffset.TryParse(asOf, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
            return db.AsOf(time);
        var hashes = new List<EntryHash>();
        foreach (var part in asOf.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!EntryHash.TryParse(part, out var h))
                throw new CliException(ExitCodes.Usage, $"--as-of: '{part}' is neither an ISO-8601 time nor an entry hash (64 hex digits)");
            hashes.Add(h);
        }
        try
        {
            return db.AsOf(hashes);
        }
        catch (KeyNotFoundException e)
        {
            throw new CliException(ExitCodes.Failed, "--as-of: " + e.Message);
        }
    }

    /// <summary>The :in inputs: the view for each source, then ARGS read as EDN for the rest.</summary>
    internal static object?[] Inputs(DatalogQuery query, IDatomView view, string[] args)
    {
        var inputs = new List<object?>();
        var a = 0;
        var names = query.Inputs.Count == 0 ? ["$"] : query.Inputs;
        foreach (var name in names)
        {
            if (name.StartsWith('$'))
            {
                inputs.Add(view);
                continue;
            }
            if (a >= args.Length)
                throw new CliException(ExitCodes.Usage, $"the query's :in names {name}, but only {args.Length} argument(s) were given");
            try
            {
                inputs.Add(EdnReader.ReadOne(args[a++], TxDataParser.ReaderOptions($"argument {a}")));
            }
            catch (EdnException e)
            {
                throw new CliException(ExitCodes.Usage, e.Message);
            }
        }
        if (a < args.Length)
            throw new CliException(ExitCodes.Usage, $"{args.Length - a} argument(s) more than the query's :in names");
        return [.. inputs];
    }

    internal static string Format(QueryResult result, string format) => format switch
    {
        "json" => result.Kind switch
        {
            FindKind.Scalar => ValueJson.Write(result.Scalar),
            FindKind.Collection => ValueJson.Write(result.Collection),
            FindKind.Tuple => result.Keys is not null ? ValueJson.Write(result.Maps.Count > 0 ? result.Maps[0] : null) : ValueJson.Write(result.Tuple),
            _ => result.Keys is not null ? ValueJson.Write(result.Maps) : ValueJson.Write(result.Rows),
        },
        "table" => TableFormatter.Format(result.Columns, result.Rows, v => v is string s ? s : ResultPrinter.Print(v)),
        _ => result.Kind switch
        {
            FindKind.Scalar => ResultPrinter.Print(result.Scalar),
            FindKind.Collection => ResultPrinter.Print(result.Collection),
            FindKind.Tuple => result.Keys is not null ? ResultPrinter.Print(result.Maps.Count > 0 ? result.Maps[0] : null) : ResultPrinter.Print(result.Tuple),
            _ => result.Keys is not null ? ResultPrinter.Print(result.Maps) : ResultPrinter.Print(result.Rows),
        },
    };
}

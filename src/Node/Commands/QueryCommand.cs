using System.Collections.Concurrent;
using System.CommandLine;
using System.CommandLine.Parsing;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Datom.Index;
using Datom.Index.Query;
using Datom.Index.Transactions;
using Datom.Index.Views;
using Datom.Log.Edn;
using Datom.Log.Model;
using Datom.Node.Output;

namespace Datom.Node.Commands;

/// <summary>
/// <c>datom query [--data DIR] QUERY [ARGS...] [--as-of X] [--since X] [--author ID,...] [--history | --conflicts]
/// [--format edn|json|table] [--time N] [--explain]</c> and <c>datom pull [--data DIR] PATTERN ENTITY</c>.
/// </summary>
/// <remarks>
/// The views of DESIGN.md, and how they combine: the current database (default), its history
/// (<c>--history</c>) or its conflicts (<c>--conflicts</c>), one of the three; each limited to what
/// was stated as of a frontier or a time (<c>--as-of</c>; one head is one branch) and to what was
/// stated since a frontier or a time (<c>--since</c>), both at once giving a range; and filtered to
/// the datoms stated by some authors (<c>--author</c>, Datomic's filtered database). Every
/// combination of these works; the rest (two base views, <c>--explain</c> with <c>--time</c>, a
/// format with <c>--time</c>, an unknown option among the inputs) is refused with the reason.
/// </remarks>
internal static class QueryCommand
{
    public static Command CreateQuery()
    {
        var query = new Argument<string>("query") { Description = "The Datalog query, as EDN: [:find … :in … :where …] (or @FILE to read it from a file)" };
        var args = new Argument<string[]>("args") { Description = "Inputs for :in after $, each as EDN", Arity = ArgumentArity.ZeroOrMore };
        var asOf = new Option<string?>("--as-of") { Description = "Query the database as of a time (ISO-8601) or a frontier (entry hashes, comma-separated; one head is a branch)", HelpName = "X" };
        var since = new Option<string?>("--since") { Description = "Only what was stated after a time (ISO-8601) or outside a frontier (entry hashes, comma-separated)", HelpName = "X" };
        var author = new Option<string?>("--author") { Description = "A filtered view: only the datoms stated by these authors' entries (node ids, comma-separated)", HelpName = "ID" };
        var history = new Option<bool>("--history") { Description = "Query every assertion and retraction ([?e ?a ?v ?tx ?added])" };
        var conflicts = new Option<bool>("--conflicts") { Description = "Query the conflicts: every live value of each cardinality-one [e a] that concurrent branches gave several values, and every datom holding a unique value that several entities hold" };
        var format = new Option<string>("--format") { Description = "Output format", DefaultValueFactory = _ => "edn" };
        format.AcceptOnlyFromAmong("edn", "json", "table");
        var time = new Option<int>("--time") { Description = "Run the query N times in this process and print {\"runs\",\"median_ms\",\"min_ms\",\"rows\"} instead of the result", HelpName = "N" };
        var explain = new Option<bool>("--explain") { Description = "Print the plan the query would run with, and do not run it" };
        var command = new Command("query", "Run a Datalog query against this node's database.")
        {
            Cli.Data, query, args, asOf, since, author, history, conflicts, format, time, explain,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            // Options and their combinations, checked before anything is opened.
            CheckNoOptionsAmongInputs(parse);
            var (isHistory, isConflicts) = (parse.GetValue(history), parse.GetValue(conflicts));
            if (isHistory && isConflicts)
                throw new CliException(ExitCodes.Usage, "--history and --conflicts are two different views of the database; give one (each can be limited by --as-of and --since)");
            var times = parse.GetValue(time);
            if (times < 0)
                throw new CliException(ExitCodes.Usage, $"--time takes a number of runs (1 or more), not {times}");
            if (times > 0 && parse.GetValue(explain))
                throw new CliException(ExitCodes.Usage, "--explain prints the plan without running the query, and --time runs it: give one");
            if (times > 0 && parse.GetResult(format) is { Implicit: false })
                throw new CliException(ExitCodes.Usage, "--time prints one JSON object of timings instead of the result, so --format does not apply");
            var spec = new ViewSpec(parse.GetValue(asOf), parse.GetValue(since), parse.GetValue(author), isHistory ? "history" : isConflicts ? "conflicts" : null);
            return Task.FromResult(RunQuery(new DataDirectory(parse.GetValue(Cli.Data)), parse.GetValue(query)!, parse.GetValue(args) ?? [], spec, parse.GetValue(format)!, times, parse.GetValue(explain), cancellationToken));
        });
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

    /// <summary>Which view a query reads: the base view and the limits on it.</summary>
    private sealed record ViewSpec(string? AsOf, string? Since, string? Authors, string? Base);

    /// <summary>
    /// A misspelled option after the query's inputs (<c>--asof x</c>, <c>--fule 3</c>) would otherwise
    /// be read as an input. Inputs that really begin with <c>--</c> go after a lone <c>--</c>.
    /// </summary>
    private static void CheckNoOptionsAmongInputs(ParseResult parse)
    {
        foreach (var token in parse.Tokens)
        {
            if (token.Type == TokenType.DoubleDash)
                return;
            if (token.Type == TokenType.Argument && token.Value.StartsWith("--", StringComparison.Ordinal) && token.Value.Length > 2)
                throw new CliException(ExitCodes.Usage, $"unknown option {token.Value} (see 'datom query --help'); an input that begins with -- goes after a lone --");
        }
    }

    /// <remarks>
    /// As of limits the operations the view is made of (schema included: an attribute defined later
    /// is unknown). Since filters the datoms the view shows by their transaction, as Datomic's since
    /// database does, so the schema stated before it still names the attributes.
    /// </remarks>
    private static IDatomView View(OpenedLog opened, ViewSpec spec)
    {
        var db = opened.Database;
        Func<Index.Storage.DatomOp, bool>? include = null;
        if (spec.AsOf is { } asOf)
        {
            if (DateTimeOffset.TryParse(asOf, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
                include = DaoDb.StampedBy(time);
            else
                include = Catching("--as-of", () => db.Reachable(Frontier(asOf, "--as-of")));
        }
        var (current, history, conflicts) = db.Views(include);
        IDatomView view = spec.Base switch
        {
            "history" => history,
            "conflicts" => conflicts,
            _ => current,
        };
        if (spec.Since is { } since)
            view = Since(opened, current, view, since);
        if (spec.Authors is { } authors)
            view = ByAuthors(current, view, authors);
        return view;
    }

    private static T Catching<T>(string option, Func<T> make)
    {
        try
        {
            return make();
        }
        catch (KeyNotFoundException e)
        {
            throw new CliException(ExitCodes.Failed, option + ": " + e.Message);
        }
    }

    /// <summary>The since view: datoms whose transaction came after a time, or is outside a frontier's ancestry.</summary>
    private static FilteredView Since(OpenedLog opened, CurrentView provenance, IDatomView view, string since)
    {
        if (DateTimeOffset.TryParse(since, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
        {
            var txTime = Keyword.Parse("tx/time");
            var after = new ConcurrentDictionary<EntityId, bool>();
            return new FilteredView(view, d => after.GetOrAdd(d.Tx, tx =>
                provenance.Match(tx, txTime, null).Any(t => t.V.AsInstantMs > time.ToUnixTimeMilliseconds())));
        }
        var before = Catching("--since", () => opened.Log.Ancestry(Frontier(since, "--since")).Values.ToHashSet());
        return new FilteredView(view, d => !before.Contains(d.Tx));
    }

    private static List<EntryHash> Frontier(string text, string option)
    {
        var hashes = new List<EntryHash>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!EntryHash.TryParse(part, out var h))
                throw new CliException(ExitCodes.Usage, $"{option}: '{part}' is neither an ISO-8601 time nor an entry hash (64 hex digits)");
            hashes.Add(h);
        }
        if (hashes.Count == 0)
            throw new CliException(ExitCodes.Usage, $"{option}: give an ISO-8601 time or entry hashes (comma-separated)");
        return hashes;
    }

    /// <summary>The filtered view: only datoms whose transaction an author in <paramref name="authors"/> made.</summary>
    private static FilteredView ByAuthors(CurrentView provenance, IDatomView view, string authors)
    {
        var keep = new HashSet<string>(StringComparer.Ordinal);
        foreach (var part in authors.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!Log.Identity.NodeId.TryParse(part, out var id))
                throw new CliException(ExitCodes.Usage, $"--author: '{part}' is not a node id (52 base32 characters, as 'datom status' prints)");
            keep.Add(id.ToString());
        }
        if (keep.Count == 0)
            throw new CliException(ExitCodes.Usage, "--author: give one or more node ids, comma-separated");
        var authorOf = new ConcurrentDictionary<EntityId, string?>();
        var txAuthor = Keyword.Parse("tx/author");
        return new FilteredView(view, d =>
        {
            var author = authorOf.GetOrAdd(d.Tx, tx => provenance.Match(tx, txAuthor, null).Select(a => a.V.AsString).FirstOrDefault());
            return author is not null && keep.Contains(author);
        });
    }

    private static int RunQuery(DataDirectory data, string queryText, string[] args, ViewSpec spec, string format, int times, bool explain, CancellationToken cancellationToken)
    {
        if (queryText.StartsWith('@'))
            queryText = File.ReadAllText(Terminal.FullPath(queryText[1..]));
        var query = DatalogQuery.Parse(queryText, "<query>");
        using var opened = data.OpenLog("datom query");
        var db = opened.Database;
        var view = View(opened, spec);
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

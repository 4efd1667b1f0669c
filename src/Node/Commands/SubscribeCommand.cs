using System.CommandLine;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Datom.Index;
using Datom.Index.Query;
using Datom.Log.Model;
using Datom.Node.Output;

namespace Datom.Node.Commands;

/// <summary>
/// <c>datom subscribe [--data DIR] QUERY [ARGS…] [--from FRONTIER] [--format json|edn]</c>: the
/// query's result, then one line per entry that changes it, for as long as it runs (DESIGN.md's
/// subscribe format). It runs in the daemon, which indexes what arrives; the CLI's side
/// (<see cref="Api.SubscribeClient"/>) resumes from the last frontier it printed when the daemon
/// stops and comes back, or when this subscriber falls behind, so a subscriber misses nothing.
/// </summary>
internal static class SubscribeCommand
{
    /// <summary>
    /// Changes waiting to be written, at most. The index tells a subscriber on its applier thread,
    /// which must not wait on a slow reader; past this the subscription ends with
    /// <see cref="ExitCodes.TryAgain"/>, and the CLI resumes from its last frontier.
    /// </summary>
    internal const int MaxPending = 10_000;

    public static Command Create()
    {
        var query = new Argument<string>("query") { Description = "The Datalog query, as EDN: [:find … :in … :where …] (or @FILE to read it from a file)" };
        var args = new Argument<string[]>("args") { Description = "Inputs for :in after $, each as EDN", Arity = ArgumentArity.ZeroOrMore };
        var from = new Option<string?>("--from") { Description = "Start at a frontier printed before (entry hashes, comma-separated): its result, then every change since", HelpName = "FRONTIER" };
        var format = new Option<string>("--format") { Description = "Output format", DefaultValueFactory = _ => "json" };
        format.AcceptOnlyFromAmong("json", "edn");
        var command = new Command("subscribe", "Print a query's result, then one line per entry that changes it (through the running daemon).")
        {
            Cli.Data, query, args, from, format,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(new DataDirectory(parse.GetValue(Cli.Data)), parse.GetValue(query)!, parse.GetValue(args) ?? [],
            parse.GetValue(from), parse.GetValue(format)!, cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(DataDirectory data, string queryText, string[] args, string? fromText, string format, CancellationToken cancellationToken)
    {
        if (Terminal.Current.Node is not { } node)
        {
            throw new CliException(ExitCodes.Unavailable,
                $"no daemon runs on {data.Path}: subscribe follows what a running daemon indexes; start one with 'datom run --data {data.Path}'");
        }
        foreach (var arg in args)
        {
            // An option spelled wrong after the query would otherwise be taken as one of its inputs.
            if (arg.StartsWith("--", StringComparison.Ordinal))
                throw new CliException(ExitCodes.Usage, $"unknown option '{arg}' (subscribe takes --data, --from and --format)");
        }
        if (queryText.StartsWith('@'))
            queryText = await File.ReadAllTextAsync(Terminal.FullPath(queryText[1..]), cancellationToken).ConfigureAwait(false);
        var query = DatalogQuery.Parse(queryText, "<query>");
        var from = fromText is null ? null : ParseFrontier(fromText);
        var db = node.Opened.Database;
        // Inputs are checked once, before subscribing, so that a wrong one is a usage error.
        QueryCommand.Inputs(query, db.Current(), args);
        IEnumerable<IReadOnlyList<object?>> Evaluate(Index.Query.IDatomView view) => query.Run(QueryCommand.Inputs(query, view, args)).Rows;

        var lines = Channel.CreateBounded<string>(new BoundedChannelOptions(MaxPending) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        IReadOnlyList<EntryHash> last = [];
        void Enqueue(string line, IReadOnlyList<EntryHash> frontier)
        {
            if (!lines.Writer.TryWrite(line))
                throw new SubscriberBehindException(last);
            last = frontier;
        }
        IDisposable subscription;
        try
        {
            subscription = db.Subscribe(Evaluate, QueryAttributes.Of(query), from,
                start => Enqueue(Start(start, format), start.Frontier),
                change => Enqueue(Change(change, format), change.Frontier),
                ended => lines.Writer.TryComplete(ended));
        }
        catch (KeyNotFoundException e)
        {
            throw new CliException(ExitCodes.Failed, "--from: " + e.Message);
        }
        catch (SubscriberBehindException)
        {
            throw new CliException(ExitCodes.TryAgain, $"more than {MaxPending} changes since --from: resume from a later frontier");
        }
        using (subscription)
        {
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, node.Stopping);
            try
            {
                await foreach (var line in lines.Reader.ReadAllAsync(stop.Token).ConfigureAwait(false))
                {
                    await Terminal.Out.WriteLineAsync(line).ConfigureAwait(false);
                    await Terminal.Out.FlushAsync(stop.Token).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (node.Stopping.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw new CliException(ExitCodes.TryAgain, "the daemon is stopping");
            }
            catch (Exception e) when ((e as ChannelClosedException)?.InnerException is SubscriberBehindException or SubscriberBehindException)
            {
                var behind = e as SubscriberBehindException ?? (SubscriberBehindException)e.InnerException!;
                throw new CliException(ExitCodes.TryAgain,
                    $"this subscriber fell more than {MaxPending} changes behind; resume with --from {string.Join(',', behind.Frontier)}");
            }
            catch (Exception e) when (e is not OperationCanceledException and not CliException)
            {
                throw new CliException(ExitCodes.Failed, $"the subscription ended: {(e as ChannelClosedException)?.InnerException?.Message ?? e.Message}");
            }
        }
        return ExitCodes.Ok;
    }

    internal static IReadOnlyList<EntryHash> ParseFrontier(string text)
    {
        var hashes = new List<EntryHash>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!EntryHash.TryParse(part, out var h))
                throw new CliException(ExitCodes.Usage, $"--from: '{part}' is not an entry hash (64 hex digits)");
            hashes.Add(h);
        }
        return hashes;
    }

    private static string Start(SubscriptionStart start, string format)
    {
        var rows = Sorted(start.Result);
        if (format == "edn")
            return $"{{:result {ResultPrinter.Print(rows)} :frontier {Hashes(start.Frontier)}}}";
        return Json(w =>
        {
            w.WritePropertyName("result");
            ValueJson.Write(w, rows);
            WriteFrontier(w, start.Frontier);
        });
    }

    private static string Change(SubscriptionChange change, string format)
    {
        var added = Sorted(change.Added);
        var removed = Sorted(change.Removed);
        if (format == "edn")
        {
            return $"{{:added {ResultPrinter.Print(added)} :removed {ResultPrinter.Print(removed)} :hash \"{change.Hash}\" :author \"{change.Author}\" "
                + $":seq {change.Entry.Seq} :branch \"{change.Branch}\" :frontier {Hashes(change.Frontier)}}}";
        }
        return Json(w =>
        {
            w.WritePropertyName("added");
            ValueJson.Write(w, added);
            w.WritePropertyName("removed");
            ValueJson.Write(w, removed);
            w.WriteString("hash", change.Hash.ToString());
            w.WriteString("author", change.Author);
            w.WriteNumber("seq", change.Entry.Seq);
            w.WriteString("branch", change.Branch);
            WriteFrontier(w, change.Frontier);
        });
    }

    /// <summary>Rows in a stable order (by their EDN text), so that the same result always prints alike.</summary>
    private static List<IReadOnlyList<object?>> Sorted(IEnumerable<IReadOnlyList<object?>> rows) =>
        [.. rows.Select(r => (Row: r, Key: ResultPrinter.Print(r))).OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => r.Row)];

    private static string Hashes(IReadOnlyList<EntryHash> frontier) => "[" + string.Join(' ', frontier.Select(h => $"\"{h}\"")) + "]";

    private static void WriteFrontier(Utf8JsonWriter w, IReadOnlyList<EntryHash> frontier)
    {
        w.WriteStartArray("frontier");
        foreach (var h in frontier)
            w.WriteStringValue(h.ToString());
        w.WriteEndArray();
    }

    private static string Json(Action<Utf8JsonWriter> body)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping, MaxDepth = 4096 }))
        {
            w.WriteStartObject();
            body(w);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Thrown on the index's thread when the pending changes fill up: it ends the subscription there.</summary>
    private sealed class SubscriberBehindException(IReadOnlyList<EntryHash> frontier)
        : Exception("the subscriber fell behind")
    {
        public IReadOnlyList<EntryHash> Frontier { get; } = frontier;
    }
}

using System.CommandLine;
using System.Text;
using System.Text.Json;
using Datom.Index.Transactions;
using Datom.Log.Edn;
using Datom.Log.Entries;
using Datom.Node.Output;

namespace Datom.Node.Commands;

/// <summary>
/// <c>datom transact [--data DIR] [FILE|-]</c>: each EDN form in the input is one transaction and
/// becomes one log entry, checked against the schema by DaoDB's transactor. Each is acknowledged
/// once durable and indexed, one JSON line each: <c>{"seq":N,"hash":"…","tx":"…","datoms":N,"tempids":{…}}</c>.
/// A refused transaction is reported on stderr with its line and column and the stream goes on.
/// </summary>
internal static class TransactCommand
{
    public static Command Create()
    {
        var input = new Argument<string>("input")
        {
            Description = "File of EDN transaction data, or - for a stream of transactions on stdin",
            Arity = ArgumentArity.ZeroOrOne,
            DefaultValueFactory = _ => "-",
        };
        var command = new Command("transact", "Transact EDN tx-data: one log entry per transaction, one JSON acknowledgement line per durable transaction.")
        {
            Cli.Data,
            input,
        };
        command.SetAction((parse, cancellationToken) =>
            RunAsync(new DataDirectory(parse.GetValue(Cli.Data)), parse.GetValue(input)!, cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(DataDirectory data, string input, CancellationToken cancellationToken)
    {
        TextReader reader;
        string sourceName;
        if (input == "-")
        {
            reader = Terminal.In;
            sourceName = "<stdin>";
        }
        else
        {
            var path = Terminal.FullPath(input);
            if (!File.Exists(path))
                throw new CliException(ExitCodes.Failed, $"{input}: no such file");
            reader = new StreamReader(path, Encoding.UTF8);
            sourceName = input;
        }

        using var opened = data.OpenLog("datom transact");
        var stdout = Terminal.Out;
        var failures = 0;
        try
        {
            var edn = new EdnReader(reader, TxDataParser.ReaderOptions(sourceName));
            while (!cancellationToken.IsCancellationRequested)
            {
                object? form;
                try
                {
                    if (!edn.TryRead(out form))
                        break;
                }
                catch (EdnException e)
                {
                    // After a syntax error the reader cannot know where the next form starts: stop
                    // reading, but everything before it is still acknowledged.
                    Terminal.Error.WriteLine($"datom: {e.Message}");
                    failures++;
                    break;
                }

                try
                {
                    // Serial by design: each transaction is checked against the database that
                    // includes the one before it.
                    var result = await opened.Database.TransactAsync(form, cancellationToken);
                    await stdout.WriteLineAsync(AckLine(result.Entry, result.Tx));
                    // Flush per line: a script reading the stream must see each ack as soon as it is true.
                    await stdout.FlushAsync(cancellationToken);
                }
                catch (TxDataException e)
                {
                    Terminal.Error.WriteLine($"datom: {sourceName}:{e.Message}");
                    failures++;
                }
                catch (EntryRejectedException e)
                {
                    Terminal.Error.WriteLine($"datom: {sourceName}: transaction refused: {e.Message}");
                    failures++;
                }
            }
        }
        finally
        {
            if (reader != Terminal.In)
                reader.Dispose();
        }
        return failures == 0 ? ExitCodes.Ok : ExitCodes.Failed;
    }

    private static string AckLine(Entry entry, PreparedTx tx)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, JsonOutput.Options))
        {
            w.WriteStartObject();
            w.WriteNumber("seq", entry.Seq);
            w.WriteString("hash", entry.Hash.ToString());
            w.WriteString("tx", tx.Tx.ToString());
            w.WriteNumber("datoms", tx.Datoms.Count);
            w.WriteStartObject("tempids");
            foreach (var (name, id) in tx.TempIds.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                w.WriteString(name, id.ToString());
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }
}

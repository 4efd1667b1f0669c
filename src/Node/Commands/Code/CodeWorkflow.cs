using System.Globalization;
using Datom.Index;
using Datom.Index.Query;
using Datom.Vm.Workflow;

namespace Datom.Node.Commands.Code;

/// <summary>What the code workflow commands (edit, diff, blame, history, revert, conflicts, pick, export, import) share.</summary>
internal static class CodeWorkflow
{
    /// <summary>Checks that <paramref name="name"/> is <c>ns/name</c>.</summary>
    public static string Definition(string name)
    {
        var slash = name.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || slash == name.Length - 1 || name.IndexOf('/', slash + 1) >= 0 || name.Contains('#', StringComparison.Ordinal))
            throw new CliException(ExitCodes.Usage, $"'{name}' is not a function name: write NS/FN, e.g. core/greet");
        return name;
    }

    /// <summary>A view from <c>--as-of</c>, <c>--from</c>, <c>--to</c>: an ISO-8601 time or entry hashes (a frontier; one head is a branch).</summary>
    public static IDatomView View(DaoDb db, string? spec, string option)
    {
        try
        {
            return QueryCommand.View(db, spec);
        }
        catch (CliException e) when (e.Message.StartsWith("--as-of", StringComparison.Ordinal))
        {
            throw new CliException(e.ExitCode, option + e.Message["--as-of".Length..]);
        }
    }

    /// <summary>Fails with a clear error unless the definition exists in the current view.</summary>
    public static void RequireCurrent(DaoDb db, string definition)
    {
        if (CodeHistory.Print(db.Current(), definition) is null)
            throw new CliException(ExitCodes.Failed, $"no function or record {definition} is loaded");
    }

    public static string Time(CodeTx tx) =>
        tx.Time.Instant.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    public static string Short(CodeTx tx) => tx.Author.ToString()[..12];

    /// <summary>A version as JSON, for <c>--format json</c>: <c>{"entry","time","author","seq","reason"}</c> and the extra fields given.</summary>
    public static string Json(CodeTx tx, params (string Name, object? Value)[] extra) =>
        System.Text.Json.JsonSerializer.Serialize(Fields(tx, extra));

    /// <summary>The fields of <see cref="Json"/>.</summary>
    public static Dictionary<string, object?> Fields(CodeTx tx, params (string Name, object? Value)[] extra)
    {
        var fields = new Dictionary<string, object?>
        {
            ["entry"] = tx.Hash.ToString(),
            ["time"] = Time(tx),
            ["author"] = tx.Author.ToString(),
            ["seq"] = tx.Seq,
            ["reason"] = tx.Reason,
        };
        foreach (var (name, value) in extra)
            fields[name] = value;
        return fields;
    }

    /// <summary>One version, as history, conflicts and pick list it: entry hash, time, author, reason.</summary>
    public static string Describe(CodeTx tx) => $"{tx.Hash}  {Time(tx)}  {Short(tx)}  {tx.Message}";
}

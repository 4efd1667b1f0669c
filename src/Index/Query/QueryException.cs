using Datom.Log.Edn;

namespace Datom.Index.Query;

/// <summary>
/// A query, rule set, pull pattern or input that cannot be run: malformed, naming an unknown
/// attribute, rule or function, leaving a variable unbound, or a built-in meeting a value of the
/// wrong type. The message reads <c>line:column: reason, in clause</c> so a CLI can print it as is.
/// </summary>
public class QueryException : Exception
{
    public QueryException()
        : this("invalid query")
    {
    }

    public QueryException(string message)
        : base(message)
    {
        Reason = message;
    }

    public QueryException(string message, Exception innerException)
        : base(message, innerException)
    {
        Reason = message;
    }

    public QueryException(string reason, SourcePosition? position, string? clause, Exception? innerException = null)
        : base(Format(reason, position, clause), innerException)
    {
        Reason = reason;
        Position = position;
        Clause = clause;
    }

    /// <summary>What is wrong, without the location.</summary>
    public string Reason { get; }

    /// <summary>Where the offending clause was read, when the query was read from text.</summary>
    public SourcePosition? Position { get; }

    /// <summary>The offending clause (or form) as EDN text.</summary>
    public string? Clause { get; }

    private static string Format(string reason, SourcePosition? position, string? clause)
    {
        var where = position is { } p ? p + ": " : "";
        return clause is null ? where + reason : $"{where}{reason}, in {clause}";
    }
}

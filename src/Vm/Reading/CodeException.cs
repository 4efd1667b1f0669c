namespace Datom.Vm.Reading;

/// <summary>
/// Source that cannot be loaded: a syntax error, or a form the language does not accept (an
/// unknown symbol, a malformed defn ...). The message names the source and line, as a compiler's
/// would: <c>core.clj:12: unknown symbol gret</c>. Nothing is transacted when one is thrown.
/// </summary>
public sealed class CodeException : Exception
{
    public CodeException(string source, int line, int column, string reason)
        : base(column > 0 ? $"{source}:{line}:{column}: {reason}" : $"{source}:{line}: {reason}")
    {
        SourceName = source;
        Line = line;
        Column = column;
        Reason = reason;
    }

    public CodeException()
        : this("<unknown>", 0, 0, "invalid code")
    {
    }

    public CodeException(string message)
        : this("<unknown>", 0, 0, message)
    {
    }

    public CodeException(string message, Exception innerException)
        : base(message, innerException)
    {
        SourceName = "<unknown>";
        Reason = message;
    }

    public string SourceName { get; }

    public int Line { get; }

    /// <summary>The column, or 0 when only the line is known.</summary>
    public int Column { get; }

    public string Reason { get; }
}

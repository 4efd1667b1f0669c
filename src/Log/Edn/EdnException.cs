namespace Datom.Log.Edn;

/// <summary>
/// EDN text that is not valid EDN, or a value the reader refuses (too deep, too long, a tag
/// handler that failed). <see cref="Exception.Message"/> reads <c>source:line:column: reason</c>
/// so it can be printed as is by a CLI or an editor.
/// </summary>
public class EdnException : FormatException
{
    private const string UnnamedSource = "<input>";
    private string? _sourceName;

    public EdnException()
        : this("invalid EDN")
    {
    }

    public EdnException(string message)
        : base(message)
    {
        Reason = message;
    }

    public EdnException(string message, Exception innerException)
        : base(message, innerException)
    {
        Reason = message;
    }

    public EdnException(string reason, string? source, int line, int column, Exception? innerException = null)
        : base(Format(reason, source, line, column), innerException)
    {
        Reason = reason;
        _sourceName = source;
        Line = line;
        Column = column;
    }

    /// <summary>
    /// The name of the EDN source (a file name, "stdin"), from <see cref="EdnReaderOptions.SourceName"/>.
    /// This overrides <see cref="Exception.Source"/>, which otherwise names the throwing assembly:
    /// for a format error the text's origin is the useful answer.
    /// </summary>
    public override string? Source
    {
        get => _sourceName;
        set => _sourceName = value;
    }

    /// <summary>1-based line of the offending text (for an unfinished form, where it began).</summary>
    public int Line { get; }

    /// <summary>1-based column of the offending text.</summary>
    public int Column { get; }

    /// <summary>What is wrong, without the location prefix.</summary>
    public string Reason { get; }

    public SourcePosition Position => new(Line, Column);

    private static string Format(string reason, string? source, int line, int column) =>
        $"{source ?? UnnamedSource}:{line}:{column}: {reason}";
}

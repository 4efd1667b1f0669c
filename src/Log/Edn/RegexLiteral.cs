namespace Datom.Log.Edn;

/// <summary>
/// A Clojure regex literal <c>#"..."</c>, read only with <see cref="EdnReaderOptions.ClojureSyntax"/>.
/// The pattern is the text between the quotes exactly as written: as in Clojure's LispReader, a
/// backslash escapes only the quote for the reader and is otherwise kept for the regex engine.
/// Compiling it is the caller's business (and so is the engine's dialect and its time limit).
/// </summary>
public sealed record RegexLiteral(string Pattern)
{
    public override string ToString() => "#\"" + Pattern + "\"";
}

namespace Datom.Log.Edn;

/// <summary>
/// Settings for <see cref="EdnReader"/>. The defaults read strict EDN with limits that keep a
/// hostile input from exhausting the stack or memory; the reader copies them when it is
/// constructed, so changing an options object later does not affect a reader already made.
/// </summary>
public sealed class EdnReaderOptions
{
    /// <summary>Default <see cref="MaxDepth"/>.</summary>
    public const int DefaultMaxDepth = 512;

    /// <summary>
    /// Default <see cref="MaxStringLength"/>: 16 Mi UTF-16 units (32 MiB), far above any datom
    /// value or identifier, small enough that one bad form cannot take the process down.
    /// </summary>
    public const long DefaultMaxStringLength = 16L * 1024 * 1024;

    /// <summary>
    /// Default <see cref="MaxCollectionCount"/>: 1 Mi elements per collection (an 8 MiB element
    /// array); a transaction bigger than that should be split.
    /// </summary>
    public const int DefaultMaxCollectionCount = 1024 * 1024;

    /// <summary>
    /// Accept Clojure reader metadata (<c>^Type</c>, <c>^:flag</c>, <c>^{...}</c>) on symbols and
    /// collections. Off by default: <c>^</c> is not part of EDN.
    /// </summary>
    public bool AllowMetadata { get; set; }

    /// <summary>
    /// Read Clojure source rather than EDN (implies <see cref="AllowMetadata"/>): the reader
    /// macros <c>'x</c> (quote x), <c>@x</c> (clojure.core/deref x), <c>~x</c>
    /// (clojure.core/unquote x), <c>~@x</c> (clojure.core/unquote-splicing x), <c>#'x</c> (var x),
    /// <c>#"re"</c> (a <see cref="RegexLiteral"/>), Clojure's number forms (<c>0x1F</c>, <c>017</c>,
    /// <c>2r101</c>, <c>1.</c>), octal string escapes, and <c>` @ ~</c> ending tokens as in
    /// Clojure's LispReader. Two macros whose expansion depends on the namespace being read or
    /// on gensyms read as marker forms for the caller to expand:
    /// <c>`x</c> as <c>(clojure.core/syntax-quote x)</c> and <c>#(a b)</c> as
    /// <c>(clojure.core/fn-literal (a b))</c>.
    /// </summary>
    public bool ClojureSyntax { get; set; }

    /// <summary>
    /// Deepest nesting of collections, tags, discards and metadata; deeper input is an
    /// <see cref="EdnException"/>, never a stack overflow.
    /// </summary>
    public int MaxDepth { get; set; } = DefaultMaxDepth;

    /// <summary>Longest string literal or token, in UTF-16 units.</summary>
    public long MaxStringLength { get; set; } = DefaultMaxStringLength;

    /// <summary>Most elements in one list, vector or set, or entries in one map.</summary>
    public int MaxCollectionCount { get; set; } = DefaultMaxCollectionCount;

    /// <summary>
    /// Handlers for tagged elements, keyed by the tag without <c>#</c> (<c>"myapp/Person"</c>).
    /// A handler here wins over the built-in <c>inst</c> and <c>uuid</c>. Tags with no handler
    /// read as <see cref="EdnTagged"/>. Handlers are not called inside <c>#_</c> discards.
    /// </summary>
    public IReadOnlyDictionary<string, Func<object?, object?>>? TagHandlers { get; set; }

    /// <summary>Name used in error messages (a file name, "stdin").</summary>
    public string? SourceName { get; set; }
}

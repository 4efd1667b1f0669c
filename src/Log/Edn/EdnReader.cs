using System.Buffers;
using System.Runtime.CompilerServices;

namespace Datom.Log.Edn;

/// <summary>
/// Reads EDN (github.com/edn-format/edn) from text, one top-level form at a time.
/// <para>
/// Streaming: input is pulled from the <see cref="TextReader"/> one buffer at a time and only
/// when the reader needs a character it does not have, so a form that ends at a newline is
/// returned as soon as that line arrives (an interactive transaction stream on stdin works).
/// The reader never calls <see cref="TextReader.Peek"/>, whose -1 is ambiguous on pipes.
/// </para>
/// <para>
/// Values: nil is <c>null</c>; booleans, <c>long</c>, <see cref="System.Numerics.BigInteger"/>
/// (<c>N</c> suffix or too big for a long), <c>double</c> (also <c>##Inf</c>, <c>##-Inf</c>,
/// <c>##NaN</c>), <c>decimal</c> (<c>M</c>), <c>string</c>, <c>char</c>, <see cref="Keyword"/>,
/// <see cref="Symbol"/>, <see cref="EdnList"/>, <see cref="EdnVector"/>, <see cref="EdnMap"/>,
/// <see cref="EdnSet"/>, <see cref="DateTimeOffset"/> (<c>#inst</c>), <see cref="Guid"/>
/// (<c>#uuid</c>) and <see cref="EdnTagged"/>. Symbols and collections carry the
/// <see cref="SourcePosition"/> they were read at.
/// </para>
/// <para>
/// Errors are <see cref="EdnException"/>s located at the offending text; an unfinished form at
/// the end of input is located where the innermost unfinished form began (as Clojure does). After
/// an error the reader's position in the input is unspecified. Not thread-safe.
/// </para>
/// </summary>
public sealed partial class EdnReader
{
    // 4 KiB chars: one line of an interactive stream, or one read from a file, per refill.
    private const int InputBufferSize = 4096;

    // A token buffer that grew past this for one long string is dropped before the next form, so
    // one outlier does not pin megabytes for the reader's lifetime.
    private const int RetainedTokenBufferSize = 1 << 20;

    private readonly TextReader? _input;
    private readonly char[] _buffer;
    private readonly string? _sourceName;
    private readonly bool _allowMetadata;
    private readonly bool _clojure;
    private readonly SearchValues<char> _tokenEnds;
    private readonly int _maxDepth;
    private readonly long _maxStringLength;
    private readonly int _maxCollectionCount;
    private readonly IReadOnlyDictionary<string, Func<object?, object?>>? _tagHandlers;

    private int _pos;
    private int _len;
    private bool _eof;
    private int _line = 1;
    private int _column = 1;

    // Token and string characters accumulate here, so reading allocates only the values it returns.
    private char[] _token = new char[256];
    private int _tokenLength;

    // Nesting of collections, tags, discards and metadata, checked against _maxDepth.
    private int _depth;

    // Greater than zero while reading an element that a #_ will drop: tags are not interpreted.
    private int _discarding;

    // Set by ReadNext: where the value it returned began, and which delimiter ended a sequence.
    private SourcePosition _valueStart;
    private char _closer;
    private SourcePosition _closerStart;

    /// <summary>A reader over <paramref name="input"/>, which it reads lazily and does not dispose.</summary>
    public EdnReader(TextReader input, EdnReaderOptions? options = null)
        : this(input ?? throw new ArgumentNullException(nameof(input)), new char[InputBufferSize], 0, options)
    {
    }

    private EdnReader(TextReader? input, char[] buffer, int length, EdnReaderOptions? options)
    {
        options ??= new EdnReaderOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxDepth, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxStringLength, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegative(options.MaxCollectionCount, nameof(options));
        _input = input;
        _buffer = buffer;
        _len = length;
        _eof = input is null;
        _sourceName = options.SourceName;
        _allowMetadata = options.AllowMetadata || options.ClojureSyntax;
        _clojure = options.ClojureSyntax;
        _tokenEnds = _clojure ? ClojureTokenEnds : TokenEnds;
        _maxDepth = options.MaxDepth;
        _maxStringLength = options.MaxStringLength;
        _maxCollectionCount = options.MaxCollectionCount;
        _tagHandlers = options.TagHandlers;
    }

    private enum Next
    {
        Value,
        Closer,
        End,
    }

    private SourcePosition Here => new(_line, _column);

    /// <summary>Reads exactly one form from <paramref name="text"/>; none, or more than one, is an error.</summary>
    public static object? ReadOne(string text, EdnReaderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        var reader = new EdnReader(null, text.ToCharArray(), text.Length, options);
        if (!reader.TryRead(out var value))
        {
            throw reader.Error(reader.Here, "expected an EDN form, found end of input");
        }

        if (reader.TryRead(out _))
        {
            throw reader.Error(reader._valueStart, "expected a single EDN form, found another");
        }

        return value;
    }

    /// <summary>Reads every top-level form in <paramref name="text"/>.</summary>
    public static IReadOnlyList<object?> ReadAll(string text, EdnReaderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        var reader = new EdnReader(null, text.ToCharArray(), text.Length, options);
        var forms = new List<object?>();
        while (reader.TryRead(out var value))
        {
            forms.Add(value);
        }

        return forms;
    }

    /// <summary>
    /// Reads the next top-level form. Returns false at a clean end of input (only whitespace,
    /// comments and discards left); an unfinished form is an <see cref="EdnException"/>.
    /// </summary>
    public bool TryRead(out object? value)
    {
        _depth = 0;
        _discarding = 0;
        if (_token.Length > RetainedTokenBufferSize)
        {
            _token = new char[256];
        }

        switch (ReadNext(out value))
        {
            case Next.Value:
                return true;
            case Next.End:
                return false;
            default:
                throw Error(_closerStart, $"unmatched '{_closer}'");
        }
    }

    /// <summary>
    /// Skips whitespace, comments and discarded elements, then reads one element, or reports the
    /// closing delimiter (consumed) or end of input found instead.
    /// </summary>
    private Next ReadNext(out object? value)
    {
        while (true)
        {
            var c = SkipWhitespaceAndComments();
            if (c < 0)
            {
                value = null;
                return Next.End;
            }

            var start = Here;
            switch (c)
            {
                case ')' or ']' or '}':
                    Advance();
                    _closer = (char)c;
                    _closerStart = start;
                    value = null;
                    return Next.Closer;
                case '(':
                    Advance();
                    value = new EdnList(ReadItems(')', start, "list", unique: false), start, null);
                    break;
                case '[':
                    Advance();
                    value = new EdnVector(ReadItems(']', start, "vector", unique: false), start, null);
                    break;
                case '{':
                    Advance();
                    value = ReadMap(start);
                    break;
                case '"':
                    Advance();
                    value = ReadString(start);
                    break;
                case '\\':
                    Advance();
                    value = ReadCharacter(start);
                    break;
                case ':':
                    value = ReadKeyword(start);
                    break;
                case '^':
                    value = ReadMeta(start);
                    break;
                case '#':
                    Advance();
                    if (Peek() == '_')
                    {
                        Advance();
                        Discard(start);
                        continue;
                    }

                    value = ReadDispatch(start);
                    break;
                case '\'' when _clojure:
                    Advance();
                    value = ReadWrapped(start, QuoteSymbol, "quote (')");
                    break;
                case '`' when _clojure:
                    Advance();
                    value = ReadWrapped(start, SyntaxQuoteSymbol, "syntax-quote (`)");
                    break;
                case '@' when _clojure:
                    Advance();
                    value = ReadWrapped(start, DerefSymbol, "deref (@)");
                    break;
                case '~' when _clojure:
                    Advance();
                    if (Peek() == '@')
                    {
                        Advance();
                        value = ReadWrapped(start, UnquoteSplicingSymbol, "unquote-splicing (~@)");
                    }
                    else
                    {
                        value = ReadWrapped(start, UnquoteSymbol, "unquote (~)");
                    }

                    break;
                default:
                    value = ReadAtom(start);
                    break;
            }

            _valueStart = start;
            return Next.Value;
        }
    }

    private object?[] ReadItems(char close, SourcePosition start, string kind, bool unique)
    {
        Enter(start);
        var items = default(ItemBuffer);
        HashSet<object?>? seen = null;
        while (true)
        {
            var next = ReadNext(out var item);
            if (next == Next.Value)
            {
                if (items.Count == _maxCollectionCount)
                {
                    throw Error(start, $"{kind} has more than {_maxCollectionCount} elements (EdnReaderOptions.MaxCollectionCount)");
                }

                if (unique && !(_clojure && HasFnLiteral(item)) && IsRepeat(ref items, ref seen, item))
                {
                    throw Error(_valueStart, $"duplicate set element {Show(item)}");
                }

                items.Add(item);
                continue;
            }

            if (next == Next.End)
            {
                throw Error(start, $"unterminated {kind}: end of input before '{close}'");
            }

            if (_closer != close)
            {
                throw Error(_closerStart, $"'{_closer}' does not close the {kind} opened at {start} (expected '{close}')");
            }

            _depth--;
            return items.Drain();
        }
    }

    private EdnMap ReadMap(SourcePosition start)
    {
        Enter(start);
        var keys = default(ItemBuffer);
        var values = default(ItemBuffer);
        HashSet<object?>? seen = null;
        while (true)
        {
            var next = ReadNext(out var key);
            if (next == Next.Value)
            {
                var keyStart = _valueStart;
                if (keys.Count == _maxCollectionCount)
                {
                    throw Error(start, $"map has more than {_maxCollectionCount} entries (EdnReaderOptions.MaxCollectionCount)");
                }

                // "Each key should appear at most once" (spec, maps).
                if (IsRepeat(ref keys, ref seen, key))
                {
                    throw Error(keyStart, $"duplicate map key {Show(key)}");
                }

                next = ReadNext(out var value);
                if (next == Next.Value)
                {
                    keys.Add(key);
                    values.Add(value);
                    continue;
                }

                if (next == Next.Closer && _closer == '}')
                {
                    throw Error(keyStart, $"map key {Show(key)} has no value");
                }
            }

            if (next == Next.End)
            {
                throw Error(start, "unterminated map: end of input before '}'");
            }

            if (_closer != '}')
            {
                throw Error(_closerStart, $"'{_closer}' does not close the map opened at {start} (expected '}}')");
            }

            _depth--;
            return new EdnMap(keys.Drain(), values.Drain(), start, null);
        }
    }

    /// <summary>
    /// Whether <paramref name="item"/> equals one already in <paramref name="items"/>: a scan while
    /// the collection is small, then a hash set built once and kept up to date.
    /// </summary>
    private static bool IsRepeat(ref ItemBuffer items, ref HashSet<object?>? seen, object? item)
    {
        if (seen is null)
        {
            var existing = items.AsSpan();
            if (existing.Length < EdnMap.LinearScanLimit)
            {
                foreach (var other in existing)
                {
                    if (EdnEquality.AreEqual(other, item))
                    {
                        return true;
                    }
                }

                return false;
            }

            seen = new HashSet<object?>(existing.Length * 2, EdnEquality.Instance);
            foreach (var other in existing)
            {
                seen.Add(other);
            }
        }

        return !seen.Add(item);
    }

    private void Discard(SourcePosition start)
    {
        // "the next element must still be a readable element"; "It is an error to have a discard
        // sequence without a following element" (spec, discard).
        Enter(start);
        _discarding++;
        if (ReadNext(out _) != Next.Value)
        {
            throw Error(start, "#_ must be followed by an element to discard");
        }

        _discarding--;
        _depth--;
    }

    private void Enter(SourcePosition start)
    {
        if (++_depth > _maxDepth)
        {
            throw Error(start, $"nesting deeper than {_maxDepth} levels (EdnReaderOptions.MaxDepth)");
        }

        // A generous MaxDepth on a small thread stack must still end in an EdnException.
        if (!RuntimeHelpers.TryEnsureSufficientExecutionStack())
        {
            throw Error(start, "nesting too deep for the thread's stack");
        }
    }

    private EdnException Error(SourcePosition at, string reason, Exception? inner = null) =>
        new(reason, _sourceName, at.Line, at.Column, inner);

    /// <summary>A value for an error message, cut short if long.</summary>
    private static string Show(object? value) => Shorten(EdnWriter.ToDebugString(value));

    private static string Shorten(string text) => text.Length <= 64 ? text : string.Concat(text.AsSpan(0, 61), "...");

    /// <summary>Elements of a collection being read, in a pooled array.</summary>
    private struct ItemBuffer
    {
        private object?[]? _array;

        public int Count { get; private set; }

        public void Add(object? item)
        {
            if (_array is null)
            {
                _array = ArrayPool<object?>.Shared.Rent(8);
            }
            else if (Count == _array.Length)
            {
                var bigger = ArrayPool<object?>.Shared.Rent(_array.Length * 2);
                Array.Copy(_array, bigger, Count);
                Release(_array, Count);
                _array = bigger;
            }

            _array[Count++] = item;
        }

        public readonly ReadOnlySpan<object?> AsSpan() => _array.AsSpan(0, Count);

        /// <summary>The elements in an exact-size array; the pooled one goes back, cleared.</summary>
        public object?[] Drain()
        {
            if (_array is null)
            {
                return [];
            }

            var result = _array.AsSpan(0, Count).ToArray();
            Release(_array, Count);
            _array = null;
            Count = 0;
            return result;
        }

        // Only the used prefix holds references; clearing just that keeps Return cheap.
        private static void Release(object?[] array, int used)
        {
            Array.Clear(array, 0, used);
            ArrayPool<object?>.Shared.Return(array);
        }
    }
}

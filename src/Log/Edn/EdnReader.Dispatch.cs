namespace Datom.Log.Edn;

/// <summary>The <c>#</c> dispatch (sets, tags, symbolic values) and reader metadata.</summary>
public sealed partial class EdnReader
{
    private static readonly Keyword TagKey = Keyword.Intern(null, "tag");

    /// <summary>
    /// After '#' (consumed; '#_' is handled by the caller): "The dispatches #{ (sets), #_ (discard),
    /// #alphabetic-char (tag) are defined" (spec), plus Clojure's <c>##Inf</c>, <c>##-Inf</c> and
    /// <c>##NaN</c>. Anything else (<c>#:</c>, <c>#?</c>, <c>#(</c>, <c>#"</c>, ...) is an error.
    /// </summary>
    private object? ReadDispatch(SourcePosition start)
    {
        var next = Peek();
        if (_clojure && TryReadClojureDispatch(start, next, out var clojureForm))
        {
            return clojureForm;
        }

        if (next == '{')
        {
            Advance();
            return new EdnSet(ReadItems('}', start, "set", unique: true), start, null);
        }

        if (next == '#')
        {
            Advance();
            _tokenLength = 0;
            ScanToken(start, "symbolic value");
            return Token switch
            {
                "Inf" => PositiveInfinity,
                "-Inf" => NegativeInfinity,
                "NaN" => NaN,
                _ => throw Error(start, $"unknown symbolic value ##{Shorten(Token.ToString())}"),
            };
        }

        if (next >= 0 && char.IsLetter((char)next))
        {
            _tokenLength = 0;
            ScanToken(start, "tag");
            var tag = Symbol.FromText(Token, out var error)
                ?? throw Error(start, $"invalid tag #{Shorten(Token.ToString())}: {error}");
            return ReadTagged(start, tag);
        }

        throw Error(start, next < 0
            ? "end of input after '#'"
            : $"'#' followed by {EdnNames.Describe((char)next)} is not EDN (expected '{{', '_', '#' or a tag)");
    }

    /// <summary>
    /// "Upon encountering a tag, the reader will first read the next element ... then pass the
    /// result to the corresponding handler" (spec, tagged elements). Order: a registered handler,
    /// then the built-ins <c>#inst</c> and <c>#uuid</c>; other tags without a prefix are reserved
    /// for EDN and are errors; prefixed tags without a handler become <see cref="EdnTagged"/>.
    /// Inside a discard nothing is interpreted.
    /// </summary>
    private object? ReadTagged(SourcePosition start, Symbol tag)
    {
        Enter(start);
        if (ReadNext(out var element) != Next.Value)
        {
            throw Error(start, $"tag #{tag} must be followed by an element");
        }

        _depth--;
        if (_discarding > 0)
        {
            return new EdnTagged(tag, element);
        }

        if (_tagHandlers is not null && _tagHandlers.TryGetValue(tag.ToString(), out var handler))
        {
            try
            {
                return handler(element);
            }
            catch (Exception ex)
            {
                throw Error(start, $"the handler for #{tag} failed: {ex.Message}", ex);
            }
        }

        if (tag.Namespace is not null)
        {
            return new EdnTagged(tag, element);
        }

        switch (tag.Name)
        {
            case "inst":
                if (element is not string instant)
                {
                    throw Error(start, "#inst must be followed by a string");
                }

                var why = EdnInstant.TryParse(instant, out var time);
                return why is null ? time : throw Error(start, $"invalid #inst \"{Shorten(instant)}\": {why}");
            case "uuid":
                // The spec asks for the canonical 8-4-4-4-12 form; Guid's "D" also trims spaces.
                return element is string uuid && uuid.Length == 36 && Guid.TryParseExact(uuid, "D", out var guid)
                    ? guid
                    : throw Error(start, "#uuid must be followed by a canonical UUID string (8-4-4-4-12 hex digits)");
            default:
                throw Error(start, $"unknown tag #{tag}: tags without a prefix are reserved for EDN built-ins");
        }
    }

    /// <summary>
    /// Clojure reader metadata, when <see cref="EdnReaderOptions.AllowMetadata"/> is set:
    /// <c>^Type x</c> is <c>{:tag Type}</c> (also for a string), <c>^:k x</c> is <c>{:k true}</c>,
    /// <c>^{...} x</c> is the map; it attaches to the next symbol or collection, merged over any
    /// metadata that already has (<c>^:a ^:b x</c> has both; the outer one wins a clash).
    /// </summary>
    private object ReadMeta(SourcePosition start)
    {
        if (!_allowMetadata)
        {
            throw Error(start, "metadata (^) is not EDN; set EdnReaderOptions.AllowMetadata to read Clojure source");
        }

        Advance();
        Enter(start);
        if (ReadNext(out var form) != Next.Value)
        {
            throw Error(start, "'^' must be followed by metadata and a form");
        }

        var meta = form switch
        {
            Symbol or string => new EdnMap([TagKey], [form], null, null),
            Keyword flag => new EdnMap([flag], [BoxedTrue], null, null),
            EdnMap map => map,
            _ => throw Error(_valueStart, "metadata must be a symbol, string, keyword or map"),
        };

        if (ReadNext(out var target) != Next.Value)
        {
            throw Error(start, "metadata must be followed by a form to attach to");
        }

        _depth--;
        return target switch
        {
            Symbol s => s.WithMeta(Merge(s.Meta, meta)),
            EdnList l => l.WithMeta(Merge(l.Meta, meta)),
            EdnVector v => v.WithMeta(Merge(v.Meta, meta)),
            EdnMap m => m.WithMeta(Merge(m.Meta, meta)),
            EdnSet s => s.WithMeta(Merge(s.Meta, meta)),
            _ => throw Error(_valueStart, $"metadata can only be attached to a symbol or a collection, not {Show(target)}"),
        };
    }

    private static EdnMap Merge(EdnMap? existing, EdnMap added) => existing is null ? added : existing.Merge(added);
}

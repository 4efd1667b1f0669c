namespace Datom.Log.Edn;

/// <summary>
/// An EDN symbol such as <c>process-user</c> or <c>my.ns/foo</c>. Equality and hash are by
/// namespace and name only; <see cref="Position"/> and <see cref="Meta"/> ride along per
/// occurrence, so the reader makes a fresh instance for each symbol it reads while
/// <see cref="Intern"/> returns a shared one without them.
/// </summary>
public sealed class Symbol : IEquatable<Symbol>, IComparable<Symbol>, IComparable
{
    private static readonly InternTable<Symbol> Table = new();

    // "ns/name" or "name"; the full text decides equality because the split at '/' is unique.
    private readonly string _text;
    private readonly int _hash;

    private Symbol(string? ns, string name, string text, int hash, SourcePosition? position, EdnMap? meta)
    {
        Namespace = ns;
        Name = name;
        _text = text;
        _hash = hash;
        Position = position;
        Meta = meta;
    }

    public string? Namespace { get; }

    public string Name { get; }

    /// <summary>Where the symbol was read, if it was read; not part of equality.</summary>
    public SourcePosition? Position { get; }

    /// <summary>Reader metadata (<c>^Type sym</c>), if any; not part of equality.</summary>
    public EdnMap? Meta { get; }

    /// <summary>
    /// The shared symbol with this namespace (or none) and name, without position or metadata.
    /// Both parts must follow the EDN symbol grammar (<c>/</c> alone is a valid name when there
    /// is no namespace); otherwise an <see cref="ArgumentException"/>.
    /// </summary>
    public static Symbol Intern(string? ns, string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var key = ns is null ? name : string.Concat(ns, "/", name);
        var existing = Table.TryGet(key);
        if (existing is not null && existing.Namespace == ns)
        {
            return existing;
        }

        if (ns is null && name is "nil" or "true" or "false")
        {
            throw new ArgumentException($"'{name}' is a literal, not a symbol", nameof(name));
        }

        var nsError = ns is null ? null : EdnNames.ValidatePart(ns);
        var nameError = ns is null && name == "/" ? null : EdnNames.ValidatePart(name);
        if (nsError is not null || nameError is not null)
        {
            throw new ArgumentException($"invalid symbol {key}: {nsError ?? nameError}", nsError is not null ? nameof(ns) : nameof(name));
        }

        return Table.GetOrAdd(key, k => Create(ns, name, k));
    }

    /// <summary>
    /// The name of a JVM array class (<c>[I</c>, <c>[Ljava.lang.String;</c>) as a symbol, as Clojure's
    /// <c>(symbol "[I")</c> makes one: not valid EDN, so never read, only made by the VM for
    /// <c>(class (int-array 1))</c>.
    /// </summary>
    public static Symbol ArrayClass(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length < 2 || name[0] != '[' || name.Contains('/', StringComparison.Ordinal) || name.Any(char.IsWhiteSpace))
        {
            throw new ArgumentException($"{name} is not a JVM array class name", nameof(name));
        }

        return Table.GetOrAdd(name, k => Create(null, name, k));
    }

    /// <summary>
    /// A symbol as Clojure's <c>symbol</c> function makes one at run time: any namespace and name,
    /// unchecked against EDN's grammar (<c>(symbol "true")</c>, <c>(symbol "a b")</c>), so it may
    /// not read back as a symbol, as in Clojure. A symbol that the grammar allows is the shared one.
    /// </summary>
    public static Symbol Unchecked(string? ns, string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var key = ns is null ? name : string.Concat(ns, "/", name);
        var shared = Table.TryGet(key);
        if (shared is not null && shared.Namespace == ns)
        {
            return shared;
        }

        try
        {
            return Intern(ns, name);
        }
        catch (ArgumentException)
        {
            return Create(ns, name, key);
        }
    }

    /// <summary>Parses <c>ns/name</c> or <c>name</c>; invalid text is an <see cref="EdnException"/>.</summary>
    public static Symbol Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text is "nil" or "true" or "false")
        {
            throw new EdnException($"'{text}' is a literal, not a symbol", null, 1, 1);
        }

        return FromText(text, out var error) ?? throw new EdnException($"invalid symbol '{text}': {error}", null, 1, 1);
    }

    /// <summary>The shared symbol for this text (as read), or null with the reason.</summary>
    internal static Symbol? FromText(ReadOnlySpan<char> text, out string? error)
    {
        var hit = Table.TryGet(text);
        if (hit is not null)
        {
            error = null;
            return hit;
        }

        error = EdnNames.ValidateSymbol(text, out var slash);
        if (error is not null)
        {
            return null;
        }

        return Table.GetOrAdd(text.ToString(), key => slash < 0
            ? Create(null, key, key)
            : Create(key[..slash], key[(slash + 1)..], key));
    }

    /// <summary>This symbol at <paramref name="position"/>, keeping its metadata.</summary>
    public Symbol WithPosition(SourcePosition? position) => new(Namespace, Name, _text, _hash, position, Meta);

    /// <summary>This symbol with <paramref name="meta"/> (replacing any), keeping its position.</summary>
    public Symbol WithMeta(EdnMap? meta) => new(Namespace, Name, _text, _hash, Position, meta);

    public bool Equals(Symbol? other) =>
        ReferenceEquals(this, other) || (other is not null && string.Equals(_text, other._text, StringComparison.Ordinal));

    public override bool Equals(object? obj) => Equals(obj as Symbol);

    public override int GetHashCode() => _hash;

    /// <summary>Orders by namespace (none first), then name, both ordinal.</summary>
    public int CompareTo(Symbol? other)
    {
        if (other is null)
        {
            return 1;
        }

        var byNs = string.CompareOrdinal(Namespace, other.Namespace);
        return byNs != 0 ? byNs : string.CompareOrdinal(Name, other.Name);
    }

    int IComparable.CompareTo(object? obj) => obj switch
    {
        null => 1,
        Symbol s => CompareTo(s),
        _ => throw new ArgumentException("not a Symbol", nameof(obj)),
    };

    /// <summary>The symbol's text (<c>ns/name</c> or <c>name</c>), as symbol values store it.</summary>
    public string QualifiedName => _text;

    public override string ToString() => _text;

    public static bool operator ==(Symbol? left, Symbol? right) => left is null ? right is null : left.Equals(right);

    public static bool operator !=(Symbol? left, Symbol? right) => !(left == right);

    public static bool operator <(Symbol? left, Symbol? right) => left is null ? right is not null : left.CompareTo(right) < 0;

    public static bool operator <=(Symbol? left, Symbol? right) => left is null || left.CompareTo(right) <= 0;

    public static bool operator >(Symbol? left, Symbol? right) => left is not null && left.CompareTo(right) > 0;

    public static bool operator >=(Symbol? left, Symbol? right) => left is null ? right is null : left.CompareTo(right) >= 0;

    // The hash mixes in a constant so that a symbol and the keyword with the same text (whose
    // hash is that of ":text") do not systematically collide in mixed maps.
    private static Symbol Create(string? ns, string name, string text) =>
        new(ns, name, text, HashCode.Combine(StringComparer.Ordinal.GetHashCode(text), 0x5_1DB0), null, null);
}

namespace Datom.Log.Edn;

/// <summary>
/// An EDN keyword such as <c>:user/email</c>. Keywords are interned: while one is alive, every
/// read or <see cref="Intern"/> of the same text returns that instance. Equality is by value all
/// the same, so correctness never depends on identity.
/// </summary>
public sealed class Keyword : IEquatable<Keyword>, IComparable<Keyword>, IComparable
{
    private static readonly InternTable<Keyword> Table = new();

    // ":ns/name" — ToString is on the hot path of the writer and of error messages.
    private readonly string _text;
    private readonly int _hash;

    private Keyword(string? ns, string name, string text)
    {
        Namespace = ns;
        Name = name;
        _text = text;
        _hash = StringComparer.Ordinal.GetHashCode(text);
    }

    public string? Namespace { get; }

    public string Name { get; }

    /// <summary>The keyword without its colon (<c>user/email</c>): how log entries and indexes name attributes.</summary>
    public string QualifiedName => _text[1..];

    /// <summary>
    /// The keyword with this namespace (or none) and name. Both parts must follow the EDN symbol
    /// grammar; otherwise an <see cref="ArgumentException"/>.
    /// </summary>
    public static Keyword Intern(string? ns, string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var key = ns is null ? name : string.Concat(ns, "/", name);
        var existing = Table.TryGet(key);
        if (existing is not null && existing.Namespace == ns)
        {
            return existing;
        }

        var error = (ns is null ? null : EdnNames.ValidatePart(ns)) ?? EdnNames.ValidatePart(name);
        if (error is not null)
        {
            throw new ArgumentException($"invalid keyword :{key}: {error}", ns is not null && EdnNames.ValidatePart(ns) is not null ? nameof(ns) : nameof(name));
        }

        return Table.GetOrAdd(key, k => new Keyword(ns, name, ":" + k));
    }

    /// <summary>Parses <c>user/email</c> or <c>:user/email</c>; invalid text is an <see cref="EdnException"/>.</summary>
    public static Keyword Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var body = text.StartsWith(':') ? text.AsSpan(1) : text.AsSpan();
        var keyword = FromBody(body, out var error);
        return keyword ?? throw new EdnException($"invalid keyword '{text}': {error}", null, 1, 1);
    }

    /// <summary>As <see cref="Parse"/>, with Clojure's reader's rules (<see cref="FromClojureBody"/>).</summary>
    public static Keyword ParseClojure(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var body = text.StartsWith(':') ? text.AsSpan(1) : text.AsSpan();
        var keyword = FromClojureBody(body, out var error);
        return keyword ?? throw new EdnException($"invalid keyword '{text}': {error}", null, 1, 1);
    }

    /// <summary>The keyword for the text after ':' (as read), or null with the reason.</summary>
    internal static Keyword? FromBody(ReadOnlySpan<char> body, out string? error)
    {
        // Only valid keywords enter the table, so a hit needs no validation.
        var hit = Table.TryGet(body);
        if (hit is not null)
        {
            error = null;
            return hit;
        }

        error = EdnNames.ValidateKeyword(body, out var slash);
        if (error is not null)
        {
            return null;
        }

        return Table.GetOrAdd(body.ToString(), key => slash < 0
            ? new Keyword(null, key, ":" + key)
            : new Keyword(key[..slash], key[(slash + 1)..], ":" + key));
    }

    /// <summary>
    /// As <see cref="FromBody"/>, for Clojure source: Clojure's reader also takes a keyword whose
    /// name begins with a digit (<c>:2nd-cousin</c>, <c>:1</c>), which EDN does not (LispReader's
    /// symbol pattern lets the colon stand as the name's first character).
    /// </summary>
    internal static Keyword? FromClojureBody(ReadOnlySpan<char> body, out string? error)
    {
        var keyword = FromBody(body, out error);
        var slash = body.IndexOf('/');
        var nameAt = slash + 1;
        if (keyword is not null || nameAt >= body.Length || !EdnNames.IsAsciiDigit(body[nameAt]))
        {
            return keyword;
        }

        // Valid but for the leading digit: the same text with a letter there passes EDN's rules.
        var probe = body.ToString().ToCharArray();
        probe[nameAt] = 'x';
        if (EdnNames.ValidateKeyword(probe, out _) is not null)
        {
            return null;
        }

        error = null;
        return Table.GetOrAdd(body.ToString(), key => slash < 0
            ? new Keyword(null, key, ":" + key)
            : new Keyword(key[..slash], key[(slash + 1)..], ":" + key));
    }

    public bool Equals(Keyword? other) =>
        ReferenceEquals(this, other) || (other is not null && string.Equals(_text, other._text, StringComparison.Ordinal));

    public override bool Equals(object? obj) => Equals(obj as Keyword);

    public override int GetHashCode() => _hash;

    /// <summary>Orders by namespace (none first), then name, both ordinal.</summary>
    public int CompareTo(Keyword? other)
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
        Keyword k => CompareTo(k),
        _ => throw new ArgumentException("not a Keyword", nameof(obj)),
    };

    public override string ToString() => _text;

    public static bool operator ==(Keyword? left, Keyword? right) => left is null ? right is null : left.Equals(right);

    public static bool operator !=(Keyword? left, Keyword? right) => !(left == right);

    public static bool operator <(Keyword? left, Keyword? right) => left is null ? right is not null : left.CompareTo(right) < 0;

    public static bool operator <=(Keyword? left, Keyword? right) => left is null || left.CompareTo(right) <= 0;

    public static bool operator >(Keyword? left, Keyword? right) => left is not null && left.CompareTo(right) > 0;

    public static bool operator >=(Keyword? left, Keyword? right) => left is null ? right is null : left.CompareTo(right) >= 0;
}

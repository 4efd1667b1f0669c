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

    /// <summary>
    /// Parses <c>user/email</c> or <c>:user/email</c>, the text of a keyword value (as datoms store
    /// it); invalid text is an <see cref="EdnException"/>. Any keyword a program can make parses,
    /// Clojure's <c>:2nd</c> included; reading EDN text stays strict (<see cref="EdnReader"/>).
    /// </summary>
    public static Keyword Parse(string text) => Parse(text, clojure: true);

    /// <summary>As <see cref="Parse(string)"/>; with <paramref name="clojure"/>, Clojure's keywords that EDN lacks (<c>:2nd</c>) too.</summary>
    public static Keyword Parse(string text, bool clojure)
    {
        ArgumentNullException.ThrowIfNull(text);
        var body = text.StartsWith(':') ? text.AsSpan(1) : text.AsSpan();
        var keyword = FromBody(body, out var error, clojure);
        return keyword ?? throw new EdnException($"invalid keyword '{text}': {error}", null, 1, 1);
    }

    /// <summary>The keyword for the text after ':' (as read), or null with the reason.</summary>
    /// <remarks>
    /// With <paramref name="clojure"/>, a keyword may begin with a digit (<c>:2nd-cousin</c>,
    /// <c>:1</c>, <c>:2nd/a</c>), as Clojure's reader allows and EDN does not; a name after a
    /// namespace still may not (<c>:a/1</c> is an invalid token to Clojure too). Such a keyword is
    /// valid only to a Clojure-mode read, so a table hit for one is checked again for a strict read.
    /// </remarks>
    internal static Keyword? FromBody(ReadOnlySpan<char> body, out string? error, bool clojure = false)
    {
        var leadingDigit = !body.IsEmpty && EdnNames.IsAsciiDigit(body[0]);
        // Only valid keywords enter the table, so a hit needs no validation (but for the Clojure-only form).
        var hit = Table.TryGet(body);
        if (hit is not null && (clojure || !leadingDigit))
        {
            error = null;
            return hit;
        }

        int slash;
        if (clojure && leadingDigit)
        {
            // Validated as if the digit were a letter: the rest follows the symbol rules.
            Span<char> copy = body.Length <= 256 ? stackalloc char[body.Length] : new char[body.Length];
            body.CopyTo(copy);
            copy[0] = 'a';
            error = EdnNames.ValidateKeyword(copy, out slash);
        }
        else
        {
            error = EdnNames.ValidateKeyword(body, out slash);
        }
        if (error is not null)
        {
            return null;
        }

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

namespace Datom.Log.Identity;

/// <summary>
/// The readable form of an Ed25519 public key: RFC 4648 base32, lowercase, unpadded (52 characters).
/// It is the node id and the author id. Base32 is case-insensitive and fits in one DNS label
/// (63 octets, RFC 1035 §2.3.4), so the same text works in mDNS instance names and TXT records.
/// </summary>
public readonly struct NodeId : IEquatable<NodeId>, IComparable<NodeId>
{
    public const int KeySize = 32;
    public const int TextLength = 52; // ceil(256 / 5)

    private const string Alphabet = "abcdefghijklmnopqrstuvwxyz234567";

    private readonly byte[]? _key;

    public NodeId(ReadOnlySpan<byte> publicKey)
    {
        if (publicKey.Length != KeySize)
            throw new ArgumentException($"an Ed25519 public key is {KeySize} bytes, not {publicKey.Length}", nameof(publicKey));
        _key = publicKey.ToArray();
    }

    public ReadOnlySpan<byte> PublicKey => _key ?? throw new InvalidOperationException("empty node id");

    public bool IsEmpty => _key is null;

    public bool Equals(NodeId other) => PublicKey.SequenceEqual(other.PublicKey);

    public override bool Equals(object? obj) => obj is NodeId other && Equals(other);

    public override int GetHashCode() => BitConverter.ToInt32(PublicKey);

    public int CompareTo(NodeId other) => PublicKey.SequenceCompareTo(other.PublicKey);

    public override string ToString()
    {
        if (_key is null)
            return "";
        Span<char> text = stackalloc char[TextLength];
        int bits = 0, buffer = 0, o = 0;
        foreach (var b in _key)
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5)
            {
                text[o++] = Alphabet[(buffer >> (bits - 5)) & 31];
                bits -= 5;
            }
        }
        if (bits > 0)
            text[o++] = Alphabet[(buffer << (5 - bits)) & 31];
        return new string(text[..o]);
    }

    public static bool TryParse(ReadOnlySpan<char> text, out NodeId id)
    {
        id = default;
        if (text.Length != TextLength)
            return false;
        Span<byte> key = stackalloc byte[KeySize];
        int bits = 0, buffer = 0, o = 0;
        foreach (var c in text)
        {
            var v = Alphabet.IndexOf(char.ToLowerInvariant(c));
            if (v < 0)
                return false;
            buffer = (buffer << 5) | v;
            bits += 5;
            if (bits >= 8)
            {
                key[o++] = (byte)(buffer >> (bits - 8));
                bits -= 8;
            }
        }
        // 52 chars carry 260 bits; the 4 spare bits must be zero for the text to be canonical.
        if ((buffer & ((1 << bits) - 1)) != 0)
            return false;
        id = new NodeId(key);
        return true;
    }

    public static NodeId Parse(string text) =>
        TryParse(text, out var id) ? id : throw new FormatException($"'{text}' is not a node id (52 base32 characters)");

    public static bool operator ==(NodeId left, NodeId right) => left.Equals(right);
    public static bool operator !=(NodeId left, NodeId right) => !left.Equals(right);
    public static bool operator <(NodeId left, NodeId right) => left.CompareTo(right) < 0;
    public static bool operator >(NodeId left, NodeId right) => left.CompareTo(right) > 0;
    public static bool operator <=(NodeId left, NodeId right) => left.CompareTo(right) <= 0;
    public static bool operator >=(NodeId left, NodeId right) => left.CompareTo(right) >= 0;
}

using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace Datom.Node.Nrepl;

/// <summary>Bencode that cannot be decoded: malformed, or over one of <see cref="Bencode"/>'s caps.</summary>
public sealed class BencodeException(string message) : Exception(message)
{
    public BencodeException()
        : this("malformed bencode")
    {
    }

    public BencodeException(string message, Exception inner)
        : this(message + ": " + inner.Message)
    {
    }
}

/// <summary>
/// Bencode, nREPL's wire format (the BitTorrent spec, BEP 3): <c>i42e</c> integers, <c>4:spam</c>
/// byte strings, <c>l...e</c> lists and <c>d...e</c> dictionaries with byte-string keys in sorted
/// order. Decoded values are <see cref="long"/>, <see cref="string"/> (nREPL's strings are UTF-8),
/// <see cref="List{T}"/> of values and <see cref="SortedDictionary{TKey,TValue}"/> keyed by string.
/// <para>
/// Sans-IO: <see cref="TryDecode"/> takes the bytes received so far and says whether one whole value
/// is there. Every length and count a client sends is checked against a cap before anything is
/// allocated for it, and nesting is bounded, so a hostile or broken client gets an error, never the
/// daemon's memory or stack.
/// </para>
/// </summary>
public static class Bencode
{
    /// <summary>
    /// Largest message: 32 MiB. The largest thing a client sends is a buffer to load, at most
    /// <see cref="Vm.Reading.SourceReader.MaxSourceLength"/> (4 Mi) UTF-16 units, up to 3 bytes each
    /// in UTF-8 (12 MiB), with room for the rest of the message.
    /// </summary>
    public const int MaxMessageBytes = 32 << 20;

    /// <summary>Deepest nesting of lists and dictionaries: nREPL's messages nest two or three deep.</summary>
    public const int MaxDepth = 32;

    /// <summary>Most items in one list or dictionary.</summary>
    public const int MaxItems = 100_000;

    /// <summary>Longest integer: 19 digits and a sign, the most a <see cref="long"/> needs.</summary>
    private const int MaxIntegerDigits = 20;

    /// <summary>
    /// Decodes one value from the start of <paramref name="buffer"/>. False when the buffer ends
    /// before the value does: <paramref name="needed"/> is then the fewest bytes the buffer must hold
    /// before trying again is worthwhile (so a long string arriving in pieces is not re-scanned each time).
    /// </summary>
    /// <exception cref="BencodeException">The bytes are not bencode, or go over a cap.</exception>
    public static bool TryDecode(ReadOnlySpan<byte> buffer, [NotNullWhen(true)] out object? value, out int consumed, out int needed)
    {
        var reader = new Reader(buffer);
        var result = reader.Value(0);
        needed = reader.Needed;
        if (result is null)
        {
            value = null;
            consumed = 0;
            return false;
        }
        value = result;
        consumed = reader.Position;
        return true;
    }

    /// <summary>Encodes a value: long or int, string, byte array, a list of values, or a dictionary keyed by string.</summary>
    public static byte[] Encode(object value)
    {
        var output = new MemoryStream();
        Write(output, value, 0);
        return output.ToArray();
    }

    private static void Write(MemoryStream output, object value, int depth)
    {
        if (depth > MaxDepth)
            throw new ArgumentException("a value nested deeper than bencode's cap", nameof(value));
        switch (value)
        {
            case long or int:
                Ascii(output, "i" + Convert.ToInt64(value, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture) + "e");
                break;
            case bool b:
                Ascii(output, b ? "i1e" : "i0e");
                break;
            case string s:
                Bytes(output, Encoding.UTF8.GetBytes(s));
                break;
            case byte[] bytes:
                Bytes(output, bytes);
                break;
            case IDictionary<string, object> map:
                output.WriteByte((byte)'d');
                // Keys in the order of their raw bytes (BEP 3); ordinal string order is UTF-16 order,
                // which differs from UTF-8 byte order only outside the BMP, so compare the bytes.
                foreach (var (k, v) in map.Select(kv => (Key: Encoding.UTF8.GetBytes(kv.Key), kv.Value)).OrderBy(kv => kv.Key, ByteOrder.Instance))
                {
                    Bytes(output, k);
                    Write(output, v, depth + 1);
                }
                output.WriteByte((byte)'e');
                break;
            case System.Collections.IEnumerable list:
                output.WriteByte((byte)'l');
                foreach (var item in list)
                    Write(output, item ?? throw new ArgumentException("bencode has no null", nameof(value)), depth + 1);
                output.WriteByte((byte)'e');
                break;
            default:
                throw new ArgumentException($"bencode cannot encode a {value.GetType().Name}", nameof(value));
        }
    }

    private static void Ascii(MemoryStream output, string text) => output.Write(Encoding.ASCII.GetBytes(text));

    private static void Bytes(MemoryStream output, byte[] bytes)
    {
        Ascii(output, bytes.Length.ToString(CultureInfo.InvariantCulture) + ":");
        output.Write(bytes);
    }

    [DoesNotReturn]
    private static void Fail(string message, int position) =>
        throw new BencodeException(string.Create(CultureInfo.InvariantCulture, $"malformed bencode at byte {position}: {message}"));

    private sealed class ByteOrder : IComparer<byte[]>
    {
        public static readonly ByteOrder Instance = new();

        public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
    }

    private ref struct Reader(ReadOnlySpan<byte> buffer)
    {
        private readonly ReadOnlySpan<byte> _buffer = buffer;

        public int Position { get; private set; }

        public int Needed { get; private set; }

        /// <summary>The value at <see cref="Position"/>, or null if the buffer ends first.</summary>
        public object? Value(int depth)
        {
            if (depth > MaxDepth)
                Fail($"nested deeper than {MaxDepth}", Position);
            if (Position >= _buffer.Length)
                return More(Position + 1);
            var c = _buffer[Position];
            switch (c)
            {
                case (byte)'i':
                {
                    Position++;
                    var end = _buffer[Position..].IndexOf((byte)'e');
                    if (end < 0)
                    {
                        if (_buffer.Length - Position > MaxIntegerDigits)
                            Fail($"an integer longer than {MaxIntegerDigits} characters", Position);
                        return More(_buffer.Length + 1);
                    }
                    var text = _buffer.Slice(Position, end);
                    long n = 0;
                    var valid = text.Length is > 0 and <= MaxIntegerDigits
                        && !(text.Length > 1 && (text[0] == (byte)'0' || (text[0] == (byte)'-' && text[1] == (byte)'0')))
                        && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out n);
                    if (!valid)
                        Fail("an integer is i, then digits (no leading zero, no -0), then e", Position);
                    Position += end + 1;
                    return n;
                }
                case (byte)'l':
                {
                    Position++;
                    var list = new List<object>();
                    while (true)
                    {
                        if (Position >= _buffer.Length)
                            return More(Position + 1);
                        if (_buffer[Position] == (byte)'e')
                        {
                            Position++;
                            return list;
                        }
                        if (list.Count >= MaxItems)
                            Fail($"a list of more than {MaxItems} items", Position);
                        var item = Value(depth + 1);
                        if (item is null)
                            return null;
                        list.Add(item);
                    }
                }
                case (byte)'d':
                {
                    Position++;
                    var map = new SortedDictionary<string, object>(StringComparer.Ordinal);
                    while (true)
                    {
                        if (Position >= _buffer.Length)
                            return More(Position + 1);
                        if (_buffer[Position] == (byte)'e')
                        {
                            Position++;
                            return map;
                        }
                        if (map.Count >= MaxItems)
                            Fail($"a dictionary of more than {MaxItems} entries", Position);
                        var at = Position;
                        if (_buffer[Position] is < (byte)'0' or > (byte)'9')
                            Fail("a dictionary key is a byte string", Position);
                        var key = Value(depth + 1);
                        if (key is null)
                            return null;
                        var v = Value(depth + 1);
                        if (v is null)
                            return null;
                        if (!map.TryAdd((string)key, v))
                            Fail($"the key \"{key}\" appears twice", at);
                    }
                }
                case >= (byte)'0' and <= (byte)'9':
                {
                    var colon = _buffer[Position..].IndexOf((byte)':');
                    if (colon < 0)
                    {
                        if (_buffer.Length - Position > 10)
                            Fail("a string length longer than 10 digits", Position);
                        return More(_buffer.Length + 1);
                    }
                    var digits = _buffer.Slice(Position, colon);
                    long length = 0;
                    var validLength = digits.Length is > 0 and <= 10 && !(digits.Length > 1 && digits[0] == (byte)'0')
                        && long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out length);
                    if (!validLength)
                        Fail("a string is its length in digits (no leading zero), a colon, then the bytes", Position);
                    if (length > MaxMessageBytes)
                        Fail($"a string of {length} bytes, more than a message may hold ({MaxMessageBytes})", Position);
                    var start = Position + colon + 1;
                    if (_buffer.Length - start < length)
                        return More(start + (int)length);
                    string text;
                    try
                    {
                        text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(_buffer.Slice(start, (int)length));
                    }
                    catch (DecoderFallbackException)
                    {
                        Fail("a string that is not UTF-8", start);
                        return null;
                    }
                    Position = start + (int)length;
                    return text;
                }
                default:
                    Fail($"unexpected byte 0x{c:x2} where a value begins (i, l, d or a digit)", Position);
                    return null;
            }
        }

        private object? More(int needed)
        {
            Needed = Math.Max(Needed, needed);
            return null;
        }
    }
}

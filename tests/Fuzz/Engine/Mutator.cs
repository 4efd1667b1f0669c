using System.Buffers.Binary;
using System.Text;

namespace Datom.Fuzz.Engine;

/// <summary>
/// Makes input <c>i</c> of a run from a seed input: byte-level mutations for every target (after
/// AFL's "havoc" stage: bit flips, interesting values, arithmetic, inserted, deleted, duplicated
/// and copied ranges, splices, truncation) and, for text targets, token-level ones (brackets,
/// quotes, dispatch characters, deep nesting, dictionary words). Several are stacked per input.
/// Deterministic: the same random generator gives the same input.
/// </summary>
public sealed class Mutator(FuzzTarget target)
{
    private static readonly byte[] InterestingBytes = [0x00, 0x01, 0x7F, 0x80, 0x81, 0xFE, 0xFF, 0x20, 0x0A];

    private static readonly long[] InterestingWide =
    [
        0, 1, -1, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0x8000, 0xFFFF, 0x10000,
        0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, int.MinValue,
    ];

    // Text that breaks a reader's assumptions: an unpaired surrogate, NUL, a line separator, a BOM.
    private static readonly string[] OddChars = ["\0", "\uD800", "\uDC00", "\u2028", "\uFEFF", "\u00A0", "\r", "\t", "\u007F", "𝄞"];

    private readonly FuzzTarget _target = target;

    /// <summary>Seed inputs come first, unmutated; after them, stacked mutations of a random seed.</summary>
    public byte[] Generate(FuzzRandom random, long index)
    {
        var corpus = _target.Corpus;
        if (index < corpus.Count)
            return corpus[(int)index];
        var input = new List<byte>(corpus[random.Next(corpus.Count)]);
        // Mostly a few mutations (small distance from a valid input reaches deep code); sometimes many.
        var count = random.OneIn(8) ? random.Next(4, 24) : random.Next(1, 4);
        for (var i = 0; i < count; i++)
        {
            if (_target.IsText && random.OneIn(2))
                input = MutateText(random, input);
            else
                MutateBytes(random, input);
            if (input.Count > _target.MaxInputBytes)
                input.RemoveRange(_target.MaxInputBytes, input.Count - _target.MaxInputBytes);
        }
        return [.. input];
    }

    private void MutateBytes(FuzzRandom random, List<byte> input)
    {
        if (input.Count == 0)
        {
            input.Add((byte)random.Next(256));
            return;
        }
        var at = random.Next(input.Count);
        switch (random.Next(13))
        {
            case 0:
                input[at] ^= (byte)(1 << random.Next(8));
                break;
            case 1:
                input[at] = random.Pick(InterestingBytes);
                break;
            case 2:
                input[at] = (byte)(input[at] + random.Next(-16, 17));
                break;
            case 3:
                input[at] = (byte)random.Next(256);
                break;
            case 4:
                WriteNumber(random, input, at);
                break;
            case 5:
                {
                    var inserted = new byte[random.Next(1, 17)];
                    if (random.OneIn(2))
                        random.Fill(inserted);
                    else
                        Array.Fill(inserted, random.Pick(InterestingBytes));
                    input.InsertRange(random.Next(input.Count + 1), inserted);
                    break;
                }
            case 6:
                input.RemoveRange(at, random.Next(1, Math.Min(input.Count - at, 64) + 1));
                break;
            case 7:
                {
                    var length = random.Next(1, Math.Min(input.Count - at, 128) + 1);
                    input.InsertRange(random.Next(input.Count + 1), input.GetRange(at, length));
                    break;
                }
            case 8:
                {
                    var length = random.Next(1, Math.Min(input.Count - at, 64) + 1);
                    var copy = input.GetRange(at, length);
                    var to = random.Next(input.Count - length + 1);
                    for (var i = 0; i < length; i++)
                        input[to + i] = copy[i];
                    break;
                }
            case 9:
                {
                    // Splice: this input's head with another seed's tail (two messages, two logs, two forms).
                    var other = random.Pick(_target.Corpus);
                    var from = random.Next(other.Length + 1);
                    input.RemoveRange(at, input.Count - at);
                    input.AddRange(other.AsSpan(from).ToArray());
                    break;
                }
            case 10:
                input.RemoveRange(at, input.Count - at);
                break;
            case 11 when _target.Dictionary.Count > 0:
                {
                    var word = random.Pick(_target.Dictionary);
                    if (random.OneIn(2))
                        input.InsertRange(at, word);
                    else
                        for (var i = 0; i < word.Length && at + i < input.Count; i++)
                            input[at + i] = word[i];
                    break;
                }
            default:
                // A run of one byte: long strings, long runs of zeros, a length field's worth of 0xFF.
                input.InsertRange(at, Enumerable.Repeat(random.Pick(InterestingBytes), random.Next(1, 300)));
                break;
        }
    }

    /// <summary>An interesting number, or a cap of the target ±1, over 1, 2 or 4 bytes in either byte order.</summary>
    private void WriteNumber(FuzzRandom random, List<byte> input, int at)
    {
        var value = _target.InterestingNumbers.Count > 0 && random.OneIn(2)
            ? random.Pick(_target.InterestingNumbers) + random.Next(-1, 2)
            : random.Pick(InterestingWide);
        var width = random.Pick([1, 2, 4]);
        Span<byte> bytes = stackalloc byte[4];
        if (random.OneIn(2))
            BinaryPrimitives.WriteUInt32BigEndian(bytes, (uint)value);
        else
            BinaryPrimitives.WriteUInt32LittleEndian(bytes, (uint)value);
        var part = random.OneIn(2) ? bytes[(4 - width)..] : bytes[..width];
        for (var i = 0; i < part.Length && at + i < input.Count; i++)
            input[at + i] = part[i];
    }

    private List<byte> MutateText(FuzzRandom random, List<byte> input)
    {
        var text = Encoding.UTF8.GetString([.. input]);
        var at = text.Length == 0 ? 0 : random.Next(text.Length + 1);
        string result;
        switch (random.Next(9))
        {
            case 0 when _target.Dictionary.Count > 0:
                result = text.Insert(at, " " + Encoding.UTF8.GetString(random.Pick(_target.Dictionary)) + " ");
                break;
            case 1:
                result = text.Insert(at, random.Pick(["(", ")", "[", "]", "{", "}", "#{", "\"", "#", "^", "#_", "\\", ";", ":", "'", "`", "~@", ","]));
                break;
            case 2:
                {
                    // Deep nesting, at and beyond the reader's depth cap (512), sometimes closed.
                    var depth = random.Pick([8, 64, 511, 512, 513, 1000, 5000]);
                    var open = random.Pick(["[", "(", "{", "#{", "#_", "^:k ", "#tag/t "]);
                    var close = open switch { "[" => "]", "(" => ")", "{" or "#{" => "}", _ => "" };
                    var sb = new StringBuilder();
                    for (var i = 0; i < depth; i++)
                        sb.Append(open);
                    if (random.OneIn(2))
                    {
                        sb.Append("1 ");
                        for (var i = 0; i < depth; i++)
                            sb.Append(close);
                    }
                    result = text.Insert(at, sb.ToString());
                    break;
                }
            case 3:
                result = DeleteToken(random, text);
                break;
            case 4:
                result = DuplicateToken(random, text);
                break;
            case 5:
                result = text.Insert(at, random.Pick(OddChars));
                break;
            case 6:
                result = text.Insert(at, random.Pick(
                [
                    "9223372036854775807", "9223372036854775808", "-9223372036854775809", "1e400", "-1e-400", "1N", "1.5M",
                    "79228162514264337593543950336M", "0x10", "01", "1/2", "##NaN", "##Inf", "##-Inf", "1.", ".5", "+", "-", "1e",
                    new string('9', random.Next(1, 5000)),
                ]));
                break;
            case 7:
                result = text.Insert(at, random.Pick(
                [
                    "#inst \"2024-02-30T00:00:00Z\"", "#inst \"1970-01-01T00:00:00.000+14:00\"", "#inst 1", "#uuid \"x\"",
                    "#uuid \"f81d4fae-7dec-11d0-a765-00a0c91e6bf6\"", "\"\\u\"", "\"\\uD800\"", "\\u0000", "\\newline", "\\x",
                    "#id \"0\"", "#bytes \"!!\"", "#bytes \"AAAA\"", "nil", "true", "false", "/", "a/b/c", ":", "::a", ":a/", "?x",
                ]));
                break;
            default:
                // Cut a string in two: an unterminated quote, or a form cut in the middle.
                result = text[..at];
                break;
        }
        return [.. Encoding.UTF8.GetBytes(result)];
    }

    private static (int Start, int End)? TokenAt(FuzzRandom random, string text)
    {
        if (text.Length == 0)
            return null;
        var i = random.Next(text.Length);
        var start = i;
        while (start > 0 && !IsBreak(text[start - 1]))
            start--;
        var end = i;
        while (end < text.Length && !IsBreak(text[end]))
            end++;
        return end == start ? (i, i + 1) : (start, end);
    }

    private static bool IsBreak(char c) => char.IsWhiteSpace(c) || c is '(' or ')' or '[' or ']' or '{' or '}' or ',';

    private static string DeleteToken(FuzzRandom random, string text) =>
        TokenAt(random, text) is { } t ? text.Remove(t.Start, t.End - t.Start) : text;

    private static string DuplicateToken(FuzzRandom random, string text)
    {
        if (TokenAt(random, text) is not { } t)
            return text;
        var token = text[t.Start..t.End];
        return text.Insert(random.Next(text.Length + 1), " " + token + " ");
    }
}

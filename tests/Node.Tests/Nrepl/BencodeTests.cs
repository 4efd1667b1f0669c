using System.Text;
using Datom.Node.Nrepl;
using FsCheck;
using FsCheck.Xunit;
using Xunit;

namespace Datom.Node.Tests.Nrepl;

public class BencodeTests
{
    private static object Decode(string text)
    {
        Assert.True(Bencode.TryDecode(Encoding.UTF8.GetBytes(text), out var value, out var consumed, out _));
        Assert.Equal(Encoding.UTF8.GetByteCount(text), consumed);
        return value;
    }

    [Fact]
    public void Decodes_the_four_kinds_as_BEP_3_writes_them()
    {
        Assert.Equal(42L, Decode("i42e"));
        Assert.Equal(-7L, Decode("i-7e"));
        Assert.Equal(0L, Decode("i0e"));
        Assert.Equal("spam", Decode("4:spam"));
        Assert.Equal("", Decode("0:"));
        Assert.Equal(new List<object> { "spam", "eggs" }, Decode("l4:spam4:eggse"));
        var map = Assert.IsAssignableFrom<IDictionary<string, object>>(Decode("d3:cow3:moo4:spam4:eggse"));
        Assert.Equal("moo", map["cow"]);
        Assert.Equal("eggs", map["spam"]);
        Assert.Equal("é", Decode("2:\u00e9"));
    }

    [Fact]
    public void Encodes_dictionaries_with_keys_in_byte_order()
    {
        var bytes = Bencode.Encode(new Dictionary<string, object> { ["op"] = "eval", ["code"] = "(+ 1 2)", ["id"] = 1L, ["status"] = new List<object> { "done" } });
        Assert.Equal("d4:code7:(+ 1 2)2:idi1e2:op4:eval6:statusl4:doneee", Encoding.UTF8.GetString(bytes));
    }

    [Theory]
    [InlineData("i42")]
    [InlineData("4:spa")]
    [InlineData("l4:spam")]
    [InlineData("d3:cow")]
    [InlineData("d3:cow3:moo")]
    [InlineData("")]
    public void A_value_cut_short_is_incomplete_not_an_error(string text)
    {
        Assert.False(Bencode.TryDecode(Encoding.UTF8.GetBytes(text), out _, out var consumed, out var needed));
        Assert.Equal(0, consumed);
        Assert.True(needed > Encoding.UTF8.GetByteCount(text));
    }

    [Fact]
    public void A_long_string_says_how_many_bytes_it_still_needs()
    {
        Assert.False(Bencode.TryDecode("1000:abc"u8, out _, out _, out var needed));
        Assert.Equal(1005, needed);
    }

    [Theory]
    [InlineData("x", "unexpected byte")]
    [InlineData("i-0e", "integer")]
    [InlineData("i03e", "integer")]
    [InlineData("ie", "integer")]
    [InlineData("i12345678901234567890123e", "integer")]
    [InlineData("05:hello", "length")]
    [InlineData("di1e1:ae", "key is a byte string")]
    [InlineData("d1:a1:b1:a1:ce", "twice")]
    [InlineData("99999999999:x", "length")]
    [InlineData("999999999:x", "more than a message may hold")]
    public void Malformed_bencode_is_an_error_naming_the_problem(string text, string reason)
    {
        var e = Assert.Throws<BencodeException>(() => Bencode.TryDecode(Encoding.UTF8.GetBytes(text), out _, out _, out _));
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Nesting_is_bounded_without_recursing_past_the_cap()
    {
        var deep = new string('l', 100_000) + new string('e', 100_000);
        var e = Assert.Throws<BencodeException>(() => Bencode.TryDecode(Encoding.ASCII.GetBytes(deep), out _, out _, out _));
        Assert.Contains("nested deeper", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_string_that_is_not_utf8_is_an_error()
    {
        var bytes = new byte[] { (byte)'2', (byte)':', 0xff, 0xfe };
        Assert.Throws<BencodeException>(() => Bencode.TryDecode(bytes, out _, out _, out _));
    }

    [Property]
    public void Round_trips_every_message_of_strings_numbers_and_lists(NonNull<string> text, long number, string[]? list)
    {
        // Lone surrogates have no UTF-8 form; nREPL's strings are text.
        var s = new string([.. text.Get.Where(c => !char.IsSurrogate(c))]);
        var items = (list ?? []).Where(x => x is not null).Select(x => (object)new string([.. x.Where(c => !char.IsSurrogate(c))])).ToList();
        var message = new SortedDictionary<string, object>(StringComparer.Ordinal) { ["s"] = s, ["n"] = number, ["l"] = items, ["k" + s] = "key" };
        var bytes = Bencode.Encode(message);
        Assert.True(Bencode.TryDecode(bytes, out var back, out var consumed, out _));
        Assert.Equal(bytes.Length, consumed);
        Assert.Equal(bytes, Bencode.Encode(back));
        // Every prefix is incomplete, never an error.
        for (var cut = 0; cut < bytes.Length; cut += Math.Max(1, bytes.Length / 7))
            Assert.False(Bencode.TryDecode(bytes.AsSpan(0, cut), out _, out _, out _));
    }
}

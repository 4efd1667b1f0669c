using System.Globalization;
using System.Numerics;
using Datom.Log.Edn;
using Xunit;
using static Datom.Log.Tests.Edn.EdnAssert;

namespace Datom.Log.Tests.Edn;

public class EdnScalarTests
{
    [Fact]
    public void Nil_and_booleans()
    {
        Assert.Null(Read("nil"));
        Assert.Equal(true, Read("true"));
        Assert.Equal(false, Read("false"));
        Assert.Same(Read("true"), Read("true"));
    }

    [Theory]
    [InlineData("0", 0L)]
    [InlineData("-0", 0L)]
    [InlineData("+0", 0L)]
    [InlineData("42", 42L)]
    [InlineData("+42", 42L)]
    [InlineData("-42", -42L)]
    [InlineData("9223372036854775807", long.MaxValue)]
    [InlineData("-9223372036854775808", long.MinValue)]
    public void Integers_read_as_long(string text, long expected) =>
        Assert.Equal(expected, Assert.IsType<long>(Read(text)));

    [Theory]
    [InlineData("9223372036854775808", "9223372036854775808")]
    [InlineData("-9223372036854775809", "-9223372036854775809")]
    [InlineData("1N", "1")]
    [InlineData("0N", "0")]
    [InlineData("-5N", "-5")]
    [InlineData("+5N", "5")]
    [InlineData("123456789012345678901234567890N", "123456789012345678901234567890")]
    public void Integers_with_N_or_too_big_read_as_BigInteger(string text, string expected) =>
        Assert.Equal(BigInteger.Parse(expected, CultureInfo.InvariantCulture), Assert.IsType<BigInteger>(Read(text)));

    [Theory]
    [InlineData("1.5", 1.5)]
    [InlineData("-1.5", -1.5)]
    [InlineData("+1.5", 1.5)]
    [InlineData("0.0", 0.0)]
    [InlineData("1.5e-3", 0.0015)]
    [InlineData("1e10", 1e10)]
    [InlineData("1E10", 1e10)]
    [InlineData("1e+10", 1e10)]
    [InlineData("1.25E-2", 0.0125)]
    [InlineData("0e0", 0.0)]
    [InlineData("1e400", double.PositiveInfinity)]
    [InlineData("-1e400", double.NegativeInfinity)]
    public void Floats_read_as_double(string text, double expected) =>
        Assert.Equal(expected, Assert.IsType<double>(Read(text)));

    [Fact]
    public void Negative_zero_float_keeps_its_sign() =>
        Assert.True(double.IsNegative(Assert.IsType<double>(Read("-0.0"))));

    [Fact]
    public void Symbolic_values()
    {
        Assert.Equal(double.PositiveInfinity, Read("##Inf"));
        Assert.Equal(double.NegativeInfinity, Read("##-Inf"));
        Assert.True(double.IsNaN(Assert.IsType<double>(Read("##NaN"))));
        Assert.Equal(new object?[] { double.PositiveInfinity, 1L }, EdnReader.ReadAll("##Inf 1"));
    }

    [Theory]
    [InlineData("1.5M", "1.5")]
    [InlineData("1M", "1")]
    [InlineData("-0.5M", "-0.5")]
    [InlineData("1.50M", "1.50")]
    [InlineData("1e2M", "100")]
    [InlineData("1.5e1M", "15")]
    [InlineData("79228162514264337593543950335M", "79228162514264337593543950335")]
    public void Decimals_read_with_M(string text, string expected)
    {
        var value = Assert.IsType<decimal>(Read(text));
        Assert.Equal(decimal.Parse(expected, NumberStyles.Float, CultureInfo.InvariantCulture), value);
        Assert.Equal(expected, value.ToString(CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData("01", "no integer other than 0 may begin with 0")]
    [InlineData("-01", "no integer other than 0 may begin with 0")]
    [InlineData("00", "no integer other than 0 may begin with 0")]
    [InlineData("00.5", "no integer other than 0 may begin with 0")]
    [InlineData("1.", "expected digits after '.'")]
    [InlineData("1.e5", "expected digits after '.'")]
    [InlineData("1e", "expected digits in the exponent")]
    [InlineData("1e+", "expected digits in the exponent")]
    [InlineData("1.5N", "unexpected 'N'")]
    [InlineData("1/2", "ratios are not EDN")]
    [InlineData("0x1F", "unexpected 'x'")]
    [InlineData("1a", "unexpected 'a'")]
    [InlineData("-1a", "unexpected 'a'")]
    [InlineData("1.5.5", "unexpected '.'")]
    [InlineData("1NN", "unexpected 'N'")]
    [InlineData("1MM", "unexpected 'M'")]
    [InlineData("1e5.5", "unexpected '.'")]
    [InlineData("1e400M", "out of range for a decimal")]
    [InlineData("1#", "unexpected '#'")]
    [InlineData("1:", "unexpected ':'")]
    public void Invalid_numbers_fail_at_the_token(string text, string reason)
    {
        Fails(text, 1, 1, "invalid number");
        Fails("[1\n  " + text + "]", 2, 3, reason);
    }

    [Theory]
    [InlineData(".5")]
    [InlineData("-.5x")]
    [InlineData("+a")]
    [InlineData("-")]
    [InlineData("+")]
    [InlineData("-a1")]
    public void Sign_or_dot_not_followed_by_a_digit_is_a_symbol_or_symbol_error(string text)
    {
        if (text == ".5")
        {
            Fails(text, 1, 1, "'.' followed by a digit cannot begin a symbol");
        }
        else
        {
            Assert.Equal(Sym(text), Read(text));
        }
    }

    [Fact]
    public void Number_tokens_are_capped() =>
        Fails(new string('1', 5000), 1, 1, "number longer than 4096 characters");

    [Theory]
    [InlineData("\"\"", "")]
    [InlineData("\"abc\"", "abc")]
    [InlineData("\"a b, c ; d\"", "a b, c ; d")]
    [InlineData("\"\\t\\r\\n\\\\\\\"\\b\\f\"", "\t\r\n\\\"\b\f")]
    [InlineData("\"\\u0041\\u00e9\\u00E9\"", "Aéé")]
    [InlineData("\"line1\nline2\"", "line1\nline2")]
    [InlineData("\"héllo wörld λ 😀\"", "héllo wörld λ 😀")]
    [InlineData("\"\\ud83d\\ude00\"", "😀")]
    [InlineData("\"#{[(:not-edn)]}\"", "#{[(:not-edn)]}")]
    public void Strings(string text, string expected) => Assert.Equal(expected, Read(text));

    [Fact]
    public void String_errors()
    {
        Fails("\"abc", 1, 1, "unterminated string");
        Fails("[1\n  \"abc\n\n", 2, 3, "unterminated string");
        Fails("\"a\\qb\"", 1, 3, "unsupported escape \\q");
        Fails("\"a\\/b\"", 1, 3, "unsupported escape \\/");
        Fails("\"a\\0\"", 1, 3, "unsupported escape \\0");
        Fails("\"\\u12\"", 1, 2, "\\u must be followed by four hex digits");
        Fails("\"\\u12", 1, 1, "unterminated string");
        Fails("\"abc\\", 1, 1, "unterminated string");
    }

    [Theory]
    [InlineData("\\a", 'a')]
    [InlineData("\\Z", 'Z')]
    [InlineData("\\1", '1')]
    [InlineData("\\newline", '\n')]
    [InlineData("\\space", ' ')]
    [InlineData("\\tab", '\t')]
    [InlineData("\\return", '\r')]
    [InlineData("\\formfeed", '\f')]
    [InlineData("\\backspace", '\b')]
    [InlineData("\\u0041", 'A')]
    [InlineData("\\u00e9", 'é')]
    [InlineData("\\uD800", '\uD800')]
    [InlineData("\\u", 'u')]
    [InlineData("\\(", '(')]
    [InlineData("\\]", ']')]
    [InlineData("\\\\", '\\')]
    [InlineData("\\\"", '"')]
    [InlineData("\\;", ';')]
    [InlineData("\\é", 'é')]
    public void Characters(string text, char expected) => Assert.Equal(expected, Assert.IsType<char>(Read(text)));

    [Fact]
    public void Characters_end_at_delimiters()
    {
        Assert.Equal(new object?[] { 'a', 'b' }, (EdnVector)Read("[\\a\\b]")!);
        Assert.Equal(new object?[] { '(', ')' }, (EdnList)Read("(\\( \\))")!);
        Assert.Equal(new object?[] { '\n', 1L }, EdnReader.ReadAll("\\newline 1"));
    }

    [Fact]
    public void Character_errors()
    {
        Fails("\\ ", 1, 1, "a backslash must be followed by a character");
        Fails("[\\\n]", 1, 2, "a backslash must be followed by a character");
        Fails("\\", 1, 1, "a backslash must be followed by a character");
        Fails("\\,", 1, 1, "a backslash must be followed by a character");
        Fails("\\abc", 1, 1, "unsupported character \\abc");
        Fails("\\uZZZZ", 1, 1, "unsupported character \\uZZZZ");
        Fails("\\u00411", 1, 1, "unsupported character \\u00411");
        Fails("\\Newline", 1, 1, "unsupported character");
        Fails("\\o101", 1, 1, "unsupported character");
        Fails("\\😀", 1, 1, "unsupported character");
    }

    [Theory]
    [InlineData("1985-04-12T23:20:50.52Z", 1985, 4, 12, 23, 20, 50, 520, 0)]
    [InlineData("1985-04-12t23:20:50.52z", 1985, 4, 12, 23, 20, 50, 520, 0)]
    [InlineData("2024-02-29T00:00:00Z", 2024, 2, 29, 0, 0, 0, 0, 0)]
    [InlineData("2013-02-26T00:00:00.000-00:00", 2013, 2, 26, 0, 0, 0, 0, 0)]
    [InlineData("1996-12-19T16:39:57-08:00", 1996, 12, 19, 16, 39, 57, 0, -480)]
    [InlineData("1990-12-31T15:59:60.5-08:00", 0, 0, 0, 0, 0, 0, 0, 0)]
    [InlineData("2020-01-01T10:00+05:30", 2020, 1, 1, 10, 0, 0, 0, 330)]
    [InlineData("2020-01-01", 2020, 1, 1, 0, 0, 0, 0, 0)]
    [InlineData("2020-06", 2020, 6, 1, 0, 0, 0, 0, 0)]
    [InlineData("2020", 2020, 1, 1, 0, 0, 0, 0, 0)]
    [InlineData("0001-01-01T00:00:00Z", 1, 1, 1, 0, 0, 0, 0, 0)]
    [InlineData("9999-12-31T23:59:59.9999999Z", 9999, 12, 31, 23, 59, 59, 999, 0)]
    public void Inst_reads_RFC3339_as_DateTimeOffset(string text, int y, int mo, int d, int h, int mi, int s, int ms, int offsetMinutes)
    {
        if (y == 0)
        {
            Fails($"#inst \"{text}\"", 1, 1, "leap seconds cannot be represented");
            return;
        }

        var value = Assert.IsType<DateTimeOffset>(Read($"#inst \"{text}\""));
        var expected = new DateTimeOffset(y, mo, d, h, mi, s, ms, TimeSpan.FromMinutes(offsetMinutes));
        Assert.Equal(expected.UtcDateTime.Ticks / TimeSpan.TicksPerMillisecond, value.UtcDateTime.Ticks / TimeSpan.TicksPerMillisecond);
        Assert.Equal(TimeSpan.FromMinutes(offsetMinutes), value.Offset);
    }

    [Fact]
    public void Inst_keeps_sub_millisecond_ticks_and_truncates_beyond()
    {
        var value = Assert.IsType<DateTimeOffset>(Read("#inst \"2020-01-01T00:00:00.123456789Z\""));
        Assert.Equal(new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc).Ticks + 1234567, value.UtcTicks);
    }

    [Fact]
    public void Inst_with_offset_beyond_DateTimeOffset_range_keeps_the_instant()
    {
        var value = Assert.IsType<DateTimeOffset>(Read("#inst \"2020-01-01T23:00:00+23:00\""));
        Assert.Equal(new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero), value);
        Assert.Equal(TimeSpan.Zero, value.Offset);
    }

    [Theory]
    [InlineData("#inst \"2020-13-01\"", "month out of range")]
    [InlineData("#inst \"2020-00-01\"", "month out of range")]
    [InlineData("#inst \"2021-02-29\"", "day out of range")]
    [InlineData("#inst \"2020-01-01T24:00:00Z\"", "time out of range")]
    [InlineData("#inst \"2020-01-01T10:60:00Z\"", "time out of range")]
    [InlineData("#inst \"2020-01-01T10:00:61Z\"", "seconds out of range")]
    [InlineData("#inst \"0000-01-01\"", "year 0000 is out of range")]
    [InlineData("#inst \"0001-01-01T00:00:00+01:00\"", "instant out of range")]
    [InlineData("#inst \"garbage\"", "expected a four-digit year")]
    [InlineData("#inst \"20-01-01\"", "expected a four-digit year")]
    [InlineData("#inst \"2020-1-01\"", "expected a two-digit month")]
    [InlineData("#inst \"2020-01-01T10:00:00.Z\"", "expected digits after '.'")]
    [InlineData("#inst \"2020-01-01T10:00:00+0100\"", "expected an offset like +hh:mm")]
    [InlineData("#inst \"2020-01-01T10:00:00+24:00\"", "offset out of range")]
    [InlineData("#inst \"2020-01-01 10:00:00Z\"", "unexpected text after the timestamp")]
    [InlineData("#inst \"2020-01-01T10:00:00Z \"", "unexpected text after the timestamp")]
    [InlineData("#inst 42", "#inst must be followed by a string")]
    [InlineData("#inst", "tag #inst must be followed by an element")]
    public void Inst_errors(string text, string reason) => Fails(text, 1, 1, reason);

    [Theory]
    [InlineData("f81d4fae-7dec-11d0-a765-00a0c91e6bf6")]
    [InlineData("F81D4FAE-7DEC-11D0-A765-00A0C91E6BF6")]
    public void Uuid_reads_as_Guid(string text) =>
        Assert.Equal(Guid.Parse(text), Assert.IsType<Guid>(Read($"#uuid \"{text}\"")));

    [Theory]
    [InlineData("#uuid \"f81d4fae7dec11d0a76500a0c91e6bf6\"")]
    [InlineData("#uuid \"{f81d4fae-7dec-11d0-a765-00a0c91e6bf6}\"")]
    [InlineData("#uuid \" f81d4fae-7dec-11d0-a765-00a0c91e6bf\"")]
    [InlineData("#uuid \"g81d4fae-7dec-11d0-a765-00a0c91e6bf6\"")]
    [InlineData("#uuid 1")]
    public void Uuid_errors(string text) => Fails(text, 1, 1, "#uuid must be followed by a canonical UUID string");
}

using System.Globalization;
using System.Numerics;
using Datom.Log.Edn;
using Xunit;
using static Datom.Log.Tests.Edn.EdnAssert;

namespace Datom.Log.Tests.Edn;

public class EdnWriterTests
{
    public static TheoryData<object?, string> Scalars() => new()
    {
        { null, "nil" },
        { true, "true" },
        { false, "false" },
        { 42L, "42" },
        { -42L, "-42" },
        { long.MinValue, "-9223372036854775808" },
        { 7, "7" },
        { (byte)7, "7" },
        { ulong.MaxValue, "18446744073709551615" },
        { new BigInteger(5), "5N" },
        { BigInteger.Parse("-123456789012345678901234567890", CultureInfo.InvariantCulture), "-123456789012345678901234567890N" },
        { 1.0, "1.0" },
        { 1.5, "1.5" },
        { -0.0, "-0.0" },
        { 0.1, "0.1" },
        { 1e20, "1E+20" },
        { 1.5e-7, "1.5E-07" },
        { double.MaxValue, "1.7976931348623157E+308" },
        { double.Epsilon, "5E-324" },
        { double.NaN, "##NaN" },
        { double.PositiveInfinity, "##Inf" },
        { double.NegativeInfinity, "##-Inf" },
        { 1.5f, "1.5" },
        { 1.5m, "1.5M" },
        { 1.50m, "1.50M" },
        { -7m, "-7M" },
        { "", "\"\"" },
        { "a\"b\\c", "\"a\\\"b\\\\c\"" },
        { "\n\t\r\b\f", "\"\\n\\t\\r\\b\\f\"" },
        { "\u0000\u001f\u007f", "\"\\u0000\\u001f\\u007f\"" },
        { "héllo λ 😀 \u2028", "\"héllo λ 😀 \u2028\"" },
        { "a\ud800b\udc00", "\"a\\ud800b\\udc00\"" },
        { "\udc00\ud800", "\"\\udc00\\ud800\"" },
        { 'a', "\\a" },
        { '(', "\\(" },
        { '\\', "\\\\" },
        { '"', "\\\"" },
        { ',', "\\u002c" },
        { ' ', "\\space" },
        { '\n', "\\newline" },
        { '\t', "\\tab" },
        { '\r', "\\return" },
        { '\f', "\\formfeed" },
        { '\b', "\\backspace" },
        { 'é', "\\u00e9" },
        { '\u0000', "\\u0000" },
        { Keyword.Intern("user", "email"), ":user/email" },
        { Symbol.Intern(null, "/"), "/" },
        { Symbol.Intern("a.b", "c"), "a.b/c" },
        { new DateTimeOffset(1985, 4, 12, 23, 20, 50, 520, TimeSpan.Zero), "#inst \"1985-04-12T23:20:50.520Z\"" },
        { new DateTimeOffset(2020, 1, 1, 1, 0, 0, TimeSpan.FromHours(1)), "#inst \"2020-01-01T00:00:00.000Z\"" },
        { new DateTimeOffset(new DateTime(2020, 1, 1).Ticks + 1234567, TimeSpan.Zero), "#inst \"2020-01-01T00:00:00.1234567Z\"" },
        { new DateTimeOffset(new DateTime(2020, 1, 1).Ticks + 12340, TimeSpan.Zero), "#inst \"2020-01-01T00:00:00.001234Z\"" },
        { Guid.Parse("F81D4FAE-7DEC-11D0-A765-00A0C91E6BF6"), "#uuid \"f81d4fae-7dec-11d0-a765-00a0c91e6bf6\"" },
    };

    [Theory]
    [MemberData(nameof(Scalars))]
    public void Scalars_print_as_EDN_and_read_back(object? value, string expected)
    {
        var text = EdnWriter.Write(value);
        Assert.Equal(expected, text);
        EdnEqual(value, Read(text));
    }

    [Fact]
    public void Collections_print_with_single_spaces_and_map_commas()
    {
        Assert.Equal("()", EdnWriter.Write(EdnList.Empty));
        Assert.Equal("(1 (2) [3])", EdnWriter.Write(EdnList.Of(1L, EdnList.Of(2L), EdnVector.Of(3L))));
        Assert.Equal("[nil \"a\" :b c]", EdnWriter.Write(EdnVector.Of(null, "a", Kw(":b"), Sym("c"))));
        Assert.Equal("{}", EdnWriter.Write(EdnMap.Empty));
        Assert.Equal("{:a 1, nil [2], \"s\" {}}", EdnWriter.Write(EdnMap.Of(Kw(":a"), 1L, null, EdnVector.Of(2L), "s", EdnMap.Empty)));
        Assert.Equal("#{}", EdnWriter.Write(EdnSet.Empty));
        Assert.Equal("#{1 :a}", EdnWriter.Write(EdnSet.Of(1L, Kw(":a"))));
        Assert.Equal("#my/tag [1 #other/tag 2]", EdnWriter.Write(new EdnTagged(Sym("my/tag"), EdnVector.Of(1L, new EdnTagged(Sym("other/tag"), 2L)))));
    }

    [Fact]
    public void Writes_to_a_TextWriter()
    {
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        EdnWriter.Write(writer, EdnVector.Of(1L, "two"));
        writer.Write(' ');
        EdnWriter.Write(writer, Kw(":three"));
        Assert.Equal("[1 \"two\"] :three", writer.ToString());
        Assert.Throws<ArgumentNullException>(() => EdnWriter.Write(null!, 1L));
    }

    [Fact]
    public void Unknown_types_and_unreadable_tags_are_argument_errors()
    {
        Assert.Throws<ArgumentException>(() => EdnWriter.Write(new object()));
        Assert.Throws<ArgumentException>(() => EdnWriter.Write(DateTime.UtcNow));
        Assert.Throws<ArgumentException>(() => EdnWriter.Write(new[] { 1, 2 }));
        Assert.Throws<ArgumentException>(() => EdnWriter.Write(new List<object?>()));
        Assert.Throws<ArgumentException>(() => EdnWriter.Write(EdnVector.Of(1L, new Uri("http://x"))));
        Assert.Throws<ArgumentException>(() => EdnWriter.Write(new EdnTagged(Sym("foo"), 1L)));
        Assert.Throws<ArgumentException>(() => EdnWriter.Write(new EdnTagged(Sym("_a/b"), 1L)));
    }

    [Fact]
    public void Transaction_data_round_trips_to_the_same_text()
    {
        const string Tx = "[[:db/add \"tmp\" :user/email \"a@b\"] {:db/id \"x\", :user/name \"Ann\", :user/born #inst \"1990-05-01T00:00:00.000Z\"} [:db/retract 17 :user/tags #{:a :b}]]";
        Assert.Equal(Tx, EdnWriter.Write(Read(Tx)));
    }

    [Fact]
    public void Deep_values_fail_with_a_stack_error_not_a_crash()
    {
        object? value = 1L;
        for (var i = 0; i < 1_000_000; i++)
        {
            value = new EdnVector([value], null, null);
        }

        Exception? caught = null;
        var thread = new Thread(
            () =>
            {
                try
                {
                    EdnWriter.Write(value);
                }
                catch (Exception ex)
                {
                    caught = ex;
                }
            },
            256 * 1024);
        thread.Start();
        thread.Join();
        Assert.IsType<InsufficientExecutionStackException>(caught);
    }
}

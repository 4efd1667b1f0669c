using Datom.Log.Edn;
using Xunit;

namespace Datom.Log.Tests.Edn;

internal static class EdnAssert
{
    public static object? Read(string text, EdnReaderOptions? options = null) => EdnReader.ReadOne(text, options);

    /// <summary>Reading <paramref name="text"/> fails at <paramref name="line"/>:<paramref name="column"/> for a reason containing <paramref name="reason"/>.</summary>
    public static EdnException Fails(string text, int line, int column, string reason, EdnReaderOptions? options = null)
    {
        var ex = Assert.Throws<EdnException>(() => EdnReader.ReadAll(text, options));
        Assert.True(
            (line, column) == (ex.Line, ex.Column) && ex.Reason.Contains(reason, StringComparison.Ordinal),
            $"expected {line}:{column}: ...{reason}... but got {ex.Message}");
        return ex;
    }

    public static void EdnEqual(object? expected, object? actual) =>
        Assert.True(EdnEquality.Instance.Equals(expected, actual), $"expected {EdnWriter.Write(expected)} but got {EdnWriter.Write(actual)}");

    public static Keyword Kw(string text) => Keyword.Parse(text);

    public static Symbol Sym(string text) => Symbol.Parse(text);
}

namespace Datom.Vm.Loading;

/// <summary>
/// The curated JVM interop Yin allows, after babashka/sci's allow-list of classes
/// (<c>src/sci/impl/namespaces.cljc</c>): a few classes, and of each only members that compute on
/// values. No reflection, no file, process or network access: peer code stays untrusted.
/// </summary>
internal static partial class Interop
{
    /// <summary>The host classes a program may name (their <c>java.lang.</c> names too).</summary>
    private static readonly HashSet<string> Classes = new(StringComparer.Ordinal)
    {
        "Character", "Integer", "Long", "Double", "Math", "String", "Object", "System", "Boolean", "Number",
        "Throwable", "Exception", "RuntimeException", "IllegalArgumentException", "IllegalStateException",
        "ArithmeticException", "UnsupportedOperationException", "IndexOutOfBoundsException", "StringIndexOutOfBoundsException",
        "NullPointerException", "ClassCastException", "NumberFormatException", "Error", "AssertionError",
        "ExceptionInfo", "ArityException", "NoSuchElementException",
    };

    /// <summary>Why <paramref name="pattern"/> is not a valid regex, or null if it is.</summary>
    public static string? RegexError(string pattern)
    {
        try
        {
            _ = Machine.YRegex.Compile(pattern);
            return null;
        }
        catch (Machine.YinException e)
        {
            return e.Error.Message;
        }
    }

    /// <summary>
    /// The native for an interop symbol <c>Class/member</c> (also <c>java.lang.Class/member</c>):
    /// a static method or field on the allow-list, or null.
    /// </summary>
    public static string? Member(Datom.Log.Edn.Symbol symbol)
    {
        if (symbol.Namespace is not { } ns || !IsClassName(ns))
            return null;
        var name = ShortClass(ns) + "/" + symbol.Name;
        return Machine.Natives.Find(name) is not null ? name : null;
    }

    /// <summary>
    /// Static fields (<c>Integer/MAX_VALUE</c>, <c>Math/PI</c>) and clojure.math's constants are
    /// natives of no arguments: the analyzer makes a use of one a call, so it is the value.
    /// </summary>
    public static bool IsField(string native) => Fields.Contains(native);

    private static readonly HashSet<string> Fields = new(StringComparer.Ordinal)
    {
        "Math/PI", "Math/E", "clojure.math/PI", "clojure.math/E",
        "Integer/MAX_VALUE", "Integer/MIN_VALUE", "Long/MAX_VALUE", "Long/MIN_VALUE",
        "Double/MAX_VALUE", "Double/MIN_VALUE", "Double/POSITIVE_INFINITY", "Double/NEGATIVE_INFINITY", "Double/NaN",
        "Character/MAX_VALUE", "Character/MIN_VALUE",
        "Integer/TYPE", "Long/TYPE", "Double/TYPE", "Boolean/TYPE", "Character/TYPE",
    };

    /// <summary>
    /// Why a symbol in call position is not an allowed interop form, when it looks like one
    /// (<c>.method</c>, <c>Class.</c>, <c>Class/member</c>); null when it does not look like interop.
    /// </summary>
    public static string? Refusal(Datom.Log.Edn.Symbol symbol)
    {
        if (symbol.Namespace is { } ns && IsClassName(ns))
            return $"{symbol} is not in Yin's interop allow-list (no reflection, file, process or network access; see Loading/Interop.cs)";
        if (symbol.Namespace is null && symbol.Name.Length > 1 && symbol.Name.StartsWith('.') && symbol.Name != "..")
            return $"the method {symbol.Name} is not in Yin's interop allow-list (no reflection, file, process or network access; see Loading/Interop.cs)";
        if (symbol.Namespace is null && symbol.Name.Length > 1 && symbol.Name.EndsWith('.'))
            return $"the constructor {symbol.Name} is not in Yin's interop allow-list (exception classes only)";
        return null;
    }

    private static string ShortClass(string name) =>
        name.StartsWith("java.lang.", StringComparison.Ordinal) ? name["java.lang.".Length..]
        : name == "clojure.lang.ExceptionInfo" ? "ExceptionInfo" : name;

    /// <summary>Whether <paramref name="name"/> names an allowed host class, bare or as <c>java.lang.Name</c>.</summary>
    public static bool IsClassName(string name) =>
        Classes.Contains(name.StartsWith("java.lang.", StringComparison.Ordinal) ? name["java.lang.".Length..] : name)
        || name == "clojure.lang.ExceptionInfo";
}

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
        "ArithmeticException", "UnsupportedOperationException", "IndexOutOfBoundsException",
        "NullPointerException", "ClassCastException", "NumberFormatException", "Error", "AssertionError",
        "ExceptionInfo",
    };

    /// <summary>Whether <paramref name="name"/> names an allowed host class, bare or as <c>java.lang.Name</c>.</summary>
    public static bool IsClassName(string name) =>
        Classes.Contains(name.StartsWith("java.lang.", StringComparison.Ordinal) ? name["java.lang.".Length..] : name)
        || name == "clojure.lang.ExceptionInfo";
}

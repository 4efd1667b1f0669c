using Datom.Log.Edn;

namespace Datom.Vm.Machine;

/// <summary>
/// The names a program can call without defining them: natives (<see cref="Natives"/>), prelude
/// functions written in Yin (<see cref="Prelude"/>), and the two the machine itself implements
/// (<c>apply</c>, <c>suspend</c>). Clojure's namespaces for them are accepted too
/// (<c>clojure.string/upper-case</c>).
/// </summary>
internal static class Builtins
{
    private static readonly HashSet<string> Special = new(StringComparer.Ordinal) { "apply", "suspend" };

    private static readonly HashSet<string> Namespaces = new(StringComparer.Ordinal)
    {
        "clojure.core", "clojure.string", "clojure.set", "clojure.walk", "clojure.math", "clojure.edn", "clojure.pprint", "clojure.zip",
        Ast.AstKeys.PreludeNamespace,
    };

    /// <summary>Whether a namespace is one of Clojure's libraries that Yin builds in (<c>clojure.string</c>, ...).</summary>
    public static bool IsLibrary(string ns) => Namespaces.Contains(ns);

    /// <summary>
    /// Library functions whose name another library (or clojure.core) also uses: the built-in that
    /// each qualified name stands for.
    /// </summary>
    private static readonly Dictionary<string, string> Qualified = new(StringComparer.Ordinal)
    {
        ["clojure.set/select"] = "set-select",
        ["clojure.set/project"] = "set-project",
        ["clojure.set/index"] = "set-index",
        ["clojure.set/join"] = "set-join",
        ["clojure.set/rename"] = "set-rename",
    };

    /// <summary>The built-in a symbol names, or null.</summary>
    public static string? Canonical(Symbol symbol)
    {
        ArgumentNullException.ThrowIfNull(symbol);
        // clojure.string/replace and clojure.math/floor are natives of their own; interop (Math/abs) is Interop's.
        if (symbol.Namespace is { } ns && (Natives.Find(ns + "/" + symbol.Name) is not null))
            return ns + "/" + symbol.Name;
        if (symbol.Namespace is not null && Loading.Interop.Member(symbol) is { } member)
            return member;
        if (symbol.Namespace is not null && !Namespaces.Contains(symbol.Namespace))
            return null;
        // clojure.zip's names (next, remove, replace, ...) are clojure.core's too: its functions are the prelude's zip-*.
        if (symbol.Namespace == "clojure.zip")
            return Prelude.Names.Contains("zip-" + symbol.Name) ? "zip-" + symbol.Name : null;
        if (symbol.Namespace is not null && Qualified.TryGetValue(symbol.Namespace + "/" + symbol.Name, out var qualified))
            return qualified;
        var name = symbol.Name;
        return Special.Contains(name) || Natives.Find(name) is not null || Prelude.Names.Contains(name) ? name : null;
    }

    /// <summary>Built-ins that exist only as calls, not as values.</summary>
    public static bool IsSpecial(string name) => name == "suspend";

    /// <summary>A built-in as a value (<c>(map inc xs)</c>).</summary>
    public static Val? AsValue(string name)
    {
        if (Prelude.Cell(name) is { } cell)
            return Val.Object(new FnRef(cell));
        if (Natives.Find(name) is { } native)
            return Val.Object(native.AsValue);
        return null;
    }
}

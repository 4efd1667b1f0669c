namespace Datom.Vm.Ast;

/// <summary>
/// How <c>:ast/key</c> values are made. A key names a node by where it is, not by what it holds,
/// so that editing a node's content keeps its entity and the loader transacts only the datoms that
/// changed:
/// <list type="bullet">
/// <item><c>core</c>: the namespace <c>core</c>;</item>
/// <item><c>core/greet</c>: a top-level definition (function or record) in it;</item>
/// <item><c>core/greet#b0.a1</c>: a node inside a definition, by its path of roles and indexes
/// (<c>p</c> param, <c>f</c> field, <c>b</c> body, <c>a</c> operand, <c>n</c> binding, <c>v</c>
/// binding value, <c>t</c>/<c>h</c>/<c>e</c> test/then/else, <c>o</c> operator);</item>
/// <item><c>yin/String</c>: a built-in type.</item>
/// </list>
/// Namespace and definition names cannot contain <c>#</c> or a second <c>/</c> (they are symbol
/// names), so these never collide.
/// </summary>
internal static class AstKeys
{
    /// <summary>The namespace of the VM's own definitions (built-in types); user code cannot claim it.</summary>
    public const string VmNamespace = "yin";

    /// <summary>The namespace of the prelude (map, filter, reduce ... written in Yin).</summary>
    public const string PreludeNamespace = "yin.core";

    public static string Namespace(string ns) => ns;

    public static string Definition(string ns, string name) => ns + "/" + name;

    public static string BuiltinType(string name) => VmNamespace + "/" + name;

    public static string Child(string parent, string segment) =>
        parent.Contains('#', StringComparison.Ordinal) ? parent + "." + segment : parent + "#" + segment;

    /// <summary>The definition a node key belongs to: <c>core/greet#b0.a1</c> is in <c>core/greet</c>.</summary>
    public static string DefinitionOf(string key)
    {
        var hash = key.IndexOf('#', StringComparison.Ordinal);
        return hash < 0 ? key : key[..hash];
    }
}

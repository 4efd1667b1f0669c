namespace Datom.Vm.Machine;

/// <summary>The built-in type names a hint may use (<c>^String</c>), beside record types.</summary>
internal static class TypeNames
{
    public static readonly IReadOnlyList<string> Builtin =
    [
        "Any", "Boolean", "Double", "Entity", "Error", "Fn", "Instant", "Keyword", "Long", "Map", "Number",
        "Seq", "Set", "String", "Symbol", "Uuid", "Vector",
    ];

    private static readonly HashSet<string> Names = new(Builtin, StringComparer.Ordinal);

    public static bool IsBuiltin(string name) => Names.Contains(name);

    public static string Of(Val v) => v.Kind switch
    {
        ValKind.Nil => "nil",
        ValKind.Record => ((YRecord)v.Obj!).Type.Name,
        ValKind.Fn => "Fn",
        ValKind.Atom when Natives.IsArray(v) => "Array",
        ValKind.Atom when v.Obj is YAtom { Kind: "transient" } => "Transient",
        var k => k.ToString(),
    };
}

/// <summary>
/// A declared type (<c>^Long n</c>, <c>^User u</c>, <c>^Result</c> on a function), checked when a
/// value crosses it: arguments on entry, the result on return, fields on construction. Hints are
/// contracts here, not just documentation: a mismatch is a type error naming both types. nil
/// satisfies only <c>Any</c>.
/// </summary>
internal sealed class TypeCheck
{
    private readonly ValKind? _kind;
    private readonly string? _recordKey;
    private readonly bool _number;
    private readonly bool _any;

    private TypeCheck(string name, ValKind? kind, string? recordKey, bool number, bool any)
    {
        Name = name;
        _kind = kind;
        _recordKey = recordKey;
        _number = number;
        _any = any;
    }

    public string Name { get; }

    /// <summary>The check for a type node's key: <c>yin/Long</c> or a record's <c>ns/Name</c>.</summary>
    public static TypeCheck? ForKey(string key, string name)
    {
        if (!key.StartsWith(Ast.AstKeys.VmNamespace + "/", StringComparison.Ordinal))
            return new TypeCheck(name, null, key, false, false);
        return name switch
        {
            "Any" => null,
            "Number" => new TypeCheck(name, null, null, true, false),
            _ => Enum.TryParse<ValKind>(name, out var kind) ? new TypeCheck(name, kind, null, false, false) : null,
        };
    }

    public bool Matches(Val v)
    {
        if (_any)
            return true;
        if (_number)
            return v.IsNumber;
        if (_kind is { } kind)
            return v.Kind == kind || (kind == ValKind.Vector && v.Kind == ValKind.Seq);
        return v.Obj is YRecord r && r.Type.Key == _recordKey;
    }
}

using Datom.Log.Edn;
using Datom.Log.Model;
using Datom.Vm.Ast;

namespace Datom.Vm.Loading;

/// <summary>A reference, in a node spec, to another node by its <c>:ast/key</c>.</summary>
internal sealed record NodeRef(string Key);

/// <summary>
/// One AST node as the analyzer wants it to be: its key and its attribute values (a
/// <see cref="Value"/>, or a <see cref="NodeRef"/> for a ref). The loader turns a set of these
/// into the datoms that make the database agree.
/// </summary>
internal sealed class NodeSpec(string key)
{
    private readonly List<(Keyword Attribute, object Value)> _attributes = [];

    public string Key { get; } = key;

    /// <summary>
    /// A node that belongs to no namespace (a built-in type): created when missing, never
    /// retracted by a namespace's load.
    /// </summary>
    public bool Shared { get; init; }

    /// <summary>For a record: its field names and types, which decide whether <c>:type/defined-at</c> moves.</summary>
    public string? RecordSignature { get; set; }

    public IReadOnlyList<(Keyword Attribute, object Value)> Attributes => _attributes;

    public NodeSpec Add(Keyword attribute, Value value)
    {
        _attributes.Add((attribute, value));
        return this;
    }

    public NodeSpec Add(Keyword attribute, NodeRef node)
    {
        _attributes.Add((attribute, node));
        return this;
    }

    public NodeSpec Add(Keyword attribute, string value) => Add(attribute, Value.String(value));

    public NodeSpec Add(Keyword attribute, long value) => Add(attribute, Value.Long(value));

    public NodeSpec Add(Keyword attribute, Keyword value) => Add(attribute, AstValues.Keyword(value));

    /// <summary>Replaces the value of a cardinality-one attribute (or adds it).</summary>
    public NodeSpec Set(Keyword attribute, Value value)
    {
        var i = _attributes.FindIndex(x => x.Attribute.Equals(attribute));
        if (i < 0)
            _attributes.Add((attribute, value));
        else
            _attributes[i] = (attribute, value);
        return this;
    }

    public Value? One(Keyword attribute)
    {
        foreach (var (a, v) in _attributes)
        {
            if (a.Equals(attribute) && v is Value value)
                return value;
        }
        return null;
    }
}

/// <summary>What one source file is as AST: its namespace and every node of its definitions.</summary>
internal sealed class LoadUnit(string ns, string source, IReadOnlyList<NodeSpec> nodes, IReadOnlyList<string> definitions)
{
    public string Namespace { get; } = ns;

    public string Source { get; } = source;

    public IReadOnlyList<NodeSpec> Nodes { get; } = nodes;

    /// <summary>The keys of the top-level definitions, in source order.</summary>
    public IReadOnlyList<string> Definitions { get; } = definitions;
}

internal static class AstValues
{
    public static Value Keyword(Keyword k) => Value.Keyword(k.QualifiedName);

    public static Keyword ToKeyword(Value v) => Log.Edn.Keyword.Parse(v.AsString);
}

using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Datom.Index.Query;
using Datom.Log.Edn;
using Datom.Log.Model;
using ValueType = Datom.Log.Model.ValueType;

namespace Datom.Vm.Ast;

/// <summary>One AST node as a view holds it: its entity and its attribute values.</summary>
internal sealed class AstNode(EntityId id, Dictionary<Keyword, List<Value>> attributes)
{
    public EntityId Id { get; } = id;

    public IReadOnlyDictionary<Keyword, List<Value>> Attributes => attributes;

    public string? Key => Str(AstSchema.Key);

    public Keyword? Type => One(AstSchema.Type) is { Type: ValueType.Keyword } v ? Keyword.Parse(v.AsString) : null;

    public bool Is(Keyword type) => One(AstSchema.Type) is { Type: ValueType.Keyword } v && v.AsString.AsSpan().SequenceEqual(Text(type));

    public int Line => Long(AstSchema.Line) is { } l ? (int)l : 0;

    public string Location => Str(AstSchema.Location) ?? "<unknown>";

    public long Index => Long(AstSchema.Index) ?? 0;

    public Value? One(Keyword attribute) => attributes.TryGetValue(attribute, out var values) && values.Count > 0 ? values[0] : null;

    public IReadOnlyList<Value> Many(Keyword attribute) => attributes.TryGetValue(attribute, out var values) ? values : [];

    public string? Str(Keyword attribute) => One(attribute) is { Type: ValueType.String } v ? v.AsString : null;

    public long? Long(Keyword attribute) => One(attribute) is { Type: ValueType.Long } v ? v.AsLong : null;

    public EntityId? Ref(Keyword attribute) => One(attribute) is { Type: ValueType.Ref } v ? v.AsRef : null;

    public bool Flag(Keyword attribute) => One(attribute) is { Type: ValueType.Boolean } v && v.AsBoolean;

    private static string Text(Keyword k) => k.QualifiedName;
}

/// <summary>
/// Reads AST nodes out of a view (DaoDB's snapshot, or an in-memory one), remembering what it has
/// read, so that one preparation or print sees one consistent program.
/// </summary>
internal sealed class AstReader(IDatomView view)
{
    private static readonly Keyword[] ComponentRoles =
    [
        AstSchema.Body, AstSchema.Arg, AstSchema.Binding, AstSchema.Operator, AstSchema.FnParam, AstSchema.TypeField,
        AstSchema.BindingValue, AstSchema.IfTest, AstSchema.IfThen, AstSchema.IfElse,
    ];

    private readonly Dictionary<EntityId, AstNode?> _nodes = [];

    public IDatomView View => view;

    public AstNode? Node(EntityId e)
    {
        if (_nodes.TryGetValue(e, out var cached))
            return cached;
        var attributes = new Dictionary<Keyword, List<Value>>();
        foreach (var d in view.Match(e, null, null))
        {
            if (!attributes.TryGetValue(d.A, out var values))
                attributes[d.A] = values = [];
            values.Add(d.V);
        }
        var node = attributes.Count == 0 ? null : new AstNode(e, attributes);
        _nodes[e] = node;
        return node;
    }

    public AstNode? Lookup(string key)
    {
        foreach (var d in view.Match(null, AstSchema.Key, Value.String(key)))
            return Node(d.E);
        return null;
    }

    /// <summary>The nodes a many-valued role refers to, in <c>:ast/index</c> order.</summary>
    public List<AstNode> Children(AstNode node, Keyword role)
    {
        var children = new List<AstNode>();
        foreach (var v in node.Many(role))
        {
            if (v.Type == ValueType.Ref && Node(v.AsRef) is { } child)
                children.Add(child);
        }
        children.Sort((a, b) => a.Index.CompareTo(b.Index));
        return children;
    }

    public AstNode? Child(AstNode node, Keyword role) => node.Ref(role) is { } e ? Node(e) : null;

    /// <summary>Every node of a definition's tree, the definition first.</summary>
    public IEnumerable<AstNode> Subtree(AstNode root)
    {
        var stack = new Stack<AstNode>();
        var seen = new HashSet<EntityId>();
        stack.Push(root);
        while (stack.Count > 0)
        {
            var n = stack.Pop();
            if (!seen.Add(n.Id))
                continue;
            yield return n;
            foreach (var role in ComponentRoles)
            {
                foreach (var v in n.Many(role))
                {
                    if (v.Type == ValueType.Ref && Node(v.AsRef) is { } child)
                        stack.Push(child);
                }
            }
        }
    }

    /// <summary>
    /// A digest of a definition's tree that does not depend on entity ids (refs are named by the
    /// key of what they point at), so the same code has the same digest on every node and in
    /// every view, DaoDB's or an in-memory one.
    /// </summary>
    public string Digest(AstNode root)
    {
        var lines = new List<string>();
        foreach (var n in Subtree(root))
        {
            var key = n.Key ?? n.Id.ToString();
            foreach (var (a, values) in n.Attributes)
            {
                foreach (var v in values)
                {
                    var text = v.Type == ValueType.Ref ? "->" + (Node(v.AsRef)?.Key ?? v.AsRef.ToString()) : v.ToString();
                    lines.Add(string.Create(CultureInfo.InvariantCulture, $"{key} {a} {text}"));
                }
            }
        }
        lines.Sort(StringComparer.Ordinal);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\n", lines)));
        return Convert.ToHexStringLower(hash.AsSpan(0, 16));
    }
}

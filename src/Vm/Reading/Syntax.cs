using Datom.Log.Edn;

namespace Datom.Vm.Reading;

internal enum SyntaxKind
{
    Scalar,
    Symbol,
    List,
    Vector,
    Map,
    Set,
}

/// <summary>
/// One form of source as read, with the line and column it starts at: every form, scalars
/// included (the EDN reader positions only symbols and collections; <see cref="PositionScanner"/>
/// supplies the rest). Map items alternate key and value, in source order.
/// </summary>
internal sealed class Syntax(SyntaxKind kind, object? edn, IReadOnlyList<Syntax> items, EdnMap? meta, SourcePosition position)
{
    public SyntaxKind Kind { get; } = kind;

    /// <summary>The form as the EDN reader returned it (a scalar's value, a <see cref="Symbol"/>, a collection).</summary>
    public object? Edn { get; } = edn;

    public IReadOnlyList<Syntax> Items { get; } = items;

    public EdnMap? Meta { get; } = meta;

    public int Line => position.Line;

    public int Column => position.Column;

    public Symbol? Symbol => Edn as Symbol;

    public bool IsSymbol(string name) => Edn is Symbol { Namespace: null } s && s.Name == name;

    public override string ToString() => EdnWriter.ToDebugString(Edn);
}

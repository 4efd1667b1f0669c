using Datom.Index.Query;
using Datom.Index.Schema;
using Datom.Log.Edn;
using Datom.Log.Model;
using Datom.Vm.Ast;
using IndexDatom = Datom.Index.Query.Datom;

namespace Datom.Vm.Repl;

/// <summary>
/// A REPL form's AST, held in memory, over the database's view: the machine prepares the form from
/// here exactly as it prepares a stored function, and every call it makes to a stored function
/// reaches that function's entity in the database (and its cached code). Nothing of the form is
/// transacted: an expression typed at the REPL is evaluated, not stored.
/// </summary>
internal sealed class OverlayView(MemoryDatomView memory, IDatomView database) : IDatomView
{
    public AttributeSchema? Attribute(Keyword ident) => database.Attribute(ident) ?? memory.Attribute(ident);

    // The memory view's entities have a prefix of their own (see MemoryDatomView), so a pattern
    // matches in at most one of the two when it names an entity, and the union is exact otherwise.
    public IEnumerable<IndexDatom> Match(EntityId? e, Keyword? a, Value? v) => memory.Match(e, a, v).Concat(database.Match(e, a, v));

    public long Estimate(EntityId? e, Keyword? a, Value? v) => memory.Estimate(e, a, v) + database.Estimate(e, a, v);

    public EntityId? Entid(Keyword ident) => database.Entid(ident);

    public Keyword? Ident(EntityId e) => database.Ident(e);
}

using Datom.Index.Schema;
using Datom.Log.Edn;
using Datom.Log.Model;

namespace Datom.Index.Query;

/// <summary>A datom as the database answers it: <c>[e a v tx added]</c>.</summary>
public readonly record struct Datom(EntityId E, Keyword A, Value V, EntityId Tx, bool Added);

/// <summary>
/// One consistent view of a database, the only thing the Datalog engine and pull read. A view is a
/// snapshot: its answers do not change while it is used. Implementations: the current database, as
/// of a frontier or a time, since, history, one branch, filtered (see DESIGN.md, "Views"), and an
/// in-memory reference used by the conformance tests.
/// </summary>
public interface IDatomView
{
    /// <summary>The schema of an attribute, or null if no such attribute exists in this view.</summary>
    AttributeSchema? Attribute(Keyword ident);

    /// <summary>
    /// Every datom of this view whose components equal the given ones (null = any), in index order:
    /// EAVT when <paramref name="e"/> is given, AVET when <paramref name="a"/> and <paramref name="v"/>
    /// are, VAET for a ref <paramref name="v"/> without a, AEVT otherwise. In the current and as-of views
    /// these are the asserted datoms only (<c>Added</c> is true); the history view also yields
    /// retractions, each with the transaction that made it.
    /// </summary>
    IEnumerable<Datom> Match(EntityId? e, Keyword? a, Value? v);

    /// <summary>
    /// A cheap estimate of how many datoms <see cref="Match"/> would yield, normally from above (it may
    /// count operations that are not live): what the planner orders clauses by.
    /// </summary>
    long Estimate(EntityId? e, Keyword? a, Value? v);

    /// <summary>The entity whose <c>:db/ident</c> is <paramref name="ident"/>, if any.</summary>
    EntityId? Entid(Keyword ident);

    /// <summary>The <c>:db/ident</c> of an entity, if it has one.</summary>
    Keyword? Ident(EntityId e);
}

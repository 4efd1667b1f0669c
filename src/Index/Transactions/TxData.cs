using Datom.Log.Edn;
using Datom.Log.Model;

namespace Datom.Index.Transactions;

/// <summary>Names an entity in transaction data, as Datomic's tx-data does.</summary>
public abstract record EntityRef
{
    /// <summary>A string that names an entity new in this transaction.</summary>
    public sealed record TempId(string Name) : EntityRef;

    /// <summary>An existing entity by id: <c>#id "…32 hex digits…"</c>.</summary>
    public sealed record Existing(EntityId Id) : EntityRef;

    /// <summary><c>[:user/email "a@b"]</c>: the entity whose unique attribute has this value.</summary>
    public sealed record Lookup(Keyword Attribute, object? Value) : EntityRef;

    /// <summary>An entity named by its <c>:db/ident</c>.</summary>
    public sealed record Ident(Keyword Name) : EntityRef;

    /// <summary>The transaction being made (<c>"datomic.tx"</c>).</summary>
    public sealed record CurrentTx : EntityRef;
}

/// <summary>One operation of transaction data.</summary>
public abstract record TxOp(SourcePosition? Position)
{
    /// <summary><c>[:db/add e a v]</c> or <c>[:db/retract e a v]</c>; a retract without a value retracts every value.</summary>
    public sealed record Assert(EntityRef E, Keyword A, object? V, bool Added, bool AllValues, SourcePosition? At) : TxOp(At);

    /// <summary><c>[:db/retractEntity e]</c>: every datom about e, and every ref to it.</summary>
    public sealed record RetractEntity(EntityRef E, SourcePosition? At) : TxOp(At);

    /// <summary>
    /// <c>[:db/cas e a old new]</c>: asserts new if the value of a is old now (nil: a has no value);
    /// otherwise the transaction fails (https://docs.datomic.com/transactions/transaction-functions.html#dbcas).
    /// </summary>
    public sealed record Cas(EntityRef E, Keyword A, object? Old, object? New, SourcePosition? At) : TxOp(At);

    /// <summary>
    /// <c>[:my.ns/fn args…]</c>: a transaction function, run on the transacting node (see
    /// <see cref="ITxFunctions"/>); the tx-data it returns takes its place in the same transaction.
    /// </summary>
    public sealed record Call(Keyword Fn, IReadOnlyList<object?> Args, SourcePosition? At) : TxOp(At);
}

/// <summary>
/// The value of a reverse attribute in an entity map (<c>{:db/id 2 :_friend [:name "Ivan"]}</c>):
/// the map's own entity, which becomes the value of the forward attribute on the entity named.
/// </summary>
public sealed record ReverseRef(EntityRef Entity, Keyword Written);

/// <summary>
/// A collection given as an entity map's value: several values of a cardinality-many attribute, or,
/// for a ref attribute, possibly a lookup ref. Only the schema can tell, so the transactor decides.
/// </summary>
public sealed record ManyValues(IReadOnlyList<object?> Items, bool CouldBeLookupRef);

/// <summary>Transaction data that cannot be made into datoms. The message names the form and where it is.</summary>
public sealed class TxDataException(string message, SourcePosition? position = null)
    : Exception(position is { } p ? $"{p.Line}:{p.Column}: {message}" : message)
{
    public SourcePosition? Position { get; } = position;
}

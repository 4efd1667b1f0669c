using Datom.Index.Query;
using Datom.Log.Edn;

namespace Datom.Index.Transactions;

/// <summary>
/// Runs transaction functions (<c>[:my.ns/fn args…]</c> in tx-data), the Datomic way
/// (https://docs.datomic.com/transactions/transaction-functions.html): on the transacting node,
/// inside the transaction, against the database it is prepared against; what the function returns
/// is tx-data that joins the same transaction. The entry records the datoms that result, so peers
/// that receive it never run the function. DaoDB knows nothing of the language functions are
/// written in: the node wires an implementation (Yin functions marked <c>^:tx-fn</c>) to
/// <see cref="DaoDb.TxFunctions"/>.
/// </summary>
public interface ITxFunctions
{
    /// <summary>Readies the functions (opens the VM, say); called before the transaction takes DaoDB's writer gate.</summary>
    Task PrepareAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Calls <paramref name="fn"/> with <paramref name="args"/> (EDN) and returns the tx-data it
    /// made (EDN). <paramref name="db"/> is the database the transaction is prepared against.
    /// </summary>
    /// <exception cref="TxDataException">No such transaction function, or it failed: the message says which and why.</exception>
    object? Invoke(Keyword fn, IReadOnlyList<object?> args, IDatomView db, CancellationToken cancellationToken);
}

using System.CommandLine;

namespace Datom.Node.Commands;

internal static class TransactCommand
{
    public static Command Create() => new("transact", "Transact EDN tx-data (waiting for the EDN reader).");
}

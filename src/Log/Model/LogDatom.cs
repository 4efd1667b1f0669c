namespace Datom.Log.Model;

/// <summary>
/// A datom as an entry carries it: <c>[e a v op]</c>. The transaction is the entry itself, so
/// <c>tx</c> is the entry's <see cref="Entries.Entry.Tx"/>. The attribute is named by its keyword
/// text (<c>user/email</c>) rather than by an entity id: a log entry is self-describing, and two
/// nodes that define the same attribute concurrently still agree on what every datom means.
/// </summary>
public readonly record struct LogDatom(EntityId E, string A, Value V, bool Added)
{
    public override string ToString() => $"[{(Added ? ":db/add" : ":db/retract")} #id \"{E}\" :{A} {V}]";
}

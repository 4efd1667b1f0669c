using Datom.Log.Entries;
using Datom.Log.Identity;

namespace Datom.Log;

/// <summary>
/// Two signed entries by one author at the same sequence number. Neither can be an ancestor of the
/// other (ancestors have lower numbers), and any two entries by one author that are not ordered by
/// ancestry imply such a pair (every entry's own chain has one ancestor at each lower number), so a
/// fork exists exactly when one of these does. The pair is its own proof: both signatures verify.
/// </summary>
public sealed record ForkProof(NodeId Author, ulong Seq, Entry First, Entry Second)
{
    internal Model.EntryHash FirstHash { get; init; } = First.Hash;

    public bool Verify() => First.Author == Author && Second.Author == Author && First.Seq == Seq && Second.Seq == Seq
        && First.Hash != Second.Hash && First.VerifySignature() && Second.VerifySignature();
}

using Datom.Log.Identity;
using Datom.Log.Model;

namespace Datom.Log.Entries;

/// <summary>
/// One transaction in an author's log: who wrote it, its place in the author's chain, the entries it
/// follows, when, and its datoms; signed by the author. Immutable once made; made only by
/// <see cref="EntryCodec"/> (decoding) or <see cref="Create"/> (signing), so an instance always
/// carries the exact canonical bytes it came from and the hash of those bytes.
/// </summary>
public sealed class Entry
{
    internal Entry(NodeId author, ulong seq, EntityId tx, HlcTimestamp time, EntryHash[] parents, LogDatom[] datoms,
        ReadOnlyMemory<byte> signature, EntryHash hash, byte[] encoded)
    {
        Author = author;
        Seq = seq;
        Tx = tx;
        Time = time;
        ParentArray = parents;
        Datoms = datoms;
        Signature = signature;
        Hash = hash;
        Encoded = encoded;
    }

    public NodeId Author { get; }

    /// <summary>1 for an author's first entry; otherwise one more than the highest of its own parents.</summary>
    public ulong Seq { get; }

    /// <summary>The transaction entity: datoms about the transaction itself use it as their entity.</summary>
    public EntityId Tx { get; }

    public HlcTimestamp Time { get; }

    /// <summary>Strictly ascending, no duplicates: part of the canonical form.</summary>
    public IReadOnlyList<EntryHash> Parents => ParentArray;

    /// <summary>The parents as the array they are held in, for the codec and the log to read as a span. Never modified.</summary>
    internal EntryHash[] ParentArray { get; }

    public IReadOnlyList<LogDatom> Datoms { get; }

    /// <summary>The last 64 bytes of <see cref="Encoded"/>.</summary>
    public ReadOnlyMemory<byte> Signature { get; }

    public EntryHash Hash { get; }

    /// <summary>The canonical encoding, exactly as stored and sent.</summary>
    public ReadOnlyMemory<byte> Encoded { get; }

    /// <summary>Builds, encodes, hashes and signs a new entry.</summary>
    public static Entry Create(NodeIdentity author, ulong seq, EntityId tx, HlcTimestamp time,
        IEnumerable<EntryHash> parents, IReadOnlyList<LogDatom> datoms, EntryLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(author);
        var sortedParents = parents.Distinct().Order().ToArray();
        return EntryCodec.Sign(author, seq, tx, time, sortedParents, datoms.ToArray(), limits ?? EntryLimits.Default);
    }

    public bool VerifySignature() => EntryCodec.VerifySignature(this);

    public override string ToString() => $"{Author}#{Seq} {Hash}";
}

/// <summary>Caps on what an entry may hold, checked before any buffer is allocated.</summary>
public sealed record EntryLimits
{
    public static readonly EntryLimits Default = new();

    /// <summary>1 MiB: far above any hand-written transaction, small enough that a peer cannot make us buffer much.</summary>
    public int MaxEntryBytes { get; init; } = 1 << 20;

    public int MaxDatoms { get; init; } = 100_000;

    /// <summary>An author's own previous entry, a merge's second branch, and causal links to other authors' heads.</summary>
    public int MaxParents { get; init; } = 256;

    public int MaxAttributeBytes { get; init; } = 1024;

    /// <summary>Default <see cref="MaxValueBytes"/>.</summary>
    public const int DefaultMaxValueBytes = 64 * 1024;

    /// <summary>
    /// 64 KiB: the longest string, keyword, symbol or bytes value (UTF-8 or raw bytes) one datom may
    /// hold, because every value is part of an index key and DaoDB's keys hold no more
    /// (<c>KeyCodec.MaxVariableValueBytes</c> is this constant). A longer value fits in an entry but
    /// could never be indexed, and an index that meets one stops.
    /// </summary>
    public int MaxValueBytes { get; init; } = DefaultMaxValueBytes;
}

using Datom.Log.Entries;

namespace Datom.Sync.Protocol;

/// <summary>
/// Caps on what a peer may send, each checked before anything is sized from it. The defaults hold a
/// connection's buffering to a few MiB whatever the peer claims.
/// </summary>
public sealed record FrameLimits
{
    public static readonly FrameLimits Default = new();

    /// <summary>
    /// 2 MiB: one entry of the largest size the log accepts (1 MiB, <see cref="EntryLimits.MaxEntryBytes"/>)
    /// with its frame around it fits with room to spare; batches are cut at <see cref="TargetFrameBytes"/>.
    /// </summary>
    public int MaxFrameBytes { get; init; } = 2 << 20;

    /// <summary>Entries frames are filled to about this size (256 KiB): large enough to amortise, small enough to interleave.</summary>
    public int TargetFrameBytes { get; init; } = 256 << 10;

    /// <summary>Entries in one frame, at most (4,096: a full 256 KiB frame of the smallest entries, ~100 bytes, with room).</summary>
    public int MaxEntriesPerFrame { get; init; } = 4096;

    /// <summary>One entry's encoded size, at most: the log's own cap.</summary>
    public int MaxEntryBytes { get; init; } = EntryLimits.Default.MaxEntryBytes;

    /// <summary>
    /// Authors in one summary, at most. 16,384 authors at one head each take about 1.2 MB, inside
    /// <see cref="MaxFrameBytes"/>; a node with more authors than this names the first 16,384 and the
    /// peer sends the rest again (duplicates are harmless).
    /// </summary>
    public int MaxAuthors { get; init; } = 16_384;

    /// <summary>Heads of one author in a summary, at most. More than one is a fork; 64 is far past any honest history.</summary>
    public int MaxHeadsPerAuthor { get; init; } = 64;

    /// <summary>Hashes in one probe, at most (32,768 × 34 bytes ≈ 1.1 MB).</summary>
    public int MaxProbeHashes { get; init; } = 32_768;

    /// <summary>Bytes of a Goodbye's reason text.</summary>
    public int MaxReasonBytes { get; init; } = 256;

    /// <summary>Bytes of a Hello's agent string.</summary>
    public int MaxAgentBytes { get; init; } = 64;
}

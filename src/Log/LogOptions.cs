using Datom.Log.Entries;
using Datom.Log.Identity;
using Datom.Log.Model;
using Datom.Log.Segments;

namespace Datom.Log;

public sealed record LogOptions
{
    public SegmentStoreOptions Segments { get; init; } = new();

    public EntryLimits Limits { get; init; } = EntryLimits.Default;

    /// <summary>Authors whose entries are accepted from elsewhere; null accepts any signed author.</summary>
    public IReadOnlySet<NodeId>? AllowedAuthors { get; init; }

    /// <summary>Entries held while their parents are missing, at most (count).</summary>
    public int MaxHeldEntries { get; init; } = 10_000;

    /// <summary>Bytes of entries held while their parents are missing, at most (64 MiB).</summary>
    public long MaxHeldBytes { get; init; } = 64L << 20;

    public IClock Clock { get; init; } = SystemClock.Instance;

    /// <summary>
    /// The writer prefix of the entity ids this log mints (see <see cref="EntityIdMinter"/>); null
    /// draws a fresh one from the system's random source on every open, as a daemon must. The
    /// deterministic simulator fixes it from its seed so that a run replays exactly.
    /// </summary>
    public ulong? EntityIdPrefix { get; init; }
}

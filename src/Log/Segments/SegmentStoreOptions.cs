namespace Datom.Log.Segments;

public enum FsyncPolicy
{
    /// <summary>Acknowledge an append only once its bytes are on disk (fdatasync), sharing syncs between concurrent appends.</summary>
    Always,

    /// <summary>Leave flushing to the OS. Faster; a power loss may lose acknowledged appends. For benchmarks and scratch data.</summary>
    Never,
}

public sealed record SegmentStoreOptions
{
    /// <summary>64 MiB: large enough that rolls are rare, small enough to scan or copy a segment whole.</summary>
    public long MaxSegmentBytes { get; init; } = 64L << 20;

    /// <summary>The largest record accepted; larger payloads are refused before they are queued.</summary>
    public int MaxRecordBytes { get; init; } = (1 << 20) + 1024;

    public FsyncPolicy Fsync { get; init; } = FsyncPolicy.Always;

    /// <summary>Appends waiting for the commit thread; writers wait when it is full.</summary>
    public int QueueCapacity { get; init; } = 16_384;

    /// <summary>Bytes written between two syncs at most: bounds the latency one group adds.</summary>
    public int MaxGroupBytes { get; init; } = 8 << 20;

    /// <summary>Fault-injection points for crash tests: called with a stage name as a segment roll proceeds.</summary>
    public Action<string>? OnRollStage { get; init; }
}

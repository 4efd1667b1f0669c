using System.Net;
using Datom.Index.Storage;
using Datom.Log;
using Datom.Log.Identity;
using Datom.Log.Segments;
using Datom.Sync;
using Datom.Index.Query;
using Datom.Vm.Machine;

namespace Datom.Node.Config;

/// <summary>
/// How a node runs, as its operator configures it: <c>node.example.toml</c> at the repository root
/// documents every setting and its default, and <see cref="Load"/> reads such a file. Immutable and
/// compared by value; a command-line flag overrides a setting with <c>with</c>
/// (<c>config with { DataDir = dataOption }</c>, <c>config with { Listen = ListenAddress.Parse(listen) }</c>).
/// Paths are absolute: a relative one given to an <c>init</c> is taken from the working directory, as
/// <c>--data</c> is, while one in a file is taken from the file's directory. The mesh key and the API
/// socket default to files in the data directory and follow it when <see cref="DataDir"/> changes.
/// </summary>
internal sealed partial record NodeConfig
{
    private readonly string _dataDir = "";
    private readonly string? _meshKeyFile;

    /// <summary>Where the node keeps its identity, mesh key, log and indexes.</summary>
    public required string DataDir { get => _dataDir; init => _dataDir = FullPath(value); }

    /// <summary>The node's name for people: its mDNS instance name. The node id is what identifies it.</summary>
    public required string Name { get; init; }

    /// <summary>Where the sync protocol accepts connections; null: nowhere (the node only dials).</summary>
    public IPEndPoint? Listen { get; init; } = ListenAddress.Default;

    /// <summary>The mesh key file given in the config; null: <c>mesh.key</c> in the data directory. Use <see cref="MeshKeyPath"/>.</summary>
    public string? MeshKeyFile { get => _meshKeyFile; init => _meshKeyFile = value is null ? null : FullPath(value); }

    /// <summary>The mesh's pre-shared key (the Noise PSK).</summary>
    public string MeshKeyPath => MeshKeyFile ?? Path.Combine(DataDir, MeshKey.FileName);

    /// <summary>Authors whose entries are accepted from peers; empty: every author that holds the mesh key.</summary>
    public IReadOnlyList<NodeId> TrustedAuthors { get; init; } = ValueList<NodeId>.Empty;

    public MdnsConfig Mdns { get; init; } = new();

    public PeersConfig Peers { get; init; } = new();

    public LogConfig Log { get; init; } = new();

    public IndexConfig Index { get; init; } = new();

    public SyncConfig Sync { get; init; } = new();

    /// <summary>The limits of <c>datom code run</c>.</summary>
    public VmConfig Vm { get; init; } = new();

    /// <summary>The limits of every query: <c>datom query</c> and <c>pull</c>, the local API, Yin's <c>query</c> effect.</summary>
    public QueryConfig Query { get; init; } = new();

    public ServicesConfig Services { get; init; } = new();

    public ApiConfig Api { get; init; } = new();

    /// <summary>The web console (<c>[http]</c>); off unless configured.</summary>
    public ListenerConfig Http { get; init; } = ListenerConfig.Http;

    /// <summary>The nREPL server for editors (off by default).</summary>
    public ListenerConfig Nrepl { get; init; } = ListenerConfig.Nrepl;

    /// <summary>The local API's Unix socket.</summary>
    public string ApiSocketPath => Api.Socket ?? Path.Combine(DataDir, ApiConfig.DefaultSocketName);

    /// <summary>
    /// Every setting at its default: the data directory from <c>DATOM_DATA</c>, else the platform's
    /// data folder (<see cref="DataDirectory.Resolve"/>), and the host name as the node's name.
    /// </summary>
    public static NodeConfig Default() => new() { DataDir = DataDirectory.Resolve(null), Name = DefaultName() };

    /// <summary>
    /// The host name, when it is a valid mDNS instance name (it nearly always is: host names are
    /// ASCII, and Linux caps them at 64 bytes, so at most the 64th is cut); else <c>datom</c>.
    /// </summary>
    public static string DefaultName()
    {
        var host = Environment.MachineName;
        if (host.Length > MaxNameLength)
            host = host[..MaxNameLength];
        return IsValidName(host) ? host : "datom";
    }

    /// <summary>
    /// RFC 6763 §4.1.1 allows an instance name of up to 63 bytes of any UTF-8 but control
    /// characters; the mDNS stack here encodes labels as ASCII, so printable ASCII it is (the same
    /// rule as <c>MdnsResponderOptions.InstanceName</c>).
    /// </summary>
    public static bool IsValidName(string name) =>
        name.Length is > 0 and <= MaxNameLength && name.All(c => c is >= ' ' and < '\u007f');

    /// <summary>RFC 1035 §2.3.4: a DNS label is at most 63 octets.</summary>
    public const int MaxNameLength = 63;

    /// <summary>The log's options: fsync, segment size, held-entry bounds and the trusted authors.</summary>
    public LogOptions ToLogOptions() => new()
    {
        Segments = new SegmentStoreOptions { Fsync = Log.Fsync, MaxSegmentBytes = Log.MaxSegmentBytes },
        AllowedAuthors = TrustedAuthors.Count == 0 ? null : TrustedAuthors.ToHashSet(),
        MaxHeldEntries = Log.MaxHeldEntries,
        MaxHeldBytes = Log.MaxHeldBytes,
        CheckpointEntries = Log.CheckpointEntries,
        TableCacheBytes = Log.TableCacheBytes,
    };

    /// <summary>DaoDB's options: its block cache and how much it gathers in memory before writing a run.</summary>
    public IndexStoreOptions ToIndexOptions() => new() { BlockCacheBytes = Index.CacheBytes, FlushBytes = Index.FlushBytes };

    /// <summary>The sync node's options: where to listen, the static peers and the limits; the rest at their defaults.</summary>
    public SyncNodeOptions ToSyncNodeOptions() => new()
    {
        Listen = Listen,
        StaticPeers = Peers.Static,
        MaxConnections = Sync.MaxConnections,
        MaxEntriesPerSecond = Sync.MaxEntriesPerSecond,
    };

    /// <summary>Absolute, without a trailing separator (so <c>dir</c> and <c>dir/</c> compare equal).</summary>
    internal static string FullPath(string path) => Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
}

/// <summary><c>[mdns]</c>: finding the mesh's other nodes on the LAN (RFC 6762, RFC 6763).</summary>
internal sealed record MdnsConfig
{
    /// <summary>Advertise this node and browse for the others; off: static peers only.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>Interfaces by OS name; empty: every interface that is up, not loopback and can multicast.</summary>
    public IReadOnlyList<string> Interfaces { get; init; } = ValueList<string>.Empty;

    public bool IPv4 { get; init; } = true;

    public bool IPv6 { get; init; } = true;
}

/// <summary><c>[peers]</c>: nodes to keep connected to whether or not mDNS finds them.</summary>
internal sealed record PeersConfig
{
    public IReadOnlyList<PeerAddress> Static { get; init; } = ValueList<PeerAddress>.Empty;
}

/// <summary><c>[log]</c>: how the log stores entries.</summary>
internal sealed record LogConfig
{
    private static readonly LogOptions LogDefaults = new();

    public FsyncPolicy Fsync { get; init; } = LogDefaults.Segments.Fsync;

    public long MaxSegmentBytes { get; init; } = LogDefaults.Segments.MaxSegmentBytes;

    /// <summary>Entries from peers held while their parents are missing, at most.</summary>
    public int MaxHeldEntries { get; init; } = LogDefaults.MaxHeldEntries;

    /// <summary>Bytes of such entries, at most.</summary>
    public long MaxHeldBytes { get; init; } = LogDefaults.MaxHeldBytes;

    /// <summary>Entries between two checkpoints of the log's per-entry tables.</summary>
    public int CheckpointEntries { get; init; } = LogDefaults.CheckpointEntries;

    /// <summary>Bytes of cache over the log's per-entry tables.</summary>
    public long TableCacheBytes { get; init; } = LogDefaults.TableCacheBytes;
}

/// <summary><c>[index]</c>: how much of DaoDB is kept in memory.</summary>
internal sealed record IndexConfig
{
    private static readonly IndexStoreOptions IndexDefaults = new();

    /// <summary>Bytes of index blocks cached in memory (the hot part of the on-disk runs).</summary>
    public long CacheBytes { get; init; } = IndexDefaults.BlockCacheBytes;

    /// <summary>Bytes of new index keys held in memory runs before they are written to a file run.</summary>
    public long FlushBytes { get; init; } = IndexDefaults.FlushBytes;
}

/// <summary><c>[sync]</c>: the limits that protect a node from its peers.</summary>
internal sealed record SyncConfig
{
    private static readonly SyncNodeOptions SyncDefaults = new();

    /// <summary>Connections in and out, handshakes included, at most.</summary>
    public int MaxConnections { get; init; } = SyncDefaults.MaxConnections;

    /// <summary>Entries per second accepted from one peer; 0: no limit.</summary>
    public long MaxEntriesPerSecond { get; init; } = (long)SyncDefaults.MaxEntriesPerSecond;
}

/// <summary><c>[vm]</c>: the limits of one <c>datom code run</c> (each has a default; none is unlimited).</summary>
internal sealed record VmConfig
{
    public long Fuel { get; init; } = RunLimits.DefaultFuel;

    public long MemoryBytes { get; init; } = RunLimits.DefaultMemory;

    public int Depth { get; init; } = RunLimits.DefaultDepth;

    public TimeSpan Deadline { get; init; } = RunLimits.DefaultDeadline;

    public RunLimits ToRunLimits() =>
        new(new FuelLimit(Fuel), new MemoryLimit(MemoryBytes), new DepthLimit(Depth), new DeadlineLimit(Deadline));
}

/// <summary>
/// <c>[query]</c>: the limits of any one query, from any caller (each has a default; none is
/// unlimited). A query that reaches one fails with <c>:limit/NAME</c>; other queries go on.
/// </summary>
internal sealed record QueryConfig
{
    public TimeSpan Deadline { get; init; } = QueryLimits.DefaultDeadline;

    public long MaxRows { get; init; } = QueryLimits.DefaultMaxRows;

    public long MemoryBytes { get; init; } = QueryLimits.DefaultMemory;

    public int MaxPullDepth { get; init; } = QueryLimits.DefaultMaxPullDepth;

    public QueryLimits ToQueryLimits() => new(Deadline, MaxRows, MemoryBytes, maxPullDepth: MaxPullDepth);
}

/// <summary>
/// <c>[services]</c>: the functions marked <c>^:service</c>, which the daemon keeps running. A service
/// is started again whenever a run ends, so its fuel is a rate (<see cref="FuelPerSecond"/>, which
/// bounds the share of the machine a busy service can take), each run has a deadline
/// (<see cref="RunDeadline"/>), and its writes a rate (<see cref="TransactsPerMinute"/>, across runs).
/// </summary>
internal sealed record ServicesConfig
{
    /// <summary>
    /// 50 million steps a second: a quarter of what <c>datom code run</c> may spend in a whole run
    /// (<see cref="RunLimits.DefaultFuel"/>), each second.
    /// </summary>
    public const long DefaultFuelPerSecond = 50_000_000;

    public bool Enabled { get; init; } = true;

    /// <summary>How long after a service fails or returns it is started again.</summary>
    public TimeSpan RestartDelay { get; init; } = TimeSpan.FromSeconds(1);

    public long FuelPerSecond { get; init; } = DefaultFuelPerSecond;

    public long MemoryBytes { get; init; } = RunLimits.DefaultMemory;

    public int Depth { get; init; } = RunLimits.DefaultDepth;

    /// <summary>
    /// One run of a service ends after this long (with <c>:limit/deadline</c>) and is started again
    /// after the restart delay: 10 minutes, so a service that waits for work in a loop of sleeps
    /// restarts a few times an hour, while one stuck in a loop frees its thread within that.
    /// </summary>
    public TimeSpan RunDeadline { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// 600 <c>transact!</c> calls a minute per service (ten a second on average, a minute's worth
    /// at once): every node runs every service, so a service that writes in a loop would otherwise
    /// fill every node's log at the speed of its disk.
    /// </summary>
    public int TransactsPerMinute { get; init; } = 600;
}

/// <summary><c>[api]</c>: the local API that the other <c>datom</c> commands use while a daemon runs.</summary>
internal sealed record ApiConfig
{
    public const string DefaultSocketName = "api.sock";

    private readonly string? _socket;

    /// <summary>The socket given in the config; null: <c>api.sock</c> in the data directory. Use <see cref="NodeConfig.ApiSocketPath"/>.</summary>
    public string? Socket { get => _socket; init => _socket = value is null ? null : NodeConfig.FullPath(value); }
}

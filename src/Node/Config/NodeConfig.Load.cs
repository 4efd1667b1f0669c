using System.Net;
using Datom.Log.Identity;
using Datom.Log.Segments;
using Datom.Sync;

namespace Datom.Node.Config;

internal sealed partial record NodeConfig
{
    /// <summary>
    /// The largest <c>max_segment_mb</c>: the segment store reads a segment whole at recovery and
    /// refuses one over 2 GiB (<see cref="int.MaxValue"/> bytes); 1 GiB leaves room for the last
    /// record, which may cross the limit.
    /// </summary>
    public const long MaxSegmentMiB = 1024;

    /// <summary>The largest memory setting: 1 TiB, far beyond any machine this runs on, and well inside a long.</summary>
    public const long MaxMemoryMiB = 1 << 20;

    /// <summary>
    /// Every setting, by table (the top level is ""; a sub-table is listed as <c>[name]</c>): what a
    /// file may contain, and what node.example.toml must document.
    /// </summary>
    public static IReadOnlyDictionary<string, string[]> Settings { get; } = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        [""] = ["data_dir", "name", "listen", "mesh_key", "trusted_authors", "[mdns]", "[peers]", "[log]", "[index]", "[sync]", "[vm]", "[query]", "[services]", "[api]", "[http]", "[nrepl]"],
        ["mdns"] = ["enabled", "interfaces", "ipv4", "ipv6"],
        ["peers"] = ["static"],
        ["log"] = ["fsync", "max_segment_mb", "max_held_entries", "max_held_mb", "checkpoint_entries", "table_cache_mb"],
        ["index"] = ["cache_mb", "flush_mb"],
        ["sync"] = ["max_connections", "max_entries_per_second"],
        ["vm"] = ["fuel", "memory_mb", "depth", "deadline_ms"],
        ["query"] = ["deadline_ms", "max_rows", "memory_mb", "max_pull_depth"],
        ["services"] = ["enabled", "restart_delay_ms", "fuel_per_second", "memory_mb", "depth", "run_deadline_ms", "transacts_per_minute"],
        ["api"] = ["socket"],
        ["http"] = ["listen", "allow_remote"],
        ["nrepl"] = ["listen", "allow_remote"],
    };

    /// <summary>
    /// Reads the config file at <paramref name="path"/>: every setting it leaves out has its
    /// default, relative paths in it are taken from its directory.
    /// </summary>
    /// <exception cref="ConfigException">
    /// The file is missing or unreadable, is not TOML, or has an unknown key, a value of the wrong
    /// type or out of range. The message has a line <c>FILE:LINE:COLUMN: what is wrong</c> per error.
    /// </exception>
    public static NodeConfig Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string text;
        try
        {
            if (Directory.Exists(path))
                throw new ConfigException([new ConfigError(path, 0, 0, "is a directory, not a config file")]);
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ConfigException([new ConfigError(path, 0, 0, "no such file")]);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException([new ConfigError(path, 0, 0, $"cannot read: {e.Message}")]);
        }
        return Parse(text, path, Path.GetDirectoryName(Path.GetFullPath(path))!);
    }

    /// <summary>
    /// Reads config text; <paramref name="file"/> names it in errors, and relative paths in it are
    /// taken from <paramref name="baseDirectory"/>.
    /// </summary>
    /// <exception cref="ConfigException">As for <see cref="Load"/>.</exception>
    public static NodeConfig Parse(string text, string file, string baseDirectory)
    {
        ArgumentNullException.ThrowIfNull(text);
        var reader = new ConfigReader(file, baseDirectory);
        var config = Read(reader.Root(ConfigTable.Parse(text, file)));
        reader.ThrowIfErrors();
        return config;
    }

    private static NodeConfig Read(TableReader top)
    {
        top.AllowOnly(Settings[""]);
        var defaults = new NodeConfig { DataDir = top.Path("data_dir") ?? DataDirectory.Resolve(null), Name = "" };
        return defaults with
        {
            Name = top.TryString("name", ConvertName, out string name) ? name : DefaultName(),
            Listen = top.TryString("listen", ConvertListen, out IPEndPoint? listen) ? listen : defaults.Listen,
            MeshKeyFile = top.Path("mesh_key"),
            TrustedAuthors = top.Strings<NodeId>("trusted_authors", ConvertNodeId) is { } authors
                ? new ValueList<NodeId>(authors.Distinct())
                : defaults.TrustedAuthors,
            Mdns = ReadMdns(top.Table("mdns")),
            Peers = ReadPeers(top.Table("peers")),
            Log = ReadLog(top.Table("log")),
            Index = ReadIndex(top.Table("index")),
            Sync = ReadSync(top.Table("sync")),
            Vm = ReadVm(top.Table("vm")),
            Query = ReadQuery(top.Table("query")),
            Services = ReadServices(top.Table("services")),
            Api = ReadApi(top.Table("api")),
            Http = ReadListener(top.Table("http"), ListenerConfig.Http),
            Nrepl = ReadListener(top.Table("nrepl"), ListenerConfig.Nrepl),
        };
    }

    private static MdnsConfig ReadMdns(TableReader t)
    {
        t.AllowOnly(Settings["mdns"]);
        var d = new MdnsConfig();
        var mdns = new MdnsConfig
        {
            Enabled = t.Boolean("enabled") ?? d.Enabled,
            Interfaces = t.Strings<string>("interfaces", ConvertInterface) ?? d.Interfaces,
            IPv4 = t.Boolean("ipv4") ?? d.IPv4,
            IPv6 = t.Boolean("ipv6") ?? d.IPv6,
        };
        // Both default to true, so both are in the file: point at the second.
        if (mdns.Enabled && !mdns.IPv4 && !mdns.IPv6)
            t.Error("ipv6", "ipv4 and ipv6 are both false, which leaves mDNS nothing to run on; set enabled = false to turn it off");
        return mdns;
    }

    private static PeersConfig ReadPeers(TableReader t)
    {
        t.AllowOnly(Settings["peers"]);
        return new PeersConfig { Static = t.Strings<PeerAddress>("static", ConvertPeer) ?? new PeersConfig().Static };
    }

    private static LogConfig ReadLog(TableReader t)
    {
        t.AllowOnly(Settings["log"]);
        var d = new LogConfig();
        return new LogConfig
        {
            Fsync = t.TryString("fsync", ConvertFsync, out FsyncPolicy fsync) ? fsync : d.Fsync,
            MaxSegmentBytes = t.Mebibytes("max_segment_mb", MaxSegmentMiB) ?? d.MaxSegmentBytes,
            MaxHeldEntries = (int?)t.Integer("max_held_entries", 1, int.MaxValue) ?? d.MaxHeldEntries,
            MaxHeldBytes = t.Mebibytes("max_held_mb", MaxMemoryMiB) ?? d.MaxHeldBytes,
            CheckpointEntries = (int?)t.Integer("checkpoint_entries", 1, int.MaxValue) ?? d.CheckpointEntries,
            TableCacheBytes = t.Mebibytes("table_cache_mb", MaxMemoryMiB) ?? d.TableCacheBytes,
        };
    }

    private static IndexConfig ReadIndex(TableReader t)
    {
        t.AllowOnly(Settings["index"]);
        var d = new IndexConfig();
        return new IndexConfig
        {
            CacheBytes = t.Mebibytes("cache_mb", MaxMemoryMiB) ?? d.CacheBytes,
            FlushBytes = t.Mebibytes("flush_mb", MaxMemoryMiB) ?? d.FlushBytes,
        };
    }

    private static SyncConfig ReadSync(TableReader t)
    {
        t.AllowOnly(Settings["sync"]);
        var d = new SyncConfig();
        return new SyncConfig
        {
            MaxConnections = (int?)t.Integer("max_connections", 1, int.MaxValue) ?? d.MaxConnections,
            MaxEntriesPerSecond = t.Integer("max_entries_per_second", 0, long.MaxValue) ?? d.MaxEntriesPerSecond,
        };
    }

    private static VmConfig ReadVm(TableReader t)
    {
        t.AllowOnly(Settings["vm"]);
        var d = new VmConfig();
        return new VmConfig
        {
            Fuel = t.Integer("fuel", 1, long.MaxValue) ?? d.Fuel,
            MemoryBytes = t.Mebibytes("memory_mb", MaxMemoryMiB) ?? d.MemoryBytes,
            Depth = (int?)t.Integer("depth", 1, int.MaxValue) ?? d.Depth,
            Deadline = t.Milliseconds("deadline_ms") ?? d.Deadline,
        };
    }

    private static ServicesConfig ReadServices(TableReader t)
    {
        t.AllowOnly(Settings["services"]);
        var d = new ServicesConfig();
        return new ServicesConfig
        {
            Enabled = t.Boolean("enabled") ?? d.Enabled,
            RestartDelay = t.Milliseconds("restart_delay_ms") ?? d.RestartDelay,
            FuelPerSecond = t.Integer("fuel_per_second", 1, long.MaxValue) ?? d.FuelPerSecond,
            MemoryBytes = t.Mebibytes("memory_mb", MaxMemoryMiB) ?? d.MemoryBytes,
            Depth = (int?)t.Integer("depth", 1, int.MaxValue) ?? d.Depth,
            RunDeadline = t.Milliseconds("run_deadline_ms") ?? d.RunDeadline,
            TransactsPerMinute = (int?)t.Integer("transacts_per_minute", 1, int.MaxValue) ?? d.TransactsPerMinute,
        };
    }

    private static QueryConfig ReadQuery(TableReader t)
    {
        t.AllowOnly(Settings["query"]);
        var d = new QueryConfig();
        return new QueryConfig
        {
            Deadline = t.Milliseconds("deadline_ms") ?? d.Deadline,
            MaxRows = t.Integer("max_rows", 1, long.MaxValue) ?? d.MaxRows,
            MemoryBytes = t.Mebibytes("memory_mb", MaxMemoryMiB) ?? d.MemoryBytes,
            MaxPullDepth = (int?)t.Integer("max_pull_depth", 1, int.MaxValue) ?? d.MaxPullDepth,
        };
    }

    private static ApiConfig ReadApi(TableReader t)
    {
        t.AllowOnly(Settings["api"]);
        return new ApiConfig { Socket = t.Path("socket") };
    }

    /// <summary><c>[http]</c> or <c>[nrepl]</c>: a listen address, loopback unless allow_remote.</summary>
    private static ListenerConfig ReadListener(TableReader t, ListenerConfig defaults)
    {
        t.AllowOnly(Settings[defaults.Section]);
        var listener = defaults with
        {
            Listen = t.TryString("listen", ConvertListen, out IPEndPoint? listen) ? listen : null,
            AllowRemote = t.Boolean("allow_remote") ?? false,
        };
        if (listener.RefusedAddress() is { } refused)
            t.Error("listen", refused);
        return listener;
    }

    private static string? ConvertName(string text, out string name)
    {
        name = text;
        return IsValidName(text) ? null : $"'{text}' is not a node name: 1 to {MaxNameLength} printable ASCII characters (it is the mDNS instance name)";
    }

    private static string? ConvertListen(string text, out IPEndPoint? endPoint) =>
        ListenAddress.TryParse(text, out endPoint) ? null : $"'{text}' is not a listen address: expected {ListenAddress.Expected}";

    private static string? ConvertNodeId(string text, out NodeId id) =>
        NodeId.TryParse(text, out id) ? null : $"'{text}' is not a node id ({NodeId.TextLength} base32 characters, as 'datom init' prints)";

    private static string? ConvertPeer(string text, out PeerAddress peer)
    {
        var ok = PeerAddress.TryParse(text, out var parsed);
        peer = parsed!;
        return ok ? null : $"'{text}' is not a peer address (host:port, [v6]:port, or nodeid@host:port)";
    }

    private static string? ConvertInterface(string text, out string name)
    {
        name = text;
        return text.Length > 0 && !text.Any(char.IsWhiteSpace) ? null : $"'{text}' is not an interface name";
    }

    private static string? ConvertFsync(string text, out FsyncPolicy fsync)
    {
        fsync = default;
        switch (text)
        {
            case "always": fsync = FsyncPolicy.Always; return null;
            case "never": fsync = FsyncPolicy.Never; return null;
            default: return $"expected \"always\" or \"never\", not \"{text}\"";
        }
    }
}

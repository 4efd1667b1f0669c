using System.Net;
using Datom.Index.Query;
using Datom.Log.Identity;
using Datom.Log.Segments;
using Datom.Node.Config;
using Datom.Sync;
using Datom.Vm.Machine;
using Xunit;

namespace Datom.Node.Tests.Config;

/// <summary>The config file: defaults, a full file, relative paths, node.example.toml, and where each error is reported.</summary>
public sealed class NodeConfigTests : IDisposable
{
    private static readonly string AuthorA = new NodeId([.. Enumerable.Range(0, 32).Select(i => (byte)i)]).ToString();
    private static readonly string AuthorB = new NodeId([.. Enumerable.Range(100, 32).Select(i => (byte)i)]).ToString();

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    // ---- defaults ----

    [Fact]
    public void Defaults_are_the_components_own()
    {
        var config = NodeConfig.Default();

        Assert.Equal(Path.GetFullPath(DataDirectory.Resolve(null)), config.DataDir);
        Assert.Equal(NodeConfig.DefaultName(), config.Name);
        Assert.True(NodeConfig.IsValidName(config.Name));
        Assert.Equal(new IPEndPoint(IPAddress.IPv6Any, 7420), config.Listen);
        Assert.Null(config.MeshKeyFile);
        Assert.Equal(Path.Combine(config.DataDir, "mesh.key"), config.MeshKeyPath);
        Assert.Empty(config.TrustedAuthors);
        Assert.Equal(new MdnsConfig { Enabled = true, IPv4 = true, IPv6 = true }, config.Mdns);
        Assert.Empty(config.Mdns.Interfaces);
        Assert.Empty(config.Peers.Static);
        Assert.Equal(FsyncPolicy.Always, config.Log.Fsync);
        Assert.Equal(64L << 20, config.Log.MaxSegmentBytes);
        Assert.Equal(10_000, config.Log.MaxHeldEntries);
        Assert.Equal(64L << 20, config.Log.MaxHeldBytes);
        Assert.Equal(65_536, config.Log.CheckpointEntries);
        Assert.Equal(32L << 20, config.Log.TableCacheBytes);
        Assert.Equal(256L << 20, config.Index.CacheBytes);
        Assert.Equal(64L << 20, config.Index.FlushBytes);
        Assert.Equal(256L << 20, config.ToIndexOptions().BlockCacheBytes);
        Assert.Equal(64, config.Sync.MaxConnections);
        Assert.Equal(50_000, config.Sync.MaxEntriesPerSecond);
        Assert.Equal(RunLimits.Default.ToString(), config.Vm.ToRunLimits().ToString());
        Assert.True(config.Services.Enabled);
        Assert.Equal(TimeSpan.FromSeconds(1), config.Services.RestartDelay);
        Assert.Equal(50_000_000, config.Services.FuelPerSecond);
        Assert.Equal(256L << 20, config.Services.MemoryBytes);
        Assert.Equal(10_000, config.Services.Depth);
        Assert.Equal(TimeSpan.FromMinutes(10), config.Services.RunDeadline);
        Assert.Equal(600, config.Services.TransactsPerMinute);
        Assert.Equal(QueryLimits.Default.ToString(), config.Query.ToQueryLimits().ToString());
        Assert.Null(config.Api.Socket);
        Assert.Equal(Path.Combine(config.DataDir, "api.sock"), config.ApiSocketPath);
    }

    [Fact]
    public void An_empty_file_is_the_defaults()
    {
        Assert.Equal(NodeConfig.Default(), Load(""));
        Assert.Equal(NodeConfig.Default(), Load("# nothing but a comment\n\n[mdns]\n"));
    }

    [Fact]
    public void The_example_file_is_the_defaults()
    {
        Assert.Equal(NodeConfig.Default(), NodeConfig.Load(ExamplePath()));
    }

    [Fact]
    public void The_example_file_documents_every_setting()
    {
        var lines = File.ReadAllLines(ExamplePath());
        foreach (var (table, keys) in NodeConfig.Settings)
        {
            var start = table.Length == 0 ? 0 : Array.IndexOf(lines, $"[{table}]");
            Assert.True(start >= 0, $"node.example.toml has no [{table}]");
            var end = Array.FindIndex(lines, start + 1, l => l.StartsWith('['));
            var section = lines[start..(end < 0 ? lines.Length : end)];
            foreach (var key in keys.Where(k => !k.StartsWith('[')))
            {
                Assert.True(
                    section.Any(l => l.StartsWith($"{key} = ", StringComparison.Ordinal) || l.StartsWith($"#{key} = ", StringComparison.Ordinal)),
                    $"node.example.toml does not show {(table.Length == 0 ? key : $"{table}.{key}")}");
            }
        }
    }

    // ---- a full file ----

    [Fact]
    public void A_full_file_sets_every_setting()
    {
        var config = Load($"""
            data_dir = "/srv/datom"
            name = "kitchen pi"
            listen = "0.0.0.0:7421"
            mesh_key = "/etc/datom/mesh.key"
            trusted_authors = ["{AuthorA}", "{AuthorB.ToUpperInvariant()}", "{AuthorA}"]

            [mdns]
            enabled = false
            interfaces = ["eth0", "wlan0"]
            ipv4 = true
            ipv6 = false

            [peers]
            static = ["backup.example.net:7420", "[fd00::2]:7000", "{AuthorB}@10.0.0.9:7420"]

            [log]
            fsync = "never"
            max_segment_mb = 16
            max_held_entries = 500
            max_held_mb = 8

            [sync]
            max_connections = 10
            max_entries_per_second = 0

            [vm]
            fuel = 1000
            memory_mb = 32
            depth = 200
            deadline_ms = 1500

            [query]
            deadline_ms = 2500
            max_rows = 1000
            memory_mb = 64
            max_pull_depth = 50

            [services]
            enabled = false
            restart_delay_ms = 250
            fuel_per_second = 12345
            memory_mb = 16
            depth = 100
            run_deadline_ms = 5000
            transacts_per_minute = 7

            [api]
            socket = "/run/datom/api.sock"
            """);

        Assert.Equal("/srv/datom", config.DataDir);
        Assert.Equal("kitchen pi", config.Name);
        Assert.Equal(IPEndPoint.Parse("0.0.0.0:7421"), config.Listen);
        Assert.Equal("/etc/datom/mesh.key", config.MeshKeyPath);
        Assert.Equal([AuthorA, AuthorB], config.TrustedAuthors.Select(a => a.ToString()));
        Assert.False(config.Mdns.Enabled);
        Assert.Equal(["eth0", "wlan0"], config.Mdns.Interfaces);
        Assert.True(config.Mdns.IPv4);
        Assert.False(config.Mdns.IPv6);
        Assert.Equal(
            [PeerAddress.Parse("backup.example.net:7420"), PeerAddress.Parse("[fd00::2]:7000"), PeerAddress.Parse($"{AuthorB}@10.0.0.9:7420")],
            config.Peers.Static);
        Assert.Equal(new LogConfig { Fsync = FsyncPolicy.Never, MaxSegmentBytes = 16L << 20, MaxHeldEntries = 500, MaxHeldBytes = 8L << 20 }, config.Log);
        Assert.Equal(new SyncConfig { MaxConnections = 10, MaxEntriesPerSecond = 0 }, config.Sync);
        Assert.Equal(new VmConfig { Fuel = 1000, MemoryBytes = 32L << 20, Depth = 200, Deadline = TimeSpan.FromMilliseconds(1500) }, config.Vm);
        Assert.Equal(
            new ServicesConfig
            {
                Enabled = false, RestartDelay = TimeSpan.FromMilliseconds(250), FuelPerSecond = 12345, MemoryBytes = 16L << 20, Depth = 100,
                RunDeadline = TimeSpan.FromSeconds(5), TransactsPerMinute = 7,
            },
            config.Services);
        Assert.Equal(new QueryConfig { Deadline = TimeSpan.FromMilliseconds(2500), MaxRows = 1000, MemoryBytes = 64L << 20, MaxPullDepth = 50 }, config.Query);
        Assert.Equal("/run/datom/api.sock", config.ApiSocketPath);
    }

    [Fact]
    public void Inline_tables_and_dotted_keys_are_the_same_as_headers()
    {
        var headers = Load("[mdns]\nenabled = false\n[vm]\nfuel = 5\ndepth = 7\n");
        Assert.Equal(headers, Load("mdns = { enabled = false }\nvm = { fuel = 5, depth = 7 }\n"));
        Assert.Equal(headers, Load("mdns.enabled = false\nvm.fuel = 5\nvm.depth = 7\n"));
        Assert.Equal(headers, Load("\"mdns\".'enabled' = false\n[\"vm\"]\nfuel = 5\ndepth = 7\n"));
    }

    [Fact]
    public void The_options_handed_to_the_parts_carry_the_settings()
    {
        var config = Load($"""
            listen = "off"
            trusted_authors = ["{AuthorA}"]
            [peers]
            static = ["10.0.0.1:7420"]
            [log]
            fsync = "never"
            max_segment_mb = 2
            [sync]
            max_connections = 3
            max_entries_per_second = 4
            [vm]
            fuel = 5
            memory_mb = 6
            depth = 7
            deadline_ms = 8
            """);

        var log = config.ToLogOptions();
        Assert.Equal(FsyncPolicy.Never, log.Segments.Fsync);
        Assert.Equal(2L << 20, log.Segments.MaxSegmentBytes);
        Assert.Equal([AuthorA], log.AllowedAuthors!.Select(a => a.ToString()));
        Assert.Null(NodeConfig.Default().ToLogOptions().AllowedAuthors);

        var sync = config.ToSyncNodeOptions();
        Assert.Null(sync.Listen);
        Assert.Equal([PeerAddress.Parse("10.0.0.1:7420")], sync.StaticPeers);
        Assert.Equal(3, sync.MaxConnections);
        Assert.Equal(4, sync.MaxEntriesPerSecond);

        var limits = config.Vm.ToRunLimits();
        Assert.Equal(5, limits.Fuel.Steps);
        Assert.Equal(6L << 20, limits.Memory.Bytes);
        Assert.Equal(7, limits.Depth.Frames);
        Assert.Equal(TimeSpan.FromMilliseconds(8), limits.Deadline.Timeout);
    }

    // ---- paths ----

    [Fact]
    public void Relative_paths_are_taken_from_the_files_directory()
    {
        var configDir = _dir.Sub("etc");
        Directory.CreateDirectory(configDir);
        var file = Path.Combine(configDir, "node.toml");
        File.WriteAllText(file, "data_dir = \"data/\"\nmesh_key = \"../keys/mesh.key\"\n[api]\nsocket = \"run/api.sock\"\n");

        var config = NodeConfig.Load(file);

        Assert.Equal(Path.Combine(configDir, "data"), config.DataDir);
        Assert.Equal(Path.Combine(_dir.Path, "keys", "mesh.key"), config.MeshKeyPath);
        Assert.Equal(Path.Combine(configDir, "run", "api.sock"), config.ApiSocketPath);
    }

    [Fact]
    public void A_leading_tilde_is_the_home_directory()
    {
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var config = Load("data_dir = \"~/datom\"\nmesh_key = \"~\"\n");
        Assert.Equal(Path.Combine(home, "datom"), config.DataDir);
        Assert.Equal(NodeConfig.FullPath(home), config.MeshKeyPath);
    }

    [Fact]
    public void The_mesh_key_and_socket_follow_the_data_directory_unless_set()
    {
        var config = Load("data_dir = \"/srv/a\"\n") with { DataDir = "/srv/b/" };
        Assert.Equal("/srv/b", config.DataDir);
        Assert.Equal("/srv/b/mesh.key", config.MeshKeyPath);
        Assert.Equal("/srv/b/api.sock", config.ApiSocketPath);

        var set = Load("mesh_key = \"/k/mesh.key\"\n[api]\nsocket = \"/s/api.sock\"\n") with { DataDir = "/srv/c" };
        Assert.Equal("/k/mesh.key", set.MeshKeyPath);
        Assert.Equal("/s/api.sock", set.ApiSocketPath);
    }

    [Fact]
    public void Flags_override_with_with()
    {
        var config = Load("listen = \"off\"\n") with { Listen = ListenAddress.Parse("127.0.0.1:0") };
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 0), config.Listen);
        Assert.NotEqual(NodeConfig.Default(), NodeConfig.Default() with { Listen = null });
    }

    // ---- errors, each with its position ----

    [Fact]
    public void A_missing_file_is_named()
    {
        var path = _dir.Sub("nope.toml");
        var e = Assert.Throws<ConfigException>(() => NodeConfig.Load(path));
        Assert.Equal($"{path}: no such file", e.Message);
        Assert.Equal($"{_dir.Path}: is a directory, not a config file", Assert.Throws<ConfigException>(() => NodeConfig.Load(_dir.Path)).Message);
    }

    [Fact]
    public void A_syntax_error_names_its_line_and_column()
    {
        var message = Error("listen = \"off\"\n[mdns]\nenabled = \n");
        Assert.StartsWith($"{FilePath}:3:11: ", message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', message);
    }

    [Fact]
    public void A_key_defined_twice_is_a_syntax_error()
    {
        Assert.StartsWith($"{FilePath}:3:1: ", Error("[vm]\nfuel = 1\nfuel = 2\n"), StringComparison.Ordinal);
        Assert.StartsWith($"{FilePath}:3:1: ", Error("[vm]\nfuel = 1\n[vm]\n"), StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_key_near_a_known_one_is_suggested()
    {
        Assert.Equal($"{FilePath}:2:1: unknown setting 'lisen'; did you mean 'listen'?", Error("name = \"a\"\nlisen = \"off\"\n"));
        Assert.Equal($"{FilePath}:3:6: unknown setting 'mdns.enabeld'; did you mean 'mdns.enabled'?", Error("\n\nmdns.enabeld = true\n"));
        Assert.Equal($"{FilePath}:2:1: unknown setting 'vm.fule'; did you mean 'vm.fuel'?", Error("[vm]\nfule = 1\n"));
    }

    [Fact]
    public void An_unknown_key_far_from_any_lists_the_table()
    {
        Assert.Equal(
            $"{FilePath}:2:1: unknown setting 'mdns.colour'; [mdns] has enabled, interfaces, ipv4, ipv6",
            Error("[mdns]\ncolour = \"blue\"\n"));
        Assert.Equal(
            $"{FilePath}:1:1: unknown setting 'port'; the top level has data_dir, name, listen, mesh_key, trusted_authors, [mdns], [peers], [log], [index], [sync], [vm], [query], [services], [api], [http], [nrepl]",
            Error("port = 7420\n"));
    }

    [Fact]
    public void An_unknown_table_is_named_as_a_table()
    {
        Assert.Equal($"{FilePath}:2:2: unknown table [mdsn]; did you mean [mdns]?", Error("\n[mdsn]\nenabled = true\n"));
        Assert.Equal($"{FilePath}:1:7: unknown table [mdns.v4]; [mdns] has enabled, interfaces, ipv4, ipv6", Error("[mdns.v4]\n"));
        Assert.Equal(
            $"{FilePath}:1:1: unknown table [daemon]; the top level has data_dir, name, listen, mesh_key, trusted_authors, [mdns], [peers], [log], [index], [sync], [vm], [query], [services], [api], [http], [nrepl]",
            Error("daemon.x = 1\n"));
    }

    [Fact]
    public void A_wrong_type_names_what_was_expected_and_found()
    {
        Assert.Equal($"{FilePath}:2:8: vm.fuel: expected an integer, found a string", Error("[vm]\nfuel = \"lots\"\n"));
        Assert.Equal($"{FilePath}:2:8: vm.fuel: expected an integer, found a float", Error("[vm]\nfuel = 1.5\n"));
        Assert.Equal($"{FilePath}:1:16: mdns.enabled: expected a boolean, found a string", Error("mdns.enabled = \"yes\"\n"));
        Assert.Equal($"{FilePath}:1:10: listen: expected a string, found an integer", Error("listen = 7420\n"));
        Assert.Equal($"{FilePath}:1:12: data_dir: expected a string, found an array", Error("data_dir = [\"/a\"]\n"));
        Assert.Equal($"{FilePath}:1:19: trusted_authors: expected an array of strings, found a string", Error($"trusted_authors = \"{AuthorA}\"\n"));
        Assert.Equal($"{FilePath}:2:23: mdns.interfaces: expected a string, found an integer", Error("[mdns]\ninterfaces = [\"eth0\", 3]\n"));
        Assert.Equal($"{FilePath}:2:10: api.socket: expected a string, found a date-time", Error("[api]\nsocket = 1979-05-27T07:32:00Z\n"));
    }

    [Fact]
    public void A_table_given_a_value_or_an_array_of_tables_is_a_wrong_type()
    {
        Assert.Equal($"{FilePath}:1:8: mdns: expected a table ([mdns]), found a boolean", Error("mdns = true\n"));
        Assert.Equal($"{FilePath}:2:3: peers: expected a table ([peers]), found an array of tables", Error("\n[[peers]]\nstatic = []\n"));
        Assert.Equal($"{FilePath}:1:4: vm.fuel: expected an integer, found a table", Error("vm.fuel.x = 1\n"));
    }

    [Fact]
    public void An_out_of_range_number_names_the_range()
    {
        Assert.Equal($"{FilePath}:2:8: vm.fuel: must be at least 1, not -5", Error("[vm]\nfuel = -5\n"));
        Assert.Equal($"{FilePath}:1:20: vm.memory_mb: must be from 1 to 1048576, not 0", Error("vm = { memory_mb = 0 }\n"));
        Assert.Equal($"{FilePath}:2:18: log.max_segment_mb: must be from 1 to 1024, not 4096", Error("[log]\nmax_segment_mb = 4096\n"));
        Assert.Equal($"{FilePath}:2:9: vm.depth: must be from 1 to 2147483647, not 3000000000", Error("[vm]\ndepth = 3_000_000_000\n"));
        Assert.Equal($"{FilePath}:2:26: sync.max_entries_per_second: must be at least 0, not -1", Error("[sync]\nmax_entries_per_second = -1\n"));
        Assert.Equal($"{FilePath}:2:20: services.restart_delay_ms: must be from 1 to 2147483647, not 0", Error("[services]\nrestart_delay_ms = 0\n"));
    }

    [Fact]
    public void A_bad_value_in_a_string_names_what_is_accepted()
    {
        Assert.Equal($"{FilePath}:2:9: log.fsync: expected \"always\" or \"never\", not \"sometimes\"", Error("[log]\nfsync = \"sometimes\"\n"));
        Assert.Equal(
            $"{FilePath}:1:10: listen: 'localhost:7420' is not a listen address: expected {ListenAddress.Expected}",
            Error("listen = \"localhost:7420\"\n"));
        Assert.Equal(
            $"{FilePath}:1:8: name: '{new string('x', 64)}' is not a node name: 1 to 63 printable ASCII characters (it is the mDNS instance name)",
            Error($"name = \"{new string('x', 64)}\"\n"));
        Assert.Equal(
            $"{FilePath}:1:76: trusted_authors: 'abc' is not a node id (52 base32 characters, as 'datom init' prints)",
            Error($"trusted_authors = [\"{AuthorA}\", \"abc\"]\n"));
        Assert.Equal(
            $"{FilePath}:2:25: peers.static: 'nowhere' is not a peer address (host:port, [v6]:port, or nodeid@host:port)",
            Error("[peers]\nstatic = [\"a:1\", \"b:2\", \"nowhere\"]\n"));
        Assert.Equal($"{FilePath}:1:12: data_dir: '~bob/data': only '~/' (the home directory) is expanded, not another user's", Error("data_dir = \"~bob/data\"\n"));
        Assert.Equal($"{FilePath}:2:10: api.socket: expected a path, found an empty string", Error("[api]\nsocket = \"\"\n"));
    }

    [Fact]
    public void Mdns_on_no_address_family_is_refused()
    {
        Assert.Equal(
            $"{FilePath}:3:8: mdns.ipv6: ipv4 and ipv6 are both false, which leaves mDNS nothing to run on; set enabled = false to turn it off",
            Error("[mdns]\nipv4 = false\nipv6 = false\n"));
        Assert.False(Load("[mdns]\nenabled = false\nipv4 = false\nipv6 = false\n").Mdns.Enabled);
    }

    [Fact]
    public void Every_error_is_reported_in_file_order()
    {
        var e = Assert.Throws<ConfigException>(() => Load("[vm]\nfuel = -1\ndepht = 3\n[log]\nfsync = 1\n"));
        Assert.Equal(
            [
                $"{FilePath}:2:8: vm.fuel: must be at least 1, not -1",
                $"{FilePath}:3:1: unknown setting 'vm.depht'; did you mean 'vm.depth'?",
                $"{FilePath}:5:9: log.fsync: expected a string, found an integer",
            ],
            e.Errors.Select(x => x.ToString()));
        Assert.Equal(string.Join(Environment.NewLine, e.Errors), e.Message);
        Assert.Equal((3, 1), (e.Errors[1].Line, e.Errors[1].Column));
    }

    [Fact]
    public void Nesting_deeper_than_Tomlyn_allows_is_an_error_not_a_crash()
    {
        var message = Error($"name = {new string('[', 10_000)}{new string(']', 10_000)}\n");
        Assert.StartsWith($"{FilePath}: not readable as TOML: ", message, StringComparison.Ordinal);
        Assert.Contains("64", message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Mangled copies of node.example.toml (characters dropped, TOML punctuation inserted, lines
    /// swapped or repeated): each one either loads or is refused with a ConfigException that has a
    /// position, never another exception.
    /// </summary>
    [Fact]
    public void Mangled_files_are_loaded_or_refused_never_crash()
    {
        var example = File.ReadAllText(ExamplePath());
        var random = new Random(20_261_124);
        const string Punctuation = "[]{}=,.\"'#\n 0-x~:";
        for (var i = 0; i < 3000; i++)
        {
            var text = new System.Text.StringBuilder(example);
            for (var m = random.Next(1, 6); m > 0; m--)
            {
                var at = random.Next(text.Length);
                switch (random.Next(4))
                {
                    case 0: text.Remove(at, Math.Min(random.Next(1, 20), text.Length - at)); break;
                    case 1: text.Insert(at, Punctuation[random.Next(Punctuation.Length)]); break;
                    case 2: text.Insert(at, example.AsSpan(random.Next(example.Length - 40), 40)); break;
                    default: text[at] = (char)random.Next(32, 127); break;
                }
            }
            try
            {
                NodeConfig.Parse(text.ToString(), "mangled.toml", _dir.Path);
            }
            catch (ConfigException e)
            {
                Assert.All(e.Errors, error => Assert.True(error.Line > 0 && error.Column > 0, $"{error} has no position"));
            }
        }
    }

    // ---- the listen address ----

    [Theory]
    [InlineData("[::]:7420", "[::]:7420")]
    [InlineData("0.0.0.0:7420", "0.0.0.0:7420")]
    [InlineData("127.0.0.1:0", "127.0.0.1:0")]
    [InlineData("[fe80::1]:65535", "[fe80::1]:65535")]
    [InlineData("off", "off")]
    [InlineData("OFF", "off")]
    public void Listen_addresses_that_parse(string text, string formatted)
    {
        Assert.True(ListenAddress.TryParse(text, out var endPoint));
        Assert.Equal(formatted, ListenAddress.Format(endPoint));
    }

    [Theory]
    [InlineData("")]
    [InlineData("7420")]
    [InlineData(":7420")]
    [InlineData("::1")]
    [InlineData("::1:7420")]
    [InlineData("[::1]")]
    [InlineData("127.0.0.1")]
    [InlineData("10.1:7420")]
    [InlineData("1:7420")]
    [InlineData("127.0.0.1:65536")]
    [InlineData("127.0.0.1:-1")]
    [InlineData("127.0.0.1: 80")]
    [InlineData("localhost:7420")]
    [InlineData("[localhost]:7420")]
    public void Listen_addresses_that_do_not(string text)
    {
        Assert.False(ListenAddress.TryParse(text, out _));
        Assert.Throws<FormatException>(() => ListenAddress.Parse(text));
    }

    // ---- helpers ----

    private string FilePath => _dir.Sub("node.toml");

    private NodeConfig Load(string toml)
    {
        File.WriteAllText(FilePath, toml);
        return NodeConfig.Load(FilePath);
    }

    private string Error(string toml) => Assert.Throws<ConfigException>(() => Load(toml)).Message;

    private static string ExamplePath() => Path.Combine(DatomProcess.RepositoryRoot, "node.example.toml");
}

using System.CommandLine;
using Datom.Node.Config;
using Datom.Node.Daemon;
using Datom.Sync;
using Datom.Sync.Protocol;

namespace Datom.Node.Commands;

/// <summary><c>datom run [--config FILE] [--data DIR] [--listen HOST:PORT]</c>: the daemon.</summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var config = new Option<string?>("--config") { Description = "The node's TOML config (see node.example.toml); without it, every setting has its default", HelpName = "FILE" };
        var listen = new Option<string?>("--listen") { Description = $"Where the sync protocol listens, HOST:PORT (default [::]:{SyncProtocol.DefaultPort}; 'off' to only dial)", HelpName = "HOST:PORT" };
        var noMdns = new Option<bool>("--no-mdns") { Description = "Do not advertise or browse on the LAN (static peers only)" };
        var peers = new Option<string[]>("--peer") { Description = "A static peer to keep connected to, HOST:PORT (repeatable; adds to the config's)", HelpName = "HOST:PORT", AllowMultipleArgumentsPerToken = false };
        var http = new Option<string?>("--http") { Description = "Serve the web console at HOST:PORT (loopback unless the config allows another address; port 0: a free one); the URL with its token goes to the log and DIR/console.url", HelpName = "HOST:PORT" };
        var nrepl = new Option<string?>("--nrepl") { Description = "Serve nREPL for editors on HOST:PORT (loopback only unless [nrepl] allow_remote; port 0 picks one, written to DIR/.nrepl-port)", HelpName = "HOST:PORT" };
        var command = new Command("run", "Run the node daemon: sync with the mesh, find peers by mDNS, run services, and serve the local API until SIGINT/SIGTERM.")
        {
            config, Cli.Data, listen, noMdns, peers, http, nrepl,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var settings = Settings(parse.GetValue(config), parse.GetValue(Cli.Data), parse.GetValue(listen), parse.GetValue(noMdns), parse.GetValue(peers) ?? [], parse.GetValue(http), parse.GetValue(nrepl));
            return NodeHost.RunAsync(settings, cancellationToken);
        });
        return command;
    }

    /// <summary>The config file (or the defaults), then the command line over it.</summary>
    internal static DaemonSettings Settings(string? configFile, string? dataOption, string? listenOption, bool noMdns, string[] extraPeers, string? httpOption = null, string? nreplOption = null)
    {
        NodeConfig config;
        try
        {
            config = configFile is null ? NodeConfig.Default() : NodeConfig.Load(Terminal.FullPath(configFile));
        }
        catch (ConfigException e)
        {
            throw new CliException(ExitCodes.Config, e.Message);
        }
        if (dataOption is not null)
            config = config with { DataDir = new DataDirectory(dataOption).Path };
        if (listenOption is not null)
        {
            if (!ListenAddress.TryParse(listenOption, out var listen))
                throw new CliException(ExitCodes.Usage, $"--listen: '{listenOption}' is not HOST:PORT with HOST an IP address (e.g. 0.0.0.0:7420, [::]:7420, 127.0.0.1:0), or 'off'");
            config = config with { Listen = listen };
        }
        if (httpOption is not null)
        {
            if (!ListenAddress.TryParse(httpOption, out var http))
                throw new CliException(ExitCodes.Usage, $"--http: '{httpOption}' is not HOST:PORT with HOST an IP address (e.g. 127.0.0.1:8080, [::1]:0), or 'off'");
            config = config with { Http = config.Http with { Listen = http } };
            if (config.Http.RefusedAddress() is { } refused)
                throw new CliException(ExitCodes.Usage, "--http: " + refused);
        }
        if (nreplOption is not null)
        {
            if (!ListenAddress.TryParse(nreplOption, out var at))
                throw new CliException(ExitCodes.Usage, $"--nrepl: '{nreplOption}' is not HOST:PORT with HOST an IP address (e.g. 127.0.0.1:0, [::1]:7888), or 'off'");
            config = config with { Nrepl = config.Nrepl with { Listen = at } };
            if (config.Nrepl.RefusedAddress() is { } refused)
                throw new CliException(ExitCodes.Usage, "--nrepl: " + refused);
        }
        var staticPeers = new List<PeerAddress>(config.Peers.Static);
        foreach (var p in extraPeers)
        {
            if (!PeerAddress.TryParse(p, out var address))
                throw new CliException(ExitCodes.Usage, $"--peer: '{p}' is not HOST:PORT");
            staticPeers.Add(address);
        }
        var sync = config.ToSyncNodeOptions() with { StaticPeers = staticPeers };
        return new DaemonSettings
        {
            DataDirectory = config.DataDir,
            MeshKeyPath = config.MeshKeyPath,
            Log = config.ToLogOptions(),
            Index = config.ToIndexOptions(),
            Sync = sync,
            // The instance name on the LAN: the configured name, else the node id (unique, so three
            // nodes on one host, or behind one host name, never have to rename on mDNS).
            Discovery = new DiscoveryOptions(config.Mdns.Enabled && !noMdns, config.Mdns.Interfaces, config.Mdns.IPv4, config.Mdns.IPv6,
                config.Name == NodeConfig.DefaultName() ? null : config.Name),
            Services = new ServiceOptions(config.Services.Enabled,
                ServiceOptions.LimitsFor(config.Services.FuelPerSecond, config.Services.MemoryBytes, config.Services.Depth, config.Services.RunDeadline), config.Services.RestartDelay)
            {
                TransactsPerMinute = config.Services.TransactsPerMinute,
                QueryLimits = config.Query.ToQueryLimits(),
            },
            CodeLimits = config.Vm.ToRunLimits(),
            QueryLimits = config.Query.ToQueryLimits(),
            Socket = config.ApiSocketPath,
            Http = config.Http.Listen,
            Nrepl = config.Nrepl,
        };
    }
}

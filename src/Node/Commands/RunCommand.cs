using System.CommandLine;
using System.Net;
using Datom.Log;
using Datom.Log.Identity;
using Datom.Node.Daemon;
using Datom.Sync;
using Datom.Sync.Protocol;
using Datom.Vm.Machine;

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
        var command = new Command("run", "Run the node daemon: sync with the mesh, find peers by mDNS, run services, and serve the local API until SIGINT/SIGTERM.")
        {
            config, Cli.Data, listen, noMdns, peers,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var settings = Settings(parse.GetValue(config), parse.GetValue(Cli.Data), parse.GetValue(listen), parse.GetValue(noMdns), parse.GetValue(peers) ?? []);
            return NodeHost.RunAsync(settings, cancellationToken);
        });
        return command;
    }

    internal static DaemonSettings Settings(string? configFile, string? dataOption, string? listenOption, bool noMdns, string[] extraPeers)
    {
        if (configFile is not null)
            throw new CliException(ExitCodes.Config, "--config: config files are not read yet");
        var data = new DataDirectory(dataOption);
        var listen = ParseListen(listenOption ?? $"[::]:{SyncProtocol.DefaultPort}", "--listen");
        var staticPeers = new List<PeerAddress>();
        foreach (var p in extraPeers)
        {
            if (!PeerAddress.TryParse(p, out var address))
                throw new CliException(ExitCodes.Usage, $"--peer: '{p}' is not HOST:PORT");
            staticPeers.Add(address);
        }
        return new DaemonSettings
        {
            DataDirectory = data.Path,
            MeshKeyPath = data.MeshKeyPath,
            Listen = listen,
            Log = new LogOptions(),
            Sync = new SyncNodeOptions { StaticPeers = staticPeers },
            Discovery = new DiscoveryOptions(!noMdns, [], true, true, null),
            Services = new ServiceOptions(true, ServiceOptions.LimitsFor(50_000_000, RunLimits.DefaultMemory, RunLimits.DefaultDepth), TimeSpan.FromSeconds(1)),
            CodeLimits = RunLimits.Default,
            Socket = Path.Combine(data.Path, "api.sock"),
        };
    }

    internal static EndPoint? ParseListen(string text, string what)
    {
        if (string.Equals(text, "off", StringComparison.OrdinalIgnoreCase))
            return null;
        if (IPEndPoint.TryParse(text, out var endPoint) && text.Contains(':', StringComparison.Ordinal))
            return endPoint;
        throw new CliException(ExitCodes.Usage, $"{what}: '{text}' is not an address HOST:PORT (an IP address, e.g. 0.0.0.0:7420 or [::]:7420), or 'off'");
    }
}

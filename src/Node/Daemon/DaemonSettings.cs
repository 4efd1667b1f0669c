using Datom.Index.Query;
using Datom.Log;
using Datom.Sync;
using Datom.Vm.Machine;

namespace Datom.Node.Daemon;

/// <summary>Everything <c>datom run</c> needs, resolved from the config file and the command line.</summary>
internal sealed record DaemonSettings
{
    public required string DataDirectory { get; init; }

    public required string MeshKeyPath { get; init; }

    public required LogOptions Log { get; init; }

    /// <summary>DaoDB's cache and flush sizes.</summary>
    public Datom.Index.Storage.IndexStoreOptions Index { get; init; } = new();

    /// <summary>Sync's options, its listen address included (null: dial only).</summary>
    public required SyncNodeOptions Sync { get; init; }

    public required DiscoveryOptions Discovery { get; init; }

    public required ServiceOptions Services { get; init; }

    public required RunLimits CodeLimits { get; init; }

    /// <summary>The limits of every query the daemon runs (<c>[query]</c>).</summary>
    public QueryLimits QueryLimits { get; init; } = QueryLimits.Default;

    public required string Socket { get; init; }

    /// <summary>Where the web console listens (<c>--http</c>, <c>[http] listen</c>); null: off.</summary>
    public System.Net.IPEndPoint? Http { get; init; }

    /// <summary>The nREPL server (<c>[nrepl]</c>, <c>--nrepl</c>); off unless it has a listen address.</summary>
    public Config.ListenerConfig Nrepl { get; init; } = Config.ListenerConfig.Nrepl;
}

using Datom.Index.Query;
using Datom.Log.Identity;
using Datom.Sync;
using Datom.Vm.Machine;

namespace Datom.Node.Daemon;

/// <summary>
/// A daemon's node as its commands see it: the open data directory (log and DaoDB), the mesh it
/// syncs with, what discovery found, and the services it runs. Commands that come in over the
/// local API run against this instead of opening the directory (which the daemon holds locked).
/// </summary>
internal sealed class RunningNode(
    OpenedLog opened,
    MeshKey mesh,
    SyncNode sync,
    Discovery discovery,
    ServiceRunner services,
    RunLimits codeLimits,
    string socket)
{
    public string Path => Opened.Path;

    public OpenedLog Opened { get; } = opened;

    public MeshKey Mesh { get; } = mesh;

    public SyncNode Sync { get; } = sync;

    public Discovery Discovery { get; } = discovery;

    public ServiceRunner Services { get; } = services;

    /// <summary>The limits <c>datom code run</c> gets in this daemon when the command line gives none (from the config's <c>[vm]</c>).</summary>
    public RunLimits CodeLimits { get; } = codeLimits;

    /// <summary>The limits of every query that runs in this daemon: <c>datom query</c>, <c>/v1/query</c>, Yin's <c>query</c> (from the config's <c>[query]</c>).</summary>
    public QueryLimits QueryLimits { get; init; } = QueryLimits.Default;

    public string Socket { get; } = socket;

    public DateTimeOffset Started { get; } = DateTimeOffset.UtcNow;

    public int ProcessId { get; } = Environment.ProcessId;

    /// <summary>Cancelled when the daemon begins to stop: long-running commands (<c>subscribe</c>) end then, so that stopping never waits on them.</summary>
    public CancellationToken Stopping { get; init; }
}

using Datom.Sync;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Datom.Node.Daemon;

/// <summary>
/// The daemon's progress line for catching up with the mesh (a new node's first sync, or one back
/// from a partition): while connected peers hold entries this node lacks, it logs every couple of
/// seconds how many are left and how fast they are coming, and once when it has caught up.
/// </summary>
internal sealed class CatchUpReporter(SyncNode sync, Datom.Log.DatomLog log, ILogger<CatchUpReporter> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        var behind = false;
        var lastCount = log.Count;
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                var peers = sync.Peers();
                var lacking = peers.Count == 0 ? 0 : peers.Max(p => p.EntriesWeLack);
                var count = log.Count;
                if (lacking > 0)
                {
                    var rate = (count - lastCount) / Interval.TotalSeconds;
                    DaemonLog.CatchingUp(logger, lacking, count, rate);
                    behind = true;
                }
                else if (behind)
                {
                    DaemonLog.CaughtUp(logger, count, peers.Count);
                    behind = false;
                }
                lastCount = count;
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}

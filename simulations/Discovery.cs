using Datom.Sync.Discovery;

namespace Datom.Simulations;

/// <summary>
/// A model of mDNS as the daemon meets it, and the daemon's rule for peers it stops hearing
/// (<see cref="LostPeers"/>, the code <c>datom run</c> runs). Each node hears another's records
/// while the link between them is up (its refresh queries are answered), and loses them
/// <see cref="TtlMs"/> after it last could; it then keeps dialing, or stops, as the rule says. A
/// node it stopped dialing is found again only when that node announces itself (on starting) or
/// answers one of this node's queries, which have long since backed off to one every
/// <see cref="MaxQueryIntervalMs"/> (RFC 6762 §5.2), as in a mesh that has been up for hours.
/// </summary>
/// <remarks>
/// Times are the daemon's divided by <see cref="Scale"/>, as the session's timers are (a pull every
/// 3 s rather than every minute): host records live 120 s (6 s here), queries back off to an hour
/// (3 min here), a lost peer is dialed for a day (72 min here, longer than any run).
/// </remarks>
internal sealed class Discovery(Simulation sim)
{
    public const int Scale = 20;

    public const long TtlMs = 120_000 / Scale;

    public const long MaxQueryIntervalMs = 3_600_000 / Scale;

    private readonly Dictionary<SimNode, LostPeers> _lost = [];
    private readonly Dictionary<SimNode, long> _nextQuery = [];
    private readonly Dictionary<SimNode, long> _queryInterval = [];

    /// <summary>A node joins the mesh: its queries run at their long interval, from a random phase; it is heard by those who can reach it (it announces).</summary>
    public void Joined(SimNode node, IEnumerable<Simulation.Link> links)
    {
        _lost[node] = new LostPeers(LostPeers.DefaultForgetAfter / Scale);
        _nextQuery[node] = sim.Scheduler.Now + 1 + sim.Random.NextInt64(MaxQueryIntervalMs);
        _queryInterval[node] = MaxQueryIntervalMs;
        Announced(node, links);
    }

    /// <summary>
    /// A node restarts: a new process, with an empty cache and a fresh rule, that queries after a
    /// second and then at doubling intervals; and it announces itself.
    /// </summary>
    public void Restarted(SimNode node, IReadOnlyList<Simulation.Link> links)
    {
        _lost[node] = new LostPeers(LostPeers.DefaultForgetAfter / Scale);
        _queryInterval[node] = 1_000;
        _nextQuery[node] = sim.Scheduler.Now + 1_000;
        foreach (var link in links.Where(l => l.Dialer == node))
        {
            link.Known = false;
            link.Lost = false;
        }
        Announced(node, links);
    }

    /// <summary>A node (re)starts and announces itself (RFC 6762 §8.3): every node that can reach it hears it.</summary>
    public void Announced(SimNode node, IEnumerable<Simulation.Link> links)
    {
        foreach (var link in links.Where(l => l.Listener == node && Reachable(l)))
            Heard(link, "announced");
    }

    /// <summary>Every second: records refresh over links that are up and expire over links that are not; queries fall due; the rule forgets.</summary>
    public void Tick(IReadOnlyList<Simulation.Link> links)
    {
        var now = sim.Scheduler.Now;
        foreach (var link in links)
        {
            if (!link.Known)
                continue;
            if (Reachable(link))
            {
                if (!link.Lost)
                    link.LastHeard = now;
            }
            else if (!link.Lost && now - link.LastHeard > TtlMs && link.Dialer.IsUp)
            {
                link.Lost = true;
                sim.Trace.Add($"{link.Dialer.Name}: the records of {link.Listener.Name} expired");
                foreach (var id in _lost[link.Dialer].Lost(link.Listener.Identity.Id, TimeSpan.FromMilliseconds(now)))
                    Forget(link.Dialer, id, links);
            }
        }
        foreach (var node in _lost.Keys.ToList())
        {
            foreach (var id in _lost[node].Expire(TimeSpan.FromMilliseconds(now)))
                Forget(node, id, links);
            if (node.IsUp && now >= _nextQuery[node])
            {
                _nextQuery[node] = now + _queryInterval[node];
                _queryInterval[node] = Math.Min(2 * _queryInterval[node], MaxQueryIntervalMs);
                foreach (var link in links.Where(l => l.Dialer == node && Reachable(l)))
                    Heard(link, "answered a query");
            }
        }
    }

    private void Heard(Simulation.Link link, string how)
    {
        if (!link.Known || link.Lost)
            sim.Trace.Add($"{link.Dialer.Name} finds {link.Listener.Name} again: it {how}");
        link.Known = true;
        link.Lost = false;
        link.LastHeard = sim.Scheduler.Now;
        _lost[link.Dialer].Seen(link.Listener.Identity.Id);
    }

    private void Forget(SimNode node, Datom.Log.Identity.NodeId id, IEnumerable<Simulation.Link> links)
    {
        foreach (var link in links.Where(l => l.Dialer == node && l.Listener.Identity.Id == id))
        {
            link.Known = false;
            link.Lost = false;
            sim.Trace.Add($"{node.Name} stops dialing {link.Listener.Name}");
        }
    }

    private bool Reachable(Simulation.Link link) =>
        link.Dialer.IsUp && link.Listener.IsUp && !sim.Network.IsCut(link.Dialer.Index, link.Listener.Index);
}

using Datom.Log.Identity;

namespace Datom.Sync.Discovery;

/// <summary>
/// What a node does about a peer whose mDNS records expired (its announcements stopped reaching us),
/// as a sans-IO rule: sightings, losses and the time go in; which peers to stop dialing comes out.
/// The daemon's discovery and the simulator's model of mDNS both run it.
/// </summary>
/// <remarks>
/// <para>Records expire on a partition as surely as on a departure: nothing tells the two apart, and
/// after a partition heals nobody re-announces (no link changed) while the browser's queries have
/// backed off towards an hour (RFC 6762 §5.2). So a lost peer is dialed on, with the dial loop's
/// capped backoff, and the dial finds it within <see cref="SyncNodeOptions.ReconnectMaxDelay"/> of
/// the network healing. An earlier rule forgot a lost peer after a 10-minute grace; a partition longer
/// than that then split the mesh until the next query, up to an hour later.</para>
/// <para>What it costs: one connection attempt per <see cref="SyncNodeOptions.ReconnectMaxDelay"/> to
/// each peer that really left, for <see cref="ForgetAfter"/> (a day), and at most
/// <see cref="MaxLost"/> of them (the longest lost are forgotten first).</para>
/// </remarks>
public sealed class LostPeers(TimeSpan forgetAfter, int maxLost = LostPeers.DefaultMaxLost)
{
    public const int DefaultMaxLost = 256;

    /// <summary>The daemon's: a peer unheard of for a day is forgotten (found again when it announces or answers a query).</summary>
    public static readonly TimeSpan DefaultForgetAfter = TimeSpan.FromDays(1);

    private readonly Dictionary<NodeId, TimeSpan> _lostSince = [];

    public TimeSpan ForgetAfter { get; } = forgetAfter;

    public int MaxLost { get; } = maxLost;

    public int Count => _lostSince.Count;

    /// <summary>The peer was heard from (discovered, or its records refreshed): it is not lost.</summary>
    public void Seen(NodeId peer) => _lostSince.Remove(peer);

    /// <summary>
    /// The peer's records expired. Returns the peers to forget now to stay within
    /// <see cref="MaxLost"/> (the longest lost first; usually none).
    /// </summary>
    public IReadOnlyList<NodeId> Lost(NodeId peer, TimeSpan now)
    {
        _lostSince.TryAdd(peer, now);
        if (_lostSince.Count <= MaxLost)
            return [];
        var evicted = _lostSince.OrderBy(p => p.Value).ThenBy(p => p.Key).Take(_lostSince.Count - MaxLost).Select(p => p.Key).ToList();
        foreach (var id in evicted)
            _lostSince.Remove(id);
        return evicted;
    }

    /// <summary>When <see cref="Expire"/> next has something to do; null if no peer is lost.</summary>
    public TimeSpan? PollTimeout() => _lostSince.Count == 0 ? null : _lostSince.Values.Min() + ForgetAfter;

    /// <summary>The peers lost for <see cref="ForgetAfter"/> by <paramref name="now"/>: stop dialing them.</summary>
    public IReadOnlyList<NodeId> Expire(TimeSpan now)
    {
        var expired = _lostSince.Where(p => now - p.Value >= ForgetAfter).Select(p => p.Key).Order().ToList();
        foreach (var id in expired)
            _lostSince.Remove(id);
        return expired;
    }
}

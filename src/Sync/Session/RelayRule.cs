namespace Datom.Sync.Session;

/// <summary>
/// Which peers hear of what a node stores: the one relay rule, used by the daemon's
/// <see cref="SyncNode"/> and by the simulator's nodes alike.
/// <list type="bullet">
/// <item>An entry written here, or pushed to us by a peer, is pushed on to every other connected
/// peer (not back to the one it came from).</item>
/// <item>Entries that arrived by a pull are not pushed one by one. Instead, when a pull round
/// stored anything, every other peer is told to pull from us (a resync hint), which costs each of
/// them only the difference.</item>
/// </list>
/// Only entries that passed every check of ingestion are ever stored, so only those are relayed.
/// </summary>
public static class RelayRule
{
    /// <summary>
    /// Calls <paramref name="push"/> for each peer a stored entry goes to: <paramref name="from"/>
    /// is the peer it came from (null if written here), <paramref name="live"/> whether it was pushed
    /// rather than pulled.
    /// </summary>
    public static void Push<TPeer>(IEnumerable<TPeer> peers, TPeer? from, bool live, Action<TPeer> push)
        where TPeer : class
    {
        if (from is not null && !live)
            return;
        foreach (var peer in peers)
        {
            if (!ReferenceEquals(peer, from))
                push(peer);
        }
    }

    /// <summary>Calls <paramref name="hint"/> for each peer to tell to pull after a pull round from <paramref name="from"/> stored news.</summary>
    public static void HintAfterPull<TPeer>(IEnumerable<TPeer> peers, TPeer from, Action<TPeer> hint)
        where TPeer : class
    {
        foreach (var peer in peers)
        {
            if (!ReferenceEquals(peer, from))
                hint(peer);
        }
    }
}

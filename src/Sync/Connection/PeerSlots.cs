using Datom.Log.Identity;

namespace Datom.Sync.Connection;

/// <summary>One running peer: its node id, and which of the processes using that key it is (<see cref="Protocol.SyncIdentity.Instance"/>; 0 if it did not say).</summary>
public readonly record struct PeerKey(NodeId NodeId, ulong Instance);

/// <summary>What <see cref="PeerSlots{T}"/> needs to know of a connection.</summary>
internal interface ISlotted
{
    PeerKey Remote { get; }

    bool IsInitiator { get; }

    bool IsClosing { get; }
}

/// <summary>
/// A node's connections, one per running peer. Two connections between the same two processes (both
/// dialed at once) are one too many: of those, the one initiated by the node with the smaller id is
/// kept, which both sides decide alike; of two in the same direction, the newer (the older may be
/// dead without having noticed yet). The slot is keyed by node id and instance, not node id alone:
/// the same key live on two machines (a copied data directory) is two peers, each of which must keep
/// its own connection. Keyed by node id alone, each copy's connection replaced the other's, and one
/// of them was often left with no peers at all. Not thread-safe: the owner locks.
/// </summary>
/// <remarks>Shared by the daemon's <c>SyncNode</c> and the simulator, so that the simulator's copied nodes test this rule.</remarks>
internal sealed class PeerSlots<T>(NodeId self)
    where T : class, ISlotted
{
    private readonly Dictionary<PeerKey, T> _slots = [];

    public int Count => _slots.Count;

    public IEnumerable<T> All => _slots.Values;

    /// <summary>
    /// Adds <paramref name="connection"/>, unless an open connection to the same peer is preferred to
    /// it (then <paramref name="refusal"/> says why). A connection it replaces is returned in
    /// <paramref name="replaced"/>, for the caller to close.
    /// </summary>
    public bool TryAdd(T connection, out T? replaced, out string refusal)
    {
        ArgumentNullException.ThrowIfNull(connection);
        replaced = null;
        refusal = "";
        if (_slots.TryGetValue(connection.Remote, out var existing) && !existing.IsClosing)
        {
            if (Preferred(existing) && !Preferred(connection))
            {
                refusal = "a connection to this node initiated by the node with the smaller id exists";
                return false;
            }
            replaced = existing;
        }
        _slots[connection.Remote] = connection;
        return true;
    }

    /// <summary>Removes <paramref name="connection"/> if it holds its slot; false if another has taken it.</summary>
    public bool Remove(T connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (!_slots.TryGetValue(connection.Remote, out var current) || !ReferenceEquals(current, connection))
            return false;
        _slots.Remove(connection.Remote);
        return true;
    }

    /// <summary>The open connection to that peer, if any.</summary>
    public T? Get(PeerKey peer) => _slots.TryGetValue(peer, out var c) && !c.IsClosing ? c : null;

    /// <summary>An open connection to any instance of <paramref name="node"/>, if any (for callers that know only the node id).</summary>
    public T? AnyOf(NodeId node) => _slots.Values.Where(c => c.Remote.NodeId == node && !c.IsClosing).MinBy(c => c.Remote.Instance);

    private bool Preferred(T c) => c.IsInitiator ? self < c.Remote.NodeId : c.Remote.NodeId < self;
}

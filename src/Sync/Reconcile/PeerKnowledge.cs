using Datom.Log;
using Datom.Log.Entries;
using Datom.Log.Identity;
using Datom.Log.Model;
using Datom.Sync.Protocol;

namespace Datom.Sync.Reconcile;

/// <summary>
/// What this node knows a peer holds: from its summaries, from the entries it sent us, and from the
/// entries we sent it. Used to skip pushes it does not need and to say how far apart the two are.
/// Thread-safe.
/// </summary>
internal sealed class PeerKnowledge
{
    private readonly Lock _gate = new();
    private readonly Dictionary<NodeId, ulong> _maxSeq = [];
    private readonly Dictionary<NodeId, HeadRef> _highestHeld = [];

    public void Observe(IReadOnlyList<AuthorHeads> summary)
    {
        lock (_gate)
        {
            foreach (var a in summary)
            {
                _maxSeq[a.Author] = Math.Max(a.MaxSeq, _maxSeq.GetValueOrDefault(a.Author));
                foreach (var h in a.Heads)
                    RaiseHeld(a.Author, h);
            }
        }
    }

    /// <summary>The peer holds (or is about to hold) this entry.</summary>
    public void Holds(NodeId author, EntryHash hash, ulong seq)
    {
        lock (_gate)
        {
            _maxSeq[author] = Math.Max(seq, _maxSeq.GetValueOrDefault(author));
            RaiseHeld(author, new HeadRef(hash, seq));
        }
    }

    /// <summary>
    /// True if the peer certainly holds <paramref name="entry"/>: it holds an entry K of the same author
    /// at or above its sequence number, we hold K too, and the author never forked here. Then the
    /// author's entries here are one chain, K descends from the only entry at the entry's number, which
    /// is the entry, and the peer (holding K) holds K's ancestry.
    /// </summary>
    public bool Covers(DatomLog log, Entry entry)
    {
        HeadRef known;
        lock (_gate)
        {
            if (!_highestHeld.TryGetValue(entry.Author, out known) || known.Seq < entry.Seq)
                return false;
        }
        return known.Hash == entry.Hash || (!log.IsForked(entry.Author) && log.Contains(known.Hash));
    }

    /// <summary>
    /// Entries we hold beyond what the peer is known to hold, and the reverse, counted per author by
    /// sequence number (exact for chains; an estimate across forks).
    /// </summary>
    public (long TheyLack, long WeLack) Distance(IReadOnlyList<AuthorSummary> ours)
    {
        long theyLack = 0, weLack = 0;
        lock (_gate)
        {
            var mine = new HashSet<NodeId>();
            foreach (var a in ours)
            {
                mine.Add(a.Author);
                var theirs = _maxSeq.GetValueOrDefault(a.Author);
                if (a.MaxSeq > theirs)
                    theyLack += (long)Math.Min(a.MaxSeq - theirs, long.MaxValue / 4);
                else
                    weLack += (long)Math.Min(theirs - a.MaxSeq, long.MaxValue / 4);
            }
            foreach (var (author, seq) in _maxSeq)
            {
                if (!mine.Contains(author))
                    weLack += (long)Math.Min(seq, long.MaxValue / 4);
            }
        }
        return (theyLack, weLack);
    }

    private void RaiseHeld(NodeId author, HeadRef head)
    {
        if (!_highestHeld.TryGetValue(author, out var current) || head.Seq > current.Seq)
            _highestHeld[author] = head;
    }
}

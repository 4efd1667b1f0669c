using Datom.Log;
using Datom.Log.Identity;
using Datom.Log.Model;
using Datom.Sync.Protocol;

namespace Datom.Sync.Reconcile;

/// <summary>What one side sends in answer to a pull: whole authors the puller has never heard of, and single entries.</summary>
internal sealed class SendPlan
{
    public HashSet<NodeId> WholeAuthors { get; } = [];

    public HashSet<EntryHash> Entries { get; } = [];

    /// <summary>Probe round trips this plan needed (0 unless the puller's heads were unknown here).</summary>
    public int Probes { get; set; }

    public int ProbedHashes { get; set; }

    public bool IsEmpty => WholeAuthors.Count == 0 && Entries.Count == 0;
}

/// <summary>
/// Decides what a peer lacks from its summary (each author's heads), walking only the part of the DAG
/// that differs.
/// </summary>
/// <remarks>
/// <para>A node's entries of author A are exactly the same-author ancestry of its A-heads (its store is
/// closed under parents). So for each of our authors:</para>
/// <list type="number">
/// <item>The puller names no heads of A: it lacks all of A.</item>
/// <item>We hold every head it names (the usual case: we are ahead, or level): it lacks exactly our A
/// entries outside the ancestry of its heads. We walk back from our heads that it did not name, in
/// decreasing sequence number, marking the ancestry of its heads as covered as the walk meets it,
/// and stop as soon as nothing uncovered is left; the walk touches the difference plus a boundary.</item>
/// <item>It names heads we lack (it is ahead of us, or A forked): we cannot see its ancestry, so we
/// ask (a probe) whether it holds our own uncovered heads; usually it does, and there is nothing to
/// send. Only after a fork do some remain: then we probe anchors below them at exponentially growing
/// distances (1, 2, 4, ... back), found by sequence number, and walk down to the highest held one.
/// The excess sent is at most about the length of the diverging branch; duplicates are harmless.</item>
/// </list>
/// <para>Cost: summaries are O(authors × heads); the walk is O(difference) (plus the distance from a
/// fork to the next anchor); at most two probe round trips, only when the puller is ahead or forked.</para>
/// </remarks>
internal sealed class Reconciler(DatomLog log, FrameLimits limits)
{
    /// <summary>An author the puller lacks entirely is walked entry by entry up to this size, else sent whole by a store scan.</summary>
    private const int WalkWholeAuthorLimit = 4096;

    /// <summary>This node's summary, capped by <see cref="FrameLimits"/> (see there for what capping costs).</summary>
    public IReadOnlyList<AuthorHeads> Summary()
    {
        var authors = log.Authors();
        var ordered = authors.OrderBy(a => a.Author).Take(limits.MaxAuthors);
        var result = new List<AuthorHeads>(Math.Min(authors.Count, limits.MaxAuthors));
        foreach (var a in ordered)
        {
            var heads = new List<HeadRef>(a.Heads.Count);
            foreach (var h in a.Heads)
            {
                if (log.TryGetLinks(h, out var links))
                    heads.Add(new HeadRef(h, links.Seq));
            }
            if (heads.Count > limits.MaxHeadsPerAuthor)
                heads = [.. heads.OrderByDescending(h => h.Seq).ThenBy(h => h.Hash).Take(limits.MaxHeadsPerAuthor)];
            if (heads.Count > 0)
                result.Add(new AuthorHeads(a.Author, a.MaxSeq, heads));
        }
        return result;
    }

    /// <summary>
    /// Plans what the peer lacks. <paramref name="probe"/> asks the peer which of some hashes it holds
    /// (one round trip); it is called at most twice per stage's chunk. Drives <see cref="Begin"/>, the
    /// step-by-step form that the sync session uses; this form is for callers that can wait.
    /// </summary>
    public async Task<SendPlan> PlanAsync(IReadOnlyList<AuthorHeads> peer, Func<IReadOnlyList<EntryHash>, Task<bool[]>> probe, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(probe);
        var planning = Begin(peer);
        while (planning.Question is { } question)
        {
            cancellationToken.ThrowIfCancellationRequested();
            planning.Answer(await probe(question).ConfigureAwait(false));
        }
        return planning.Plan;
    }

    /// <summary>
    /// Starts planning what the peer lacks, without waiting on anything: the result either holds the
    /// plan, or asks a <see cref="Planning.Question"/> (a probe: which of these hashes does the peer
    /// hold?) whose answer goes to <see cref="Planning.Answer"/>. Sans-IO, so that the daemon's
    /// connection and the simulator drive the same steps.
    /// </summary>
    public Planning Begin(IReadOnlyList<AuthorHeads> peer)
    {
        ArgumentNullException.ThrowIfNull(peer);
        var theirs = new Dictionary<NodeId, AuthorHeads>(peer.Count);
        foreach (var a in peer)
        {
            if (!theirs.TryAdd(a.Author, a))
                SyncThrow.Malformed($"summary names author {a.Author} twice");
        }

        var plan = new SendPlan();
        var unsure = new List<AuthorWork>();
        foreach (var ours in log.Authors())
        {
            if (!theirs.TryGetValue(ours.Author, out var their) || their.Heads.Count == 0)
            {
                // A small author is listed entry by entry (so a small plan is sorted, not found by
                // scanning the whole store); a large one is taken whole by the scan.
                if (ours.Entries <= WalkWholeAuthorLimit)
                    Walk(ours.Heads, [], plan.Entries);
                else
                    plan.WholeAuthors.Add(ours.Author);
                continue;
            }
            var named = new HashSet<EntryHash>(their.Heads.Select(h => h.Hash));
            var uncovered = ours.Heads.Where(h => !named.Contains(h)).ToList();
            if (uncovered.Count == 0)
                continue;
            var covered = their.Heads.Select(h => h.Hash).Where(log.Contains).ToList();
            if (covered.Count == their.Heads.Count)
                Walk(uncovered, covered, plan.Entries);
            else
                unsure.Add(new AuthorWork(ours.Author, uncovered, covered));
        }
        return new Planning(this, plan, unsure);
    }

    /// <summary>Stage 1 is done: which unsure authors are forked (the puller lacks some of our heads), and the anchors to probe below them.</summary>
    private List<EntryHash> Anchors(List<AuthorWork> unsure, HashSet<EntryHash> held, List<AuthorWork> forked)
    {
        foreach (var work in unsure)
        {
            foreach (var h in work.Uncovered.Where(held.Contains).ToList())
            {
                work.Uncovered.Remove(h);
                work.Covered.Add(h);
            }
            if (work.Uncovered.Count > 0)
                forked.Add(work);
        }
        // Stage 2 (forks only): anchors at exponentially growing distances below each uncovered head.
        var anchors = new List<EntryHash>();
        var seen = new HashSet<EntryHash>();
        var atSeq = new List<EntryHash>();
        foreach (var work in forked)
        {
            foreach (var h in work.Uncovered)
            {
                if (!log.TryGetLinks(h, out var links))
                    continue;
                for (ulong distance = 1; ; distance *= 2)
                {
                    var seq = links.Seq > distance ? links.Seq - distance : 1;
                    atSeq.Clear();
                    log.EntriesAtSeq(work.Author, seq, atSeq);
                    foreach (var a in atSeq)
                    {
                        if (seen.Add(a))
                            anchors.Add(a);
                    }
                    if (seq == 1)
                        break;
                }
            }
        }
        return anchors;
    }

    private void Finish(List<AuthorWork> forked, List<EntryHash> anchors, HashSet<EntryHash> heldAnchors, SendPlan plan)
    {
        foreach (var work in forked)
        {
            var covered = work.Covered.Concat(anchors.Where(a => heldAnchors.Contains(a) && IsBy(a, work.Author))).ToList();
            Walk(work.Uncovered, covered, plan.Entries);
        }
    }

    private int MaxProbeHashes => limits.MaxProbeHashes;

    private bool IsBy(EntryHash hash, NodeId author) => log.TryGetLinks(hash, out var links) && links.Author == author;

    /// <summary>
    /// One plan being made: either finished (<see cref="Question"/> is null, <see cref="Plan"/> is
    /// it), or waiting for the peer's answer to a probe. Probes go out in chunks of at most
    /// <see cref="FrameLimits.MaxProbeHashes"/>: stage 1 asks about our uncovered heads, stage 2
    /// (after a fork) about anchors below them.
    /// </summary>
    internal sealed class Planning
    {
        private readonly Reconciler _owner;
        private readonly List<AuthorWork> _unsure;
        private readonly List<AuthorWork> _forked = [];
        private readonly HashSet<EntryHash> _held = [];
        private List<EntryHash> _asking;
        private int _stage;
        private int _start;

        internal Planning(Reconciler owner, SendPlan plan, List<AuthorWork> unsure)
        {
            _owner = owner;
            Plan = plan;
            _unsure = unsure;
            _asking = unsure.SelectMany(w => w.Uncovered).Distinct().ToList();
            _stage = unsure.Count == 0 ? 3 : 1;
            Advance();
        }

        /// <summary>The plan (complete once <see cref="Question"/> is null).</summary>
        public SendPlan Plan { get; }

        /// <summary>The hashes to ask the peer about, or null once the plan is complete.</summary>
        public IReadOnlyList<EntryHash>? Question { get; private set; }

        /// <summary>The peer's answer to <see cref="Question"/>: for each hash, whether it holds it.</summary>
        public void Answer(bool[] held)
        {
            ArgumentNullException.ThrowIfNull(held);
            if (Question is not { } question)
                throw new InvalidOperationException("no probe is waiting for an answer");
            if (held.Length != question.Count)
                SyncThrow.Unexpected($"a probe of {question.Count} hashes answered with {held.Length}");
            for (var i = 0; i < question.Count; i++)
            {
                if (held[i])
                    _held.Add(question[i]);
            }
            Plan.Probes++;
            Plan.ProbedHashes += question.Count;
            _start += question.Count;
            Advance();
        }

        private void Advance()
        {
            while (true)
            {
                if (_stage == 3)
                {
                    Question = null;
                    return;
                }
                if (_start < _asking.Count)
                {
                    var limit = _owner.MaxProbeHashes;
                    Question = _asking.GetRange(_start, Math.Min(limit, _asking.Count - _start));
                    return;
                }
                if (_stage == 1)
                {
                    var anchors = _owner.Anchors(_unsure, _held, _forked);
                    _held.Clear();
                    _start = 0;
                    if (_forked.Count == 0)
                    {
                        _stage = 3;
                        continue;
                    }
                    _asking = anchors;
                    _stage = 2;
                    continue;
                }
                _owner.Finish(_forked, _asking, _held, Plan);
                _stage = 3;
            }
        }
    }
    /// <summary>
    /// Adds to <paramref name="into"/> every entry reachable from <paramref name="from"/> along
    /// same-author parents that is not in the same-author ancestry of <paramref name="covered"/>.
    /// </summary>
    /// <remarks>
    /// Entries are taken in decreasing sequence number. An ancestor always has a lower number than its
    /// descendant, and entries with equal numbers are never ancestors of one another, so when an entry
    /// is taken, every covered entry that could mark it has been taken already: its mark is final. The
    /// walk ends when no uncovered entry is waiting, so covered entries far below are never visited.
    /// </remarks>
    internal void Walk(IEnumerable<EntryHash> from, IEnumerable<EntryHash> covered, HashSet<EntryHash> into)
    {
        var state = new Dictionary<EntryHash, bool>();
        var queue = new PriorityQueue<(EntryHash Hash, EntryHash[] Parents), ulong>(DescendingSeq.Instance);
        var uncoveredWaiting = 0;

        void Discover(EntryHash hash, bool isCovered)
        {
            if (state.TryGetValue(hash, out var wasCovered))
            {
                if (isCovered && !wasCovered)
                {
                    state[hash] = true;
                    uncoveredWaiting--;
                }
                return;
            }
            if (!log.TryGetLinks(hash, out var links))
                return;
            state[hash] = isCovered;
            if (!isCovered)
                uncoveredWaiting++;
            queue.Enqueue((hash, links.OwnParents), links.Seq);
        }

        foreach (var c in covered)
            Discover(c, true);
        foreach (var h in from)
            Discover(h, false);
        while (uncoveredWaiting > 0 && queue.TryDequeue(out var item, out _))
        {
            var isCovered = state[item.Hash];
            if (!isCovered)
            {
                uncoveredWaiting--;
                into.Add(item.Hash);
            }
            foreach (var p in item.Parents)
                Discover(p, isCovered);
        }
    }

    internal sealed record AuthorWork(NodeId Author, List<EntryHash> Uncovered, List<EntryHash> Covered);

    private sealed class DescendingSeq : IComparer<ulong>
    {
        public static readonly DescendingSeq Instance = new();

        public int Compare(ulong x, ulong y) => y.CompareTo(x);
    }
}

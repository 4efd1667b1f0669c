using Datom.Log.Entries;
using Datom.Log.Identity;
using Datom.Log.Model;
using Datom.Sync.Protocol;
using Datom.Sync.Reconcile;

namespace Datom.Sync.Session;

/// <summary>
/// This node serving the peer's pulls (one at a time, one more may wait), and pushing what its log
/// stores once it has served the first.
/// </summary>
internal sealed partial class SyncSession
{
    private readonly Queue<Entry> _push = new();
    private SyncRequestMessage? _waitingRequest;
    private ServeRound? _serving;
    private PendingProbe? _probe;
    private bool _servedOnce;
    private bool _pushOverflowed;

    private void ReceiveRequest(SyncRequestMessage request, TimeSpan now)
    {
        if (_serving is null)
        {
            StartServe(request, now);
            return;
        }
        // The peer pulls one round at a time: one may be served while the next waits, no more.
        if (_waitingRequest is not null)
            SyncThrow.Unexpected($"pull request {request.Round} while two are already in progress");
        _waitingRequest = request;
    }

    private void StartServe(SyncRequestMessage request, TimeSpan now)
    {
        Knowledge.Observe(request.Authors);
        _serving = new ServeRound(request.Round, now, _reconciler.Begin(request.Authors));
        AfterPlanningStep(now);
    }

    /// <summary>The plan either asks the peer something (a probe) or is ready to be sent.</summary>
    private void AfterPlanningStep(TimeSpan now)
    {
        var serving = _serving!;
        if (serving.Planning.Question is { } question)
        {
            _probe = new PendingProbe(serving.Id, question.Count, now + _options.RequestTimeout);
            _control.Enqueue(new ProbeMessage(serving.Id, question));
            return;
        }
        serving.Order = SendOrder.Of(_log, serving.Planning.Plan).GetEnumerator();
    }

    private void ReceiveProbeReply(ProbeReplyMessage reply, TimeSpan now)
    {
        var pending = _probe;
        _probe = null;
        if (pending is null || pending.Round != reply.Round || pending.Count != reply.Count)
            SyncThrow.Unexpected($"probe reply for round {reply.Round} with {reply.Count} answers, which no probe asked for");
        var held = new bool[reply.Count];
        for (var i = 0; i < held.Length; i++)
            held[i] = reply.IsHeld(i);
        _serving!.Planning.Answer(held);
        AfterPlanningStep(now);
    }

    /// <summary>
    /// The next frame of the answer being served, read from the log now, in store order and in
    /// frames of about <see cref="FrameLimits.TargetFrameBytes"/>; after the last, the SyncDone.
    /// </summary>
    private SyncMessage? NextServed(TimeSpan now)
    {
        if (_serving is not { Order: { } order } serving)
            return null;
        var limits = _options.Limits;
        var budget = Math.Min(limits.TargetFrameBytes, _options.PeerMaxFrameBytes - 1024);
        var batch = new List<ReadOnlyMemory<byte>>();
        long bytes = 0;
        if (serving.Carried is { } carried)
        {
            batch.Add(carried);
            bytes += carried.Length + 5;
            serving.Carried = null;
        }
        while (order.MoveNext())
        {
            var (hash, author, seq) = order.Current;
            if (_log.ReadEncoded(hash) is not { } encoded)
                continue;
            serving.Sent++;
            Knowledge.Holds(author, hash, seq);
            if (batch.Count > 0 && (bytes + encoded.Length > budget || batch.Count >= limits.MaxEntriesPerFrame))
            {
                serving.Carried = encoded; // opens the next frame
                return new EntriesMessage(serving.Id, [.. batch]);
            }
            batch.Add(encoded);
            bytes += encoded.Length + 5;
        }
        if (batch.Count > 0)
            return new EntriesMessage(serving.Id, [.. batch]);

        order.Dispose();
        _serving = null;
        RoundsServed++;
        _events.Enqueue(new ServedEvent(serving.Id, serving.Sent, serving.Planning.Plan.Probes, serving.Planning.Plan.ProbedHashes, now - serving.Started));
        _servedOnce = true;
        var done = new SyncDoneMessage(serving.Id, serving.Sent);
        if (_waitingRequest is { } next)
        {
            _waitingRequest = null;
            StartServe(next, now);
        }
        return done;
    }

    /// <summary>
    /// Offers an entry the log just stored, to be pushed. Never waits: if the push queue is full the
    /// entry is dropped and, once the queue drains, the peer is asked to pull, which finds it by
    /// reconciliation.
    /// </summary>
    public void Offer(Entry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (IsClosed)
            return;
        if (_push.Count < _options.PushQueueCapacity)
        {
            _push.Enqueue(entry);
            return;
        }
        PushDropped();
    }

    /// <summary>An entry meant for the peer was dropped before it reached the session (the shell's own queue was full): the peer will be told to pull.</summary>
    public void PushDropped()
    {
        if (IsClosed)
            return;
        if (!_pushOverflowed)
            _events.Enqueue(new PushOverflowEvent(_options.PushQueueCapacity));
        _pushOverflowed = true;
    }

    /// <summary>Pushes, after the first round served (so that they follow the history they build on); entries the peer is known to hold are skipped.</summary>
    private SyncMessage? NextPush()
    {
        if (!_servedOnce)
            return null;
        var limits = _options.Limits;
        var batch = new List<ReadOnlyMemory<byte>>();
        long bytes = 0;
        while (batch.Count < limits.MaxEntriesPerFrame && bytes < limits.TargetFrameBytes && _push.TryDequeue(out var entry))
        {
            if (Knowledge.Covers(_log, entry))
                continue;
            batch.Add(entry.Encoded);
            bytes += entry.Encoded.Length + 5;
            Knowledge.Holds(entry.Author, entry.Hash, entry.Seq);
        }
        if (batch.Count > 0)
            return new EntriesMessage(0, [.. batch]);
        if (_push.Count == 0 && _pushOverflowed)
        {
            _pushOverflowed = false;
            return new ResyncHintMessage();
        }
        return null;
    }

    /// <summary>The peer's pull being answered: planning (maybe waiting on a probe), then sending.</summary>
    private sealed class ServeRound(uint id, TimeSpan started, Reconciler.Planning planning)
    {
        public uint Id { get; } = id;

        public TimeSpan Started { get; } = started;

        public Reconciler.Planning Planning { get; } = planning;

        /// <summary>The plan's entries in store order, once planning is done.</summary>
        public IEnumerator<(EntryHash Hash, NodeId Author, ulong Seq)>? Order { get; set; }

        /// <summary>An entry read that did not fit the last frame: it opens the next.</summary>
        public ReadOnlyMemory<byte>? Carried { get; set; }

        public long Sent { get; set; }
    }

    private sealed record PendingProbe(uint Round, int Count, TimeSpan Deadline);
}

using System.Buffers;
using Datom.Log;
using Datom.Log.Entries;
using Datom.Log.Model;
using Datom.Sync.Connection;
using Datom.Sync.Protocol;
using Datom.Sync.Reconcile;

namespace Datom.Simulations;

/// <summary>
/// One end of a sync connection between two simulated nodes, speaking the sync protocol of
/// DESIGN.md with the real parts of <c>src/Sync</c>: every message is encoded and decoded by
/// <see cref="FrameCodec"/>, pulls are planned by the <see cref="Reconciler"/> (probes included)
/// and sent in <see cref="SendOrder"/>, received entries are checked by the
/// <see cref="EntryVerifier"/> and taken by the log's ingest path. What the daemon runs as
/// concurrent loops (PeerConnection) runs here as events, one at a time, so a run replays.
/// </summary>
/// <remarks>
/// Each side pulls when the connection opens, when its peer hints, when a pushed entry arrives
/// without its parents, and every <see cref="AntiEntropyMs"/>; it serves the peer's pulls one at a
/// time; after its first serve it pushes what its log stores. A round that does not finish within
/// <see cref="RequestTimeoutMs"/> breaks the connection, as in the daemon.
/// </remarks>
internal sealed class Connection
{
    public const int AntiEntropyMs = 3_000;
    public const int RequestTimeoutMs = 5_000;

    private static readonly EntryVerifier Verifier = new(1, EntryLimits.Default);

    private readonly Simulation _sim;
    private readonly Reconciler _reconciler;
    private readonly FrameLimits _limits = FrameLimits.Default;
    private long _sent;
    private long _received;

    // Pulling.
    private uint _round;
    private bool _pulling;
    private bool _pullWanted;
    private long _roundStored;

    // Serving.
    private readonly Queue<SyncRequestMessage> _requests = new();
    private SyncRequestMessage? _serving;
    private Task<SendPlan>? _plan;
    private TaskCompletionSource<bool[]>? _probe;
    private bool _served;
    private readonly List<Entry> _pushBacklog = [];

    public Connection(Simulation sim, SimNode node, int id, bool initiator)
    {
        _sim = sim;
        Node = node;
        Id = id;
        IsInitiator = initiator;
        _reconciler = new Reconciler(node.Log!, _limits);
    }

    public SimNode Node { get; }

    public Connection Remote { get; set; } = null!;

    public int Id { get; }

    public bool IsInitiator { get; }

    public bool IsOpen { get; private set; } = true;

    public override string ToString() => $"{Node.Name}->{Remote.Node.Name}#{Id}";

    /// <summary>Starts the connection's work: a pull, and the anti-entropy timer.</summary>
    public void Start()
    {
        RequestPull();
        ScheduleAntiEntropy();
    }

    private void ScheduleAntiEntropy() =>
        _sim.Scheduler.After(AntiEntropyMs, () =>
        {
            if (!IsOpen)
                return;
            RequestPull();
            ScheduleAntiEntropy();
        });

    /// <summary>Breaks the connection at this end; the other end finds out after a delay, unless the link is cut (then after the keep-alive).</summary>
    public void Break(string why)
    {
        if (!IsOpen)
            return;
        Close(why);
        var remote = Remote;
        var delay = _sim.Network.IsCut(Node.Index, remote.Node.Index) ? Network.DetectCutMs + _sim.Network.Delay() : _sim.Network.Delay();
        _sim.Scheduler.After(delay, () => remote.Close("the peer closed the connection"));
    }

    /// <summary>Closes this end, at once (its process died, or it learned the other end closed).</summary>
    public void Close(string why)
    {
        if (!IsOpen)
            return;
        IsOpen = false;
        _sim.Trace.Add($"{this} closed: {why}");
        Node.Forget(this);
        _probe?.TrySetCanceled();
        _probe = null;
    }

    private void Send(SyncMessage message)
    {
        if (!IsOpen)
            return;
        _sim.Network.Transmit(this, _sent++, FrameCodec.Encode(message));
    }

    /// <summary>A frame from the other end arrives.</summary>
    public void Arrive(long number, byte[] frame)
    {
        if (!IsOpen || !Node.IsUp)
            return;
        if (number != _received)
        {
            // Noise would fail to decrypt it: its nonce is not the one expected.
            Break(number < _received ? $"frame {number} arrived again (expected {_received})" : $"frame {_received} never arrived (got {number})");
            return;
        }
        _received++;
        SyncMessage? message;
        try
        {
            var buffer = new ReadOnlySequence<byte>(frame);
            if (!FrameCodec.TryRead(ref buffer, _limits, out message) || !buffer.IsEmpty)
                throw new SimulationFailure($"{this}: frame {number} of {frame.Length} bytes does not decode to exactly one message");
        }
        catch (SyncProtocolException e)
        {
            throw new SimulationFailure($"{this}: an honest peer's frame fails to decode: {e.Message}");
        }
        Handle(message);
    }

    private void Handle(SyncMessage message)
    {
        switch (message)
        {
            case SyncRequestMessage request:
                if (_requests.Count >= 1 && _serving is not null)
                    throw new SimulationFailure($"{this}: the peer pulls again while two rounds are in progress");
                _requests.Enqueue(request);
                ServeNext();
                break;
            case ProbeMessage probe:
                var held = new bool[probe.Hashes.Count];
                for (var i = 0; i < held.Length; i++)
                    held[i] = Node.Log!.Contains(probe.Hashes[i]);
                Send(ProbeReplyMessage.Create(probe.Round, held));
                break;
            case ProbeReplyMessage reply:
                Answered(reply);
                break;
            case EntriesMessage entries:
                if (entries.Round != 0 && (!_pulling || entries.Round != _round))
                    throw new SimulationFailure($"{this}: entries for round {entries.Round}, which is not the pull in progress");
                Take(entries);
                break;
            case SyncDoneMessage done:
                if (!_pulling || done.Round != _round)
                    throw new SimulationFailure($"{this}: the end of round {done.Round}, which is not the pull in progress");
                _pulling = false;
                _sim.Trace.Add($"{this} pull {done.Round} done: {done.Sent} sent, {_roundStored} stored");
                if (_roundStored > 0)
                    Node.HintOthers(this);
                if (_pullWanted)
                    RequestPull();
                break;
            case ResyncHintMessage:
                RequestPull();
                break;
            default:
                throw new SimulationFailure($"{this}: unexpected {message.Type}");
        }
    }

    // ---- Pulling ----

    public void RequestPull()
    {
        if (!IsOpen)
            return;
        if (_pulling)
        {
            _pullWanted = true;
            return;
        }
        _pullWanted = false;
        _pulling = true;
        _roundStored = 0;
        var round = ++_round;
        Send(new SyncRequestMessage(round, _reconciler.Summary()));
        _sim.Scheduler.After(RequestTimeoutMs, () =>
        {
            if (IsOpen && _pulling && _round == round)
                Break($"pull round {round} was not answered within {RequestTimeoutMs} ms");
        });
    }

    public void Hint() => Send(new ResyncHintMessage());

    /// <summary>Verifies a frame of entries and hands them to the log in the order sent.</summary>
    private void Take(EntriesMessage message)
    {
        var batch = Verifier.Verify(message);
        var live = message.Round == 0;
        var stored = new List<Entry>();
        for (var i = 0; i < batch.Entries.Length; i++)
        {
            if (batch.Errors[i] is { } error)
                throw new SimulationFailure($"{this}: an honest peer sent an entry that fails verification: {error.Message}");
            var entry = batch.Entries[i]!;
            IngestResult result;
            try
            {
                result = Node.Log!.IngestVerifiedAsync(entry).GetAwaiter().GetResult();
            }
            catch (EntryRejectedException e) when (e.Reason is RejectReason.MissingParents or RejectReason.PendingBufferFull)
            {
                RequestPull();
                continue;
            }
            catch (EntryRejectedException e)
            {
                throw new SimulationFailure($"{this}: the log refuses an honest peer's entry {entry.Hash}: {e.Reason}: {e.Message}");
            }
            switch (result.Status)
            {
                case IngestStatus.Stored:
                    stored.Add(entry);
                    stored.AddRange(result.Released);
                    break;
                case IngestStatus.Held when live:
                    RequestPull(); // a push overtook its parents: a pull fills the gap
                    break;
            }
        }
        if (!live)
            _roundStored += stored.Count;
        if (stored.Count > 0)
            Node.Stored(stored, this);
    }

    // ---- Serving ----

    private void ServeNext()
    {
        if (_serving is not null || !_requests.TryDequeue(out var request))
            return;
        _serving = request;
        _plan = _reconciler.PlanAsync(request.Authors, Probe, CancellationToken.None);
        FinishServeIfPlanned();
    }

    /// <summary>The reconciler asks whether the peer holds some hashes: one round trip over the network.</summary>
    private Task<bool[]> Probe(IReadOnlyList<EntryHash> hashes)
    {
        // Completed by Answered on this thread; the reconciler's continuation then runs inline.
        _probe = new TaskCompletionSource<bool[]>();
        var round = _serving!.Round;
        var probe = _probe;
        Send(new ProbeMessage(round, hashes));
        _sim.Scheduler.After(RequestTimeoutMs, () =>
        {
            if (IsOpen && ReferenceEquals(_probe, probe))
                Break($"probe of round {round} was not answered within {RequestTimeoutMs} ms");
        });
        return probe.Task;
    }

    private void Answered(ProbeReplyMessage reply)
    {
        if (_probe is not { } pending || _serving is null || reply.Round != _serving.Round)
            throw new SimulationFailure($"{this}: a probe reply for round {reply.Round}, which no probe asked for");
        _probe = null;
        var held = new bool[reply.Count];
        for (var i = 0; i < held.Length; i++)
            held[i] = reply.IsHeld(i);
        pending.SetResult(held);
        FinishServeIfPlanned();
    }

    private void FinishServeIfPlanned()
    {
        if (_plan is null)
            return;
        if (!_plan.IsCompleted)
        {
            if (_probe is null)
                throw new SimulationFailure($"{this}: the reconciler continued off the simulation's thread (the run would not replay)");
            return; // waiting on a probe
        }
        var plan = _plan.GetAwaiter().GetResult();
        var request = _serving!;
        _plan = null;
        _serving = null;
        var sent = SendEntries(request.Round, Planned(plan));
        Send(new SyncDoneMessage(request.Round, sent));
        if (!_served)
        {
            _served = true;
            Push(_pushBacklog);
            _pushBacklog.Clear();
        }
        ServeNext();
    }

    // ---- Pushing ----

    /// <summary>Pushes entries the node just stored; before the first serve they wait, so pushes follow the history they build on.</summary>
    public void Offer(IReadOnlyList<Entry> entries)
    {
        if (!IsOpen)
            return;
        if (!_served)
            _pushBacklog.AddRange(entries);
        else
            Push(entries);
    }

    private void Push(IReadOnlyList<Entry> entries) => SendEntries(0, entries.Select(e => e.Encoded));

    /// <summary>The encoded entries of a plan, in store order.</summary>
    private IEnumerable<ReadOnlyMemory<byte>> Planned(SendPlan plan)
    {
        foreach (var (hash, _, _) in SendOrder.Of(Node.Log!, plan))
        {
            if (Node.Log!.ReadEncoded(hash) is { } encoded)
                yield return encoded;
        }
    }

    /// <summary>Sends entries in frames of about <see cref="FrameLimits.TargetFrameBytes"/>; returns how many.</summary>
    private long SendEntries(uint round, IEnumerable<ReadOnlyMemory<byte>> entries)
    {
        var batch = new List<ReadOnlyMemory<byte>>();
        long bytes = 0, sent = 0;
        foreach (var encoded in entries)
        {
            if (batch.Count > 0 && (bytes + encoded.Length > _limits.TargetFrameBytes || batch.Count >= _limits.MaxEntriesPerFrame))
            {
                Send(new EntriesMessage(round, [.. batch]));
                batch.Clear();
                bytes = 0;
            }
            batch.Add(encoded);
            bytes += encoded.Length + 5;
            sent++;
        }
        if (batch.Count > 0)
            Send(new EntriesMessage(round, [.. batch]));
        return sent;
    }
}

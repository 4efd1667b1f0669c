using System.Buffers;
using Datom.Log;
using Datom.Log.Entries;
using Datom.Sync.Connection;
using Datom.Sync.Protocol;
using Datom.Sync.Session;

namespace Datom.Simulations;

/// <summary>
/// One end of a sync connection between two simulated nodes: the simulator's shell around the
/// daemon's own protocol state machine, <see cref="SyncSession"/> (the code <c>PeerConnection</c>
/// runs over Noise). Every frame the session asks to send is encoded by <see cref="FrameCodec"/>,
/// numbered and carried by the <see cref="Network"/>; every frame that arrives is decoded and given
/// to the session; its timers are events of the <see cref="Scheduler"/>; its requests to verify and
/// ingest entries are done at once, on the simulation's one thread, by the real
/// <see cref="EntryVerifier"/> and the log's ingest path. So a run is a function of its seed, and the
/// seeds test the protocol the daemon speaks.
/// </summary>
/// <remarks>
/// The timers are the daemon's defaults scaled down (a pull every 3 s rather than every minute, a
/// Ping after 1 s of quiet, a peer silent for 3 s given up), so that a run of a few simulated minutes
/// goes through many rounds, and a cut link is noticed by the session's own keep-alive.
/// </remarks>
internal sealed class Connection : ISlotted
{
    public static readonly SessionOptions Options = new()
    {
        AntiEntropyInterval = TimeSpan.FromSeconds(3),
        RequestTimeout = TimeSpan.FromSeconds(5),
        PingInterval = TimeSpan.FromSeconds(1),
        IdleTimeout = TimeSpan.FromSeconds(3),
    };

    private static readonly EntryVerifier Verifier = new(1, EntryLimits.Default);

    private readonly Simulation _sim;
    private readonly SyncSession _session;
    private readonly FrameLimits _limits = FrameLimits.Default;
    private long _sent;
    private long _received;
    private long _timerAt = long.MaxValue;

    public Connection(Simulation sim, SimNode node, int id, bool initiator)
    {
        _sim = sim;
        Node = node;
        Id = id;
        IsInitiator = initiator;
        _session = new SyncSession(node.Log!, Options, Now);
    }

    public SimNode Node { get; }

    public Connection Remote { get; private set; } = null!;

    /// <summary>The peer as the node's connection slots know it: its node id and the instance (process) it runs as.</summary>
    public PeerKey RemoteKey { get; private set; }

    PeerKey ISlotted.Remote => RemoteKey;

    bool ISlotted.IsClosing => !IsOpen;

    public int Id { get; }

    public bool IsInitiator { get; }

    public bool IsOpen { get; private set; } = true;

    private TimeSpan Now => TimeSpan.FromMilliseconds(_sim.Scheduler.Now);

    public override string ToString() => $"{Node.Name}->{Remote.Node.Name}#{Id}";

    /// <summary>Joins the two ends of a new connection.</summary>
    public static void Join(Connection dialer, Connection listener)
    {
        dialer.Remote = listener;
        dialer.RemoteKey = new PeerKey(listener.Node.Identity.Id, listener.Node.Instance);
        listener.Remote = dialer;
        listener.RemoteKey = new PeerKey(dialer.Node.Identity.Id, dialer.Node.Instance);
    }

    /// <summary>Starts the connection's work: sends what the session opened with (its first pull) and arms its timer.</summary>
    public void Start() => Step(static (_, _) => { });

    /// <summary>
    /// Breaks the connection at this end; the other end finds out after a delay (a FIN or a reset),
    /// unless the link is cut: then only its keep-alive tells it.
    /// </summary>
    public void Break(string why)
    {
        if (!IsOpen)
            return;
        Close(why);
        var remote = Remote;
        if (!_sim.Network.IsCut(Node.Index, remote.Node.Index))
            _sim.Scheduler.After(_sim.Network.Delay(), () => remote.Close("the peer closed the connection"));
    }

    /// <summary>Closes this end, at once (its process died, or it learned the other end closed).</summary>
    public void Close(string why)
    {
        if (!IsOpen)
            return;
        IsOpen = false;
        _session.Close(SyncError.ConnectionClosed, why, goodbye: false);
        _sim.Trace.Add($"{this} closed: {why}");
        Node.Forget(this);
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
        Step((s, now) => s.Receive(message, now));
    }

    /// <summary>Entries the node stored (its own, or relayed from another peer): pushed once the session has served its first round.</summary>
    public void Offer(IReadOnlyList<Entry> entries) => Step((s, _) =>
    {
        foreach (var e in entries)
            s.Offer(e);
    });

    /// <summary>The node's pull through another connection brought news: this peer is told to pull.</summary>
    public void Hint() => Step(static (s, _) => s.Hint());

    /// <summary>
    /// One input to the session, then everything it asks for, at once: its events (verify, ingest,
    /// relay), its frames onto the network, and its next deadline onto the scheduler.
    /// </summary>
    private void Step(Action<SyncSession, TimeSpan> input)
    {
        if (!IsOpen)
            return;
        var now = Now;
        try
        {
            input(_session, now);
            while (_session.PollEvent(out var e))
                Do(e!, now);
        }
        catch (SyncProtocolException e) when (e.Error is SyncError.IdleTimeout or SyncError.RequestTimeout)
        {
            Break($"{e.Error}: {e.Message}");
            return;
        }
        catch (SyncProtocolException e)
        {
            throw new SimulationFailure($"{this}: the protocol failed between honest peers: {e.Error}: {e.Message}");
        }
        if (!IsOpen)
            return;
        while (_session.PollTransmit(now) is { } message)
            _sim.Network.Transmit(this, _sent++, FrameCodec.Encode(message));
        while (_session.PollEvent(out var served))
            Do(served!, now); // serving a round ends with an event
        Arm();
    }

    /// <summary>Schedules the session's next deadline, if it is earlier than the one already scheduled.</summary>
    private void Arm()
    {
        if (_session.PollTimeout() is not { } deadline)
            return;
        var at = (long)Math.Ceiling(deadline.TotalMilliseconds);
        if (at >= _timerAt)
            return;
        _timerAt = at;
        _sim.Scheduler.At(at, () =>
        {
            if (_timerAt != at)
                return; // a later deadline replaced it, or an earlier one ran
            _timerAt = long.MaxValue;
            Step(static (s, now) => s.HandleTimeout(now));
        });
    }

    private void Do(SessionEvent e, TimeSpan now)
    {
        switch (e)
        {
            case VerifyEvent verify:
                _session.Verified(Verifier.Verify(verify.Entries), now);
                break;
            case EndOfRoundEvent end:
                _session.Verified(VerifiedBatch.EndOfRound(end.Done), now);
                break;
            case FailEvent fail:
                throw new SimulationFailure($"{this}: an honest peer sent an entry that fails verification: {fail.Error.Message}");
            case IngestEvent ingest:
                Ingest(ingest, now);
                break;
            case NotArrivingEvent:
                break;
            case NotAcceptedEvent notAccepted:
                _sim.Trace.Add($"{this} not accepted: {notAccepted.Reason}");
                break;
            case PullCompletedEvent pulled:
                _sim.Trace.Add($"{this} pull {pulled.Round} done: {pulled.Received} received, {pulled.Stored} stored");
                break;
            case HintOthersEvent:
                Node.HintOthers(this);
                break;
            case ServedEvent served:
                _sim.Trace.Add($"{this} served {served.Round}: {served.Sent} sent, {served.Probes} probes");
                break;
            case PushOverflowEvent:
                _sim.Trace.Add($"{this} push queue overflowed");
                break;
            case GoodbyeEvent goodbye:
                Close($"the peer said goodbye: {goodbye.Error}: {goodbye.Reason}");
                break;
            default:
                throw new SimulationFailure($"{this}: the session asked for {e.GetType().Name}, which this shell does not know");
        }
    }

    /// <summary>Hands an entry to the log's ingest path (the simulation waits for it to be durable) and the outcome back to the session.</summary>
    private void Ingest(IngestEvent ingest, TimeSpan now)
    {
        IngestResult result;
        try
        {
            result = Node.Log!.IngestVerifiedAsync(ingest.Entry).GetAwaiter().GetResult();
        }
        catch (EntryRejectedException e)
        {
            try
            {
                _session.Refused(ingest.Entry, e, now);
            }
            catch (SyncProtocolException)
            {
                throw new SimulationFailure($"{this}: the log refuses an honest peer's entry {ingest.Entry.Hash}: {e.Reason}: {e.Message}");
            }
            return;
        }
        _session.Ingested(result, now);
        if (result.Status == IngestStatus.Stored)
            Node.Stored([result.Entry, .. result.Released], this, ingest.Live);
    }
}

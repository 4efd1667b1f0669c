using Datom.Log;
using Datom.Log.Model;
using Datom.Sync.Protocol;
using Datom.Sync.Reconcile;

namespace Datom.Sync.Session;

/// <summary>
/// The sync protocol of one connection, written once, as a sans-IO state machine (after quinn-proto's
/// <c>Connection</c> and h11's <c>Connection</c>): the peer's messages, the log's ingest results,
/// entries the log stored and timer ticks go in; frames to send (<see cref="PollTransmit"/>),
/// things to do (<see cref="PollEvent"/>) and the next deadline (<see cref="PollTimeout"/>) come
/// out. It never blocks, reads no clock and owns no thread, socket or task: the daemon's
/// <c>PeerConnection</c> runs it over Noise and pipelines, the simulator over its simulated
/// network, so that the simulator's seeds test the protocol the daemon speaks.
/// </summary>
/// <remarks>
/// <para>The protocol. Each side pulls: it sends its summary (SyncRequest) when the connection opens,
/// when the peer hints (ResyncHint), when a pushed entry arrives without its parents, and every
/// <see cref="SessionOptions.AntiEntropyInterval"/>; one round at a time. Each side serves: it answers
/// the peer's summary with what the peer lacks (probing when it cannot tell), one round at a time
/// with at most one more waiting, in frames and then a SyncDone. After its first serve it pushes
/// what its log stores (pushes then follow the history they build on). It pings when quiet and
/// gives up on a peer silent for <see cref="SessionOptions.IdleTimeout"/>, or on a round or probe
/// not answered within <see cref="SessionOptions.RequestTimeout"/>.</para>
/// <para>It reads the local log (summaries, plans, probes, the entries it serves) synchronously, as
/// local state; every write to the log (ingest) is an event whose result comes back as an input,
/// because that one waits for the disk.</para>
/// <para>A violation by the peer throws <see cref="SyncProtocolException"/> out of the input that
/// met it (or comes out as a <see cref="FailEvent"/> where the shell must first finish what came
/// before); the session is then dead and the shell closes the connection, with
/// <see cref="Close"/> for the Goodbye. Not thread-safe: the shell calls it under one lock.</para>
/// </remarks>
internal sealed partial class SyncSession
{
    private readonly DatomLog _log;
    private readonly SessionOptions _options;
    private readonly Reconciler _reconciler;
    private readonly Queue<SessionEvent> _events = new();

    /// <summary>Frames to send ahead of served entries and pushes: requests, probes and their replies, hints, pings.</summary>
    private readonly Queue<SyncMessage> _control = new();

    /// <summary>Pongs waiting, capped: a Pong is advisory, and a peer that floods Pings gets no more than this many back at once.</summary>
    private readonly Queue<PongMessage> _pongs = new();

    private const int MaxPendingPongs = 8;

    private GoodbyeMessage? _goodbye;
    private bool _goodbyeSent;

    public SyncSession(DatomLog log, SessionOptions options, TimeSpan now)
    {
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(options);
        _log = log;
        _options = options;
        _reconciler = new Reconciler(log, options.Limits);
        _lastReceived = _lastSent = now;
        _lastPing = now;
        // The first pull goes out at once: both sides then hold what the other held at the start.
        StartPull(now);
    }

    /// <summary>What this node knows the peer holds (for skipping pushes, and for <c>datom peers</c>).</summary>
    public PeerKnowledge Knowledge { get; } = new();

    public long EntriesSent { get; private set; }

    public long EntriesReceived { get; private set; }

    public long EntriesStored { get; private set; }

    public int PullsCompleted { get; private set; }

    public int RoundsServed { get; private set; }

    /// <summary>Closed: by <see cref="Close"/>, or by the peer's Goodbye. Nothing more goes out but the Goodbye.</summary>
    public bool IsClosed { get; private set; }

    /// <summary>A message from the peer, decoded. Throws <see cref="SyncProtocolException"/> if the protocol does not allow it now.</summary>
    public void Receive(SyncMessage message, TimeSpan now)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (IsClosed)
            return;
        Heard(now);
        switch (message)
        {
            case EntriesMessage entries:
                CheckRound(entries.Round, "entries");
                EntriesReceived += entries.Entries.Count;
                _events.Enqueue(new VerifyEvent(entries));
                break;
            case SyncDoneMessage done:
                CheckRound(done.Round, "the end of a round");
                _events.Enqueue(new EndOfRoundEvent(done));
                break;
            case SyncRequestMessage request:
                ReceiveRequest(request, now);
                break;
            case ProbeMessage probe:
                AnswerProbe(probe);
                break;
            case ProbeReplyMessage reply:
                ReceiveProbeReply(reply, now);
                break;
            case ResyncHintMessage:
                RequestPull(now);
                break;
            case PingMessage ping:
                if (_pongs.Count < MaxPendingPongs)
                    _pongs.Enqueue(new PongMessage(ping.Nonce));
                break;
            case PongMessage:
                break;
            case GoodbyeMessage goodbye:
                IsClosed = true;
                _goodbyeSent = true; // never answer a Goodbye with one
                _events.Enqueue(new GoodbyeEvent(goodbye.Error, goodbye.Reason));
                break;
            case HelloMessage:
                SyncThrow.Unexpected("a second Hello");
                break;
            default:
                SyncThrow.Unexpected(message.Type.ToString());
                break;
        }
    }

    /// <summary>
    /// Closes the session. With <paramref name="goodbye"/>, one last frame, a Goodbye naming
    /// <paramref name="error"/>, comes out of <see cref="PollTransmit"/> before anything else
    /// still waiting (which is dropped). The first close wins.
    /// </summary>
    public void Close(SyncError error, string reason, bool goodbye)
    {
        ArgumentNullException.ThrowIfNull(reason);
        if (IsClosed)
            return;
        IsClosed = true;
        if (goodbye)
            _goodbye = new GoodbyeMessage(error, reason.Length <= _options.Limits.MaxReasonBytes / 4 ? reason : reason[..(_options.Limits.MaxReasonBytes / 4)]);
    }

    /// <summary>The next thing for the shell to do, if any.</summary>
    public bool PollEvent(out SessionEvent? next) => _events.TryDequeue(out next);

    /// <summary>
    /// The next frame to send, or null if there is none now. Served entries are read from the log a
    /// frame at a time as the shell asks, so a shell that asks only when it has room to send
    /// (a flushed socket) holds at most a frame of a large answer in memory.
    /// </summary>
    public SyncMessage? PollTransmit(TimeSpan now)
    {
        var message = NextTransmit(now);
        if (message is not null)
        {
            _lastSent = now;
            if (message is EntriesMessage entries)
                EntriesSent += entries.Entries.Count;
        }
        return message;
    }

    private SyncMessage? NextTransmit(TimeSpan now)
    {
        if (IsClosed)
        {
            if (_goodbye is null || _goodbyeSent)
                return null;
            _goodbyeSent = true;
            return _goodbye;
        }
        if (_control.TryDequeue(out var control))
            return control;
        if (_pongs.TryDequeue(out var pong))
            return pong;
        return NextServed(now) ?? NextPush();
    }

    /// <summary>Something arrived from the peer (any bytes, not only whole messages): it is alive.</summary>
    public void Heard(TimeSpan now)
    {
        if (now > _lastReceived)
            _lastReceived = now;
    }

    /// <summary>Entries in a frame are counted as received here, once they are known to belong (a push, or the pull in progress).</summary>
    private void CheckRound(uint round, string what)
    {
        if (round == 0 && what == "entries")
            return; // a live push
        if (_pull is not { } pull || pull.Id != round)
            SyncThrow.Unexpected($"{what} for round {round}, which is not the pull in progress");
    }
}

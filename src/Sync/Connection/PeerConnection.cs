using System.Net;
using System.Threading.Channels;
using Datom.Log;
using Datom.Log.Entries;
using Datom.Log.Identity;
using Datom.Sync.Noise;
using Datom.Sync.Protocol;
using Datom.Sync.Session;
using Datom.Sync.Transport;
using Microsoft.Extensions.Logging;

namespace Datom.Sync.Connection;

/// <summary>
/// One authenticated connection to a peer, after the handshake: the I/O shell around the sync
/// protocol's state machine (<see cref="SyncSession"/>), which decides everything the protocol does.
/// The shell runs it over Noise and pipelines as loops joined by bounded channels:
/// <code>
/// socket ─► reader ─► session.Receive ─► inbound (Verify, EndOfRound) ─► verifier (all cores) ─► ingester ─► log
///                                                                           session.Verified/Ingested ◄─┘
/// log.EntryStored ─► push queue ─► session.Offer
/// session.PollTransmit ─► writer ─► socket        session.PollTimeout ─► timer ─► session.HandleTimeout
/// </code>
/// Every call into the session is made under one lock, and what it asks for (its events) is done by
/// the loop that called it, outside the lock. Every channel is bounded and waits when full, so a slow
/// consumer slows the reader and, through TCP, the peer; nothing fed from the network grows without
/// bound. The writer asks the session for a frame only when it has room to send, so a large answer
/// is read from the log a frame at a time. The push queue is the exception that does not wait (it is
/// fed by the log's commit thread): when full, pushes are dropped and the peer is asked to pull
/// instead. The first loop to fail closes the connection.
/// </summary>
internal sealed partial class PeerConnection : IAsyncDisposable, ISlotted
{
    private readonly IPeerHost _host;
    private readonly DatomLog _log;
    private readonly SyncNodeOptions _options;
    private readonly FrameLimits _limits;
    private readonly ILogger _logger;
    private readonly TransportConnection _connection;
    private readonly NoiseTransport _noise;
    private readonly TokenBucket _bucket;
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource<(SyncError Error, string Reason)> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _firstPull = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private readonly Channel<SessionEvent> _inbound = Bounded<SessionEvent>(4, singleReader: true, singleWriter: true);
    private readonly Channel<Task<VerifiedBatch>> _verified = Bounded<Task<VerifiedBatch>>(2, singleReader: true, singleWriter: true);
    private readonly Channel<Entry> _push;

    private long _bytesSent;
    private long _bytesReceived;

    public PeerConnection(IPeerHost host, TransportConnection connection, HandshakeResult handshake, bool initiator)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(handshake);
        _host = host;
        _log = host.Log;
        _options = host.Options;
        _limits = _options.Limits;
        _logger = host.Logger;
        _connection = connection;
        _noise = handshake.Transport;
        _bucket = new TokenBucket(_options.MaxEntriesPerSecond, _options.EntryBurst, _options.Time);
        _push = Channel.CreateBounded<Entry>(new BoundedChannelOptions(Math.Max(1, _options.PushQueueCapacity))
        {
            FullMode = BoundedChannelFullMode.Wait, // TryWrite then fails instead of waiting; see OfferPush
            SingleReader = true,
            SingleWriter = false,
        });
        RemoteId = handshake.Remote.NodeId;
        Remote = new PeerKey(RemoteId, handshake.Remote.Instance ?? 0);
        Agent = handshake.Remote.Agent;
        PeerMaxFrameBytes = handshake.Remote.MaxFrameBytes;
        RemoteEndPoint = connection.RemoteEndPoint;
        Direction = initiator ? PeerDirection.Outbound : PeerDirection.Inbound;
        IsInitiator = initiator;
        ConnectedSince = _options.Time.GetUtcNow();
        ClockOffset = handshake.ClockOffset;
        _bytesSent = handshake.BytesSent;
        _bytesReceived = handshake.BytesReceived;
        _origin = _options.Time.GetTimestamp();
        _session = new SyncSession(_log, SessionOptions.From(_options, handshake.Remote.MaxFrameBytes), TimeSpan.Zero);
    }

    public NodeId RemoteId { get; }

    /// <summary>The peer's node id and instance (which of the processes using that key this is).</summary>
    public PeerKey Remote { get; }

    public string Agent { get; }

    /// <summary>The peer's wall clock less ours, from its Hello; null if it sent none.</summary>
    public TimeSpan? ClockOffset { get; }

    public EndPoint RemoteEndPoint { get; }

    public string RemoteText => PeerAddress.Format(RemoteEndPoint);

    public PeerDirection Direction { get; }

    public bool IsInitiator { get; }

    public DateTimeOffset ConnectedSince { get; }

    /// <summary>The largest frame the peer accepts (from its Hello).</summary>
    public int PeerMaxFrameBytes { get; }

    /// <summary>Completes when the connection has closed, with why.</summary>
    public Task<(SyncError Error, string Reason)> Closed => _closed.Task;

    /// <summary>Completes when this node's first pull from the peer has finished (both logs then hold what the peer held at its start).</summary>
    public Task FirstPullCompleted => _firstPull.Task;

    public bool IsClosing => _stop.IsCancellationRequested || _closing != 0;

    public DateTimeOffset? LastPullCompleted { get; private set; }

    public PeerInfo Describe(IReadOnlyList<AuthorSummary> ours)
    {
        lock (_sessionGate)
        {
            var (theyLack, weLack) = _session.Knowledge.Distance(ours);
            return new PeerInfo(RemoteId, RemoteEndPoint, Direction, Agent, ConnectedSince,
                _session.EntriesSent, _session.EntriesReceived, _session.EntriesStored,
                Interlocked.Read(ref _bytesSent), Interlocked.Read(ref _bytesReceived),
                theyLack, weLack, _session.PullsCompleted, _session.RoundsServed, LastPullCompleted, ClockOffset);
        }
    }

    /// <summary>Runs the connection until it closes; returns why it closed. Never throws for the peer's faults.</summary>
    public async Task<(SyncError Error, string Reason)> RunAsync(CancellationToken cancellationToken)
    {
        await using var registration = cancellationToken.Register(() => Close(SyncError.ShuttingDown, "this node is stopping", goodbye: true)).ConfigureAwait(false);
        Task[] loops =
        [
            Loop(ReadLoopAsync),
            Loop(WriteLoopAsync),
            Loop(VerifyLoopAsync),
            Loop(IngestLoopAsync),
            Loop(TimerLoopAsync),
        ];
        await Task.WhenAll(loops).ConfigureAwait(false);
        await _connection.DisposeAsync().ConfigureAwait(false);
        var result = _closed.Task.IsCompleted ? await _closed.Task.ConfigureAwait(false) : (SyncError.ConnectionClosed, "closed");
        _closed.TrySetResult(result);
        _firstPull.TrySetCanceled(CancellationToken.None);
        return result;
    }

    /// <summary>
    /// Closes the connection, first sending a Goodbye naming <paramref name="error"/> if asked. The
    /// first reason given is the one reported.
    /// </summary>
    public void Close(SyncError error, string reason, bool goodbye)
    {
        if (Interlocked.Exchange(ref _closing, 1) != 0)
            return;
        _closed.TrySetResult((error, reason));
        lock (_sessionGate)
            _session.Close(error, reason, goodbye);
        if (goodbye)
        {
            _writeWanted.Writer.TryWrite(true);
            // The writer stops once the Goodbye is flushed; this bounds the wait if it cannot be.
            try
            {
                _stop.CancelAfter(TimeSpan.FromSeconds(1));
            }
            catch (ObjectDisposedException)
            {
            }
        }
        else
        {
            Stop();
        }
    }

    public async ValueTask DisposeAsync()
    {
        Stop();
        await _connection.DisposeAsync().ConfigureAwait(false);
        _noise.Dispose();
        _stop.Dispose();
    }

    private int _closing;

    private void Stop()
    {
        try
        {
            _stop.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <summary>Runs one loop; its failure closes the connection with a named reason.</summary>
    private async Task Loop(Func<CancellationToken, Task> body)
    {
        var token = _stop.Token;
        try
        {
            await body(token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
        catch (ChannelClosedException) when (token.IsCancellationRequested)
        {
        }
        catch (SyncProtocolException e)
        {
            if (e.IsMisbehaviour && _closing == 0)
            {
                var ban = _host.Misbehaved(this, e);
                SyncLog.Misbehaved(_logger, RemoteId, RemoteText, ban, e.Error, e.Message);
            }
            Close(e.Error, e.Message, goodbye: e.Error is not (SyncError.ConnectionClosed or SyncError.Truncated or SyncError.DecryptionFailed));
        }
        catch (IOException e)
        {
            Close(SyncError.ConnectionClosed, e.Message, goodbye: false);
        }
        catch (ObjectDisposedException e) when (_closing != 0 || token.IsCancellationRequested)
        {
            _ = e;
        }
        catch (Exception e)
        {
            if (_closing == 0)
                SyncLog.ConnectionFault(_logger, RemoteId, e);
            Close(SyncError.ConnectionClosed, "internal error: " + e.Message, goodbye: false);
        }
        finally
        {
            // One loop ending ends them all; the Goodbye (if any) still goes out first.
            if (_closing == 0)
                Close(SyncError.ConnectionClosed, "closed", goodbye: false);
        }
    }

    private static Channel<T> Bounded<T>(int capacity, bool singleReader, bool singleWriter) =>
        Channel.CreateBounded<T>(new BoundedChannelOptions(capacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = singleReader,
            SingleWriter = singleWriter,
        });

    private void Received(long bytes)
    {
        Interlocked.Add(ref _bytesReceived, bytes);
        Step(static (s, now) => s.Heard(now));
    }

    private void Sent(long bytes) => Interlocked.Add(ref _bytesSent, bytes);
}

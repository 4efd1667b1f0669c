using System.Net;
using System.Net.Sockets;
using Datom.Log.Identity;
using Datom.Sync.Connection;
using Datom.Sync.Protocol;
using Datom.Sync.Transport;

namespace Datom.Sync;

/// <summary>Outgoing connections: one dial loop per known address, reconnecting with backoff and jitter.</summary>
public sealed partial class SyncNode
{
    /// <summary>A connection that lasted this long was healthy: the next reconnect starts from the base delay.</summary>
    private static readonly TimeSpan HealthyConnection = TimeSpan.FromSeconds(10);

    /// <summary>Keeps a connection to <paramref name="address"/> from now on (until <see cref="RemovePeer"/>). Returns false if it is already known.</summary>
    public bool AddPeer(PeerAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        DialTarget target;
        bool start;
        lock (_gate)
        {
            if (_stopped || _targets.ContainsKey(address.EndPoint))
                return false;
            target = new DialTarget(address, CancellationTokenSource.CreateLinkedTokenSource(_lifetime.Token));
            _targets[address.EndPoint] = target;
            start = _started;
        }
        if (start)
            StartDialing(target);
        return true;
    }

    /// <summary>Stops dialing <paramref name="endPoint"/> (an open connection to it stays until it closes).</summary>
    public bool RemovePeer(EndPoint endPoint)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        DialTarget? target;
        lock (_gate)
        {
            if (!_targets.Remove(endPoint, out target))
                return false;
        }
        target.Stop();
        return true;
    }

    /// <summary>
    /// Cuts short the backoff of every address waiting to be dialed again (or of those in
    /// <paramref name="endPoints"/>) and forgets their failures: for when the network has just
    /// changed (a link came back, an address appeared) or discovery has just heard from the peer,
    /// so that failures counted before say nothing about now. Without this, a node whose link
    /// returns after a long partition waits out a backoff of up to <see cref="SyncNodeOptions.ReconnectMaxDelay"/>.
    /// Addresses that are connected or being dialed are not affected. Returns how many were woken.
    /// </summary>
    public int RetryNow(IEnumerable<EndPoint>? endPoints = null)
    {
        DialTarget[] targets;
        lock (_gate)
        {
            targets = endPoints is null
                ? [.. _targets.Values]
                : [.. endPoints.Select(e => _targets.GetValueOrDefault(e)).OfType<DialTarget>().Distinct()];
        }
        return targets.Count(t => t.Wake());
    }

    /// <summary>The addresses this node dials, and how that is going.</summary>
    public IReadOnlyList<PeerTargetInfo> Targets()
    {
        lock (_gate)
            return [.. _targets.Values.Select(t => t.Describe())];
    }

    private void StartDialing(DialTarget target) => Track(DialLoopAsync(target));

    private async Task DialLoopAsync(DialTarget target)
    {
        var token = target.Token;
        while (!token.IsCancellationRequested)
        {
            if (target.Peer is { } known && TryGetConnection(known, out var existing))
            {
                // Connected to that node already (it dialed us): wait for that connection to end.
                // Once a handshake here has said which instance answers at this address, only a
                // connection to that instance counts: another machine with the same key is another peer.
                target.Set(PeerTargetState.ConnectedElsewhere);
                try
                {
                    await existing.Closed.WaitAsync(token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
                target.Failures = 0;
                continue;
            }

            target.Set(PeerTargetState.Connecting);
            SyncError? error = null;
            string? reason = null;
            var lasted = false;
            if (!AdmitOutbound())
            {
                (error, reason) = (SyncError.ConnectionLimit, $"{_options.MaxConnections} connections already");
            }
            else
            {
                try
                {
                    (error, reason, lasted) = await DialOnceAsync(target, token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (token.IsCancellationRequested)
                {
                    break;
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // Whatever went wrong, this address is dialed again later: the loop never dies.
                    SyncLog.UnexpectedFault(_logger, target.Address, e);
                    (error, reason) = (SyncError.ConnectionClosed, e.Message);
                }
                finally
                {
                    ReleaseOutbound();
                }
            }

            if (error == SyncError.SelfConnection)
            {
                SyncLog.SelfDial(_logger, target.Address);
                target.Set(PeerTargetState.Stopped);
                return;
            }
            target.Failures = lasted ? 0 : target.Failures + 1;
            var delay = Backoff.Delay(target.Failures, _options.ReconnectBaseDelay, _options.ReconnectMaxDelay);
            target.Retry(error, reason, _time.GetUtcNow() + delay);
            if (!lasted && error is not SyncError.DuplicateConnection)
                SyncLog.DialFailed(_logger, target.Address, error, reason, delay);
            try
            {
                if (await target.WaitToRetryAsync(delay, _time, token).ConfigureAwait(false))
                    target.Failures = 0; // woken by RetryNow: the network changed since those failures
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        target.Set(PeerTargetState.Stopped);
    }

    private async Task<(SyncError? Error, string? Reason, bool Lasted)> DialOnceAsync(DialTarget target, CancellationToken token)
    {
        TransportConnection connection;
        try
        {
            using var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(token);
            connectTimeout.CancelAfter(_options.ConnectTimeout);
            try
            {
                connection = await _options.Transport.ConnectAsync(target.Address.EndPoint, connectTimeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!token.IsCancellationRequested)
            {
                return (SyncError.ConnectionClosed, $"no answer within {_options.ConnectTimeout.TotalSeconds:0.#} s", false);
            }
        }
        catch (SocketException e)
        {
            return (SyncError.ConnectionClosed, e.Message, false);
        }

        await using (connection.ConfigureAwait(false))
        {
            HandshakeResult handshake;
            try
            {
                handshake = await SecureHandshake.RunAsync(connection, initiator: true, _identity, _meshKey, _options.Limits, _options.Agent,
                    _options.HandshakeTimeout, _time, target.Address.ExpectedId, token).ConfigureAwait(false);
            }
            catch (SyncProtocolException e)
            {
                if (e.Error != SyncError.SelfConnection)
                    SyncLog.HandshakeFailed(_logger, target.Address.ToString(), e.Error, e.Message);
                return (e.Error, e.Message, false);
            }
            catch (Exception e) when (e is IOException or SocketException)
            {
                return (SyncError.ConnectionClosed, e.Message, false);
            }
            target.NodeId = handshake.Remote.NodeId;
            target.Instance = handshake.Remote.Instance ?? 0;
            target.Set(PeerTargetState.Connected);
            var started = _time.GetTimestamp();
            var (error, reason) = await RunPeerAsync(connection, handshake, initiator: true, token).ConfigureAwait(false);
            return (error, reason, _time.GetElapsedTime(started) >= HealthyConnection);
        }
    }

    private sealed class DialTarget(PeerAddress address, CancellationTokenSource cancellation)
    {
        private readonly Lock _gate = new();
        private PeerTargetState _state = PeerTargetState.WaitingToRetry;
        private DateTimeOffset? _nextAttempt;
        private SyncError? _lastError;
        private string? _lastReason;
        private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public PeerAddress Address { get; } = address;

        public CancellationToken Token { get; } = cancellation.Token;

        /// <summary>The node found at this address (the expected one, or whatever the last handshake proved).</summary>
        public NodeId? NodeId { get; set; } = address.ExpectedId;

        /// <summary>The instance the last handshake at this address proved (0 until one has, or if it did not say).</summary>
        public ulong Instance { get; set; }

        /// <summary>The peer expected at this address, as far as known.</summary>
        public PeerKey? Peer => NodeId is { } id ? new PeerKey(id, Instance) : null;

        public int Failures { get; set; }

        public void Set(PeerTargetState state)
        {
            lock (_gate)
            {
                _state = state;
                _nextAttempt = null;
                // A wake is for a wait in progress; one left from before (the target's first
                // moments count as waiting) must not cut short the next backoff.
                if (_wake.Task.IsCompleted)
                    _wake = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }

        public void Retry(SyncError? error, string? reason, DateTimeOffset at)
        {
            lock (_gate)
            {
                _state = PeerTargetState.WaitingToRetry;
                _nextAttempt = at;
                _lastError = error;
                _lastReason = reason;
            }
        }

        /// <summary>Ends a <see cref="WaitToRetryAsync"/> in progress; false if this target is not waiting to retry.</summary>
        public bool Wake()
        {
            lock (_gate)
            {
                if (_state != PeerTargetState.WaitingToRetry)
                    return false;
                return _wake.TrySetResult();
            }
        }

        /// <summary>
        /// Waits <paramref name="delay"/>, or until <see cref="Wake"/>; true if woken. Throws
        /// <see cref="OperationCanceledException"/> when <paramref name="token"/> fires.
        /// </summary>
        public async Task<bool> WaitToRetryAsync(TimeSpan delay, TimeProvider time, CancellationToken token)
        {
            Task woken;
            lock (_gate)
                woken = _wake.Task;
            using var sleep = CancellationTokenSource.CreateLinkedTokenSource(token);
            var timer = Task.Delay(delay, time, sleep.Token);
            if (await Task.WhenAny(timer, woken).ConfigureAwait(false) != woken)
            {
                await timer.ConfigureAwait(false); // rethrows the cancellation
                return false;
            }
            lock (_gate)
                _wake = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            await sleep.CancelAsync().ConfigureAwait(false); // ends the timer
            token.ThrowIfCancellationRequested();
            return true;
        }

        public void Stop()
        {
            cancellation.Cancel();
            cancellation.Dispose();
        }

        public PeerTargetInfo Describe()
        {
            lock (_gate)
                return new PeerTargetInfo(Address, _state, NodeId, Failures, _nextAttempt, _lastError, _lastReason);
        }
    }
}

using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Datom.Sync.Discovery;

/// <summary>Something that takes part in mDNS on an endpoint: a responder or a browser.</summary>
internal interface IMdnsParticipant
{
    /// <summary>A checked, parsed message. Called under the endpoint's lock.</summary>
    void OnMessage(MdnsMessage message);

    /// <summary>The transport's interfaces or addresses changed. Called under the endpoint's lock.</summary>
    void OnInterfacesChanged();
}

/// <summary>
/// One mDNS endpoint: the receive loop over an <see cref="IMdnsTransport"/>, the checks every
/// packet passes before anything reads it, and the lock, clock and timers that the responders and
/// browsers attached to it share. One endpoint per process and transport; a responder and a browser
/// on the same endpoint see the same packets. The endpoint does not own the transport: whoever
/// opened it disposes it, after the endpoint.
/// </summary>
/// <remarks>
/// Concurrency: all protocol state changes under one lock (<see cref="Run"/>), from the receive
/// loop, from timers and from API calls. What must leave the lock (datagrams to send, events for
/// subscribers) is queued inside it, in order, and delivered after it is released, so subscribers
/// may call back in and datagrams leave in the order they were decided.
/// </remarks>
public sealed class MdnsEndpoint : IAsyncDisposable
{
    /// <summary>Consecutive receive failures after which the loop gives up (each is logged, 100 ms apart).</summary>
    private const int MaxConsecutiveReceiveFailures = 50;

    /// <summary>Dropped-packet warnings per minute before they are only counted (a hostile sender must not flood the log).</summary>
    private const int DropWarningsPerMinute = 20;

    private readonly IMdnsTransport _transport;
    private readonly Lock _gate = new();
    private readonly Lock _drainGate = new();
    private readonly Lock _dropGate = new();
    private readonly ConcurrentQueue<(byte[] Payload, MdnsSendTarget Target)> _sends = new();
    private readonly ConcurrentQueue<Action> _callbacks = new();
    private readonly List<IMdnsParticipant> _participants = [];
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;
    private bool _disposed;
    private long _dropWindowStart;
    private int _dropWarnings;
    private long _dropsSuppressed;
    private long _received;
    private long _dropped;

    public MdnsEndpoint(IMdnsTransport transport, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null, int? randomSeed = null)
    {
        ArgumentNullException.ThrowIfNull(transport);
        _transport = transport;
        Time = timeProvider ?? TimeProvider.System;
        LoggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = LoggerFactory.CreateLogger<MdnsEndpoint>();
        Random = randomSeed is { } seed ? new Random(seed) : new Random();
        _dropWindowStart = Time.GetTimestamp();
    }

    public IMdnsTransport Transport => _transport;

    public TimeProvider Time { get; }

    public ILoggerFactory LoggerFactory { get; }

    /// <summary>Datagrams received and passed to the participants.</summary>
    public long PacketsReceived => Interlocked.Read(ref _received);

    /// <summary>Datagrams dropped as malformed, oversized, off-link or unparsable.</summary>
    public long PacketsDropped => Interlocked.Read(ref _dropped);

    /// <summary>Jitter for RFC 6762's random delays; only used under the lock.</summary>
    internal Random Random { get; }

    internal IReadOnlyList<MdnsInterface> Interfaces => _transport.Interfaces;

    /// <summary>Starts the receive loop (idempotent; responders and browsers call it when they start).</summary>
    public void Start()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_loop is not null)
                return;
            _transport.InterfacesChanged += OnTransportInterfacesChanged;
            _loop = Task.Run(() => ReceiveLoopAsync(_stop.Token));
        }
    }

    public async ValueTask DisposeAsync()
    {
        Task? loop;
        lock (_gate)
        {
            if (_disposed)
                return;
            _disposed = true;
            loop = _loop;
            _transport.InterfacesChanged -= OnTransportInterfacesChanged;
        }
        await _stop.CancelAsync();
        if (loop is not null)
            await loop.ConfigureAwait(false);
        _stop.Dispose();
    }

    internal void Attach(IMdnsParticipant participant)
    {
        lock (_gate)
            _participants.Add(participant);
    }

    internal void Detach(IMdnsParticipant participant)
    {
        lock (_gate)
            _participants.Remove(participant);
    }

    /// <summary>Runs <paramref name="action"/> under the lock, then sends and raises what it queued.</summary>
    internal void Run(Action action)
    {
        lock (_gate)
            action();
        Drain();
    }

    /// <summary>Runs <paramref name="action"/> under the lock and returns its result, then sends and raises what it queued.</summary>
    internal T Run<T>(Func<T> action)
    {
        T result;
        lock (_gate)
            result = action();
        Drain();
        return result;
    }

    /// <summary>Queues a datagram; only under the lock (it leaves when the lock is released).</summary>
    internal void Send(byte[] payload, MdnsSendTarget target)
    {
        AssertLocked();
        _sends.Enqueue((payload, target));
    }

    /// <summary>Queues a subscriber notification; only under the lock.</summary>
    internal void Post(Action callback)
    {
        AssertLocked();
        _callbacks.Enqueue(callback);
    }

    /// <summary>
    /// Runs <paramref name="action"/> under the lock after <paramref name="due"/>. The returned
    /// timer cancels it when disposed; an action that finds its state moved on must check for that
    /// itself (a timer can fire while being disposed).
    /// </summary>
    internal ITimer Schedule(TimeSpan due, Action action)
    {
        if (due < TimeSpan.Zero)
            due = TimeSpan.Zero;
        return Time.CreateTimer(static state => ((Scheduled)state!).Fire(), new Scheduled(this, action), due, Timeout.InfiniteTimeSpan);
    }

    /// <summary>A uniformly random delay in [<paramref name="minMs"/>, <paramref name="maxMs"/>] ms; only under the lock.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Security", "CA5394", Justification = "RFC 6762 jitter to spread packets, not a secret")]
    internal TimeSpan Jitter(int minMs, int maxMs) => TimeSpan.FromMilliseconds(Random.Next(minMs, maxMs + 1));

    internal long Now => Time.GetTimestamp();

    internal TimeSpan Since(long timestamp) => Time.GetElapsedTime(timestamp);

    /// <summary>The timestamp <paramref name="after"/> from <paramref name="from"/>.</summary>
    internal long After(long from, TimeSpan after) => from + (long)(after.TotalSeconds * Time.TimestampFrequency);

    internal TimeSpan Until(long timestamp)
    {
        var now = Now;
        return timestamp <= now ? TimeSpan.Zero : Time.GetElapsedTime(now, timestamp);
    }

    internal bool IsDisposed => _disposed;

    /// <summary>Processes one datagram as the receive loop does (also the fuzz tests' entry point).</summary>
    internal void Process(MdnsDatagram datagram)
    {
        Interlocked.Increment(ref _received);
        var error = MdnsPacketGuard.Check(datagram.Payload);
        if (error != MdnsPacketError.None)
        {
            Drop(datagram, error.ToString());
            return;
        }
        var message = MdnsMessage.TryParse(datagram, out var reason);
        if (message is null)
        {
            Drop(datagram, reason ?? "unparsable");
            return;
        }
        // RFC 6762 §11: responses must come from port 5353 (a legacy resolver only asks), and
        // every packet from a source that is not on the link it arrived on is ignored.
        if (message.IsResponse && message.Source.Port != MdnsProtocol.Port)
        {
            Drop(datagram, $"a response from port {message.Source.Port}");
            return;
        }
        var arrivedOn = _transport.Interfaces.FirstOrDefault(i => i.Index == datagram.InterfaceIndex);
        if (arrivedOn is null)
        {
            MdnsLog.InterfaceNotInUse(_logger, datagram.Source, datagram.InterfaceIndex);
            return;
        }
        if (!arrivedOn.IsOnLink(datagram.Source.Address))
        {
            Drop(datagram, $"source is not on the link of {arrivedOn.Name}");
            return;
        }

        Run(() =>
        {
            foreach (var participant in _participants.ToArray())
            {
                try
                {
                    participant.OnMessage(message);
                }
                catch (Exception ex)
                {
                    Interlocked.Increment(ref _dropped);
                    MdnsLog.HandlerFailed(_logger, datagram.Source, ex);
                }
            }
        });
    }

    private void Drop(MdnsDatagram datagram, string reason)
    {
        Interlocked.Increment(ref _dropped);
        lock (_dropGate)
        {
            if (Time.GetElapsedTime(_dropWindowStart) >= TimeSpan.FromMinutes(1))
            {
                if (_dropsSuppressed > 0)
                    MdnsLog.DropsSuppressed(_logger, _dropsSuppressed);
                _dropWindowStart = Time.GetTimestamp();
                _dropWarnings = 0;
                _dropsSuppressed = 0;
            }
            if (_dropWarnings++ < DropWarningsPerMinute)
                MdnsLog.PacketDropped(_logger, datagram.Source, datagram.InterfaceIndex, reason);
            else
                _dropsSuppressed++;
        }
    }

    private async Task ReceiveLoopAsync(CancellationToken cancellationToken)
    {
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            MdnsDatagram datagram;
            try
            {
                datagram = await _transport.ReceiveAsync(cancellationToken).ConfigureAwait(false);
                failures = 0;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (Exception ex)
            {
                MdnsLog.ReceiveFailed(_logger, ex);
                if (++failures >= MaxConsecutiveReceiveFailures)
                {
                    MdnsLog.ReceiveGaveUp(_logger, failures);
                    return;
                }
                try
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(100), Time, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                continue;
            }

            try
            {
                Process(datagram);
            }
            catch (Exception ex)
            {
                // Process catches per participant; this is the last line, so nothing from the
                // network can end the loop.
                Interlocked.Increment(ref _dropped);
                MdnsLog.HandlerFailed(_logger, datagram.Source, ex);
            }
        }
    }

    private void OnTransportInterfacesChanged(object? sender, EventArgs e)
    {
        if (_disposed)
            return;
        var interfaces = _transport.Interfaces;
        MdnsLog.InterfacesNow(_logger, interfaces);
        Run(() =>
        {
            foreach (var participant in _participants.ToArray())
                participant.OnInterfacesChanged();
        });
    }

    private void Drain()
    {
        if (_sends.IsEmpty && _callbacks.IsEmpty)
            return;
        lock (_drainGate)
        {
            while (_sends.TryDequeue(out var send))
            {
                try
                {
                    _transport.Send(send.Payload, send.Target);
                }
                catch (ObjectDisposedException)
                {
                    _sends.Clear();
                    break;
                }
                catch (Exception ex)
                {
                    MdnsLog.SendFailed(_logger, send.Target.ToString(), ex.Message);
                }
            }
            while (_callbacks.TryDequeue(out var callback))
            {
                try
                {
                    callback();
                }
                catch (Exception ex)
                {
                    MdnsLog.SubscriberFailed(_logger, ex);
                }
            }
        }
    }

    [System.Diagnostics.Conditional("DEBUG")]
    private void AssertLocked() => System.Diagnostics.Debug.Assert(_gate.IsHeldByCurrentThread, "only under the endpoint lock");

    private sealed class Scheduled(MdnsEndpoint endpoint, Action action)
    {
        public void Fire()
        {
            if (endpoint._disposed)
                return;
            try
            {
                endpoint.Run(action);
            }
            catch (Exception ex)
            {
                MdnsLog.TimerFailed(endpoint._logger, ex);
            }
        }
    }
}

using System.Net;
using System.Net.Sockets;
using Datom.Sync.Protocol;
using Datom.Sync.Transport;

namespace Datom.Sync;

/// <summary>Incoming connections: admission limits, the handshake, and bans of addresses that keep failing it.</summary>
public sealed partial class SyncNode
{
    /// <summary>Addresses remembered (open connections, recent failures, bans), at most; beyond it, idle records are dropped.</summary>
    private const int MaxAddressRecords = 4096;

    private readonly Dictionary<IPAddress, AddressRecord> _addresses = [];

    private async Task AcceptLoopAsync(ISyncListener listener, CancellationToken token)
    {
        while (!token.IsCancellationRequested)
        {
            TransportConnection connection;
            try
            {
                connection = await listener.AcceptAsync(token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e) when (token.IsCancellationRequested || e.SocketErrorCode == SocketError.OperationAborted)
            {
                // Stopping closes the listener under a pending accept, which fails with ECANCELED
                // (errno 125, OperationAborted) rather than as a cancellation: the end, not an error.
                return;
            }
            catch (SocketException e)
            {
                SyncLog.AcceptFailed(_logger, e);
                try
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(100), _time, token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                continue;
            }

            var address = connection.RemoteAddress;
            if (AdmitInbound(address) is { } refusal)
            {
                SyncLog.ConnectionRefused(_logger, PeerAddress.Format(connection.RemoteEndPoint), refusal);
                await connection.DisposeAsync().ConfigureAwait(false);
                continue;
            }
            Track(HandleInboundAsync(connection, address, _lifetime.Token));
        }
    }

    private async Task HandleInboundAsync(TransportConnection connection, IPAddress? address, CancellationToken token)
    {
        var where = PeerAddress.Format(connection.RemoteEndPoint);
        try
        {
            HandshakeResult handshake;
            try
            {
                handshake = await SecureHandshake.RunAsync(connection, initiator: false, _identity, _meshKey, _options.Limits, _options.Agent,
                    _options.HandshakeTimeout, _time, expectedRemote: null, token).ConfigureAwait(false);
            }
            catch (SyncProtocolException e)
            {
                SyncLog.HandshakeFailed(_logger, where, e.Error, e.Message);
                if (e.Error is not (SyncError.SelfConnection or SyncError.ShuttingDown))
                    RecordHandshakeFailure(address);
                return;
            }
            catch (Exception e) when (e is IOException or SocketException)
            {
                SyncLog.HandshakeFailed(_logger, where, SyncError.ConnectionClosed, e.Message);
                return;
            }
            finally
            {
                lock (_gate)
                    _pendingHandshakes--;
            }
            await RunPeerAsync(connection, handshake, initiator: false, token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            SyncLog.UnexpectedFault(_logger, where, e);
        }
        finally
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            ReleaseInbound(address);
        }
    }

    /// <summary>Counts an incoming connection against the limits, or says why it is refused.</summary>
    private string? AdmitInbound(IPAddress? address)
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            AddressRecord? record = null;
            if (address is not null && _addresses.TryGetValue(address, out record) && record.BannedUntil > now)
                return $"address refused for another {record.BannedUntil - now} after repeated failed handshakes";
            if (_connectionCount >= _options.MaxConnections)
                return $"{_connectionCount} connections already (at most {_options.MaxConnections})";
            if (_pendingHandshakes >= _options.MaxPendingHandshakes)
                return $"{_pendingHandshakes} handshakes already in progress (at most {_options.MaxPendingHandshakes})";
            if (record is not null && record.Inbound >= _options.MaxConnectionsPerAddress)
                return $"{record.Inbound} connections from this address already (at most {_options.MaxConnectionsPerAddress})";
            if (address is not null && record is null)
            {
                if (_addresses.Count >= MaxAddressRecords)
                    PruneAddresses(now);
                _addresses[address] = record = new AddressRecord();
            }
            _connectionCount++;
            _pendingHandshakes++;
            if (record is not null)
                record.Inbound++;
            return null;
        }
    }

    private void ReleaseInbound(IPAddress? address)
    {
        lock (_gate)
        {
            _connectionCount--;
            if (address is not null && _addresses.TryGetValue(address, out var record))
            {
                record.Inbound--;
                if (record.IsIdle(_time.GetUtcNow()))
                    _addresses.Remove(address);
            }
        }
    }

    private bool AdmitOutbound()
    {
        lock (_gate)
        {
            if (_connectionCount >= _options.MaxConnections)
                return false;
            _connectionCount++;
            return true;
        }
    }

    private void ReleaseOutbound()
    {
        lock (_gate)
            _connectionCount--;
    }

    /// <summary>A failed incoming handshake; enough of them within a minute refuse the address for a while.</summary>
    private void RecordHandshakeFailure(IPAddress? address)
    {
        if (address is null || _options.HandshakeFailuresBeforeBan <= 0)
            return;
        int failures;
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            if (!_addresses.TryGetValue(address, out var record))
                return;
            while (record.Failures.Count > 0 && now - record.Failures.Peek() > TimeSpan.FromMinutes(1))
                record.Failures.Dequeue();
            record.Failures.Enqueue(now);
            failures = record.Failures.Count;
            if (failures < _options.HandshakeFailuresBeforeBan)
                return;
            record.BannedUntil = now + _options.BanDuration;
            record.Failures.Clear();
        }
        SyncLog.AddressBanned(_logger, address.ToString(), _options.BanDuration, failures);
    }

    private void PruneAddresses(DateTimeOffset now)
    {
        foreach (var (address, record) in _addresses.ToList())
        {
            if (record.IsIdle(now) || (record.Inbound == 0 && record.BannedUntil <= now))
                _addresses.Remove(address);
        }
    }

    private sealed class AddressRecord
    {
        public int Inbound { get; set; }

        public Queue<DateTimeOffset> Failures { get; } = new();

        public DateTimeOffset BannedUntil { get; set; }

        public bool IsIdle(DateTimeOffset now) => Inbound == 0 && BannedUntil <= now
            && (Failures.Count == 0 || now - Failures.Peek() > TimeSpan.FromMinutes(1));
    }
}

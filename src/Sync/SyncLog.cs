using Datom.Log.Identity;
using Datom.Sync.Protocol;
using Microsoft.Extensions.Logging;

namespace Datom.Sync;

/// <summary>Log messages of the sync transport and reconciliation, event ids 4200-4299 (mDNS discovery has 4100-4199).</summary>
internal static partial class SyncLog
{
    [LoggerMessage(EventId = 4200, Level = LogLevel.Information, Message = "sync: listening on {EndPoint} as {NodeId}")]
    public static partial void Listening(ILogger logger, System.Net.EndPoint endPoint, NodeId nodeId);

    [LoggerMessage(EventId = 4201, Level = LogLevel.Information, Message = "sync: connected to {NodeId} at {EndPoint} ({Direction}, {Agent})")]
    public static partial void Connected(ILogger logger, NodeId nodeId, string endPoint, PeerDirection direction, string agent);

    [LoggerMessage(EventId = 4202, Level = LogLevel.Information, Message = "sync: disconnected from {NodeId} at {EndPoint}: {Error}: {Reason} (sent {Sent} entries, received {Received})")]
    public static partial void Disconnected(ILogger logger, NodeId nodeId, string endPoint, SyncError error, string reason, long sent, long received);

    [LoggerMessage(EventId = 4203, Level = LogLevel.Warning, Message = "sync: handshake with {EndPoint} failed: {Error}: {Reason}")]
    public static partial void HandshakeFailed(ILogger logger, string endPoint, SyncError error, string reason);

    [LoggerMessage(EventId = 4204, Level = LogLevel.Warning, Message = "sync: peer {NodeId} at {EndPoint} misbehaved and is disconnected and banned for {Ban}: {Error}: {Reason}")]
    public static partial void Misbehaved(ILogger logger, NodeId nodeId, string endPoint, TimeSpan ban, SyncError error, string reason);

    [LoggerMessage(EventId = 4205, Level = LogLevel.Warning, Message = "sync: refused entry {Hash} from {NodeId}: {Reason}")]
    public static partial void EntryRefused(ILogger logger, string hash, NodeId nodeId, string reason);

    [LoggerMessage(EventId = 4206, Level = LogLevel.Warning, Message = "sync: address {Address} is refused for {Ban} after {Failures} failed handshakes in a minute")]
    public static partial void AddressBanned(ILogger logger, string address, TimeSpan ban, int failures);

    [LoggerMessage(EventId = 4207, Level = LogLevel.Warning, Message = "sync: refused a connection from {EndPoint}: {Reason}")]
    public static partial void ConnectionRefused(ILogger logger, string endPoint, string reason);

    [LoggerMessage(EventId = 4208, Level = LogLevel.Information, Message = "sync: could not connect to {Address}: {Error}: {Reason}; retrying in {Delay}")]
    public static partial void DialFailed(ILogger logger, PeerAddress address, SyncError? error, string? reason, TimeSpan delay);

    [LoggerMessage(EventId = 4209, Level = LogLevel.Debug, Message = "sync: pulled round {Round} from {NodeId}: {Received} entries received, {Stored} stored, in {Elapsed}")]
    public static partial void PullCompleted(ILogger logger, uint round, NodeId nodeId, long received, long stored, TimeSpan elapsed);

    [LoggerMessage(EventId = 4210, Level = LogLevel.Information, Message = "sync: throttling {NodeId}: it sends more than {Rate} entries per second")]
    public static partial void Throttling(ILogger logger, NodeId nodeId, double rate);

    [LoggerMessage(EventId = 4211, Level = LogLevel.Information, Message = "sync: push queue to {NodeId} is full ({Capacity} entries); it will be asked to pull instead")]
    public static partial void PushOverflow(ILogger logger, NodeId nodeId, int capacity);

    [LoggerMessage(EventId = 4212, Level = LogLevel.Debug, Message = "sync: served round {Round} to {NodeId}: {Sent} entries ({Probes} probes, {Probed} hashes probed) in {Elapsed}")]
    public static partial void Served(ILogger logger, uint round, NodeId nodeId, long sent, int probes, int probed, TimeSpan elapsed);

    [LoggerMessage(EventId = 4213, Level = LogLevel.Information, Message = "sync: {Address} is this node itself; no longer dialing it")]
    public static partial void SelfDial(ILogger logger, PeerAddress address);

    [LoggerMessage(EventId = 4214, Level = LogLevel.Information, Message = "sync: peer {NodeId} said goodbye: {Error}: {Reason}")]
    public static partial void Goodbye(ILogger logger, NodeId nodeId, SyncError error, string reason);

    [LoggerMessage(EventId = 4215, Level = LogLevel.Error, Message = "sync: connection to {NodeId} failed unexpectedly")]
    public static partial void ConnectionFault(ILogger logger, NodeId nodeId, Exception exception);

    [LoggerMessage(EventId = 4216, Level = LogLevel.Information, Message = "sync: refused {NodeId} at {EndPoint}: banned for another {Remaining}")]
    public static partial void BannedPeerRefused(ILogger logger, NodeId nodeId, string endPoint, TimeSpan remaining);

    [LoggerMessage(EventId = 4217, Level = LogLevel.Debug, Message = "sync: entry {Hash} from {NodeId} not accepted: {Reason}")]
    public static partial void EntryNotAccepted(ILogger logger, Datom.Log.Model.EntryHash hash, NodeId nodeId, string reason);

    [LoggerMessage(EventId = 4218, Level = LogLevel.Debug, Message = "sync: closed a second connection to {NodeId}: {Reason}")]
    public static partial void DuplicateClosed(ILogger logger, NodeId nodeId, string reason);

    [LoggerMessage(EventId = 4219, Level = LogLevel.Error, Message = "sync: accepting connections failed")]
    public static partial void AcceptFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 4221, Level = LogLevel.Warning,
        Message = "sync: {NodeId} at {EndPoint} has a wall clock {Offset} {Direction} ours; its entries are still accepted, and a clock ahead wins last-writer-wins ties for as long as it is ahead (README, \"Clocks\")")]
    public static partial void ClockSkew(ILogger logger, NodeId nodeId, string endPoint, string offset, string direction);

    [LoggerMessage(EventId = 4220, Level = LogLevel.Error, Message = "sync: a connection with {Where} failed unexpectedly")]
    public static partial void UnexpectedFault(ILogger logger, object where, Exception exception);
}

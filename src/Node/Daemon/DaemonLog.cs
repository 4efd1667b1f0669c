using Microsoft.Extensions.Logging;

namespace Datom.Node.Daemon;

/// <summary>Log messages of the daemon, event ids 5000-5099 (sync has 4200-4299, discovery 4100-4199).</summary>
internal static partial class DaemonLog
{
    [LoggerMessage(EventId = 5000, Level = LogLevel.Information, Message = "node {NodeId} running on {DataDirectory} (mesh {Mesh}); API on {Socket}")]
    public static partial void Started(ILogger logger, string nodeId, string dataDirectory, string mesh, string socket);

    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "log: {Entries} entries; index caught up ({Applied} applied)")]
    public static partial void Opened(ILogger logger, long entries, long applied);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Information, Message = "log: recovered: {Note}")]
    public static partial void Recovered(ILogger logger, string note);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Information, Message = "stopping: flushing the log and saying goodbye to the mesh")]
    public static partial void Stopping(ILogger logger);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Information, Message = "stopped")]
    public static partial void Stopped(ILogger logger);

    [LoggerMessage(EventId = 5005, Level = LogLevel.Information, Message = "sync: catching up: {Lacking} entries behind the mesh; {Held} held, {Rate:F0} entries/s")]
    public static partial void CatchingUp(ILogger logger, long lacking, long held, double rate);

    [LoggerMessage(EventId = 5006, Level = LogLevel.Information, Message = "sync: caught up: {Held} entries, in step with {Peers} peer(s)")]
    public static partial void CaughtUp(ILogger logger, long held, int peers);

    [LoggerMessage(EventId = 5010, Level = LogLevel.Information, Message = "discovery: found {NodeId} at {Endpoints} ({Instance})")]
    public static partial void PeerDiscovered(ILogger logger, Datom.Log.Identity.NodeId nodeId, IEnumerable<System.Net.IPEndPoint> endpoints, string instance);

    [LoggerMessage(EventId = 5011, Level = LogLevel.Information, Message = "discovery: ignoring {Instance} ({NodeId}): {Mismatch}")]
    public static partial void PeerIgnored(ILogger logger, string instance, Datom.Log.Identity.NodeId nodeId, Datom.Sync.Discovery.PeerMismatch mismatch);

    [LoggerMessage(EventId = 5012, Level = LogLevel.Information, Message = "discovery: {NodeId} ({Instance}) left")]
    public static partial void PeerLost(ILogger logger, Datom.Log.Identity.NodeId nodeId, string instance);

    [LoggerMessage(EventId = 5013, Level = LogLevel.Information, Message = "discovery: advertising {Instance} on port {Port} on {Interfaces}")]
    public static partial void Advertising(ILogger logger, string instance, int port, IEnumerable<string> interfaces);

    [LoggerMessage(EventId = 5014, Level = LogLevel.Warning, Message = "discovery: mDNS is unavailable ({Reason}); only static peers will be dialed")]
    public static partial void DiscoveryUnavailable(ILogger logger, string reason);

    [LoggerMessage(EventId = 5015, Level = LogLevel.Information, Message = "discovery: network changed (mDNS now on {Interfaces}); announcing again, and dialing {Woken} waiting peer address(es) now")]
    public static partial void NetworkChanged(ILogger logger, IEnumerable<string> interfaces, int woken);

    [LoggerMessage(EventId = 5020, Level = LogLevel.Information, Message = "service {Service}: started")]
    public static partial void ServiceStarted(ILogger logger, string service);

    [LoggerMessage(EventId = 5021, Level = LogLevel.Information, Message = "service {Service}: {Line}")]
    public static partial void ServiceOutput(ILogger logger, string service, string line);

    [LoggerMessage(EventId = 5022, Level = LogLevel.Warning, Message = "service {Service}: failed: {Error}; restarting in {Delay}")]
    public static partial void ServiceFailed(ILogger logger, string service, string error, TimeSpan delay);

    [LoggerMessage(EventId = 5023, Level = LogLevel.Information, Message = "service {Service}: returned {Value}; restarting in {Delay}")]
    public static partial void ServiceReturned(ILogger logger, string service, string value, TimeSpan delay);

    [LoggerMessage(EventId = 5024, Level = LogLevel.Information, Message = "service {Service}: its code changed; restarting it")]
    public static partial void ServiceChanged(ILogger logger, string service);

    [LoggerMessage(EventId = 5025, Level = LogLevel.Information, Message = "service {Service}: no longer a service; stopped")]
    public static partial void ServiceRemoved(ILogger logger, string service);

    [LoggerMessage(EventId = 5030, Level = LogLevel.Warning, Message = "api: command {Command} failed inside the daemon: {Error}")]
    public static partial void CommandFailed(ILogger logger, string command, string error);
}

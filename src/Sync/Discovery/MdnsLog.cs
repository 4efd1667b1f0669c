using System.Net;
using Microsoft.Extensions.Logging;

namespace Datom.Sync.Discovery;

/// <summary>Log messages of mDNS discovery, event ids 4100-4199.</summary>
internal static partial class MdnsLog
{
    [LoggerMessage(EventId = 4100, Level = LogLevel.Warning, Message = "mDNS: dropped a packet from {Source} on interface #{Interface}: {Reason}")]
    public static partial void PacketDropped(ILogger logger, IPEndPoint source, int @interface, string reason);

    [LoggerMessage(EventId = 4109, Level = LogLevel.Debug, Message = "mDNS: ignored a packet from {Source} on interface #{Interface}, which is not in use")]
    public static partial void InterfaceNotInUse(ILogger logger, IPEndPoint source, int @interface);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Warning, Message = "mDNS: {Count} more packets dropped in the last minute (log rate limited)")]
    public static partial void DropsSuppressed(ILogger logger, long count);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Error, Message = "mDNS: receiving failed")]
    public static partial void ReceiveFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 4104, Level = LogLevel.Critical, Message = "mDNS: receiving failed {Count} times in a row; the receive loop stops")]
    public static partial void ReceiveGaveUp(ILogger logger, int count);

    [LoggerMessage(EventId = 4105, Level = LogLevel.Warning, Message = "mDNS: sending {Target} failed: {Reason}")]
    public static partial void SendFailed(ILogger logger, string target, string reason);

    [LoggerMessage(EventId = 4106, Level = LogLevel.Error, Message = "mDNS: a handler threw while processing a packet from {Source}")]
    public static partial void HandlerFailed(ILogger logger, IPEndPoint source, Exception exception);

    [LoggerMessage(EventId = 4107, Level = LogLevel.Error, Message = "mDNS: an event subscriber threw")]
    public static partial void SubscriberFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 4108, Level = LogLevel.Error, Message = "mDNS: a timer action threw")]
    public static partial void TimerFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 4110, Level = LogLevel.Information, Message = "mDNS: interfaces now {Interfaces}")]
    public static partial void InterfacesNow(ILogger logger, IReadOnlyList<MdnsInterface> interfaces);

    [LoggerMessage(EventId = 4111, Level = LogLevel.Warning, Message = "mDNS: cannot use interface {Interface}: {Reason}")]
    public static partial void InterfaceFailed(ILogger logger, string @interface, string reason);

    [LoggerMessage(EventId = 4120, Level = LogLevel.Information, Message = "mDNS: probing for {Instance} on host {Host}")]
    public static partial void Probing(ILogger logger, string instance, string host);

    [LoggerMessage(EventId = 4121, Level = LogLevel.Information, Message = "mDNS: announced {Instance} on host {Host}, port {Port}")]
    public static partial void Announced(ILogger logger, string instance, string host, int port);

    [LoggerMessage(EventId = 4122, Level = LogLevel.Warning, Message = "mDNS: name conflict on {Name} ({Why}); now {NewName}")]
    public static partial void Renamed(ILogger logger, string name, string why, string newName);

    [LoggerMessage(EventId = 4123, Level = LogLevel.Information, Message = "mDNS: lost a simultaneous probe for {Name}; probing again in 1 s")]
    public static partial void LostTiebreak(ILogger logger, string name);

    [LoggerMessage(EventId = 4124, Level = LogLevel.Warning, Message = "mDNS: another responder claims {Name}; probing again")]
    public static partial void ConflictAfterAnnounce(ILogger logger, string name);

    [LoggerMessage(EventId = 4125, Level = LogLevel.Information, Message = "mDNS: said goodbye for {Instance}")]
    public static partial void Goodbye(ILogger logger, string instance);

    [LoggerMessage(EventId = 4126, Level = LogLevel.Warning, Message = "mDNS: {Count} conflicts within 10 s; waiting 5 s before probing again (RFC 6762 §8.1)")]
    public static partial void ConflictStorm(ILogger logger, int count);

    [LoggerMessage(EventId = 4130, Level = LogLevel.Information, Message = "mDNS: discovered {Peer}")]
    public static partial void PeerDiscovered(ILogger logger, DiscoveredPeer peer);

    [LoggerMessage(EventId = 4131, Level = LogLevel.Information, Message = "mDNS: lost {Instance}")]
    public static partial void PeerLost(ILogger logger, string instance);

    [LoggerMessage(EventId = 4132, Level = LogLevel.Debug, Message = "mDNS: ignored instance {Instance}: its TXT has no valid id")]
    public static partial void InstanceWithoutId(ILogger logger, ARSoft.Tools.Net.DomainName instance);

    [LoggerMessage(EventId = 4133, Level = LogLevel.Warning, Message = "mDNS: cache full ({Count} records); dropping new records")]
    public static partial void CacheFull(ILogger logger, int count);
}

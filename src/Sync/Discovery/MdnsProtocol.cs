using System.Net;

namespace Datom.Sync.Discovery;

/// <summary>The numbers of RFC 6762 (mDNS) and RFC 6763 (DNS-SD) that this code relies on.</summary>
public static class MdnsProtocol
{
    /// <summary>RFC 6762 §3: port 5353.</summary>
    public const int Port = 5353;

    /// <summary>
    /// RFC 6762 §17: a multicast DNS packet, including IP and UDP headers, must not exceed 9000
    /// bytes. We cap the DNS payload at the same figure (the headers only make the real cap lower),
    /// so every packet we accept or make fits one receive buffer.
    /// </summary>
    public const int MaxPacketSize = 9000;

    /// <summary>
    /// What we aim to fit a packet we build into: an Ethernet MTU of 1500 less 40 bytes of IPv6
    /// header, 8 of UDP and some slack for options (RFC 6762 §17 asks senders to avoid
    /// fragmentation where possible).
    /// </summary>
    public const int TargetPacketSize = 1440;

    /// <summary>RFC 6762 §11: sent with IP TTL / hop limit 255, so a receiver can tell on-link packets.</summary>
    public const int IpTtl = 255;

    /// <summary>RFC 6762 §10: records that name a host or carry a host name in their data (A, AAAA, SRV).</summary>
    public const int HostRecordTtl = 120;

    /// <summary>RFC 6762 §10: every other record (PTR, TXT): 75 minutes.</summary>
    public const int OtherRecordTtl = 4500;

    /// <summary>RFC 6762 §6.7: answers to a legacy (non-5353) querier carry TTLs of at most 10 s.</summary>
    public const int LegacyUnicastTtl = 10;

    /// <summary>
    /// RFC 6762 §10.2 and §18.12/18.13: the top bit of the class is the cache-flush bit in a record
    /// and the unicast-response (QU) bit in a question.
    /// </summary>
    public const ushort TopClassBit = 0x8000;

    /// <summary>Class IN.</summary>
    public const ushort ClassInternet = 1;

    /// <summary>Class ANY (255), as a question may ask.</summary>
    public const ushort ClassAny = 255;

    public static IPAddress IPv4Group { get; } = IPAddress.Parse("224.0.0.251");

    public static IPAddress IPv6Group { get; } = IPAddress.Parse("ff02::fb");

    /// <summary>The DNS-SD service type of a datom node (RFC 6763 §7).</summary>
    public const string DatomServiceType = "_datom._tcp.local";

    /// <summary>RFC 6763 §9: the meta-query name that enumerates service types.</summary>
    public const string ServiceEnumerationName = "_services._dns-sd._udp.local";
}

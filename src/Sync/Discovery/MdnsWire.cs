using System.Net;
using System.Reflection;
using System.Text;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;

namespace Datom.Sync.Discovery;

/// <summary>
/// The bridge to ARSoft.Tools.Net's DNS message model: building mDNS messages and records from its
/// types, encoding them with its encoder, and reading what its parser produced.
/// </summary>
/// <remarks>
/// ARSoft 3.6.1 parses publicly (<see cref="MulticastDnsMessage.Parse(byte[])"/>) but keeps its
/// encoder internal (<c>DnsMessageBase.Encode()</c>, used by its own clients and server). We bind
/// to that one method by reflection, once, and check it in a unit test; the package version is
/// pinned in Directory.Packages.props, and a version without the method fails at first use with a
/// message that says so rather than sending garbage.
/// </remarks>
internal static class MdnsWire
{
    private static readonly Func<DnsMessageBase, DnsRawPackage>? EncodeInternal = BindEncoder();

    private static Func<DnsMessageBase, DnsRawPackage>? BindEncoder()
    {
        var method = typeof(DnsMessageBase).GetMethod("Encode", BindingFlags.Instance | BindingFlags.NonPublic, Type.EmptyTypes);
        return method is not null && method.ReturnType == typeof(DnsRawPackage)
            ? method.CreateDelegate<Func<DnsMessageBase, DnsRawPackage>>()
            : null;
    }

    /// <summary>A response as mDNS sends it (RFC 6762 §18): id 0, QR and AA set, no questions.</summary>
    public static MulticastDnsMessage NewResponse() => new() { TransactionID = 0, IsQuery = false, IsAuthoritiveAnswer = true };

    /// <summary>A query as mDNS sends it (RFC 6762 §18.1: id 0 in multicast queries).</summary>
    public static MulticastDnsMessage NewQuery() => new() { TransactionID = 0, IsQuery = true };

    /// <summary>The wire bytes of a message (no TCP length prefix).</summary>
    public static byte[] Encode(DnsMessageBase message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (EncodeInternal is null)
            throw new InvalidOperationException(
                "ARSoft.Tools.Net no longer has the internal DnsMessageBase.Encode() this code binds to; " +
                "the package version pinned in Directory.Packages.props (3.6.1) has it");
        var segment = EncodeInternal(message).ToArraySegment(false);
        return segment.AsSpan().ToArray();
    }

    public static DnsQuestion Question(DomainName name, RecordType type, bool unicastResponse = false) =>
        new(name, type, (RecordClass)(MdnsProtocol.ClassInternet | (unicastResponse ? MdnsProtocol.TopClassBit : 0)));

    // Records we own and send. ARSoft's public constructors fix the class to IN; a unique record
    // (RFC 6762 §10.2) must carry the cache-flush bit, so these subclasses set the class once,
    // through the protected setter that exists for this purpose.

    public static DnsRecordBase Ptr(DomainName name, int ttl, DomainName target) => new PtrRecord(name, ttl, target);

    public static DnsRecordBase Srv(DomainName name, int ttl, ushort port, DomainName target, bool cacheFlush) =>
        cacheFlush ? new FlushSrvRecord(name, ttl, port, target) : new SrvRecord(name, ttl, 0, 0, port, target);

    public static DnsRecordBase Txt(DomainName name, int ttl, IReadOnlyList<string> strings, bool cacheFlush) =>
        cacheFlush ? new FlushTxtRecord(name, ttl, strings) : new TxtRecord(name, ttl, strings);

    public static DnsRecordBase Address(DomainName name, int ttl, IPAddress address, bool cacheFlush) =>
        address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork
            ? cacheFlush ? new FlushARecord(name, ttl, address) : new ARecord(name, ttl, address)
            : cacheFlush ? new FlushAaaaRecord(name, ttl, address) : new AaaaRecord(name, ttl, address);

    /// <summary>
    /// RFC 6762 §6.1: an NSEC record asserting which types exist at a name we own; its next-domain
    /// name is the name itself and only types below 256 appear.
    /// </summary>
    public static DnsRecordBase Nsec(DomainName name, int ttl, IEnumerable<RecordType> types, bool cacheFlush) =>
        new NSecRecord(name, (RecordClass)(MdnsProtocol.ClassInternet | (cacheFlush ? MdnsProtocol.TopClassBit : 0)), ttl, name, [.. types.Order()]);

    /// <summary>
    /// The record data in the form RFC 6762 §8.2 compares for probe tie-breaking, and that we use to
    /// tell whether two records are the same record: names uncompressed (and lower-cased, since
    /// names compare case-insensitively), numbers big-endian. Null for types we do not interpret.
    /// </summary>
    public static byte[]? CanonicalData(DnsRecordBase record)
    {
        var o = new List<byte>(64);
        switch (record)
        {
            case ARecord a:
                return a.Address.GetAddressBytes();
            case AaaaRecord aaaa:
                return aaaa.Address.GetAddressBytes();
            case PtrRecord ptr:
                AppendName(o, ptr.PointerDomainName);
                return [.. o];
            case SrvRecord srv:
                AppendUShort(o, srv.Priority);
                AppendUShort(o, srv.Weight);
                AppendUShort(o, srv.Port);
                AppendName(o, srv.Target);
                return [.. o];
            case TxtRecord txt:
                foreach (var s in txt.TextParts)
                {
                    var bytes = Encoding.ASCII.GetBytes(s);
                    o.Add((byte)Math.Min(bytes.Length, 255));
                    o.AddRange(bytes.Take(255));
                }
                return [.. o];
            case NSecRecord nsec:
                AppendName(o, nsec.NextDomainName);
                foreach (var t in nsec.Types.Order())
                    AppendUShort(o, (ushort)t);
                return [.. o];
            case UnknownRecord unknown:
                return unknown.RecordData;
            default:
                return null;
        }
    }

    private static void AppendUShort(List<byte> o, ushort value)
    {
        o.Add((byte)(value >> 8));
        o.Add((byte)value);
    }

    private static void AppendName(List<byte> o, DomainName name)
    {
        foreach (var label in name.Labels)
        {
            var bytes = Encoding.ASCII.GetBytes(label.ToLowerInvariant());
            o.Add((byte)Math.Min(bytes.Length, 255));
            o.AddRange(bytes.Take(255));
        }
        o.Add(0);
    }

    private sealed class FlushSrvRecord : SrvRecord
    {
        public FlushSrvRecord(DomainName name, int ttl, ushort port, DomainName target)
            : base(name, ttl, 0, 0, port, target) => RecordClass = CacheFlushInternet;
    }

    private sealed class FlushTxtRecord : TxtRecord
    {
        public FlushTxtRecord(DomainName name, int ttl, IEnumerable<string> strings)
            : base(name, ttl, strings) => RecordClass = CacheFlushInternet;
    }

    private sealed class FlushARecord : ARecord
    {
        public FlushARecord(DomainName name, int ttl, IPAddress address)
            : base(name, ttl, address) => RecordClass = CacheFlushInternet;
    }

    private sealed class FlushAaaaRecord : AaaaRecord
    {
        public FlushAaaaRecord(DomainName name, int ttl, IPAddress address)
            : base(name, ttl, address) => RecordClass = CacheFlushInternet;
    }

    private const RecordClass CacheFlushInternet = (RecordClass)(MdnsProtocol.ClassInternet | MdnsProtocol.TopClassBit);
}

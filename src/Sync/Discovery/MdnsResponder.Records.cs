using System.Net.Sockets;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;

namespace Datom.Sync.Discovery;

public sealed partial class MdnsResponder
{
    internal enum OwnKind
    {
        ServicePtr,
        EnumerationPtr,
        Srv,
        Txt,
        Address,
        Nsec,
    }

    /// <summary>
    /// One record we own: how it compares (<see cref="View"/>, made with its normal TTL), whether it
    /// is unique to us (cache-flush, probed) or shared (PTRs, RFC 6762 §10.2), and how to make it
    /// with a given TTL and cache-flush bit.
    /// </summary>
    internal sealed record OwnRecord(OwnKind Kind, MdnsRecord View, bool Unique, Func<int, bool, DnsRecordBase> Make);

    /// <summary>The identities of all our records on all interfaces, so a record we sent elsewhere is never taken for a rival's.</summary>
    private HashSet<string> _ownIdentities = [];

    /// <summary>Per interface, the address records last announced there, for goodbyes when an address goes.</summary>
    private Dictionary<int, (MdnsInterface Interface, List<OwnRecord> Records)> _addressRecords = [];

    private DomainName InstanceDomain => MdnsNames.Instance(InstanceName);

    private DomainName HostDomain => MdnsNames.Host(HostName);

    private string InstanceKey => MdnsNames.Key(InstanceDomain);

    private string HostKey => MdnsNames.Key(HostDomain);

    /// <summary>
    /// Our records as sent on <paramref name="iface"/>: the address records are that interface's
    /// addresses (RFC 6762 §6.2), everything else is the same on every interface.
    /// </summary>
    internal List<OwnRecord> RecordsFor(MdnsInterface iface)
    {
        var instance = InstanceDomain;
        var host = HostDomain;
        var txt = Service.TxtStrings;
        var port = Service.Port;
        var list = new List<OwnRecord>(8)
        {
            Own(OwnKind.ServicePtr, false, MdnsProtocol.OtherRecordTtl, (ttl, _) => MdnsWire.Ptr(MdnsNames.ServiceType, ttl, instance)),
            Own(OwnKind.EnumerationPtr, false, MdnsProtocol.OtherRecordTtl, (ttl, _) => MdnsWire.Ptr(MdnsNames.ServiceEnumeration, ttl, MdnsNames.ServiceType)),
            Own(OwnKind.Srv, true, MdnsProtocol.HostRecordTtl, (ttl, flush) => MdnsWire.Srv(instance, ttl, port, host, flush)),
            Own(OwnKind.Txt, true, MdnsProtocol.OtherRecordTtl, (ttl, flush) => MdnsWire.Txt(instance, ttl, txt, flush)),
        };
        var types = new List<RecordType>(2);
        foreach (var address in iface.Addresses.Select(a => a.Address).Distinct())
        {
            var a = address;
            list.Add(Own(OwnKind.Address, true, MdnsProtocol.HostRecordTtl, (ttl, flush) => MdnsWire.Address(host, ttl, a, flush)));
            var type = a.AddressFamily == AddressFamily.InterNetwork ? RecordType.A : RecordType.Aaaa;
            if (!types.Contains(type))
                types.Add(type);
        }
        list.Add(Own(OwnKind.Nsec, true, MdnsProtocol.OtherRecordTtl, (ttl, flush) => MdnsWire.Nsec(instance, ttl, [RecordType.Txt, RecordType.Srv], flush)));
        list.Add(Own(OwnKind.Nsec, true, MdnsProtocol.HostRecordTtl, (ttl, flush) => MdnsWire.Nsec(host, ttl, types, flush)));
        return list;
    }

    private static OwnRecord Own(OwnKind kind, bool unique, int ttl, Func<int, bool, DnsRecordBase> make) =>
        new(kind, new MdnsRecord(make(ttl, unique)), unique, make);

    /// <summary>
    /// Recomputes the identity set and the per-interface address records; <paramref name="removed"/>
    /// lists, per interface still present, the address records that are gone.
    /// </summary>
    private void RefreshOwnRecords(out List<(MdnsInterface Interface, List<OwnRecord> Records)> removed)
    {
        var identities = new HashSet<string>();
        var addressRecords = new Dictionary<int, (MdnsInterface, List<OwnRecord>)>();
        foreach (var iface in _endpoint.Interfaces)
        {
            var records = RecordsFor(iface);
            foreach (var r in records)
                identities.Add(r.View.Identity);
            addressRecords[iface.Index] = (iface, records.Where(r => r.Kind == OwnKind.Address).ToList());
        }

        removed = [];
        foreach (var (index, (_, oldRecords)) in _addressRecords)
        {
            if (!addressRecords.TryGetValue(index, out var now))
                continue; // the interface is gone: nothing can be sent there
            var gone = oldRecords.Where(o => !now.Item2.Any(n => n.View.Identity == o.View.Identity)).ToList();
            if (gone.Count > 0)
                removed.Add((now.Item1, gone));
        }
        _ownIdentities = identities;
        _addressRecords = addressRecords;
        foreach (var key in _lastMulticast.Keys.Where(k => !addressRecords.ContainsKey(k.Interface)).ToList())
            _lastMulticast.Remove(key);
    }
}

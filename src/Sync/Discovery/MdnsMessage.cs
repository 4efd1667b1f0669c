using System.Net;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;

namespace Datom.Sync.Discovery;

/// <summary>A question from a received packet, with the mDNS bits of its class taken apart.</summary>
internal sealed record MdnsQuestion(DomainName Name, string NameKey, RecordType Type, ushort Class, bool UnicastResponse)
{
    public bool Matches(MdnsRecord record) =>
        record.NameKey == NameKey
        && (Type == RecordType.Any || Type == record.Type)
        && (Class == MdnsProtocol.ClassAny || Class == record.Class);
}

/// <summary>
/// A record from a received packet (or one we own), with what mDNS needs to compare records:
/// the name key, the class without its cache-flush bit, and the canonical data.
/// </summary>
internal sealed class MdnsRecord
{
    public MdnsRecord(DnsRecordBase record)
    {
        Record = record;
        NameKey = MdnsNames.Key(record.Name);
        var rawClass = (ushort)record.RecordClass;
        Class = (ushort)(rawClass & ~MdnsProtocol.TopClassBit);
        CacheFlush = (rawClass & MdnsProtocol.TopClassBit) != 0;
        // RFC 2181 §8: a TTL with the top bit set is treated as zero.
        Ttl = record.TimeToLive < 0 ? 0 : record.TimeToLive;
        Data = MdnsWire.CanonicalData(record);
        DataKey = Data is null ? null : Convert.ToHexString(Data);
    }

    public DnsRecordBase Record { get; }

    public DomainName Name => Record.Name;

    public string NameKey { get; }

    public RecordType Type => Record.RecordType;

    public ushort Class { get; }

    public bool CacheFlush { get; }

    public int Ttl { get; }

    /// <summary>Canonical record data, or null for a type we do not interpret.</summary>
    public byte[]? Data { get; }

    public string? DataKey { get; }

    /// <summary>Name, type, class and data: two records with the same identity are the same record (TTL aside).</summary>
    public string Identity => $"{NameKey}/{(ushort)Type}/{Class}/{DataKey}";

    public bool SameRecord(MdnsRecord other) =>
        DataKey is not null && NameKey == other.NameKey && Type == other.Type && Class == other.Class && DataKey == other.DataKey;

    public override string ToString() => Record.ToString();
}

/// <summary>One received mDNS message, checked and parsed.</summary>
internal sealed class MdnsMessage
{
    private MdnsMessage(DnsMessageBase parsed, MdnsDatagram datagram, bool isResponse, bool truncated,
        List<MdnsQuestion> questions, List<MdnsRecord> answers, List<MdnsRecord> authorities, List<MdnsRecord> additionals)
    {
        Parsed = parsed;
        Source = datagram.Source;
        InterfaceIndex = datagram.InterfaceIndex;
        IsResponse = isResponse;
        IsTruncated = truncated;
        Questions = questions;
        Answers = answers;
        Authorities = authorities;
        Additionals = additionals;
    }

    public DnsMessageBase Parsed { get; }

    public IPEndPoint Source { get; }

    public int InterfaceIndex { get; }

    public bool IsResponse { get; }

    /// <summary>TC in a query: more known answers follow in further packets (RFC 6762 §7.2).</summary>
    public bool IsTruncated { get; }

    public ushort TransactionId => Parsed.TransactionID;

    /// <summary>RFC 6762 §6.7: a query from a port other than 5353 comes from a simple (legacy) resolver.</summary>
    public bool IsLegacy => Source.Port != MdnsProtocol.Port;

    public IReadOnlyList<MdnsQuestion> Questions { get; }

    public IReadOnlyList<MdnsRecord> Answers { get; }

    public IReadOnlyList<MdnsRecord> Authorities { get; }

    public IReadOnlyList<MdnsRecord> Additionals { get; }

    /// <summary>RFC 6762 §8.1: a probe is a query whose authority section proposes records.</summary>
    public bool IsProbe => !IsResponse && Authorities.Count > 0;

    /// <summary>
    /// Parses a datagram that <see cref="MdnsPacketGuard"/> has passed. Returns null with a reason
    /// for a message mDNS ignores or ARSoft cannot parse; never throws for bad input.
    /// </summary>
    public static MdnsMessage? TryParse(MdnsDatagram datagram, out string? reason)
    {
        MulticastDnsMessage parsed;
        try
        {
            parsed = MulticastDnsMessage.Parse(datagram.Payload);
        }
        catch (Exception ex)
        {
            // Whatever ARSoft throws on hostile input (format, range, not-supported errors) means
            // one thing here: the packet is dropped.
            reason = $"unparsable ({ex.GetType().Name}: {ex.Message})";
            return null;
        }

        // RFC 6762 §18.3 and §18.11: a non-zero opcode or response code is silently ignored.
        var flags = (ushort)((datagram.Payload[2] << 8) | datagram.Payload[3]);
        var opcode = (flags >> 11) & 0xF;
        var rcode = flags & 0xF;
        if (opcode != 0 || rcode != 0)
        {
            reason = $"opcode {opcode}, rcode {rcode}";
            return null;
        }

        var questions = new List<MdnsQuestion>(parsed.Questions.Count);
        foreach (var q in parsed.Questions)
        {
            var rawClass = (ushort)q.RecordClass;
            questions.Add(new MdnsQuestion(q.Name, MdnsNames.Key(q.Name), q.RecordType,
                (ushort)(rawClass & ~MdnsProtocol.TopClassBit), (rawClass & MdnsProtocol.TopClassBit) != 0));
        }
        reason = null;
        return new MdnsMessage(parsed, datagram, !parsed.IsQuery, parsed.IsTruncated, questions,
            Convert(parsed.AnswerRecords), Convert(parsed.AuthorityRecords), Convert(parsed.AdditionalRecords));
    }

    private static List<MdnsRecord> Convert(List<DnsRecordBase> records)
    {
        var list = new List<MdnsRecord>(records.Count);
        foreach (var r in records)
        {
            // OPT (EDNS) pseudo-records carry no data about names; mDNS ignores them.
            if (r.RecordType != RecordType.Opt)
                list.Add(new MdnsRecord(r));
        }
        return list;
    }
}

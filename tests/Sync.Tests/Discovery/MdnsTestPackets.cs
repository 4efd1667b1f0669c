using System.Net;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;
using Datom.Sync.Discovery;

namespace Datom.Sync.Tests.Discovery;

/// <summary>Packets the tests send into a simulated network, and ways to read what came out.</summary>
public static class MdnsTestPackets
{
    public static readonly IPEndPoint Querier = new(IPAddress.Parse("10.0.0.99"), MdnsProtocol.Port);

    public static DomainName Name(string name) => DomainName.Parse(name);

    public static byte[] Query(params (string Name, RecordType Type, bool Unicast)[] questions) => Query(questions, []);

    public static byte[] Query((string Name, RecordType Type, bool Unicast)[] questions, DnsRecordBase[] knownAnswers, bool truncated = false, ushort id = 0)
    {
        var message = new MulticastDnsMessage { TransactionID = id, IsQuery = true, IsTruncated = truncated };
        foreach (var (name, type, unicast) in questions)
            message.Questions.Add(new DnsQuestion(Name(name), type, (RecordClass)(1 | (unicast ? 0x8000 : 0))));
        message.AnswerRecords.AddRange(knownAnswers);
        return Encode(message);
    }

    public static byte[] Response(params DnsRecordBase[] answers)
    {
        var message = new MulticastDnsMessage { TransactionID = 0, IsQuery = false, IsAuthoritiveAnswer = true };
        message.AnswerRecords.AddRange(answers);
        return Encode(message);
    }

    /// <summary>Encodes through the same bridge the code under test uses.</summary>
    public static byte[] Encode(DnsMessageBase message) => MdnsWire.Encode(message);

    public static string Instance(MdnsSim.Node node) => node.Responder!.FullInstanceName;

    public static bool CacheFlush(DnsRecordBase record) => ((ushort)record.RecordClass & 0x8000) != 0;

    public static IEnumerable<DnsRecordBase> All(DnsMessageBase m) =>
        m is DnsRecordMessageBase r ? r.AnswerRecords.Concat(r.AuthorityRecords).Concat(r.AdditionalRecords) : m.AdditionalRecords;

    /// <summary>Responses (not queries) sent by <paramref name="node"/> from log index <paramref name="from"/> on.</summary>
    public static List<(SimulatedPacket Packet, MulticastDnsMessage Message)> ResponsesFrom(MdnsSim sim, MdnsSim.Node node, int from) =>
        sim.Decoded(from).Where(p => p.Packet.From == node.Transport.Name && !p.Message.IsQuery).ToList();

    public static bool IsNamed(DnsRecordBase r, string name) => r.Name.Equals(Name(name));
}

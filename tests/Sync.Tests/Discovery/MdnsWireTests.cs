using System.Net;
using ARSoft.Tools.Net.Dns;
using Datom.Log.Identity;
using Datom.Sync.Discovery;
using Xunit;
using static Datom.Sync.Tests.Discovery.MdnsTestPackets;

namespace Datom.Sync.Tests.Discovery;

public sealed class MdnsWireTests
{
    [Fact]
    public void The_internal_ARSoft_encoder_is_bound_and_round_trips_a_response()
    {
        var m = MdnsWire.NewResponse();
        m.AnswerRecords.Add(MdnsWire.Srv(Name("x._datom._tcp.local"), 120, 7070, Name("h.local"), cacheFlush: true));
        m.AnswerRecords.Add(MdnsWire.Txt(Name("x._datom._tcp.local"), 4500, ["v=1", "id=x"], cacheFlush: true));
        m.AnswerRecords.Add(MdnsWire.Address(Name("h.local"), 120, IPAddress.Parse("10.1.2.3"), cacheFlush: false));
        m.AdditionalRecords.Add(MdnsWire.Nsec(Name("h.local"), 120, [RecordType.Aaaa, RecordType.A], cacheFlush: true));
        var bytes = MdnsWire.Encode(m);

        // RFC 6762 §18: id 0; QR and AA set, nothing else.
        Assert.Equal([0, 0, 0x84, 0], bytes[..4]);
        var back = MulticastDnsMessage.Parse(bytes);
        Assert.Equal(3, back.AnswerRecords.Count);
        Assert.True(CacheFlush(back.AnswerRecords[0]));
        Assert.True(CacheFlush(back.AnswerRecords[1]));
        Assert.False(CacheFlush(back.AnswerRecords[2]));
        var nsec = Assert.IsType<NSecRecord>(Assert.Single(back.AdditionalRecords));
        Assert.Equal([RecordType.A, RecordType.Aaaa], nsec.Types);
        Assert.Equal(Name("h.local"), nsec.NextDomainName);
    }

    [Fact]
    public void A_question_carries_the_QU_bit_in_its_class()
    {
        var m = MdnsWire.NewQuery();
        m.Questions.Add(MdnsWire.Question(Name("_datom._tcp.local"), RecordType.Ptr, unicastResponse: true));
        var parsed = MdnsMessage.TryParse(new MdnsDatagram(MdnsWire.Encode(m), new IPEndPoint(IPAddress.Loopback, 5353), 1), out _)!;
        var q = Assert.Single(parsed.Questions);
        Assert.True(q.UnicastResponse);
        Assert.Equal(MdnsProtocol.ClassInternet, q.Class);
    }

    [Fact]
    public void A_node_id_is_one_label_and_a_renamed_instance_stays_within_63_bytes()
    {
        var id = new NodeId(new byte[32]).ToString();
        Assert.True(MdnsNames.IsValidLabel(id));
        Assert.Equal($"{id} (2)", MdnsNames.RenameInstance(id, 2));
        var longBase = new string('a', 63);
        Assert.Equal(63, MdnsNames.RenameInstance(longBase, 12).Length);
        Assert.EndsWith(" (12)", MdnsNames.RenameInstance(longBase, 12), StringComparison.Ordinal);
        Assert.Equal("host-2", MdnsNames.RenameHost("host", 2));
    }

    [Fact]
    public void Names_compare_case_insensitively_and_labels_are_not_split_on_dots()
    {
        Assert.Equal(MdnsNames.Key(Name("Foo._Datom._TCP.local")), MdnsNames.Key(Name("foo._datom._tcp.local")));
        var oneLabel = new ARSoft.Tools.Net.DomainName(["a.b", "local"]);
        Assert.NotEqual(MdnsNames.Key(oneLabel), MdnsNames.Key(Name("a.b.local")));
        Assert.Equal("x", MdnsNames.InstanceLabel(Name("x._datom._tcp.local")));
        Assert.Null(MdnsNames.InstanceLabel(Name("x._other._tcp.local")));
        Assert.Null(MdnsNames.InstanceLabel(Name("y.x._datom._tcp.local")));
    }

    [Fact]
    public void A_service_profile_refuses_what_it_cannot_advertise()
    {
        var id = new NodeId(new byte[32]);
        Assert.Throws<ArgumentException>(() => new DatomServiceProfile(id, "NOT-HEX", 1));
        Assert.Throws<ArgumentException>(() => new DatomServiceProfile(id, new string('a', 65), 1));
        Assert.Throws<ArgumentException>(() => new DatomServiceProfile(default, "ab", 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DatomServiceProfile(id, "ab", 0));
        Assert.Equal(["v=1", $"id={id}", "mesh=ab"], new DatomServiceProfile(id, "ab", 1).TxtStrings);
    }

    [Fact]
    public void TXT_keys_are_case_insensitive_and_the_first_one_wins()
    {
        var pairs = MdnsBrowser.ParseTxt(new TxtRecord(Name("x.local"), 1, ["ID=first", "id=second", "=ignored", "flag", "mesh="]));
        Assert.Equal("first", pairs["id"]);
        Assert.Null(pairs["flag"]);
        Assert.Equal("", pairs["mesh"]);
        Assert.False(pairs.ContainsKey(""));
    }
}

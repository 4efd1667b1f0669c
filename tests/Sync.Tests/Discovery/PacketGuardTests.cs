using System.Buffers.Binary;
using System.Net;
using ARSoft.Tools.Net.Dns;
using Datom.Sync.Discovery;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;
using static Datom.Sync.Tests.Discovery.MdnsTestPackets;

namespace Datom.Sync.Tests.Discovery;

public sealed class PacketGuardTests
{
    private static byte[] Header(int questions, int answers = 0) =>
        [0, 0, 0x84, 0, (byte)(questions >> 8), (byte)questions, (byte)(answers >> 8), (byte)answers, 0, 0, 0, 0];

    [Fact]
    public void A_well_formed_packet_passes()
    {
        var packet = Response(new PtrRecord(Name("_datom._tcp.local"), 4500, Name("x._datom._tcp.local")),
            new SrvRecord(Name("x._datom._tcp.local"), 120, 0, 0, 1, Name("h.local")));
        Assert.Equal(MdnsPacketError.None, MdnsPacketGuard.Check(packet));
    }

    [Fact]
    public void Size_limits()
    {
        Assert.Equal(MdnsPacketError.TooShort, MdnsPacketGuard.Check(new byte[11]));
        Assert.Equal(MdnsPacketError.TooLong, MdnsPacketGuard.Check(new byte[MdnsProtocol.MaxPacketSize + 1]));
        Assert.Equal(MdnsPacketError.None, MdnsPacketGuard.Check(new byte[12]));
    }

    [Fact]
    public void Counts_over_the_cap_or_beyond_what_the_bytes_can_hold_are_refused_before_parsing()
    {
        Assert.Equal(MdnsPacketError.TooManyEntries, MdnsPacketGuard.Check([.. Header(0, 65535), .. new byte[100]]));
        Assert.Equal(MdnsPacketError.TooManyEntries, MdnsPacketGuard.Check([.. Header(200, 57), .. new byte[100]]));
        Assert.Equal(MdnsPacketError.Truncated, MdnsPacketGuard.Check([.. Header(100), .. new byte[100]]));
    }

    [Fact]
    public void A_pointer_to_itself_is_a_loop()
    {
        byte[] packet = [.. Header(1), 0xC0, 12, 0, 1, 0, 1];
        Assert.Equal(MdnsPacketError.PointerNotBackward, MdnsPacketGuard.Check(packet));
    }

    [Fact]
    public void Two_names_pointing_at_each_other_are_a_loop()
    {
        // Name at 12: label "a" then a pointer to 17; name at 17: pointer back to 12.
        byte[] packet = [.. Header(2), 1, (byte)'a', 0xC0, 17, 0, 0xC0, 12, 0, 1, 0, 1, 0, 1, 0, 1];
        var error = MdnsPacketGuard.Check(packet);
        Assert.True(error is MdnsPacketError.PointerNotBackward or MdnsPacketError.Truncated, error.ToString());
    }

    [Fact]
    public void A_pointer_back_into_the_middle_of_its_own_run_is_a_loop()
    {
        // "a" at 12, then a pointer to 12 at 14: it points below the run start (12)? No: equal to it, so refused.
        byte[] packet = [.. Header(1), 1, (byte)'a', 0xC0, 12, 0, 1, 0, 1];
        Assert.Equal(MdnsPacketError.PointerNotBackward, MdnsPacketGuard.Check(packet));
    }

    [Fact]
    public void Label_types_0x40_and_0x80_are_refused()
    {
        Assert.Equal(MdnsPacketError.BadLabelType, MdnsPacketGuard.Check([.. Header(1), 0x41, 0, 0, 0, 1, 0, 1]));
        Assert.Equal(MdnsPacketError.BadLabelType, MdnsPacketGuard.Check([.. Header(1), 0x81, 0, 0, 0, 1, 0, 1]));
    }

    [Fact]
    public void A_name_longer_than_255_bytes_is_refused()
    {
        var name = Enumerable.Range(0, 5).SelectMany(_ => new byte[] { 63 }.Concat(Enumerable.Repeat((byte)'a', 63))).ToArray();
        Assert.Equal(MdnsPacketError.NameTooLong, MdnsPacketGuard.Check([.. Header(1), .. name, 0, 0, 1, 0, 1]));
    }

    [Fact]
    public void Record_data_that_runs_past_the_packet_is_refused()
    {
        byte[] packet = [.. Header(0, 1), 0, 0, 1, 0, 1, 0, 0, 0, 10, 0, 200, 1, 2, 3];
        Assert.Equal(MdnsPacketError.RecordDataOverrun, MdnsPacketGuard.Check(packet));
    }

    [Fact]
    public void A_PTR_whose_name_runs_out_of_its_record_data_is_refused()
    {
        // rdlength 2, but the name inside claims a 5-byte label.
        byte[] packet = [.. Header(0, 1), 0, 0, 12, 0, 1, 0, 0, 0, 10, 0, 2, 5, (byte)'a', (byte)'b', (byte)'c', (byte)'d', (byte)'e', 0];
        Assert.Equal(MdnsPacketError.Truncated, MdnsPacketGuard.Check(packet));
    }

    [Fact]
    public async Task The_endpoint_drops_a_bad_packet_with_a_log_message_and_carries_on()
    {
        var logs = new ListLoggerFactory();
        var network = new SimulatedMdnsNetwork();
        await using var transport = network.AddHost("a", IPAddress.Parse("10.0.0.1"));
        await using var endpoint = new MdnsEndpoint(transport, loggerFactory: logs);
        var source = new IPEndPoint(IPAddress.Parse("10.0.0.2"), 5353);
        endpoint.Process(new MdnsDatagram([.. Header(1), 0xC0, 12, 0, 1, 0, 1], source, 1));
        endpoint.Process(new MdnsDatagram(Query(("x.local", RecordType.A, false)), source, 1));

        Assert.Equal(1, endpoint.PacketsDropped);
        Assert.Equal(2, endpoint.PacketsReceived);
        var entry = Assert.Single(logs.Entries, e => e.Id.Id == 4100);
        Assert.Contains("PointerNotBackward", entry.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_flood_of_bad_packets_is_logged_at_most_20_times_a_minute()
    {
        var logs = new ListLoggerFactory();
        var time = new ManualTimeProvider();
        var network = new SimulatedMdnsNetwork(time);
        var transport = network.AddHost("a", IPAddress.Parse("10.0.0.1"));
        var endpoint = new MdnsEndpoint(transport, time, logs);
        var source = new IPEndPoint(IPAddress.Parse("10.0.0.2"), 5353);
        for (var i = 0; i < 500; i++)
            endpoint.Process(new MdnsDatagram(new byte[5], source, 1));
        time.Advance(TimeSpan.FromMinutes(1));
        endpoint.Process(new MdnsDatagram(new byte[5], source, 1));

        Assert.Equal(501, endpoint.PacketsDropped);
        Assert.Equal(21, logs.Entries.Count(e => e.Id.Id == 4100));
        Assert.Contains(logs.Entries, e => e.Id.Id == 4102 && e.Message.Contains("480", StringComparison.Ordinal));
    }

    // ---- properties ----

    [Property(MaxTest = 300)]
    public Property Every_packet_ARSoft_encodes_passes_the_guard_and_parses() =>
        Prop.ForAll(MdnsGenerators.ValidPacket.ToArbitrary(), packet =>
        {
            Assert.Equal(MdnsPacketError.None, MdnsPacketGuard.Check(packet));
            var message = MdnsMessage.TryParse(new MdnsDatagram(packet, new IPEndPoint(IPAddress.Loopback, 5353), 1), out var reason);
            Assert.True(message is not null, reason);
        });

    [Property(MaxTest = 1000, Arbitrary = [typeof(MdnsGenerators)])]
    public void The_guard_agrees_with_a_slow_reference_walker(MdnsFuzzPacket packet) =>
        Assert.Equal(ReferenceCheck(packet.Bytes), MdnsPacketGuard.Check(packet.Bytes) == MdnsPacketError.None);

    /// <summary>
    /// The same rules as <see cref="MdnsPacketGuard"/>, written for clarity instead of speed: names
    /// read recursively, each pointer required to go below every offset this name has visited.
    /// </summary>
    private static bool ReferenceCheck(byte[] p)
    {
        if (p.Length is < 12 or > MdnsProtocol.MaxPacketSize)
            return false;
        var q = BinaryPrimitives.ReadUInt16BigEndian(p.AsSpan(4));
        var r = BinaryPrimitives.ReadUInt16BigEndian(p.AsSpan(6)) + BinaryPrimitives.ReadUInt16BigEndian(p.AsSpan(8)) + BinaryPrimitives.ReadUInt16BigEndian(p.AsSpan(10));
        if (q + r > MdnsPacketGuard.MaxEntries || 12 + (q * 5) + (r * 11) > p.Length)
            return false;

        // Reads a name; returns the offset after its in-place part, or -1.
        int ReadName(int at, int limit, int floor, int length, int depth, bool inPlace)
        {
            if (depth > MdnsPacketGuard.MaxPointers || at >= limit)
                return -1;
            int len = p[at];
            if (len == 0)
                return at + 1;
            if ((len & 0xC0) == 0xC0)
            {
                if (at + 2 > limit)
                    return -1;
                var target = ((len & 0x3F) << 8) | p[at + 1];
                if (target >= p.Length || target >= floor)
                    return -1;
                return ReadName(target, p.Length, target, length, depth + 1, false) < 0 ? -1 : at + 2;
            }
            if ((len & 0xC0) != 0 || at + 1 + len > limit || length + len + 1 > 255)
                return -1;
            return ReadName(at + 1 + len, limit, floor, length + len + 1, depth, inPlace);
        }

        var pos = 12;
        for (var i = 0; i < q; i++)
        {
            pos = ReadName(pos, p.Length, pos, 1, 0, true);
            if (pos < 0 || pos + 4 > p.Length)
                return false;
            pos += 4;
        }
        for (var i = 0; i < r; i++)
        {
            pos = ReadName(pos, p.Length, pos, 1, 0, true);
            if (pos < 0 || pos + 10 > p.Length)
                return false;
            var type = BinaryPrimitives.ReadUInt16BigEndian(p.AsSpan(pos));
            var rdlength = BinaryPrimitives.ReadUInt16BigEndian(p.AsSpan(pos + 8));
            pos += 10;
            if (pos + rdlength > p.Length)
                return false;
            var nameAt = type is 2 or 5 or 12 or 47 ? pos : type == 33 ? pos + 6 : -1;
            if (nameAt >= 0 && (nameAt >= pos + rdlength || ReadName(nameAt, pos + rdlength, nameAt, 1, 0, true) < 0))
                return false;
            pos += rdlength;
        }
        return true;
    }
}

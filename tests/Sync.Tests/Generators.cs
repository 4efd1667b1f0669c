using System.Net;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;
using Datom.Sync.Discovery;
using Datom.Sync.Noise;
using FsCheck;
using FsCheck.Fluent;

namespace Datom.Sync.Tests;

/// <summary>
/// A fresh XXpsk3 handshake between two key pairs with one shared PSK, and the traffic to send.
/// All key material is generated (not drawn from NSec's RNG) so a failing seed replays exactly.
/// </summary>
public sealed record XxPsk3Scenario(
    byte[] InitiatorStatic,
    byte[] ResponderStatic,
    byte[] InitiatorEphemeral,
    byte[] ResponderEphemeral,
    byte[] Psk,
    byte[][] HandshakePayloads,
    TransportStep[] Transport)
{
    public override string ToString() =>
        $"XxPsk3Scenario(s_i={Convert.ToHexStringLower(InitiatorStatic)}, s_r={Convert.ToHexStringLower(ResponderStatic)}, "
        + $"e_i={Convert.ToHexStringLower(InitiatorEphemeral)}, e_r={Convert.ToHexStringLower(ResponderEphemeral)}, "
        + $"psk={Convert.ToHexStringLower(Psk)}, handshake payloads=[{string.Join(", ", HandshakePayloads.Select(p => p.Length))}] bytes, "
        + $"transport=[{string.Join(", ", Transport.Select(t => t.ToString()))}])";
}

/// <summary>One transport message: its direction and payload.</summary>
public sealed record TransportStep(bool FromInitiator, byte[] Payload)
{
    public override string ToString() => $"{(FromInitiator ? "->" : "<-")} {Payload.Length}B";
}

/// <summary>Bytes a hostile peer sends in place of one XXpsk3 handshake message.</summary>
public sealed record HostileMessage(int Step, byte[] Bytes)
{
    public override string ToString() => $"HostileMessage(step {Step}, {Bytes.Length}B: {Convert.ToHexStringLower(Bytes.AsSpan(0, Math.Min(Bytes.Length, 48)))}...)";
}

/// <summary>The FsCheck generators of this test project, all in one place.</summary>
public static class Generators
{
    private static readonly Gen<byte> AnyByte = ArbMap.Default.GeneratorFor<byte>();

    /// <summary>32 arbitrary bytes: an X25519 private key (X25519 clamps it) or a PSK.</summary>
    public static Gen<byte[]> Key32 { get; } = Gen.ArrayOf(AnyByte, 32);

    /// <summary>
    /// A payload of up to <paramref name="max"/> bytes: mostly small and fully random, sometimes
    /// large, with content from a generated seed so that 64 KiB payloads stay cheap to generate.
    /// </summary>
    public static Gen<byte[]> Payload(int max) => Gen.Frequency(
        (8, Gen.Choose(0, 256).SelectMany(n => Gen.ArrayOf(AnyByte, n))),
        (1, Gen.Constant(Array.Empty<byte>())),
        (1, Gen.Zip(Gen.Choose(257, max), ArbMap.Default.GeneratorFor<int>(), (n, seed) => Seeded(n, seed))),
        (1, ArbMap.Default.GeneratorFor<int>().Select(seed => Seeded(max, seed))));

    public static Arbitrary<XxPsk3Scenario> XxPsk3Scenarios() =>
        Arb.From(
            from keys in Gen.ArrayOf(Key32, 5)
            from handshake in Gen.ArrayOf(Payload(60_000), 3)
            from transport in Gen.ListOf(
                Gen.Zip(ArbMap.Default.GeneratorFor<bool>(), Payload(NoiseProtocol.MaxTransportPayloadLength),
                    (fromInitiator, payload) => new TransportStep(fromInitiator, payload)))
            select new XxPsk3Scenario(keys[0], keys[1], keys[2], keys[3], keys[4], handshake, [.. transport]));

    public static Arbitrary<HostileMessage> HostileMessages() =>
        Arb.From(
            from step in Gen.Choose(0, 2)
            from bytes in Gen.Frequency(
                (6, Gen.Choose(0, 200).SelectMany(n => Gen.ArrayOf(AnyByte, n))),
                (1, Gen.Zip(Gen.Choose(NoiseProtocol.MaxMessageLength - 8, NoiseProtocol.MaxMessageLength + 8), ArbMap.Default.GeneratorFor<int>(), (n, seed) => Seeded(n, seed))))
            select new HostileMessage(step, bytes));

    private static byte[] Seeded(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}

/// <summary>A DNS packet for the mDNS receive path, with what was done to it (for the failure report).</summary>
public sealed record MdnsFuzzPacket(string Made, byte[] Bytes)
{
    public override string ToString() => $"MdnsFuzzPacket({Made}, {Bytes.Length}B: {Convert.ToHexStringLower(Bytes.AsSpan(0, Math.Min(Bytes.Length, 64)))}...)";
}

/// <summary>The FsCheck generators of the mDNS discovery tests.</summary>
public static class MdnsGenerators
{
    private static readonly Gen<byte> AnyByte = ArbMap.Default.GeneratorFor<byte>();

    private static readonly string[] Labels = ["_datom", "_tcp", "local", "_services", "_dns-sd", "_udp", "host", "a", "B", "x y", "aeaqcaibaeaqcaibaeaqcaibaeaqcaibaeaqcaibaeaqcaibaeaq"];

    private static Gen<DomainName> Name { get; } =
        Gen.Choose(1, 4).SelectMany(n => Gen.ArrayOf(Gen.Elements(Labels), n)).Select(l => new DomainName(l));

    private static Gen<int> Ttl { get; } = Gen.Frequency((6, Gen.Choose(1, 5000)), (1, Gen.Constant(0)), (1, ArbMap.Default.GeneratorFor<int>()));

    private static Gen<DnsRecordBase> Record { get; } =
        from name in Name
        from ttl in Ttl
        from kind in Gen.Choose(0, 6)
        from target in Name
        from port in Gen.Choose(0, 65535)
        from bytes in Gen.ArrayOf(AnyByte, 16)
        // No empty TXT strings: ARSoft 3.6.1 under-sizes its buffer for a TXT with several of them
        // and throws while encoding (our responder never makes one; a received one parses fine).
        from text in Gen.ListOf(Gen.Elements("v=1", "id=x", "mesh=ab", "=bad", "flag"))
        select kind switch
        {
            0 => (DnsRecordBase)new PtrRecord(name, ttl, target),
            1 => new SrvRecord(name, ttl, 0, 0, (ushort)port, target),
            2 => new TxtRecord(name, ttl, text.Count == 0 ? ["x"] : text),
            3 => new ARecord(name, ttl, new IPAddress(bytes[..4])),
            4 => new AaaaRecord(name, ttl, new IPAddress(bytes)),
            5 => new NSecRecord(name, RecordClass.INet, ttl, name, [RecordType.A, RecordType.Txt]),
            _ => new UnknownRecord(name, (RecordType)(1000 + (port % 100)), RecordClass.INet, ttl, bytes),
        };

    /// <summary>Well-formed mDNS queries and responses, encoded by ARSoft.</summary>
    public static Gen<byte[]> ValidPacket { get; } =
        from isQuery in ArbMap.Default.GeneratorFor<bool>()
        from questions in Gen.Choose(0, 3).SelectMany(n => Gen.ArrayOf(Gen.Zip(Name, Gen.Elements(
            RecordType.Ptr, RecordType.Srv, RecordType.Txt,
            RecordType.A, RecordType.Aaaa, RecordType.Any)), n))
        from unicast in ArbMap.Default.GeneratorFor<bool>()
        from answers in Gen.Choose(0, 6).SelectMany(n => Gen.ArrayOf(Record, n))
        from authorities in Gen.Choose(0, 2).SelectMany(n => Gen.ArrayOf(Record, n))
        from additionals in Gen.Choose(0, 4).SelectMany(n => Gen.ArrayOf(Record, n))
        select Encode(isQuery, questions, unicast, answers, authorities, additionals);

    /// <summary>Packets a hostile or broken sender might send: mutated valid packets, forged counts, pointer loops, noise.</summary>
    public static Arbitrary<MdnsFuzzPacket> HostilePackets() => Arb.From(Gen.OneOf(
        ValidPacket.Select(p => new MdnsFuzzPacket("valid", p)),
        from p in ValidPacket
        from flips in Gen.Choose(1, 8).SelectMany(n => Gen.ArrayOf(Gen.Zip(Gen.Choose(0, 100_000), AnyByte), n))
        select new MdnsFuzzPacket("flipped", Flip(p, flips)),
        from p in ValidPacket
        from cut in Gen.Choose(0, 100_000)
        select new MdnsFuzzPacket("truncated", p[..(cut % (p.Length + 1))]),
        from p in ValidPacket
        from section in Gen.Choose(0, 3)
        from count in Gen.Elements(1, 255, 256, 4096, 65535)
        select new MdnsFuzzPacket($"count[{section}]={count}", WithCount(p, section, count)),
        from p in ValidPacket
        from at in Gen.Choose(0, 100_000)
        from loop in Gen.Elements(0, 1, 2)
        select new MdnsFuzzPacket($"pointer loop {loop}", WithPointer(p, at, loop)),
        from n in Gen.Choose(0, 600)
        from bytes in Gen.ArrayOf(AnyByte, n)
        select new MdnsFuzzPacket("noise", bytes),
        from n in Gen.Choose(9000, 9010)
        select new MdnsFuzzPacket("oversized", new byte[n])));

    private static byte[] Encode(bool isQuery, (DomainName, RecordType)[] questions, bool unicast,
        DnsRecordBase[] answers, DnsRecordBase[] authorities, DnsRecordBase[] additionals)
    {
        var m = new MulticastDnsMessage { TransactionID = 0, IsQuery = isQuery, IsAuthoritiveAnswer = !isQuery };
        foreach (var (name, type) in questions)
            m.Questions.Add(new DnsQuestion(name, type, (RecordClass)(unicast ? 0x8001 : 1)));
        m.AnswerRecords.AddRange(answers);
        m.AuthorityRecords.AddRange(authorities);
        m.AdditionalRecords.AddRange(additionals);
        return MdnsWire.Encode(m);
    }

    private static byte[] Flip(byte[] packet, (int At, byte Value)[] flips)
    {
        var copy = (byte[])packet.Clone();
        if (copy.Length > 0)
            foreach (var (at, value) in flips)
                copy[at % copy.Length] = value;
        return copy;
    }

    private static byte[] WithCount(byte[] packet, int section, int count)
    {
        var copy = (byte[])packet.Clone();
        if (copy.Length >= 12)
        {
            copy[4 + (2 * section)] = (byte)(count >> 8);
            copy[5 + (2 * section)] = (byte)count;
        }
        return copy;
    }

    /// <summary>Plants a compression pointer: to itself (0), to a later offset (1), or two pointing at each other (2).</summary>
    private static byte[] WithPointer(byte[] packet, int at, int loop)
    {
        var copy = (byte[])packet.Clone();
        if (copy.Length < 16)
            return copy;
        var i = 12 + (at % (copy.Length - 15));
        var target = loop switch { 0 => i, 1 => Math.Min(copy.Length - 2, i + 2), _ => i + 2 };
        copy[i] = (byte)(0xC0 | (target >> 8));
        copy[i + 1] = (byte)target;
        if (loop == 2 && i + 3 < copy.Length)
        {
            copy[i + 2] = (byte)(0xC0 | (i >> 8));
            copy[i + 3] = (byte)i;
        }
        return copy;
    }
}

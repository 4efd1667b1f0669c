using System.Net;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;
using Datom.Log.Entries;
using Datom.Log.Identity;
using Datom.Log.Model;
using Datom.Sync.Discovery;
using Datom.Sync.Noise;
using Datom.Sync.Protocol;
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

    // ---- Frames (Datom.Sync.Protocol) ----

    public static Gen<EntryHash> Hash { get; } = Key32.Select(b => new EntryHash(b));

    public static Gen<NodeId> Node { get; } = Key32.Select(b => new NodeId(b));

    private static Gen<string> Text(int maxChars) =>
        Gen.Choose(0, maxChars).SelectMany(n => Gen.ArrayOf(Gen.Elements('a', 'z', '0', ' ', '-', '\u00e9', '\u4e2d'), n)).Select(c => new string(c));

    public static Gen<AuthorHeads> AuthorSummary { get; } =
        from author in Node
        from maxSeq in Gen.Choose(1, int.MaxValue).Select(n => (ulong)n * 3)
        from heads in Gen.Choose(0, 4).SelectMany(n => Gen.ArrayOf(Gen.Zip(Hash, Gen.Choose(1, int.MaxValue)), n))
        select new AuthorHeads(author, maxSeq, [.. heads.Select(h => new HeadRef(h.Item1, Math.Min(maxSeq, (ulong)h.Item2)))]);

    /// <summary>Any frame this version speaks, with fields anywhere inside their caps.</summary>
    public static Gen<SyncMessage> Message { get; } = Gen.OneOf<SyncMessage>(
        from id in Node
        from proof in Gen.ArrayOf(AnyByte, 64)
        from version in Gen.Choose(0, 255)
        from maxFrame in Gen.Choose(1, int.MaxValue)
        from agent in Text(16)
        from wall in Gen.OneOf(Gen.Constant((long?)null), Gen.Choose(int.MinValue, int.MaxValue).Select(x => (long?)((long)x * 1_000_003)))
        from instance in Gen.OneOf(Gen.Constant((ulong?)null), ArbMap.Default.GeneratorFor<ulong>().Select(x => (ulong?)x))
        select (SyncMessage)new HelloMessage((byte)version, id, proof, maxFrame, agent, wall, instance),
        from round in ArbMap.Default.GeneratorFor<uint>()
        from authors in Gen.Choose(0, 8).SelectMany(n => Gen.ArrayOf(AuthorSummary, n))
        select (SyncMessage)new SyncRequestMessage(round, authors),
        from round in ArbMap.Default.GeneratorFor<uint>()
        from hashes in Gen.Choose(0, 40).SelectMany(n => Gen.ArrayOf(Hash, n))
        select (SyncMessage)new ProbeMessage(round, hashes),
        from round in ArbMap.Default.GeneratorFor<uint>()
        from held in Gen.Choose(0, 70).SelectMany(n => Gen.ArrayOf(ArbMap.Default.GeneratorFor<bool>(), n))
        select (SyncMessage)ProbeReplyMessage.Create(round, held),
        from round in ArbMap.Default.GeneratorFor<uint>()
        from entries in Gen.Choose(0, 12).SelectMany(n => Gen.ArrayOf(Payload(3000), n))
        select (SyncMessage)new EntriesMessage(round, [.. entries.Select(e => (ReadOnlyMemory<byte>)e)]),
        from round in ArbMap.Default.GeneratorFor<uint>()
        from sent in Gen.Choose(0, int.MaxValue)
        select (SyncMessage)new SyncDoneMessage(round, sent * 7L),
        Gen.Constant((SyncMessage)new ResyncHintMessage()),
        ArbMap.Default.GeneratorFor<ulong>().Select(n => (SyncMessage)new PingMessage(n)),
        ArbMap.Default.GeneratorFor<ulong>().Select(n => (SyncMessage)new PongMessage(n)),
        from error in Gen.Choose(1, 40)
        from reason in Text(60)
        select (SyncMessage)new GoodbyeMessage((SyncError)error, reason));

    /// <summary>A few frames back to back, and where the stream is cut into segments.</summary>
    public static Arbitrary<FrameStream> FrameStreams() =>
        Arb.From(
            from messages in Gen.Choose(1, 5).SelectMany(n => Gen.ArrayOf(Message, n))
            from cuts in Gen.ListOf(Gen.Choose(0, 1 << 16))
            select new FrameStream(messages, [.. cuts]));

    // ---- Histories (reconciliation) ----

    /// <summary>
    /// A random multi-author history and two logs that hold parts of it. Devices append (an author
    /// with two devices forks when both append without syncing; a device holding two heads of its
    /// author merges them) and gossip with each other; each log is the union of some devices'
    /// holdings, so logs overlap, differ, or are disjoint, and every log is closed under parents.
    /// </summary>
    public static Arbitrary<History> Histories() =>
        Arb.From(
            from authors in Gen.Choose(1, 4)
            from seeds in Gen.ArrayOf(Key32, authors)
            from forked in Gen.ArrayOf(ArbMap.Default.GeneratorFor<bool>(), authors)
            from steps in Gen.ListOf(
                from kind in Gen.Choose(0, 99)
                from x in Gen.Choose(0, 99)
                from y in Gen.Choose(0, 99)
                select (kind, x, y))
            from holdersA in Gen.Choose(1, 255)
            from holdersB in Gen.Choose(1, 255)
            from partitioned in Gen.Frequency((3, Gen.Constant(false)), (1, Gen.Constant(true)))
            select new History(seeds, forked, [.. steps.Take(60)], holdersA, holdersB, partitioned));

    private static byte[] Seeded(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}

/// <summary>Frames to encode back to back, and offsets (mod the stream length) at which to split the bytes.</summary>
public sealed record FrameStream(SyncMessage[] Messages, int[] Cuts)
{
    public override string ToString() => $"FrameStream([{string.Join(", ", Messages.Select(m => m.Type))}], cuts [{string.Join(", ", Cuts)}])";
}

/// <summary>
/// The recipe of a history (see <see cref="Generators.Histories"/>); <see cref="Build"/> makes the
/// signed entries, deterministically.
/// </summary>
/// <param name="Partitioned">Devices gossip only with devices of the same parity, A is the even devices and B the odd: disjoint logs.</param>
public sealed record History(byte[][] AuthorSeeds, bool[] Forked, (int Kind, int A, int B)[] Steps, int HoldersA, int HoldersB, bool Partitioned)
{
    public override string ToString() =>
        $"History({AuthorSeeds.Length} authors, forked [{string.Join(",", Forked)}], {Steps.Length} steps: {string.Join(" ", Steps.Select(s => $"{s.Kind}/{s.A}/{s.B}"))}, A={HoldersA}, B={HoldersB}, partitioned={Partitioned})";

    /// <summary>All entries in creation (topological) order, and the hashes each log holds.</summary>
    public (List<Entry> All, HashSet<EntryHash> A, HashSet<EntryHash> B) Build()
    {
        var identities = AuthorSeeds.Select(s => NodeIdentity.FromSeed(s)).ToArray();
        try
        {
            // Devices: each author has one, or two if forked.
            var devices = new List<(int Author, HashSet<EntryHash> Holds)>();
            for (var a = 0; a < identities.Length; a++)
            {
                devices.Add((a, []));
                if (Forked[a])
                    devices.Add((a, []));
            }
            var all = new List<Entry>();
            var byHash = new Dictionary<EntryHash, Entry>();
            ulong clock = 1_000;
            foreach (var (kind, x, y) in Steps)
            {
                var d = devices[x % devices.Count];
                if (kind < 70)
                {
                    var author = identities[d.Author];
                    var own = d.Holds.Select(h => byHash[h]).Where(e => e.Author == author.Id).ToList();
                    var heads = own.Where(e => !own.Any(o => o.Parents.Contains(e.Hash))).ToList();
                    var parents = heads.Select(h => h.Hash).ToList();
                    // Sometimes a causal link to another author's entry the device holds.
                    var others = d.Holds.Select(h => byHash[h]).Where(e => e.Author != author.Id).ToList();
                    if (others.Count > 0 && y % 2 == 0)
                        parents.Add(others[y % others.Count].Hash);
                    var seq = heads.Count == 0 ? 1UL : heads.Max(h => h.Seq) + 1;
                    var entry = Entry.Create(author, seq, new EntityId(11, (ulong)all.Count), new HlcTimestamp(++clock << 16), parents,
                        [new LogDatom(new EntityId(12, (ulong)all.Count), "h/n", Value.Long(all.Count), true)]);
                    all.Add(entry);
                    byHash[entry.Hash] = entry;
                    d.Holds.Add(entry.Hash);
                }
                else
                {
                    // Gossip: device x learns everything device y holds.
                    var other = devices[y % devices.Count];
                    if (!Partitioned || (x % devices.Count) % 2 == (y % devices.Count) % 2)
                        d.Holds.UnionWith(other.Holds);
                }
            }
            HashSet<EntryHash> Union(int mask)
            {
                var set = new HashSet<EntryHash>();
                for (var i = 0; i < devices.Count; i++)
                {
                    if ((mask & (1 << (i % 8))) != 0)
                        set.UnionWith(devices[i].Holds);
                }
                return set;
            }
            return Partitioned ? (all, Union(0x55), Union(0xAA)) : (all, Union(HoldersA), Union(HoldersB));
        }
        finally
        {
            foreach (var identity in identities)
                identity.Dispose();
        }
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

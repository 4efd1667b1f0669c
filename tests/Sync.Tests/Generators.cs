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

using System.Collections.Frozen;

namespace Datom.Sync.Noise;

public sealed partial class HandshakePattern
{
    /// <summary>
    /// The fundamental patterns, transcribed in the spec's notation: one-way patterns from
    /// Noise §7.4, interactive patterns from §7.5. PSK variants are derived by modifier (§9.4).
    /// </summary>
    private static readonly FrozenDictionary<string, string> Fundamental = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["N"] = """
            <- s
            ...
            -> e, es
            """,
        ["K"] = """
            -> s
            <- s
            ...
            -> e, es, ss
            """,
        ["X"] = """
            <- s
            ...
            -> e, es, s, ss
            """,
        ["NN"] = """
            -> e
            <- e, ee
            """,
        ["NK"] = """
            <- s
            ...
            -> e, es
            <- e, ee
            """,
        ["NX"] = """
            -> e
            <- e, ee, s, es
            """,
        ["KN"] = """
            -> s
            ...
            -> e
            <- e, ee, se
            """,
        ["KK"] = """
            -> s
            <- s
            ...
            -> e, es, ss
            <- e, ee, se
            """,
        ["KX"] = """
            -> s
            ...
            -> e
            <- e, ee, se, s, es
            """,
        ["XN"] = """
            -> e
            <- e, ee
            -> s, se
            """,
        ["XK"] = """
            <- s
            ...
            -> e, es
            <- e, ee
            -> s, se
            """,
        ["XX"] = """
            -> e
            <- e, ee, s, es
            -> s, se
            """,
        ["IN"] = """
            -> e, s
            <- e, ee, se
            """,
        ["IK"] = """
            <- s
            ...
            -> e, es, s, ss
            <- e, ee, se
            """,
        ["IX"] = """
            -> e, s
            <- e, ee, se, s, es
            """,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>The transport handshake of Datom.P2P: mutual static keys, the mesh key as PSK.</summary>
    public static HandshakePattern XXpsk3 { get; } = FromName("XXpsk3");

    /// <summary>Names of the fundamental patterns this implementation knows, before psk modifiers.</summary>
    public static IEnumerable<string> FundamentalNames => Fundamental.Keys;
}

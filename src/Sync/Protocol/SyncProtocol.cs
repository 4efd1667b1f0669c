namespace Datom.Sync.Protocol;

/// <summary>
/// The constants of the datom sync protocol, version 1. A connection is, in order: an 8-byte
/// <see cref="Preamble"/> each way in the clear; the Noise <c>XXpsk3_25519_ChaChaPoly_BLAKE2b</c>
/// handshake (three messages, PSK = the mesh key); the responder's <see cref="HelloMessage"/> in the
/// first transport message; then frames both ways. On TCP every Noise message carries a 2-byte
/// big-endian length (Noise §13), and frames are a byte stream across transport messages.
/// </summary>
public static class SyncProtocol
{
    /// <summary>The one version this build speaks; in the preamble, the prologue, mDNS TXT <c>v</c> and Hello.</summary>
    public const byte Version = 1;

    /// <summary>TCP port a node listens on unless configured otherwise.</summary>
    public const int DefaultPort = 7420;

    /// <summary>The Noise protocol name, for logs and docs (Noise §8).</summary>
    public const string NoiseProtocolName = "Noise_XXpsk3_25519_ChaChaPoly_BLAKE2b";

    /// <summary>Bytes of the length prefix in front of each Noise message on a stream (Noise §13).</summary>
    public const int NoiseLengthPrefix = 2;

    /// <summary>
    /// Handshake messages of XXpsk3 are 48, 96 and about 48 + 16 + Hello (≈ 130) bytes; 1 KiB leaves
    /// room for a longer agent string and refuses anything that is plainly not a handshake.
    /// </summary>
    public const int MaxHandshakeMessage = 1024;

    /// <summary>Bytes of the big-endian length in front of each frame.</summary>
    public const int FrameLengthPrefix = 4;

    /// <summary>
    /// The Noise prologue (§6): a label and version, then both preambles as they were sent, so that
    /// anything exchanged in the clear is authenticated by the handshake.
    /// </summary>
    public static byte[] Prologue(ReadOnlySpan<byte> initiatorPreamble, ReadOnlySpan<byte> responderPreamble)
    {
        var label = "datom.sync.v1\0"u8;
        var prologue = new byte[label.Length + initiatorPreamble.Length + responderPreamble.Length];
        label.CopyTo(prologue);
        initiatorPreamble.CopyTo(prologue.AsSpan(label.Length));
        responderPreamble.CopyTo(prologue.AsSpan(label.Length + initiatorPreamble.Length));
        return prologue;
    }
}

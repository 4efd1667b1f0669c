using System.Diagnostics.CodeAnalysis;

namespace Datom.Sync.Protocol;

/// <summary>
/// Why a connection failed. Stable: the values are logged, sent in <see cref="GoodbyeMessage"/>,
/// and asserted on by tests, so a peer's mistake is always named precisely.
/// </summary>
public enum SyncError
{
    /// <summary>The first bytes are not a datom sync preamble (another protocol, or garbage), or its reserved bytes are set.</summary>
    BadPreamble = 1,

    /// <summary>The peer speaks another protocol version.</summary>
    VersionMismatch = 2,

    /// <summary>The handshake (preamble, three Noise messages, identity proofs) did not finish in time.</summary>
    HandshakeTimeout = 3,

    /// <summary>A handshake message is longer than <see cref="SyncProtocol.MaxHandshakeMessage"/> or has the wrong form.</summary>
    HandshakeMalformed = 4,

    /// <summary>A Noise handshake message failed authentication before the mesh key was mixed in: tampering, or another prologue.</summary>
    HandshakeFailed = 5,

    /// <summary>The initiator's last handshake message fails to decrypt: its mesh key is not ours (Noise psk3), or it was tampered with.</summary>
    MeshKeyMismatch = 6,

    /// <summary>The responder closed the connection after our last handshake message: most likely its mesh key is not ours.</summary>
    HandshakeRejected = 7,

    /// <summary>The peer's Ed25519 signature over its Noise static key does not verify: it claims a node id it cannot sign for.</summary>
    IdentityProofInvalid = 8,

    /// <summary>The peer proved a node id other than the one expected at that address.</summary>
    UnexpectedPeer = 9,

    /// <summary>The peer is this node.</summary>
    SelfConnection = 10,

    /// <summary>The peer closed the connection between messages.</summary>
    ConnectionClosed = 11,

    /// <summary>The peer closed the connection in the middle of a message or frame.</summary>
    Truncated = 12,

    /// <summary>A Noise transport message is shorter than its 16-byte tag.</summary>
    NoiseMessageTooShort = 13,

    /// <summary>A Noise transport message fails authentication.</summary>
    DecryptionFailed = 14,

    /// <summary>A frame length has its top bit set (negative as a 32-bit signed integer).</summary>
    NegativeFrameLength = 15,

    /// <summary>A frame of length zero (every frame holds at least its type).</summary>
    EmptyFrame = 16,

    /// <summary>A frame is longer than this node accepts.</summary>
    FrameTooLarge = 17,

    /// <summary>A frame's MessagePack structure is wrong: a missing or extra field, a wrong type, bytes left over.</summary>
    MalformedFrame = 18,

    /// <summary>A frame's type is not one this version knows.</summary>
    UnknownMessageType = 19,

    /// <summary>A count in a frame (entries, authors, heads, hashes) exceeds its cap.</summary>
    CountTooLarge = 20,

    /// <summary>A length in a frame (an entry, a string) exceeds its cap, or a fixed-size field has the wrong size.</summary>
    FieldTooLarge = 21,

    /// <summary>A well-formed message that is not valid now (a second Hello, a reply to nothing, a round that is not running).</summary>
    UnexpectedMessage = 22,

    /// <summary>An entry the peer sent failed verification (form, signature, sequence, time).</summary>
    InvalidEntry = 23,

    /// <summary>Nothing arrived from the peer for longer than the idle timeout.</summary>
    IdleTimeout = 24,

    /// <summary>The peer is banned for a while after misbehaving.</summary>
    Banned = 25,

    /// <summary>Too many connections (overall, from one address, or handshakes in progress).</summary>
    ConnectionLimit = 26,

    /// <summary>Another connection to the same node is kept instead of this one.</summary>
    DuplicateConnection = 27,

    /// <summary>The peer said goodbye with an error of its own.</summary>
    RemoteError = 28,

    /// <summary>The peer did not answer a request in time.</summary>
    RequestTimeout = 29,

    /// <summary>This node is shutting down.</summary>
    ShuttingDown = 30,
}

/// <summary>
/// A peer broke the protocol, or the connection failed in a way with a name. Thrown before any state
/// changes and before any buffer is sized from the offending length or count.
/// </summary>
public sealed class SyncProtocolException : Exception
{
    public SyncProtocolException(SyncError error, string message, Exception? inner = null)
        : base(message, inner)
    {
        Error = error;
    }

    public SyncError Error { get; }

    /// <summary>True if the peer is to blame for the failure (and may be banned for it), not the network or this node.</summary>
    public bool IsMisbehaviour => Error is SyncError.BadPreamble or SyncError.HandshakeMalformed or SyncError.IdentityProofInvalid
        or SyncError.NoiseMessageTooShort or SyncError.DecryptionFailed or SyncError.NegativeFrameLength or SyncError.EmptyFrame
        or SyncError.FrameTooLarge or SyncError.MalformedFrame or SyncError.UnknownMessageType or SyncError.CountTooLarge
        or SyncError.FieldTooLarge or SyncError.UnexpectedMessage or SyncError.InvalidEntry;
}

/// <summary>
/// Throw helpers, out of line so that parsers stay small and every violation has one wording
/// (after nats.net's protocol parser).
/// </summary>
internal static class SyncThrow
{
    [DoesNotReturn]
    public static void Error(SyncError error, string message) => throw new SyncProtocolException(error, message);

    [DoesNotReturn]
    public static void NegativeFrameLength(int length) =>
        throw new SyncProtocolException(SyncError.NegativeFrameLength, $"frame length field is 0x{(uint)length:x8}: negative as a signed 32-bit length");

    [DoesNotReturn]
    public static void EmptyFrame() =>
        throw new SyncProtocolException(SyncError.EmptyFrame, "frame of length 0; a frame holds at least its type");

    [DoesNotReturn]
    public static void FrameTooLarge(long length, int max) =>
        throw new SyncProtocolException(SyncError.FrameTooLarge, $"frame of {length} bytes; at most {max} are accepted");

    [DoesNotReturn]
    public static void Malformed(string what, Exception? inner = null) =>
        throw new SyncProtocolException(SyncError.MalformedFrame, "malformed frame: " + what, inner);

    [DoesNotReturn]
    public static void UnknownType(long type) =>
        throw new SyncProtocolException(SyncError.UnknownMessageType, $"unknown message type {type}");

    [DoesNotReturn]
    public static void CountTooLarge(string what, long count, int max) =>
        throw new SyncProtocolException(SyncError.CountTooLarge, $"{what}: {count}; at most {max}");

    [DoesNotReturn]
    public static void FieldTooLarge(string what, long length, int max) =>
        throw new SyncProtocolException(SyncError.FieldTooLarge, $"{what}: {length} bytes; at most {max}");

    [DoesNotReturn]
    public static void FieldWrongSize(string what, long length, int expected) =>
        throw new SyncProtocolException(SyncError.FieldTooLarge, $"{what}: {length} bytes; it is exactly {expected}");

    [DoesNotReturn]
    public static void Unexpected(string what) =>
        throw new SyncProtocolException(SyncError.UnexpectedMessage, "unexpected message: " + what);

    [DoesNotReturn]
    public static void Truncated(string what) =>
        throw new SyncProtocolException(SyncError.Truncated, "connection closed in the middle of " + what);
}

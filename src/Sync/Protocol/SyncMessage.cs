using Datom.Log.Identity;
using Datom.Log.Model;

namespace Datom.Sync.Protocol;

/// <summary>The first element of every frame body. Values are stable wire constants.</summary>
public enum MessageType
{
    Hello = 1,
    SyncRequest = 2,
    Probe = 3,
    ProbeReply = 4,
    Entries = 5,
    SyncDone = 6,
    ResyncHint = 7,
    Ping = 8,
    Pong = 9,
    Goodbye = 10,
}

/// <summary>
/// One frame's content. Each frame body is a MessagePack array whose first element is the
/// <see cref="MessageType"/>; the layouts are given on each type and in <see cref="FrameCodec"/>.
/// </summary>
public abstract record SyncMessage
{
    public abstract MessageType Type { get; }
}

/// <summary>
/// <c>[1, version, bin node-id(32), bin proof(64), max-frame-bytes, str agent]</c>. The identity
/// proof: <c>proof</c> is the node's Ed25519 signature over <c>"datom.noise.v1\0" || its Noise static
/// public key</c>, so the node id is bound to the key the handshake authenticated. The initiator sends
/// it as the payload of handshake message 3, the responder as its first transport frame; both are
/// under the mesh key by then, so a node without it learns neither. An optional seventh field is the
/// sender's wall clock (Unix milliseconds) when it sent the Hello: the receiver compares it with its
/// own to report clock skew (issue 13); nothing is refused for it, whatever it says.
/// </summary>
public sealed record HelloMessage(byte Version, NodeId NodeId, byte[] Proof, int MaxFrameBytes, string Agent, long? WallClock = null, ulong? Instance = null) : SyncMessage
{
    public override MessageType Type => MessageType.Hello;
}

/// <summary>An author's heads as a summary names them: the entry and its sequence number.</summary>
public readonly record struct HeadRef(EntryHash Hash, ulong Seq);

/// <summary><c>[author(32), max-seq, [[hash(32), seq]...]]</c>: what a node holds of one author.</summary>
public sealed record AuthorHeads(NodeId Author, ulong MaxSeq, IReadOnlyList<HeadRef> Heads);

/// <summary>
/// <c>[2, round, [author-heads...]]</c>: "this is what I hold; send me what I lack". The sender pulls;
/// the receiver answers with <see cref="EntriesMessage"/>s of this round and one <see cref="SyncDoneMessage"/>.
/// </summary>
public sealed record SyncRequestMessage(uint Round, IReadOnlyList<AuthorHeads> Authors) : SyncMessage
{
    public override MessageType Type => MessageType.SyncRequest;
}

/// <summary><c>[3, round, [hash(32)...]]</c>: "do you hold these?" Sent by the side serving a round, only when forks leave it unsure.</summary>
public sealed record ProbeMessage(uint Round, IReadOnlyList<EntryHash> Hashes) : SyncMessage
{
    public override MessageType Type => MessageType.Probe;
}

/// <summary><c>[4, round, count, bin bitmap]</c>: bit i (LSB first) says the puller holds probe hash i; unused bits are zero.</summary>
public sealed record ProbeReplyMessage(uint Round, int Count, byte[] Bitmap) : SyncMessage
{
    public override MessageType Type => MessageType.ProbeReply;

    public bool IsHeld(int index) => (uint)index < (uint)Count && (Bitmap[index >> 3] & (1 << (index & 7))) != 0;

    public static ProbeReplyMessage Create(uint round, IReadOnlyList<bool> held)
    {
        ArgumentNullException.ThrowIfNull(held);
        var bitmap = new byte[(held.Count + 7) / 8];
        for (var i = 0; i < held.Count; i++)
        {
            if (held[i])
                bitmap[i >> 3] |= (byte)(1 << (i & 7));
        }
        return new ProbeReplyMessage(round, held.Count, bitmap);
    }
}

/// <summary>
/// <c>[5, round, [bin entry...]]</c>: entries in store (topological) order, each in its canonical
/// encoding. Round 0 is a live push; any other round answers that <see cref="SyncRequestMessage"/>.
/// </summary>
public sealed record EntriesMessage(uint Round, IReadOnlyList<ReadOnlyMemory<byte>> Entries) : SyncMessage
{
    public override MessageType Type => MessageType.Entries;
}

/// <summary><c>[6, round, sent]</c>: the round is answered; <c>sent</c> entries were sent in it.</summary>
public sealed record SyncDoneMessage(uint Round, long Sent) : SyncMessage
{
    public override MessageType Type => MessageType.SyncDone;
}

/// <summary><c>[7]</c>: "I have entries you may lack and could not push them all; pull from me."</summary>
public sealed record ResyncHintMessage : SyncMessage
{
    public override MessageType Type => MessageType.ResyncHint;
}

/// <summary><c>[8, nonce]</c>: keeps an idle connection alive; answered by <see cref="PongMessage"/>.</summary>
public sealed record PingMessage(ulong Nonce) : SyncMessage
{
    public override MessageType Type => MessageType.Ping;
}

/// <summary><c>[9, nonce]</c>.</summary>
public sealed record PongMessage(ulong Nonce) : SyncMessage
{
    public override MessageType Type => MessageType.Pong;
}

/// <summary><c>[10, error, str reason]</c>: the sender is closing the connection, and why.</summary>
public sealed record GoodbyeMessage(SyncError Error, string Reason) : SyncMessage
{
    public override MessageType Type => MessageType.Goodbye;
}

using System.Security.Cryptography;
using static Datom.Sync.Noise.NoiseProtocol;

namespace Datom.Sync.Noise;

/// <summary>
/// Noise §5.3 HandshakeState for 25519_ChaChaPoly_BLAKE2b: runs one side of a handshake pattern,
/// message by message, and on completion yields a <see cref="NoiseTransport"/>. Not thread-safe.
/// Any <see cref="NoiseException"/> aborts the handshake (§5.3); later calls throw
/// <see cref="InvalidOperationException"/>.
/// </summary>
/// <remarks>
/// The caller keeps ownership of the static key pair passed in; the handshake owns the ephemeral
/// keys it generates and the symmetric state, and wipes them once it completes or is disposed.
/// </remarks>
public sealed partial class HandshakeState : IDisposable
{
    private readonly HandshakePattern _pattern;
    private readonly bool _initiator;
    private readonly SymmetricState _symmetric;
    private readonly NoiseKeyPair? _s;
    private readonly NoiseKeyPair? _fixedEphemeral;
    private readonly byte[][] _psks;
    private NoiseKeyPair? _e;
    private bool _ownsE;
    private byte[]? _rs;
    private byte[]? _re;
    private int _pskIndex;
    private int _messageIndex;
    private bool _failed;
    private bool _disposed;
    private byte[]? _finalHash;
    private NoiseTransport? _transport;

    /// <summary>
    /// §5.3 <c>Initialize()</c>. Exactly the keys the pattern calls for must be supplied:
    /// <paramref name="localStatic"/> if this party ever sends or pre-shares s,
    /// <paramref name="remoteStatic"/> (32 bytes) only if the peer's s is a pre-message,
    /// and one 32-byte PSK per "psk" token, in order.
    /// </summary>
    /// <exception cref="ArgumentException">A key is missing, superfluous or the wrong length.</exception>
    public HandshakeState(
        HandshakePattern pattern,
        bool initiator,
        ReadOnlySpan<byte> prologue = default,
        NoiseKeyPair? localStatic = null,
        ReadOnlySpan<byte> remoteStatic = default,
        IReadOnlyList<byte[]>? psks = null)
        : this(pattern, initiator, prologue, localStatic, remoteStatic, psks, localEphemeral: null, remoteEphemeral: default)
    {
    }

    /// <summary>
    /// As the public constructor, plus a fixed <paramref name="localEphemeral"/> (test vectors fix
    /// it; production draws a fresh one at the "e" token) and a pre-message
    /// <paramref name="remoteEphemeral"/> (only for patterns with "e" in a pre-message).
    /// The handshake does not take ownership of <paramref name="localEphemeral"/>.
    /// </summary>
    internal HandshakeState(
        HandshakePattern pattern,
        bool initiator,
        ReadOnlySpan<byte> prologue,
        NoiseKeyPair? localStatic,
        ReadOnlySpan<byte> remoteStatic,
        IReadOnlyList<byte[]>? psks,
        NoiseKeyPair? localEphemeral,
        ReadOnlySpan<byte> remoteEphemeral)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        _pattern = pattern;
        _initiator = initiator;

        var localPre = initiator ? pattern.InitiatorPreMessage : pattern.ResponderPreMessage;
        var remotePre = initiator ? pattern.ResponderPreMessage : pattern.InitiatorPreMessage;
        var sendsStatic = localPre.Contains(NoiseToken.S)
            || pattern.Messages.Any(m => m.FromInitiator == initiator && m.Tokens.Contains(NoiseToken.S));

        if (sendsStatic && localStatic is null)
        {
            throw new ArgumentException($"Pattern {pattern.Name} needs a local static key for the {Role}.", nameof(localStatic));
        }

        if (!sendsStatic && localStatic is not null)
        {
            throw new ArgumentException($"Pattern {pattern.Name} does not use a local static key for the {Role}.", nameof(localStatic));
        }

        // A remote static key that the pattern transmits must not be supplied: it would look like
        // pinning the peer while the handshake silently accepted whatever key arrived.
        CheckRemoteKey(remotePre.Contains(NoiseToken.S), remoteStatic, "static", nameof(remoteStatic));
        CheckRemoteKey(remotePre.Contains(NoiseToken.E), remoteEphemeral, "ephemeral", nameof(remoteEphemeral));
        if (localPre.Contains(NoiseToken.E) && localEphemeral is null)
        {
            throw new ArgumentException($"Pattern {pattern.Name} pre-shares the {Role}'s ephemeral key; supply it.", nameof(localEphemeral));
        }

        psks ??= [];
        if (psks.Count != pattern.PskCount)
        {
            throw new ArgumentException($"Pattern {pattern.Name} takes {pattern.PskCount} PSKs; {psks.Count} were given.", nameof(psks));
        }

        _psks = new byte[psks.Count][];
        for (var i = 0; i < psks.Count; i++)
        {
            if (psks[i] is not { Length: PskLength } psk)
            {
                throw new ArgumentException($"PSK {i} must be {PskLength} bytes (§9).", nameof(psks));
            }

            _psks[i] = (byte[])psk.Clone();
        }

        _s = localStatic;
        _fixedEphemeral = localEphemeral;
        if (localPre.Contains(NoiseToken.E))
        {
            _e = localEphemeral;
        }

        _rs = remoteStatic.IsEmpty ? null : remoteStatic.ToArray();
        _re = remoteEphemeral.IsEmpty ? null : remoteEphemeral.ToArray();

        _symmetric = new SymmetricState(ProtocolName(pattern));
        _symmetric.MixHash(prologue);

        // §5.3: the pre-message keys are hashed, the initiator's first, each in the order listed.
        // §9.2: in a PSK handshake an "e" in a pre-message is also followed by MixKey(e).
        foreach (var (fromInitiator, tokens) in new[] { (true, pattern.InitiatorPreMessage), (false, pattern.ResponderPreMessage) })
        {
            var local = fromInitiator == initiator;
            foreach (var token in tokens)
            {
                var key = token == NoiseToken.S
                    ? (local ? _s!.PublicKey : _rs)
                    : (local ? _e!.PublicKey : _re);
                _symmetric.MixHash(key);
                if (token == NoiseToken.E && pattern.IsPskHandshake)
                {
                    _symmetric.MixKey(key);
                }
            }
        }
    }

    public HandshakePattern Pattern => _pattern;

    public bool IsInitiator => _initiator;

    /// <summary>True once every message of the pattern has been written or read.</summary>
    public bool IsCompleted => _messageIndex == _pattern.Messages.Length;

    /// <summary>True when the next handshake message is one this party writes.</summary>
    public bool IsWriteTurn => !IsCompleted && _pattern.Messages[_messageIndex].FromInitiator == _initiator;

    /// <summary>
    /// The current handshake hash h (§5.2 <c>GetHandshakeHash()</c>); after completion, the final
    /// value for channel binding. A copy.
    /// </summary>
    public byte[] GetHandshakeHash()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _finalHash is null ? _symmetric.HandshakeHash.ToArray() : (byte[])_finalHash.Clone();
    }

    /// <summary>The peer's static public key once known (pre-message or "s" token); otherwise null. A copy.</summary>
    public byte[]? GetRemoteStaticPublicKey() => (byte[]?)_rs?.Clone();

    /// <summary>
    /// The transport cipher states of §5.2 <c>Split()</c>, oriented for this party. Callable once,
    /// after <see cref="IsCompleted"/>; ownership passes to the caller.
    /// </summary>
    public NoiseTransport Split()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!IsCompleted)
        {
            throw new InvalidOperationException("Noise: the handshake is not complete.");
        }

        var transport = _transport ?? throw new InvalidOperationException("Noise: the transport was already taken.");
        _transport = null;
        return transport;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _symmetric.Dispose();
        DisposeEphemeral();
        foreach (var psk in _psks)
        {
            CryptographicOperations.ZeroMemory(psk);
        }

        _transport?.Dispose();
        _transport = null;
    }

    private string Role => _initiator ? "initiator" : "responder";

    private void CheckRemoteKey(bool preShared, ReadOnlySpan<byte> key, string kind, string parameter)
    {
        if (preShared && key.Length != DhLength)
        {
            throw new ArgumentException($"Pattern {_pattern.Name} needs the peer's {DhLength}-byte {kind} key in advance.", parameter);
        }

        if (!preShared && !key.IsEmpty)
        {
            throw new ArgumentException($"Pattern {_pattern.Name} transmits the peer's {kind} key; it must not be supplied.", parameter);
        }
    }

    /// <summary>Called after the last message: §5.3 returns Split() and the handshake state is spent.</summary>
    private void Complete()
    {
        _finalHash = _symmetric.HandshakeHash.ToArray();
        var (c1, split2) = _symmetric.Split();

        // §7.4: after a one-way handshake only the initiator sends, so the other direction is dropped.
        CipherState? c2 = split2;
        if (_pattern.IsOneWay)
        {
            split2.Dispose();
            c2 = null;
        }

        _transport = _initiator
            ? new NoiseTransport(c1, c2, _finalHash, _rs)
            : new NoiseTransport(c2, c1, _finalHash, _rs);
        _symmetric.Dispose();
        DisposeEphemeral();
    }

    private void DisposeEphemeral()
    {
        if (_ownsE)
        {
            _e?.Dispose();
        }

        _e = null;
        _ownsE = false;
    }
}

namespace Datom.Sync.Noise;

/// <summary>
/// The result of a completed handshake: the two transport cipher states of §5.2 Split(), oriented
/// for this party, plus what the handshake established. Owns and disposes both cipher states.
/// </summary>
public sealed class NoiseTransport : IDisposable
{
    private readonly CipherState? _send;
    private readonly CipherState? _receive;
    private readonly byte[] _handshakeHash;
    private readonly byte[]? _remoteStaticPublicKey;

    internal NoiseTransport(CipherState? send, CipherState? receive, byte[] handshakeHash, byte[]? remoteStaticPublicKey)
    {
        _send = send;
        _receive = receive;
        _handshakeHash = handshakeHash;
        _remoteStaticPublicKey = remoteStaticPublicKey;
    }

    /// <summary>Encrypts this party's outgoing transport messages (c1 for the initiator, c2 for the responder).</summary>
    /// <exception cref="InvalidOperationException">This is the responder of a one-way pattern (§7.4), which never sends.</exception>
    public CipherState Send => _send ?? throw new InvalidOperationException("Noise: the responder of a one-way pattern cannot send.");

    /// <summary>Decrypts the peer's transport messages (c2 for the initiator, c1 for the responder).</summary>
    /// <exception cref="InvalidOperationException">This is the initiator of a one-way pattern (§7.4), which never receives.</exception>
    public CipherState Receive => _receive ?? throw new InvalidOperationException("Noise: the initiator of a one-way pattern cannot receive.");

    /// <summary>
    /// The final handshake hash h (§5.2 GetHandshakeHash), identical on both sides; use it for
    /// channel binding (§11.2).
    /// </summary>
    public ReadOnlySpan<byte> HandshakeHash => _handshakeHash;

    /// <summary>The peer's static public key, if the pattern conveyed or pre-shared one; otherwise empty.</summary>
    public ReadOnlySpan<byte> RemoteStaticPublicKey => _remoteStaticPublicKey;

    public void Dispose()
    {
        _send?.Dispose();
        _receive?.Dispose();
    }
}

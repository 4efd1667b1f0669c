using System.Security.Cryptography;
using static Datom.Sync.Noise.NoiseProtocol;

namespace Datom.Sync.Noise;

public sealed partial class HandshakeState
{
    /// <summary>
    /// The exact length of the next (outgoing) handshake message carrying
    /// <paramref name="payloadLength"/> payload bytes.
    /// </summary>
    public int GetMessageLength(int payloadLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(payloadLength);
        CheckTurn(write: true);
        var (tokenBytes, payloadTag) = NextLayout();
        return tokenBytes + payloadLength + (payloadTag ? TagLength : 0);
    }

    /// <summary>
    /// §5.3 <c>WriteMessage(payload, message_buffer)</c>: writes the next handshake message into
    /// <paramref name="message"/> and returns its length. After the last message
    /// <see cref="IsCompleted"/> is true and <see cref="Split"/> yields the transport.
    /// <paramref name="payload"/> and <paramref name="message"/> must not overlap.
    /// </summary>
    /// <exception cref="NoiseException">The message would exceed 65535 bytes, or a DH hit a low-order point.</exception>
    /// <exception cref="InvalidOperationException">It is the peer's turn, or the handshake is over or aborted.</exception>
    public int WriteMessage(ReadOnlySpan<byte> payload, Span<byte> message)
    {
        CheckTurn(write: true);
        var (tokenBytes, payloadTag) = NextLayout();
        var length = tokenBytes + payload.Length + (payloadTag ? TagLength : 0);
        if (length > MaxMessageLength)
        {
            NoiseThrow.MessageTooLong(length);
        }

        if (message.Length < length)
        {
            throw new ArgumentException($"The message buffer holds {message.Length} bytes; {length} are needed.", nameof(message));
        }

        try
        {
            var position = 0;
            foreach (var token in _pattern.Messages[_messageIndex].Tokens)
            {
                switch (token)
                {
                    case NoiseToken.E:
                        // §5.3: e = GENERATE_KEYPAIR(); append e.public_key; MixHash(e.public_key).
                        _e = _fixedEphemeral ?? NoiseKeyPair.Generate();
                        _ownsE = _fixedEphemeral is null;
                        _e.PublicKey.CopyTo(message[position..]);
                        MixEphemeral(message.Slice(position, DhLength));
                        position += DhLength;
                        break;
                    case NoiseToken.S:
                        // §5.3: append EncryptAndHash(s.public_key).
                        position += _symmetric.EncryptAndHash(_s!.PublicKey, message[position..]);
                        break;
                    default:
                        ProcessKeyToken(token);
                        break;
                }
            }

            position += _symmetric.EncryptAndHash(payload, message[position..]);
            Advance();
            return position;
        }
        catch
        {
            _failed = true;
            throw;
        }
    }

    /// <summary>Allocating form of <see cref="WriteMessage(ReadOnlySpan{byte}, Span{byte})"/>.</summary>
    public byte[] WriteMessage(ReadOnlySpan<byte> payload)
    {
        CheckTurn(write: true);
        var length = GetMessageLength(payload.Length);
        if (length > MaxMessageLength)
        {
            NoiseThrow.MessageTooLong(length);
        }

        var message = new byte[length];
        WriteMessage(payload, message);
        return message;
    }

    /// <summary>
    /// §5.3 <c>ReadMessage(message, payload_buffer)</c>: processes the peer's next handshake message
    /// and writes its payload into <paramref name="payload"/>, returning the payload length.
    /// Lengths are checked against the pattern before any state changes.
    /// <paramref name="message"/> and <paramref name="payload"/> must not overlap.
    /// </summary>
    /// <exception cref="NoiseException">The message is too short or too long, fails authentication, or carries a low-order key.</exception>
    /// <exception cref="InvalidOperationException">It is this party's turn to write, or the handshake is over or aborted.</exception>
    public int ReadMessage(ReadOnlySpan<byte> message, Span<byte> payload)
    {
        var payloadLength = GetPayloadLength(message.Length);
        if (payload.Length < payloadLength)
        {
            throw new ArgumentException($"The payload buffer holds {payload.Length} bytes; {payloadLength} are needed.", nameof(payload));
        }

        try
        {
            var position = 0;
            foreach (var token in _pattern.Messages[_messageIndex].Tokens)
            {
                switch (token)
                {
                    case NoiseToken.E:
                        // §5.3: re = the next DHLEN bytes; MixHash(re.public_key).
                        _re = message.Slice(position, DhLength).ToArray();
                        MixEphemeral(_re);
                        position += DhLength;
                        break;
                    case NoiseToken.S:
                        // §5.3: DHLEN + 16 bytes if HasKey(), else DHLEN; rs = DecryptAndHash(temp).
                        var sealedLength = DhLength + (_symmetric.HasKey ? TagLength : 0);
                        var rs = new byte[DhLength];
                        _symmetric.DecryptAndHash(message.Slice(position, sealedLength), rs);
                        _rs = rs;
                        position += sealedLength;
                        break;
                    default:
                        ProcessKeyToken(token);
                        break;
                }
            }

            var written = _symmetric.DecryptAndHash(message[position..], payload);
            Advance();
            return written;
        }
        catch
        {
            _failed = true;
            throw;
        }
    }

    /// <summary>Allocating form of <see cref="ReadMessage(ReadOnlySpan{byte}, Span{byte})"/>.</summary>
    public byte[] ReadMessage(ReadOnlySpan<byte> message)
    {
        var payload = new byte[GetPayloadLength(message.Length)];
        ReadMessage(message, payload);
        return payload;
    }

    /// <summary>
    /// The payload length an incoming handshake message of <paramref name="messageLength"/> bytes
    /// carries, checking it against the 65535-byte cap (§3) and the pattern's minimum.
    /// </summary>
    /// <exception cref="NoiseException">The length is out of bounds.</exception>
    public int GetPayloadLength(int messageLength)
    {
        CheckTurn(write: false);
        if (messageLength > MaxMessageLength)
        {
            NoiseThrow.MessageTooLong(messageLength);
        }

        var (tokenBytes, payloadTag) = NextLayout();
        var minimum = tokenBytes + (payloadTag ? TagLength : 0);
        if (messageLength < minimum)
        {
            NoiseThrow.MessageTooShort(messageLength, minimum);
        }

        return messageLength - minimum;
    }

    /// <summary>
    /// The fixed bytes the next message's tokens occupy, and whether its payload carries a tag,
    /// found by replaying the §5.3 key-state rules without touching state: "e" is DHLEN bytes (and
    /// sets a key in a PSK handshake, §9.2), "s" is DHLEN plus a tag once a key is set, and every
    /// DH or "psk" token sets a key.
    /// </summary>
    private (int TokenBytes, bool PayloadTag) NextLayout()
    {
        var hasKey = _symmetric.HasKey;
        var bytes = 0;
        foreach (var token in _pattern.Messages[_messageIndex].Tokens)
        {
            switch (token)
            {
                case NoiseToken.E:
                    bytes += DhLength;
                    hasKey |= _pattern.IsPskHandshake;
                    break;
                case NoiseToken.S:
                    bytes += DhLength + (hasKey ? TagLength : 0);
                    break;
                default:
                    hasKey = true;
                    break;
            }
        }

        return (bytes, hasKey);
    }

    /// <summary>§5.3 "e" after the key is placed: MixHash(e), and in a PSK handshake also MixKey(e) (§9.2).</summary>
    private void MixEphemeral(ReadOnlySpan<byte> publicKey)
    {
        _symmetric.MixHash(publicKey);
        if (_pattern.IsPskHandshake)
        {
            _symmetric.MixKey(publicKey);
        }
    }

    /// <summary>
    /// The DH tokens of §5.3 and the "psk" token of §9.2. In "es" and "se" the first letter is the
    /// initiator's key, so which local key is used depends on the role.
    /// </summary>
    private void ProcessKeyToken(NoiseToken token)
    {
        switch (token)
        {
            case NoiseToken.EE:
                MixDh(_e, _re);
                break;
            case NoiseToken.ES:
                if (_initiator)
                {
                    MixDh(_e, _rs);
                }
                else
                {
                    MixDh(_s, _re);
                }

                break;
            case NoiseToken.SE:
                if (_initiator)
                {
                    MixDh(_s, _re);
                }
                else
                {
                    MixDh(_e, _rs);
                }

                break;
            case NoiseToken.SS:
                MixDh(_s, _rs);
                break;
            case NoiseToken.Psk:
                _symmetric.MixKeyAndHash(_psks[_pskIndex++]);
                break;
            default:
                throw new InvalidOperationException($"Noise: token {token} is not a key token.");
        }
    }

    private void MixDh(NoiseKeyPair? local, byte[]? remote)
    {
        // Pattern validation (§7.3 rule 1) and the constructor's key checks make both present.
        if (local is null || remote is null)
        {
            throw new InvalidOperationException($"Noise: pattern {_pattern.Name} reached a DH without its keys.");
        }

        Span<byte> shared = stackalloc byte[DhLength];
        try
        {
            local.Agree(remote, shared);
            _symmetric.MixKey(shared);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(shared);
        }
    }

    private void Advance()
    {
        _messageIndex++;
        if (IsCompleted)
        {
            Complete();
        }
    }

    private void CheckTurn(bool write)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_failed)
        {
            throw new InvalidOperationException("Noise: the handshake was aborted by an earlier error (§5.3).");
        }

        if (IsCompleted)
        {
            throw new InvalidOperationException("Noise: the handshake is already complete.");
        }

        if (IsWriteTurn != write)
        {
            throw new InvalidOperationException(write
                ? "Noise: it is the peer's turn to send a handshake message."
                : "Noise: it is this party's turn to send a handshake message.");
        }
    }
}

using Datom.Sync.Noise;

namespace Datom.Sync.Tests.Noise;

/// <summary>
/// An initiator and a responder for one pattern, with exactly the keys the pattern calls for.
/// Keys are deterministic (private key = 32 copies of a seed byte) and, unless asked otherwise,
/// so are the ephemerals, so the same setup always produces the same messages.
/// </summary>
internal sealed class NoisePeers : IDisposable
{
    public static readonly byte[] Psk = [.. Enumerable.Range(0, 32).Select(i => (byte)(0xa0 + i))];
    public static readonly byte[] Prologue = "datom-p2p test prologue"u8.ToArray();

    private readonly List<IDisposable> _owned = [];

    public NoisePeers(HandshakePattern pattern, byte[]? initiatorPsk = null, byte[]? responderPsk = null, bool fixedEphemerals = true)
    {
        Pattern = pattern;
        var initiatorStatic = SendsStatic(pattern, initiator: true) ? Own(KeyFromSeed(0x11)) : null;
        var responderStatic = SendsStatic(pattern, initiator: false) ? Own(KeyFromSeed(0x22)) : null;
        InitiatorStatic = initiatorStatic;
        ResponderStatic = responderStatic;
        var initiatorEphemeral = fixedEphemerals ? Own(KeyFromSeed(0x33)) : null;
        var responderEphemeral = fixedEphemerals ? Own(KeyFromSeed(0x44)) : null;
        var initiatorPsks = Enumerable.Repeat(initiatorPsk ?? Psk, pattern.PskCount).ToArray();
        var responderPsks = Enumerable.Repeat(responderPsk ?? Psk, pattern.PskCount).ToArray();

        Initiator = Own(new HandshakeState(
            pattern, true, Prologue, initiatorStatic,
            pattern.ResponderPreMessage.Contains(NoiseToken.S) ? responderStatic!.PublicKey : default,
            initiatorPsks, initiatorEphemeral, default));
        Responder = Own(new HandshakeState(
            pattern, false, Prologue, responderStatic,
            pattern.InitiatorPreMessage.Contains(NoiseToken.S) ? initiatorStatic!.PublicKey : default,
            responderPsks, responderEphemeral, default));
    }

    public HandshakePattern Pattern { get; }

    public HandshakeState Initiator { get; }

    public HandshakeState Responder { get; }

    public NoiseKeyPair? InitiatorStatic { get; }

    public NoiseKeyPair? ResponderStatic { get; }

    public static NoiseKeyPair KeyFromSeed(byte seed) => NoiseKeyPair.FromPrivateKey(Enumerable.Repeat(seed, 32).ToArray());

    public static byte[] PayloadFor(int message) => System.Text.Encoding.ASCII.GetBytes($"handshake payload {message}");

    public static bool SendsStatic(HandshakePattern pattern, bool initiator) =>
        (initiator ? pattern.InitiatorPreMessage : pattern.ResponderPreMessage).Contains(NoiseToken.S)
        || pattern.Messages.Any(m => m.FromInitiator == initiator && m.Tokens.Contains(NoiseToken.S));

    /// <summary>
    /// Runs the handshake; <paramref name="deliver"/> may rewrite message i on the wire. Returns
    /// the messages as sent (before rewriting). Payloads are checked only for untouched runs: a
    /// plaintext payload (e.g. NN's first) may legitimately arrive changed, to be caught later.
    /// </summary>
    public List<byte[]> Run(Func<int, byte[], byte[]>? deliver = null)
    {
        var sent = new List<byte[]>();
        for (var i = 0; !Initiator.IsCompleted || !Responder.IsCompleted; i++)
        {
            var (writer, reader) = Initiator.IsWriteTurn ? (Initiator, Responder) : (Responder, Initiator);
            var message = writer.WriteMessage(PayloadFor(i));
            sent.Add(message);
            var onWire = deliver is null ? message : deliver(i, message);
            var payload = reader.ReadMessage(onWire);
            if (deliver is null && !payload.AsSpan().SequenceEqual(PayloadFor(i)))
            {
                throw new InvalidOperationException($"payload {i} changed in transit without detection");
            }
        }

        return sent;
    }

    /// <summary>Runs the handshake then one transport message each way (one way only for one-way patterns).</summary>
    public void RunWithTransport(Func<int, byte[], byte[]>? deliver = null)
    {
        Run(deliver);
        using var initiator = Initiator.Split();
        using var responder = Responder.Split();
        byte[] ping = [1, 2, 3];
        Check(responder.Receive.DecryptWithAd([], initiator.Send.EncryptWithAd([], ping)), ping);
        if (!Pattern.IsOneWay)
        {
            byte[] pong = [4, 5, 6];
            Check(initiator.Receive.DecryptWithAd([], responder.Send.EncryptWithAd([], pong)), pong);
        }

        static void Check(byte[] actual, byte[] expected)
        {
            if (!actual.AsSpan().SequenceEqual(expected))
            {
                throw new InvalidOperationException("transport payload changed without detection");
            }
        }
    }

    public void Dispose()
    {
        for (var i = _owned.Count - 1; i >= 0; i--)
        {
            _owned[i].Dispose();
        }
    }

    private T Own<T>(T disposable)
        where T : IDisposable
    {
        _owned.Add(disposable);
        return disposable;
    }
}

namespace Datom.Sync.Noise;

public sealed partial class HandshakePattern
{
    /// <summary>
    /// Checks the validity rules of §7.3 and the PSK rule of §9.3 by walking the pattern once:
    /// <list type="number">
    /// <item>a party may only DH with public keys it has received (or was given in a pre-message);</item>
    /// <item>no party sends its e or s more than once, pre-messages included;</item>
    /// <item>no DH token appears twice;</item>
    /// <item>after a DH of its static key with a remote key, a party must not ENCRYPT until it has also
    /// done a DH of its ephemeral with that remote key;</item>
    /// <item>§9.3: after a "psk" token a party must not ENCRYPT until it has sent its own e.</item>
    /// </list>
    /// Encryptions are the "s" token and the payload of a message when a key is set, and every
    /// transport message after the handshake (only the initiator's for one-way patterns).
    /// </summary>
    private void Validate()
    {
        var state = new Walk();
        foreach (var token in InitiatorPreMessage)
        {
            state.Send(Name, initiator: true, token);
        }

        foreach (var token in ResponderPreMessage)
        {
            state.Send(Name, initiator: false, token);
        }

        var hasKey = false;
        foreach (var message in Messages)
        {
            var sender = message.FromInitiator;
            foreach (var token in message.Tokens)
            {
                switch (token)
                {
                    case NoiseToken.E:
                        state.Send(Name, sender, token);
                        hasKey |= IsPskHandshake;
                        break;
                    case NoiseToken.S:
                        state.Send(Name, sender, token);
                        if (hasKey)
                        {
                            state.CheckEncrypt(Name, sender);
                        }

                        break;
                    case NoiseToken.Psk:
                        state.PskSeen = true;
                        hasKey = true;
                        break;
                    default:
                        state.Dh(Name, token);
                        hasKey = true;
                        break;
                }
            }

            if (hasKey)
            {
                state.CheckEncrypt(Name, sender);
            }
        }

        // Transport messages are always encrypted.
        state.CheckEncrypt(Name, initiator: true);
        if (!IsOneWay)
        {
            state.CheckEncrypt(Name, initiator: false);
        }
    }

    private sealed class Walk
    {
        private bool _initiatorE;
        private bool _initiatorS;
        private bool _responderE;
        private bool _responderS;
        private readonly HashSet<NoiseToken> _dh = [];

        public bool PskSeen { get; set; }

        public void Send(string name, bool initiator, NoiseToken token)
        {
            ref var sent = ref token == NoiseToken.E
                ? ref (initiator ? ref _initiatorE : ref _responderE)
                : ref (initiator ? ref _initiatorS : ref _responderS);
            if (sent)
            {
                throw Malformed(name, $"the {Role(initiator)} sends '{FormatToken(token)}' twice (§7.3)");
            }

            sent = true;
        }

        public void Dh(string name, NoiseToken token)
        {
            // The first letter names the initiator's key, the second the responder's (§7.1).
            var (initiatorKey, responderKey) = token switch
            {
                NoiseToken.EE => (_initiatorE, _responderE),
                NoiseToken.ES => (_initiatorE, _responderS),
                NoiseToken.SE => (_initiatorS, _responderE),
                NoiseToken.SS => (_initiatorS, _responderS),
                _ => throw new ArgumentOutOfRangeException(nameof(token)),
            };
            if (!initiatorKey || !responderKey)
            {
                throw Malformed(name, $"'{FormatToken(token)}' uses a key that has not been sent yet (§7.3)");
            }

            if (!_dh.Add(token))
            {
                throw Malformed(name, $"'{FormatToken(token)}' appears twice (§7.3)");
            }
        }

        public void CheckEncrypt(string name, bool initiator)
        {
            // For the initiator: se is (local s, remote e), needing ee; ss is (local s, remote s),
            // needing es. For the responder: es is (local s, remote e), needing ee; ss needs se.
            var (staticWithRemoteE, staticWithRemoteS, ephemeralWithRemoteS) = initiator
                ? (NoiseToken.SE, NoiseToken.SS, NoiseToken.ES)
                : (NoiseToken.ES, NoiseToken.SS, NoiseToken.SE);
            if ((_dh.Contains(staticWithRemoteE) && !_dh.Contains(NoiseToken.EE))
                || (_dh.Contains(staticWithRemoteS) && !_dh.Contains(ephemeralWithRemoteS)))
            {
                throw Malformed(name, $"the {Role(initiator)} encrypts after a static-key DH without the matching ephemeral DH (§7.3)");
            }

            if (PskSeen && !(initiator ? _initiatorE : _responderE))
            {
                throw Malformed(name, $"the {Role(initiator)} encrypts after a psk without having sent e (§9.3)");
            }
        }

        private static string Role(bool initiator) => initiator ? "initiator" : "responder";
    }
}

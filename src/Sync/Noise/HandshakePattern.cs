using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Datom.Sync.Noise;

/// <summary>The tokens of Noise §7.1 message patterns, and "psk" of §9.2.</summary>
public enum NoiseToken
{
    E,
    S,
    EE,
    ES,
    SE,
    SS,
    Psk,
}

/// <summary>One message of a handshake pattern: who sends it and the tokens it carries (§7.1).</summary>
public sealed class MessagePattern
{
    internal MessagePattern(bool fromInitiator, ImmutableArray<NoiseToken> tokens)
    {
        FromInitiator = fromInitiator;
        Tokens = tokens;
    }

    /// <summary>True for "->" (initiator to responder), false for "&lt;-".</summary>
    public bool FromInitiator { get; }

    public ImmutableArray<NoiseToken> Tokens { get; }

    public override string ToString() => HandshakePattern.FormatLine(FromInitiator, Tokens);
}

/// <summary>
/// A Noise handshake pattern (§7): optional pre-messages and a sequence of message patterns,
/// parsed from the spec's own notation and checked against the validity rules of §7.3 and §9.3.
/// </summary>
public sealed partial class HandshakePattern
{
    private HandshakePattern(
        string name,
        ImmutableArray<NoiseToken> initiatorPreMessage,
        ImmutableArray<NoiseToken> responderPreMessage,
        ImmutableArray<MessagePattern> messages)
    {
        Name = name;
        InitiatorPreMessage = initiatorPreMessage;
        ResponderPreMessage = responderPreMessage;
        Messages = messages;
        foreach (var message in messages)
        {
            foreach (var token in message.Tokens)
            {
                if (token == NoiseToken.Psk)
                {
                    PskCount++;
                }
            }
        }
    }

    /// <summary>The pattern's name as it appears in the protocol name, e.g. "XXpsk3".</summary>
    public string Name { get; }

    /// <summary>Keys the responder knows in advance about the initiator ("-> s" before "...").</summary>
    public ImmutableArray<NoiseToken> InitiatorPreMessage { get; }

    /// <summary>Keys the initiator knows in advance about the responder ("&lt;- s" before "...").</summary>
    public ImmutableArray<NoiseToken> ResponderPreMessage { get; }

    public ImmutableArray<MessagePattern> Messages { get; }

    /// <summary>Number of "psk" tokens, hence of 32-byte PSKs each party must supply (§9).</summary>
    public int PskCount { get; }

    /// <summary>§9.2: a PSK handshake is one with any "psk" token; its "e" tokens also MixKey.</summary>
    public bool IsPskHandshake => PskCount > 0;

    /// <summary>
    /// §7.4: a one-way pattern has a single message, after which only the initiator sends.
    /// </summary>
    public bool IsOneWay => Messages.Length == 1;

    /// <summary>
    /// Parses the notation of §7.1, e.g. <c>"&lt;- s\n...\n-> e, es, s, ss\n&lt;- e, ee, se"</c>.
    /// Pre-message lines come before a "..." line; the initiator's pre-message, if any, first.
    /// </summary>
    /// <exception cref="FormatException">The notation is malformed or violates §7.3 / §9.3.</exception>
    public static HandshakePattern Parse(string name, string notation)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(notation);

        var lines = notation
            .Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var ellipsis = Array.IndexOf(lines, "...");
        var preLines = ellipsis < 0 ? [] : lines[..ellipsis];
        var messageLines = ellipsis < 0 ? lines : lines[(ellipsis + 1)..];

        var initiatorPre = ImmutableArray<NoiseToken>.Empty;
        var responderPre = ImmutableArray<NoiseToken>.Empty;
        if (preLines.Length > 2)
        {
            throw Malformed(name, "at most two pre-message lines are allowed");
        }

        for (var i = 0; i < preLines.Length; i++)
        {
            var (fromInitiator, tokens) = ParseLine(name, preLines[i]);
            if (fromInitiator && (i > 0 || !initiatorPre.IsEmpty))
            {
                throw Malformed(name, "the initiator's pre-message must come first and only once");
            }

            if (!fromInitiator && !responderPre.IsEmpty)
            {
                throw Malformed(name, "the responder has more than one pre-message");
            }

            foreach (var token in tokens)
            {
                if (token is not (NoiseToken.E or NoiseToken.S))
                {
                    throw Malformed(name, "pre-messages may contain only e and s (§7.1, §9.3)");
                }
            }

            if (fromInitiator)
            {
                initiatorPre = tokens;
            }
            else
            {
                responderPre = tokens;
            }
        }

        if (messageLines.Length == 0)
        {
            throw Malformed(name, "a pattern needs at least one message");
        }

        var messages = ImmutableArray.CreateBuilder<MessagePattern>(messageLines.Length);
        for (var i = 0; i < messageLines.Length; i++)
        {
            var (fromInitiator, tokens) = ParseLine(name, messageLines[i]);

            // §7.1: the first message is the initiator's and the directions alternate.
            if (fromInitiator != (i % 2 == 0))
            {
                throw Malformed(name, $"message {i + 1} has the wrong direction; messages alternate starting with ->");
            }

            messages.Add(new MessagePattern(fromInitiator, tokens));
        }

        var pattern = new HandshakePattern(name, initiatorPre, responderPre, messages.MoveToImmutable());
        pattern.Validate();
        return pattern;
    }

    /// <summary>
    /// A pattern by name: one of the fundamental patterns of §7.4/§7.5 (N, K, X, NN, NK, NX, KN,
    /// KK, KX, XN, XK, XX, IN, IK, IX), optionally with psk modifiers (§9.4), e.g. "XXpsk3" or
    /// "NNpsk0+psk2".
    /// </summary>
    /// <exception cref="ArgumentException">The name is unknown or its modifiers are malformed.</exception>
    public static HandshakePattern FromName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return TryFromName(name, out var pattern)
            ? pattern
            : throw new ArgumentException($"Unknown or unsupported Noise handshake pattern '{name}'.", nameof(name));
    }

    /// <summary>Like <see cref="FromName"/>, returning false instead of throwing.</summary>
    public static bool TryFromName(string name, [NotNullWhen(true)] out HandshakePattern? pattern)
    {
        ArgumentNullException.ThrowIfNull(name);
        pattern = null;
        var pskAt = name.IndexOf("psk", StringComparison.Ordinal);
        var baseName = pskAt < 0 ? name : name[..pskAt];
        if (!Fundamental.TryGetValue(baseName, out var notation))
        {
            return false;
        }

        if (pskAt < 0)
        {
            pattern = Parse(name, notation);
            return true;
        }

        var parsed = Parse(baseName, notation);
        var messages = parsed.Messages.Select(m => m.Tokens.ToBuilder()).ToArray();
        var seen = new HashSet<int>();
        foreach (var modifier in name[pskAt..].Split('+'))
        {
            // §9.4: "psk0" puts a psk token at the start of the first message; "pskN" (N >= 1)
            // at the end of the N-th message.
            if (!modifier.StartsWith("psk", StringComparison.Ordinal)
                || modifier.Length is < 4 or > 5
                || !int.TryParse(modifier.AsSpan(3), NumberStyles.None, CultureInfo.InvariantCulture, out var position)
                || (modifier.Length == 5 && modifier[3] == '0')
                || position > messages.Length
                || !seen.Add(position))
            {
                return false;
            }

            if (position == 0)
            {
                messages[0].Insert(0, NoiseToken.Psk);
            }
            else
            {
                messages[position - 1].Add(NoiseToken.Psk);
            }
        }

        var built = new HandshakePattern(
            name,
            parsed.InitiatorPreMessage,
            parsed.ResponderPreMessage,
            [.. parsed.Messages.Select((m, i) => new MessagePattern(m.FromInitiator, messages[i].ToImmutable()))]);
        try
        {
            built.Validate();
        }
        catch (FormatException)
        {
            return false;
        }

        pattern = built;
        return true;
    }

    /// <summary>
    /// The pattern in the notation of §7.1, one message per line; <see cref="Parse"/> accepts it
    /// back with <see cref="Name"/>.
    /// </summary>
    public override string ToString()
    {
        var lines = new List<string>();
        if (!InitiatorPreMessage.IsEmpty)
        {
            lines.Add(FormatLine(true, InitiatorPreMessage));
        }

        if (!ResponderPreMessage.IsEmpty)
        {
            lines.Add(FormatLine(false, ResponderPreMessage));
        }

        if (lines.Count > 0)
        {
            lines.Add("...");
        }

        lines.AddRange(Messages.Select(m => m.ToString()));
        return string.Join('\n', lines);
    }

    internal static string FormatLine(bool fromInitiator, ImmutableArray<NoiseToken> tokens) =>
        (fromInitiator ? "-> " : "<- ") + string.Join(", ", tokens.Select(FormatToken));

    private static string FormatToken(NoiseToken token) => token switch
    {
        NoiseToken.E => "e",
        NoiseToken.S => "s",
        NoiseToken.EE => "ee",
        NoiseToken.ES => "es",
        NoiseToken.SE => "se",
        NoiseToken.SS => "ss",
        NoiseToken.Psk => "psk",
        _ => throw new ArgumentOutOfRangeException(nameof(token)),
    };

    private static (bool FromInitiator, ImmutableArray<NoiseToken> Tokens) ParseLine(string name, string line)
    {
        bool fromInitiator;
        if (line.StartsWith("->", StringComparison.Ordinal))
        {
            fromInitiator = true;
        }
        else if (line.StartsWith("<-", StringComparison.Ordinal))
        {
            fromInitiator = false;
        }
        else
        {
            throw Malformed(name, $"line '{line}' does not start with -> or <-");
        }

        var body = line[2..].Trim();
        if (body.Length == 0)
        {
            throw Malformed(name, $"line '{line}' has no tokens");
        }

        var tokens = ImmutableArray.CreateBuilder<NoiseToken>();
        foreach (var word in body.Split(',', StringSplitOptions.TrimEntries))
        {
            tokens.Add(word switch
            {
                "e" => NoiseToken.E,
                "s" => NoiseToken.S,
                "ee" => NoiseToken.EE,
                "es" => NoiseToken.ES,
                "se" => NoiseToken.SE,
                "ss" => NoiseToken.SS,
                "psk" => NoiseToken.Psk,
                _ => throw Malformed(name, $"unknown token '{word}'"),
            });
        }

        return (fromInitiator, tokens.ToImmutable());
    }

    private static FormatException Malformed(string name, string reason) =>
        new($"Noise handshake pattern '{name}': {reason}.");
}

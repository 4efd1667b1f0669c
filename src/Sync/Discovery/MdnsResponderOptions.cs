namespace Datom.Sync.Discovery;

/// <summary>Settings of an <see cref="MdnsResponder"/>.</summary>
public sealed class MdnsResponderOptions
{
    /// <summary>
    /// The host label (the part before <c>.local</c>) that the SRV record points at. Default:
    /// <c>datom-</c> and the first 16 characters of the node id, unique enough that two nodes on
    /// one LAN rarely need to rename.
    /// </summary>
    public string? HostName { get; init; }

    /// <summary>The instance label. Default: the node id (52 characters, one DNS label).</summary>
    public string? InstanceName { get; init; }

    /// <summary>
    /// Unsolicited announcements after probing (RFC 6762 §8.3: at least 2, at most 8), the first
    /// two one second apart and each later gap twice the one before.
    /// </summary>
    public int Announcements { get; init; } = 2;

    /// <summary>Answer simple resolvers that query from a port other than 5353 (RFC 6762 §6.7).</summary>
    public bool AnswerLegacyQueries { get; init; } = true;

    internal void Validate()
    {
        if (Announcements is < 2 or > 8)
            throw new ArgumentOutOfRangeException(nameof(Announcements), Announcements, "RFC 6762 §8.3 asks for 2 to 8 announcements");
        if (HostName is not null && !MdnsNames.IsValidHostLabel(HostName))
            throw new ArgumentException($"'{HostName}' is not a host label (letters, digits and inner hyphens, at most 63)", nameof(HostName));
        if (InstanceName is not null && !MdnsNames.IsValidLabel(InstanceName))
            throw new ArgumentException($"'{InstanceName}' is not an instance label (printable ASCII, at most 63 bytes)", nameof(InstanceName));
    }
}

/// <summary>Where a responder is in RFC 6762 §8's start-up sequence.</summary>
public enum MdnsResponderState
{
    /// <summary>Not started, or stopped (goodbyes sent).</summary>
    Stopped,

    /// <summary>Asking whether anyone else uses the names (§8.1); answers nothing yet.</summary>
    Probing,

    /// <summary>Names won; sending the unsolicited announcements (§8.3) and answering queries.</summary>
    Announcing,

    /// <summary>Announcements done; answering queries.</summary>
    Announced,
}

/// <summary>A name changed after a conflict (RFC 6762 §9).</summary>
public sealed class MdnsNameChangedEventArgs(string oldInstance, string newInstance, string oldHost, string newHost) : EventArgs
{
    public string OldInstanceName { get; } = oldInstance;

    public string NewInstanceName { get; } = newInstance;

    public string OldHostName { get; } = oldHost;

    public string NewHostName { get; } = newHost;
}

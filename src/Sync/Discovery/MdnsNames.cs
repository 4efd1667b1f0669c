using System.Text;
using ARSoft.Tools.Net;

namespace Datom.Sync.Discovery;

/// <summary>Names as mDNS compares them, and the rules for our own labels.</summary>
internal static class MdnsNames
{
    /// <summary>RFC 1035 §2.3.4: a label is at most 63 octets.</summary>
    public const int MaxLabelLength = 63;

    /// <summary>RFC 1035 §2.3.4: a name is at most 255 octets on the wire.</summary>
    public const int MaxNameLength = 255;

    public static DomainName ServiceType { get; } = DomainName.Parse(MdnsProtocol.DatomServiceType);

    public static DomainName ServiceEnumeration { get; } = DomainName.Parse(MdnsProtocol.ServiceEnumerationName);

    public static DomainName Local { get; } = DomainName.Parse("local");

    public static readonly string ServiceTypeKey = Key(ServiceType);

    public static readonly string ServiceEnumerationKey = Key(ServiceEnumeration);

    /// <summary>
    /// A comparison key for a name: labels lower-cased in ASCII only (RFC 6762 §16: mDNS names
    /// compare case-insensitively for ASCII letters) and joined by a separator that cannot occur in
    /// a label we parsed, so <c>a.b</c> as one label never equals the two labels <c>a</c>, <c>b</c>.
    /// </summary>
    public static string Key(DomainName name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var sb = new StringBuilder();
        foreach (var label in name.Labels)
        {
            if (sb.Length > 0)
                sb.Append('\u0001');
            foreach (var c in label)
                sb.Append(c is >= 'A' and <= 'Z' ? (char)(c + 32) : c);
        }
        return sb.ToString();
    }

    /// <summary>The instance label if <paramref name="name"/> is <c>&lt;label&gt;._datom._tcp.local</c>, else null.</summary>
    public static string? InstanceLabel(DomainName name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.LabelCount != ServiceType.LabelCount + 1)
            return null;
        return Key(name.GetParentName()) == ServiceTypeKey ? name.Labels[0] : null;
    }

    public static DomainName Instance(string label) => new([label, .. ServiceType.Labels]);

    public static DomainName Host(string label) => new([label, .. Local.Labels]);

    /// <summary>Whether a label fits on the wire (1 to 63 bytes of ASCII, since ARSoft encodes labels as ASCII).</summary>
    public static bool IsValidLabel(string label) =>
        label.Length is > 0 and <= MaxLabelLength && label.All(c => c is > ' ' and < '\u007f' || c == ' ');

    /// <summary>
    /// Whether a host label is a plain DNS host name (RFC 1123: letters, digits, hyphens, not
    /// starting or ending with a hyphen), as other stacks expect of an SRV target.
    /// </summary>
    public static bool IsValidHostLabel(string label) =>
        label.Length is > 0 and <= MaxLabelLength
        && label[0] != '-' && label[^1] != '-'
        && label.All(c => c is >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9' or '-');

    /// <summary>
    /// The name to try after a conflict (RFC 6762 §9, RFC 6763 §4.1 for instance names: a
    /// user-visible name gets a number in parentheses). <paramref name="attempt"/> counts from 2.
    /// The base is cut so the result stays within 63 bytes.
    /// </summary>
    public static string RenameInstance(string baseLabel, int attempt)
    {
        var suffix = $" ({attempt})";
        var room = MaxLabelLength - suffix.Length;
        return (baseLabel.Length > room ? baseLabel[..room] : baseLabel) + suffix;
    }

    /// <summary>The host name to try after a conflict: <c>host-2</c>, <c>host-3</c> (hyphen, as host names allow no spaces).</summary>
    public static string RenameHost(string baseLabel, int attempt)
    {
        var suffix = $"-{attempt}";
        var room = MaxLabelLength - suffix.Length;
        return (baseLabel.Length > room ? baseLabel[..room] : baseLabel) + suffix;
    }
}

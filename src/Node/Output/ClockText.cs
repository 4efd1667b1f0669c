using System.Text.Json;
using Datom.Log.Model;

namespace Datom.Node.Output;

/// <summary>How <c>status</c> and <c>peers</c> show clock skew: a signed, readable span (<see cref="ClockSpan"/>), and milliseconds in JSON.</summary>
internal static class ClockText
{
    /// <summary>A peer's clock less ours: "+365 d 0 h", "-1.3 s", "+0 ms"; "" when unknown.</summary>
    public static string Offset(TimeSpan? offset) => offset is { } o ? ClockSpan.Signed(o) : "";

    /// <summary>A non-negative span in the largest unit that reads well.</summary>
    public static string Span(TimeSpan span) => ClockSpan.Format(span);

    /// <summary>Writes the offset in milliseconds, or null when the peer did not say.</summary>
    public static void WriteOffset(Utf8JsonWriter w, string name, TimeSpan? offset)
    {
        if (offset is { } o)
            w.WriteNumber(name, (long)o.TotalMilliseconds);
        else
            w.WriteNull(name);
    }
}

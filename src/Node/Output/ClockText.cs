using System.Globalization;
using System.Text.Json;

namespace Datom.Node.Output;

/// <summary>How <c>status</c> and <c>peers</c> show clock skew: a signed, readable span.</summary>
internal static class ClockText
{
    /// <summary>A peer's clock less ours: "+365 d 0 h", "-1.3 s", "+0 ms"; "" when unknown.</summary>
    public static string Offset(TimeSpan? offset) =>
        offset is not { } o ? "" : (o < TimeSpan.Zero ? "-" : "+") + Span(o.Duration());

    /// <summary>A non-negative span in the largest unit that reads well.</summary>
    public static string Span(TimeSpan span)
    {
        var c = CultureInfo.InvariantCulture;
        // Rounded to the smaller unit shown: a year less the half second a handshake takes is "365 d 0 h".
        if (span.TotalDays >= 1)
        {
            var hours = (long)Math.Round(span.TotalHours);
            return string.Create(c, $"{hours / 24} d {hours % 24} h");
        }
        if (span.TotalHours >= 1)
        {
            var minutes = (long)Math.Round(span.TotalMinutes);
            return string.Create(c, $"{minutes / 60} h {minutes % 60} min");
        }
        if (span.TotalMinutes >= 1)
        {
            var seconds = (long)Math.Round(span.TotalSeconds);
            return string.Create(c, $"{seconds / 60} min {seconds % 60} s");
        }
        if (span.TotalSeconds >= 1)
            return span.TotalSeconds.ToString("0.0", c) + " s";
        return ((long)span.TotalMilliseconds).ToString(c) + " ms";
    }

    /// <summary>Writes the offset in milliseconds, or null when the peer did not say.</summary>
    public static void WriteOffset(Utf8JsonWriter w, string name, TimeSpan? offset)
    {
        if (offset is { } o)
            w.WriteNumber(name, (long)o.TotalMilliseconds);
        else
            w.WriteNull(name);
    }
}

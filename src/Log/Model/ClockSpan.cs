using System.Globalization;

namespace Datom.Log.Model;

/// <summary>
/// Clock skew as people read it, in the largest unit that reads well: "365 d 0 h", "1.3 s". Used
/// wherever a skew is shown: <c>status</c>, <c>peers</c> and the sync log's skew warning.
/// </summary>
public static class ClockSpan
{
    /// <summary>A signed offset (a peer's clock less ours): "+365 d 0 h", "-1.3 s", "+0 ms".</summary>
    public static string Signed(TimeSpan offset) => (offset < TimeSpan.Zero ? "-" : "+") + Format(offset.Duration());

    /// <summary>A non-negative span in the largest unit that reads well.</summary>
    public static string Format(TimeSpan span)
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
}

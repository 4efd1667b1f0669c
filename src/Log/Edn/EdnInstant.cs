using System.Globalization;

namespace Datom.Log.Edn;

/// <summary>
/// <c>#inst</c> text: RFC 3339 §5.6 <c>date-time</c>, plus the truncated forms Clojure's reader
/// accepts and prints (<c>"2020"</c>, <c>"2020-01-01"</c>, <c>"2020-01-01T10:00"</c>; a missing
/// offset means UTC). Grammar, as in <c>clojure.instant</c>:
/// <code>
/// yyyy [-MM [-dd [T hh [:mm [:ss [.fraction]]]]]] [Z | (+|-)hh:mm]
/// </code>
/// 'T' and 'Z' may be lower case (RFC 3339 §5.6, note). Leap seconds (<c>:60</c>) and years
/// outside 0001–9999 cannot be held by <see cref="DateTimeOffset"/> and are rejected; fraction
/// digits beyond the 7th (100 ns ticks) are truncated.
/// </summary>
internal static class EdnInstant
{

    /// <summary>Null on success, else the reason.</summary>
    public static string? TryParse(string text, out DateTimeOffset value)
    {
        value = default;
        var s = text.AsSpan();
        var p = 0;

        if (!Digits(s, ref p, 4, out var year))
        {
            return "expected a four-digit year";
        }

        int month = 1, day = 1, hour = 0, minute = 0, second = 0;
        long fractionTicks = 0;
        if (Take(s, ref p, '-'))
        {
            if (!Digits(s, ref p, 2, out month))
            {
                return "expected a two-digit month";
            }

            if (Take(s, ref p, '-'))
            {
                if (!Digits(s, ref p, 2, out day))
                {
                    return "expected a two-digit day";
                }

                if (p < s.Length && s[p] is 'T' or 't')
                {
                    p++;
                    if (!Digits(s, ref p, 2, out hour))
                    {
                        return "expected a two-digit hour";
                    }

                    if (Take(s, ref p, ':'))
                    {
                        if (!Digits(s, ref p, 2, out minute))
                        {
                            return "expected two-digit minutes";
                        }

                        if (Take(s, ref p, ':'))
                        {
                            if (!Digits(s, ref p, 2, out second))
                            {
                                return "expected two-digit seconds";
                            }

                            if (Take(s, ref p, '.'))
                            {
                                var start = p;
                                long scale = TimeSpan.TicksPerSecond;
                                while (p < s.Length && EdnNames.IsAsciiDigit(s[p]))
                                {
                                    scale /= 10;
                                    fractionTicks += (s[p] - '0') * scale;
                                    p++;
                                }

                                if (p == start)
                                {
                                    return "expected digits after '.'";
                                }
                            }
                        }
                    }
                }
            }
        }

        var offsetMinutes = 0;
        if (p < s.Length && s[p] is 'Z' or 'z')
        {
            p++;
        }
        else if (p < s.Length && s[p] is '+' or '-')
        {
            var sign = s[p] == '-' ? -1 : 1;
            p++;
            if (!Digits(s, ref p, 2, out var offsetHours) || !Take(s, ref p, ':') || !Digits(s, ref p, 2, out var offsetMins))
            {
                return "expected an offset like +hh:mm";
            }

            if (offsetHours > 23 || offsetMins > 59)
            {
                return "offset out of range";
            }

            offsetMinutes = sign * ((offsetHours * 60) + offsetMins);
        }

        if (p != s.Length)
        {
            return "unexpected text after the timestamp";
        }

        if (year < 1)
        {
            return "year 0000 is out of range";
        }

        if (month is < 1 or > 12)
        {
            return "month out of range";
        }

        if (day < 1 || day > DateTime.DaysInMonth(year, month))
        {
            return "day out of range";
        }

        if (hour > 23 || minute > 59)
        {
            return "time out of range";
        }

        if (second > 59)
        {
            return second == 60 ? "leap seconds cannot be represented" : "seconds out of range";
        }

        var localTicks = new DateTime(year, month, day, hour, minute, second, DateTimeKind.Unspecified).Ticks + fractionTicks;
        var utcTicks = localTicks - (offsetMinutes * TimeSpan.TicksPerMinute);
        if (utcTicks < DateTime.MinValue.Ticks || utcTicks > DateTime.MaxValue.Ticks)
        {
            return "instant out of range";
        }

        var utc = new DateTimeOffset(utcTicks, TimeSpan.Zero);

        // DateTimeOffset holds offsets up to ±14:00 (RFC 3339 allows ±23:59); beyond that, and
        // where the local clock time would leave the representable range, keep the instant in UTC.
        var offset = TimeSpan.FromMinutes(offsetMinutes);
        value = Math.Abs(offsetMinutes) <= 14 * 60 && localTicks >= DateTime.MinValue.Ticks && localTicks <= DateTime.MaxValue.Ticks
            ? utc.ToOffset(offset)
            : utc;
        return null;
    }

    /// <summary>
    /// RFC 3339 in UTC with at least millisecond precision (<c>2024-05-01T12:00:00.000Z</c>), and
    /// up to the 7 digits of a tick when the instant has sub-millisecond ticks, so that reading it
    /// back gives the same instant.
    /// </summary>
    public static string Format(DateTimeOffset value)
    {
        var utc = value.UtcDateTime;
        var fraction = utc.Ticks % TimeSpan.TicksPerSecond;
        var digits = fraction.ToString("D7", CultureInfo.InvariantCulture).TrimEnd('0');
        if (digits.Length < 3)
        {
            digits = digits.PadRight(3, '0');
        }

        return utc.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture) + "." + digits + "Z";
    }

    private static bool Take(ReadOnlySpan<char> s, ref int p, char c)
    {
        if (p < s.Length && s[p] == c)
        {
            p++;
            return true;
        }

        return false;
    }

    private static bool Digits(ReadOnlySpan<char> s, ref int p, int count, out int value)
    {
        value = 0;
        if (p + count > s.Length)
        {
            return false;
        }

        for (var i = 0; i < count; i++)
        {
            var c = s[p + i];
            if (!EdnNames.IsAsciiDigit(c))
            {
                return false;
            }

            value = (value * 10) + (c - '0');
        }

        p += count;
        return true;
    }
}

using System.Text.RegularExpressions;

namespace Datom.Vm.Machine;

/// <summary>
/// A compiled regex (<c>#"..."</c>, <c>re-pattern</c>): a .NET <see cref="Regex"/> with a match
/// timeout, so that no pattern, however catastrophic its backtracking, can hang a node; a match
/// that runs out of time is the Yin limit error <c>:limit/regex</c>. Java's syntax and .NET's agree
/// on what programs commonly write (classes, quantifiers, groups, named groups, lookaround,
/// backreferences, <c>(?i)</c> flags); where they differ, .NET's meaning applies.
/// </summary>
internal sealed class YRegex
{
    /// <summary>
    /// Longest one match operation may run: 250 ms, far beyond any linear-time match on text a
    /// program holds (megabytes scan in milliseconds), short enough that a run's deadline still means something.
    /// </summary>
    public static readonly TimeSpan MatchTimeout = TimeSpan.FromMilliseconds(250);

    /// <summary>Longest pattern accepted: a pattern is code, and one this long is data by mistake.</summary>
    public const int MaxPatternLength = 64 * 1024;

    private static long _serials;

    private YRegex(string pattern, Regex regex)
    {
        Pattern = pattern;
        Regex = regex;
    }

    /// <summary>Identity, for ordering: Java patterns are equal only to themselves.</summary>
    public long Serial { get; } = Interlocked.Increment(ref _serials);

    /// <summary>The pattern's text, as written.</summary>
    public string Pattern { get; }

    public Regex Regex { get; }

    /// <exception cref="YinException">The pattern is not a valid regex (<c>:error/argument</c>).</exception>
    public static Val Compile(string pattern)
    {
        if (pattern.Length > MaxPatternLength)
            throw YinException.Of(Kinds.Argument, $"regex of {pattern.Length} characters is longer than {MaxPatternLength}");
        try
        {
            return Val.Object(new YRegex(pattern, new Regex(pattern, RegexOptions.CultureInvariant, MatchTimeout)));
        }
        catch (ArgumentException e)
        {
            throw YinException.Of(Kinds.Argument, $"invalid regex #\"{pattern}\": {e.Message}");
        }
    }

    /// <summary>Runs one match operation, turning a timeout into the named limit.</summary>
    public T Run<T>(string fn, Func<Regex, T> operation)
    {
        try
        {
            return operation(Regex);
        }
        catch (RegexMatchTimeoutException)
        {
            throw YinException.Of(Kinds.Limit("regex"),
                $"regex limit: {fn} with #\"{Pattern}\" ran longer than {MatchTimeout.TotalMilliseconds} ms (catastrophic backtracking?)");
        }
    }
}

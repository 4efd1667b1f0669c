using System.Globalization;
using Tomlyn.Syntax;

namespace Datom.Node.Config;

/// <summary>
/// Turns text into a value, or says what is wrong with it (the reader adds where): null on success.
/// </summary>
internal delegate string? TextConverter<T>(string text, out T value);

/// <summary>
/// Reads typed settings out of <see cref="ConfigTable"/>s, collecting every error with its position
/// so one run reports them all, in file order. A setting that is absent, or wrong, reads as null and
/// the caller keeps its default; <see cref="ThrowIfErrors"/> then refuses the file as a whole.
/// </summary>
internal sealed class ConfigReader(string file, string baseDirectory)
{
    private readonly List<(SourceSpan Span, string Message)> _errors = [];

    public string File { get; } = file;

    /// <summary>Where relative paths in the file are taken from: the file's own directory.</summary>
    public string BaseDirectory { get; } = baseDirectory;

    public void Error(SourceSpan span, string message) => _errors.Add((span, message));

    public void ThrowIfErrors()
    {
        if (_errors.Count == 0)
            return;
        throw new ConfigException([.. _errors
            .OrderBy(e => e.Span.Start.Line).ThenBy(e => e.Span.Start.Column)
            .Select(e => ConfigTable.ErrorAt(File, e.Span, e.Message))]);
    }

    public TableReader Root(ConfigTable root) => new(this, root);
}

/// <summary>One table's settings; for a table absent from the file, every setting reads as null.</summary>
internal readonly struct TableReader(ConfigReader reader, ConfigTable? table)
{
    /// <summary>
    /// Reports every key of the table that is not among <paramref name="known"/>, suggesting the
    /// closest one when it is near (a typo), else listing them all. Sub-tables are written
    /// <c>[name]</c> in <paramref name="known"/>.
    /// </summary>
    public void AllowOnly(params string[] known)
    {
        if (table is null)
            return;
        var names = known.Select(k => k.Trim('[', ']')).ToArray();
        foreach (var entry in table.Entries)
        {
            if (names.Contains(entry.Key, StringComparer.Ordinal))
                continue;
            var what = entry.IsTable ? $"unknown table [{entry.Path}]" : $"unknown setting '{entry.Path}'";
            var closest = Closest(entry.Key, known);
            var hint = closest is not null
                ? $"did you mean {(closest.StartsWith('[') ? $"[{table.PathOf(closest.Trim('[', ']'))}]" : $"'{table.PathOf(closest)}'")}?"
                : $"{(table.Path.Length == 0 ? "the top level" : $"[{table.Path}]")} has {string.Join(", ", known)}";
            reader.Error(entry.KeySpan, $"{what}; {hint}");
        }
    }

    /// <summary>A sub-table; a key holding anything else is an error (and reads as an absent table).</summary>
    public TableReader Table(string key)
    {
        var entry = table?.Find(key);
        var sub = entry?.Table;
        if (entry is not null && sub is null)
            reader.Error(entry.ValueSpan, $"{entry.Path}: expected a table ([{entry.Path}]), found {entry.Describe()}");
        return new TableReader(reader, sub);
    }

    public bool? Boolean(string key) =>
        TryValue<BooleanValueSyntax>(key, "a boolean", out _, out var value) ? value.Value : null;

    /// <summary>An integer from <paramref name="min"/> to <paramref name="max"/>.</summary>
    public long? Integer(string key, long min, long max)
    {
        if (!TryValue<IntegerValueSyntax>(key, "an integer", out var entry, out var value))
            return null;
        if (value.Value >= min && value.Value <= max)
            return value.Value;
        var range = max == long.MaxValue
            ? string.Create(CultureInfo.InvariantCulture, $"at least {min}")
            : string.Create(CultureInfo.InvariantCulture, $"from {min} to {max}");
        reader.Error(value.Span, string.Create(CultureInfo.InvariantCulture, $"{entry.Path}: must be {range}, not {value.Value}"));
        return null;
    }

    /// <summary>An integer number of milliseconds, from 1 to <see cref="int.MaxValue"/> (24 days).</summary>
    public TimeSpan? Milliseconds(string key) =>
        Integer(key, 1, int.MaxValue) is { } ms ? TimeSpan.FromMilliseconds(ms) : null;

    /// <summary>An integer number of MiB from 1 to <paramref name="maxMiB"/>, in bytes.</summary>
    public long? Mebibytes(string key, long maxMiB) =>
        Integer(key, 1, maxMiB) is { } mib ? mib << 20 : null;

    /// <summary>
    /// A string, converted: false when it is absent or wrong (<paramref name="convert"/>'s complaint is
    /// reported at the value).
    /// </summary>
    public bool TryString<T>(string key, TextConverter<T> convert, out T value)
    {
        value = default!;
        if (!TryValue<StringValueSyntax>(key, "a string", out var entry, out var text))
            return false;
        var error = convert(text.Value!, out value);
        if (error is null)
            return true;
        reader.Error(text.Span, $"{entry.Path}: {error}");
        return false;
    }

    /// <summary>A path (a file's or a directory's), absolute: <c>~/</c> is the home directory, and a relative path is taken from the config file's directory.</summary>
    public string? Path(string key)
    {
        var baseDirectory = reader.BaseDirectory;
        return TryString(key, (string text, out string value) => ResolvePath(text, baseDirectory, out value), out var path) ? path : null;
    }

    /// <summary>An array of strings, each converted; an element that is wrong is reported and left out.</summary>
    public IReadOnlyList<T>? Strings<T>(string key, TextConverter<T> convert)
    {
        if (!TryValue<ArraySyntax>(key, "an array of strings", out var entry, out var array))
            return null;
        var items = new List<T>();
        foreach (var item in array.Items)
        {
            if (item.Value is not StringValueSyntax text)
            {
                reader.Error(item.Value!.Span, $"{entry.Path}: expected a string, found {ConfigEntry.Describe(item.Value)}");
                continue;
            }
            var error = convert(text.Value!, out var result);
            if (error is null)
                items.Add(result);
            else
                reader.Error(text.Span, $"{entry.Path}: {error}");
        }
        return new ValueList<T>(items);
    }

    /// <summary>Reports an error at the value of <paramref name="key"/>, which must be present.</summary>
    public void Error(string key, string message)
    {
        var entry = table?.Find(key) ?? throw new InvalidOperationException($"no setting '{key}' to report on");
        reader.Error(entry.ValueSpan, $"{entry.Path}: {message}");
    }

    private bool TryValue<TSyntax>(string key, string expected, out ConfigEntry entry, out TSyntax value)
        where TSyntax : ValueSyntax
    {
        entry = null!;
        value = null!;
        if (table?.Find(key) is not { } found)
            return false;
        entry = found;
        if (found.Value is TSyntax typed)
        {
            value = typed;
            return true;
        }
        reader.Error(found.ValueSpan, $"{found.Path}: expected {expected}, found {found.Describe()}");
        return false;
    }

    internal static string? ResolvePath(string text, string baseDirectory, out string path)
    {
        path = "";
        if (text.Length == 0)
            return "expected a path, found an empty string";
        if (text[0] == '~')
        {
            if (text.Length > 1 && text[1] != '/')
                return $"'{text}': only '~/' (the home directory) is expanded, not another user's";
            var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            text = System.IO.Path.Join(home, text.AsSpan(1).TrimStart('/'));
        }
        path = NodeConfig.FullPath(System.IO.Path.GetFullPath(text, baseDirectory));
        return null;
    }

    /// <summary>
    /// The known name nearest <paramref name="key"/> by optimal string alignment distance (edits,
    /// with a swap of neighbours counting as one), when it is within 2 edits and under half the
    /// name: close enough to be a typo, far enough that unrelated short names are not offered.
    /// </summary>
    private static string? Closest(string key, string[] known)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in known)
        {
            var name = candidate.Trim('[', ']');
            var distance = Distance(key, name);
            if (distance < bestDistance && distance <= 2 && distance * 2 < name.Length)
            {
                best = candidate;
                bestDistance = distance;
            }
        }
        return best;
    }

    internal static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
            d[i, 0] = i;
        for (var j = 0; j <= b.Length; j++)
            d[0, j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        }
        return d[a.Length, b.Length];
    }
}

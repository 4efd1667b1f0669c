using Tomlyn;
using Tomlyn.Parsing;
using Tomlyn.Syntax;

namespace Datom.Node.Config;

/// <summary>
/// A TOML table as the config reads it: its keys in file order, each with where the key and its
/// value are written. Built from Tomlyn's syntax tree rather than its untyped model, which keeps no
/// positions, so every error can name a line. Tables opened by a header (<c>[mdns]</c>), by a dotted
/// key (<c>mdns.enabled = true</c>) and inline (<c>mdns = { enabled = true }</c>) all end up here alike.
/// </summary>
internal sealed class ConfigTable(string path)
{
    private readonly List<ConfigEntry> _entries = [];
    private readonly Dictionary<string, ConfigEntry> _byKey = new(StringComparer.Ordinal);

    /// <summary>The table's dotted name (<c>mdns</c>); empty for the top level.</summary>
    public string Path { get; } = path;

    public IReadOnlyList<ConfigEntry> Entries => _entries;

    public ConfigEntry? Find(string key) => _byKey.GetValueOrDefault(key);

    public string PathOf(string key) => Path.Length == 0 ? key : $"{Path}.{key}";

    private ConfigEntry Add(string key, SourceSpan keySpan)
    {
        var entry = new ConfigEntry(key, PathOf(key), keySpan);
        _entries.Add(entry);
        _byKey.Add(key, entry);
        return entry;
    }

    /// <summary>
    /// Parses <paramref name="text"/> into its top-level table. Tomlyn's validation already refuses
    /// what TOML forbids (a key defined twice, a table reopened, a dotted key extending a table that
    /// a header defined), so building the tables only has to follow the keys.
    /// </summary>
    /// <exception cref="ConfigException">The text is not TOML: the first error Tomlyn reports (later ones often follow from it).</exception>
    public static ConfigTable Parse(string text, string file)
    {
        DocumentSyntax document;
        try
        {
            document = SyntaxParser.Parse(text, file, validate: true);
        }
        catch (TomlException e)
        {
            // What Tomlyn throws rather than reports, such as nesting beyond its depth limit (64),
            // which comes without a position and with advice for programmers after the first sentence.
            var first = e.Diagnostics.FirstOrDefault(d => d.Kind == DiagnosticMessageKind.Error);
            var sentence = e.Message.IndexOf(". ", StringComparison.Ordinal) is var end and > 0 ? e.Message[..end] : e.Message;
            var error = first is not null ? ErrorAt(file, first.Span, first.Message)
                : e.Line is { } line ? new ConfigError(file, line, e.Column ?? 1, sentence)
                : new ConfigError(file, 0, 0, $"not readable as TOML: {sentence}");
            throw new ConfigException([error]);
        }
        if (document.HasErrors)
        {
            var first = document.Diagnostics.First(d => d.Kind == DiagnosticMessageKind.Error);
            throw new ConfigException([ErrorAt(file, first.Span, first.Message)]);
        }
        var root = new ConfigTable("");
        foreach (var keyValue in document.KeyValues)
            root.AddKeyValue(keyValue, file);
        foreach (var header in document.Tables)
        {
            var parts = Parts(header.Name!);
            var parent = root.Walk(parts.AsSpan(0, parts.Length - 1), file);
            var (key, span) = parts[^1];
            if (header is TableArraySyntax)
            {
                // No setting is an array of tables; the entry is kept only so the error names it.
                var entry = parent.Find(key) ?? parent.Add(key, span);
                entry.IsTableArray = true;
                continue;
            }
            var table = parent.Walk(parts.AsSpan(parts.Length - 1), file);
            foreach (var keyValue in header.Items)
                table.AddKeyValue(keyValue, file);
        }
        return root;
    }

    public static ConfigError ErrorAt(string file, SourceSpan span, string message) =>
        new(file, span.Start.Line + 1, span.Start.Column + 1, message);

    private void AddKeyValue(KeyValueSyntax keyValue, string file)
    {
        var parts = Parts(keyValue.Key!);
        var table = Walk(parts.AsSpan(0, parts.Length - 1), file);
        var (key, span) = parts[^1];
        if (table.Find(key) is not null)
            throw new ConfigException([ErrorAt(file, span, $"'{table.PathOf(key)}' is defined twice")]);
        var entry = table.Add(key, span);
        if (keyValue.Value is InlineTableSyntax inline)
        {
            entry.Table = new ConfigTable(entry.Path);
            foreach (var item in inline.Items)
                entry.Table.AddKeyValue(item.KeyValue!, file);
        }
        else
        {
            entry.Value = keyValue.Value;
        }
    }

    /// <summary>The table at <paramref name="parts"/> below this one, opening those not yet seen.</summary>
    private ConfigTable Walk(ReadOnlySpan<(string Key, SourceSpan Span)> parts, string file)
    {
        var table = this;
        foreach (var (key, span) in parts)
        {
            var entry = table.Find(key) ?? table.Add(key, span);
            if (entry.Value is not null || entry.IsTableArray)
                throw new ConfigException([ErrorAt(file, span, $"'{entry.Path}' is not a table, so it cannot hold keys")]);
            table = entry.Table ??= new ConfigTable(entry.Path);
        }
        return table;
    }

    private static (string Key, SourceSpan Span)[] Parts(KeySyntax key)
    {
        var parts = new List<(string, SourceSpan)> { Part(key.Key!) };
        foreach (var dotted in key.DotKeys)
            parts.Add(Part(dotted.Key!));
        return [.. parts];
    }

    private static (string, SourceSpan) Part(BareKeyOrStringValueSyntax key) => key switch
    {
        BareKeySyntax bare => (bare.Key!.Text!, bare.Span),
        StringValueSyntax quoted => (quoted.Value!, quoted.Span),
        _ => throw new InvalidOperationException($"unexpected key syntax {key.GetType().Name}"),
    };
}

/// <summary>One key of a <see cref="ConfigTable"/>: a table, a value, or (never valid here) an array of tables.</summary>
internal sealed class ConfigEntry(string key, string path, SourceSpan keySpan)
{
    public string Key { get; } = key;

    /// <summary>The dotted name from the top level (<c>mdns.enabled</c>), as errors name it.</summary>
    public string Path { get; } = path;

    public SourceSpan KeySpan { get; } = keySpan;

    public ConfigTable? Table { get; set; }

    public ValueSyntax? Value { get; set; }

    public bool IsTableArray { get; set; }

    public bool IsTable => Table is not null || IsTableArray;

    /// <summary>Where errors about the value point: the value itself, or the key of a table.</summary>
    public SourceSpan ValueSpan => Value?.Span ?? KeySpan;

    /// <summary>What the entry holds, for "expected X, found Y".</summary>
    public string Describe() => IsTableArray ? "an array of tables" : Table is not null ? "a table" : Describe(Value);

    public static string Describe(ValueSyntax? value) => value switch
    {
        StringValueSyntax => "a string",
        IntegerValueSyntax => "an integer",
        FloatValueSyntax => "a float",
        BooleanValueSyntax => "a boolean",
        DateTimeValueSyntax => "a date-time",
        ArraySyntax => "an array",
        InlineTableSyntax => "a table",
        _ => "a value",
    };
}

using System.Globalization;

namespace Datom.Node.Config;

/// <summary>
/// One thing wrong with a config file, where it is: <c>FILE:LINE:COLUMN: message</c> (line and column
/// from 1, as editors and compilers count), or <c>FILE: message</c> when it concerns the whole file.
/// </summary>
internal sealed record ConfigError(string File, int Line, int Column, string Message)
{
    public override string ToString() =>
        File.Length == 0 ? Message
        : Line > 0 ? string.Create(CultureInfo.InvariantCulture, $"{File}:{Line}:{Column}: {Message}")
        : $"{File}: {Message}";
}

/// <summary>
/// A config file that cannot be used: missing, not TOML, or with a setting that is unknown, of the
/// wrong type or out of range. The message has one line per error, in file order; a daemon should
/// not start (sysexits' EX_CONFIG), since restarting will not help.
/// </summary>
internal sealed class ConfigException : Exception
{
    public ConfigException(IReadOnlyList<ConfigError> errors)
        : base(string.Join(Environment.NewLine, errors ?? throw new ArgumentNullException(nameof(errors))))
    {
        if (errors.Count == 0)
            throw new ArgumentException("a config exception needs at least one error", nameof(errors));
        Errors = errors;
    }

    public ConfigException()
        : this("the config is not valid")
    {
    }

    public ConfigException(string message)
        : base(message)
    {
        Errors = [new ConfigError("", 0, 0, message)];
    }

    public ConfigException(string message, Exception innerException)
        : base(message, innerException)
    {
        Errors = [new ConfigError("", 0, 0, message)];
    }

    /// <summary>The errors, in file order; at least one.</summary>
    public IReadOnlyList<ConfigError> Errors { get; }
}

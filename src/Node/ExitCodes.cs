namespace Datom.Node;

/// <summary>What <c>datom</c> exits with; scripts may rely on these.</summary>
internal static class ExitCodes
{
    /// <summary>Done.</summary>
    public const int Ok = 0;

    /// <summary>The command ran and the answer is "no": bad input, a failed verification, a refused write.</summary>
    public const int Failed = 1;

    /// <summary>The command line itself is wrong.</summary>
    public const int Usage = 2;

    /// <summary>The data directory cannot be used: not initialised, locked by another process, or damaged.</summary>
    public const int Unavailable = 3;

    /// <summary>
    /// A temporary failure (sysexits' EX_TEMPFAIL): the daemon stopped under a long-running command,
    /// or a subscriber fell behind. <c>datom subscribe</c> resumes by itself when it gets this.
    /// </summary>
    public const int TryAgain = 75;

    /// <summary>The configuration file is missing or wrong (sysexits' EX_CONFIG), so a supervisor should not restart blindly.</summary>
    public const int Config = 78;

    /// <summary>Interrupted (SIGINT).</summary>
    public const int Interrupted = 130;
}

/// <summary>An error for the person at the terminal: printed as one line, with its exit code.</summary>
internal sealed class CliException(int exitCode, string message) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}

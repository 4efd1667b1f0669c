namespace Datom.Node;

/// <summary>
/// The terminal a command talks to: standard input and output and the working directory its paths
/// are relative to. Normally the process's own console. When a CLI hands its command to the daemon
/// over the local API, the daemon runs the same command code with the caller's terminal, streamed
/// over the request, so both routes give the same answers byte for byte.
/// </summary>
/// <remarks>
/// The context flows with the async call (an <see cref="AsyncLocal{T}"/>), so a command running in
/// the daemon for one caller never writes to another caller's terminal.
/// </remarks>
internal sealed class Terminal
{
    private static readonly AsyncLocal<Terminal?> Scoped = new();

    private static readonly Terminal Process = new(System.Console.In, System.Console.Out, System.Console.Error, null, null);

    public Terminal(TextReader input, TextWriter output, TextWriter error, string? workingDirectory, Daemon.RunningNode? node)
    {
        Input = input;
        Output = output;
        ErrorOutput = error;
        WorkingDirectory = workingDirectory;
        Node = node;
    }

    /// <summary>The terminal of the command running on this async flow.</summary>
    public static Terminal Current => Scoped.Value ?? Process;

    public static TextWriter Out => Current.Output;

    public static TextWriter Error => Current.ErrorOutput;

    public static TextReader In => Current.Input;

    public TextReader Input { get; }

    public TextWriter Output { get; }

    public TextWriter ErrorOutput { get; }

    /// <summary>The caller's working directory; null: this process's.</summary>
    public string? WorkingDirectory { get; }

    /// <summary>The daemon's open node when the command runs inside the daemon; null in a plain CLI process.</summary>
    public Daemon.RunningNode? Node { get; }

    /// <summary>Resolves a path the user typed against the caller's working directory.</summary>
    public static string FullPath(string path) =>
        Current.WorkingDirectory is { } cwd ? Path.GetFullPath(path, cwd) : Path.GetFullPath(path);

    /// <summary>Makes <paramref name="terminal"/> current for this async flow until the scope is disposed.</summary>
    public static Scope Use(Terminal terminal)
    {
        var previous = Scoped.Value;
        Scoped.Value = terminal;
        return new Scope(previous);
    }

    public readonly struct Scope(Terminal? previous) : IDisposable
    {
        public void Dispose() => Scoped.Value = previous;
    }
}

using System.Diagnostics;

namespace Datom.Node.Tests;

/// <summary>Runs the built <c>datom</c> as a user would: a real process, stdin, stdout, stderr, exit code.</summary>
public static class DatomProcess
{
    public static string DllPath { get; } = Path.Combine(AppContext.BaseDirectory, "datom.dll");

    /// <summary>The repository these tests were built from (the directory holding Datom.P2P.sln): its scripts and example files.</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Datom.P2P.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException($"no Datom.P2P.sln above {AppContext.BaseDirectory}");
    }

    /// <summary>
    /// The dotnet host running these tests (a full path, for commands that do not search PATH the
    /// way a shell does, such as <c>ip netns exec</c> under a test runner's environment).
    /// </summary>
    public static string Dotnet { get; } =
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host)
            ? host
            : Datom.Sync.Tests.Netns.NetworkNamespaces.FindExecutable("dotnet") ?? "dotnet";

    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public string[] Lines => Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    public static Result Run(string? stdin, params string[] args) => RunAsync(stdin, args).GetAwaiter().GetResult();

    /// <summary>Runs it with <paramref name="workingDirectory"/> as the current directory.</summary>
    public static Result RunIn(string workingDirectory, string? stdin, params string[] args) => RunAsync(stdin, args, workingDirectory).GetAwaiter().GetResult();

    public static Task<Result> RunAsync(string? stdin, params string[] args) => RunAsync(stdin, args, null);

    /// <summary>Runs it with these environment variables set (a null value removes one).</summary>
    public static Result RunWith(IReadOnlyDictionary<string, string?> environment, params string[] args) =>
        RunAsync(null, args, null, environment).GetAwaiter().GetResult();

    private static async Task<Result> RunAsync(string? stdin, string[] args, string? workingDirectory, IReadOnlyDictionary<string, string?>? environment = null)
    {
        using var process = Start(args, workingDirectory, environment);
        if (stdin is not null)
            await process.StandardInput.WriteAsync(stdin);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"datom {string.Join(' ', args)} did not finish in 60 s");
        }
        return new Result(process.ExitCode, await stdout, await stderr);
    }

    public static Process Start(params string[] args) => Start(args, null);

    private static Process Start(string[] args, string? workingDirectory, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var info = new ProcessStartInfo(Dotnet)
        {
            WorkingDirectory = workingDirectory ?? "",
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(DllPath);
        foreach (var a in args)
            info.ArgumentList.Add(a);
        info.Environment.Remove("DATOM_DATA");
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
                info.Environment.Remove(name);
            else
                info.Environment[name] = value;
        }
        return Process.Start(info) ?? throw new InvalidOperationException("could not start datom");
    }
}

/// <summary>A fresh directory under the system temp folder, removed on dispose.</summary>
public sealed class TempDirectory : IDisposable
{
    public TempDirectory() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "datom-node-test-" + Guid.NewGuid().ToString("N")[..12]);

    public string Sub(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

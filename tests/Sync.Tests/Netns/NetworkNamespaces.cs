using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Xunit;

namespace Datom.Sync.Tests.Netns;

/// <summary>One node of a <see cref="NetworkNamespaces"/> link: its namespace, interface and address.</summary>
public sealed record NetnsNode(string Namespace, string Interface, IPAddress Address, int PrefixLength);

/// <summary>
/// A private Ethernet segment made of Linux network namespaces, for tests that send real
/// (multicast) traffic without touching the machine's own interfaces: a bridge namespace and N
/// node namespaces, each joined to the bridge by a veth pair, addressed 10.x.y.(i+1)/24 inside the
/// namespaces only. Names are unique per run (<c>dtmd-&lt;pid&gt;-&lt;random&gt;-…</c>, interface names
/// under 15 characters) and everything, including processes left inside, is removed on Dispose,
/// also when the test failed. Leftovers of crashed runs (whose pid is gone) are removed first.
/// </summary>
public sealed class NetworkNamespaces : IDisposable
{
    public const string Prefix = "dtmd-";

    /// <summary>Every external command is bounded by this.</summary>
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(20);

    private static readonly Lazy<string?> Unavailable = new(FindUnavailableReason);

    private readonly List<string> _namespaces = [];
    private readonly List<Process> _processes = [];
    private readonly Lock _gate = new();
    private bool _disposed;

    private NetworkNamespaces(string tag) => Tag = tag;

    /// <summary>Why namespace tests cannot run here (not root, no <c>ip</c>), or null when they can.</summary>
    public static string? UnavailableReason => Unavailable.Value;

    /// <summary>The random part shared by this run's names.</summary>
    public string Tag { get; }

    public string BridgeNamespace => $"{Prefix}{Environment.ProcessId}-{Tag}-br";

    public IReadOnlyList<NetnsNode> Nodes { get; private set; } = [];

    public static NetworkNamespaces Create(int nodes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(nodes, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(nodes, 200);
        if (UnavailableReason is { } reason)
            throw new InvalidOperationException(reason);
        RemoveLeftovers();

        var tag = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(2));
        var net = new NetworkNamespaces(tag);
        try
        {
            net.Build(nodes);
            return net;
        }
        catch
        {
            net.Dispose();
            throw;
        }
    }

    private void Build(int count)
    {
        // 10.<a>.<b>.0/24 chosen at random: only ever configured inside our namespaces.
        var subnet = RandomNumberGenerator.GetBytes(2);
        var a = 16 + (subnet[0] % 200);
        var b = subnet[1];

        AddNamespace(BridgeNamespace);
        Ip("-n", BridgeNamespace, "link", "set", "lo", "up");
        // Snooping off: the bridge floods all multicast, as a plain switch without an IGMP querier would.
        Ip("-n", BridgeNamespace, "link", "add", "br0", "type", "bridge", "mcast_snooping", "0");
        Ip("-n", BridgeNamespace, "link", "set", "br0", "up");

        var nodes = new List<NetnsNode>();
        for (var i = 0; i < count; i++)
        {
            var ns = $"{Prefix}{Environment.ProcessId}-{Tag}-n{i}";
            var inside = $"d{Tag}n{i}";     // at most 1 + 4 + 1 + 3 = 9 characters
            var outside = BridgePort(i);
            AddNamespace(ns);
            Ip("link", "add", inside, "netns", ns, "type", "veth", "peer", "name", outside, "netns", BridgeNamespace);
            Ip("-n", BridgeNamespace, "link", "set", outside, "master", "br0");
            Ip("-n", BridgeNamespace, "link", "set", outside, "up");
            // No duplicate address detection: the IPv6 link-local address is usable at once.
            Run("ip", ["netns", "exec", ns, "sysctl", "-qw", $"net.ipv6.conf.{inside}.accept_dad=0"]);
            var address = IPAddress.Parse($"10.{a}.{b}.{i + 1}");
            Ip("-n", ns, "addr", "add", $"{address}/24", "dev", inside);
            Ip("-n", ns, "link", "set", inside, "multicast", "on");
            Ip("-n", ns, "link", "set", inside, "up");
            Ip("-n", ns, "link", "set", "lo", "up");
            Ip("-n", ns, "route", "add", "224.0.0.0/4", "dev", inside);
            nodes.Add(new NetnsNode(ns, inside, address, 24));
        }
        Nodes = nodes;
    }

    private void AddNamespace(string name)
    {
        Ip("netns", "add", name);
        lock (_gate)
            _namespaces.Add(name);
    }

    /// <summary>
    /// Unplugs a node from the segment (<paramref name="connected"/> false) or plugs it back in, by
    /// setting the bridge's end of its veth pair down or up: a partition as a pulled cable makes it.
    /// The node keeps its interface and addresses (its side only loses carrier), so connections open
    /// across the partition are not reset; they stall until the link returns.
    /// </summary>
    public void SetConnected(NetnsNode node, bool connected)
    {
        var index = Nodes.ToList().IndexOf(node);
        if (index < 0)
            throw new ArgumentException($"{node.Namespace} is not a node of this network", nameof(node));
        Ip("-n", BridgeNamespace, "link", "set", BridgePort(index), connected ? "up" : "down");
    }

    private string BridgePort(int index) => $"d{Tag}b{index}";

    /// <summary>The OS index of a node's interface, read inside its namespace.</summary>
    public static int InterfaceIndex(NetnsNode node)
    {
        var output = Ip("-n", node.Namespace, "-o", "link", "show", "dev", node.Interface);
        return int.Parse(output[..output.IndexOf(':', StringComparison.Ordinal)], System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Starts <paramref name="file"/> inside <paramref name="ns"/> (<c>ip netns exec</c>) with
    /// redirected stdio; the process is killed on Dispose if it is still running.
    /// </summary>
    public Process Start(string ns, string file, IEnumerable<string> arguments, IDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo("ip")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "netns", "exec", ns, file }.Concat(arguments))
            info.ArgumentList.Add(arg);
        if (environment is not null)
            foreach (var (key, value) in environment)
                info.Environment[key] = value;
        var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {file} in {ns}");
        lock (_gate)
            _processes.Add(process);
        return process;
    }

    /// <summary>Runs a command inside a namespace and returns its output; throws on a non-zero exit.</summary>
    public static string Exec(string ns, params string[] command) => Run("ip", ["netns", "exec", ns, .. command]);

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
                return;
            _disposed = true;
        }
        foreach (var process in _processes)
        {
            try
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                    process.WaitForExit(5000);
                }
            }
            catch (InvalidOperationException)
            {
                // it exited on its own
            }
            process.Dispose();
        }
        // Nodes before the bridge; whatever still runs inside (a daemon a test started) goes first,
        // or the namespace would outlive its name.
        foreach (var ns in Enumerable.Reverse(_namespaces))
            Delete(ns);
    }

    /// <summary>Removes namespaces with our prefix whose creating process no longer exists.</summary>
    public static void RemoveLeftovers()
    {
        if (!Directory.Exists("/run/netns"))
            return;
        foreach (var path in Directory.GetFiles("/run/netns", Prefix + "*"))
        {
            var name = Path.GetFileName(path);
            var parts = name[Prefix.Length..].Split('-');
            if (parts.Length < 2 || !int.TryParse(parts[0], out var pid) || pid == Environment.ProcessId || Directory.Exists($"/proc/{pid}"))
                continue;
            Delete(name);
        }
    }

    private static void Delete(string ns)
    {
        try
        {
            var pids = TryRun("ip", ["netns", "pids", ns]).Output;
            foreach (var line in pids.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (int.TryParse(line, out var pid))
                {
                    try
                    {
                        using var p = Process.GetProcessById(pid);
                        p.Kill(entireProcessTree: true);
                        p.WaitForExit(5000);
                    }
                    catch (ArgumentException)
                    {
                        // already gone
                    }
                    catch (InvalidOperationException)
                    {
                        // already gone
                    }
                }
            }
            TryRun("ip", ["netns", "del", ns]);
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // best effort: the next run's RemoveLeftovers tries again
        }
    }

    private static string Ip(params string[] args) => Run("ip", args);

    private static string Run(string file, string[] args)
    {
        var (code, output, error) = TryRun(file, args);
        if (code != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({code}): {error.Trim()}");
        return output;
    }

    /// <summary>Runs a command to completion within <see cref="CommandTimeout"/> (killed after it).</summary>
    public static (int Code, string Output, string Error) TryRun(string file, IEnumerable<string> args, TimeSpan? timeout = null, IDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
            info.ArgumentList.Add(arg);
        if (environment is not null)
            foreach (var (key, value) in environment)
                info.Environment[key] = value;
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {file}");
        process.StandardInput.Close();
        var output = new StringBuilder();
        var error = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (error) error.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(timeout ?? CommandTimeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(5000);
            return (-1, output.ToString(), $"timed out after {(timeout ?? CommandTimeout).TotalSeconds} s; " + error);
        }
        process.WaitForExit(); // flush the asynchronous readers
        lock (output)
        lock (error)
            return (process.ExitCode, output.ToString(), error.ToString());
    }

    public static string? FindExecutable(string name)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        return path.Split(':', StringSplitOptions.RemoveEmptyEntries).Concat(["/usr/sbin", "/sbin", "/usr/bin", "/bin"])
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);
    }

    private static string? FindUnavailableReason()
    {
        if (!OperatingSystem.IsLinux())
            return "network namespace tests need Linux";
        if (!Environment.IsPrivilegedProcess)
            return "network namespace tests need root (ip netns add); run the tests as root to include them";
        if (FindExecutable("ip") is null)
            return "network namespace tests need the 'ip' command (iproute2)";
        return null;
    }
}

/// <summary>A fact that runs only where network namespaces can be made, and says why it was skipped otherwise.</summary>
public sealed class NetnsFactAttribute : FactAttribute
{
    public NetnsFactAttribute()
    {
        if (NetworkNamespaces.UnavailableReason is { } reason)
            Skip = reason;
    }
}

/// <summary>A theory that runs only where network namespaces can be made, and says why it was skipped otherwise.</summary>
public sealed class NetnsTheoryAttribute : TheoryAttribute
{
    public NetnsTheoryAttribute()
    {
        if (NetworkNamespaces.UnavailableReason is { } reason)
            Skip = reason;
    }
}

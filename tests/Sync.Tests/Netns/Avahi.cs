using System.Diagnostics;
using System.Text;

namespace Datom.Sync.Tests.Netns;

/// <summary>
/// Debian's Avahi (avahi-daemon, avahi-browse, avahi-publish), run inside a test namespace with
/// its own D-Bus and its own /run, so the tests can check us against an mDNS stack we did not
/// write. Installs the packages when missing.
/// </summary>
public sealed class Avahi : IDisposable
{
    private static readonly string[] Packages = ["avahi-daemon", "avahi-utils", "dbus"];
    private static readonly string[] Tools = ["avahi-daemon", "avahi-browse", "avahi-publish", "dbus-daemon"];
    private static readonly Lazy<string?> InstallFailure = new(Install);

    private readonly NetworkNamespaces _net;
    private readonly NetnsNode _node;
    private readonly DirectoryInfo _dir;
    private readonly StringBuilder _log = new();
    private readonly List<Process> _processes = [];

    private Avahi(NetworkNamespaces net, NetnsNode node, DirectoryInfo dir)
    {
        _net = net;
        _node = node;
        _dir = dir;
    }

    private Dictionary<string, string> Environment => new() { ["DBUS_SYSTEM_BUS_ADDRESS"] = $"unix:path={Path.Combine(_dir.FullName, "bus")}" };

    /// <summary>Everything the daemons wrote, for failure messages.</summary>
    public string Log
    {
        get
        {
            lock (_log)
                return _log.ToString();
        }
    }

    /// <summary>
    /// Makes sure Avahi is installed: quick when it is; otherwise apt-get downloads the packages and
    /// installs them with the maintainer scripts run inside a throwaway network namespace, so no
    /// daemon they might start can reach the machine's own interfaces. Throws with apt's output
    /// when that fails.
    /// </summary>
    public static void EnsureInstalled()
    {
        if (InstallFailure.Value is { } failure)
            throw new InvalidOperationException(failure);
    }

    private static bool HasTools() => Tools.All(t => NetworkNamespaces.FindExecutable(t) is not null);

    private static string? Install()
    {
        if (HasTools())
            return null;
        if (NetworkNamespaces.FindExecutable("apt-get") is null)
            return "Avahi is not installed and there is no apt-get to install it with";
        var env = new Dictionary<string, string> { ["DEBIAN_FRONTEND"] = "noninteractive", ["NEEDRESTART_MODE"] = "l" };
        string[] common = ["-o", "DPkg::Lock::Timeout=300", "-o", "Dpkg::Options::=--force-confdef", "-o", "Dpkg::Options::=--force-confold", "-y", "--no-install-recommends"];
        var timeout = TimeSpan.FromMinutes(10);

        var download = NetworkNamespaces.TryRun("apt-get", [.. common, "install", "--download-only", .. Packages], timeout, env);
        if (download.Code != 0)
        {
            // A clean machine may have no package lists yet.
            var update = NetworkNamespaces.TryRun("apt-get", ["-o", "DPkg::Lock::Timeout=300", "update"], timeout, env);
            if (update.Code != 0)
                return $"apt-get update failed ({update.Code}): {update.Error}";
            download = NetworkNamespaces.TryRun("apt-get", [.. common, "install", "--download-only", .. Packages], timeout, env);
            if (download.Code != 0)
                return $"apt-get could not download {string.Join(' ', Packages)} ({download.Code}): {download.Error}";
        }

        using (var scratch = NetworkNamespaces.Create(1))
        {
            var install = NetworkNamespaces.TryRun("ip", ["netns", "exec", scratch.Nodes[0].Namespace, "apt-get", .. common, "install", "--no-download", .. Packages], timeout, env);
            if (install.Code != 0)
                return $"apt-get install {string.Join(' ', Packages)} failed ({install.Code}): {install.Output}\n{install.Error}";
        }
        return HasTools() ? null : $"apt-get reported success but one of {string.Join(", ", Tools)} is still missing";
    }

    /// <summary>Starts a private D-Bus and avahi-daemon in <paramref name="node"/>'s namespace and waits until Avahi is up.</summary>
    public static async Task<Avahi> StartAsync(NetworkNamespaces net, NetnsNode node, string hostName)
    {
        EnsureInstalled();
        var avahi = new Avahi(net, node, Directory.CreateTempSubdirectory("dtmd-avahi-"));
        try
        {
            await avahi.StartDaemonsAsync(hostName);
            return avahi;
        }
        catch
        {
            avahi.Dispose();
            throw;
        }
    }

    private async Task StartDaemonsAsync(string hostName)
    {
        var bus = Path.Combine(_dir.FullName, "bus");
        var busConfig = Path.Combine(_dir.FullName, "bus.conf");
        await File.WriteAllTextAsync(busConfig, $"""
            <!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
              "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
            <busconfig>
              <type>system</type>
              <listen>unix:path={bus}</listen>
              <auth>EXTERNAL</auth>
              <policy context="default">
                <allow user="*"/>
                <allow own="*"/>
                <allow send_destination="*"/>
                <allow receive_sender="*"/>
              </policy>
            </busconfig>
            """);
        var avahiConfig = Path.Combine(_dir.FullName, "avahi-daemon.conf");
        await File.WriteAllTextAsync(avahiConfig, $"""
            [server]
            host-name={hostName}
            domain-name=local
            use-ipv4=yes
            use-ipv6=no
            allow-interfaces={_node.Interface}
            enable-dbus=yes
            disallow-other-stacks=no
            [wide-area]
            enable-wide-area=no
            [publish]
            publish-hinfo=no
            publish-workstation=no
            [reflector]
            enable-reflector=no
            [rlimits]
            """);

        Track(_net.Start(_node.Namespace, "dbus-daemon", ["--config-file=" + busConfig, "--nofork", "--nopidfile"]), "dbus");
        var watch = Stopwatch.StartNew();
        while (!File.Exists(bus))
        {
            if (watch.Elapsed > TimeSpan.FromSeconds(10))
                throw new InvalidOperationException("the private D-Bus did not come up\n" + Log);
            await Task.Delay(20);
        }

        // A private /run (tmpfs in a private mount namespace), so avahi's pid file and socket are
        // its own and never meet a system Avahi's.
        Track(_net.Start(_node.Namespace, "unshare",
            ["--mount", "--propagation", "private", "sh", "-c",
             $"mount -t tmpfs tmpfs /run && exec avahi-daemon -f '{avahiConfig}' --no-drop-root --no-chroot --no-rlimits"],
            Environment), "avahi-daemon");
        watch.Restart();
        while (!Log.Contains("Server startup complete", StringComparison.Ordinal))
        {
            if (watch.Elapsed > TimeSpan.FromSeconds(15))
                throw new InvalidOperationException("avahi-daemon did not finish starting within 15 s\n" + Log);
            await Task.Delay(50);
        }
    }

    /// <summary>Resolved services of a type as <c>avahi-browse -rpt</c> reports them (its '=' lines, split on ';').</summary>
    public List<string[]> Browse(string type)
    {
        var (code, output, error) = NetworkNamespaces.TryRun("ip", ["netns", "exec", _node.Namespace, "avahi-browse", "-r", "-p", "-t", "-k", type], TimeSpan.FromSeconds(20), Environment);
        lock (_log)
            _log.AppendLine($"[avahi-browse exit {code}] {output}{error}");
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => l.StartsWith('='))
            .Select(l => l.Split(';'))
            .ToList();
    }

    /// <summary>Publishes a service with avahi-publish until disposed.</summary>
    public void Publish(string name, string type, int port, params string[] txt) =>
        Track(_net.Start(_node.Namespace, "avahi-publish", ["-s", name, type, port.ToString(System.Globalization.CultureInfo.InvariantCulture), .. txt], Environment), "avahi-publish");

    private void Track(Process process, string name)
    {
        _processes.Add(process);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_log) _log.AppendLine($"[{name}] {e.Data}"); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_log) _log.AppendLine($"[{name}] {e.Data}"); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.StandardInput.Close();
    }

    public void Dispose()
    {
        foreach (var p in Enumerable.Reverse(_processes))
        {
            try
            {
                if (!p.HasExited)
                {
                    p.Kill(entireProcessTree: true);
                    p.WaitForExit(5000);
                }
            }
            catch (InvalidOperationException)
            {
                // already gone
            }
        }
        try
        {
            _dir.Delete(recursive: true);
        }
        catch (IOException)
        {
            // a socket file still held; the temp folder is cleaned by the OS eventually
        }
    }
}

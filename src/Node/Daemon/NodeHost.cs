using Datom.Log.Identity;
using Datom.Node.Api;
using Datom.Sync;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Datom.Node.Daemon;

/// <summary>
/// <c>datom run</c>: opens the data directory (taking its lock for the daemon's lifetime), then runs
/// sync, discovery, the services and the local API on Microsoft.Extensions.Hosting until SIGINT or
/// SIGTERM. Stopping is graceful: the API stops taking commands, services end, mDNS says goodbye,
/// peers are told, and the log is flushed and closed. Under systemd (<c>Type=notify</c>) it reports
/// READY once every part is up and STOPPING when it begins to stop.
/// </summary>
internal static class NodeHost
{
    public static async Task<int> RunAsync(DaemonSettings settings, CancellationToken cancellationToken)
    {
        var data = new DataDirectory(settings.DataDirectory);
        if (!data.IsInitialized)
        {
            // A node runs on defaults: a fresh directory gets an identity (and, unless the config
            // names an existing mesh key, a new mesh), as 'datom init' would make them.
            var (id, meshNote) = Commands.InitCommand.Initialize(data, settings.MeshKeyPath == data.MeshKeyPath ? null : settings.MeshKeyPath);
            Terminal.Error.WriteLine($"datom: initialised {data.Path} as node {id}");
            Terminal.Error.WriteLine($"datom: {meshNote}");
        }
        if (!File.Exists(settings.MeshKeyPath))
            throw new CliException(ExitCodes.Unavailable, $"{settings.MeshKeyPath}: no mesh key; copy the mesh's key there, or run 'datom init --mesh-key FILE'");
        var mesh = MeshKey.Read(settings.MeshKeyPath);

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = data.Path });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
            o.UseUtcTimestamp = true;
        });
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.Services.AddSystemd();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(20));

        using var opened = data.OpenLog($"datom run (pid {Environment.ProcessId})", settings.Log, settings.Index);
        // The log is open: from here on, the socket path is ours (a stale one was left by a killed daemon).
        PrepareSocket(settings.Socket);
        builder.WebHost.ConfigureKestrel(k =>
        {
            ConfigureApi(k, settings.Socket);
            if (settings.Http is { } http)
                WebConsole.ConsoleServer.Listen(k, http);
        });

        var db = opened.Database;
        builder.Services.AddSingleton(sp => new SyncNode(opened.Log, opened.Identity, mesh, settings.Sync, sp.GetRequiredService<ILogger<SyncNode>>()));
        builder.Services.AddSingleton(db);
        builder.Services.AddSingleton(settings.Services);
        builder.Services.AddSingleton<ServiceRunner>();
        builder.Services.AddSingleton(sp => new Discovery(settings.Discovery, sp.GetRequiredService<SyncNode>(), opened.Identity.Id, mesh.Id, sp.GetRequiredService<ILoggerFactory>()));
        // Started in this order, stopped in the reverse: sync binds its port before discovery
        // advertises it, and services start last.
        builder.Services.AddHostedService(sp => sp.GetRequiredService<SyncNode>());
        builder.Services.AddHostedService(sp => sp.GetRequiredService<Discovery>());
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ServiceRunner>());
        builder.Services.AddHostedService(sp => new CatchUpReporter(sp.GetRequiredService<SyncNode>(), opened.Log, sp.GetRequiredService<ILogger<CatchUpReporter>>()));

        await using var app = builder.Build();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("datom");
        foreach (var note in opened.Log.Store.RecoveryNotes)
            DaemonLog.Recovered(logger, note);
        DaemonLog.Opened(logger, opened.Log.Count, db.AppliedEntries);

        var node = new RunningNode(opened, mesh, app.Services.GetRequiredService<SyncNode>(), app.Services.GetRequiredService<Discovery>(),
            app.Services.GetRequiredService<ServiceRunner>(), settings.CodeLimits, settings.Socket)
        {
            Stopping = app.Lifetime.ApplicationStopping,
            QueryLimits = settings.QueryLimits,
        };
        // The console's listener reaches the console only; the local API stays on its socket.
        var console = settings.Http is { } consoleAt ? new WebConsole.ConsoleServer(node, consoleAt, logger) : null;
        if (console is not null)
            app.MapWhen(WebConsole.ConsoleServer.Owns, branch => branch.Run(console.HandleAsync));
        LocalApi.Map(app, node);

        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            throw new CliException(ExitCodes.Unavailable, $"cannot start: {e.Message}");
        }
        catch (System.Net.Sockets.SocketException e)
        {
            throw new CliException(ExitCodes.Unavailable, $"cannot listen: {e.Message}");
        }
        await using var nrepl = await Nrepl.NreplHosting.StartAsync(settings, node, app.Services.GetRequiredService<ILoggerFactory>(), cancellationToken).ConfigureAwait(false);
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(settings.Socket, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        console?.Started(app.Urls);
        var nodeId = opened.Identity.Id.ToString();
        DaemonFile.ForThisProcess(settings.Socket, nodeId, node.Started).Write(data.Path);
        app.Lifetime.ApplicationStopping.Register(() =>
        {
            DaemonLog.Stopping(logger);
            // From now on the CLI opens the directory itself (once this process lets go of its lock).
            DaemonFile.Remove(data.Path, Environment.ProcessId);
            console?.Stopped();
        });
        DaemonLog.Started(logger, nodeId, data.Path, mesh.Id, settings.Socket);
        // Until SIGINT or SIGTERM; then every hosted part stops, in reverse order of starting.
        await app.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
        await node.Discovery.DisposeAsync().ConfigureAwait(false);
        TryDelete(settings.Socket);
        DaemonLog.Stopped(logger);
        return ExitCodes.Ok;
    }

    /// <summary>
    /// The local API's server: HTTP/2 on the Unix socket, and no limit on how long or how slowly a
    /// caller streams. Kestrel's defaults end a request whose body arrives at under 240 bytes/s
    /// after a 5 s grace (MinRequestBodyDataRate), and likewise a slow reader of the response
    /// (MinResponseDataRate): `datom transact -` fed one transaction a minute lost its stream after
    /// about 5 s (issue 13). Those limits guard a public server against slow-loris clients; this
    /// socket is mode 0600, so only the directory's owner can connect, and a writer may be idle for
    /// as long as it likes. A stream ends when its caller closes it or the daemon stops.
    /// </summary>
    internal static void ConfigureApi(KestrelServerOptions k, string socket)
    {
        k.ListenUnixSocket(socket, l => l.Protocols = HttpProtocols.Http2);
        k.Limits.MaxRequestBodySize = null; // a transaction stream is as long as its caller makes it
        k.Limits.MinRequestBodyDataRate = null;
        k.Limits.MinResponseDataRate = null;
        k.AddServerHeader = false;
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
    }

    private static void PrepareSocket(string socket)
    {
        var directory = Path.GetDirectoryName(socket);
        if (!string.IsNullOrEmpty(directory))
            Directory.CreateDirectory(directory);
        // sun_path holds 108 bytes on Linux, the terminating NUL included.
        if (System.Text.Encoding.UTF8.GetByteCount(socket) > 107)
            throw new CliException(ExitCodes.Config, $"{socket}: the API socket's path is longer than a Unix socket allows (107 bytes); set [api] socket to a shorter path");
        if (File.Exists(socket))
            File.Delete(socket);
    }
}

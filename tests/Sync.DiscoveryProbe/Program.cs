using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Datom.Log.Identity;
using Datom.Sync.Discovery;
using Microsoft.Extensions.Logging;

namespace Datom.Sync.DiscoveryProbe;

/// <summary>
/// <c>Datom.Sync.DiscoveryProbe [--id ID|random] [--port N] [--mesh HEX] [--expect-mesh HEX]
/// [--host LABEL] [--advertise] [--browse] [--interface NAME]... [--no-ipv6] [--verbose]</c>
/// Prints one JSON object per line on stdout: <c>started</c>, <c>announced</c>, <c>renamed</c>,
/// <c>state</c> (the responder's), <c>interfaces</c> (when the transport's list changed),
/// <c>discovered</c>/<c>updated</c>/<c>lost</c> (with the peer), <c>stopped</c>. Reads stdin: the
/// line <c>stop</c>, or the end of input, stops it gracefully (goodbyes sent). Logs go to stderr.
/// </summary>
public static class Program
{
    private static readonly Lock OutputGate = new();

    public static async Task<int> Main(string[] args)
    {
        Options options;
        try
        {
            options = Options.Parse(args);
        }
        catch (ArgumentException ex)
        {
            await Console.Error.WriteLineAsync(ex.Message);
            return 2;
        }

        using var loggerFactory = new StderrLoggerFactory(options.Verbose ? LogLevel.Debug : LogLevel.Information);
        await using var transport = UdpMdnsTransport.Open(new UdpMdnsTransportOptions
        {
            InterfaceNames = options.Interfaces.Count > 0 ? options.Interfaces : null,
            UseIPv6 = options.UseIPv6,
        }, loggerFactory);
        await using var endpoint = new MdnsEndpoint(transport, loggerFactory: loggerFactory);

        transport.InterfacesChanged += (_, _) => Emit(new { @event = "interfaces", interfaces = transport.Interfaces.Select(i => i.Name) });
        Emit(new
        {
            @event = "started",
            nodeId = options.Id.ToString(),
            interfaces = transport.Interfaces.Select(i => new { i.Name, i.Index, addresses = i.Addresses.Select(a => a.ToString()) }),
        });

        MdnsResponder? responder = null;
        if (options.Advertise)
        {
            responder = new MdnsResponder(endpoint, new DatomServiceProfile(options.Id, options.Mesh, options.Port),
                new MdnsResponderOptions { HostName = options.Host });
            responder.NameChanged += (_, e) => Emit(new { @event = "renamed", instance = e.NewInstanceName, host = e.NewHostName });
            responder.StateChanged += (_, state) => Emit(new { @event = "state", state = state.ToString() });
            responder.Start();
            _ = responder.WhenAnnouncedAsync().ContinueWith(
                _ => Emit(new { @event = "announced", instance = responder.FullInstanceName, host = responder.HostName + ".local", port = (int)options.Port }),
                TaskScheduler.Default);
        }

        MdnsBrowser? browser = null;
        if (options.Browse)
        {
            browser = new MdnsBrowser(endpoint, new MdnsBrowserOptions { ExpectedMeshId = options.ExpectMesh, ExcludeNodeId = options.Id });
            browser.PeerDiscovered += (_, e) => Emit(new { @event = "discovered", peer = Describe(e.Peer) });
            browser.PeerUpdated += (_, e) => Emit(new { @event = "updated", peer = Describe(e.Peer) });
            browser.PeerLost += (_, e) => Emit(new { @event = "lost", peer = Describe(e.Peer) });
            browser.Start();
        }

        using var stop = new CancellationTokenSource();
        using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(
            System.Runtime.InteropServices.PosixSignal.SIGTERM, context => { context.Cancel = true; stop.Cancel(); });
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
        var stdin = Task.Run(async () =>
        {
            // Bounded by the input: each line is read once, and the end of input ends the loop.
            while (await Console.In.ReadLineAsync() is { } line)
                if (line.Trim() == "stop")
                    break;
            await stop.CancelAsync();
        });
        try
        {
            await Task.Delay(Timeout.Infinite, stop.Token);
        }
        catch (OperationCanceledException)
        {
            // stopping
        }

        if (responder is not null)
            await responder.StopAsync();
        if (browser is not null)
            await browser.StopAsync();
        Emit(new { @event = "stopped" });
        return 0;
    }

    private static object Describe(DiscoveredPeer p) => new
    {
        instance = p.InstanceName,
        nodeId = p.NodeId.ToString(),
        mesh = p.MeshId,
        version = p.ProtocolVersion,
        host = p.HostName,
        port = (int)p.Port,
        addresses = p.Addresses.Select(a => a.ToString()),
        compatible = p.IsCompatible,
        mismatch = p.Mismatch.ToString(),
        lastSeen = p.LastSeen.ToString("O", CultureInfo.InvariantCulture),
    };

    private static void Emit(object value)
    {
        var line = JsonSerializer.Serialize(value);
        lock (OutputGate)
        {
            Console.Out.WriteLine(line);
            Console.Out.Flush();
        }
    }

    private sealed class Options
    {
        public NodeId Id { get; private set; }

        public ushort Port { get; private set; } = 7070;

        public string Mesh { get; private set; } = "0000000000000000";

        public string? ExpectMesh { get; private set; }

        public string? Host { get; private set; }

        public bool Advertise { get; private set; }

        public bool Browse { get; private set; }

        public bool UseIPv6 { get; private set; } = true;

        public bool Verbose { get; private set; }

        public List<string> Interfaces { get; } = [];

        public static Options Parse(string[] args)
        {
            var o = new Options { Id = new NodeId(RandomNumberGenerator.GetBytes(NodeId.KeySize)) };
            for (var i = 0; i < args.Length; i++)
            {
                string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
                switch (args[i])
                {
                    case "--id":
                        var id = Value();
                        if (id != "random")
                            o.Id = NodeId.TryParse(id, out var parsed) ? parsed : throw new ArgumentException($"not a node id: {id}");
                        break;
                    case "--port":
                        o.Port = ushort.Parse(Value(), CultureInfo.InvariantCulture);
                        break;
                    case "--mesh":
                        o.Mesh = Value();
                        break;
                    case "--expect-mesh":
                        o.ExpectMesh = Value();
                        break;
                    case "--host":
                        o.Host = Value();
                        break;
                    case "--advertise":
                        o.Advertise = true;
                        break;
                    case "--browse":
                        o.Browse = true;
                        break;
                    case "--interface":
                        o.Interfaces.Add(Value());
                        break;
                    case "--no-ipv6":
                        o.UseIPv6 = false;
                        break;
                    case "--verbose":
                        o.Verbose = true;
                        break;
                    default:
                        throw new ArgumentException($"unknown argument {args[i]}");
                }
            }
            if (!o.Advertise && !o.Browse)
                throw new ArgumentException("give --advertise, --browse or both");
            return o;
        }
    }

    /// <summary>Log lines on stderr, one per entry, so stdout stays machine-readable.</summary>
    private sealed class StderrLoggerFactory(LogLevel minimum) : ILoggerFactory
    {
        public ILogger CreateLogger(string categoryName) => new StderrLogger(categoryName, minimum);

        public void AddProvider(ILoggerProvider provider)
        {
        }

        public void Dispose()
        {
        }

        private sealed class StderrLogger(string category, LogLevel minimum) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (!IsEnabled(logLevel))
                    return;
                var text = $"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel} {category}[{eventId.Id}] {formatter(state, exception)}{(exception is null ? "" : " " + exception)}";
                lock (OutputGate)
                    Console.Error.WriteLine(text);
            }
        }
    }
}

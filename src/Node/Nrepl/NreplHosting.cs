using System.Net.Sockets;
using Datom.Node.Daemon;
using Datom.Vm;
using Microsoft.Extensions.Logging;

namespace Datom.Node.Nrepl;

/// <summary>Starts the daemon's nREPL server when the settings ask for one, over the daemon's own DaoDB.</summary>
internal sealed class NreplHosting : IAsyncDisposable
{
    private readonly NreplServer? _server;
    private readonly YinVm? _vm;

    private NreplHosting(NreplServer? server, YinVm? vm)
    {
        _server = server;
        _vm = vm;
    }

    public NreplServer? Server => _server;

    /// <exception cref="CliException">The address cannot be bound.</exception>
    public static async Task<NreplHosting> StartAsync(DaemonSettings settings, RunningNode node, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        if (settings.Nrepl.Listen is not { } at)
            return new NreplHosting(null, null);
        if (settings.Nrepl.RefusedAddress() is { } refused)
            throw new CliException(ExitCodes.Config, refused);
        var db = node.Opened.Database;
        var vm = await YinVm.OpenAsync(db, cancellationToken).ConfigureAwait(false);
        vm.QueryLimits = node.QueryLimits;
        var server = new NreplServer(at, db, vm, node.CodeLimits, node.Path, loggers.CreateLogger("datom.nrepl"));
        try
        {
            server.Start();
        }
        catch (SocketException e)
        {
            await server.DisposeAsync().ConfigureAwait(false);
            vm.Dispose();
            throw new CliException(ExitCodes.Unavailable, $"nREPL: cannot listen on {at}: {e.Message}");
        }
        return new NreplHosting(server, vm);
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
            await _server.DisposeAsync().ConfigureAwait(false);
        _vm?.Dispose();
    }
}

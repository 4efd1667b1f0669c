using Datom.Index;
using Datom.Index.Query;
using Datom.Vm;
using Datom.Vm.Machine;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Datom.Node.Daemon;

/// <summary>How the daemon runs <c>^:service</c> functions.</summary>
/// <param name="Limits">A service's limits: memory, depth and a deadline per run as for any run; fuel as a rate (<see cref="FuelRateLimit"/>), since a service is started again and again.</param>
/// <param name="RestartDelay">The first wait before restarting a service that failed or returned; doubles per failure in a row, up to a minute.</param>
internal sealed record ServiceOptions(bool Enabled, RunLimits Limits, TimeSpan RestartDelay)
{
    /// <summary>Lines of output kept per service for <c>datom code logs</c>.</summary>
    public int LogLines { get; init; } = 1000;

    /// <summary><c>transact!</c> calls a minute per service, across its runs (<see cref="TransactRateLimit"/>).</summary>
    public int TransactsPerMinute { get; init; } = 600;

    /// <summary>The most any one query of a service may spend (it spends no more than its run has left either).</summary>
    public QueryLimits QueryLimits { get; init; } = QueryLimits.Default;

    public static RunLimits LimitsFor(long fuelPerSecond, long memoryBytes, int depth, TimeSpan runDeadline) => new(
        new FuelLimit(long.MaxValue),
        new DeadlineLimit(runDeadline),
        new MemoryLimit(memoryBytes),
        new DepthLimit(depth),
        new FuelRateLimit(fuelPerSecond, burst: Math.Max(fuelPerSecond, 1) * 10));
}

/// <summary>
/// Runs every function marked <c>^:service</c>, on every daemon, and keeps it running: a service
/// that fails or returns is restarted after a delay (with backoff); a service whose own definition
/// changes (an edit here or from any peer) is stopped and started on the new code at once, while
/// the functions it calls pick up edits on their next call without a restart. New services start
/// as soon as their code arrives; a function that stops being a service is stopped.
/// </summary>
internal sealed class ServiceRunner(DaoDb db, ServiceOptions options, ILogger<ServiceRunner> logger) : BackgroundService
{
    private readonly ServiceOptions _options = options;
    private readonly ILogger _logger = logger;

    private static readonly TimeSpan MaxRestartDelay = TimeSpan.FromMinutes(1);

    private static readonly DatalogQuery ServicesQuery = DatalogQuery.Parse(
        "[:find ?key :where [?f :fn/service true] [?f :ast/key ?key]]", "<services>");

    private readonly Lock _gate = new();
    private readonly Dictionary<string, Service> _services = new(StringComparer.Ordinal);
    private YinVm? _vm;
    private IDisposable? _subscription;
    private CancellationToken _stopping;

    /// <summary>The services running now, and their recent output.</summary>
    public IReadOnlyList<ServiceState> Snapshot()
    {
        lock (_gate)
            return [.. _services.Values.Select(s => s.Describe()).OrderBy(s => s.Name, StringComparer.Ordinal)];
    }

    /// <summary>The last lines a service printed (all services when <paramref name="name"/> is null), oldest first.</summary>
    public IReadOnlyList<ServiceLine> Lines(string? name, int max)
    {
        Service[] services;
        lock (_gate)
            services = [.. _services.Values.Where(s => name is null || s.Name == name)];
        return [.. services.SelectMany(s => s.Output.Lines()).OrderBy(l => l.At).TakeLast(max)];
    }

    /// <summary>Raised for every line any service prints.</summary>
    public event Action<ServiceLine>? LinePrinted;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled)
            return;
        _stopping = stoppingToken;
        _vm = await YinVm.OpenAsync(db, stoppingToken).ConfigureAwait(false);
        _vm.QueryLimits = _options.QueryLimits;
        _vm.Invalidated += OnInvalidated;
        // The subscription reports each entry that adds or removes a service; the scan after it
        // catches whatever was there before it was in place.
        _subscription = db.Subscriptions.Subscribe(
            view => ServicesQuery.Run([view]).Rows,
            new HashSet<string>(["fn/service", "ast/key"], StringComparer.Ordinal),
            change =>
            {
                foreach (var row in change.Added)
                    Start((string)row[0]!);
                foreach (var row in change.Removed)
                    Stop((string)row[0]!, removed: true);
            });
        foreach (var row in ServicesQuery.Run([db.Current()]).Rows)
            Start((string)row[0]!);
        try
        {
            await Task.Delay(Timeout.Infinite, stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _subscription?.Dispose();
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        Service[] running;
        lock (_gate)
        {
            running = [.. _services.Values];
            _services.Clear();
        }
        foreach (var s in running)
            s.Stop();
        await Task.WhenAll(running.Select(s => s.Completion)).WaitAsync(cancellationToken).ConfigureAwait(false);
        _vm?.Dispose();
    }

    private void Start(string name)
    {
        lock (_gate)
        {
            if (_stopping.IsCancellationRequested || _services.ContainsKey(name))
                return;
            var service = new Service(name, this);
            _services[name] = service;
            service.Start();
        }
    }

    private void Stop(string name, bool removed)
    {
        Service? service;
        lock (_gate)
        {
            if (!_services.Remove(name, out service))
                return;
        }
        service.Stop();
        if (removed)
            DaemonLog.ServiceRemoved(_logger, name);
    }

    private void OnInvalidated(string function)
    {
        Service? service;
        lock (_gate)
            _services.TryGetValue(function, out service);
        service?.Restart();
    }

    /// <summary>One service: a thread running the function again and again.</summary>
    private sealed class Service(string name, ServiceRunner runner)
    {
        private readonly CancellationTokenSource _stop = CancellationTokenSource.CreateLinkedTokenSource(runner._stopping);

        // One rate for every run of this service, so that restarts do not refill it.
        private readonly RunLimits _limits = runner._options.Limits.With(new TransactRateLimit(runner._options.TransactsPerMinute));
        private CancellationTokenSource? _run;
        private int _restarts;
        private string? _lastError;
        private DateTimeOffset _since;

        public string Name { get; } = name;

        public ServiceOutput Output { get; } = new(name, runner._options.LogLines, runner.OnLine);

        public Task Completion { get; private set; } = Task.CompletedTask;

        public void Start() => Completion = Task.Factory.StartNew(Loop, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)
            .ContinueWith(_ => _stop.Dispose(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

        public void Stop()
        {
            try
            {
                _stop.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // Its loop has ended already.
            }
        }

        /// <summary>Ends the current run; the loop starts the function again right away, on its current code.</summary>
        public void Restart()
        {
            var run = Volatile.Read(ref _run);
            if (run is null || run.IsCancellationRequested)
                return;
            DaemonLog.ServiceChanged(runner._logger, Name);
            run.Cancel();
        }

        public ServiceState Describe() => new(Name, _since, _restarts, _lastError);

        private void Loop()
        {
            var delay = runner._options.RestartDelay;
            while (!_stop.IsCancellationRequested)
            {
                using var run = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                Volatile.Write(ref _run, run);
                _since = DateTimeOffset.UtcNow;
                DaemonLog.ServiceStarted(runner._logger, Name);
                RunResult result;
                try
                {
                    result = runner._vm!.Run(Name, [], new RunOptions { Limits = _limits, Cancellation = run.Token, Output = Output });
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    // The VM turns program errors into results; anything else is ours, and must not
                    // take the daemon down with it.
                    result = null!;
                    _lastError = e.Message;
                    DaemonLog.ServiceFailed(runner._logger, Name, e.ToString(), delay);
                }
                Output.Flush();
                if (_stop.IsCancellationRequested)
                    break;
                if (run.IsCancellationRequested)
                {
                    // Its definition changed: start the new one now.
                    _restarts++;
                    delay = runner._options.RestartDelay;
                    continue;
                }
                if (result is { Status: RunStatus.Failed })
                {
                    _lastError = result.Error!.Describe();
                    DaemonLog.ServiceFailed(runner._logger, Name, _lastError, delay);
                }
                else if (result is not null)
                {
                    DaemonLog.ServiceReturned(runner._logger, Name, result.Value, delay);
                }
                _restarts++;
                if (_stop.Token.WaitHandle.WaitOne(delay))
                    break;
                delay = TimeSpan.FromTicks(Math.Min(MaxRestartDelay.Ticks, delay.Ticks * 2));
            }
        }
    }

    private void OnLine(ServiceLine line)
    {
        DaemonLog.ServiceOutput(_logger, line.Service, line.Text);
        LinePrinted?.Invoke(line);
    }
}

internal sealed record ServiceState(string Name, DateTimeOffset RunningSince, int Restarts, string? LastError);

internal sealed record ServiceLine(string Service, DateTimeOffset At, string Text);

/// <summary>A service's standard output: split into lines, each logged and kept in a ring for <c>datom code logs</c>.</summary>
internal sealed class ServiceOutput(string service, int capacity, Action<ServiceLine> onLine) : TextWriter
{
    private readonly Lock _gate = new();
    private readonly System.Text.StringBuilder _partial = new();
    private readonly Queue<ServiceLine> _ring = new();

    public override System.Text.Encoding Encoding => System.Text.Encoding.UTF8;

    public IReadOnlyList<ServiceLine> Lines()
    {
        lock (_gate)
            return [.. _ring];
    }

    public override void Write(char value)
    {
        ServiceLine? line = null;
        lock (_gate)
        {
            if (value == '\n')
                line = Take();
            else if (value != '\r')
                _partial.Append(value);
        }
        if (line is not null)
            onLine(line);
    }

    public override void Write(string? value)
    {
        if (value is null)
            return;
        foreach (var c in value)
            Write(c);
    }

    public override void Flush()
    {
        ServiceLine? line = null;
        lock (_gate)
        {
            if (_partial.Length > 0)
                line = Take();
        }
        if (line is not null)
            onLine(line);
    }

    private ServiceLine Take()
    {
        var line = new ServiceLine(service, DateTimeOffset.UtcNow, _partial.ToString());
        _partial.Clear();
        _ring.Enqueue(line);
        while (_ring.Count > capacity)
            _ring.Dequeue();
        return line;
    }
}

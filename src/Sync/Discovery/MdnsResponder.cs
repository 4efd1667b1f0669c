using Microsoft.Extensions.Logging;

namespace Datom.Sync.Discovery;

/// <summary>
/// Advertises one datom node over mDNS / DNS-SD: the instance <c>&lt;node-id&gt;._datom._tcp.local</c>
/// (PTR, SRV, TXT), its host name <c>&lt;host&gt;.local</c> (A, AAAA), and the service type in the
/// <c>_services._dns-sd._udp.local</c> enumeration. Probes and announces on start (RFC 6762 §8),
/// renames on conflict (§9), answers queries (§6, with known-answer suppression §7.1, duplicate
/// answer suppression §7.4 and the one-second multicast rate limit), re-announces when addresses
/// change (§8.4) and says goodbye on stop (§10.1).
/// </summary>
public sealed partial class MdnsResponder : IMdnsParticipant, IAsyncDisposable
{
    /// <summary>RFC 6762 §8.1: three probes, 250 ms apart.</summary>
    private const int ProbeCount = 3;

    private static readonly TimeSpan ProbeInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>RFC 6762 §8.1: after 15 conflicts within 10 s, wait 5 s before each further probe attempt.</summary>
    private const int ConflictStormCount = 15;

    private static readonly TimeSpan ConflictStormWindow = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan ConflictStormDelay = TimeSpan.FromSeconds(5);

    private readonly MdnsEndpoint _endpoint;
    private readonly MdnsResponderOptions _options;
    private readonly ILogger _logger;
    private readonly string _baseInstance;
    private readonly string _baseHost;
    private readonly Queue<long> _conflicts = new();
    private readonly TaskCompletionSource _announced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private MdnsResponderState _state;
    private int _instanceAttempt = 1;
    private int _hostAttempt = 1;
    private int _generation;
    private ITimer? _timer;
    private int _probesSent;
    private int _announcementsSent;

    public MdnsResponder(MdnsEndpoint endpoint, DatomServiceProfile service, MdnsResponderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(service);
        options ??= new MdnsResponderOptions();
        options.Validate();
        _endpoint = endpoint;
        _options = options;
        Service = service;
        _logger = endpoint.LoggerFactory.CreateLogger<MdnsResponder>();
        var id = service.NodeId.ToString();
        _baseInstance = options.InstanceName ?? id;
        _baseHost = options.HostName ?? "datom-" + id[..16];
        InstanceName = _baseInstance;
        HostName = _baseHost;
    }

    public DatomServiceProfile Service { get; }

    /// <summary>The instance label in use now (it changes after a conflict).</summary>
    public string InstanceName { get; private set; }

    /// <summary>The host label in use now (it changes after a conflict).</summary>
    public string HostName { get; private set; }

    /// <summary>The full instance name, <c>&lt;instance&gt;._datom._tcp.local</c>.</summary>
    public string FullInstanceName => $"{InstanceName}.{MdnsProtocol.DatomServiceType}";

    public MdnsResponderState State => _endpoint.Run(() => _state);

    /// <summary>Raised after a conflict made the responder pick a new instance or host name.</summary>
    public event EventHandler<MdnsNameChangedEventArgs>? NameChanged;

    /// <summary>Raised when the responder moves between <see cref="MdnsResponderState"/>s.</summary>
    public event EventHandler<MdnsResponderState>? StateChanged;

    /// <summary>Completes when the names have been won and the first announcement sent.</summary>
    public Task WhenAnnouncedAsync(CancellationToken cancellationToken = default) => _announced.Task.WaitAsync(cancellationToken);

    /// <summary>Starts probing for the names; returns at once (announcing follows about a second later).</summary>
    public void Start()
    {
        _endpoint.Start();
        _endpoint.Run(() =>
        {
            ObjectDisposedException.ThrowIf(_endpoint.IsDisposed, _endpoint);
            if (_state != MdnsResponderState.Stopped)
                return;
            _endpoint.Attach(this);
            BeginProbing(_endpoint.Jitter(0, 250));
        });
    }

    /// <summary>
    /// Stops answering and, if the records were announced, multicasts goodbyes (RFC 6762 §10.1:
    /// the same records with TTL 0) on every interface. Returns once the goodbyes have been handed
    /// to the transport.
    /// </summary>
    public ValueTask StopAsync()
    {
        _endpoint.Run(() =>
        {
            if (_state == MdnsResponderState.Stopped)
                return;
            if (_state is MdnsResponderState.Announcing or MdnsResponderState.Announced)
            {
                foreach (var iface in _endpoint.Interfaces)
                    SendGoodbye(iface, RecordsFor(iface).Where(r => r.Kind != OwnKind.Nsec));
                MdnsLog.Goodbye(_logger, FullInstanceName);
            }
            CancelTimers();
            _endpoint.Detach(this);
            SetState(MdnsResponderState.Stopped);
        });
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync() => StopAsync();

    void IMdnsParticipant.OnMessage(MdnsMessage message)
    {
        if (_state == MdnsResponderState.Stopped)
            return;
        if (message.IsResponse)
            OnResponse(message);
        else
            OnQuery(message);
    }

    void IMdnsParticipant.OnInterfacesChanged()
    {
        if (_state == MdnsResponderState.Stopped)
            return;
        var before = _addressRecords.Keys.ToHashSet();
        RefreshOwnRecords(out var removed);
        foreach (var (iface, records) in removed)
            SendGoodbye(iface, records);
        if (_state == MdnsResponderState.Probing)
            return; // the next probes carry the new addresses anyway
        if (_addressRecords.Keys.Any(index => !before.Contains(index)))
        {
            // RFC 6762 §13: on a newly connected link, our names must be probed for again.
            BeginProbing(_endpoint.Jitter(0, 250));
            return;
        }
        // §8.4: changed data on the same links is announced again.
        BeginAnnouncing();
    }

    // ---- probing (RFC 6762 §8.1, §8.2) ----

    private void BeginProbing(TimeSpan delay)
    {
        CancelTimers();
        var generation = ++_generation;
        _probesSent = 0;
        RefreshOwnRecords(out _);
        SetState(MdnsResponderState.Probing);
        MdnsLog.Probing(_logger, FullInstanceName, HostName + ".local");
        _timer = _endpoint.Schedule(delay, () => ProbeStep(generation));
    }

    private void ProbeStep(int generation)
    {
        if (generation != _generation || _state != MdnsResponderState.Probing)
            return;
        if (_probesSent < ProbeCount)
        {
            foreach (var iface in _endpoint.Interfaces)
                SendProbe(iface);
            _probesSent++;
            _timer?.Dispose();
            _timer = _endpoint.Schedule(ProbeInterval, () => ProbeStep(generation));
            return;
        }
        // 250 ms after the third probe with no conflict: the names are ours.
        BeginAnnouncing();
    }

    private void SendProbe(MdnsInterface iface)
    {
        var message = MdnsWire.NewQuery();
        // §8.1: probes ask for ANY with the unicast-response bit, and carry the proposed records
        // in the authority section for simultaneous-probe tie-breaking.
        message.Questions.Add(MdnsWire.Question(InstanceDomain, ARSoft.Tools.Net.Dns.RecordType.Any, unicastResponse: true));
        message.Questions.Add(MdnsWire.Question(HostDomain, ARSoft.Tools.Net.Dns.RecordType.Any, unicastResponse: true));
        foreach (var r in RecordsFor(iface).Where(r => r.Unique && r.Kind != OwnKind.Nsec))
            message.AuthorityRecords.Add(r.Make(r.View.Ttl, false));
        SendMulticast(message, iface);
    }

    /// <summary>A probe from someone else while we probe: RFC 6762 §8.2 tie-breaking.</summary>
    private void OnProbeWhileProbing(MdnsMessage probe)
    {
        var iface = _endpoint.Interfaces.FirstOrDefault(i => i.Index == probe.InterfaceIndex);
        if (iface is null)
            return;
        var ours = RecordsFor(iface).Where(r => r.Unique && r.Kind != OwnKind.Nsec).Select(r => r.View).ToList();
        foreach (var name in new[] { InstanceKey, HostKey })
        {
            var theirs = probe.Authorities.Where(r => r.NameKey == name).ToList();
            if (theirs.Count == 0 || theirs.All(r => _ownIdentities.Contains(r.Identity)))
                continue; // no claim on this name, or our own probe looped back (from any of our interfaces)
            var comparison = CompareForTiebreak(ours.Where(r => r.NameKey == name).ToList(), theirs);
            if (comparison < 0)
            {
                // We lose: defer one second, then probe again for the same names (§8.2).
                MdnsLog.LostTiebreak(_logger, name == InstanceKey ? FullInstanceName : HostName + ".local");
                BeginProbing(TimeSpan.FromSeconds(1));
                return;
            }
        }
    }

    /// <summary>
    /// RFC 6762 §8.2.1: sort each side's records by class, type, then raw data, and compare them
    /// pairwise; the first difference decides, and a side that runs out first is the lesser.
    /// </summary>
    internal static int CompareForTiebreak(IReadOnlyList<MdnsRecord> ours, IReadOnlyList<MdnsRecord> theirs)
    {
        static int Compare(MdnsRecord a, MdnsRecord b)
        {
            var c = a.Class.CompareTo(b.Class);
            if (c != 0)
                return c;
            c = ((ushort)a.Type).CompareTo((ushort)b.Type);
            if (c != 0)
                return c;
            return (a.Data ?? []).AsSpan().SequenceCompareTo(b.Data ?? []);
        }

        var x = ours.Order(Comparer<MdnsRecord>.Create(Compare)).ToList();
        var y = theirs.Order(Comparer<MdnsRecord>.Create(Compare)).ToList();
        for (var i = 0; i < Math.Min(x.Count, y.Count); i++)
        {
            var c = Compare(x[i], y[i]);
            if (c != 0)
                return Math.Sign(c);
        }
        return x.Count.CompareTo(y.Count);
    }

    /// <summary>
    /// Which of our unique names a response conflicts with: a live record (TTL above zero) with
    /// our name that is not one of our own records (§9). Our own packets, looped back or heard on
    /// another of our interfaces, are never a conflict.
    /// </summary>
    private (bool Instance, bool Host) FindConflicts(MdnsMessage response)
    {
        bool instance = false, host = false;
        foreach (var r in response.Answers.Concat(response.Additionals))
        {
            if (r.Ttl == 0 || _ownIdentities.Contains(r.Identity))
                continue;
            if (r.NameKey == InstanceKey)
                instance = true;
            else if (r.NameKey == HostKey)
                host = true;
        }
        return (instance, host);
    }

    private void OnConflict(bool instance, bool host)
    {
        var oldInstance = InstanceName;
        var oldHost = HostName;
        if (instance)
            InstanceName = MdnsNames.RenameInstance(_baseInstance, ++_instanceAttempt);
        if (host)
            HostName = MdnsNames.RenameHost(_baseHost, ++_hostAttempt);
        MdnsLog.Renamed(_logger, instance ? $"{oldInstance}.{MdnsProtocol.DatomServiceType}" : oldHost + ".local",
            "another responder answered our probe", instance ? FullInstanceName : HostName + ".local");
        var args = new MdnsNameChangedEventArgs(oldInstance, InstanceName, oldHost, HostName);
        _endpoint.Post(() => NameChanged?.Invoke(this, args));

        BeginProbing(ConflictDelay());
    }

    /// <summary>
    /// Counts a conflict and returns how long to wait before probing again: nothing, or 5 s once
    /// 15 conflicts fell within 10 s (§8.1), so a host that keeps claiming our names (or a hostile
    /// one that keeps sending rival records) cannot keep us probing flat out.
    /// </summary>
    private TimeSpan ConflictDelay()
    {
        _conflicts.Enqueue(_endpoint.Now);
        while (_conflicts.Count > 0 && _endpoint.Since(_conflicts.Peek()) > ConflictStormWindow)
            _conflicts.Dequeue();
        if (_conflicts.Count < ConflictStormCount)
            return TimeSpan.Zero;
        MdnsLog.ConflictStorm(_logger, _conflicts.Count);
        return ConflictStormDelay;
    }

    // ---- announcing (RFC 6762 §8.3) ----

    private void BeginAnnouncing()
    {
        CancelTimers();
        var generation = ++_generation;
        _announcementsSent = 0;
        SetState(MdnsResponderState.Announcing);
        AnnounceStep(generation);
    }

    private void AnnounceStep(int generation)
    {
        if (generation != _generation || _state != MdnsResponderState.Announcing)
            return;
        foreach (var iface in _endpoint.Interfaces)
            SendAnnouncement(iface);
        if (_announcementsSent++ == 0)
        {
            MdnsLog.Announced(_logger, FullInstanceName, HostName + ".local", Service.Port);
            _endpoint.Post(() => _announced.TrySetResult());
        }
        if (_announcementsSent >= _options.Announcements)
        {
            SetState(MdnsResponderState.Announced);
            return;
        }
        // 1 s, then 2 s, 4 s, ...: §8.3 allows more than two if each gap at least doubles.
        var gap = TimeSpan.FromSeconds(1 << (_announcementsSent - 1));
        _timer?.Dispose();
        _timer = _endpoint.Schedule(gap, () => AnnounceStep(generation));
    }

    private void SendAnnouncement(MdnsInterface iface)
    {
        var records = RecordsFor(iface);
        var message = MdnsWire.NewResponse();
        foreach (var r in records.Where(r => r.Kind != OwnKind.Nsec))
            message.AnswerRecords.Add(r.Make(r.View.Ttl, r.Unique));
        foreach (var r in records.Where(r => r.Kind == OwnKind.Nsec))
            message.AdditionalRecords.Add(r.Make(r.View.Ttl, true));
        SendMulticast(message, iface);
        var now = _endpoint.Now;
        foreach (var r in records)
            _lastMulticast[(r.View.Identity, iface.Index)] = now;
    }

    private void SendGoodbye(MdnsInterface iface, IEnumerable<OwnRecord> records)
    {
        var message = MdnsWire.NewResponse();
        foreach (var r in records)
            message.AnswerRecords.Add(r.Make(0, r.Unique));
        if (message.AnswerRecords.Count > 0)
            SendMulticast(message, iface);
    }

    private void SendMulticast(ARSoft.Tools.Net.Dns.DnsMessageBase message, MdnsInterface iface) =>
        _endpoint.Send(MdnsWire.Encode(message), MdnsSendTarget.Multicast(iface.Index));

    private void SetState(MdnsResponderState state)
    {
        if (_state == state)
            return;
        _state = state;
        _endpoint.Post(() => StateChanged?.Invoke(this, state));
    }

    private void CancelTimers()
    {
        _generation++;
        _timer?.Dispose();
        _timer = null;
        foreach (var pending in _pending.Values)
            pending.Timer?.Dispose();
        _pending.Clear();
    }
}

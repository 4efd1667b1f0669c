using System.Net;
using System.Net.Sockets;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;
using Datom.Log.Identity;
using Microsoft.Extensions.Logging;

namespace Datom.Sync.Discovery;

/// <summary>
/// Finds datom nodes on the LAN: continuous PTR queries for <c>_datom._tcp.local</c> with
/// exponential back-off (RFC 6762 §5.2) and known-answer lists (§7.1, §7.2), resolution of each
/// instance's SRV, TXT and addresses, and a cache that honours TTLs: refresh queries at 80-95% of
/// a record's life, expiry, cache-flush (§10.2) and goodbyes (§10.1, removal one second later).
/// Reports peers through <see cref="Peers"/> and the Peer* events.
/// </summary>
public sealed partial class MdnsBrowser : IMdnsParticipant, IAsyncDisposable
{
    /// <summary>RFC 6762 §10.1, §10.2: a goodbye or a flushed record lives one more second.</summary>
    private static readonly TimeSpan GraceAfterGoodbye = TimeSpan.FromSeconds(1);

    /// <summary>Resolution queries per instance before waiting for it to be announced again: at 0, 1, 3, 7, 15 s.</summary>
    private const int MaxResolveAttempts = 5;

    private readonly MdnsEndpoint _endpoint;
    private readonly MdnsBrowserOptions _options;
    private readonly ILogger _logger;
    private readonly Dictionary<string, List<CacheEntry>> _cache = [];
    private readonly Dictionary<string, ResolveState> _resolving = [];
    private Dictionary<string, DiscoveredPeer> _peers = [];
    private IReadOnlyList<DiscoveredPeer> _snapshot = [];
    private int _recordCount;
    private bool _running;
    private ITimer? _timer;
    private long _timerDue = long.MaxValue;
    private long _nextQuery;
    private TimeSpan _queryInterval;
    private bool _firstQuery;
    private bool _cacheFullLogged;

    public MdnsBrowser(MdnsEndpoint endpoint, MdnsBrowserOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        options ??= new MdnsBrowserOptions();
        options.Validate();
        _endpoint = endpoint;
        _options = options;
        _logger = endpoint.LoggerFactory.CreateLogger<MdnsBrowser>();
        _queryInterval = options.InitialQueryInterval;
    }

    /// <summary>The peers known now, resolved (SRV, TXT and at least one address).</summary>
    public IReadOnlyList<DiscoveredPeer> Peers => Volatile.Read(ref _snapshot);

    public event EventHandler<DiscoveredPeerEventArgs>? PeerDiscovered;

    /// <summary>A known peer's port, addresses, host or TXT changed.</summary>
    public event EventHandler<DiscoveredPeerEventArgs>? PeerUpdated;

    /// <summary>A peer's records expired or it said goodbye.</summary>
    public event EventHandler<DiscoveredPeerEventArgs>? PeerLost;

    public void Start()
    {
        _endpoint.Start();
        _endpoint.Run(() =>
        {
            ObjectDisposedException.ThrowIf(_endpoint.IsDisposed, _endpoint);
            if (_running)
                return;
            _running = true;
            _endpoint.Attach(this);
            RestartQuerying();
        });
    }

    public ValueTask StopAsync()
    {
        _endpoint.Run(() =>
        {
            if (!_running)
                return;
            _running = false;
            _endpoint.Detach(this);
            _timer?.Dispose();
            _timer = null;
            _timerDue = long.MaxValue;
        });
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync() => StopAsync();

    void IMdnsParticipant.OnMessage(MdnsMessage message)
    {
        if (!_running || !message.IsResponse)
            return; // records in queries are known answers and probes' proposals, not facts
        if (Absorb(message))
        {
            UpdatePeers();
            Reschedule();
        }
    }

    void IMdnsParticipant.OnInterfacesChanged()
    {
        if (_running)
            RestartQuerying();
    }

    /// <summary>RFC 6762 §5.2: the first query after 20-120 ms, then at the initial interval, doubling.</summary>
    private void RestartQuerying()
    {
        _queryInterval = _options.InitialQueryInterval;
        _firstQuery = true;
        _nextQuery = _endpoint.After(_endpoint.Now, _endpoint.Jitter(20, 120));
        Reschedule();
    }

    /// <summary>Sets the one timer to the earliest thing that needs doing.</summary>
    private void Reschedule()
    {
        if (!_running)
            return;
        var due = _nextQuery;
        foreach (var entries in _cache.Values)
        {
            foreach (var e in entries)
            {
                due = Math.Min(due, e.Expires);
                if (e.RefreshStep < RefreshPoints.Length && !e.Goodbye)
                    due = Math.Min(due, e.NextRefresh);
            }
        }
        foreach (var r in _resolving.Values)
            due = Math.Min(due, r.Next);
        if (due == _timerDue && _timer is not null)
            return;
        _timer?.Dispose();
        _timerDue = due;
        _timer = _endpoint.Schedule(_endpoint.Until(due), OnTimer);
    }

    private void OnTimer()
    {
        if (!_running)
            return;
        _timer?.Dispose();
        _timer = null;
        _timerDue = long.MaxValue;
        var now = _endpoint.Now;

        Expire(now);
        var questions = new Dictionary<int, List<(DomainName Name, RecordType Type)>>();
        void Ask(int iface, DomainName name, RecordType type)
        {
            if (!questions.TryGetValue(iface, out var list))
                questions[iface] = list = [];
            if (!list.Any(q => q.Type == type && MdnsNames.Key(q.Name) == MdnsNames.Key(name)))
                list.Add((name, type));
        }

        var interfaces = _endpoint.Interfaces;
        var continuous = now >= _nextQuery;
        if (continuous)
        {
            foreach (var iface in interfaces)
                Ask(iface.Index, MdnsNames.ServiceType, RecordType.Ptr);
            _nextQuery = _endpoint.After(now, _queryInterval);
            _queryInterval = TimeSpan.FromTicks(Math.Min(_queryInterval.Ticks * 2, _options.MaxQueryInterval.Ticks));
        }

        // §5.2: a record still wanted is asked for again at 80%, 85%, 90% and 95% of its life.
        foreach (var e in _cache.Values.SelectMany(l => l))
        {
            if (e.Goodbye || e.RefreshStep >= RefreshPoints.Length || now < e.NextRefresh)
                continue;
            var targets = interfaces.Any(i => i.Index == e.Interface) ? [e.Interface] : interfaces.Select(i => i.Index).ToArray();
            foreach (var iface in targets)
                Ask(iface, e.Record.Name, e.Record.Type);
            e.RefreshStep++;
            e.NextRefresh = RefreshTime(e);
        }

        foreach (var (instanceKey, state) in _resolving)
        {
            if (now < state.Next)
                continue;
            foreach (var iface in interfaces)
            {
                if (state.NeedInstance)
                {
                    Ask(iface.Index, state.Instance, RecordType.Srv);
                    Ask(iface.Index, state.Instance, RecordType.Txt);
                }
                if (state.Host is { } host)
                {
                    Ask(iface.Index, host, RecordType.A);
                    Ask(iface.Index, host, RecordType.Aaaa);
                }
            }
            state.Attempts++;
            state.Next = state.Attempts >= MaxResolveAttempts
                ? long.MaxValue
                : _endpoint.After(now, TimeSpan.FromSeconds(1 << (state.Attempts - 1)));
        }

        foreach (var (iface, list) in questions)
        {
            var unicast = continuous && _firstQuery && _options.UnicastFirstQuery;
            foreach (var packet in BuildQueries(list, continuous ? KnownAnswers(now) : [], unicast))
                _endpoint.Send(packet, MdnsSendTarget.Multicast(iface));
        }
        if (continuous)
            _firstQuery = false;

        UpdatePeers();
        Reschedule();
    }

    /// <summary>
    /// Query packets for <paramref name="questions"/> with the known answers (§7.1). If the answers
    /// do not fit one packet, the first packets carry the TC bit and the rest follow without
    /// questions (§7.2). Sizes are estimated from uncompressed names, so each packet is at most
    /// <see cref="MdnsProtocol.TargetPacketSize"/> bytes.
    /// </summary>
    internal static List<byte[]> BuildQueries(List<(DomainName Name, RecordType Type)> questions, List<DnsRecordBase> knownAnswers, bool unicast)
    {
        var packets = new List<byte[]>();
        var message = MdnsWire.NewQuery();
        var size = MdnsPacketGuard.HeaderSize;
        foreach (var (name, type) in questions)
        {
            message.Questions.Add(MdnsWire.Question(name, type, unicast));
            size += NameSize(name) + 4;
        }
        foreach (var answer in knownAnswers)
        {
            var answerSize = NameSize(answer.Name) + 10 + DataSizeBound(answer);
            if (size + answerSize > MdnsProtocol.TargetPacketSize && message.AnswerRecords.Count > 0)
            {
                message.IsTruncated = true;
                packets.Add(MdnsWire.Encode(message));
                message = MdnsWire.NewQuery();
                size = MdnsPacketGuard.HeaderSize;
            }
            message.AnswerRecords.Add(answer);
            size += answerSize;
        }
        packets.Add(MdnsWire.Encode(message));
        return packets;
    }

    private static int NameSize(DomainName name) => name.Labels.Sum(l => l.Length + 1) + 1;

    private static int DataSizeBound(DnsRecordBase record) => record switch
    {
        PtrRecord ptr => NameSize(ptr.PointerDomainName),
        _ => 512,
    };

    /// <summary>PTR records for the service type with more than half their TTL left, sent with the TTL they have left (§7.1).</summary>
    private List<DnsRecordBase> KnownAnswers(long now)
    {
        var list = new List<DnsRecordBase>();
        if (!_cache.TryGetValue(RrsetKey(MdnsNames.ServiceTypeKey, RecordType.Ptr), out var entries))
            return list;
        foreach (var e in entries)
        {
            if (e.Goodbye || e.Record.Record is not PtrRecord ptr)
                continue;
            var left = e.Expires <= now ? 0 : (int)_endpoint.Time.GetElapsedTime(now, e.Expires).TotalSeconds;
            if ((long)left * 2 > e.Ttl)
                list.Add(MdnsWire.Ptr(ptr.Name, left, ptr.PointerDomainName));
        }
        return list;
    }

    private static string RrsetKey(string nameKey, RecordType type) => $"{nameKey}/{(ushort)type}";

    private sealed class ResolveState(DomainName instance)
    {
        public DomainName Instance { get; } = instance;

        public bool NeedInstance { get; set; }

        public DomainName? Host { get; set; }

        public int Attempts { get; set; }

        public long Next { get; set; }
    }

    private static IPAddress WithScope(IPAddress address, int interfaceIndex)
    {
        if (address.AddressFamily == AddressFamily.InterNetworkV6 && address.IsIPv6LinkLocal && address.ScopeId == 0)
            return new IPAddress(address.GetAddressBytes(), interfaceIndex);
        return address;
    }

    private static bool TryParseNodeId(string? text, out NodeId id)
    {
        id = default;
        return text is not null && NodeId.TryParse(text, out id);
    }
}

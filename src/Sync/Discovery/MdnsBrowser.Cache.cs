using System.Net;
using ARSoft.Tools.Net.Dns;

namespace Datom.Sync.Discovery;

public sealed partial class MdnsBrowser
{
    /// <summary>RFC 6762 §5.2: refresh queries at 80, 85, 90 and 95% of the TTL, each plus 0-2% at random.</summary>
    private static readonly double[] RefreshPoints = [0.80, 0.85, 0.90, 0.95];

    /// <summary>Records kept per name and type (one host's addresses, one instance's SRV): enough for real hosts, bounded for hostile ones.</summary>
    private const int MaxRecordsPerRrset = 32;

    /// <summary>TXT key/value pairs read per record (RFC 6763 §6 sets no cap; we only need three keys).</summary>
    private const int MaxTxtPairs = 64;

    private sealed class CacheEntry(MdnsRecord record)
    {
        public MdnsRecord Record { get; set; } = record;

        public int Ttl { get; set; }

        public long Received { get; set; }

        public DateTimeOffset ReceivedUtc { get; set; }

        public long Expires { get; set; }

        public int RefreshStep { get; set; }

        public long NextRefresh { get; set; }

        public int Interface { get; set; }

        public bool Goodbye { get; set; }
    }

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Security", "CA5394", Justification = "RFC 6762 §5.2 jitter, not a secret")]
    private long RefreshTime(CacheEntry e)
    {
        if (e.RefreshStep >= RefreshPoints.Length)
            return long.MaxValue;
        var fraction = RefreshPoints[e.RefreshStep] + (_endpoint.Random.NextDouble() * 0.02);
        return _endpoint.After(e.Received, TimeSpan.FromSeconds(e.Ttl * fraction));
    }

    /// <summary>
    /// Takes in the records of one response that concern datom discovery. Returns whether anything
    /// changed. PTRs, SRVs and TXTs come first, so the address records of an SRV target that
    /// arrives in the same packet are recognised as wanted.
    /// </summary>
    private bool Absorb(MdnsMessage response)
    {
        var now = _endpoint.Now;
        var nowUtc = _endpoint.Time.GetUtcNow();
        var changed = false;
        var records = response.Answers.Concat(response.Additionals).ToList();
        foreach (var r in records)
        {
            if (r.Class != MdnsProtocol.ClassInternet || r.DataKey is null)
                continue;
            var wanted = r.Type switch
            {
                RecordType.Ptr => r.NameKey == MdnsNames.ServiceTypeKey
                                  && r.Record is PtrRecord ptr && MdnsNames.InstanceLabel(ptr.PointerDomainName) is not null,
                RecordType.Srv or RecordType.Txt => MdnsNames.InstanceLabel(r.Name) is not null,
                _ => false,
            };
            if (wanted)
                changed |= Store(r, response.InterfaceIndex, now, nowUtc);
        }
        var targets = SrvTargets();
        foreach (var r in records)
        {
            if (r.Class == MdnsProtocol.ClassInternet && r.DataKey is not null
                && r.Type is RecordType.A or RecordType.Aaaa && targets.Contains(r.NameKey))
            {
                changed |= Store(r, response.InterfaceIndex, now, nowUtc);
            }
        }
        return changed;
    }

    private HashSet<string> SrvTargets()
    {
        var targets = new HashSet<string>();
        foreach (var entries in _cache.Values)
            foreach (var e in entries)
                if (e.Record.Record is SrvRecord srv)
                    targets.Add(MdnsNames.Key(srv.Target));
        return targets;
    }

    private bool Store(MdnsRecord record, int iface, long now, DateTimeOffset nowUtc)
    {
        var key = RrsetKey(record.NameKey, record.Type);
        _cache.TryGetValue(key, out var entries);
        var existing = entries?.Find(e => e.Record.SameRecord(record));

        if (record.Ttl == 0)
        {
            // §10.1: a goodbye; keep the record one more second, then it goes.
            if (existing is null || existing.Goodbye)
                return false;
            existing.Goodbye = true;
            existing.Expires = Math.Min(existing.Expires, _endpoint.After(now, GraceAfterGoodbye));
            return true;
        }

        if (record.CacheFlush && entries is not null)
        {
            // §10.2: the sender holds the whole set; older members (over a second old) go in one second.
            var grace = _endpoint.After(now, GraceAfterGoodbye);
            foreach (var e in entries)
                if (e != existing && _endpoint.Time.GetElapsedTime(e.Received, now) > GraceAfterGoodbye)
                    e.Expires = Math.Min(e.Expires, grace);
        }

        if (existing is null)
        {
            // The service type's PTR set has one member per instance, so it is bounded by MaxPeers.
            var rrsetCap = record.Type == RecordType.Ptr ? _options.MaxPeers : MaxRecordsPerRrset;
            if (_recordCount >= _options.MaxRecords || (entries?.Count ?? 0) >= rrsetCap)
            {
                if (!_cacheFullLogged)
                {
                    _cacheFullLogged = true;
                    MdnsLog.CacheFull(_logger, _recordCount);
                }
                return false;
            }
            existing = new CacheEntry(record);
            if (entries is null)
                _cache[key] = entries = [];
            entries.Add(existing);
            _recordCount++;
        }
        existing.Record = record;
        existing.Ttl = record.Ttl;
        existing.Received = now;
        existing.ReceivedUtc = nowUtc;
        existing.Expires = _endpoint.After(now, TimeSpan.FromSeconds(record.Ttl));
        existing.Goodbye = false;
        existing.RefreshStep = 0;
        existing.NextRefresh = RefreshTime(existing);
        existing.Interface = iface;
        return true;
    }

    private void Expire(long now)
    {
        foreach (var (key, entries) in _cache.ToList())
        {
            var removed = entries.RemoveAll(e => e.Expires <= now);
            _recordCount -= removed;
            if (entries.Count == 0)
                _cache.Remove(key);
        }
        if (_recordCount < _options.MaxRecords)
            _cacheFullLogged = false;
    }

    private static readonly List<CacheEntry> NoEntries = [];

    /// <summary>The cached records of one name and type (read only: the empty case is shared).</summary>
    private List<CacheEntry> Live(string nameKey, RecordType type) =>
        _cache.TryGetValue(RrsetKey(nameKey, type), out var entries) ? entries : NoEntries;

    /// <summary>
    /// Rebuilds the peer list from the cache, starts resolution for instances that lack records,
    /// and posts an event for each peer that appeared, changed or went.
    /// </summary>
    private void UpdatePeers()
    {
        var next = new Dictionary<string, DiscoveredPeer>();
        var stillResolving = new HashSet<string>();
        foreach (var ptr in Live(MdnsNames.ServiceTypeKey, RecordType.Ptr).ToList())
        {
            if (ptr.Record.Record is not PtrRecord pointer || next.Count >= _options.MaxPeers)
                continue;
            var instance = pointer.PointerDomainName;
            var instanceKey = MdnsNames.Key(instance);
            if (next.ContainsKey(instanceKey))
                continue;
            var peer = Resolve(ptr, instance, instanceKey, out var missingInstance, out var missingHost);
            if (peer is not null)
            {
                next[instanceKey] = peer;
                continue;
            }
            if (missingInstance || missingHost is not null)
            {
                stillResolving.Add(instanceKey);
                if (!_resolving.TryGetValue(instanceKey, out var state))
                    _resolving[instanceKey] = state = new ResolveState(instance) { Next = _endpoint.Now };
                if (state.NeedInstance != missingInstance || !Equals(state.Host, missingHost))
                {
                    // Something arrived and something else is missing now: ask for that at once.
                    state.Attempts = 0;
                    state.Next = _endpoint.Now;
                }
                state.NeedInstance = missingInstance;
                state.Host = missingHost;
            }
        }
        foreach (var key in _resolving.Keys.Where(k => !stillResolving.Contains(k)).ToList())
            _resolving.Remove(key);

        foreach (var (key, found) in next.ToList())
        {
            if (!_peers.TryGetValue(key, out var before))
            {
                MdnsLog.PeerDiscovered(_logger, found);
                _endpoint.Post(() => PeerDiscovered?.Invoke(this, new DiscoveredPeerEventArgs(found)));
                continue;
            }
            var peer = found with { FirstSeen = before.FirstSeen };
            next[key] = peer;
            if (!before.SameAdvertisement(peer))
                _endpoint.Post(() => PeerUpdated?.Invoke(this, new DiscoveredPeerEventArgs(peer)));
        }
        foreach (var (key, peer) in _peers)
        {
            if (!next.ContainsKey(key))
            {
                MdnsLog.PeerLost(_logger, peer.InstanceName);
                _endpoint.Post(() => PeerLost?.Invoke(this, new DiscoveredPeerEventArgs(peer)));
            }
        }
        _peers = next;
        Volatile.Write(ref _snapshot, next.Values.OrderBy(p => p.InstanceName, StringComparer.Ordinal).ToArray());
    }

    /// <summary>The peer an instance's cached records describe, or null with what is missing.</summary>
    private DiscoveredPeer? Resolve(CacheEntry ptr, ARSoft.Tools.Net.DomainName instance, string instanceKey,
        out bool missingInstance, out ARSoft.Tools.Net.DomainName? missingHost)
    {
        missingHost = null;
        // Records said goodbye to still count for their last second (§10.1); a live one is preferred.
        var srvEntry = Live(instanceKey, RecordType.Srv).OrderBy(e => e.Goodbye).ThenByDescending(e => e.Received).FirstOrDefault();
        var txtEntry = Live(instanceKey, RecordType.Txt).OrderBy(e => e.Goodbye).ThenByDescending(e => e.Received).FirstOrDefault();
        missingInstance = srvEntry is null || txtEntry is null;
        if (srvEntry?.Record.Record is not SrvRecord srv || txtEntry?.Record.Record is not TxtRecord txt)
            return null;

        var hostKey = MdnsNames.Key(srv.Target);
        var addressEntries = Live(hostKey, RecordType.A).Concat(Live(hostKey, RecordType.Aaaa)).ToList();
        var addresses = addressEntries
            .Select(e => e.Record.Record is AddressRecordBase a ? WithScope(a.Address, e.Interface) : null)
            .OfType<IPAddress>()
            .Distinct()
            .OrderBy(a => a.AddressFamily)
            .ThenBy(a => a.ToString(), StringComparer.Ordinal)
            .ToList();
        if (addresses.Count == 0)
        {
            missingHost = srv.Target;
            return null;
        }

        var pairs = ParseTxt(txt);
        pairs.TryGetValue("id", out var idText);
        if (!TryParseNodeId(idText, out var nodeId))
        {
            MdnsLog.InstanceWithoutId(_logger, instance);
            return null;
        }
        if (_options.ExcludeNodeId is { } self && self == nodeId)
            return null;
        pairs.TryGetValue("mesh", out var mesh);
        pairs.TryGetValue("v", out var version);
        mesh = mesh is { Length: > 0 and <= DatomServiceProfile.MaxMeshIdLength } && mesh.All(char.IsAsciiHexDigit) ? mesh.ToLowerInvariant() : null;
        version = DatomServiceProfile.IsValidVersion(version) ? version : null;
        var mismatch = PeerMismatch.None;
        if (_options.ExpectedMeshId is { } expectedMesh && !string.Equals(mesh, expectedMesh, StringComparison.OrdinalIgnoreCase))
            mismatch |= PeerMismatch.OtherMesh;
        if (version != _options.ExpectedProtocolVersion)
            mismatch |= PeerMismatch.OtherVersion;

        var lastSeen = new[] { ptr, srvEntry, txtEntry }.Concat(addressEntries).Max(e => e.ReceivedUtc);
        return new DiscoveredPeer
        {
            InstanceName = instance.Labels[0],
            NodeId = nodeId,
            MeshId = mesh,
            ProtocolVersion = version,
            HostName = srv.Target.ToString().TrimEnd('.'),
            Port = srv.Port,
            Addresses = addresses,
            FirstSeen = lastSeen,
            LastSeen = lastSeen,
            Mismatch = mismatch,
        };
    }

    /// <summary>RFC 6763 §6.3-6.4: <c>key=value</c> strings, keys case-insensitive, the first occurrence wins, a string without '=' is a flag.</summary>
    internal static Dictionary<string, string?> ParseTxt(TxtRecord txt)
    {
        var pairs = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var s in txt.TextParts.Take(MaxTxtPairs))
        {
            var eq = s.IndexOf('=', StringComparison.Ordinal);
            var key = eq < 0 ? s : s[..eq];
            if (key.Length == 0)
                continue; // §6.4: a string starting with '=' is ignored
            pairs.TryAdd(key, eq < 0 ? null : s[(eq + 1)..]);
        }
        return pairs;
    }
}

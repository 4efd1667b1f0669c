using System.Net;
using ARSoft.Tools.Net.Dns;

namespace Datom.Sync.Discovery;

public sealed partial class MdnsResponder
{
    /// <summary>RFC 6762 §6: a record is multicast on an interface at most once per second...</summary>
    private static readonly TimeSpan MulticastRateLimit = TimeSpan.FromSeconds(1);

    /// <summary>...except in answer to a probe, where the limit is 250 ms.</summary>
    private static readonly TimeSpan ProbeAnswerRateLimit = TimeSpan.FromMilliseconds(250);

    /// <summary>Known-answer continuation packets (RFC 6762 §7.2) one truncated query may extend its wait by.</summary>
    private const int MaxContinuations = 8;

    /// <summary>Unicast answers per destination are limited like multicast ones (1 s per record), so spoofed queries cannot turn us into a flood.</summary>
    private const int MaxUnicastMemory = 256;

    private readonly Dictionary<(string Identity, int Interface), long> _lastMulticast = [];
    private readonly Dictionary<(string Identity, IPAddress Destination), long> _lastUnicast = [];
    private readonly Dictionary<(int Interface, IPEndPoint? Source), PendingResponse> _pending = [];

    /// <summary>A multicast response waiting out its random delay (RFC 6762 §6, §7.2), which more queries may join.</summary>
    private sealed class PendingResponse(int interfaceIndex)
    {
        public int Interface { get; } = interfaceIndex;

        public List<OwnRecord> Answers { get; } = [];

        public List<OwnRecord> Additionals { get; } = [];

        public ITimer? Timer { get; set; }

        public int Continuations { get; set; }

        public void Add(IEnumerable<OwnRecord> answers, IEnumerable<OwnRecord> additionals)
        {
            foreach (var a in answers)
                if (!Answers.Any(x => x.View.Identity == a.View.Identity))
                    Answers.Add(a);
            foreach (var a in additionals)
                if (!Additionals.Any(x => x.View.Identity == a.View.Identity))
                    Additionals.Add(a);
        }

        /// <summary>Drops what a known-answer list or another responder's answer already covers.</summary>
        public void Suppress(IEnumerable<MdnsRecord> known)
        {
            foreach (var k in known)
            {
                Answers.RemoveAll(a => Covers(k, a));
                Additionals.RemoveAll(a => Covers(k, a));
            }
        }
    }

    /// <summary>
    /// RFC 6762 §7.1 (known answers) and §7.4 (duplicate answers): the other side has our record
    /// if it holds the same record with at least half of our TTL left.
    /// </summary>
    private static bool Covers(MdnsRecord known, OwnRecord ours) =>
        known.SameRecord(ours.View) && (long)known.Ttl * 2 >= ours.View.Ttl;

    private void OnResponse(MdnsMessage response)
    {
        var (instance, host) = FindConflicts(response);
        if (instance || host)
        {
            if (_state == MdnsResponderState.Probing)
            {
                OnConflict(instance, host);
                return;
            }
            // §9: a rival record after we announced sends our records back to probing; if the
            // rival still holds the name it answers the probe and we rename then.
            MdnsLog.ConflictAfterAnnounce(_logger, instance ? FullInstanceName : HostName + ".local");
            BeginProbing(ConflictDelay());
            return;
        }

        // §7.4: another responder just multicast what we were about to; drop it from our pending answer.
        foreach (var (key, pending) in _pending.ToList())
        {
            if (key.Interface != response.InterfaceIndex)
                continue;
            pending.Suppress(response.Answers);
            if (pending.Answers.Count == 0)
            {
                pending.Timer?.Dispose();
                _pending.Remove(key);
            }
        }
    }

    private void OnQuery(MdnsMessage query)
    {
        if (_state == MdnsResponderState.Probing)
        {
            if (query.IsProbe)
                OnProbeWhileProbing(query);
            return; // §8.1: tentative names are not answered for
        }
        var iface = _endpoint.Interfaces.FirstOrDefault(i => i.Index == query.InterfaceIndex);
        if (iface is null)
            return;

        if (query.Questions.Count == 0)
        {
            OnContinuation(query);
            return;
        }
        if (query.IsLegacy && !_options.AnswerLegacyQueries)
            return;

        var records = RecordsFor(iface);
        var answers = new List<(OwnRecord Record, bool Unicast)>();
        foreach (var q in query.Questions)
        {
            if (q.Class is not (MdnsProtocol.ClassInternet or MdnsProtocol.ClassAny))
                continue;
            var matched = records.Where(r => r.Kind != OwnKind.Nsec && q.Matches(r.View)).ToList();
            if (matched.Count == 0 && q.Type != RecordType.Any && (q.NameKey == InstanceKey || q.NameKey == HostKey))
            {
                // §6.1: a name we own has no record of this type; say so with our NSEC.
                matched = records.Where(r => r.Kind == OwnKind.Nsec && r.View.NameKey == q.NameKey).ToList();
            }
            foreach (var r in matched)
            {
                if (query.Answers.Any(k => Covers(k, r)))
                    continue; // §7.1 known-answer suppression
                var index = answers.FindIndex(a => a.Record.View.Identity == r.View.Identity);
                if (index < 0)
                    answers.Add((r, q.UnicastResponse));
                else if (!q.UnicastResponse)
                    answers[index] = (r, false); // one question wants it multicast: multicast wins
            }
        }
        if (answers.Count == 0)
            return;

        var additionals = Additionals(answers.Select(a => a.Record), records)
            .Where(r => !query.Answers.Any(k => Covers(k, r)))
            .ToList();

        if (query.IsLegacy)
        {
            var legacy = UnicastAllowed(answers.Select(a => a.Record), query.Source.Address);
            if (legacy.Count > 0)
                SendLegacyResponse(query, iface, legacy, additionals);
            return;
        }

        // §8.1: a probe for a name we own is answered at once. We answer it by multicast even
        // though probes carry the QU bit: the defence must reach the prober, and a unicast reply
        // to port 5353 reaches only one of the sockets sharing that port on its host.
        var isProbe = query.IsProbe && answers.Any(a => a.Record.Unique);

        // §5.4: a QU question is answered by unicast, unless we have not multicast the record on
        // this interface within a quarter of its TTL, in which case everyone may as well hear it.
        var unicast = isProbe ? [] : answers
            .Where(a => a.Unicast && RecentlyMulticast(a.Record, iface.Index, TimeSpan.FromSeconds(a.Record.View.Ttl / 4.0)))
            .Select(a => a.Record).ToList();
        var multicast = answers.Select(a => a.Record).Where(r => !unicast.Contains(r)).ToList();

        unicast = UnicastAllowed(unicast, query.Source.Address);
        if (unicast.Count > 0)
            SendResponse(iface, unicast, additionals, MdnsSendTarget.To(query.Source, iface.Index), MulticastRateLimit);
        if (multicast.Count == 0)
            return;

        if (isProbe)
        {
            SendResponse(iface, multicast, additionals, MdnsSendTarget.Multicast(iface.Index), ProbeAnswerRateLimit);
        }
        else if (query.IsTruncated)
        {
            // §7.2: more known answers follow; wait 400-500 ms for them.
            Defer((iface.Index, query.Source), multicast, additionals, _endpoint.Jitter(400, 500));
        }
        else if (multicast.All(r => r.Unique))
        {
            // §6: answers only we can give need no delay.
            SendResponse(iface, multicast, additionals, MdnsSendTarget.Multicast(iface.Index), MulticastRateLimit);
        }
        else
        {
            // §6: shared records (the PTRs) may come from many responders; spread them 20-120 ms.
            Defer((iface.Index, null), multicast, additionals, _endpoint.Jitter(20, 120));
        }
    }

    private void OnContinuation(MdnsMessage query)
    {
        if (!_pending.TryGetValue((query.InterfaceIndex, query.Source), out var pending))
            return;
        pending.Suppress(query.Answers);
        if (pending.Answers.Count == 0)
        {
            pending.Timer?.Dispose();
            _pending.Remove((query.InterfaceIndex, query.Source));
            return;
        }
        if (query.IsTruncated && pending.Continuations++ < MaxContinuations)
        {
            pending.Timer?.Dispose();
            var key = (query.InterfaceIndex, query.Source);
            var generation = _generation;
            pending.Timer = _endpoint.Schedule(_endpoint.Jitter(400, 500), () => FirePending(key, generation));
        }
    }

    private void Defer((int Interface, IPEndPoint? Source) key, List<OwnRecord> answers, List<OwnRecord> additionals, TimeSpan delay)
    {
        if (!_pending.TryGetValue(key, out var pending))
        {
            pending = new PendingResponse(key.Interface);
            _pending[key] = pending;
            var generation = _generation;
            pending.Timer = _endpoint.Schedule(delay, () => FirePending(key, generation));
        }
        // §6.4: later queries join the response already waiting, keeping its time.
        pending.Add(answers, additionals);
    }

    private void FirePending((int Interface, IPEndPoint? Source) key, int generation)
    {
        if (generation != _generation || !_pending.Remove(key, out var pending))
            return;
        pending.Timer?.Dispose();
        if (_state is not (MdnsResponderState.Announcing or MdnsResponderState.Announced))
            return;
        var iface = _endpoint.Interfaces.FirstOrDefault(i => i.Index == pending.Interface);
        if (iface is null)
            return;
        SendResponse(iface, pending.Answers, pending.Additionals, MdnsSendTarget.Multicast(iface.Index), MulticastRateLimit);
    }

    /// <summary>
    /// Sends a response; for multicast, records already multicast on this interface within
    /// <paramref name="rateLimit"/> are left out, and nothing is sent if no answer remains.
    /// </summary>
    private void SendResponse(MdnsInterface iface, List<OwnRecord> answers, List<OwnRecord> additionals, MdnsSendTarget target, TimeSpan rateLimit)
    {
        if (target.IsMulticast)
        {
            answers = answers.Where(r => !RecentlyMulticast(r, iface.Index, rateLimit)).ToList();
            if (answers.Count == 0)
                return;
        }
        var message = MdnsWire.NewResponse();
        foreach (var r in answers)
            message.AnswerRecords.Add(r.Make(r.View.Ttl, r.Unique));
        foreach (var r in additionals.Where(a => !answers.Any(x => x.View.Identity == a.View.Identity)))
            message.AdditionalRecords.Add(r.Make(r.View.Ttl, r.Unique));
        _endpoint.Send(MdnsWire.Encode(message), target);
        if (target.IsMulticast)
        {
            var now = _endpoint.Now;
            foreach (var r in answers)
                _lastMulticast[(r.View.Identity, iface.Index)] = now;
            foreach (var r in additionals)
                _lastMulticast[(r.View.Identity, iface.Index)] = now;
        }
    }

    /// <summary>
    /// RFC 6762 §6.7: a legacy resolver gets a conventional unicast reply: its id and question
    /// echoed, no cache-flush bits, TTLs of at most 10 s.
    /// </summary>
    private void SendLegacyResponse(MdnsMessage query, MdnsInterface iface, IEnumerable<OwnRecord> answers, IEnumerable<OwnRecord> additionals)
    {
        var message = MdnsWire.NewResponse();
        message.TransactionID = query.TransactionId;
        foreach (var q in query.Questions)
            message.Questions.Add(MdnsWire.Question(q.Name, q.Type));
        foreach (var r in answers)
            message.AnswerRecords.Add(r.Make(Math.Min(r.View.Ttl, MdnsProtocol.LegacyUnicastTtl), false));
        foreach (var r in additionals)
            message.AdditionalRecords.Add(r.Make(Math.Min(r.View.Ttl, MdnsProtocol.LegacyUnicastTtl), false));
        _endpoint.Send(MdnsWire.Encode(message), MdnsSendTarget.To(query.Source, iface.Index));
    }

    /// <summary>
    /// RFC 6763 §12 additional records: a service PTR brings the instance's SRV, TXT and the
    /// target's addresses; an SRV brings the addresses; an address brings the host's other
    /// addresses (RFC 6762 §6.2). NSECs go along with the records of the names they describe
    /// (RFC 6762 §6.1), so a querier learns which types do not exist.
    /// </summary>
    private static List<OwnRecord> Additionals(IEnumerable<OwnRecord> answers, List<OwnRecord> records)
    {
        var answerList = answers.ToList();
        var kinds = answerList.Select(a => a.Kind).ToHashSet();
        var answered = answerList.Select(a => a.View.Identity).ToHashSet();
        var wanted = new HashSet<OwnKind>();
        if (kinds.Contains(OwnKind.ServicePtr))
            wanted.UnionWith([OwnKind.Srv, OwnKind.Txt, OwnKind.Address]);
        if (kinds.Contains(OwnKind.Srv) || kinds.Contains(OwnKind.Address))
            wanted.Add(OwnKind.Address);
        var chosen = records.Where(r => wanted.Contains(r.Kind) && !answered.Contains(r.View.Identity)).ToList();

        var shown = answerList.Concat(chosen).Select(r => r.Kind).ToHashSet();
        var instanceShown = shown.Contains(OwnKind.Srv) || shown.Contains(OwnKind.Txt);
        var hostShown = shown.Contains(OwnKind.Srv) || shown.Contains(OwnKind.Address);
        var instanceKey = records.First(r => r.Kind == OwnKind.Srv).View.NameKey;
        foreach (var nsec in records.Where(r => r.Kind == OwnKind.Nsec && !answered.Contains(r.View.Identity)))
        {
            if (nsec.View.NameKey == instanceKey ? instanceShown : hostShown)
                chosen.Add(nsec);
        }
        return chosen;
    }

    /// <summary>The records not unicast to <paramref name="destination"/> within the last second; marks them sent now.</summary>
    private List<OwnRecord> UnicastAllowed(IEnumerable<OwnRecord> records, IPAddress destination)
    {
        var now = _endpoint.Now;
        if (_lastUnicast.Count > MaxUnicastMemory)
        {
            foreach (var key in _lastUnicast.Where(e => _endpoint.Since(e.Value) >= MulticastRateLimit).Select(e => e.Key).ToList())
                _lastUnicast.Remove(key);
            if (_lastUnicast.Count > MaxUnicastMemory)
                return []; // more distinct askers within a second than any real link has: answer none until it passes
        }
        var allowed = new List<OwnRecord>();
        foreach (var r in records)
        {
            var key = (r.View.Identity, destination);
            if (_lastUnicast.TryGetValue(key, out var at) && _endpoint.Since(at) < MulticastRateLimit)
                continue;
            _lastUnicast[key] = now;
            allowed.Add(r);
        }
        return allowed;
    }

    private bool RecentlyMulticast(OwnRecord record, int interfaceIndex, TimeSpan window) =>
        _lastMulticast.TryGetValue((record.View.Identity, interfaceIndex), out var at) && _endpoint.Since(at) < window;
}

using Datom.Log.Identity;
using Datom.Log.Storage;

namespace Datom.Simulations;

internal sealed record SimulationOptions
{
    public int Nodes { get; init; } = 5;

    /// <summary>Simulated time of the faulty phase, before everything heals.</summary>
    public long ChaosMs { get; init; } = 30_000;

    /// <summary>Once healed, the mesh must converge within this much simulated time.</summary>
    public long ConvergeWithinMs { get; init; } = 120_000;

    /// <summary>Mean simulated time between one node's transactions.</summary>
    public int TransactEveryMs { get; init; } = 2_500;

    /// <summary>Prints the trace as the run goes (for replaying a failing seed).</summary>
    public TextWriter? Live { get; init; }

    /// <summary>
    /// Checks that a unique identity value names one entity on every node, and that upserts work
    /// after healing (DESIGN, DaoDB). Off only for the simulator's own tests of other things.
    /// </summary>
    public bool CheckUniqueIdentity { get; init; } = true;

    /// <summary>The log's fsync policy. Only the simulator's own tests change it, to show that a log that does not sync is caught.</summary>
    public Datom.Log.Segments.FsyncPolicy Fsync { get; init; } = Datom.Log.Segments.FsyncPolicy.Always;
}

internal sealed record SimulationResult(int Seed, string Digest, long SimulatedMs, long Events, int Nodes, int Entries, int Forks, int Crashes, int Partitions, long Frames, long Lost);

/// <summary>
/// One seed's run: <c>K</c> nodes running the real log, index and sync code over a simulated network,
/// disk and clock, all driven by one <see cref="Random"/> and one <see cref="Scheduler"/>, so the
/// seed decides everything and a failure replays exactly.
/// </summary>
/// <remarks>
/// The run has two phases. In the faulty one, nodes transact while frames are lost, duplicated,
/// reordered and delayed, partitions come and heal, nodes crash (some in the middle of a commit)
/// and restart, and a node's data may be copied to a new machine that writes as the same author.
/// Then everything heals: the network turns reliable, every cut link heals in a random order, every
/// crashed node restarts; the mesh must then converge. Checked throughout: nothing a node
/// acknowledged is lost in its crash, and its index equals a rebuild when it restarts. Checked at the
/// end: every node holds the same entries, including everything anyone acknowledged, gives the same
/// answers to the fixed queries, has an index equal to a rebuild, and has recorded every fork.
/// </remarks>
internal sealed class Simulation : IDisposable
{
    private readonly SimulationOptions _options;
    private readonly List<SimNode> _nodes = [];
    private readonly List<Link> _links = [];
    private bool _faulty = true;
    private int _nextConnection;
    private int _partitions;

    public Simulation(int seed, SimulationOptions options)
    {
        Seed = seed;
        _options = options;
        Random = new Random(seed);
        Scheduler = new Scheduler();
        Trace = new Trace(Scheduler, options.Live);
        Faults = Faults.Draw(Random);
        Network = new Network(Scheduler, Random, Faults, Trace);
        Discovery = new Discovery(this);
    }

    internal Discovery Discovery { get; }

    public int Seed { get; }

    public Random Random { get; }

    public Scheduler Scheduler { get; }

    public Trace Trace { get; }

    public Faults Faults { get; }

    public Network Network { get; }

    public IReadOnlyList<SimNode> Nodes => _nodes;

    public SimulationResult Run()
    {
        try
        {
            return RunPhases();
        }
        catch (SimulationFailure)
        {
            throw;
        }
        catch (Exception e)
        {
            throw new SimulationFailure($"{e.GetType().Name}: {e.Message}\n{e.StackTrace}");
        }
    }

    private SimulationResult RunPhases()
    {
        Trace.Add($"seed {Seed}, {_options.Nodes} nodes; faults: {Faults}");
        for (var i = 0; i < _options.Nodes; i++)
            AddNode(NewIdentity(), new MemoryStorage(), new MemoryStorage(), $"n{i}");
        Scheduler.After(100, InstallSchema);
        Audit();
        DiscoveryTick();
        if (Faults.PartitionEveryMs > 0)
            SchedulePartition();
        if (Faults.CrashEveryMs > 0)
            ScheduleCrash();
        if (Faults.CopyNode)
            Scheduler.After(5_000 + Random.Next((int)Math.Max(1, _options.ChaosMs - 10_000)), CloneNode);

        var chaosEnds = _options.ChaosMs;
        if (Faults.LongPartitionMs > 0)
        {
            var start = 2_000 + Random.Next(10_000);
            Scheduler.After(start, LongPartition);
            chaosEnds = Math.Max(chaosEnds, start + Faults.LongPartitionMs + 1_000);
        }
        Scheduler.RunUntil(chaosEnds);
        Heal();
        Converge();
        Trace.Add("converged");

        Invariants.NothingAcknowledgedLost(_nodes);
        var forks = Invariants.ForksDetectedEverywhere(_nodes);
        Invariants.AnswersAgree(_nodes);
        if (_options.CheckUniqueIdentity)
            UpsertAfterHealing();
        foreach (var node in _nodes)
            Invariants.IndexEqualsRebuild(node);
        var entries = _nodes[0].Log!.Count;
        Trace.Add($"done: {entries} entries, {forks} forks, answers agree, indexes equal rebuilds");
        return new SimulationResult(Seed, Trace.Digest(), Scheduler.Now, Scheduler.Events, _nodes.Count, entries, forks,
            _nodes.Sum(n => n.Crashes), _partitions, Network.Frames, Network.Lost);
    }

    /// <summary>Runs until every node is up, no link is cut, every node holds the same entries and is connected to every other (<see cref="Invariants.Disconnected"/>); fails after <see cref="SimulationOptions.ConvergeWithinMs"/>.</summary>
    private void Converge()
    {
        var deadline = Scheduler.Now + _options.ConvergeWithinMs;
        while (true)
        {
            Scheduler.RunUntil(Scheduler.Now + 500);
            if (_nodes.All(n => n.IsUp) && Network.CutLinks == 0 && Invariants.Divergence(_nodes) is null && Invariants.Disconnected(_nodes) is null)
                return;
            if (Scheduler.Now > deadline)
            {
                var why = _nodes.FirstOrDefault(n => !n.IsUp) is { } down ? $"{down.Name} is down"
                    : Network.CutLinks > 0 ? "links are still cut" : Invariants.Divergence(_nodes) ?? Invariants.Disconnected(_nodes);
                throw new SimulationFailure($"the mesh did not converge within {_options.ConvergeWithinMs} ms of healing: {why}");
            }
        }
    }

    /// <summary>
    /// After the races: every unique identity value names one entity, the same on every node; then
    /// every node upserts every key (which a duplicate entity would get refused, or split), and
    /// once that has spread, still one entity per value, and the answers agree.
    /// </summary>
    private void UpsertAfterHealing()
    {
        Invariants.OneEntityPerUniqueValue(_nodes);
        foreach (var node in _nodes)
        {
            foreach (var tx in Workload.UpsertEveryKey(1_000 + node.Index))
            {
                if (node.Transact(tx) is null)
                    throw new SimulationFailure($"{node.Name}: an upsert after healing is refused: {tx}");
            }
        }
        Converge();
        var values = Invariants.OneEntityPerUniqueValue(_nodes);
        Invariants.AnswersAgree(_nodes);
        Trace.Add($"upserts after healing: {values} unique values, one entity each, on every node");
    }

    /// <summary>An identity from the seed (NSec would draw one from the system's random source).</summary>
    private NodeIdentity NewIdentity()
    {
        var seed = new byte[32];
        Random.NextBytes(seed);
        return NodeIdentity.FromSeed(seed);
    }

    private SimNode AddNode(NodeIdentity identity, MemoryStorage logDisk, MemoryStorage indexDisk, string name)
    {
        var clock = new SimClock(Scheduler, Faults.ClockSkewMs == 0 ? 0 : Random.NextInt64(-Faults.ClockSkewMs, Faults.ClockSkewMs + 1));
        var node = new SimNode(this, _nodes.Count, name, identity, logDisk, indexDisk, clock, _options.Fsync);
        foreach (var other in _nodes)
        {
            var link = new Link(other, node);
            _links.Add(link);
            Scheduler.After(Random.Next(100), () => Maintain(link));
        }
        _nodes.Add(node);
        node.Start();
        Discovery.Joined(node, _links);
        ScheduleWork(node);
        return node;
    }

    private void DiscoveryTick()
    {
        Discovery.Tick(_links);
        Scheduler.After(1_000, DiscoveryTick);
    }

    /// <summary>Every 2 s, on every node that is up: nothing it acknowledged is missing from its log, and its held entries stay bounded.</summary>
    private void Audit()
    {
        foreach (var node in _nodes.Where(n => n.IsUp))
        {
            var missing = node.Acknowledged.Count(h => !node.Log!.Contains(h));
            if (missing > 0)
                throw new SimulationFailure($"{node.Name} lacks {missing} entries it acknowledged");
            if (node.Log!.HeldCount > 10_000)
                throw new SimulationFailure($"{node.Name} holds {node.Log.HeldCount} entries waiting for parents (the bound is 10,000)");
        }
        Scheduler.After(2_000, Audit);
    }

    /// <summary>The first node installs the schema (once it is up: a crash may come first).</summary>
    private void InstallSchema()
    {
        if (_nodes[0].IsUp)
            _nodes[0].Transact(Workload.Schema);
        else
            Scheduler.After(500, InstallSchema);
    }

    private void ScheduleWork(SimNode node) =>
        Scheduler.After(Exponential(_options.TransactEveryMs), () =>
        {
            if (!_faulty)
                return;
            if (node.IsUp && node.HasSchema())
                node.Transact(Workload.Next(Random));
            ScheduleWork(node);
        });

    // ---- Connections ----

    /// <summary>The dialer's loop for one pair of nodes: keeps one connection up, redialing with backoff.</summary>
    private void Maintain(Link link)
    {
        if (link.Dialer.Identity.Id == link.Listener.Identity.Id)
        {
            // A copy and its original: the handshake refuses a peer with this node's own static key
            // (SelfConnection), and the daemon stops dialing that address. They sync through others.
            return;
        }
        if (link.Current is { IsOpen: true } || link.Dialing)
        {
            Scheduler.After(1_000, () => Maintain(link));
            return;
        }
        if (!link.Dialer.IsUp || !link.Known)
        {
            Scheduler.After(500, () => Maintain(link));
            return;
        }
        link.Dialing = true;
        // Connect and handshake: two round trips.
        Scheduler.After(4 * Network.Delay(), () =>
        {
            link.Dialing = false;
            if (link.Dialer.IsUp && link.Listener.IsUp && !Network.IsCut(link.Dialer.Index, link.Listener.Index))
            {
                link.Failures = 0;
                Connect(link);
                Scheduler.After(1_000, () => Maintain(link));
            }
            else
            {
                link.Failures++;
                // Exponential backoff with full jitter, capped at 5 s, as the daemon dials.
                var cap = Math.Min(5_000, 200 << Math.Min(link.Failures, 5));
                Scheduler.After(1 + Random.Next(cap), () => Maintain(link));
            }
        });
    }

    private void Connect(Link link)
    {
        var id = ++_nextConnection;
        var dialer = new Connection(this, link.Dialer, id, initiator: true);
        var listener = new Connection(this, link.Listener, id, initiator: false);
        Connection.Join(dialer, listener);
        if (!link.Dialer.Adopt(dialer))
            return;
        if (!link.Listener.Adopt(listener))
        {
            dialer.Break("the peer keeps another connection to this node");
            return;
        }
        link.Current = dialer;
        Trace.Add($"{dialer} connected");
        dialer.Start();
        listener.Start();
    }

    // ---- Faults ----

    private void SchedulePartition() =>
        Scheduler.After(Exponential(Faults.PartitionEveryMs), () =>
        {
            if (!_faulty)
                return;
            Partition();
            SchedulePartition();
        });

    /// <summary>Splits the nodes in two random groups; each cut link heals on its own, in a random order.</summary>
    private void Partition()
    {
        _partitions++;
        var side = _nodes.Select(_ => Random.Next(2) == 0).ToArray();
        foreach (var link in _links)
        {
            int a = link.Dialer.Index, b = link.Listener.Index;
            if (side[a] == side[b] || Network.IsCut(a, b))
                continue;
            // The connections over it break once their sessions' keep-alive notices the silence.
            Network.Cut(a, b);
            Scheduler.After(1_000 + Random.Next(15_000), () =>
            {
                if (!_held.Contains((a, b)))
                    Network.Heal(a, b);
            });
        }
    }

    /// <summary>Links a long partition holds cut: the heals of shorter partitions leave them alone.</summary>
    private readonly HashSet<(int, int)> _held = [];

    /// <summary>
    /// Cuts a random group of nodes off from the rest for <see cref="Faults.LongPartitionMs"/>:
    /// long enough for both sides to lose each other's mDNS records, and for a rule that forgets lost
    /// peers after a grace to forget them.
    /// </summary>
    private void LongPartition()
    {
        var side = _nodes.Select(_ => Random.Next(2) == 0).ToArray();
        if (side.All(s => s) || side.All(s => !s))
            side[Random.Next(side.Length)] = !side[0];
        _partitions++;
        Trace.Add($"long partition for {Faults.LongPartitionMs} ms: {string.Join(" ", _nodes.Where(n => side[n.Index]).Select(n => n.Name))} | {string.Join(" ", _nodes.Where(n => !side[n.Index]).Select(n => n.Name))}");
        foreach (var link in _links)
        {
            int a = link.Dialer.Index, b = link.Listener.Index;
            if (side[a] == side[b])
                continue;
            Network.Cut(a, b);
            _held.Add((a, b));
            Scheduler.After(Faults.LongPartitionMs, () =>
            {
                _held.Remove((a, b));
                Network.Heal(a, b);
            });
        }
    }

    private void ScheduleCrash() =>
        Scheduler.After(Exponential(Faults.CrashEveryMs), () =>
        {
            if (!_faulty)
                return;
            var up = _nodes.Where(n => n.IsUp).ToList();
            if (up.Count > 0)
                Crash(up[Random.Next(up.Count)]);
            ScheduleCrash();
        });

    private void Crash(SimNode node)
    {
        if (Random.NextDouble() < Faults.CrashMidWrite && node.HasSchema())
        {
            // The power fails within the next few disk operations of a commit: between a write and its sync, say.
            var operations = Random.Next(4);
            node.LogDisk.CutPowerAfter(operations);
            Trace.Add($"{node.Name}: power fails after {operations} more disk operations");
            try
            {
                node.Transact(Workload.Next(Random));
            }
            catch (Exception e) when (e is not SimulationFailure)
            {
                Trace.Add($"{node.Name}: the transaction failed as the power went: {e.GetType().Name}: {e.Message}");
            }
        }
        node.Crash();
        Scheduler.After(500 + Random.Next(4_500), () => Restart(node));
    }

    private void Restart(SimNode node)
    {
        if (node.IsUp)
            return;
        node.Start();
        Discovery.Restarted(node, _links);
        Invariants.IndexEqualsRebuild(node);
    }

    /// <summary>
    /// Someone copies a node's data directory to a new machine and starts it there: the copy writes
    /// as the same author, so every write of either after the copy forks that author's chain.
    /// </summary>
    private void CloneNode()
    {
        if (!_faulty)
            return;
        var originals = _nodes.Where(n => n.IsUp && !n.Name.EndsWith('\'')).ToList();
        if (originals.Count == 0)
            return;
        var original = originals[Random.Next(originals.Count)];
        Trace.Add($"{original.Name}'s data is copied to a new machine");
        var copy = AddNode(original.Identity, original.LogDisk.Copy(), original.IndexDisk.Copy(), original.Name + "'");
        // Both write before either hears of the other: the author's chain forks.
        foreach (var writer in new[] { original, copy })
        {
            Scheduler.After(Random.Next(20), () =>
            {
                if (writer.IsUp && writer.HasSchema())
                    writer.Transact(Workload.Next(Random));
            });
        }
    }

    private void Heal()
    {
        _faulty = false;
        Network.Faulty = false;
        Trace.Add("healing: the network turns reliable, cut links heal, crashed nodes restart");
        foreach (var (a, b) in Network.CutPairs())
            Scheduler.After(Random.Next(3_000), () => Network.Heal(a, b));
    }

    private long Exponential(double mean) => 1 + (long)(-mean * Math.Log(1 - Random.NextDouble()));

    public void Dispose()
    {
        foreach (var node in _nodes)
        {
            try
            {
                node.Db?.Dispose();
                node.Log?.Dispose();
            }
            catch (Exception e) when (e is IOException or InvalidOperationException)
            {
            }
        }
        foreach (var identity in _nodes.Select(n => n.Identity).Distinct())
            identity.Dispose();
    }

    /// <summary>Two nodes that keep a connection: the first dials the second.</summary>
    internal sealed class Link(SimNode dialer, SimNode listener)
    {
        /// <summary>The dialer dials the listener (it was discovered and not forgotten; see <see cref="Simulations.Discovery"/>).</summary>
        public bool Known { get; set; } = true;

        /// <summary>The listener's records expired at the dialer (it is still dialed while the rule allows).</summary>
        public bool Lost { get; set; }

        /// <summary>When the dialer last heard the listener's records.</summary>
        public long LastHeard { get; set; }

        public SimNode Dialer { get; } = dialer;

        public SimNode Listener { get; } = listener;

        public Connection? Current { get; set; }

        public bool Dialing { get; set; }

        public int Failures { get; set; }
    }
}

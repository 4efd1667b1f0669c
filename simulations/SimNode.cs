using Datom.Index;
using Datom.Index.Storage;
using Datom.Index.Transactions;
using Datom.Log;
using Datom.Log.Edn;
using Datom.Log.Entries;
using Datom.Log.Identity;
using Datom.Log.Model;
using Datom.Log.Segments;
using Datom.Log.Storage;
using Datom.Sync.Connection;
using Datom.Sync.Session;

namespace Datom.Simulations;

/// <summary>
/// One simulated machine: its identity, its disk (a <see cref="MemoryStorage"/> for the log and one
/// for the index, which crashes drop the unsynced part of) and, while it is up, the real
/// <see cref="DatomLog"/> and <see cref="DaoDb"/> opened on them, as <c>datom run</c> opens them.
/// </summary>
internal sealed class SimNode(Simulation sim, int index, string name, NodeIdentity identity, MemoryStorage logDisk, MemoryStorage indexDisk, SimClock clock, FsyncPolicy fsync)
{
    private readonly List<Connection> _connections = [];
    private readonly PeerSlots<Connection> _slots = new(identity.Id);

    public int Index { get; } = index;

    public string Name { get; } = name;

    public NodeIdentity Identity { get; } = identity;

    public MemoryStorage LogDisk { get; } = logDisk;

    public MemoryStorage IndexDisk { get; } = indexDisk;

    public DatomLog? Log { get; private set; }

    public DaoDb? Db { get; private set; }

    public bool IsUp => Log is not null;

    /// <summary>Which process this is, among those that use the same key (a copy's, a restart's): drawn at each start, as the daemon draws its own.</summary>
    public ulong Instance { get; private set; }

    /// <summary>Every entry this node reported durable (own transactions acknowledged to their writer, entries ingested): none may be lost.</summary>
    public HashSet<EntryHash> Acknowledged { get; } = [];

    public int Crashes { get; private set; }

    public IReadOnlyList<Connection> Connections => _connections;

    /// <summary>Opens the log and the index on the node's disk, as a daemon starting does, and checks that nothing acknowledged was lost.</summary>
    public void Start()
    {
        var options = new LogOptions
        {
            Clock = clock,
            EntityIdPrefix = (ulong)sim.Random.NextInt64(1, long.MaxValue),
            // Small segments, so that runs roll segments (and crash while rolling).
            Segments = new SegmentStoreOptions { MaxSegmentBytes = 16 << 10, Fsync = fsync },
        };
        DatomLog log;
        try
        {
            log = DatomLog.Open(LogDisk, Identity, options);
        }
        catch (Exception e) when (e is not SimulationFailure)
        {
            throw new SimulationFailure($"{Name}: the log does not open after a crash: {e.Message}");
        }
        DaoDb db;
        try
        {
            db = DaoDb.Open(IndexDisk, log, new IndexStoreOptions { FlushBytes = 8 << 10, MaxMemoryRuns = 2, MaxFileRuns = 3 });
        }
        catch (Exception e) when (e is not SimulationFailure)
        {
            log.Dispose();
            throw new SimulationFailure($"{Name}: the index does not open after a crash: {e.Message}");
        }
        Log = log;
        Db = db;
        Instance = (ulong)sim.Random.NextInt64(1, long.MaxValue);
        var lost = Acknowledged.Where(h => !log.Contains(h)).ToList();
        if (lost.Count > 0)
            throw new SimulationFailure($"{Name}: {lost.Count} acknowledged entries lost after a crash, first {lost[0]}");
        foreach (var note in log.Store.RecoveryNotes)
            sim.Trace.Add($"{Name} recovery: {note}");
        sim.Trace.Add($"{Name} up: {log.Count} entries, {log.Forks().Count} forks");
    }

    /// <summary>The process dies: connections drop, nothing is flushed, the disk keeps only what was synced (a torn last sector, maybe).</summary>
    public void Crash()
    {
        foreach (var c in _connections.ToList())
            c.Break("the node crashed");
        try
        {
            Db?.Dispose();
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or LogFailedException or AggregateException)
        {
            // The index flushes on the way down; with the power gone it may not.
        }
        try
        {
            Log?.Dispose();
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or LogFailedException or AggregateException)
        {
        }
        Db = null;
        Log = null;
        Crashes++;
        LogDisk.Crash(sim.Random);
        IndexDisk.Crash(sim.Random);
        sim.Trace.Add($"{Name} crashed");
    }

    /// <summary>Takes a new connection into the node's slots, as <c>SyncNode</c> registers one; false if an open one to the same peer is preferred.</summary>
    public bool Adopt(Connection connection)
    {
        if (!_slots.TryAdd(connection, out var replaced, out var refusal))
        {
            sim.Trace.Add($"{connection} refused: {refusal}");
            return false;
        }
        _connections.Add(connection);
        replaced?.Break("replaced by another connection to the same node");
        return true;
    }

    public void Forget(Connection connection)
    {
        _slots.Remove(connection);
        _connections.Remove(connection);
    }

    /// <summary>Runs one transaction; returns its entry once durable and indexed, or null if the database refused it.</summary>
    public Entry? Transact(string edn)
    {
        var data = EdnReader.ReadOne(edn, TxDataParser.ReaderOptions("sim"));
        TxResult result;
        try
        {
            result = Db!.TransactAsync(data).GetAwaiter().GetResult();
        }
        catch (TxDataException e)
        {
            sim.Trace.Add($"{Name} refused {edn}: {e.Message}");
            return null;
        }
        Acknowledged.Add(result.Entry.Hash);
        sim.Trace.Add($"{Name} transacted {result.Entry.Author.ToString()[..8]}/{result.Entry.Seq} {result.Entry.Hash.ToString()[..12]} {edn}");
        RelayRule.Push(_connections.ToList(), from: null, live: true, c => c.Offer([result.Entry]));
        return result.Entry;
    }

    /// <summary>Entries a connection stored: acknowledged, and relayed by the daemon's own <see cref="RelayRule"/>.</summary>
    public void Stored(IReadOnlyList<Entry> entries, Connection from, bool live)
    {
        foreach (var e in entries)
            Acknowledged.Add(e.Hash);
        RelayRule.Push(_connections.ToList(), from, live, c => c.Offer(entries));
    }

    /// <summary>A pull brought news: the other peers are told to pull from us (<see cref="RelayRule"/>).</summary>
    public void HintOthers(Connection from) => RelayRule.HintAfterPull(_connections.ToList(), from, static c => c.Hint());

    /// <summary>Whether the schema has reached this node (its index is caught up first: the applier runs on its own thread).</summary>
    public bool HasSchema()
    {
        WaitForIndex();
        return Workload.HasSchema(Db!);
    }

    /// <summary>The index caught up with every durable entry.</summary>
    public void WaitForIndex() => Db!.WaitForAsync(Log!.DurableCount).GetAwaiter().GetResult();
}

using System.Security.Cryptography;
using Datom.Index;
using Datom.Index.Storage;
using Datom.Log.Identity;
using Datom.Log.Model;
using Datom.Log.Storage;

namespace Datom.Simulations;

/// <summary>
/// The properties every run must keep. Each check throws a <see cref="SimulationFailure"/> that
/// says what differs, on which node.
/// </summary>
internal static class Invariants
{
    /// <summary>The index kept up entry by entry holds exactly what a rebuild from the log does, in every order.</summary>
    public static void IndexEqualsRebuild(SimNode node)
    {
        node.WaitForIndex();
        var incremental = Digests(node.Db!.Store.Snapshot());
        var scratch = new MemoryStorage();
        DaoDb.Rebuild(scratch, node.Log!);
        using var rebuilt = IndexStore.Open(scratch);
        var expected = Digests(rebuilt.Snapshot());
        for (var order = 0; order < expected.Length; order++)
        {
            if (incremental[order] != expected[order])
                throw new SimulationFailure($"{node.Name}: the {(IndexOrder)order} index differs from a rebuild from the log ({incremental[order]} vs {expected[order]})");
        }
    }

    /// <summary>
    /// Per order, a digest of the datoms it holds, each decoded with its attribute's name: the
    /// attribute numbering is the store's own (it numbers attributes as it first meets them, and a
    /// rebuild applying one large batch meets fork attributes later than a live index does), so
    /// equal indexes may differ in raw keys, never in the datoms they decode to.
    /// </summary>
    private static string[] Digests(IndexSnapshot snapshot)
    {
        var digests = new string[4];
        foreach (var order in Enum.GetValues<IndexOrder>())
        {
            var datoms = new List<string>();
            using (var cursor = snapshot.Cursor(order))
            {
                for (var valid = cursor.Seek([]); valid; valid = cursor.Next())
                {
                    var op = KeyCodec.Decode(order, cursor.Current);
                    datoms.Add($"{op.E} {snapshot.Attributes.Name(op.A)} {op.V} {op.Time} {op.Tx} {op.Added}");
                }
            }
            datoms.Sort(StringComparer.Ordinal);
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            foreach (var datom in datoms)
                hash.AppendData(System.Text.Encoding.UTF8.GetBytes(datom + "\n"));
            digests[(int)order] = $"{datoms.Count} datoms {Convert.ToHexStringLower(hash.GetCurrentHash().AsSpan(0, 8))}";
        }
        return digests;
    }

    /// <summary>Null if every node holds the same entries; else what differs.</summary>
    public static string? Divergence(IReadOnlyList<SimNode> nodes)
    {
        var first = nodes[0];
        var reference = Hashes(first);
        foreach (var node in nodes.Skip(1))
        {
            var theirs = Hashes(node);
            if (!theirs.SetEquals(reference))
                return $"{first.Name} holds {reference.Count} entries, {node.Name} {theirs.Count} ({reference.Except(theirs).Count()} only on {first.Name}, {theirs.Except(reference).Count()} only on {node.Name})";
        }
        return null;
    }

    public static HashSet<EntryHash> Hashes(SimNode node) => [.. node.Log!.HashesFrom(0, int.MaxValue)];

    /// <summary>Every entry any node acknowledged is held by every node.</summary>
    public static void NothingAcknowledgedLost(IReadOnlyList<SimNode> nodes)
    {
        foreach (var owner in nodes)
        {
            foreach (var node in nodes)
            {
                var missing = owner.Acknowledged.Count(h => !node.Log!.Contains(h));
                if (missing > 0)
                    throw new SimulationFailure($"{node.Name} lacks {missing} entries that {owner.Name} acknowledged");
            }
        }
    }

    /// <summary>Every node gives the same answers to the fixed queries.</summary>
    public static void AnswersAgree(IReadOnlyList<SimNode> nodes)
    {
        string? reference = null;
        SimNode? first = null;
        foreach (var node in nodes)
        {
            node.WaitForIndex();
            var answers = Workload.Answers(node.Db!);
            if (reference is null)
            {
                (reference, first) = (answers, node);
            }
            else if (answers != reference)
            {
                var mine = reference.Split('\n');
                var theirs = answers.Split('\n');
                var line = Enumerable.Range(0, Math.Min(mine.Length, theirs.Length)).First(i => mine[i] != theirs[i]);
                throw new SimulationFailure($"{first!.Name} and {node.Name} answer differently:\n  {first.Name}: {mine[line]}\n  {node.Name}: {theirs[line]}");
            }
        }
    }

    /// <summary>
    /// Every fork (two entries by one author with one sequence number) among the entries is
    /// recorded, with its proof, on every node.
    /// </summary>
    /// <returns>How many forks there are.</returns>
    public static int ForksDetectedEverywhere(IReadOnlyList<SimNode> nodes)
    {
        var forks = new HashSet<(NodeId, ulong)>();
        var log = nodes[0].Log!;
        foreach (var group in log.EntriesFrom(0, int.MaxValue).GroupBy(e => (e.Author, e.Seq)))
        {
            if (group.Count() > 1)
                forks.Add(group.Key);
        }
        foreach (var node in nodes)
        {
            var recorded = new HashSet<(NodeId, ulong)>();
            foreach (var proof in node.Log!.Forks())
            {
                if (proof.First.Author != proof.Author || proof.Second.Author != proof.Author || proof.First.Seq != proof.Seq || proof.Second.Seq != proof.Seq
                    || proof.First.Hash == proof.Second.Hash || !proof.First.VerifySignature() || !proof.Second.VerifySignature())
                    throw new SimulationFailure($"{node.Name}: the proof of the fork at {proof.Author}/{proof.Seq} does not prove it");
                recorded.Add((proof.Author, proof.Seq));
            }
            var missed = forks.Except(recorded).ToList();
            if (missed.Count > 0)
                throw new SimulationFailure($"{node.Name} did not record the fork at {missed[0].Item1}/{missed[0].Item2} ({missed.Count} of {forks.Count} missed)");
            var phantom = recorded.Except(forks).ToList();
            if (phantom.Count > 0)
                throw new SimulationFailure($"{node.Name} records a fork at {phantom[0].Item1}/{phantom[0].Item2} that its entries do not show");
        }
        return forks.Count;
    }

    /// <summary>
    /// A <c>:db.unique/identity</c> value names one entity, and the same one on every node, however
    /// many nodes (or tempids of one transaction) created it concurrently (DESIGN, DaoDB: "a
    /// :db.unique/identity value names one entity on every node").
    /// </summary>
    /// <returns>How many unique values there are.</returns>
    public static int OneEntityPerUniqueValue(IReadOnlyList<SimNode> nodes)
    {
        string? reference = null;
        SimNode? first = null;
        var values = 0;
        foreach (var node in nodes)
        {
            node.WaitForIndex();
            var named = Workload.EntitiesByKey(node.Db!);
            foreach (var (key, entities) in named)
            {
                if (entities.Count > 1)
                    throw new SimulationFailure($"{node.Name}: the unique identity {key} names {entities.Count} entities ({string.Join(", ", entities)})");
            }
            var text = string.Join(" ", named.Select(p => $"{p.Key}={p.Value[0]}"));
            if (reference is null)
                (reference, first, values) = (text, node, named.Count);
            else if (text != reference)
                throw new SimulationFailure($"{first!.Name} and {node.Name} disagree on which entity a unique identity names:\n  {first.Name}: {reference}\n  {node.Name}: {text}");
        }
        return values;
    }

    /// <summary>
    /// Once healed, every node keeps a connection to every other running node, a copy of its own key
    /// excepted (the handshake refuses that one). Two copies of one key fought over one connection
    /// slot per node id at their peers, and one was often left with 0-1 peers.
    /// </summary>
    /// <returns>Null if so; else who is missing whom.</returns>
    public static string? Disconnected(IReadOnlyList<SimNode> nodes)
    {
        foreach (var node in nodes)
        {
            var peers = node.Connections.Where(c => c.IsOpen).Select(c => c.Remote.Node).ToHashSet();
            var missing = nodes.Where(n => n.Identity.Id != node.Identity.Id && !peers.Contains(n)).Select(n => n.Name).ToList();
            if (missing.Count > 0)
                return $"{node.Name} is not connected to {string.Join(", ", missing)}";
        }
        return null;
    }
}

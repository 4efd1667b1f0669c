using Datom.Index;
using Datom.Index.Query;
using Datom.Index.Storage;
using Datom.Index.Views;
using Datom.Log;
using Datom.Log.Edn;
using Datom.Log.Identity;
using Datom.Log.Model;
using Datom.Vm.Ast;
using Datom.Vm.Printing;

namespace Datom.Vm.Workflow;

/// <summary>One transaction that changed code, with its provenance.</summary>
/// <param name="Definitions">The definitions (<c>ns/name</c>) whose datoms it asserted or retracted.</param>
/// <param name="Namespaces">The namespaces those definitions (or the namespace nodes) belong to.</param>
public sealed record CodeTx(
    EntityId Tx,
    EntryHash Hash,
    NodeId Author,
    HlcTimestamp Time,
    ulong Seq,
    string? Reason,
    IReadOnlyList<EntryHash> Parents,
    IReadOnlySet<string> Definitions,
    IReadOnlySet<string> Namespaces)
{
    /// <summary>What a commit message or a listing says when the writer gave no reason.</summary>
    public string Message => string.IsNullOrEmpty(Reason) ? $"entry {Author.ToString()[..8]}#{Seq}" : Reason;
}

/// <summary>
/// The code history of a database: every transaction that asserted or retracted a code datom, in the
/// order the union merge applies them (HLC time, then transaction id: the same order that decides
/// which of two concurrent values wins), and the database after each.
/// </summary>
/// <remarks>
/// Two views of "a version" are used, and they differ only for concurrent edits:
/// <list type="bullet">
/// <item><see cref="AsOfEntry"/>: what the entry's author saw and made (its causal past, DaoDB's
/// frontier view). <c>history</c>, <c>show --as-of</c>, <c>revert</c> and <c>pick</c> use it, so an
/// overruled concurrent edit can still be seen and brought back.</item>
/// <item><see cref="After"/>: the merged database once every transaction up to this one in the merge
/// order is applied. Because an entry's time is always after its parents', every such prefix is causally
/// closed, and the last one is the current database. <c>blame</c> and the git export use this linear
/// sequence.</item>
/// </list>
/// Finding the history scans the code attributes' datoms once: the cost grows with the amount of code
/// and its edits, not with the rest of the database.
/// </remarks>
public sealed class CodeHistory
{
    private readonly IndexSnapshot _snapshot;
    private readonly DaoDb _db;

    private CodeHistory(DaoDb db, IndexSnapshot snapshot, IReadOnlyList<CodeTx> transactions)
    {
        _db = db;
        _snapshot = snapshot;
        Transactions = transactions;
    }

    /// <summary>Every transaction that changed code, in merge order.</summary>
    public IReadOnlyList<CodeTx> Transactions { get; }

    public static CodeHistory Load(DaoDb db, DatomLog log)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(log);
        var current = db.Current();
        var snapshot = current.Snapshot;
        var keys = new Dictionary<EntityId, string>();
        if (snapshot.Attributes.Find(AstSchema.Key.QualifiedName) is { } keyAttr)
        {
            using var scan = snapshot.Scan(IndexOrder.Aevt, KeyCodec.Prefix(IndexOrder.Aevt, null, keyAttr, null));
            while (scan.MoveNext())
            {
                var op = KeyCodec.Decode(IndexOrder.Aevt, scan.Current);
                keys[op.E] = op.V.AsString;
            }
        }
        var touched = new Dictionary<(HlcTimestamp Time, EntityId Tx), HashSet<string>>();
        foreach (var name in AstSchema.CodeAttributeNames)
        {
            if (snapshot.Attributes.Find(name) is not { } attr)
                continue;
            using var scan = snapshot.Scan(IndexOrder.Aevt, KeyCodec.Prefix(IndexOrder.Aevt, null, attr, null));
            while (scan.MoveNext())
            {
                var op = KeyCodec.Decode(IndexOrder.Aevt, scan.Current);
                if (!keys.TryGetValue(op.E, out var key) || NamespaceOf(key) == AstKeys.VmNamespace)
                    continue;
                if (!touched.TryGetValue((op.Time, op.Tx), out var set))
                    touched[(op.Time, op.Tx)] = set = new HashSet<string>(StringComparer.Ordinal);
                set.Add(AstKeys.DefinitionOf(key));
            }
        }
        var transactions = new List<CodeTx>();
        foreach (var ((time, tx), definitions) in touched.OrderBy(t => t.Key.Time).ThenBy(t => t.Key.Tx))
        {
            var hashText = current.Match(tx, Keyword.Parse("tx/hash"), null).Select(d => d.V.AsString).FirstOrDefault();
            if (hashText is null || !EntryHash.TryParse(hashText, out var hash) || log.Get(hash) is not { } entry)
                continue;
            var reason = current.Match(tx, Keyword.Parse("tx/reason"), null).Select(d => d.V.AsString).FirstOrDefault();
            var namespaces = definitions.Select(NamespaceOf).ToHashSet(StringComparer.Ordinal);
            var defs = definitions.Where(d => d.Contains('/', StringComparison.Ordinal)).ToHashSet(StringComparer.Ordinal);
            transactions.Add(new CodeTx(tx, hash, entry.Author, time, entry.Seq, reason, entry.Parents, defs, namespaces));
        }
        return new CodeHistory(db, snapshot, transactions);
    }

    /// <summary><c>core</c> for <c>core</c>, <c>core/greet</c> and <c>core/greet#b0</c>.</summary>
    public static string NamespaceOf(string key)
    {
        var definition = AstKeys.DefinitionOf(key);
        var slash = definition.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? definition : definition[..slash];
    }

    /// <summary>The transactions that changed one definition (<c>ns/name</c>) or namespace (<c>ns</c>).</summary>
    public IReadOnlyList<CodeTx> Touching(string name) =>
        [.. Transactions.Where(t => name.Contains('/', StringComparison.Ordinal) ? t.Definitions.Contains(name) : t.Namespaces.Contains(name))];

    /// <summary>The merged database after <paramref name="tx"/> and everything before it in merge order.</summary>
    public CurrentView After(CodeTx tx)
    {
        ArgumentNullException.ThrowIfNull(tx);
        var time = tx.Time;
        var id = tx.Tx;
        return new CurrentView(_snapshot, op => op.Time < time || (op.Time == time && op.Tx.CompareTo(id) <= 0));
    }

    /// <summary>The database as the entry's author made it: the entry and its causal past.</summary>
    public CurrentView AsOfEntry(CodeTx tx)
    {
        ArgumentNullException.ThrowIfNull(tx);
        return _db.AsOf([tx.Hash]);
    }

    /// <summary>A definition or namespace as source, or null where it does not exist in that view.</summary>
    public static string? Print(IDatomView view, string name)
    {
        try
        {
            return AstPrinter.Print(view, name);
        }
        catch (KeyNotFoundException)
        {
            return null;
        }
    }

    /// <summary>
    /// The transactions whose entries are concurrent with <paramref name="tx"/>'s (neither is in the
    /// other's past) among <paramref name="candidates"/>.
    /// </summary>
    public static IReadOnlyList<CodeTx> ConcurrentWith(DatomLog log, CodeTx tx, IEnumerable<CodeTx> candidates)
    {
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(tx);
        var past = log.Ancestry([tx.Hash]);
        var result = new List<CodeTx>();
        foreach (var other in candidates)
        {
            if (other.Hash == tx.Hash || past.ContainsKey(other.Hash))
                continue;
            if (!log.Ancestry([other.Hash]).ContainsKey(tx.Hash))
                result.Add(other);
        }
        return result;
    }
}

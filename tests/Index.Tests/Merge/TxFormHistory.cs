using Datom.Index.Transactions;
using Datom.Log;
using Datom.Log.Edn;
using Datom.Log.Entries;
using Datom.Log.Identity;
using Datom.Log.Model;
using Datom.Log.Storage;

namespace Datom.Index.Tests.Merge;

/// <summary>
/// A seeded random history made through the transactor rather than raw datoms: three authors, each
/// with its own DaoDB, transact <c>:db/cas</c>, entity maps with reverse attributes,
/// <c>[:db/retract e a]</c> on a component attribute, transaction functions (through
/// <paramref name="txFns"/>, when given) and plain adds, each against the replica's own view,
/// and merge by exchanging entries. What each entry holds is the datoms its transactor produced, so
/// replicas that receive them in any order must agree.
/// </summary>
public static class TxFormHistory
{
    private const string Schema = """
        [{:db/ident :t/one :db/valueType :db.type/long :db/cardinality :db.cardinality/one}
         {:db/ident :t/many :db/valueType :db.type/long :db/cardinality :db.cardinality/many}
         {:db/ident :t/ref :db/valueType :db.type/ref :db/cardinality :db.cardinality/many}
         {:db/ident :t/part :db/valueType :db.type/ref :db/cardinality :db.cardinality/many :db/isComponent true}]
        """;

    public static string Entity(int i) => $"#id \"{new EntityId(0xE, (ulong)i)}\"";

    /// <param name="txFns">Wires a replica's DaoDB to transaction functions; the forms it may add go in <paramref name="txFnForms"/>.</param>
    /// <param name="txFnForms">Tx-data forms that call transaction functions, given a random source.</param>
    public static (List<Entry> Entries, int Refused) Generate(int seed, int steps = 30, Action<DaoDb>? txFns = null, Func<Random, string>? txFnForms = null)
    {
        var random = new Random(seed);
        var authors = Enumerable.Range(0, 3).Select(_ => NodeIdentity.Generate()).ToList();
        var logs = authors.Select(a => DatomLog.Open(new MemoryStorage(), a)).ToList();
        var dbs = logs.Select(l => DaoDb.Open(new MemoryStorage(), l)).ToList();
        var refused = 0;
        try
        {
            foreach (var db in dbs)
                txFns?.Invoke(db);
            Transact(dbs[0], Schema);
            for (var i = 1; i < logs.Count; i++)
                Sync(logs[0], logs[i], dbs[i]);

            for (var step = 0; step < steps; step++)
            {
                var r = random.Next(logs.Count);
                if (random.Next(4) == 0)
                {
                    Sync(logs[random.Next(logs.Count)], logs[r], dbs[r]);
                    continue;
                }
                var e = Entity(random.Next(3));
                var other = Entity(random.Next(3));
                var tx = random.Next(txFnForms is null ? 5 : 6) switch
                {
                    0 => $"[[:db/add {e} :t/one {random.Next(3)}] [:db/add {e} :t/many {random.Next(3)}]]",
                    1 => $"[[:db/cas {e} :t/one {(random.Next(2) == 0 ? "nil" : random.Next(3).ToString(System.Globalization.CultureInfo.InvariantCulture))} {random.Next(3)}]]",
                    2 => $"[{{:db/id {e} :t/_ref [{other}]}}]",
                    3 => $"[{{:db/id {e} :t/part [{{:db/id \"c\" :t/one {random.Next(3)}}}]}}]",
                    4 => $"[[:db/retract {e} :t/{(random.Next(2) == 0 ? "part" : "many")}]]",
                    _ => txFnForms!(random),
                };
                try
                {
                    Transact(dbs[r], tx);
                }
                catch (TxDataException)
                {
                    refused++; // a cas that lost, say: nothing stored
                }
            }
            var all = new Dictionary<EntryHash, Entry>();
            foreach (var l in logs)
            {
                foreach (var entry in l.Entries())
                    all[entry.Hash] = entry;
            }
            return ([.. all.Values], refused);
        }
        finally
        {
            foreach (var db in dbs)
                db.Dispose();
            foreach (var l in logs)
                l.Dispose();
            foreach (var a in authors)
                a.Dispose();
        }
    }

    private static void Transact(DaoDb db, string edn) =>
        db.TransactAsync(EdnReader.ReadOne(edn, TxDataParser.ReaderOptions("history"))).GetAwaiter().GetResult();

    private static void Sync(DatomLog from, DatomLog to, DaoDb toDb)
    {
        foreach (var entry in from.Entries().ToList())
            to.IngestAsync(entry).GetAwaiter().GetResult();
        toDb.WaitForAsync(to.DurableCount).GetAwaiter().GetResult();
    }
}

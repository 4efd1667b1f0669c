using Datom.Index.Schema;
using Datom.Log;
using Datom.Log.Entries;
using Datom.Log.Identity;
using Datom.Log.Model;
using Datom.Log.Storage;

namespace Datom.Index.Tests.Merge;

/// <summary>
/// A seeded random history: several authors, one of whose keys is used on three machines (forks),
/// merges by exchanging entries, assertions and retractions on a small space of entities and values
/// so that concurrent operations on the same datoms are common, and cardinality-one attributes with
/// competing values.
/// </summary>
public static class RandomHistory
{
    public static readonly EntityId One = new(0xA11, 1);
    public static readonly EntityId Many = new(0xA11, 2);

    public static List<Entry> Generate(int seed, int steps = 40)
    {
        var random = new Random(seed);
        var authors = Enumerable.Range(0, 3).Select(_ => NodeIdentity.Generate()).ToList();
        // Replicas: each author's log, plus a second machine using author 0's key.
        var replicas = new List<DatomLog>
        {
            DatomLog.Open(new MemoryStorage(), authors[0]),
            DatomLog.Open(new MemoryStorage(), authors[1]),
            DatomLog.Open(new MemoryStorage(), authors[2]),
        };
        try
        {
            // Schema first, by author 0, and everyone starts from it.
            var schema = replicas[0].AppendAsync(
            [
                new LogDatom(One, "db/ident", Value.Keyword("t/one"), true),
                new LogDatom(One, "db/valueType", Value.Ref(SystemSchema.Entid(Log.Edn.Keyword.Parse("db.type/long"))!.Value), true),
                new LogDatom(One, "db/cardinality", Value.Ref(SystemSchema.Entid(Log.Edn.Keyword.Parse("db.cardinality/one"))!.Value), true),
                new LogDatom(Many, "db/ident", Value.Keyword("t/many"), true),
                new LogDatom(Many, "db/valueType", Value.Ref(SystemSchema.Entid(Log.Edn.Keyword.Parse("db.type/long"))!.Value), true),
                new LogDatom(Many, "db/cardinality", Value.Ref(SystemSchema.Entid(Log.Edn.Keyword.Parse("db.cardinality/many"))!.Value), true),
            ]).GetAwaiter().GetResult();
            // Author 0's key on two more machines: two- and three-way forks.
            replicas.Add(DatomLog.Open(new MemoryStorage(), authors[0]));
            replicas.Add(DatomLog.Open(new MemoryStorage(), authors[0]));
            foreach (var r in replicas.Skip(1))
                r.IngestAsync(schema).GetAwaiter().GetResult();

            for (var step = 0; step < steps; step++)
            {
                var r = replicas[random.Next(replicas.Count)];
                if (random.Next(4) == 0)
                {
                    // Merge: take everything another replica has.
                    var other = replicas[random.Next(replicas.Count)];
                    foreach (var e in other.Entries().ToList())
                        r.IngestAsync(e).GetAwaiter().GetResult();
                    continue;
                }
                var datoms = new List<LogDatom>();
                for (var i = random.Next(1, 4); i > 0; i--)
                {
                    var e = new EntityId(0xE, (ulong)random.Next(3));
                    var a = random.Next(2) == 0 ? "t/one" : "t/many";
                    datoms.Add(new LogDatom(e, a, Value.Long(random.Next(3)), random.Next(3) != 0));
                }
                r.AppendAsync(datoms).GetAwaiter().GetResult();
            }
            var all = new Dictionary<EntryHash, Entry>();
            foreach (var r in replicas)
            {
                foreach (var e in r.Entries())
                    all[e.Hash] = e;
            }
            return [.. all.Values];
        }
        finally
        {
            foreach (var r in replicas)
                r.Dispose();
        }
    }
}

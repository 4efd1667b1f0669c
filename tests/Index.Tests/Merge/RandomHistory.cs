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
/// competing values; unique values that several entities are given concurrently (<c>:t/key</c>,
/// identity; <c>:t/uval</c>, value) and refs between the entities (<c>:t/ref</c>), so that entities
/// merge and refs are seen through the merge.
/// </summary>
public static class RandomHistory
{
    public static readonly EntityId One = new(0xA11, 1);
    public static readonly EntityId Many = new(0xA11, 2);
    public static readonly EntityId Key = new(0xA11, 3);
    public static readonly EntityId UniqueValue = new(0xA11, 4);
    public static readonly EntityId Ref = new(0xA11, 5);

    /// <summary>The entities the history writes about.</summary>
    public const int Entities = 4;

    private static Value Enum(string ident) => Value.Ref(SystemSchema.Entid(Log.Edn.Keyword.Parse(ident))!.Value);

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
                new LogDatom(Key, "db/ident", Value.Keyword("t/key"), true),
                new LogDatom(Key, "db/valueType", Enum("db.type/long"), true),
                new LogDatom(Key, "db/cardinality", Enum("db.cardinality/one"), true),
                new LogDatom(Key, "db/unique", Enum("db.unique/identity"), true),
                new LogDatom(UniqueValue, "db/ident", Value.Keyword("t/uval"), true),
                new LogDatom(UniqueValue, "db/valueType", Enum("db.type/long"), true),
                new LogDatom(UniqueValue, "db/cardinality", Enum("db.cardinality/one"), true),
                new LogDatom(UniqueValue, "db/unique", Enum("db.unique/value"), true),
                new LogDatom(Ref, "db/ident", Value.Keyword("t/ref"), true),
                new LogDatom(Ref, "db/valueType", Enum("db.type/ref"), true),
                new LogDatom(Ref, "db/cardinality", Enum("db.cardinality/many"), true),
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
                    var e = new EntityId(0xE, (ulong)random.Next(Entities));
                    var a = random.Next(8) switch { < 3 => "t/one", < 5 => "t/many", 5 => "t/key", 6 => "t/uval", _ => "t/ref" };
                    var v = a == "t/ref" ? Value.Ref(new EntityId(0xE, (ulong)random.Next(Entities))) : Value.Long(random.Next(3));
                    datoms.Add(new LogDatom(e, a, v, random.Next(3) != 0));
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

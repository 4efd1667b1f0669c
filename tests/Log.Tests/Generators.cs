using Datom.Log.Model;
using FsCheck;
using FsCheck.Fluent;

namespace Datom.Log.Tests;

/// <summary>Every FsCheck generator of the Log tests, in one place.</summary>
public static class Generators
{
    public static Gen<EntityId> EntityId() =>
        Gen.Choose(0, int.MaxValue).Two().Select(t => new EntityId(((ulong)t.Item1 << 20) | 1, (ulong)t.Item2));

    public static Gen<string> Name() =>
        Gen.Elements("user/email", "user/name", "ast/type", "fn/name", "a", "x.y/z-w", "tx/reason", "ünï/cödé");

    public static Gen<string> Text() =>
        Gen.Elements("", "a", "hello world", "line\nbreak", "quote\"s", "\u00e9\u4e2d\U0001F600", new string('x', 300));

    public static Gen<Value> Value() => Gen.OneOf(
        Text().Select(Model.Value.String),
        Gen.Elements(0L, 1L, -1L, 127L, 128L, -33L, 255L, 256L, 65535L, 65536L, int.MaxValue, (long)int.MaxValue + 1, long.MaxValue, long.MinValue).Select(Model.Value.Long),
        Gen.Elements(0.0, -0.0, 1.5, -2.25e-300, double.MaxValue, double.Epsilon, double.PositiveInfinity, double.NaN).Select(Model.Value.Double),
        Gen.Elements(true, false).Select(Model.Value.Boolean),
        Name().Select(Model.Value.Keyword),
        Name().Select(Model.Value.Symbol),
        EntityId().Select(Model.Value.Ref),
        Gen.Choose(-100_000, 100_000).Select(d => Model.Value.Instant(d * 86_400_000L + 123)),
        Gen.Fresh(Guid.NewGuid).Select(Model.Value.Uuid),
        Gen.Choose(0, 64).Select(n => Model.Value.Bytes(Enumerable.Range(0, n).Select(i => (byte)(i * 37)).ToArray())));

    public static Gen<LogDatom> Datom() =>
        from e in EntityId()
        from a in Name()
        from v in Value()
        from added in Gen.Elements(true, false)
        select new LogDatom(e, a, v, added);

    public static Gen<LogDatom[]> Datoms() => Gen.ArrayOf(Datom()).Select(d => d.Take(40).ToArray());

    public static Arbitrary<LogDatom[]> DatomsArb() => Datoms().ToArbitrary();

    public static Gen<EntryHash> Hash() =>
        Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b), 32).Select(b => new EntryHash(b));

    /// <summary>An entry record as the table stores it, any field in range.</summary>
    public static Gen<global::Datom.Log.Tables.EntryRecord> EntryRecord() =>
        from hash in Hash()
        from tx in EntityId()
        from seq in Gen.Choose(0, int.MaxValue).Select(s => (ulong)s * 3)
        from time in Gen.Choose(0, int.MaxValue).Select(t => new HlcTimestamp(((ulong)t << 20) | 7))
        from author in Gen.Choose(0, 1000)
        from segment in Gen.Choose(0, int.MaxValue)
        from offset in Gen.Choose(0, int.MaxValue)
        from durable in Gen.Elements(true, false)
        from start in Gen.Choose(0, int.MaxValue).Select(s => (long)s * 5)
        from count in Gen.Choose(0, 256)
        select new global::Datom.Log.Tables.EntryRecord(hash, tx, seq, time, author, new global::Datom.Log.Segments.RecordPosition((uint)segment, offset), durable, start, count);

    public static Gen<global::Datom.Log.Tables.Checkpoint> Checkpoint() =>
        from generation in Gen.Choose(1, int.MaxValue)
        from entries in Gen.Choose(1, int.MaxValue)
        from parents in Gen.Choose(0, int.MaxValue)
        from authors in Gen.Choose(0, 100)
        from first in Gen.Choose(1, 1000)
        from lengths in Gen.ArrayOf(Gen.Choose(32, int.MaxValue).Select(l => (long)l)).Select(a => a.Take(50).ToArray())
        from offset in Gen.Choose(32, int.MaxValue)
        from time in Gen.Choose(0, int.MaxValue)
        from crcs in Gen.Choose(int.MinValue, int.MaxValue).Three()
        from last in Hash()
        from heads in Gen.ArrayOf(Gen.Choose(0, entries - 1)).Select(a => a.Take(50).ToArray())
        select new global::Datom.Log.Tables.Checkpoint((ulong)generation, entries, parents, authors, (uint)first, lengths,
            new global::Datom.Log.Segments.RecordPosition((uint)(first + lengths.Length), offset), new HlcTimestamp((ulong)time << 16),
            (uint)crcs.Item1, (uint)crcs.Item2, (uint)crcs.Item3, last, heads);

    /// <summary>
    /// The shape of a history of several authors (which entries name which, forks included): each step
    /// is (author, a choice of own parent, how many other authors' heads to link). <c>HistoryBuilder</c>
    /// turns it into signed entries.
    /// </summary>
    public static Gen<(int Author, int OwnChoice, int Links)[]> HistoryShape() =>
        Gen.ArrayOf(
            from author in Gen.Choose(0, 3)
            from own in Gen.Frequency((8, Gen.Constant(-1)), (1, Gen.Choose(0, 1000)))
            from links in Gen.Choose(0, 3)
            select (author, own, links))
        .Select(a => a.Take(120).ToArray());
}

/// <summary>Registers the generators with FsCheck.Xunit's [Property].</summary>
public static class LogArbitraries
{
    public static Arbitrary<LogDatom[]> Datoms() => Generators.Datoms().ToArbitrary();

    public static Arbitrary<Value> Value() => Generators.Value().ToArbitrary();
}

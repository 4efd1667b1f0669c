using Datom.Index.Schema;
using Datom.Index.Storage;
using Datom.Index.Tests.Storage;
using Datom.Index.Views;
using Datom.Log.Edn;
using Datom.Log.Model;
using Datom.Log.Storage;
using FsCheck.Xunit;
using Xunit;
using ValueType = Datom.Log.Model.ValueType;

namespace Datom.Index.Tests.Views;

/// <summary>
/// The current view, which reads raw index keys, against a slow reference that decodes every
/// operation and applies the documented rules (CurrentView's remarks) in plain LINQ; and against
/// the same view with an operation filter that keeps everything (the decoding path of as-of views).
/// </summary>
public class CurrentViewModelTests
{
    // Generated operations use attribute ids 1..3 (StorageGenerators.Op): cardinality one, many, and
    // one with no schema (treated as many).
    private static readonly string[] Names = ["t/one", "t/many", "t/plain", "db/ident", "db/valueType", "db/cardinality"];
    private static readonly EntityId OneAttr = new(9, 1), ManyAttr = new(9, 2);

    [Property(Arbitrary = [typeof(StorageGenerators)], MaxTest = 300)]
    public void Match_agrees_with_the_rules_applied_to_every_operation(DatomOp[] ops)
    {
        var all = ops.Concat(Schema()).ToList();
        foreach (var snapshot in Snapshots(all))
        {
            var view = new CurrentView(snapshot);
            var filtered = new CurrentView(snapshot, _ => true);
            var values = ops.Select(o => (Value?)o.V).Distinct().Take(4).Append(Value.String("absent")).Append(null).ToList();
            var entities = ops.Select(o => (EntityId?)o.E).Distinct().Append(new EntityId(7, 7)).Append(null).ToList();
            var attributes = new Keyword?[] { Keyword.Parse("t/one"), Keyword.Parse("t/many"), Keyword.Parse("t/plain"), Keyword.Parse("t/unknown"), null };
            foreach (var e in entities)
            {
                foreach (var a in attributes)
                {
                    foreach (var v in values)
                    {
                        var expected = Reference(all, e, a, v);
                        Assert.Equal(expected, Show(view.Match(e, a, v)));
                        Assert.Equal(expected, Show(filtered.Match(e, a, v)));
                    }
                }
            }
        }
    }

    /// <summary>
    /// d/seek-datoms, which starts its scan at the position, against the whole order scanned from its
    /// start and cut at the position; d/index-range, which starts at its first value, against the
    /// attribute's datoms filtered by value.
    /// </summary>
    [Property(Arbitrary = [typeof(StorageGenerators)], MaxTest = 200)]
    public void Seek_and_index_range_agree_with_a_scan_from_the_start(DatomOp[] ops)
    {
        var all = ops.Concat(Schema()).ToList();
        foreach (var snapshot in Snapshots(all))
        {
            foreach (var view in new[] { new CurrentView(snapshot), new CurrentView(snapshot, op => op.Time.Value % 3 != 0) })
            {
                var values = ops.Select(o => (Value?)o.V).Distinct().Take(3).Append(null).ToList();
                var entities = ops.Select(o => (EntityId?)o.E).Distinct().Take(3).Append(null).ToList();
                var attributes = new Keyword?[] { Keyword.Parse("t/one"), Keyword.Parse("t/many"), null };
                foreach (var order in Orders())
                {
                    var whole = view.Datoms(order, null, null, null).ToList();
                    foreach (var e in entities)
                    {
                        foreach (var a in attributes)
                        {
                            foreach (var v in values)
                            {
                                var from = KeyCodec.Prefix(order, e, a is null ? null : (uint)(Array.IndexOf(Names, a.QualifiedName) + 1), v);
                                var expected = whole.SkipWhile(d => Position(order, d).AsSpan().SequenceCompareTo(from) < 0).Select(d => d.ToString()).ToList();
                                Assert.Equal(expected, view.SeekDatoms(order, e, a, v).Select(d => d.ToString()).ToList());
                            }
                        }
                    }
                }
                foreach (var a in attributes.OfType<Keyword>())
                {
                    var datoms = view.Datoms(IndexOrder.Avet, null, a, null).ToList();
                    foreach (var start in values)
                    {
                        foreach (var end in values)
                        {
                            var expected = datoms.Where(d => (start is null || d.V.CompareTo(start.Value) >= 0) && (end is null || d.V.CompareTo(end.Value) < 0)).Select(d => d.ToString());
                            Assert.Equal(expected, view.IndexRange(a, start, end).Select(d => d.ToString()));
                        }
                    }
                }
            }
        }

        static byte[] Position(IndexOrder order, Datom.Index.Query.Datom d) =>
            KeyCodec.Prefix(order, d.E, (uint)(Array.IndexOf(Names, d.A.QualifiedName) + 1), d.V);
    }

    /// <summary>The same operations as one memory run, and split over a file run and two memory runs.</summary>
    private static IEnumerable<IndexSnapshot> Snapshots(List<DatomOp> ops)
    {
        var attributes = new AttributeDictionary(Names);
        yield return new IndexSnapshot(new IndexState(attributes, [[], [], [], []], [.. Orders().Select(o => Runs(o, ops))], 0));

        var storage = new MemoryStorage();
        var cache = new BlockCache(1 << 20);
        var files = new List<FileRun>();
        var memory = new List<System.Collections.Immutable.ImmutableArray<ISortedRun>>();
        foreach (var order in Orders())
        {
            var keys = Keys(order, ops);
            var name = $"{(int)order}.run";
            FileRun.Write(storage, name, order, new MemoryRun([.. keys.Where((_, i) => i % 3 == 0)]).Keys);
            files.Add(FileRun.Open(storage, name, order, cache, (int)order));
            memory.Add([new MemoryRun([.. keys.Where((_, i) => i % 3 == 1)]), new MemoryRun([.. keys.Where((_, i) => i % 3 != 0)])]);
        }
        yield return new IndexSnapshot(new IndexState(attributes, [.. files.Select(f => System.Collections.Immutable.ImmutableArray.Create(f))], [.. memory], 0));
        foreach (var f in files)
            f.Dispose();
    }

    private static IndexOrder[] Orders() => [IndexOrder.Eavt, IndexOrder.Aevt, IndexOrder.Avet, IndexOrder.Vaet];

    private static System.Collections.Immutable.ImmutableArray<ISortedRun> Runs(IndexOrder order, List<DatomOp> ops) => [new MemoryRun(Keys(order, ops))];

    private static List<byte[]> Keys(IndexOrder order, List<DatomOp> ops) =>
        [.. ops.Where(o => order != IndexOrder.Vaet || o.V.Type == ValueType.Ref).Select(o => KeyCodec.Encode(order, o))];

    private static IEnumerable<DatomOp> Schema()
    {
        var time = new HlcTimestamp(1);
        var tx = new EntityId(9, 100);
        Value Ref(string ident) => Value.Ref(SystemSchema.Entid(Keyword.Parse(ident))!.Value);
        yield return new DatomOp(OneAttr, 4, Value.Keyword("t/one"), time, tx, true);
        yield return new DatomOp(OneAttr, 5, Ref("db.type/long"), time, tx, true);
        yield return new DatomOp(OneAttr, 6, Ref("db.cardinality/one"), time, tx, true);
        yield return new DatomOp(ManyAttr, 4, Value.Keyword("t/many"), time, tx, true);
        yield return new DatomOp(ManyAttr, 5, Ref("db.type/long"), time, tx, true);
        yield return new DatomOp(ManyAttr, 6, Ref("db.cardinality/many"), time, tx, true);
    }

    /// <summary>
    /// The rules: a datom is live when its latest operation (time, tx, retraction before assertion)
    /// is an assertion; of a cardinality-one [e a] with several live values, the one asserted latest
    /// (time, tx) shows, of equals the first in value order.
    /// </summary>
    private static List<string> Reference(List<DatomOp> ops, EntityId? e, Keyword? a, Value? v)
    {
        var live = ops
            .GroupBy(o => (o.E, o.A, Value: Encoded(o.V)))
            .Select(g => g.OrderBy(o => o.Time.Value).ThenBy(o => o.Tx).ThenBy(o => o.Added).Last())
            .Where(o => o.Added);
        var shown = live
            .GroupBy(o => (o.E, o.A))
            .SelectMany(g => g.Key.A == 1
                ? g.OrderBy(o => Encoded(o.V), StringComparer.Ordinal).OrderByDescending(o => o.Time.Value).ThenByDescending(o => o.Tx).Take(1)
                : g);
        var attr = a is null ? (uint?)null : (uint)(Array.IndexOf(Names, a.QualifiedName) + 1);
        return [.. shown
            .Where(o => (e is null || o.E == e) && (a is null || o.A == attr) && (v is null || o.V.Equals(v.Value)))
            .Select(o => $"{o.E} {Names[o.A - 1]} {o.V} {o.Tx}")
            .Order(StringComparer.Ordinal)];
    }

    private static string Encoded(Value v)
    {
        var bytes = new byte[KeyCodec.MaxSize(new DatomOp(default, 0, v, default, default, true))];
        return Convert.ToHexString(bytes, 0, KeyCodec.WriteValue(v, bytes));
    }

    private static List<string> Show(IEnumerable<Index.Query.Datom> datoms) =>
        [.. datoms.Select(d => $"{d.E} {d.A.QualifiedName} {d.V} {d.Tx}").Order(StringComparer.Ordinal)];
}

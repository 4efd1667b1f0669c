using System.Collections.Immutable;

namespace Datom.Vm.Machine;

/// <summary>
/// The sequence natives that make or walk lazy seqs: <c>lazy-seq</c>'s thunk, the generators
/// (<c>range</c>, <c>iterate</c>, <c>repeat</c>, <c>cycle</c>, <c>repeatedly</c>), <c>concat</c>, and the
/// eager ones that take a function (<c>sort</c> with a comparator, <c>sort-by</c>). Each generator
/// step charges memory for the cells it makes and fuel for the items it yields, so an infinite
/// one walked to its end stops at a named limit.
/// </summary>
internal static partial class Natives
{
    /// <summary>Items a finite range makes per step: as Clojure's chunks (32), so walking one costs one realisation per 32 items.</summary>
    private const int Chunk = 32;

    private static void RegisterSeqs()
    {
        Def("lazy-seq*", 1, 1, (_, a) => a[0].Obj is YFunction f ? Val.Object(new YLazySeq(f)) : throw TypeError("lazy-seq", "a function", a[0]));
        Def("range", 0, 3, (m, a) =>
        {
            if (a.Length == 0)
                return LongRange(0, long.MaxValue, 1);
            if (a.Length == 1)
                return Range(m, Val.Long(0), a[0], Val.Long(1));
            return Range(m, a[0], a[1], a.Length == 3 ? a[2] : Val.Long(1));
        });
        Def("iterate", 2, 2, (_, a) => Iterate(a[0], a[1]));
        Def("repeat", 1, 2, (_, a) => a.Length == 1 ? Repeat(a[0], -1) : Repeat(a[1], Math.Max(0, LongArg("repeat", a[0]))));
        Def("repeatedly", 1, 2, (_, a) => a.Length == 1 ? Repeatedly(a[0], -1) : Repeatedly(a[1], Math.Max(0, LongArg("repeatedly", a[0]))));
        Def("cycle", 1, 1, (m, a) => Seqs.Seq(m, a[0]).IsNil ? Seqs.Empty : Cycle(a[0], a[0]));
        Def("concat", 0, -1, (_, a) => Concat([.. a], 0, Val.Nil));
        Def("sort", 1, 2, (m, a) => a.Length == 1
            ? Sorted(m, Items("sort", a[0]), null)
            : Sorted(m, Items("sort", a[1]), a[0]));
        Def("sort-by", 2, 3, (m, a) =>
        {
            var keyfn = a[0];
            var items = Items("sort-by", a[^1]);
            var keys = new Val[items.Length];
            for (var i = 0; i < items.Length; i++)
                keys[i] = m.Invoke(keyfn, [items[i]]);
            var order = Enumerable.Range(0, items.Length).Select(i => Val.Long(i)).ToArray();
            var cmp = a.Length == 3 ? a[1] : Val.Nil;
            var sorted = MergeSort(m, order, (x, y) => CompareWith(m, cmp.IsNil ? null : cmp, keys[x.AsLong], keys[y.AsLong]));
            return Seqs.List(m, [.. sorted.Select(i => items[i.AsLong])]);
        });
        Def("distinct", 1, 1, (_, a) => Distinct(a[0], ImmutableHashSet.Create<Val>(ValComparer.Instance)));
        Def("distinct?", 1, -1, (_, a) =>
        {
            var seen = new HashSet<Val>(ValComparer.Instance);
            foreach (var x in a)
            {
                if (!seen.Add(x))
                    return Val.False;
            }
            return Val.True;
        });
        Def("nthnext", 2, 2, (m, a) =>
        {
            var s = Seqs.Seq(m, a[0]);
            for (var n = LongArg("nthnext", a[1]); n > 0 && !s.IsNil; n--)
                s = Seqs.Next(m, s);
            return s;
        });
        Def("nthrest", 2, 2, (m, a) =>
        {
            var s = a[0];
            for (var n = LongArg("nthrest", a[1]); n > 0 && !Seqs.Seq(m, s).IsNil; n--)
                s = Seqs.Rest(m, s);
            return s;
        });
        Def("doall", 1, 2, (m, a) =>
        {
            foreach (var _ in Seqs.Values(a[^1], m))
            {
            }
            return a[^1];
        });
        Def("dorun", 1, 2, (m, a) =>
        {
            foreach (var _ in Seqs.Values(a[^1], m))
            {
            }
            return Val.Nil;
        });
        Def("list?", 1, 1, (_, a) => Val.Bool(Seqs.IsList(a[0])));
        Def("seqable?", 1, 1, (_, a) => Val.Bool(Seqs.IsSeqable(a[0])));
        Def("sequential?", 1, 1, (_, a) => Val.Bool(a[0].Kind is ValKind.Vector or ValKind.Seq));
        Def("realized?", 1, 1, (_, a) => a[0].Obj switch
        {
            YLazySeq l => Val.Bool(l.IsRealized),
            YAtom d => Val.Bool(d.Pending is null),
            _ => throw TypeError("realized?", "a lazy seq or a delay", a[0]),
        });
        Def("list*", 1, -1, (m, a) =>
        {
            var tail = a[^1];
            for (var i = a.Length - 2; i >= 0; i--)
                tail = Seqs.Cons(m, a[i], tail);
            return Seqs.Seq(m, tail);
        });
        Def("boolean", 1, 1, (_, a) => Val.Bool(a[0].IsTruthy));
        Def("sorted-map", 0, -1, (m, a) => SortedMap(m, "sorted-map", ValComparer.Instance, a));
        Def("sorted-map-by", 1, -1, (m, a) => SortedMap(m, "sorted-map-by", new YinComparer(a[0]), a[1..]));
        Def("sorted-set", 0, -1, (m, a) =>
        {
            m.Charge(Heap.VectorBytes + (Heap.ElementBytes * a.Length));
            return Val.Object(new YSet(SetEntries.Sorted(ValComparer.Instance).Union(a.ToArray())));
        });
        Def("sorted-set-by", 1, -1, (m, a) =>
        {
            m.Charge(Heap.VectorBytes + (Heap.ElementBytes * a.Length));
            return Val.Object(new YSet(SetEntries.Sorted(new YinComparer(a[0])).Union(a[1..].ToArray())));
        });
        Def("sorted?", 1, 1, (_, a) => Val.Bool(a[0].Obj is YMap { Items.IsSorted: true } or YSet { Items.IsSorted: true }));
        Def("rseq", 1, 1, (m, a) => a[0].Obj switch
        {
            YVector v => v.Count == 0 ? Val.Nil : Seqs.List(m, [.. v.Items.Reverse()]),
            YMap or YSet => Items("rseq", a[0]) is { Length: > 0 } items ? Seqs.List(m, [.. items.Reverse()]) : Val.Nil,
            _ => throw TypeError("rseq", "a vector or a sorted collection", a[0]),
        });
        Def("disj", 1, -1, (m, a) =>
        {
            if (a[0].IsNil)
                return Val.Nil;
            var set = a[0].Obj as YSet ?? throw TypeError("disj", "a set", a[0]);
            var items = set.Items;
            foreach (var x in a[1..])
                items = items.Remove(x);
            return Val.Object(new YSet(items));
        });
        Def("find", 2, 2, (m, a) =>
        {
            var v = Get(a[0], a[1], Missing);
            return ReferenceEquals(v.Obj, Missing.Obj) ? Val.Nil : NewVector(m, [a[1], v]);
        });
        Def("key", 1, 1, (_, a) => a[0].Obj is YVector { Count: 2 } e ? e.Items[0] : throw TypeError("key", "a map entry", a[0]));
        Def("val", 1, 1, (_, a) => a[0].Obj is YVector { Count: 2 } e ? e.Items[1] : throw TypeError("val", "a map entry", a[0]));
        Def("map-entry?", 1, 1, (_, a) => Val.Bool(a[0].Obj is YVector { Count: 2 }));
    }

    private static Val Range(YinMachine m, Val start, Val end, Val step)
    {
        if (start.IsLong && end.IsLong && step.IsLong)
            return step.AsLong == 0 && start.AsLong < end.AsLong ? Repeat(start, -1) : LongRange(start.AsLong, end.AsLong, step.AsLong);
        _ = m;
        var s = Arith.Compare("range", start, start) == 0 ? start : start;
        return DoubleRange(s, end, step);
    }

    private static Val LongRange(long start, long end, long step)
    {
        if (step > 0 ? start >= end : step < 0 ? start <= end : true)
            return Seqs.Empty;
        return Seqs.Lazy(m =>
        {
            var items = new List<Val>(Chunk);
            var x = start;
            while (items.Count < Chunk && (step > 0 ? x < end : x > end))
            {
                items.Add(Val.Long(x));
                if (step > 0 ? x > end - step : x < end - step)
                {
                    x = end;
                    break;
                }
                x += step;
            }
            return Link(m, items, LongRange(x, end, step));
        }, "range", Val.Long(start), Val.Long(end), Val.Long(step));
    }

    private static Val DoubleRange(Val start, Val end, Val step)
    {
        var up = Arith.Compare("range", step, Val.Long(0)) > 0;
        if (up ? Arith.Compare("range", start, end) >= 0 : Arith.Compare("range", start, end) <= 0)
            return Seqs.Empty;
        return Seqs.Lazy(m => Link(m, [start], DoubleRange(Arith.Add(start, step), end, step)));
    }

    /// <summary>A list of <paramref name="items"/> whose rest is <paramref name="more"/>: one generator step.</summary>
    private static Val Link(YinMachine m, List<Val> items, Val more)
    {
        m.Charge(Heap.ElementBytes * 2L * (items.Count + 1));
        m.Burn(items.Count);
        var list = more;
        for (var i = items.Count - 1; i >= 0; i--)
            list = Val.Object(new YList(items[i], list, -1));
        return list;
    }

    private static Val Iterate(Val f, Val x) =>
        Seqs.Lazy(m => Link(m, [x], Seqs.Lazy(m2 => Seqs.Seq(m2, Iterate(f, m2.Invoke(f, [x]))))), "iterate", f, x);

    private static Val Repeat(Val x, long n)
    {
        if (n == 0)
            return Seqs.Empty;
        return Seqs.Lazy(m =>
        {
            var count = n < 0 ? Chunk : (int)Math.Min(Chunk, n);
            return Link(m, [.. Enumerable.Repeat(x, count)], n < 0 ? Repeat(x, -1) : Repeat(x, n - count));
        }, "repeat", n < 0 ? [x] : [Val.Long(n), x]);
    }

    private static Val Repeatedly(Val f, long n)
    {
        if (n == 0)
            return Seqs.Empty;
        return Seqs.Lazy(m => Link(m, [m.Invoke(f, [])], Repeatedly(f, n < 0 ? -1 : n - 1)));
    }

    private static Val Cycle(Val coll, Val at) => Seqs.Lazy(m =>
    {
        var s = Seqs.Seq(m, at);
        if (s.IsNil)
            s = Seqs.Seq(m, coll);
        return Link(m, [Seqs.First(m, s)], Cycle(coll, Seqs.Rest(m, s)));
    });

    /// <summary><c>concat</c>: lazy, so that <c>(concat xs (lazy-seq ...))</c> and <c>for</c> stay lazy.</summary>
    private static Val Concat(Val[] colls, int index, Val current) => Seqs.Lazy(m =>
    {
        var s = Seqs.Seq(m, current);
        while (s.IsNil)
        {
            if (index >= colls.Length)
                return Val.Nil;
            s = Seqs.Seq(m, colls[index++]);
        }
        return Link(m, [Seqs.First(m, s)], Concat(colls, index, Seqs.Rest(m, s)));
    });

    private static Val Distinct(Val coll, ImmutableHashSet<Val> seen) => Seqs.Lazy(m =>
    {
        var s = Seqs.Seq(m, coll);
        while (!s.IsNil)
        {
            var x = Seqs.First(m, s);
            if (!seen.Contains(x))
                return Link(m, [x], Distinct(Seqs.Rest(m, s), seen.Add(x)));
            m.Burn(1);
            s = Seqs.Next(m, s);
        }
        return Val.Nil;
    });

    private static Val Sorted(YinMachine m, Val[] items, Val? cmp)
    {
        if (items.Length == 0)
            return Seqs.Empty;
        var sorted = MergeSort(m, items, (x, y) => CompareWith(m, cmp, x, y));
        return Seqs.List(m, sorted);
    }

    /// <summary>
    /// A comparator as Clojure applies one: a number (its sign), or a boolean predicate such as
    /// <c>&lt;</c> (true: before; else after if (f y x); else equal). Without one, <c>compare</c>.
    /// </summary>
    internal static int CompareWith(YinMachine m, Val? cmp, Val x, Val y)
    {
        if (cmp is not { } f || f.IsNil)
            return ValComparer.Order(x, y);
        var r = m.Invoke(f, [x, y]);
        if (r.IsLong)
            return Math.Sign(r.AsLong);
        if (r.IsDouble)
            return Math.Sign(r.AsDouble);
        if (r.IsTruthy)
            return -1;
        return m.Invoke(f, [y, x]).IsTruthy ? 1 : 0;
    }

    /// <summary>A stable merge sort (Java's sort is stable, so Clojure's is), charging fuel per comparison.</summary>
    private static Val[] MergeSort(YinMachine m, Val[] items, Func<Val, Val, int> compare)
    {
        var a = (Val[])items.Clone();
        var b = new Val[a.Length];
        for (var width = 1; width < a.Length; width *= 2)
        {
            for (var lo = 0; lo < a.Length; lo += 2 * width)
            {
                int mid = Math.Min(lo + width, a.Length), hi = Math.Min(lo + (2 * width), a.Length);
                int i = lo, j = mid, k = lo;
                while (i < mid && j < hi)
                {
                    m.Burn(1);
                    b[k++] = compare(a[j], a[i]) < 0 ? a[j++] : a[i++];
                }
                while (i < mid)
                    b[k++] = a[i++];
                while (j < hi)
                    b[k++] = a[j++];
            }
            (a, b) = (b, a);
        }
        return a;
    }

    private static Val SortedMap(YinMachine m, string fn, IComparer<Val> order, ReadOnlySpan<Val> kvs)
    {
        if (kvs.Length % 2 != 0)
            throw YinException.Of(Kinds.Argument, $"{fn} takes key value pairs");
        m.Charge(Heap.EntryBytes * (kvs.Length / 2));
        var map = MapEntries.Sorted(order);
        for (var i = 0; i < kvs.Length; i += 2)
            map = map.SetItem(kvs[i], kvs[i + 1]);
        return Val.Object(new YMap(map));
    }
}

/// <summary>A comparator written in Yin (<c>sorted-map-by</c>), applied through the running machine.</summary>
internal sealed class YinComparer(Val fn) : IComparer<Val>
{
    public int Compare(Val x, Val y) => Natives.CompareWith(
        YinMachine.Current ?? throw YinException.Of(Kinds.Internal, "a sorted collection's comparator runs only while its program runs"), fn, x, y);
}

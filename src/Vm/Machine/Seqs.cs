using System.Collections.Immutable;

namespace Datom.Vm.Machine;

/// <summary>
/// Clojure's sequence abstraction over every Yin collection: <c>seq</c>, <c>first</c>, <c>rest</c>,
/// <c>next</c>, walking and counting. A seq value is nil or non-empty: a <see cref="YSeq"/> (a
/// position in a vector or in a collection's items) or a <see cref="YList"/>. Lazy seqs are
/// realised here, through the running machine, one step at a time, so that walking one charges
/// fuel per item and an infinite one stops at the fuel (or memory) limit.
/// </summary>
internal static class Seqs
{
    /// <summary><c>(seq coll)</c>: nil for an empty collection, else a seq value.</summary>
    public static Val Seq(YinMachine? m, Val coll)
    {
        while (true)
        {
            switch (coll.Obj)
            {
                case null or YEmptyList:
                    return Val.Nil;
                case YSeq or YList:
                    return coll;
                case YLazySeq lazy:
                    coll = lazy.Seq(m);
                    continue;
                case YAtom a when Natives.IsArray(coll):
                    coll = a.Value;
                    continue;
                case YVector v:
                    return v.Count == 0 ? Val.Nil : Val.Object(new YSeq(v.Items, 0));
                case string s:
                    return s.Length == 0 ? Val.Nil : Val.Object(new YSeq(ImmutableList.CreateRange(Natives.StringItems(s)), 0));
                case YMap or YSet or YRecord:
                {
                    var items = Natives.Items("seq", coll);
                    return items.Length == 0 ? Val.Nil : Val.Object(new YSeq(ImmutableList.Create(items), 0));
                }
                default:
                    throw Natives.TypeError("seq", "a collection", coll);
            }
        }
    }

    public static bool IsSeqable(Val v) => v.Obj is null or YEmptyList or YSeq or YList or YLazySeq or YVector or string or YMap or YSet or YRecord || Natives.IsArray(v);

    public static Val First(YinMachine? m, Val coll)
    {
        var s = Seq(m, coll);
        return s.Obj switch
        {
            YSeq q => q.First,
            YList l => l.First,
            _ => Val.Nil,
        };
    }

    /// <summary><c>(rest coll)</c>: never nil; the empty list when nothing is left.</summary>
    public static Val Rest(YinMachine? m, Val coll)
    {
        var s = Seq(m, coll);
        return s.Obj switch
        {
            YSeq q => q.Next is { } n ? Val.Object(n) : Empty,
            YList l => l.More.IsNil ? Empty : l.More,
            _ => Empty,
        };
    }

    public static Val Next(YinMachine? m, Val coll) => Seq(m, Rest(m, coll));

    public static Val Empty { get; } = Val.Object(YList.Empty);

    /// <summary>Walks a seqable, realising lazy parts as it goes, one fuel step per item.</summary>
    public static IEnumerable<Val> Values(Val coll, YinMachine? m = null)
    {
        switch (coll.Obj)
        {
            case YVector v:
                foreach (var x in v.Items)
                    yield return x;
                yield break;
            case YSeq q:
                foreach (var x in q.Values)
                    yield return x;
                yield break;
        }
        var s = Seq(m, coll);
        while (!s.IsNil)
        {
            (m ?? YinMachine.Current)?.Burn(1);
            switch (s.Obj)
            {
                case YSeq q:
                    foreach (var x in q.Values)
                        yield return x;
                    yield break;
                case YList l:
                    yield return l.First;
                    s = Seq(m, l.More);
                    break;
                default:
                    yield break;
            }
        }
    }

    /// <summary><c>(count coll)</c> of a seq: walks it (a counted list answers at once).</summary>
    public static long Count(YinMachine? m, Val coll)
    {
        long n = 0;
        var s = Seq(m, coll);
        while (!s.IsNil)
        {
            switch (s.Obj)
            {
                case YSeq q:
                    return n + q.Count;
                case YList { Count: > 0 } l:
                    return n + l.Count;
                case YList l:
                    n++;
                    (m ?? YinMachine.Current)?.Burn(1);
                    s = Seq(m, l.More);
                    break;
                default:
                    return n;
            }
        }
        return n;
    }

    /// <summary>A counted list of <paramref name="items"/>, in order.</summary>
    public static Val List(YinMachine? m, IReadOnlyList<Val> items)
    {
        m?.Charge(Heap.ElementBytes * 2L * items.Count);
        Val list = Val.Nil;
        for (var i = items.Count - 1; i >= 0; i--)
            list = Val.Object(new YList(items[i], list, items.Count - i));
        return list.IsNil ? Empty : list;
    }

    /// <summary><c>(cons x coll)</c>.</summary>
    public static Val Cons(YinMachine? m, Val x, Val coll)
    {
        m?.Charge(Heap.ElementBytes * 2L);
        var count = coll.Obj switch
        {
            null or YEmptyList => 1,
            YList { Count: > 0 } l => l.Count + 1,
            _ => -1,
        };
        var more = coll.Obj is YEmptyList ? Val.Nil : coll;
        return Val.Object(new YList(x, more, count));
    }

    /// <summary>A lazy seq whose items come from a host step function (for the generators).</summary>
    public static Val Lazy(Func<YinMachine, Val> step, string? native = null, params Val[]? args) => Val.Object(new YLazySeq(step, native, args));

    /// <summary>Whether a value is a list in Clojure's sense (<c>list?</c>).</summary>
    public static bool IsList(Val v) => v.Obj is YEmptyList or YList { Count: > 0 };

}

using Datom.Log.Edn;

namespace Datom.Vm.Machine;

/// <summary>
/// The S of CESK, as far as limits are concerned: what the program's data costs. Every allocation a
/// program makes (a string, a collection, a closure) is charged before it is made. While the
/// charges stay under the limit nothing else happens; when they would pass it, the live data is
/// measured from the machine's roots (value stack, frames, closures) and the charges restart from
/// that figure. So the limit is on live data, not on the total ever allocated, at a cost amortized
/// over the allocations between measurements; and a single request larger than the limit (a string
/// doubled once too often) is refused before the host allocates anything.
/// </summary>
/// <remarks>
/// Sizes are estimates of the .NET objects behind each value on a 64-bit runtime: an array slot
/// of a <see cref="Val"/> is 16 bytes; an immutable list or sorted-set node about 48; a sorted
/// dictionary node about 64; object headers 16-24. Shared structure is counted once per object
/// reached.
/// </remarks>
internal sealed class Heap(long limit, Func<IEnumerable<Val>> roots, Action? poll = null)
{
    /// <summary>Values visited between two calls of the run's limit check while measuring (a large heap takes a while to walk).</summary>
    private const int PollEvery = 1 << 16;

    public const long ElementBytes = 48;
    public const long EntryBytes = 64;
    public const long VectorBytes = 32;
    public const long RecordBytes = 32;
    public const long SlotBytes = 16;
    public const long ClosureBytes = 40;
    public const long ErrorBytes = 64;

    private long _charged;

    public long Limit => limit;

    /// <summary>Bytes charged since the last measurement, plus that measurement.</summary>
    public long Charged => _charged;

    public long Measurements { get; private set; }

    public static long StringBytes(long chars) => 24 + (2 * chars);

    /// <summary>A BigInteger of this many bits: its object and its array of 32-bit words.</summary>
    public static long BigIntBytes(long bits) => 40 + (4 * ((bits + 31) / 32));

    /// <exception cref="YinException">The live data and this request together pass the limit (<c>:limit/memory</c>).</exception>
    public void Charge(long bytes)
    {
        if (bytes < 0)
            bytes = long.MaxValue / 2;
        _charged = _charged > long.MaxValue - bytes ? long.MaxValue : _charged + bytes;
        if (_charged <= limit)
            return;
        var live = MeasureLive();
        _charged = live + bytes;
        if (_charged > limit)
        {
            throw YinException.Of(Kinds.Limit("memory"),
                $"memory limit: the program needs more than {limit} bytes ({live} bytes live, {bytes} more requested)");
        }
    }

    public long MeasureLive()
    {
        Measurements++;
        var seen = new HashSet<object>(ReferenceEqualityComparer.Instance);
        long total = 0;
        foreach (var v in roots())
            total += Size(v, seen, poll);
        return total;
    }

    /// <summary>The size of a value and everything it holds that is not in <paramref name="seen"/>.</summary>
    /// <param name="poll">Checks the run's deadline and cancellation every <see cref="PollEvery"/> values: measuring is work done for the program.</param>
    public static long Size(Val root, HashSet<object> seen, Action? poll = null)
    {
        long total = 0;
        var stack = new Stack<Val>();
        stack.Push(root);
        var visits = 0;
        while (stack.Count > 0)
        {
            if (++visits == PollEvery)
            {
                visits = 0;
                poll?.Invoke();
            }
            var v = stack.Pop();
            if (v.Obj is null or Keyword or Symbol || v.Kind is ValKind.Long or ValKind.Double or ValKind.Boolean or ValKind.Instant)
                continue;
            if (!seen.Add(v.Obj))
                continue;
            switch (v.Obj)
            {
                case string s:
                    total += StringBytes(s.Length);
                    break;
                case System.Numerics.BigInteger b:
                    total += BigIntBytes(b.GetBitLength());
                    break;
                case YRatio r:
                    total += BigIntBytes(r.Numerator.GetBitLength()) + BigIntBytes(r.Denominator.GetBitLength());
                    break;
                case YVector vec:
                    total += VectorBytes + (ElementBytes * vec.Count);
                    foreach (var x in vec.Items)
                        stack.Push(x);
                    break;
                case YList list:
                    total += ElementBytes * 2;
                    stack.Push(list.First);
                    stack.Push(list.More);
                    break;
                case YLazySeq lazy:
                    total += ElementBytes * 2;
                    if (lazy.IsRealized)
                        stack.Push(lazy.Seq());
                    break;
                case YAtom atom:
                    total += ElementBytes * 2;
                    stack.Push(atom.Value);
                    break;
                case YSeq seq:
                    total += VectorBytes;
                    if (seen.Add(seq.Items))
                    {
                        total += ElementBytes * seq.Items.Count;
                        foreach (var x in seq.Items)
                            stack.Push(x);
                    }
                    break;
                case YSet set:
                    total += VectorBytes + (ElementBytes * set.Count);
                    foreach (var x in set.Items)
                        stack.Push(x);
                    break;
                case YMap map:
                    total += VectorBytes + (EntryBytes * map.Count);
                    foreach (var kv in map.Items)
                    {
                        stack.Push(kv.Key);
                        stack.Push(kv.Value);
                    }
                    break;
                case YRecord r:
                    total += RecordBytes + (SlotBytes * r.Values.Length);
                    foreach (var x in r.Values)
                        stack.Push(x);
                    break;
                case Closure c:
                    total += ClosureBytes + (SlotBytes * c.Captures.Length);
                    foreach (var x in c.Captures)
                        stack.Push(x);
                    break;
                case YinError e:
                    total += ErrorBytes + StringBytes(e.Message.Length);
                    stack.Push(e.Data);
                    break;
                default:
                    total += SlotBytes;
                    break;
            }
        }
        return total;
    }

    public static long Estimate(Val v) => Size(v, new HashSet<object>(ReferenceEqualityComparer.Instance));
}

using System.Runtime.CompilerServices;
using Datom.Index.Storage;
using Datom.Log.Model;

namespace Datom.Index.Views;

/// <summary>
/// A cursor over one index order with the buffers a match needs, reused from one match to the next
/// (<see cref="CurrentView"/> keeps a spare per order): a probe sequence in key order continues from
/// where the previous one stopped, and a match allocates nothing for its keys. It works on raw keys:
/// the live datoms it reads are copied out whole and decoded only when returned, and values are
/// compared as encoded bytes (equal values have equal encodings, <see cref="KeyCodec"/>). Its per-key
/// methods are compiled optimized from the first call (see the remarks on the query evaluator).
/// </summary>
internal sealed class KeyReader(IndexOrder order, MergeCursor cursor) : IDisposable
{
    // EAVT and AEVT keys start with the 20 bytes of [e a] (or [a e]): one group of values.
    private const int GroupSize = EntityId.Size + 4;
    private const int TailSize = KeyCodec.TimeSize;

    private readonly byte[] _group = new byte[GroupSize];
    private byte[] _prefix = new byte[64];
    private int _prefixLength;
    private byte[] _value = new byte[32];
    private int _valueLength;

    // The live datoms read: key i is _keys[_starts[i] .. _starts[i + 1]).
    private byte[] _keys = new byte[512];
    private int[] _starts = new int[9];

    public IndexOrder Order => order;

    /// <summary>How many live datoms the last <see cref="ReadGroup"/> or <see cref="ReadDatom"/> found.</summary>
    public int Count { get; private set; }

    private ReadOnlySpan<byte> Prefix => _prefix.AsSpan(0, _prefixLength);

    /// <summary>The components the scan is confined to (<see cref="KeyCodec.Prefix"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void SetPrefix(EntityId? e, uint? a, Value? v)
    {
        var size = KeyCodec.PrefixMaxSize(v);
        if (_prefix.Length < size)
            _prefix = new byte[size];
        _prefixLength = KeyCodec.WritePrefix(order, e, a, v, _prefix);
    }

    /// <summary>The value <see cref="ValueEquals"/> compares with.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void SetValue(Value v)
    {
        var size = KeyCodec.PrefixMaxSize(v);
        if (_value.Length < size)
            _value = new byte[size];
        _valueLength = KeyCodec.WriteValue(v, _value);
    }

    /// <summary>Seeks to the prefix; false if no key has it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool Start()
    {
        Count = 0;
        return cursor.Seek(Prefix) && cursor.Current.StartsWith(Prefix);
    }

    /// <summary>
    /// Reads the [e a] group at the cursor (EAVT and AEVT only): its live datoms. Returns whether
    /// more keys under the prefix follow.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool ReadGroup()
    {
        Count = 0;
        cursor.Current[..GroupSize].CopyTo(_group);
        while (ReadOne())
        {
            if (!cursor.Current[..GroupSize].SequenceEqual(_group))
                return true;
        }
        return false;
    }

    /// <summary>Reads the datom at the cursor: <see cref="Count"/> is 1 if it is live. Returns whether more keys under the prefix follow.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool ReadDatom()
    {
        Count = 0;
        return ReadOne();
    }

    /// <summary>
    /// Reads every operation on the datom at the cursor (one contiguous run of keys ordered by time)
    /// and keeps its latest if that is an assertion. Returns whether a key under the prefix follows.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool ReadOne()
    {
        var key = cursor.Current;
        var length = key.Length;
        var datom = length - TailSize;
        var start = _starts[Count];
        if (_keys.Length < start + length)
            Array.Resize(ref _keys, Math.Max(_keys.Length * 2, start + length));
        key.CopyTo(_keys.AsSpan(start));
        bool more;
        while (more = cursor.Next())
        {
            var next = cursor.Current;
            if (next.Length != length || !next[..datom].SequenceEqual(_keys.AsSpan(start, datom)))
                break;
            next[datom..].CopyTo(_keys.AsSpan(start + datom));
        }
        if (_keys[start + length - 1] != 0)
        {
            Count++;
            if (_starts.Length <= Count)
                Array.Resize(ref _starts, _starts.Length * 2);
            _starts[Count] = start + length;
        }
        return more && cursor.Current.StartsWith(Prefix);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private ReadOnlySpan<byte> Key(int i) => _keys.AsSpan(_starts[i], _starts[i + 1] - _starts[i]);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public EntityId Entity(int i)
    {
        var key = Key(i);
        return order switch
        {
            IndexOrder.Eavt => KeyCodec.EntityAt(key, 0),
            IndexOrder.Aevt => KeyCodec.EntityAt(key, 4),
            _ => KeyCodec.EntityAt(key, key.Length - TailSize - EntityId.Size),
        };
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public uint Attribute(int i)
    {
        var key = Key(i);
        return order switch
        {
            IndexOrder.Eavt => KeyCodec.AttributeAt(key, EntityId.Size),
            IndexOrder.Vaet => KeyCodec.AttributeAt(key, KeyCodec.ValueLength(key)),
            _ => KeyCodec.AttributeAt(key, 0),
        };
    }

    /// <summary>The encoded value of live datom <paramref name="i"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public ReadOnlySpan<byte> Value(int i)
    {
        var key = Key(i);
        return order switch
        {
            IndexOrder.Eavt or IndexOrder.Aevt => key[GroupSize..^TailSize],
            IndexOrder.Avet => key[4..^(TailSize + EntityId.Size)],
            _ => key[..^(TailSize + EntityId.Size + 4)],
        };
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public Value DecodeValue(int i)
    {
        var o = order switch
        {
            IndexOrder.Eavt or IndexOrder.Aevt => GroupSize,
            IndexOrder.Avet => 4,
            _ => 0,
        };
        return KeyCodec.ReadValue(Key(i), ref o);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public EntityId Tx(int i) => KeyCodec.TxOf(Key(i));

    /// <summary>Whether live datom <paramref name="i"/> has the value given to <see cref="SetValue"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool ValueEquals(int i) => Value(i).SequenceEqual(_value.AsSpan(0, _valueLength));

    /// <summary>
    /// The live datom asserted latest: the greatest time and then tx, which are the key's time part in
    /// byte order; of equals, the first in value order.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int Latest()
    {
        var best = 0;
        for (var i = 1; i < Count; i++)
        {
            if (Key(i)[^TailSize..^1].SequenceCompareTo(Key(best)[^TailSize..^1]) > 0)
                best = i;
        }
        return best;
    }

    public void Dispose() => cursor.Dispose();
}

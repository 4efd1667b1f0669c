namespace Datom.Log.Tables;

/// <summary>
/// Entry hash to entry number, in 8 bytes a slot: open addressing (linear probing), each slot holding
/// 32 bits of the hash (the fingerprint, whose low bits are also the bucket) and the entry number. The full hash is
/// not kept: a fingerprint match is confirmed against the entry's record (<c>entries.tbl</c>), so
/// memory is 8 bytes over a load factor of 3/8..3/4, 11-21 bytes an entry, against 100 or more for
/// a dictionary keyed by the hash.
/// </summary>
/// <remarks>
/// Entry hashes are BLAKE2b-256 outputs, uniform, and a peer cannot choose them without a preimage
/// attack, so the first 8 bytes are a fair bucket key. An absent hash matches a slot's fingerprint
/// with probability 2^-32 per probe, so a lookup of something new almost never reads a record.
/// </remarks>
internal sealed class HashIndex
{
    private ulong[] _slots;
    private int _mask;

    public HashIndex(int capacity = 1024)
    {
        capacity = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, capacity));
        _slots = new ulong[capacity];
        _mask = capacity - 1;
    }

    public int Count { get; private set; }

    /// <summary>The slots themselves, for the image opening loads (<see cref="HashIndexImage"/>).</summary>
    internal ulong[] Slots => _slots;

    /// <summary>Takes the slots of an image of <paramref name="count"/> entries (checked by <see cref="HashIndexImage.TryRead"/>).</summary>
    internal void Load(ulong[] slots, int count)
    {
        _slots = slots;
        _mask = slots.Length - 1;
        Count = count;
    }

    public long Bytes => _slots.Length * 8L;

    /// <summary>
    /// The number of the entry whose hash has this prefix and for which <paramref name="confirm"/> says
    /// yes, or -1.
    /// </summary>
    public int Find<TState>(ulong prefix, TState state, Func<TState, int, bool> confirm)
    {
        var fingerprint = (uint)(prefix >> 32);
        for (var i = (int)fingerprint & _mask; ; i = (i + 1) & _mask)
        {
            var slot = _slots[i];
            if (slot == 0)
                return -1;
            if ((uint)(slot >> 32) == fingerprint && confirm(state, (int)(uint)slot - 1))
                return (int)(uint)slot - 1;
        }
    }

    /// <summary>Adds an entry; the caller knows the hash is not present.</summary>
    public void Insert(ulong prefix, int number)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(number);
        if ((Count + 1) * 4L > _slots.Length * 3L)
            Grow();
        Place(_slots, _mask, ((prefix >> 32) << 32) | (uint)(number + 1));
        Count++;
    }

    /// <summary>Sizes the table for <paramref name="entries"/> at once (opening knows the count): no doubling on the way.</summary>
    public void Reserve(int entries)
    {
        var capacity = (long)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, (entries * 4L / 3) + 1));
        if (capacity <= _slots.Length)
            return;
        var slots = new ulong[capacity];
        var mask = slots.Length - 1;
        foreach (var slot in _slots)
        {
            if (slot != 0)
                Place(slots, mask, slot);
        }
        _slots = slots;
        _mask = mask;
    }

    public void Clear()
    {
        Array.Clear(_slots);
        Count = 0;
    }

    // The bucket is the fingerprint's low bits, so doubling re-places every slot from the slot alone.
    private static void Place(ulong[] slots, int mask, ulong slot)
    {
        var i = (int)(slot >> 32) & mask;
        while (slots[i] != 0)
            i = (i + 1) & mask;
        slots[i] = slot;
    }

    private void Grow()
    {
        var slots = new ulong[_slots.Length * 2];
        var mask = slots.Length - 1;
        foreach (var slot in _slots)
        {
            if (slot != 0)
                Place(slots, mask, slot);
        }
        _slots = slots;
        _mask = mask;
    }
}

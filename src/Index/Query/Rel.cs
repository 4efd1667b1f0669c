using System.Runtime.CompilerServices;

namespace Datom.Index.Query;

/// <summary>
/// A relation: rows of <see cref="Width"/> cells stored one after another in one pooled array, so
/// that extending a row is a copy into the next free place and no row is an object of its own.
/// Slots a row has not bound are nil. The owner releases it when done (the array goes back to the
/// pool, cleared).
/// </summary>
internal sealed class Rel
{
    private static readonly long CellBytes = Unsafe.SizeOf<QValue>();

    // The budget of the query this relation belongs to (QueryBudget.Enter): its rows are counted
    // and capped as they are made, its cells charged before they are allocated.
    private readonly QueryBudget? _budget = QueryBudget.Current;
    private QValue[] _data;

    // Rows [0, _touched) may hold values; the rest of the array is still clear. Every array this
    // type returns to the pool is clear again, so clearing costs what was written, not the array.
    private int _touched;

    public Rel(int width, int capacity = 8)
    {
        Width = width;
        if (width == 0)
        {
            _data = [];
            return;
        }
        var cells = Math.Max(capacity, 1) * width;
        _budget?.Charge(cells * CellBytes);
        _data = Pools.Cells.Rent(cells);
        _budget?.Charge((_data.Length - cells) * CellBytes);
    }

    public int Width { get; }

    public int Count { get; private set; }

    /// <summary>The cells: row i is [i * Width, (i + 1) * Width).</summary>
    public QValue[] Data => _data;

    /// <summary>One row of nils: what a clause list starts from when nothing is bound.</summary>
    public static Rel Unit(int width)
    {
        var r = new Rel(width, 1);
        r.Next();
        r.Commit();
        return r;
    }

    public ReadOnlySpan<QValue> Row(int i) => new(_data, i * Width, Width);

    public Span<QValue> RowForWrite(int i) => new(_data, i * Width, Width);

    public QValue Cell(int row, int slot) => _data[(row * Width) + slot];

    /// <summary>The place for one more row, not yet counted: fill it, then <see cref="Commit"/> (or leave it to be overwritten).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public Span<QValue> Next()
    {
        _budget?.Row(Count);
        Ensure(Count + 1);
        _touched = Math.Max(_touched, Count + 1);
        return new Span<QValue>(_data, Count * Width, Width);
    }

    public void Commit() => Count++;

    /// <summary>Appends a copy of <paramref name="row"/> and returns it for changes.</summary>
    public Span<QValue> Add(ReadOnlySpan<QValue> row)
    {
        var next = Next();
        row.CopyTo(next);
        Count++;
        return next;
    }

    /// <summary>Keeps the first <paramref name="count"/> rows (filters compact rows in place).</summary>
    public void Truncate(int count)
    {
        if (count < Count && Width > 0)
            Array.Clear(_data, count * Width, (Count - count) * Width);
        Count = count;
    }

    public void Release()
    {
        _budget?.Credit(_data.Length * CellBytes);
        Return(_data, _touched * Width);
        _data = [];
        Count = 0;
        _touched = 0;
    }

    private void Ensure(int rows)
    {
        var needed = rows * Width;
        if (needed <= _data.Length)
            return;
        var wanted = Math.Max(needed, _data.Length * 2);
        _budget?.Charge(wanted * CellBytes);
        var bigger = Pools.Cells.Rent(wanted);
        _budget?.Charge((bigger.Length - wanted) * CellBytes);
        _budget?.Credit(_data.Length * CellBytes);
        Array.Copy(_data, bigger, Count * Width);
        Return(_data, _touched * Width);
        _touched = Count;
        _data = bigger;
    }

    private static void Return(QValue[] data, int used)
    {
        // Larger arrays are not pooled (Pools): nothing to clear them for.
        if (data.Length == 0 || data.Length > Pools.MaxCells)
            return;
        Array.Clear(data, 0, Math.Min(used, data.Length));
        Pools.Cells.Return(data);
    }
}

/// <summary>
/// Rows grouped by an entity: an open-addressing table from entity to the last row with it, and
/// <see cref="Next"/> chaining back to the earlier rows (-1 ends a chain). Joins on an entity (the
/// common case) use this instead of a general hash key.
/// </summary>
internal sealed class EntityIndex
{
    private readonly Log.Model.EntityId[] _keys;
    private readonly int[] _heads; // row + 1; 0 is an empty slot
    private readonly int[] _next;
    private readonly int[] _order; // the slots of the distinct entities (KeyAt)
    private readonly int _mask;
    private readonly QueryBudget? _budget = QueryBudget.Current;
    private readonly long _bytes;

    public EntityIndex(int rows)
    {
        var capacity = 16;
        while (capacity < rows * 2)
            capacity <<= 1;
        // Entity keys, heads, and per row a chain link and an order slot.
        _bytes = (capacity * (16L + 4)) + (Math.Max(rows, 1) * 8L);
        _budget?.Charge(_bytes);
        // Pooled: a join on a few thousand rows would otherwise put its table on the large-object heap each time.
        _keys = Pools.Entities.Rent(capacity);
        _heads = Pools.Ints.Rent(capacity);
        Array.Clear(_heads, 0, capacity);
        _next = Pools.Ints.Rent(Math.Max(rows, 1));
        _order = Pools.Ints.Rent(Math.Max(rows, 1));
        _mask = capacity - 1;
    }

    /// <summary>The row before <paramref name="row"/> with the same entity, or -1.</summary>
    public int Next(int row) => _next[row];

    public int Keys { get; private set; }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Add(Log.Model.EntityId e, int row)
    {
        var slot = Hash(e) & _mask;
        while (_heads[slot] != 0 && _keys[slot] != e)
            slot = (slot + 1) & _mask;
        if (_heads[slot] == 0)
        {
            _keys[slot] = e;
            _order[Keys++] = slot;
        }
        _next[row] = _heads[slot] - 1;
        _heads[slot] = row + 1;
    }

    /// <summary>The last row with <paramref name="e"/>, or -1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int Find(Log.Model.EntityId e)
    {
        var slot = Hash(e) & _mask;
        while (true)
        {
            var head = _heads[slot];
            if (head == 0)
                return -1;
            if (_keys[slot] == e)
                return head - 1;
            slot = (slot + 1) & _mask;
        }
    }

    /// <summary>The i-th distinct entity: in order of first appearance, or after <see cref="SortKeys"/> in entity order.</summary>
    public Log.Model.EntityId KeyAt(int i) => _keys[_order[i]];

    /// <summary>The last row with the i-th distinct entity (see <see cref="KeyAt"/>).</summary>
    public int HeadAt(int i) => _heads[_order[i]] - 1;

    /// <summary>
    /// Puts the distinct entities in entity order. Rows that came from an index scan or from lookups
    /// made in entity order are in it already, which one pass confirms without sorting.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void SortKeys()
    {
        var sorted = true;
        for (var i = 1; i < Keys && sorted; i++)
            sorted = _keys[_order[i - 1]].CompareTo(_keys[_order[i]]) < 0;
        if (sorted)
            return;
        var keys = Pools.Entities.Rent(Keys);
        for (var i = 0; i < Keys; i++)
            keys[i] = _keys[_order[i]];
        Array.Sort(keys, _order, 0, Keys);
        Pools.Entities.Return(keys);
    }

    public void Release()
    {
        _budget?.Credit(_bytes);
        Pools.Entities.Return(_keys);
        Pools.Ints.Return(_heads);
        Pools.Ints.Return(_next);
        Pools.Ints.Return(_order);
    }

    // Entity ids are a random 64-bit prefix and a counter; a multiply-xorshift mixes both halves.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Hash(Log.Model.EntityId e)
    {
        var h = (e.Prefix * 0x9E3779B97F4A7C15UL) ^ e.Counter;
        h *= 0xBF58476D1CE4E5B9UL;
        return (int)(h >> 33);
    }
}

/// <summary>
/// A query's result cells, row after row, in chunks kept under the large-object-heap threshold
/// (85,000 bytes: 2,048 cells of 40 bytes), so that a big result does not cost a full collection.
/// </summary>
internal sealed class CellTable
{
    private const int ChunkCells = 2048;
    private readonly List<QValue[]> _chunks = [];
    private readonly int _rowsPerChunk;
    private readonly QueryBudget? _budget = QueryBudget.Current;

    public CellTable(int width)
    {
        Width = width;
        _rowsPerChunk = Math.Max(1, ChunkCells / Math.Max(width, 1));
    }

    public int Width { get; }

    public int Count { get; private set; }

    /// <summary>The place for the next row, counted at once.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public Span<QValue> Add()
    {
        _budget?.Row(Count);
        var chunk = Count / _rowsPerChunk;
        if (chunk == _chunks.Count)
        {
            _budget?.Charge(_rowsPerChunk * Width * (long)Unsafe.SizeOf<QValue>());
            _chunks.Add(new QValue[_rowsPerChunk * Width]);
        }
        var at = Count % _rowsPerChunk * Width;
        Count++;
        return _chunks[chunk].AsSpan(at, Width);
    }

    public QValue Get(int row, int col) => _chunks[row / _rowsPerChunk][(row % _rowsPerChunk * Width) + col];

    /// <summary>Keeps only the first row (a scalar or tuple find).</summary>
    public void KeepFirst() => Count = Math.Min(Count, 1);
}

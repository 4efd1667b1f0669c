using System.Buffers;
using Datom.Log.Model;

namespace Datom.Index.Query;

/// <summary>
/// The pools for the arrays of relations, join tables and result sets, with bounded retention.
/// <see cref="ArrayPool{T}.Shared"/> keeps what is returned to it at any size, per core, for good:
/// after q1 and q2 on 10 million datoms it held 480 MiB of cell arrays and 100 MiB of tables, more
/// than the block cache. These keep up to four arrays per size up to the sizes a query over a
/// database of some hundred thousand datoms uses over and over (so such a query allocates nothing
/// large), at most about 50 MiB in all; larger arrays are the GC's, used once and collected.
/// </summary>
internal static class Pools
{
    private const int ArraysPerSize = 4;

    /// <summary>Cells of relations: 2^17 of 40 bytes is 5 MiB; four of each power of two up to it, 42 MiB at most.</summary>
    public const int MaxCells = 1 << 17;

    public static ArrayPool<QValue> Cells { get; } = ArrayPool<QValue>.Create(MaxCells, ArraysPerSize);

    /// <summary>Entity join tables: 2^17 ids of 16 bytes, as many slots as 64K distinct entities need.</summary>
    public static ArrayPool<EntityId> Entities { get; } = ArrayPool<EntityId>.Create(1 << 17, ArraysPerSize);

    /// <summary>Row chains and hash tables: 2^18 ints.</summary>
    public static ArrayPool<int> Ints { get; } = ArrayPool<int>.Create(1 << 18, ArraysPerSize);
}

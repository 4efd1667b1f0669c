using Datom.Log.Entries;
using Datom.Log.Identity;
using Datom.Log.Model;

namespace Datom.Fuzz.Targets;

/// <summary>
/// Real signed entries, made the same way on every run (keys from fixed seeds, fixed clocks): the
/// seeds of the entry, segment and frame targets.
/// </summary>
internal static class LogSamples
{
    private static readonly Lazy<IReadOnlyList<IReadOnlyList<Entry>>> Histories = new(Build);

    /// <summary>Histories, each in store (topological) order: chains, causal links, a fork and its merge.</summary>
    public static IReadOnlyList<IReadOnlyList<Entry>> All => Histories.Value;

    public static NodeIdentity Author(byte n)
    {
        var seed = new byte[32];
        Array.Fill(seed, n);
        return NodeIdentity.FromSeed(seed);
    }

    private static List<IReadOnlyList<Entry>> Build()
    {
        using var a = Author(1);
        using var b = Author(2);
        var time = 1_700_000_000_000L;
        HlcTimestamp Tick() => HlcTimestamp.From(time += 7, 0);
        EntityId Id(ulong n) => new(0x0123_4567_89AB_CDEF, n);

        LogDatom[] Datoms(ulong n) =>
        [
            new(Id(n), "user/name", Value.String("user " + n), true),
            new(Id(n), "user/age", Value.Long(-(long)n * 1_000_000_007), true),
            new(Id(n), "user/height", Value.Double(1.5 + n), true),
            new(Id(n), "user/admin", Value.Boolean(n % 2 == 0), n % 3 != 0),
            new(Id(n), "user/role", Value.Keyword("role/admin"), true),
            new(Id(n), "user/friend", Value.Ref(Id(n + 1)), true),
            new(Id(n), "user/born", Value.Instant((long)n * 86_400_000), true),
            new(Id(n), "user/blob", Value.Bytes([0, 1, 2, 0xFF, (byte)n]), true),
            new(Id(n), "user/nan", Value.Double(double.NaN), false),
        ];

        // A chain by one author, then a second author who has seen it.
        var a1 = Entry.Create(a, 1, Id(100), Tick(), [], Datoms(1));
        var a2 = Entry.Create(a, 2, Id(101), Tick(), [a1.Hash], Datoms(2));
        var a3 = Entry.Create(a, 3, Id(102), Tick(), [a2.Hash], [new(Id(3), "db/doc", Value.String(new string('x', 300)), true)]);
        var b1 = Entry.Create(b, 1, Id(200), Tick(), [a3.Hash], Datoms(4));
        var b2 = Entry.Create(b, 2, Id(201), Tick(), [b1.Hash], []);

        // A fork (two entries at seq 2 on one parent) and the merge that names both.
        var f2 = Entry.Create(a, 2, Id(103), Tick(), [a1.Hash], Datoms(5));
        var merge = Entry.Create(a, 3, Id(104), Tick(), [a2.Hash, f2.Hash], []);

        return
        [
            [a1, a2, a3, b1, b2],
            [a1, a2, f2, merge],
            [a1],
        ];
    }
}

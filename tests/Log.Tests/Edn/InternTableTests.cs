using System.Runtime.CompilerServices;
using Datom.Log.Edn;
using Xunit;

namespace Datom.Log.Tests.Edn;

public class InternTableTests
{
    private sealed class Box(string text)
    {
        public string Text { get; } = text;
    }

    [Fact]
    public void Hands_out_one_instance_per_text_and_finds_it_by_span()
    {
        var table = new InternTable<Box>();
        var a = table.GetOrAdd("a/b", t => new Box(t));
        Assert.Same(a, table.GetOrAdd("a/b", t => new Box(t)));
        Assert.Same(a, table.TryGet("xa/by".AsSpan(1, 3)));
        Assert.Null(table.TryGet("a/c"));
        GC.KeepAlive(a);
    }

    [Fact]
    public void Unreferenced_entries_can_be_collected_and_revived()
    {
        var table = new InternTable<Box>();
        AddUnreferenced(table, 5000);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        // Whatever was collected is recreated on demand; the table never hands out a dead entry.
        var revived = table.GetOrAdd("k1", t => new Box(t));
        Assert.Equal("k1", revived.Text);
        Assert.Same(revived, table.TryGet("k1"));
        Assert.Equal(":k1", Keyword.Intern(null, "k1").ToString());
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void AddUnreferenced(InternTable<Box> table, int count)
    {
        for (var i = 0; i < count; i++)
        {
            table.GetOrAdd("k" + i, t => new Box(t));
        }
    }
}

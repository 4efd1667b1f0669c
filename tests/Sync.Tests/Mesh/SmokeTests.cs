using Datom.Log.Identity;
using Datom.Sync.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Datom.Sync.Tests.Mesh;

public sealed class SmokeTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Two_nodes_exchange_their_entries()
    {
        var mesh = MeshKey.Generate();
        await using var a = await TestNode.StartAsync(mesh);
        await using var b = await TestNode.StartAsync(mesh);
        for (var i = 0; i < 20; i++)
            await a.AppendAsync(i);
        for (var i = 0; i < 7; i++)
            await b.AppendAsync(100 + i);
        b.Sync.AddPeer(a.Address);
        try
        {
            await Eventually.TrueAsync(() => a.Log.Count == 27 && b.Log.Count == 27, TimeSpan.FromSeconds(10), "both hold 27 entries");
            await a.AppendAsync(50);
            await Eventually.TrueAsync(() => b.Log.Count == 28, TimeSpan.FromSeconds(10), "push reaches b");
        }
        finally
        {
            output.WriteLine(a.Logger.Dump());
            output.WriteLine("---");
            output.WriteLine(b.Logger.Dump());
        }
        Assert.Equal(a.Hashes(), b.Hashes());
    }
}

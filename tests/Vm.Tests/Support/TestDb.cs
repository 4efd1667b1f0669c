using Datom.Index;
using Datom.Log;
using Datom.Log.Identity;
using Datom.Log.Storage;
using Datom.Vm.Loading;

namespace Datom.Vm.Tests.Support;

/// <summary>A node's log and DaoDB, in memory or in a directory, with a loader for Yin source.</summary>
public sealed class TestDb : IDisposable
{
    private TestDb(NodeIdentity identity, DatomLog log, DaoDb db, TimeProvider? time)
    {
        Identity = identity;
        Log = log;
        Db = db;
        Loader = new CodeLoader(db, time);
    }

    public NodeIdentity Identity { get; }

    public DatomLog Log { get; }

    public DaoDb Db { get; }

    public CodeLoader Loader { get; }

    public static TestDb InMemory(TimeProvider? time = null)
    {
        var identity = NodeIdentity.Generate();
        var log = DatomLog.Open(new MemoryStorage(), identity);
        return new TestDb(identity, log, DaoDb.Open(new MemoryStorage(), log), time);
    }

    /// <summary>A data directory laid out as 'datom init' makes it (identity, log, index).</summary>
    public static TestDb OnDisk(string directory)
    {
        var identity = NodeIdentity.Exists(directory) ? NodeIdentity.Load(directory) : NodeIdentity.Create(directory);
        var log = DatomLog.Open(directory, identity);
        return new TestDb(identity, log, DaoDb.Open(directory, log), null);
    }

    public Task<LoadResult> LoadAsync(string source, string name = "core.clj", string? reason = null) =>
        Loader.LoadAsync(source, name, reason);

    public Task<YinVm> VmAsync() => YinVm.OpenAsync(Db);

    public void Dispose()
    {
        Loader.Dispose();
        Db.Dispose();
        Log.Dispose();
        Identity.Dispose();
    }
}

/// <summary>A fresh directory under the system temp folder, removed on dispose.</summary>
public sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "datom-vm-test-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

using Datom.Log.Storage;
using Xunit;

namespace Datom.Log.Tests.Storage;

/// <summary>What every <see cref="IStorage"/> must do; the real disk and the simulated one both pass it.</summary>
public abstract class StorageContractTests : IDisposable
{
    protected abstract IStorage Storage { get; }

    public virtual void Dispose() => GC.SuppressFinalize(this);

    [Fact]
    public void Create_write_read_round_trips()
    {
        using (var f = Storage.Create("a.seg"))
        {
            f.Write(0, "hello"u8);
            f.Write(5, " world"u8);
            f.Sync();
            Assert.Equal(11, f.Length);
        }
        using var g = Storage.Open("a.seg");
        var buffer = new byte[20];
        Assert.Equal(11, g.Read(0, buffer));
        Assert.Equal("hello world"u8.ToArray(), buffer[..11]);
        Assert.Equal(5, g.Read(6, buffer));
        Assert.Equal(0, g.Read(11, buffer));
    }

    [Fact]
    public void Create_refuses_an_existing_file()
    {
        Storage.Create("x").Dispose();
        Assert.ThrowsAny<IOException>(() => Storage.Create("x"));
    }

    [Fact]
    public void Open_of_a_missing_file_fails()
    {
        Assert.ThrowsAny<IOException>(() => Storage.Open("missing"));
    }

    [Fact]
    public void List_is_ordinal_and_delete_removes()
    {
        Storage.Create("b").Dispose();
        Storage.Create("a").Dispose();
        Storage.Create("c").Dispose();
        Storage.Delete("b");
        Assert.Equal(["a", "c"], Storage.List().Where(n => n.Length == 1));
        Assert.False(Storage.Exists("b"));
        Assert.True(Storage.Exists("a"));
    }

    [Fact]
    public void Truncate_shortens_and_later_writes_extend()
    {
        using var f = Storage.Create("t");
        f.Write(0, new byte[100]);
        f.Truncate(10);
        Assert.Equal(10, f.Length);
        f.Write(10, "z"u8);
        Assert.Equal(11, f.Length);
        var b = new byte[1];
        f.Read(10, b);
        Assert.Equal((byte)'z', b[0]);
    }
}

public sealed class FileStorageContractTests : StorageContractTests
{
    private readonly TempDirectory _dir = new();

    public FileStorageContractTests() => Storage = new FileStorage(_dir.Path);

    protected override IStorage Storage { get; }

    public override void Dispose()
    {
        _dir.Dispose();
        base.Dispose();
    }
}

public sealed class MemoryStorageContractTests : StorageContractTests
{
    protected override IStorage Storage { get; } = new MemoryStorage();
}

public class MemoryStorageCrashTests
{
    [Fact]
    public void A_crash_keeps_synced_bytes_and_forgets_unsynced_files()
    {
        var storage = new MemoryStorage();
        using (var f = storage.Create("kept"))
        {
            f.Write(0, "durable"u8);
            f.Sync();
            storage.SyncDirectory();
            f.Write(7, "-volatile"u8);
        }
        storage.Create("never-synced-dir-entry").Dispose();

        storage.Crash(new Random(1));

        Assert.Equal(["kept"], storage.List());
        using var g = storage.Open("kept");
        Assert.InRange(g.Length, 7, 16);
        var b = new byte[7];
        g.Read(0, b);
        Assert.Equal("durable"u8.ToArray(), b);
    }
}

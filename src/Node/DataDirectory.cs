using Datom.Log;
using Datom.Log.Identity;
using Datom.Log.Storage;

namespace Datom.Node;

/// <summary>
/// Where a node keeps everything: <c>identity/node.key</c>, <c>mesh.key</c>, <c>log/</c>, and the
/// <c>LOCK</c> that keeps a second writer out. Resolved from <c>--data</c>, then <c>DATOM_DATA</c>,
/// then the platform's data folder (<c>$XDG_DATA_HOME/datom</c>, else <c>~/.local/share/datom</c>).
/// </summary>
internal sealed class DataDirectory
{
    public DataDirectory(string? option)
    {
        // Inside the daemon a command always works on the daemon's own directory (the client found
        // the daemon through that directory's socket).
        Path = Terminal.Current.Node?.Path ?? Terminal.FullPath(Resolve(option));
    }

    public string Path { get; }

    public string MeshKeyPath => System.IO.Path.Combine(Path, MeshKey.FileName);

    public bool IsInitialized => NodeIdentity.Exists(Path);

    public static string Resolve(string? option)
    {
        if (!string.IsNullOrWhiteSpace(option))
            return option;
        var env = Environment.GetEnvironmentVariable("DATOM_DATA");
        if (!string.IsNullOrWhiteSpace(env))
            return env;
        var xdg = Environment.GetEnvironmentVariable("XDG_DATA_HOME");
        var baseDir = !string.IsNullOrWhiteSpace(xdg)
            ? xdg
            : System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share");
        return System.IO.Path.Combine(baseDir, "datom");
    }

    /// <summary>
    /// Takes the directory's lock and opens its log with the node's identity. Inside the daemon,
    /// lends the daemon's open log and database instead (disposing the loan closes nothing).
    /// </summary>
    public OpenedLog OpenLog(string holder, LogOptions? options = null, Datom.Index.Storage.IndexStoreOptions? indexOptions = null)
    {
        if (Terminal.Current.Node is { } running)
            return running.Opened.Lend();
        if (!IsInitialized)
            throw new CliException(ExitCodes.Unavailable, $"{Path}: not a datom data directory (no identity); run 'datom init --data {Path}' first");
        DirectoryLock dirLock;
        try
        {
            dirLock = DirectoryLock.Acquire(Path, holder);
        }
        catch (DirectoryLockedException e)
        {
            throw new CliException(ExitCodes.Unavailable, e.Message);
        }
        NodeIdentity? identity = null;
        try
        {
            identity = NodeIdentity.Load(Path);
            var log = DatomLog.Open(Path, identity, options);
            foreach (var note in log.Store.RecoveryNotes)
                Terminal.Error.WriteLine($"datom: recovered: {note}");
            // A checkpoint that was damaged or did not match is worth a line; a log that simply has
            // none yet (shorter than one interval) is not.
            foreach (var note in log.OpenNotes.Where(n => !n.StartsWith("opened from checkpoint", StringComparison.Ordinal) && !n.StartsWith("no valid checkpoint", StringComparison.Ordinal)))
                Terminal.Error.WriteLine($"datom: log: {note}");
            return new OpenedLog(dirLock, identity, log, Path) { IndexOptions = indexOptions };
        }
        catch
        {
            identity?.Dispose();
            dirLock.Dispose();
            throw;
        }
    }
}

/// <summary>An open data directory: its lock, identity, log and (opened on first use) DaoDB.</summary>
internal sealed class OpenedLog : IDisposable
{
    private readonly DirectoryLock? _lock;
    private readonly OpenedLog? _lender;
    private Datom.Index.DaoDb? _db;
    private TxFunctions? _txFunctions;

    public OpenedLog(DirectoryLock dirLock, NodeIdentity identity, DatomLog log, string path)
    {
        _lock = dirLock;
        Identity = identity;
        Log = log;
        Path = path;
    }

    private OpenedLog(OpenedLog lender)
    {
        _lender = lender;
        Identity = lender.Identity;
        Log = lender.Log;
        Path = lender.Path;
    }

    public NodeIdentity Identity { get; }

    public DatomLog Log { get; }

    public string Path { get; }

    /// <summary>DaoDB's options (cache and flush sizes); null: its defaults.</summary>
    public Datom.Index.Storage.IndexStoreOptions? IndexOptions { get; init; }

    /// <summary>DaoDB over this log, opened (and caught up with the log) on first use.</summary>
    public Datom.Index.DaoDb Database
    {
        get
        {
            if (_lender is not null)
                return _lender.Database;
            lock (Log)
            {
                if (_db is null)
                {
                    try
                    {
                        _db = Datom.Index.DaoDb.Open(Path, Log, IndexOptions);
                        _txFunctions = new TxFunctions(_db);
                        _db.TxFunctions = _txFunctions;
                    }
                    catch (InvalidOperationException e)
                    {
                        throw new CliException(ExitCodes.Unavailable, $"{Path}: {e.Message}");
                    }
                }
                return _db;
            }
        }
    }

    /// <summary>A handle on the same open log and database whose disposal closes nothing.</summary>
    public OpenedLog Lend() => new(this);

    public void Dispose()
    {
        if (_lender is not null)
            return;
        _txFunctions?.Dispose();
        _db?.Dispose();
        Log.Dispose();
        Identity.Dispose();
        _lock!.Dispose();
    }
}

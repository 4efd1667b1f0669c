namespace Datom.Log.Storage;

/// <summary>
/// A simulated disk that forgets what was not made durable. <see cref="Crash"/> models a power loss:
/// files whose creation was not followed by <see cref="SyncDirectory"/> vanish, deletions not synced
/// come back, and of each file's unsynced tail a random prefix survives, its last sector possibly torn
/// (filled with garbage), as the SQLite and ALICE crash studies describe real disks doing.
/// </summary>
public sealed class MemoryStorage : IStorage
{
    public const int SectorSize = 512;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, SimFile> _files = new(StringComparer.Ordinal);
    // The directory as it was at the last SyncDirectory: what a crash returns to.
    private Dictionary<string, SimFile> _durableEntries = new(StringComparer.Ordinal);
    // Bumped by every crash: handles from before it are dead, as the process that held them is.
    private int _epoch;

    // A planned power cut: mutating operations that still succeed (-1: none planned), and whether
    // the power is off (every mutating operation fails until the crash).
    private int _powerBudget = -1;
    private bool _powerOff;

    public IReadOnlyList<string> List()
    {
        lock (_gate)
        {
            var names = _files.Keys.ToList();
            names.Sort(StringComparer.Ordinal);
            return names;
        }
    }

    public bool Exists(string name)
    {
        lock (_gate)
            return _files.ContainsKey(name);
    }

    public IStorageFile Open(string name)
    {
        lock (_gate)
            return _files.TryGetValue(name, out var f) ? new Handle(this, f, _epoch) : throw new FileNotFoundException($"sim:{name}: no such file");
    }

    public IStorageFile Create(string name)
    {
        lock (_gate)
        {
            Mutating(name);
            if (_files.ContainsKey(name))
                throw new IOException($"sim:{name}: file exists");
            var f = new SimFile();
            _files[name] = f;
            return new Handle(this, f, _epoch);
        }
    }

    public void Delete(string name)
    {
        lock (_gate)
        {
            Mutating(name);
            _files.Remove(name);
        }
    }

    public void SyncDirectory()
    {
        lock (_gate)
        {
            Mutating("the directory");
            _durableEntries = new Dictionary<string, SimFile>(_files, StringComparer.Ordinal);
        }
    }

    /// <summary>
    /// Plans a power cut: <paramref name="operations"/> more mutating operations (create, delete,
    /// write, sync, truncate, directory sync) succeed, and every one after them fails with an
    /// <see cref="IOException"/>, as nothing reaches a disk that lost power. Follow with
    /// <see cref="Crash"/>, which restores the power. The simulator uses it to crash a node in the
    /// middle of a commit, between a write and its sync.
    /// </summary>
    public void CutPowerAfter(int operations)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(operations);
        lock (_gate)
        {
            _powerBudget = operations;
            _powerOff = operations == 0;
        }
    }

    /// <summary>Whether a planned power cut has happened (see <see cref="CutPowerAfter"/>).</summary>
    public bool PowerOff
    {
        get
        {
            lock (_gate)
                return _powerOff;
        }
    }

    /// <summary>
    /// A copy of the directory as a file copy (<c>cp -r</c>) would make it now: every file as it
    /// reads, all of it durable in the copy. The simulator clones a node's data this way, the usual
    /// way one identity comes to write on two machines.
    /// </summary>
    public MemoryStorage Copy()
    {
        var copy = new MemoryStorage();
        lock (_gate)
        {
            foreach (var (name, f) in _files)
            {
                var data = f.Data.AsSpan(0, (int)f.Length).ToArray();
                copy._files[name] = new SimFile { Data = data, Length = data.Length, SyncedData = (byte[])data.Clone(), SyncedLength = data.Length };
            }
            copy._durableEntries = new Dictionary<string, SimFile>(copy._files, StringComparer.Ordinal);
        }
        return copy;
    }

    /// <summary>Counts a mutating operation against a planned power cut. Caller holds the gate.</summary>
    private void Mutating(string what)
    {
        if (_powerOff)
            throw new IOException($"sim:{what}: simulated power loss: the disk does not answer");
        if (_powerBudget > 0 && --_powerBudget == 0)
            _powerOff = true;
    }

    public string Describe(string name) => "sim:" + name;

    /// <summary>Handles opened and not yet disposed: what a real disk would count as file descriptors.</summary>
    public int OpenHandles => Volatile.Read(ref _openHandles);

    private int _openHandles;

    /// <summary>Power loss. Open handles must not be used afterwards.</summary>
    public void Crash(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        lock (_gate)
        {
            _epoch++;
            _powerBudget = -1;
            _powerOff = false;
            _files.Clear();
            foreach (var (name, f) in _durableEntries)
            {
                f.LoseUnsynced(random);
                _files[name] = f;
            }
        }
    }

    private sealed class SimFile
    {
        public byte[] Data = [];
        public long Length;
        public long SyncedLength; // bytes [0, SyncedLength) are durable
        public byte[] SyncedData = [];

        public void LoseUnsynced(Random random)
        {
            var unsynced = Length - SyncedLength;
            var data = SyncedData.AsSpan(0, (int)SyncedLength).ToArray();
            if (unsynced > 0)
            {
                // Some prefix of the unsynced tail made it to the platter.
                var kept = random.NextInt64(0, unsynced + 1);
                var merged = new byte[SyncedLength + kept];
                data.CopyTo(merged, 0);
                Array.Copy(Data, SyncedLength, merged, SyncedLength, kept);
                if (kept > 0 && random.Next(3) == 0)
                {
                    // Torn: the last sector written holds garbage.
                    var end = merged.Length;
                    var start = Math.Max((int)SyncedLength, end - random.Next(1, SectorSize + 1));
                    random.NextBytes(merged.AsSpan(start, end - start));
                }
                data = merged;
            }
            Data = data;
            Length = data.Length;
            SyncedData = (byte[])data.Clone();
            SyncedLength = data.Length;
        }
    }

    private sealed class Handle : IStorageFile
    {
        private readonly MemoryStorage _owner;
        private readonly SimFile _file;
        private readonly int _epoch;
        private int _disposed;

        public Handle(MemoryStorage owner, SimFile file, int epoch)
        {
            _owner = owner;
            _file = file;
            _epoch = epoch;
            Interlocked.Increment(ref owner._openHandles);
        }

        private Lock Gate
        {
            get
            {
                if (_owner._epoch != _epoch)
                    throw new IOException("simulated crash: this handle belongs to a process that is gone");
                return _owner._gate;
            }
        }

        public long Length
        {
            get
            {
                lock (Gate)
                    return _file.Length;
            }
        }

        public int Read(long offset, Span<byte> buffer)
        {
            lock (Gate)
            {
                if (offset >= _file.Length)
                    return 0;
                var n = (int)Math.Min(buffer.Length, _file.Length - offset);
                _file.Data.AsSpan((int)offset, n).CopyTo(buffer);
                return n;
            }
        }

        public void Write(long offset, ReadOnlySpan<byte> data)
        {
            lock (Gate)
            {
                _owner.Mutating("a write");
                var end = offset + data.Length;
                if (end > _file.Data.Length)
                    Array.Resize(ref _file.Data, (int)Math.Max(end, _file.Data.Length * 2L));
                data.CopyTo(_file.Data.AsSpan((int)offset));
                _file.Length = Math.Max(_file.Length, end);
                if (offset < _file.SyncedLength)
                    _file.SyncedLength = offset; // overwrote durable bytes: they are no longer known durable
            }
        }

        public void Sync()
        {
            lock (Gate)
            {
                _owner.Mutating("a sync");
                // Only what is not durable yet is copied: an append-only file costs O(appended) per sync.
                var length = (int)_file.Length;
                if (_file.SyncedData.Length < length)
                    Array.Resize(ref _file.SyncedData, Math.Max(length, _file.SyncedData.Length * 2));
                var from = (int)_file.SyncedLength;
                _file.Data.AsSpan(from, length - from).CopyTo(_file.SyncedData.AsSpan(from));
                _file.SyncedLength = length;
            }
        }

        public void Truncate(long length)
        {
            lock (Gate)
            {
                _owner.Mutating("a truncate");
                if (length > _file.Data.Length)
                    Array.Resize(ref _file.Data, (int)length);
                else
                    _file.Data.AsSpan((int)length).Clear();
                _file.Length = length;
                _file.SyncedLength = Math.Min(_file.SyncedLength, length);
            }
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
                Interlocked.Decrement(ref _owner._openHandles);
        }
    }
}
